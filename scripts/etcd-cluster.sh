#!/usr/bin/env bash
# Run a real N-member etcd cluster on loopback, cause elections, and record the
# logs together with ground truth. Used to produce fixtures/real/ (see
# scripts/capture.sh and fixtures/README.md).
#
# usage: etcd-cluster.sh OUTDIR SCENARIO [LOGGER] [N] [PREVOTE]
#   SCENARIO: pause    SIGSTOP the leader for 3 s, then SIGCONT
#             kill     SIGKILL the leader, wait 2 s, restart it
#             stop     SIGTERM the leader, wait 2 s, restart it
#             transfer etcdctl move-leader to another member
#             storm    6 pauses of the current leader, 2.5 s each (> 2x ET with ET=1000)
#             mixed    pause, transfer, kill+restart, 3 pauses, stop+restart, transfer
#             quiet    nothing (only the bootstrap election)
#             slowstop quiet, then the final stop takes its time: followers first, STOP_GAP_S
#                      (5) seconds apart, the leader last, as a maintenance or a
#                      `docker compose down` one member at a time; the members still
#                      running lose quorum and campaign in vain (each stop in truth.log)
#             rolling  a rolling restart: each member in turn SIGTERM, RESTART_GAP_S (1) s
#                      down, started again, ROLL_SETTLE_S (3) s to settle; the followers
#                      first, the leader last (scripts/faults.sh rolling_restart)
#             slowdisk the leader's disk slowed for SLOW_S s (6) under a write load: its
#                      process's writes throttled to SLOW_IOPS (1) per second (cgroup v1
#                      blkio.throttle.write_iops_device on the data dir's device), so
#                      every fdatasync waits about a second; the CPU is untouched
#             slowdisk-control  the same set-up and write load, no throttle
#             slowdisk-defrag   slowdisk, and `etcdctl defrag` of the leader 1.5 s into the
#                      window (a defrag run on a slow disk, as by a nightly job); with
#                      SNAPSHOT_COUNT=20 the leader also saves snapshots during the window
#             slowfollower  the same slow disk on a follower
#             cpu      the leader's process starved of CPU for CPU_S s (6): a cgroup v1
#                      cpu quota of CPU_QUOTA_US per CPU_PERIOD_US (2000/100000 = 2 %)
#             cpufollower   the same CPU starvation on a follower
#   LOGGER:   zap (default) | capnslog
#   N:        number of members (default 3)
#   PREVOTE:  true | false (default false), passed to --pre-vote
# env: HB (heartbeat ms, default 100), ET (election timeout ms, default 1000),
#      BASE (ports: client BASE+i, peer BASE+100+i; default 24000),
#      ETCD, ETCDCTL (binaries, default etcd / etcdctl),
#      EVEN_ETCD (another etcd binary for the even-numbered members: a mixed-version
#      cluster, as during an upgrade; not ETCD_…: etcd takes ETCD_* variables for flags),
#      SNAPSHOT_COUNT (--snapshot-count of every member; etcd's default when unset),
#      STOP_GAP_S (slowstop: seconds between two stops at the end, default 5),
#      KEEP_DATA=1 keeps the data dirs.
#
# Output in OUTDIR:
#   n<i>.log          the member's log (zap: --log-outputs; capnslog: stderr+stdout)
#   n<i>.stdout       zap mode only: what etcd wrote to stdout/stderr (removed if empty)
#   truth.log         "<UTC RFC3339 ms> <text>" lines: what the script did and saw
#   status-<k>.json   raw `etcdctl endpoint status -w json` of the k-th "status" line
#   metrics-n<i>.txt  /metrics of member i, dumped before anything is stopped
#   members.json      [{"name","id"(hex),"peer_url","client_url"}]
set -u

