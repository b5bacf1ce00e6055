#!/usr/bin/env bash
# Capture the real etcd network-partition logs in fixtures/real/netns-* (see
# fixtures/README.md, "Network-namespace captures"). Needs root and iproute2.
# usage: capture-netns.sh [OUTROOT] [NAME...]
#   OUTROOT defaults to fixtures/real (relative to the repository root).
#   With NAMEs, only those captures are (re)made.
# The runs are strictly sequential (2-core machine; never two clusters at once: before
# each run this waits, up to WAIT seconds (default 900), until no etcd process is
# running on the machine), with HB=100 ET=1000 and a distinct TAG and private
# NET (10.77.<k>.0/24) per run. PART (seconds cut off) may be set per run below.
# VERSION is 3.4 (Debian's etcd on PATH) or 3.5 (etcd 3.5.1 from scripts/get-etcd35.sh).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
OUTROOT=${1:-$root/fixtures/real}
shift $(( $# > 0 ? 1 : 0 ))
only=" $* "
WAIT=${WAIT:-900}

export HB=100 ET=1000
# name                               TAG  NET      LOGGER   N SCENARIO      PREVOTE PART VERSION
runs=(
  "netns-zap-3-part-leader            rl1  10.77.1  zap      3 part-leader   false   4 3.4"
  "netns-zap-3-part-follower          rl2  10.77.2  zap      3 part-follower false   6 3.4"
  "netns-zap-3-part-follower-prevote  rl3  10.77.3  zap      3 part-follower true    6 3.4"
  "netns-capnslog-3-part-leader       rl4  10.77.4  capnslog 3 part-leader   false   4 3.4"
  "netns-capnslog-3-part-follower     rl5  10.77.5  capnslog 3 part-follower false   6 3.4"
  "netns-zap-3-lossy-leader           rl6  10.77.6  zap      3 lossy-leader  false   0 3.4"
  "netns-etcd35-zap-3-lossy-leader    rl7  10.77.7  zap      3 lossy-leader  true    0 3.5"
  "netns-etcd35-zap-3-part-leader     rl8  10.77.8  zap      3 part-leader   true    4 3.5"
)

# wait_idle: until no etcd process runs on this machine (someone else's cluster)
wait_idle() {
  local k
  for k in $(seq 1 "$WAIT"); do
    pgrep -x etcd >/dev/null 2>&1 || return 0
    [ "$k" = 1 ] && echo "capture-netns.sh: waiting for running etcd processes to end ($(pgrep -x etcd | tr '\n' ' '))" >&2
    sleep 1
  done
  echo "capture-netns.sh: etcd processes still running after ${WAIT}s; not starting another cluster" >&2
  return 1
}

mkdir -p "$OUTROOT"
rc=0
for r in "${runs[@]}"; do
  read -r name tag net logger n scen prevote part version <<<"$r"
  [ "$only" = "  " ] || [[ $only == *" $name "* ]] || continue
  wait_idle || exit 1
  bins=()
  if [ "$version" = 3.5 ]; then
    d=$("$here/get-etcd35.sh") || exit 1; bins=(ETCD="$root/$d/etcd" ETCDCTL="$root/$d/etcdctl")
  fi
  echo "== $name: etcd $version TAG=$tag NET=$net PART=$part HB=$HB ET=$ET etcd-netns-cluster.sh $OUTROOT/$name $scen $logger $n $prevote" >&2
  rm -rf "${OUTROOT:?}/$name"
  if ! env TAG="$tag" NET="$net" PART="$part" "${bins[@]}" nice -n -15 "$here/etcd-netns-cluster.sh" "$OUTROOT/$name" "$scen" "$logger" "$n" "$prevote"; then
    echo "capture-netns.sh: $name failed" >&2
    rc=1
  fi
done
exit $rc
