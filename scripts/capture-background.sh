#!/usr/bin/env bash
# Capture real etcd "background" log lines: the lines of a busy etcd that are not about
# elections (slow-request warnings, snapshots, compactions, purges, request traces).
# Used to produce fixtures/background/ (see fixtures/README.md, "Background lines"),
# which scripts/gen-corpus.py mixes into the real election captures to make benchmark
# corpora that look like real incident logs.
#
# usage: capture-background.sh OUTDIR
#
# Runs a real single-member etcd twice, one run after the other: once with
# --logger=zap --log-outputs=FILE, once with --logger=capnslog (stderr+stdout to a file).
# Each run: small --snapshot-count and periodic auto-compaction (so that snapshot,
# compaction and purge lines appear), KEYS keys of about VALUE_BYTES bytes under
# /registry/pods/ns-<n>/pod-<m> written through the JSON gRPC gateway, then ROUNDS rounds
# of large range reads (etcdctl get: whole /registry/ prefix with values, keys only,
# limit 500, linearizable and serializable, per-namespace reads; count-only ranges
# through the gateway's /v3/kv/range), a few
# delete-range + reload cycles, and more writes. A range over the ~85 MB of values takes
# well over etcd's 100 ms expected duration, so etcd logs real "apply request took too
# long" (zap) / "read-only range request ... took too long (...) to execute" (capnslog)
# warnings.
#
# Output in OUTDIR:
#   zap.log        sample of the zap run's background lines
#   capnslog.log   sample of the capnslog run's background lines
#   version.txt    `etcd --version` and `etcdctl version` of the run
#   raw/           the complete logs of both runs, only with KEEP_RAW=1
# Only lines that raftlog must treat as not about elections are kept: every line that
# mentions raft, term, leader, elect, vote, peer, stream, member, started or stopping
# (case-insensitive; the member/ directory in data-dir paths does not count), every line
# without a timestamp (banners), and the start-up and shut-down lines are dropped. Of the
# rest, a deterministic sample is kept (every k-th line of each kind; about half of the
# kept lines are slow-request warnings). The kept lines are unchanged, in their original
# order.
#
# env: BASE (ports: client BASE+1, peer BASE+101; default 25000), KEYS (default 40000),
#      NS (namespaces, default 40), VALUE_BYTES (default 2048), ROUNDS (default 40),
#      ETCD, ETCDCTL (binaries, default etcd / etcdctl), KEEP_RAW=1 keeps raw/.
# Only one etcd may run on the machine at a time; every process this script starts is
# killed on exit, also on error or interrupt.
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
die() { echo "capture-background.sh: error: $*" >&2; exit 1; }