usage() { sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
die() { echo "etcd-cluster.sh: error: $*" >&2; exit 1; }
. "$(dirname "$0")/faults.sh"

[ $# -ge 2 ] || usage
OUT=$1; SCEN=$2; LOGGER=${3:-zap}; N=${4:-3}; PREVOTE=${5:-false}
HB=${HB:-100}; ET=${ET:-1000}; BASE=${BASE:-24000}
ETCD=${ETCD:-etcd}; ETCDCTL=${ETCDCTL:-etcdctl}
export ETCDCTL_API=3

case $SCEN in pause|kill|stop|transfer|storm|mixed|quiet|slowstop|rolling|slowdisk|slowdisk-control|slowdisk-defrag|slowfollower|cpu|cpufollower) ;; *) die "unknown scenario '$SCEN'" ;; esac
case $LOGGER in zap|capnslog) ;; *) die "unknown logger '$LOGGER' (zap or capnslog)" ;; esac
case $PREVOTE in true|false) ;; *) die "PREVOTE must be true or false, not '$PREVOTE'" ;; esac
[[ $N =~ ^[1-9][0-9]*$ ]] || die "N must be a positive integer, not '$N'"
STOP_GAP_S=${STOP_GAP_S:-5}
for v in HB ET BASE STOP_GAP_S; do [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be an integer, not '${!v}'"; done
command -v "$ETCD" >/dev/null 2>&1 || die "etcd binary '$ETCD' not found (install etcd-server or set ETCD=/path/to/etcd)"
command -v "$ETCDCTL" >/dev/null 2>&1 || die "etcdctl binary '$ETCDCTL' not found (install etcd-client or set ETCDCTL=/path/to/etcdctl)"
for t in python3 curl; do command -v $t >/dev/null 2>&1 || die "$t not found"; done
if [ -n "${EVEN_ETCD:-}" ]; then
  command -v "$EVEN_ETCD" >/dev/null 2>&1 || die "EVEN_ETCD binary '$EVEN_ETCD' not found"
fi
fault_check "$SCEN"

# Absolute OUTDIR so that the script works from any cwd.
mkdir -p "$OUT" || die "cannot create $OUT"
OUT=$(cd "$OUT" && pwd) || die "cannot enter $OUT"
exec </dev/null

# Refuse to start if any of our ports is already taken (another cluster running?).
for i in $(seq 1 "$N"); do
  for p in $((BASE+i)) $((BASE+100+i)); do
    if (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then
      die "port 127.0.0.1:$p is already in use (another cluster running? choose another BASE)"
    fi
  done
done

rm -rf "$OUT"/data* "$OUT"/n*.log "$OUT"/n*.stdout "$OUT"/metrics-n*.txt "$OUT"/status-*.json "$OUT"/members.json
: > "$OUT/truth.log"

cluster=""
for i in $(seq 1 "$N"); do cluster+="n$i=http://127.0.0.1:$((BASE+100+i)),"; done; cluster=${cluster%,}
declare -A PID      # current pid of member i
ALLPIDS=()          # every etcd pid this script ever started
CGROUPS=()          # cgroups made by the slow-disk and CPU faults

alive() { # pid is running or stopped, not a zombie and not gone
  local st
  st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}
cleanup() {
  local rc=$? p
  trap - EXIT INT TERM
  {
    for p in "${ALLPIDS[@]}"; do
      if alive "$p"; then kill -9 "$p"; fi
    done
    wait
    for p in "${CGROUPS[@]}"; do rmdir "$p"; done
  } 2>/dev/null
  [ "${KEEP_DATA:-0}" = 1 ] || rm -rf "$OUT"/data*
  for i in $(seq 1 "$N"); do
    [ -f "$OUT/n$i.stdout" ] && [ ! -s "$OUT/n$i.stdout" ] && rm -f "$OUT/n$i.stdout"
  done
  exit $rc
}
trap cleanup EXIT
trap 'echo "etcd-cluster.sh: interrupted" >&2; exit 130' INT
trap 'echo "etcd-cluster.sh: terminated" >&2; exit 143' TERM

start() {
  local i=$1
  local args=(--name "n$i" --data-dir "$OUT/data$i" --listen-client-urls "http://127.0.0.1:$((BASE+i))"
    --advertise-client-urls "http://127.0.0.1:$((BASE+i))" --listen-peer-urls "http://127.0.0.1:$((BASE+100+i))"
    --initial-advertise-peer-urls "http://127.0.0.1:$((BASE+100+i))" --initial-cluster "$cluster"
    --initial-cluster-state new --initial-cluster-token "tok-$BASE" --heartbeat-interval "$HB" --election-timeout "$ET"
    --pre-vote="$PREVOTE" --logger "$LOGGER")
  if [ -n "${SNAPSHOT_COUNT:-}" ]; then args+=(--snapshot-count "$SNAPSHOT_COUNT"); fi
  local bin=$ETCD
  if [ -n "${EVEN_ETCD:-}" ] && [ $((i % 2)) = 0 ]; then bin=$EVEN_ETCD; fi
  if [ "$LOGGER" = zap ]; then
    "$bin" "${args[@]}" --log-outputs "$OUT/n$i.log" >>"$OUT/n$i.stdout" 2>&1 </dev/null &
  else
    "$bin" "${args[@]}" >>"$OUT/n$i.log" 2>&1 </dev/null &
  fi
  PID[$i]=$!
  ALLPIDS+=("$!")
}
# stop_member I SIG: send SIG, wait up to 10 s for the process to exit, then kill -9.
stop_member() {
  local i=$1 sig=${2:-TERM} p=${PID[$1]} k
  kill -"$sig" "$p" 2>/dev/null
  for k in $(seq 1 100); do alive "$p" || break; sleep 0.1; done
  if alive "$p"; then truth "n$i did not exit within 10 s of SIG$sig: SIGKILL"; kill -9 "$p" 2>/dev/null; fi
  wait "$p" 2>/dev/null
}
eps() { local s="" i; for i in $(seq 1 "$N"); do s+="http://127.0.0.1:$((BASE+i)),"; done; echo "${s%,}"; }
truth() { echo "$(date -u +%FT%T.%3NZ) $*" >> "$OUT/truth.log"; }
ctl() { "$ETCDCTL" --dial-timeout=1s --command-timeout=2s "$@"; }
status() { ctl --endpoints "$(eps)" endpoint status -w json 2>/dev/null; }
leader_idx() { # prints index of the member that reports itself leader (1..N), or nothing
  status | python3 -c 'import json,sys
try: d=json.load(sys.stdin)
except Exception: sys.exit()
for e in d:
  if e["Status"].get("leader")==e["Status"]["header"]["member_id"]: print(int(e["Endpoint"].rsplit(":",1)[1])-'"$BASE"'); break'
}
# wait_leader: poll until a member says it leads, for up to 30 s (a deadline, so that
# slow etcdctl calls on a busy machine do not shorten it)
wait_leader() { local l end=$((SECONDS + 30)); while [ $SECONDS -lt $end ]; do l=$(leader_idx); [ -n "$l" ] && { echo "$l"; return; }; sleep 0.1; done; }
need_leader() { local l; l=$(wait_leader); [ -n "$l" ] || die "no leader within timeout (see $OUT/n*.log)"; echo "$l"; }
SNAP=0
snap() { # one "status" line in truth.log, and the raw output in status-<k>.json
  local raw
  raw=$(status)
  SNAP=$((SNAP+1))
  printf '%s\n' "$raw" > "$OUT/status-$SNAP.json"
  truth "status $(printf '%s' "$raw" | python3 -c 'import json,sys
try: d=json.load(sys.stdin)
except Exception: d=[]
print(json.dumps([{"ep":e["Endpoint"],"id":"%x"%e["Status"]["header"]["member_id"],"leader":"%x"%e["Status"].get("leader",0),"term":e["Status"].get("raftTerm",0)} for e in d]))')"
}
metrics() {
  local i
  for i in $(seq 1 "$N"); do
    curl -s -m 5 "http://127.0.0.1:$((BASE+i))/metrics" > "$OUT/metrics-n$i.txt"
    truth "metrics n$i metrics-n$i.txt"
  done
}
members() { # members.json, once every member has published its name and client URL
  # a deadline, not a count of tries: on a busy 2-core machine five members starting
  # together can take well over 10 s to publish their names
  local raw end=$((SECONDS + 60))
  while [ $SECONDS -lt $end ]; do
    raw=$(ctl --endpoints "$(eps)" member list -w json 2>/dev/null)
    if printf '%s' "$raw" | python3 -c 'import json,sys
d=json.load(sys.stdin)["members"]
assert len(d)=='"$N"' and all(m.get("name") and m.get("clientURLs") for m in d)' 2>/dev/null; then
      printf '%s' "$raw" | python3 -c 'import json,sys
d=json.load(sys.stdin)["members"]
d.sort(key=lambda m: int(m["name"][1:]))
print(json.dumps([{"name":m["name"],"id":"%x"%m["ID"],"peer_url":m["peerURLs"][0],"client_url":m["clientURLs"][0]} for m in d], indent=1))' > "$OUT/members.json"
      return
    fi
    sleep 0.2
  done
  die "member list incomplete after 60 s"
}
load() { local k; for k in $(seq 1 "${1:-20}"); do ctl --endpoints "$(eps)" put "k$k" "v$k" >/dev/null 2>&1; done; }

pause() {
  local l; l=$(need_leader) || exit 1
  truth "SIGSTOP n$l"; kill -STOP "${PID[$l]}"; sleep "${1:-3}"; kill -CONT "${PID[$l]}"; truth "SIGCONT n$l"
  sleep 1.5; L=$(need_leader) || exit 1; truth "leader n$L"; load 10; snap
}
killer() {
  local l; l=$(need_leader) || exit 1
  truth "SIGKILL n$l"; kill -9 "${PID[$l]}"; wait "${PID[$l]}" 2>/dev/null
  sleep "${1:-2}"; L=$(need_leader) || exit 1; truth "leader n$L"
  start "$l"; truth "restart n$l"; sleep 2; load 10; snap
}
stopper() {
  local l; l=$(need_leader) || exit 1
  truth "SIGTERM n$l"; stop_member "$l" TERM; truth "exited n$l"
  sleep "${1:-2}"; L=$(need_leader) || exit 1; truth "leader n$L"
  start "$l"; truth "restart n$l"; sleep 2; load 10; snap
}
transfer() {
  local l tgt out
  l=$(need_leader) || exit 1
  tgt=$(status | python3 -c 'import json,sys
for e in json.load(sys.stdin):
  if not e["Endpoint"].endswith(":'"$((BASE+l))"'"): print("%x"%e["Status"]["header"]["member_id"]); break')
  [ -n "$tgt" ] || die "no transfer target"
  truth "move-leader from n$l to $tgt"
  out=$(ctl --endpoints "http://127.0.0.1:$((BASE+l))" move-leader "$tgt" 2>&1 | tr '\n' ' ')
  truth "move-leader: ${out% }"
  sleep 1; L=$(need_leader) || exit 1; truth "leader n$L"; load 5; snap
}

writer() { # writer SECONDS: puts as fast as one client goes, so that the WAL syncs
  local end=$((SECONDS + $1)) k=0
  while [ $SECONDS -lt "$end" ]; do k=$((k+1)); ctl --endpoints "$(eps)" put "w$k" "v$k" >/dev/null 2>&1; done
}
data_dir() { echo "$OUT/data$1"; }
FAULT_ID=$BASE
settle() { sleep 2; L=$(need_leader) || exit 1; truth "leader n$L"; load 10; snap; }
follower_of() { echo $(( $1 % N + 1 )); }

for i in $(seq 1 "$N"); do start "$i"; done
L=$(need_leader) || exit 1; truth "leader n$L"
members
load 20; snap
case $SCEN in
  pause) pause 3 ;;
  kill) killer 2 ;;
  stop) stopper 2 ;;
  transfer) transfer ;;
  storm) for r in 1 2 3 4 5 6; do pause 2.5; done ;;
  mixed) pause 3; transfer; killer 2; for r in 1 2 3; do pause 2.5; done; stopper 2; transfer ;;
  quiet|slowstop) sleep 2 ;;
  rolling) rolling_restart ;;
  slowdisk) l=$(need_leader) || exit 1; slow_disk "$l"; settle ;;
  slowdisk-control) l=$(need_leader) || exit 1; truth "CONTROL n$l start (write load, no throttle)"
    writer 9; truth "CONTROL n$l end"; settle ;;
  slowdisk-defrag) l=$(need_leader) || exit 1
    ( sleep 2.5; truth "DEFRAG n$l start"
      "$ETCDCTL" --dial-timeout=1s --command-timeout=60s --endpoints "http://127.0.0.1:$((BASE+l))" defrag >/dev/null 2>&1
      truth "DEFRAG n$l end (etcdctl exit $?)" ) & dp=$!
    slow_disk "$l"; wait "$dp"; settle ;;
  slowfollower) l=$(need_leader) || exit 1; slow_disk "$(follower_of "$l")"; settle ;;
  cpu) l=$(need_leader) || exit 1; starve_cpu "$l"; settle ;;
  cpufollower) l=$(need_leader) || exit 1; starve_cpu "$(follower_of "$l")"; settle ;;
