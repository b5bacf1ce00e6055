#!/usr/bin/env bash
# Run a real N-member etcd cluster with one network namespace per member (veth pairs on
# a private bridge), cut a member off the network and heal it, and record the logs
# together with ground truth. Used to produce fixtures/real/netns-* (see
# scripts/capture-netns.sh and fixtures/README.md). Needs root and iproute2.
#
# usage: etcd-netns-cluster.sh OUTDIR SCENARIO [LOGGER] [N] [PREVOTE]
#   SCENARIO: part-leader    cut the leader off for PART s (default 4), heal
#             part-follower  cut a follower off for PART s (default 6), heal
#             lossy-leader   the leader's namespace drops LOSS (default 0.6) of the packets
#                            in and out at random for LOSSY s (default 8), under a write
#                            load (iptables -m statistic in its namespace), then clean
#             slowdisk, cpu, slowfollower, cpufollower   the disk and CPU faults of
#                            etcd-cluster.sh (scripts/faults.sh: SLOW_S, SLOW_IOPS, CPU_S,
#                            CPU_QUOTA_US, CPU_PERIOD_US) on the leader or a follower
#             rolling        the rolling restart of etcd-cluster.sh (scripts/faults.sh:
#                            RESTART_GAP_S, ROLL_SETTLE_S): each member in turn stopped
#                            and started again, the leader last
#   LOGGER:   zap (default) | capnslog
#   N:        number of members (default 3)
#   PREVOTE:  true | false (default false), passed to --pre-vote
# env: NET (first three octets of the private /24, default 10.77.0; member i is NET.i,
#      the bridge NET.254), TAG (prefix of the netns/link names, default rl; the links
#      are TAGbr, TAGv<i> (bridge side) and TAGp<i> (namespace side), the namespaces
#      TAGn<i>; TAGv<N> must fit the 15-character interface name limit),
#      HB (heartbeat ms, default 100), ET (election timeout ms, default 1000),
#      PART (seconds the member stays cut off; default 4 for part-leader, 6 for
#      part-follower), DATA (where the data dirs go, default OUTDIR),
#      ETCD, ETCDCTL (binaries, default etcd / etcdctl), KEEP_DATA=1 keeps the data dirs.
#
# The cut is `ip link set TAGv<i> down` on the bridge side of the member's veth; the
# heal is `ip link set TAGv<i> up`. No host sysctl or firewall rule is changed (the
# only host route added is the bridge's own NET.0/24); all traffic stays on the
# private bridge (etcdctl/curl reach the members from the root namespace through the
# bridge address NET.254; during a cut the isolated member is queried from inside its
# own namespace). Everything is torn down on exit, INT and TERM. Refuses to start when
# not root, without `ip netns`, when a namespace or link of this TAG exists, when
# NET.0/24 is already used on the host, or while another run holds
# /run/raftlog-etcd-netns.lock.
# Note: etcd 3.4's status "term" is the term of the last applied entry, not the raft
# term: an isolated member that campaigns keeps reporting its old term.
#
# Output in OUTDIR:
#   n<i>.log          the member's log (zap: --log-outputs; capnslog: stderr+stdout)
#   n<i>.stdout       zap mode only: what etcd wrote to stdout/stderr (removed if empty)
#   truth.log         "<UTC RFC3339 ms> <text>" lines: what the script did and saw:
#                     setup …, leader n<i>, PARTITION n<i>, HEAL n<i>, status <json list
#                     of {"ep","id","leader","term"[,"errors"]}> (leader "0": none known),
#                     metrics n<i> metrics-n<i>.txt, stopped
#   status-<k>.json   `etcdctl endpoint status -w json` of the k-th "status" line (during
#                     a cut: the reachable members' entries from the root namespace,
#                     then the isolated member's entry from inside its namespace)
#   metrics-n<i>.txt  /metrics of member i, dumped before anything is stopped
#   members.json      [{"name","id"(hex),"peer_url","client_url"}]
#   netns.json        the network set up: bridge, namespaces, veths, addresses
set -u

