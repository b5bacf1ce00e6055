#!/usr/bin/env bash
# Capture the real etcd logs in fixtures/real/ (see fixtures/README.md, "Real captures").
# usage: capture.sh [OUTROOT] [NAME...]
#   OUTROOT defaults to fixtures/real (relative to the repository root).
#   With NAMEs, only those captures are (re)made.
# The two-default-single captures run scripts/etcd-default-single.sh instead.
# The runs are strictly sequential (2-core machine; never two clusters at once),
# with HB=100 ET=1000 and a distinct BASE port per run. VERSION is 3.4 (Debian's etcd
# on PATH), 3.5 (etcd 3.5.1 from scripts/get-etcd35.sh) or 3.4+3.5 (odd members 3.4,
# even members 3.5.1, as during an upgrade). The fault runs (slowdisk*, cpu*) need root
# and cgroup v1; the etcd processes run at nice -15 so that a busy machine does not
# stall them by accident.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
OUTROOT=${1:-$root/fixtures/real}
shift $(( $# > 0 ? 1 : 0 ))
only=" $* "

export HB=100 ET=1000
# name                        BASE  LOGGER   N SCENARIO         PREVOTE VERSION
runs=(
  "zap-3-mixed                  24000 zap      3 mixed            false   3.4"
  "capnslog-3-mixed             24200 capnslog 3 mixed            false   3.4"
  "zap-5-storm                  24400 zap      5 storm            false   3.4"
  "capnslog-5-storm             24600 capnslog 5 storm            false   3.4"
  "zap-3-prevote-pause          24800 zap      3 pause            true    3.4"
  "capnslog-3-quiet             25000 capnslog 3 quiet            false   3.4"
  "etcd35-zap-3-mixed           25200 zap      3 mixed            false   3.5"
  "etcd35-zap-3-mixed-prevote   25400 zap      3 mixed            true    3.5"
  "etcd35-zap-5-storm-prevote   25600 zap      5 storm            true    3.5"
  "etcd35-zap-3-slowdisk        25800 zap      3 slowdisk         true    3.5"
  "etcd35-zap-3-slowdisk-control 26000 zap     3 slowdisk-control true    3.5"
  "etcd35-zap-3-slowfollower    26200 zap      3 slowfollower     true    3.5"
  "etcd35-zap-3-cpu             26400 zap      3 cpu              true    3.5"
  "etcd35-zap-3-cpufollower     26600 zap      3 cpufollower      true    3.5"
  "zap-3-slowdisk               26800 zap      3 slowdisk         false   3.4"
  "capnslog-3-cpu               27000 capnslog 3 cpu              false   3.4"
  "upgrade-zap-3-mixed          27200 zap      3 mixed            false   3.4+3.5"
  "zap-3-slowdisk-defrag        27400 zap      3 slowdisk-defrag  false   3.4"
  "capnslog-3-slowdisk-defrag   27600 capnslog 3 slowdisk-defrag  false   3.4"
  "etcd35-zap-3-slowdisk-defrag 27800 zap      3 slowdisk-defrag  true    3.5"
  "zap-3-slowstop               28000 zap      3 slowstop         false   3.4"
  "capnslog-3-slowstop          28200 capnslog 3 slowstop         false   3.4"
  "zap-3-rolling                28400 zap      3 rolling          false   3.4"
)
# the CPU fault: 2 ms of CPU per second, so that the starved leader misses its
# heartbeats for longer than the election timeout (with the 100 ms default period a
# Go process still sends them in time)
export CPU_PERIOD_US=1000000 CPU_QUOTA_US=2000

mkdir -p "$OUTROOT"
rc=0
# two default-configured single-member clusters, one after the other (their own script:
# no flag but the data directory; ports 2379 and 2380)
for name in two-default-single etcd35-two-default-single; do
  [ "$only" = "  " ] || [[ $only == *" $name "* ]] || continue
  bins=()
  if [ "$name" = etcd35-two-default-single ]; then
    d=$("$here/get-etcd35.sh") || exit 1
    bins+=(ETCD="$root/$d/etcd" ETCDCTL="$root/$d/etcdctl")
  fi
  echo "== $name: etcd-default-single.sh $OUTROOT/$name" >&2
  rm -rf "${OUTROOT:?}/$name"
  if ! env "${bins[@]}" nice -n -15 "$here/etcd-default-single.sh" "$OUTROOT/$name"; then
    echo "capture.sh: $name failed" >&2
    rc=1
  fi
done
for r in "${runs[@]}"; do
  read -r name base logger n scen prevote version <<<"$r"
  [ "$only" = "  " ] || [[ $only == *" $name "* ]] || continue
  bins=()
  # the defrag runs also snapshot often, so that snapshots fall inside the fault window
  [ "$scen" = slowdisk-defrag ] && bins+=(SNAPSHOT_COUNT=20)
  case $version in
    3.4) ;;
    3.5) d=$("$here/get-etcd35.sh") || exit 1; bins+=(ETCD="$root/$d/etcd" ETCDCTL="$root/$d/etcdctl") ;;
    3.4+3.5) d=$("$here/get-etcd35.sh") || exit 1; bins+=(EVEN_ETCD="$root/$d/etcd" ETCDCTL="$root/$d/etcdctl") ;;
  esac
  echo "== $name: etcd $version BASE=$base HB=$HB ET=$ET etcd-cluster.sh $OUTROOT/$name $scen $logger $n $prevote" >&2
  rm -rf "${OUTROOT:?}/$name"
  if ! env BASE="$base" "${bins[@]}" nice -n -15 "$here/etcd-cluster.sh" "$OUTROOT/$name" "$scen" "$logger" "$n" "$prevote"; then
    echo "capture.sh: $name failed" >&2
    rc=1
  fi
done
exit $rc
