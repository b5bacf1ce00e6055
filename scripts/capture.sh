#!/usr/bin/env bash
# Capture the real etcd logs in fixtures/real/ (see fixtures/README.md, "Real captures").
# usage: capture.sh [OUTROOT] [NAME...]
#   OUTROOT defaults to fixtures/real (relative to the repository root).
#   With NAMEs, only those captures are (re)made.
# The runs are strictly sequential (2-core machine; never two clusters at once),
# with HB=100 ET=1000 and a distinct BASE port per run.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
OUTROOT=${1:-$root/fixtures/real}
shift $(( $# > 0 ? 1 : 0 ))
only=" $* "

export HB=100 ET=1000
# name            BASE  LOGGER   N SCENARIO PREVOTE
runs=(
  "zap-3-mixed          24000 zap      3 mixed    false"
  "capnslog-3-mixed     24200 capnslog 3 mixed    false"
  "zap-5-storm          24400 zap      5 storm    false"
  "capnslog-5-storm     24600 capnslog 5 storm    false"
  "zap-3-prevote-pause  24800 zap      3 pause    true"
  "capnslog-3-quiet     25000 capnslog 3 quiet    false"
)

mkdir -p "$OUTROOT"
rc=0
for r in "${runs[@]}"; do
  read -r name base logger n scen prevote <<<"$r"
  [ "$only" = "  " ] || [[ $only == *" $name "* ]] || continue
  echo "== $name: BASE=$base HB=$HB ET=$ET etcd-cluster.sh $OUTROOT/$name $scen $logger $n $prevote" >&2
  rm -rf "${OUTROOT:?}/$name"
  if ! BASE=$base "$here/etcd-cluster.sh" "$OUTROOT/$name" "$scen" "$logger" "$n" "$prevote"; then
    echo "capture.sh: $name failed" >&2
    rc=1
  fi
done
exit $rc