ME=etcd-netns-cluster.sh
usage() { sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
die() { echo "$ME: error: $*" >&2; exit 1; }
. "$(dirname "$0")/faults.sh"

[ $# -ge 2 ] || usage
OUT=$1; SCEN=$2; LOGGER=${3:-zap}; N=${4:-3}; PREVOTE=${5:-false}
HB=${HB:-100}; ET=${ET:-1000}; NET=${NET:-10.77.0}; TAG=${TAG:-rl}
ETCD=${ETCD:-etcd}; ETCDCTL=${ETCDCTL:-etcdctl}
export ETCDCTL_API=3

case $SCEN in
  part-leader) PART=${PART:-4} ;;
  part-follower) PART=${PART:-6} ;;
  lossy-leader) command -v iptables >/dev/null 2>&1 || die "lossy-leader needs iptables (apt-get install -y iptables)" ;;
  slowdisk|cpu|slowfollower|cpufollower) fault_check "$SCEN" ;;
  rolling) ;;
  *) die "unknown scenario '$SCEN' (part-leader, part-follower, lossy-leader, slowdisk, cpu, slowfollower, cpufollower or rolling)" ;;
esac
case $LOGGER in zap|capnslog) ;; *) die "unknown logger '$LOGGER' (zap or capnslog)" ;; esac
case $PREVOTE in true|false) ;; *) die "PREVOTE must be true or false, not '$PREVOTE'" ;; esac
[[ $N =~ ^[1-9][0-9]*$ ]] && [ "$N" -le 253 ] || die "N must be an integer from 1 to 253, not '$N'"
[ "$N" -ge 2 ] || die "N must be at least 2 for a partition scenario"
for v in HB ET; do [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be an integer, not '${!v}'"; done
[[ ${PART:-0} =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "PART must be a number of seconds, not '$PART'"
[[ $TAG =~ ^[a-z][a-z0-9]*$ ]] || die "TAG must be lower-case letters and digits, starting with a letter, not '$TAG'"
[ $(( ${#TAG} + 1 + ${#N} )) -le 15 ] && [ $(( ${#TAG} + 2 )) -le 15 ] ||
  die "TAG '$TAG' is too long: interface names ${TAG}br / ${TAG}v$N must be at most 15 characters"
# Only private addresses, on our own bridge.
[[ $NET =~ ^(10\.[0-9]{1,3}\.[0-9]{1,3}|172\.(1[6-9]|2[0-9]|3[01])\.[0-9]{1,3}|192\.168\.[0-9]{1,3})$ ]] ||
  die "NET must be the first three octets of a private /24 (10.x.y, 172.16-31.y, 192.168.y), not '$NET'"
for o in ${NET//./ }; do [ "$o" -le 255 ] || die "NET '$NET' is not an address prefix"; done

[ "$(id -u)" = 0 ] || die "must run as root (network namespaces, veth pairs and a bridge are created)"
command -v ip >/dev/null 2>&1 || die "'ip' not found (install iproute2)"
ip netns list >/dev/null 2>&1 || die "'ip netns' is not available (iproute2 without netns support?)"
command -v "$ETCD" >/dev/null 2>&1 || die "etcd binary '$ETCD' not found (install etcd-server or set ETCD=/path/to/etcd)"
command -v "$ETCDCTL" >/dev/null 2>&1 || die "etcdctl binary '$ETCDCTL' not found (install etcd-client or set ETCDCTL=/path/to/etcdctl)"
ETCD=$(command -v "$ETCD"); ETCDCTL=$(command -v "$ETCDCTL")
for t in python3 curl flock; do command -v $t >/dev/null 2>&1 || die "$t not found"; done

# One netns cluster at a time on this machine.
exec 9>/run/raftlog-etcd-netns.lock || die "cannot open /run/raftlog-etcd-netns.lock"
flock -n 9 || die "another $ME is running (lock /run/raftlog-etcd-netns.lock is held)"

# Refuse to touch anything that already exists.
for i in $(seq 1 "$N"); do
  ip netns list | awk '{print $1}' | grep -qx "${TAG}n$i" && die "network namespace ${TAG}n$i already exists (another cluster with TAG=$TAG? choose another TAG or remove it)"
done
for l in "${TAG}br" $(for i in $(seq 1 "$N"); do echo "${TAG}v$i ${TAG}p$i"; done); do
  ip link show "$l" >/dev/null 2>&1 && die "network interface $l already exists (another cluster with TAG=$TAG? choose another TAG or remove it)"
done
if ip -4 -o addr show | awk '{print $4}' | grep -q "^${NET//./\\.}\."; then
  die "an interface of this host already has an address in $NET.0/24: choose another NET"
fi
if ip -4 route show | awk '{print $1}' | grep -q "^${NET//./\\.}\."; then
  die "this host already has a route into $NET.0/24: choose another NET"
fi

mkdir -p "$OUT" || die "cannot create $OUT"
OUT=$(cd "$OUT" && pwd) || die "cannot enter $OUT"
DATA=${DATA:-$OUT}
mkdir -p "$DATA" || die "cannot create $DATA"
DATA=$(cd "$DATA" && pwd) || die "cannot enter $DATA"
exec </dev/null

rm -rf "$DATA"/data* "$OUT"/n*.log "$OUT"/n*.stdout "$OUT"/metrics-n*.txt "$OUT"/status-*.json "$OUT"/members.json "$OUT"/netns.json
: > "$OUT/truth.log"

declare -A PID      # current pid of member i
ALLPIDS=()          # every etcd pid this script ever started
CGROUPS=()          # cgroups made by the disk and CPU faults (scripts/faults.sh)
MADE_BR=0; MADE_NS=(); MADE_V=()
CUT=""              # index of the member that is cut off, if any

alive() { # pid is running or stopped, not a zombie and not gone
  local st
  st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}
cleanup() {
  local rc=$? p ns v
  trap - EXIT INT TERM
  {
    for p in "${ALLPIDS[@]}"; do
      if alive "$p"; then kill -9 "$p"; fi
    done
    wait
    # anything still inside our own namespaces (only processes this script started)
    for ns in "${MADE_NS[@]}"; do
      for p in $(ip netns pids "$ns"); do kill -9 "$p"; done
    done
    for p in "${CGROUPS[@]}"; do rmdir "$p"; done
    for ns in "${MADE_NS[@]}"; do ip netns del "$ns"; done
    for v in "${MADE_V[@]}"; do ip link show "$v" >/dev/null 2>&1 && ip link del "$v"; done
    [ "$MADE_BR" = 1 ] && ip link del "${TAG}br"
  } 2>/dev/null
  [ "${KEEP_DATA:-0}" = 1 ] || rm -rf "$DATA"/data*
  for i in $(seq 1 "$N"); do
    [ -f "$OUT/n$i.stdout" ] && [ ! -s "$OUT/n$i.stdout" ] && rm -f "$OUT/n$i.stdout"
  done
  exit $rc
}
trap cleanup EXIT
trap 'echo "$ME: interrupted" >&2; exit 130' INT
trap 'echo "$ME: terminated" >&2; exit 143' TERM

truth() { echo "$(date -u +%FT%T.%3NZ) $*" >> "$OUT/truth.log"; }

setup() {
  local i
  ip link add "${TAG}br" type bridge || die "cannot create bridge ${TAG}br"
  MADE_BR=1
  ip addr add "$NET.254/24" dev "${TAG}br" || die "cannot address ${TAG}br"
  ip link set "${TAG}br" up || die "cannot bring ${TAG}br up"
  for i in $(seq 1 "$N"); do
    ip netns add "${TAG}n$i" || die "cannot create netns ${TAG}n$i"
    MADE_NS+=("${TAG}n$i")
    ip link add "${TAG}v$i" type veth peer name "${TAG}p$i" || die "cannot create veth ${TAG}v$i/${TAG}p$i"
    MADE_V+=("${TAG}v$i")
    ip link set "${TAG}p$i" netns "${TAG}n$i" || die "cannot move ${TAG}p$i into ${TAG}n$i"
    ip link set "${TAG}v$i" master "${TAG}br" || die "cannot attach ${TAG}v$i to ${TAG}br"
    ip link set "${TAG}v$i" up || die "cannot bring ${TAG}v$i up"
    ip netns exec "${TAG}n$i" ip addr add "$NET.$i/24" dev "${TAG}p$i" || die "cannot address ${TAG}p$i"
    ip netns exec "${TAG}n$i" ip link set "${TAG}p$i" up || die "cannot bring ${TAG}p$i up"
    ip netns exec "${TAG}n$i" ip link set lo up || die "cannot bring lo up in ${TAG}n$i"
  done
  python3 - "$TAG" "$NET" "$N" > "$OUT/netns.json" <<'EOF'
import json, sys
tag, net, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
print(json.dumps({
    "bridge": tag + "br", "bridge_addr": net + ".254/24",
    "members": [{"name": "n%d" % i, "netns": "%sn%d" % (tag, i), "bridge_veth": "%sv%d" % (tag, i),
                 "netns_veth": "%sp%d" % (tag, i), "addr": "%s.%d/24" % (net, i)} for i in range(1, n + 1)],
    "cut": "ip link set <bridge_veth> down", "heal": "ip link set <bridge_veth> up",
    "host_changes": "the bridge (with its connected route to the /24), the veth pairs and the namespaces; no sysctl or firewall change",
}, indent=1))
EOF
  truth "setup bridge ${TAG}br $NET.254/24, netns ${TAG}n1..${TAG}n$N at $NET.1..$NET.$N (netns.json; no sysctl changes)"
}

cluster=""
for i in $(seq 1 "$N"); do cluster+="n$i=http://$NET.$i:2380,"; done; cluster=${cluster%,}

start() {
  local i=$1
  local args=(--name "n$i" --data-dir "$DATA/data$i" --listen-client-urls "http://$NET.$i:2379"
    --advertise-client-urls "http://$NET.$i:2379" --listen-peer-urls "http://$NET.$i:2380"
    --initial-advertise-peer-urls "http://$NET.$i:2380" --initial-cluster "$cluster"
    --initial-cluster-state new --initial-cluster-token "tok-$TAG" --heartbeat-interval "$HB" --election-timeout "$ET"
    --pre-vote="$PREVOTE" --logger "$LOGGER")
  # `ip netns exec` execs etcd: $! is etcd's pid
  if [ "$LOGGER" = zap ]; then
    ip netns exec "${TAG}n$i" "$ETCD" "${args[@]}" --log-outputs "$OUT/n$i.log" >>"$OUT/n$i.stdout" 2>&1 </dev/null 9>&- &
  else
    ip netns exec "${TAG}n$i" "$ETCD" "${args[@]}" >>"$OUT/n$i.log" 2>&1 </dev/null 9>&- &
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
# eps [SKIP]: client URLs of all members but SKIP
eps() { local s="" i; for i in $(seq 1 "$N"); do [ "$i" = "${1:-}" ] || s+="http://$NET.$i:2379,"; done; echo "${s%,}"; }
ctl() { "$ETCDCTL" --dial-timeout=1s --command-timeout=2s "$@"; }
# status: JSON list of endpoint status entries, in member order. The members that are
# not cut off are asked from the root namespace (through the bridge); the cut-off one
# from inside its own namespace (its own address).
status() {
  local a b=""
  a=$(ctl --endpoints "$(eps "$CUT")" endpoint status -w json 2>/dev/null)
  [ -n "$CUT" ] && b=$(ip netns exec "${TAG}n$CUT" "$ETCDCTL" --dial-timeout=1s --command-timeout=2s \
    --endpoints "http://$NET.$CUT:2379" endpoint status -w json 2>/dev/null)
  python3 -c 'import json,sys
out=[]
for s in sys.argv[1:]:
  try: out+=json.loads(s)
  except Exception: pass
out.sort(key=lambda e: int(e["Endpoint"].rsplit(":",1)[0].rsplit(".",1)[1]))
print(json.dumps(out))' "$a" "$b"
}
leader_idx() { # prints index of a reachable member that reports itself leader (1..N), or nothing
  status | python3 -c 'import json,sys
try: d=json.load(sys.stdin)
except Exception: sys.exit()
for e in d:
  if e["Endpoint"].startswith("http://'"$NET"'.'"${CUT:-x}"':"): continue
  if e["Status"].get("leader",0)==e["Status"]["header"]["member_id"]: print(e["Endpoint"].rsplit(":",1)[0].rsplit(".",1)[1]); break'
}
# wait_leader [TRIES]: poll every 0.1 s (default 100 tries)
wait_leader() { local l; for _ in $(seq 1 "${1:-100}"); do l=$(leader_idx); [ -n "$l" ] && { echo "$l"; return; }; sleep 0.1; done; }
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
def one(e):
  s=e["Status"]
  r={"ep":e["Endpoint"],"id":"%x"%s["header"]["member_id"],"leader":"%x"%s.get("leader",0),"term":s.get("raftTerm",0)}
  if s.get("errors"): r["errors"]=s["errors"]
  return r
print(json.dumps([one(e) for e in d]))')"
}
metrics() {
  local i
  for i in $(seq 1 "$N"); do
    curl -s -m 5 "http://$NET.$i:2379/metrics" > "$OUT/metrics-n$i.txt"
    truth "metrics n$i metrics-n$i.txt"
  done
}
members() { # members.json, once every member has published its name and client URL
  # a deadline, not a count of tries: on a busy 2-core machine the members can take well
  # over 10 s to publish their names
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
load() { local k; for k in $(seq 1 "${1:-20}"); do ctl --endpoints "$(eps "$CUT")" put "k$k" "v$k" >/dev/null 2>&1; done; }
now_ms() { date +%s%3N; }
sleep_until() { # sleep_until EPOCH_MS
  local d=$(( $1 - $(now_ms) ))
  [ "$d" -gt 0 ] && sleep "$(printf '%d.%03d' $((d/1000)) $((d%1000)))"
  return 0
}
cut() { truth "PARTITION n$1"; ip link set "${TAG}v$1" down || die "cannot set ${TAG}v$1 down"; CUT=$1; }
heal() { ip link set "${TAG}v$1" up || die "cannot set ${TAG}v$1 up"; CUT=""; truth "HEAL n$1"; }

# partition VICTIM: cut VICTIM off for PART s; when the leader is cut off, record the
# leader the others elect meanwhile; snapshot shortly before the heal (the isolated
# member from inside its namespace); heal; wait for a leader; 10 puts; snapshot.
partition() {
  local v=$1 t0 end l
  cut "$v"; t0=$(now_ms)
  end=$(( t0 + $(python3 -c "print(int(float('$PART')*1000))") ))
  if [ "$v" = "$L" ]; then
    while [ "$(now_ms)" -lt $(( end - 1000 )) ]; do
      l=$(leader_idx)
      if [ -n "$l" ]; then L=$l; truth "leader n$L"; break; fi
      sleep 0.1
    done
  fi
  sleep_until $(( end - 600 ))
  snap
  sleep_until "$end"
  heal "$v"
  sleep 3
  L=$(need_leader) || exit 1; truth "leader n$L"
  load 10; snap
}

# lossy VICTIM: for LOSSY s, VICTIM's namespace drops each packet in and out with
# probability LOSS (only inside its own namespace: the host's rules are not touched),
# while one client keeps writing; then the rules are removed.
lossy() {
  local v=$1 c end k=0
  for c in INPUT OUTPUT; do
    ip netns exec "${TAG}n$v" iptables -A "$c" -m statistic --mode random --probability "${LOSS:-0.6}" -j DROP \
      || die "iptables refused in ${TAG}n$v"
  done
  truth "LOSSY n$v start (drop ${LOSS:-0.6} in and out)"
  end=$((SECONDS + ${LOSSY:-8}))
  while [ $SECONDS -lt "$end" ]; do k=$((k+1)); ctl --endpoints "$(eps)" put "l$k" "v$k" >/dev/null 2>&1; done
  for c in INPUT OUTPUT; do ip netns exec "${TAG}n$v" iptables -F "$c"; done
  truth "LOSSY n$v end"
  sleep 3
  L=$(need_leader) || exit 1; truth "leader n$L"
  load 10; snap
}

# the disk and CPU faults (scripts/faults.sh), then as after a loss: a leader, 10 puts
data_dir() { echo "$DATA/data$1"; }
FAULT_ID=$TAG
writer() { # writer SECONDS: puts as fast as one client goes, so that the WAL syncs
  local end=$((SECONDS + $1)) k=0
  while [ $SECONDS -lt "$end" ]; do k=$((k+1)); ctl --endpoints "$(eps)" put "w$k" "v$k" >/dev/null 2>&1; done
}
settle() { sleep 2; L=$(need_leader) || exit 1; truth "leader n$L"; load 10; snap; }

setup
for i in $(seq 1 "$N"); do start "$i"; done
L=$(need_leader) || exit 1; truth "leader n$L"
members
load 20; snap
case $SCEN in
  part-leader) partition "$L" ;;
  part-follower) partition $(( L % N + 1 )) ;;
  lossy-leader) lossy "$L" ;;
  slowdisk) slow_disk "$L"; settle ;;
  cpu) starve_cpu "$L"; settle ;;
  slowfollower) slow_disk $(( L % N + 1 )); settle ;;
  cpufollower) starve_cpu $(( L % N + 1 )); settle ;;
  rolling) rolling_restart ;;
esac
sleep 1; snap; metrics

# Stop followers first, so that the stopping leader has nobody to hand leadership to.
L=$(leader_idx)
for i in $(seq 1 "$N"); do [ "$i" = "$L" ] || stop_member "$i" TERM; done
[ -n "$L" ] && stop_member "$L" TERM
truth "stopped"

python3 - "$OUT" "$SCEN" "$LOGGER" "$N" "$PREVOTE" "$SNAP" <<'EOF'
import json, sys, os
out, scen, logger, n, prevote, nsnap = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6])
leaders, order, term = set(), [], None
for k in range(1, nsnap + 1):
    try:
        d = json.load(open(os.path.join(out, "status-%d.json" % k)))
    except Exception:
        continue
    ls = {"%x" % e["Status"].get("leader", 0) for e in d if e["Status"].get("leader", 0)}
    for l in sorted(ls):
        leaders.add(l)
        if not order or order[-1] != l:
            order.append(l)
    if d:
        term = max(e["Status"].get("raftTerm", 0) for e in d)
cut = [l.split()[2] for l in open(os.path.join(out, "truth.log")) if l.split()[1:2] in (["PARTITION"], ["LOSSY"])]
print("scenario=%s logger=%s n=%s prevote=%s cut=%s distinct_leaders=%d leader_sequence=%s final_term=%s snapshots=%d"
      % (scen, logger, n, prevote, ",".join(cut), len(leaders), ",".join(order), term, nsnap))
EOF
