#!/usr/bin/env bash
# Run two default-configured single-member etcd clusters, one after the other, and keep
# their logs: the logs of two unrelated clusters that name the same member and cluster
# IDs (etcd derives both from the default name, peer URL and cluster token), as when
# the logs of two environments or two tickets are read together.
#
# usage: etcd-default-single.sh OUTDIR
# env: ETCD, ETCDCTL (binaries, default etcd / etcdctl).
#
# Each run starts etcd with no flag but --data-dir (so: name `default`, client
# http://localhost:2379, peer http://localhost:2380, loopback only), writes 5 keys,
# records `etcdctl endpoint status`, and stops it with SIGTERM. The two runs never
# overlap. Ports 2379 and 2380 must be free.
#
# Output in OUTDIR:
#   a.log, b.log      each run's log (what etcd wrote to stdout and stderr)
#   status-a.json, status-b.json   raw `etcdctl endpoint status -w json` of each run
#   truth.log         "<UTC RFC3339 ms> <text>" lines: what the script did and saw
set -u

die() { echo "etcd-default-single.sh: error: $*" >&2; exit 1; }
[ $# -eq 1 ] || { sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
OUT=$1
ETCD=${ETCD:-etcd}; ETCDCTL=${ETCDCTL:-etcdctl}
export ETCDCTL_API=3
command -v "$ETCD" >/dev/null 2>&1 || die "etcd binary '$ETCD' not found"
command -v "$ETCDCTL" >/dev/null 2>&1 || die "etcdctl binary '$ETCDCTL' not found"
for p in 2379 2380; do
  if (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then
    die "port 127.0.0.1:$p is already in use (another etcd running?)"
  fi
done
mkdir -p "$OUT" || die "cannot create $OUT"
OUT=$(cd "$OUT" && pwd) || die "cannot enter $OUT"
exec </dev/null
rm -rf "$OUT"/data-* "$OUT"/a.log "$OUT"/b.log "$OUT"/status-*.json
: > "$OUT/truth.log"

PID=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$PID" ]; then kill -9 "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; fi
  rm -rf "$OUT"/data-*
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

truth() { echo "$(date -u +%FT%T.%3NZ) $*" >> "$OUT/truth.log"; }
ctl() { "$ETCDCTL" --dial-timeout=1s --command-timeout=2s "$@"; }

one_run() {
  local run=$1 k ok=""
  truth "start $run"
  "$ETCD" --data-dir "$OUT/data-$run" >"$OUT/$run.log" 2>&1 </dev/null &
  PID=$!
  for k in $(seq 1 100); do
    if ctl endpoint status >/dev/null 2>&1; then ok=1; break; fi
    sleep 0.1
  done
  [ -n "$ok" ] || die "run $run: no answer on localhost:2379 within 10 s (see $OUT/$run.log)"
  for k in 1 2 3 4 5; do ctl put "k$k" "$run$k" >/dev/null || die "run $run: put failed"; done
  ctl endpoint status -w json > "$OUT/status-$run.json"
  truth "status $run $(python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))[0]["Status"]
print(json.dumps({"cluster_id":"%x"%d["header"]["cluster_id"],"id":"%x"%d["header"]["member_id"],"leader":"%x"%d["leader"],"term":d["raftTerm"]}))' "$OUT/status-$run.json")"
  truth "SIGTERM $run"
  kill -TERM "$PID"
  for k in $(seq 1 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$PID" 2>/dev/null
  wait "$PID" 2>/dev/null
  PID=""
  truth "stopped $run"
  rm -rf "$OUT/data-$run"
}

one_run a
# a second apart, so that the two logs cannot share a timestamp
sleep 1
one_run b
