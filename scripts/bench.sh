#!/usr/bin/env bash
# Benchmark raftlog against rg, grep and gzip on generated corpora, and check the
# performance targets.
#
# usage: scripts/bench.sh [--quick]
#
# Builds the release binary, generates the corpora with scripts/gen-corpus.py into
# ${RAFTLOG_BENCH_DIR:-target/bench-corpus} unless they are already there (each corpus
# directory is reused once complete; delete it to remake it), then times with hyperfine
# (--warmup 1, RAFTLOG_BENCH_RUNS runs, default 3; --output=pipe, because GNU grep stops
# at the first match when its output is /dev/null), on the same files:
#   sparse   raftlog timeline --format json FILE   vs  rg -c -e KEYWORD...  and  grep -c -E 'KEYWORD|...'
#   stdin    cat FILE | raftlog timeline --format json  vs  cat FILE | rg -c -e KEYWORD...
#   gz       raftlog timeline --format json FILE.gz      vs  gzip -dc FILE.gz > /dev/null
#   inputs   raftlog timeline --format json n1.log n2.log.gz n3.log  vs  rg -z -c ... (same files)
#   dense / storm  raftlog timeline --format json FILE   vs  rg -c ...
# then the maximum RSS of raftlog (/usr/bin/time -f %M) and its start-up time (hyperfine
# on fixtures/real/zap-3-mixed/n1.log), and prints one table with the targets met or not.
#
# Corpora (--quick: smaller sizes, same shapes):
#   sparse zap 100M, 1G (+ all.log.gz, n2.log.gz), 2G    (--quick: 10M, 50M, 100M)
#   sparse capnslog 1G                                    (--quick: 50M)
#   dense zap 200M                                        (--quick: 20M)
#   storm zap 100000 terms                                (--quick: 5000 terms)
# Sizes are powers of 1024 (1G = 1073741824 bytes); MB/s figures are 10^6 bytes per
# second of uncompressed input.
#
# Targets: sparse <= 3x rg and < grep; stdin >= 1 GB/s; gz <= gzip -dc; dense >= 150 MB/s;
# max RSS < 64 MB on sparse and dense and flat from the smallest to the largest sparse
# corpus (largest <= 1.25x smallest); storm RSS < 256 MB; start-up < 10 ms.
#
# env: RAFTLOG_BENCH_DIR (corpora), RAFTLOG_BENCH_RUNS (hyperfine runs, default 3),
#      RAFTLOG_BENCH_TIMEOUT (seconds, default 600): a raftlog run that takes longer is
#      reported as timed out (target not met) instead of being timed.
# Needs: cargo, python3, hyperfine, rg, grep, gzip, timeout, /usr/bin/time (GNU time).
set -euo pipefail

die() { echo "bench.sh: error: $*" >&2; exit 1; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }

QUICK=0
case "${1:-}" in
  "") ;;
  --quick) QUICK=1 ;;
  -h | --help) usage ;;
  *) echo "bench.sh: unknown argument '$1'" >&2; usage ;;