[ $# -eq 1 ] || usage
OUT=$1
BASE=${BASE:-25000}; KEYS=${KEYS:-40000}; NS=${NS:-40}; VALUE_BYTES=${VALUE_BYTES:-2048}
ROUNDS=${ROUNDS:-40}
ETCD=${ETCD:-etcd}; ETCDCTL=${ETCDCTL:-etcdctl}
export ETCDCTL_API=3
for v in BASE KEYS NS VALUE_BYTES ROUNDS; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be an integer, not '${!v}'"
done
command -v "$ETCD" >/dev/null 2>&1 || die "etcd binary '$ETCD' not found (apt-get install etcd-server)"
command -v "$ETCDCTL" >/dev/null 2>&1 || die "etcdctl binary '$ETCDCTL' not found (apt-get install etcd-client)"
for t in python3 curl base64; do command -v $t >/dev/null 2>&1 || die "$t not found"; done

CPORT=$((BASE + 1)); PPORT=$((BASE + 101))
EP=http://127.0.0.1:$CPORT
for p in "$CPORT" "$PPORT"; do
  if (exec 3<>/dev/tcp/127.0.0.1/"$p") 2>/dev/null; then
    die "port 127.0.0.1:$p is already in use (another etcd running? choose another BASE)"
  fi
done
if pgrep -x etcd >/dev/null 2>&1; then
  die "an etcd process is already running on this machine; only one may run at a time"
fi

mkdir -p "$OUT" || die "cannot create $OUT"
OUT=$(cd "$OUT" && pwd)
exec </dev/null
WORK=$OUT/raw
rm -rf "$WORK"
mkdir -p "$WORK"

ETCD_PID=""
cleanup() {
  local rc=$? j
  trap - EXIT INT TERM
  # the reads still running in the background (on error), then etcd
  for j in $(jobs -p); do
    [ "$j" = "$ETCD_PID" ] || kill "$j" 2>/dev/null || true
  done
  if [ -n "$ETCD_PID" ] && kill -0 "$ETCD_PID" 2>/dev/null; then
    kill -9 "$ETCD_PID" 2>/dev/null || true
    wait "$ETCD_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"/data
  if [ "${KEEP_RAW:-0}" != 1 ]; then rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'echo "capture-background.sh: interrupted" >&2; exit 130' INT
trap 'echo "capture-background.sh: terminated" >&2; exit 143' TERM

log() { echo "capture-background.sh: $(date -u +%T) $*" >&2; }
ctl() { "$ETCDCTL" --endpoints "$EP" --dial-timeout=2s --command-timeout=60s "$@"; }

start_etcd() { # LOGGER LOGFILE
  local logger=$1 logfile=$2
  local args=(--name bg --data-dir "$WORK/data"
    --listen-client-urls "$EP" --advertise-client-urls "$EP"
    --listen-peer-urls "http://127.0.0.1:$PPORT" --initial-advertise-peer-urls "http://127.0.0.1:$PPORT"
    --initial-cluster "bg=http://127.0.0.1:$PPORT" --initial-cluster-state new
    --initial-cluster-token "tok-bg-$BASE"
    --snapshot-count 1000 --max-snapshots 2 --max-wals 2
    --auto-compaction-mode periodic --auto-compaction-retention 10s
    --quota-backend-bytes 4294967296 --logger "$logger")
  rm -rf "$WORK/data"
  if [ "$logger" = zap ]; then
    "$ETCD" "${args[@]}" --log-outputs "$logfile" >>"$logfile.stdout" 2>&1 &
  else
    "$ETCD" "${args[@]}" >>"$logfile" 2>&1 &
  fi
  ETCD_PID=$!
  for _ in $(seq 1 100); do
    if ctl endpoint health >/dev/null 2>&1; then return 0; fi
    kill -0 "$ETCD_PID" 2>/dev/null || die "etcd exited at start (see $logfile)"
    sleep 0.1
  done
  die "etcd not healthy after 10 s (see $logfile)"
}
stop_etcd() {
  kill -TERM "$ETCD_PID" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$ETCD_PID" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$ETCD_PID" 2>/dev/null || true
  wait "$ETCD_PID" 2>/dev/null || true
  ETCD_PID=""
}

# put_keys FIRST_NS LAST_NS PODS: write /registry/pods/ns-<n>/pod-<m> through the JSON
# gRPC gateway (/v3/kv/put, base64 key and value), one keep-alive HTTP connection.
put_keys() {
  python3 - "$CPORT" "$1" "$2" "$3" "$VALUE_BYTES" <<'EOF'
import base64, http.client, json, random, sys
port, ns0, ns1, pods, vbytes = (int(a) for a in sys.argv[1:])
rnd = random.Random(ns0 * 100003 + pods)
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
alpha = "abcdefghijklmnopqrstuvwxyz0123456789"
for n in range(ns0, ns1 + 1):
    for m in range(pods):
        key = "/registry/pods/ns-%d/pod-%d" % (n, m)
        # a pod-like JSON blob, padded to about vbytes
        body = {"kind": "Pod", "apiVersion": "v1",
                "metadata": {"name": "pod-%d" % m, "namespace": "ns-%d" % n,
                             "uid": "".join(rnd.choice(alpha) for _ in range(32))},
                "spec": {"pad": "".join(rnd.choice(alpha) for _ in range(vbytes - 160))}}
        val = json.dumps(body).encode()
        req = json.dumps({"key": base64.b64encode(key.encode()).decode(),
                          "value": base64.b64encode(val).decode()})
        conn.request("POST", "/v3/kv/put", req, {"Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        if r.status != 200:
            sys.exit("put %s: HTTP %d" % (key, r.status))
conn.close()
EOF
}

# count_only PREFIX SERIALIZABLE: a count-only range over PREFIX through the JSON gRPC
# gateway (/v3/kv/range; etcdctl 3.4 has no --count-only).
count_only() {
  local key end
  key=$(printf '%s' "$1" | base64 -w0)
  end=$(python3 -c 'import base64,sys; p=sys.argv[1].encode(); print(base64.b64encode(p[:-1]+bytes([p[-1]+1])).decode())' "$1")
  curl -sf -m 60 -X POST "$EP/v3/kv/range" \
    -d "{\"key\":\"$key\",\"range_end\":\"$end\",\"count_only\":true,\"serializable\":$2}" >/dev/null
}

# workload: load, then large reads (three or four at a time, so that they also compete
# for the cores), delete-range + reload cycles and more writes.
workload() {
  local pods=$((KEYS / NS)) r n a b c d
  log "loading $KEYS keys ($NS namespaces x $pods pods, ~$VALUE_BYTES bytes each)"
  put_keys 1 "$NS" "$pods"
  for r in $(seq 1 "$ROUNDS"); do
    log "read round $r/$ROUNDS"
    n=$(( (r * 7) % NS + 1 ))
    ctl get --prefix /registry/ >/dev/null & a=$!
    ctl get --prefix /registry/ --consistency=s >/dev/null & b=$!
    count_only /registry/ false & c=$!
    wait "$a"; wait "$b"; wait "$c"
    ctl get --prefix /registry/pods/ >/dev/null & a=$!
    ctl get --prefix /registry/ --keys-only >/dev/null & b=$!
    count_only /registry/pods/ true & c=$!
    wait "$a"; wait "$b"; wait "$c"
    ctl get --prefix /registry/pods/ --limit 500 >/dev/null & a=$!
    ctl get --prefix "/registry/pods/ns-$n/" >/dev/null & b=$!
    count_only "/registry/pods/ns-$n/" true & c=$!
    ctl get --prefix /registry/pods/ --consistency=s --keys-only >/dev/null & d=$!
    wait "$a"; wait "$b"; wait "$c"; wait "$d"
    if [ $((r % 3)) = 0 ]; then
      # delete a namespace and write it again (delete-range, new revisions to compact)
      ctl del --prefix "/registry/pods/ns-$n/" >/dev/null
    fi
    # (re)write one namespace: more raft entries, so snapshots and compactions go on
    put_keys "$n" "$n" "$pods"
  done
  sleep 12 & wait $! # one more periodic compaction (interruptible)
}

"$ETCD" --version > "$OUT/version.txt"
"$ETCDCTL" version >> "$OUT/version.txt"

# one run per logger; FROM/TO[logger]: the lines the workload wrote
declare -A FROM TO
for logger in zap capnslog; do
  log "$logger run (client $EP, peer 127.0.0.1:$PPORT)"
  start_etcd "$logger" "$WORK/$logger.log"
  sleep 2; FROM[$logger]=$(wc -l < "$WORK/$logger.log")
  workload
  TO[$logger]=$(wc -l < "$WORK/$logger.log")
  stop_etcd
done

# filter_log SRC DST LOGGER FROM TO: keep a sample of the background lines of SRC's lines
# FROM+1..TO (the workload: start-up and shut-down lines excluded) in DST.
filter_log() {
  python3 - "$@" <<'EOF'
import re, sys
src, dst, logger, first, last = sys.argv[1:]
DROP = re.compile(r'raft|term|leader|elect|vote|peer|stream|member|started|stopping', re.I)
if logger == 'zap':
    STAMP = re.compile(r'^\{"level":"[a-z]+","ts":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z"')
    MSG = re.compile(r'"msg":"((?:[^"\\]|\\.)*)"')
    SLOW = re.compile(r'"msg":"apply request took too long"')
else:
    STAMP = re.compile(r'^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} [A-Z] \| ')
    MSG = re.compile(r'^\S+ \S+ ([A-Z] \| \S+ .*)$')
    SLOW = re.compile(r' took too long \(.*\) to execute$')
lines = open(src, encoding='utf-8').read().splitlines()[int(first):int(last)]
# the data dir's member/ path component (purge, WAL segment lines) is not a mention
kept = [l for l in lines if STAMP.match(l) and not DROP.search(l.replace('/member/', '/'))]

def kind(l):
    if SLOW.search(l):
        return 'slow'
    m = MSG.search(l)
    text = m.group(1) if m else l
    # kind = message text with numbers, quoted strings and paths blanked
    text = re.sub(r'"[^"]*"|\S*/\S*', '_', text)
    return re.sub(r'\d+(\.\d+)?', 'N', text)[:60]

by = {}
for i, l in enumerate(kept):
    by.setdefault(kind(l), []).append(i)
slow = by.pop('slow', [])
others = sorted(by.items())
# every kind other than slow: at most 40 lines, evenly spread over the run
pick = set()
for _, idx in others:
    step = max(1, len(idx) // 40)
    pick.update(idx[::step][:40])
n_other = len(pick)
# slow-request warnings: about as many as all other kinds together (at least 150)
want = max(150, n_other)
step = max(1, len(slow) // want)
pick.update(slow[::step][:want])
out = [kept[i] for i in sorted(pick)]
data = ''.join(l + '\n' for l in out)
while len(data.encode()) > 290_000:
    out = out[::2] if len(out) > 1 else out
    data = ''.join(l + '\n' for l in out)
open(dst, 'w', encoding='utf-8').write(data)
n_slow = sum(1 for l in out if SLOW.search(l))
sys.stderr.write('%s: %d raw lines, %d background lines, kept %d (%d slow-request, %d other), %d bytes\n'
                 % (dst, len(lines), len(kept), len(out), n_slow, len(out) - n_slow, len(data.encode())))
kinds = {}
for l in out:
    kinds[kind(l)] = kinds.get(kind(l), 0) + 1
for k, v in sorted(kinds.items(), key=lambda kv: -kv[1]):
    sys.stderr.write('  %5d  %s\n' % (v, k))
EOF
}

log "filtering and sampling"
for logger in zap capnslog; do
  filter_log "$WORK/$logger.log" "$OUT/$logger.log" "$logger" "${FROM[$logger]}" "${TO[$logger]}"
done
log "done: $OUT/zap.log $OUT/capnslog.log"