esac
sleep 1; snap; metrics

# Stop followers first, so that the stopping leader has nobody to hand leadership to.
L=$(leader_idx)
if [ "$SCEN" = slowstop ]; then
  for i in $(seq 1 "$N"); do
    [ "$i" = "$L" ] && continue
    truth "SIGTERM n$i"; stop_member "$i" TERM; truth "exited n$i"; sleep "$STOP_GAP_S"
  done
  [ -n "$L" ] && { truth "SIGTERM n$L"; stop_member "$L" TERM; truth "exited n$L"; }
else
  for i in $(seq 1 "$N"); do [ "$i" = "$L" ] || stop_member "$i" TERM; done
  [ -n "$L" ] && stop_member "$L" TERM
fi
truth "stopped"

python3 - "$OUT" "$SCEN" "$LOGGER" "$N" "$SNAP" <<'EOF'
import json, sys, os
out, scen, logger, n, nsnap = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
leaders, order, term = set(), [], None
for k in range(1, nsnap + 1):
    try:
        d = json.load(open(os.path.join(out, "status-%d.json" % k)))
    except Exception:
        continue
    ls = {"%x" % e["Status"]["leader"] for e in d if e["Status"]["leader"]}
    for l in sorted(ls):
        leaders.add(l)
        if not order or order[-1] != l:
            order.append(l)
    if d:
        term = max(e["Status"]["raftTerm"] for e in d)
print("scenario=%s logger=%s n=%s distinct_leaders=%d leader_sequence=%s final_term=%s snapshots=%d"
      % (scen, logger, n, len(leaders), ",".join(order), term, nsnap))
EOF