esac
[ $# -le 1 ] || usage

cd "$(dirname "$0")/.."
for t in cargo python3 hyperfine rg grep gzip timeout; do
  command -v "$t" >/dev/null 2>&1 || die "$t not found"
done
[ -x /usr/bin/time ] || die "/usr/bin/time (GNU time) not found"

DIR=${RAFTLOG_BENCH_DIR:-target/bench-corpus}
RUNS=${RAFTLOG_BENCH_RUNS:-3}
TIMEOUT=${RAFTLOG_BENCH_TIMEOUT:-600}
BIN=target/release/raftlog
GEN=(python3 scripts/gen-corpus.py)
ZAP_FIX=fixtures/real/zap-3-mixed
CAP_FIX=fixtures/real/capnslog-3-mixed
STORM_FIX=fixtures/real/zap-5-storm
ZAP_BG=fixtures/background/zap.log
CAP_BG=fixtures/background/capnslog.log
if [ "$QUICK" = 1 ]; then
  SMALL=10M BIG=50M HUGE=100M CAPS=50M DENSE=20M STORM_TERMS=5000
else
  SMALL=100M BIG=1G HUGE=2G CAPS=1G DENSE=200M STORM_TERMS=100000
fi

# the election keywords, for rg (-e each) and grep -E (one alternation)
KEYWORDS=('became leader' 'became candidate' 'became follower' 'became pre-candidate'
  'elected leader' 'lost leader' 'changed leader' 'starting a new election' 'cast MsgVote'
  'cast MsgPreVote' 'received MsgVoteResp' 'MsgPreVoteResp' 'has received' 'higher term')
RG_ARGS="" GREP_ALT=""
for k in "${KEYWORDS[@]}"; do
  RG_ARGS+=" -e '$k'"
  GREP_ALT+="${GREP_ALT:+|}$k"
done
RG="rg -c$RG_ARGS"
GREP="grep -c -E '$GREP_ALT'"
RAFTLOG="$BIN timeline --format json"

log() { echo "bench.sh: $*" >&2; }

log "cargo build --release"
BUILD="built now"
if ! cargo build --release >&2; then
  [ -x "$BIN" ] || die "cargo build --release failed and there is no $BIN"
  BUILD="WARNING: cargo build --release failed; timing the existing binary ($(date -u -r "$BIN" '+%Y-%m-%d %H:%M UTC'))"
  log "$BUILD"
fi

RES=$(mktemp -d "${TMPDIR:-/tmp}/raftlog-bench.XXXXXX")
trap 'rm -rf "$RES"' EXIT
: >"$RES/rows.tsv"
: >"$RES/rss.tsv"
: >"$RES/corpora.tsv"

# gen NAME GEN-ARGS...: make $DIR/NAME with gen-corpus.py unless it is complete
gen() {
  local name=$1 d=$DIR/$1 start ms
  shift
  if [ -f "$d/.complete" ]; then
    printf '%s\t%s\t%s\n' "$name" "$(stat -c %s "$d/all.log")" cached >>"$RES/corpora.tsv"
    return 0
  fi
  rm -rf "$d"
  log "generating $d"
  start=$(date +%s%N)
  "${GEN[@]}" "$@" --out "$d" >&2
  if [ -f "$d/all.log.gz" ] && [ -f "$d/n2.log" ]; then
    "${GEN[@]}" gz "$d/n2.log" >&2
  fi
  touch "$d/.complete"
  ms=$((($(date +%s%N) - start) / 1000000))
  printf '%s\t%s\tin %d.%01d s\n' "$name" "$(stat -c %s "$d/all.log")" $((ms / 1000)) $((ms % 1000 / 100)) \
    >>"$RES/corpora.tsv"
}

mkdir -p "$DIR"
SZ=sparse-zap-$SMALL BZ=sparse-zap-$BIG HZ=sparse-zap-$HUGE CZ=sparse-capnslog-$CAPS
DZ=dense-zap-$DENSE TZ=storm-zap-${STORM_TERMS}terms
gen "$SZ" sparse --fixture "$ZAP_FIX" --background "$ZAP_BG" --size "$SMALL" --seed 1
gen "$BZ" sparse --fixture "$ZAP_FIX" --background "$ZAP_BG" --size "$BIG" --seed 1 --gzip
gen "$HZ" sparse --fixture "$ZAP_FIX" --background "$ZAP_BG" --size "$HUGE" --seed 1
gen "$CZ" sparse --fixture "$CAP_FIX" --background "$CAP_BG" --size "$CAPS" --seed 1
gen "$DZ" dense --fixture "$STORM_FIX" --size "$DENSE" --seed 1
gen "$TZ" dense --fixture "$STORM_FIX" --terms "$STORM_TERMS" --seed 1

bytes() { stat -c %s "$1"; }

# hf NAME BYTES TARGET CMD0 [LABEL1 CMD1]...: hyperfine CMD0 (raftlog) against the
# others; one row per comparator. TARGET: sparse (<= 3x rg, < grep), le (<= comparator),
# mbs1000 / mbs150 (raftlog MB/s), - (none). CMD0 is first run once under
# timeout $TIMEOUT; if it does not finish, the case is reported as timed out.
hf() {
  local name=$1 nbytes=$2 target=$3 cmd0=$4 i=1 rc=0
  shift 4
  local cmds=("$cmd0") labels=() l
  while [ $# -ge 2 ]; do labels+=("$1"); cmds+=("$2"); shift 2; done
  log "probe ($TIMEOUT s max): $cmd0"
  timeout "$TIMEOUT" sh -c "$cmd0" >/dev/null 2>&1 || rc=$?
  if [ "$rc" = 124 ]; then
    log "$name: raftlog did not finish within $TIMEOUT s, skipped"
    for l in "${labels[@]}"; do
      printf '%s\t-\t%s\t%s\t%s\t%s\n' "$name" "$i" "$l" "$nbytes" "$target" >>"$RES/rows.tsv"
    done
    return 0
  fi
  [ "$rc" = 0 ] || die "$name: '$cmd0' failed (exit $rc)"
  log "hyperfine: $name"
  hyperfine --warmup 1 --runs "$RUNS" --output=pipe --style basic --export-json "$RES/$name.json" "${cmds[@]}" >&2
  for l in "${labels[@]}"; do
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$RES/$name.json" "$i" "$l" "$nbytes" "$target" >>"$RES/rows.tsv"
    i=$((i + 1))
  done
}

for c in "$SZ" "$BZ" "$HZ" "$CZ"; do
  f=$DIR/$c/all.log
  n=$(bytes "$f")
  hf "$c" "$n" sparse "$RAFTLOG $f" rg "$RG $f" grep "$GREP $f"
done
f=$DIR/$BZ/all.log
hf "stdin-$BZ" "$(bytes "$f")" mbs1000 "cat $f | $RAFTLOG > /dev/null" "cat|rg" "cat $f | $RG"
hf "gz-$BZ" "$(bytes "$f")" le "$RAFTLOG $f.gz" "gzip -dc" "gzip -dc $f.gz > /dev/null"
d=$DIR/$BZ
n=$(($(bytes "$d/n1.log") + $(bytes "$d/n2.log") + $(bytes "$d/n3.log")))
hf "inputs-$BZ" "$n" - "$RAFTLOG $d/n1.log $d/n2.log.gz $d/n3.log" "rg -z" \
  "$RG -z $d/n1.log $d/n2.log.gz $d/n3.log"
f=$DIR/$DZ/all.log
hf "$DZ" "$(bytes "$f")" mbs150 "$RAFTLOG $f" rg "$RG $f"
f=$DIR/$TZ/all.log
hf "$TZ" "$(bytes "$f")" - "$RAFTLOG $f" rg "$RG $f"

# max RSS (KB) of one raftlog run
for c in "$SZ" "$BZ" "$HZ" "$DZ" "$TZ"; do
  log "max RSS: $c"
  rc=0
  timeout "$TIMEOUT" /usr/bin/time -f %M -o "$RES/rss" "$BIN" timeline --format json "$DIR/$c/all.log" \
    >/dev/null 2>"$RES/stderr" || rc=$?
  if [ "$rc" = 124 ]; then
    printf '%s\ttimeout\n' "$c" >>"$RES/rss.tsv"
  elif [ "$rc" = 0 ]; then
    printf '%s\t%s\n' "$c" "$(tail -n 1 "$RES/rss")" >>"$RES/rss.tsv"
  else
    cat "$RES/stderr" >&2
    die "raftlog failed on $DIR/$c/all.log (exit $rc)"
  fi
done

log "start-up time"
hyperfine -N --warmup 10 --runs 100 --output=pipe --style basic --export-json "$RES/startup.json" \
  "$RAFTLOG $ZAP_FIX/n1.log" >&2

# ---------------------------------------------------------------------------- report
echo "raftlog benchmark ($([ "$QUICK" = 1 ] && echo quick || echo full))"
echo "date:     $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "nproc:    $(nproc)"
echo "cpu:      $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
echo "raftlog:  $("$BIN" --version) ($BIN, $BUILD)"
echo "tools:    $(hyperfine --version), $(rg --version | head -n 1), $(grep --version | head -n 1), $(gzip --version | head -n 1)"
echo "corpora:  $DIR (runs: $RUNS, warmup 1)"
python3 - "$RES" "$SZ" "$HZ" "$DZ" "$TZ" "$TIMEOUT" <<'EOF'
import json, os, sys
res, small, huge, dense, storm, timeout = sys.argv[1:]

def mean(path, i):
    return json.load(open(path))['results'][int(i)]['mean']

print()
print('%-34s %14s  %s' % ('corpus (all.log)', 'bytes', 'generated'))
for line in open(os.path.join(res, 'corpora.tsv')):
    name, n, how = line.rstrip('\n').split('\t')
    print('%-34s %14s  %s' % (name, '{:,}'.format(int(n)), how))

rows, marks = [], []
for line in open(os.path.join(res, 'rows.tsv')):
    name, path, i, label, n, target = line.rstrip('\n').split('\t')
    if path == '-':  # raftlog timed out
        r, c = float(timeout), float('nan')
    else:
        r, c = mean(path, 0), mean(path, i)
    ratio = r / c
    mbs = int(n) / r / 1e6
    if path == '-':
        goal, ok = 'finish < %ss' % timeout, False
    elif target == 'sparse':
        goal, ok = ('<= 3x rg', ratio <= 3) if label == 'rg' else ('< grep', ratio < 1)
    elif target == 'le':
        goal, ok = ('<= ' + label, ratio <= 1)
    elif target == 'mbs1000':
        goal, ok = '>= 1 GB/s', mbs >= 1000
    elif target == 'mbs150':
        goal, ok = '>= 150 MB/s', mbs >= 150
    else:
        goal, ok = '-', None
    rows.append((name, label, r, c, ratio, mbs, goal, ok))

print()
print('%-30s %-9s %10s %10s %7s %9s  %-12s %s' % ('case', 'vs', 'raftlog s', 'other s', 'ratio',
                                                  'MB/s', 'target', 'met'))
for name, label, r, c, ratio, mbs, goal, ok in rows:
    met = '-' if ok is None else ('met' if ok else 'NOT MET')
    if c != c:  # timed out: nothing measured
        print('%-30s %-9s %10s %10s %7s %9s  %-12s %s' % (name, label, '>' + timeout, '-', '-',
                                                          '<%.1f' % mbs, goal, met))
    else:
        print('%-30s %-9s %10.3f %10.3f %7.2f %9.1f  %-12s %s'
              % (name, label, r, c, ratio, mbs, goal, met))

rss = {}
for line in open(os.path.join(res, 'rss.tsv')):
    name, kb = line.rstrip('\n').split('\t')
    rss[name] = None if kb == 'timeout' else int(kb)
print()
print('%-30s %10s  %-12s %s' % ('max RSS (raftlog timeline)', 'MB', 'target', 'met'))
for name, kb in rss.items():
    limit = 256 if name == storm else 64
    goal = '< %d MB' % limit
    if kb is None:
        print('%-30s %10s  %-12s %s' % (name, 'timeout', goal, 'NOT MET'))
    else:
        print('%-30s %10.1f  %-12s %s' % (name, kb / 1024, goal, 'met' if kb / 1024 < limit else 'NOT MET'))
label = 'flat: %s vs %s' % (small.split('-')[-1], huge.split('-')[-1])
if rss[huge] is None or rss[small] is None:
    print('%-30s %10s  %-12s %s' % (label, '-', '<= 1.25x', 'NOT MET'))
else:
    print('%-30s %10s  %-12s %s' % (label, '%.2fx' % (rss[huge] / rss[small]), '<= 1.25x',
                                     'met' if rss[huge] <= 1.25 * rss[small] else 'NOT MET'))

s = json.load(open(os.path.join(res, 'startup.json')))['results'][0]
print()
print('start-up (tiny file, %d runs): mean %.2f ms, min %.2f ms  target < 10 ms: %s'
      % (len(s['times']), s['mean'] * 1e3, s['min'] * 1e3, 'met' if s['mean'] < 0.010 else 'NOT MET'))
EOF
