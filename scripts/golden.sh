#!/usr/bin/env bash
# Golden outputs: every fixture (real and built) x every log subcommand x every format,
# written by the release binary, and their sha256 sums.
#
#   scripts/golden.sh                 write tests/golden/outputs.sha256 (the reference)
#   scripts/golden.sh --out DIR       write the outputs themselves under DIR (to diff two
#                                     commits: run it at each, then `diff -r A B`)
#   scripts/golden.sh --check         compare with tests/golden/outputs.sha256; list the
#                                     outputs that differ (exit 1 if any)
#   scripts/golden.sh --corpora       also the JSON of the benchmark corpora (generated
#                                     with scripts/gen-corpus.py under target/golden-corpus)
#                                     into tests/golden/corpora.sha256 (--check compares it)
#
# A change that alters an output on purpose regenerates the reference with this script
# and lists the intended differences in its closing note. tests/golden.rs runs --check's
# comparison in `cargo test`.
#
# Inputs are named relative to the repository root, times are shown in UTC, and metrics
# dumps are left out of the per-file runs (a directory run of a capture copies it with
# every file's mtime pinned), so the outputs do not depend on the clone.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=write
corpora=false
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; mode=out; shift 2 ;;
    --check) mode=check; shift ;;
    --corpora) corpora=true; shift ;;
    *) echo "usage: scripts/golden.sh [--out DIR | --check] [--corpora]" >&2; exit 2 ;;
  esac
done

BIN=$(realpath "${RAFTLOG_BIN:-target/release/raftlog}")
if [ -z "${RAFTLOG_BIN:-}" ]; then
  cargo build --release --quiet
fi
export TZ=UTC
# COLUMNS is unset too: piped outputs are fitted to it when it is set
unset RAFTLOG_TZ COLUMNS NO_COLOR || true

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dest=$(realpath -m "${out:-$work/out}")
mkdir -p "$dest"

# the runs: NAME ARGS... (NAME is the output's file name under the fixture)
runs=(
  "timeline.table|timeline --color never"
  "timeline.all.table|timeline --color never --all"
  "timeline.json|timeline -f json"
  "timeline.json-events|timeline -f json --events"
  "terms.table|terms --color never"
  "terms.json|terms -f json"
  "terms.csv|terms -f csv"
  "events.ndjson|events"
  "events.json|events -f json"
  "events.csv|events -f csv"
  "events.table|events -f table --color never"
  "events.raw.ndjson|events --raw"
  "diagnose.table|diagnose --color never"
  "diagnose.json|diagnose -f json"
  "report.md|report"
  "report.html|report -f html"
  "report.redacted.md|report --redact --redact-names"
)

# pinned mtime of the fixture copies (year-less journald lines take their year from it;
# metrics dumps never take their time from it; pinning keeps the reference independent
# of the checkout)
PIN=202611240000

run_one() { # fixture-name output-dir args...
  local name=$1 odir=$2; shift 2
  local spec file args
  mkdir -p "$odir"
  for spec in "${runs[@]}"; do
    file=${spec%%|*}
    args=${spec#*|}
    # shellcheck disable=SC2086
    "$BIN" $args -q "$@" >"$odir/$file" 2>"$odir/$file.stderr" && code=0 || code=$?
    echo "$code" >"$odir/$file.code"
  done
}

# every fixture is copied with its files' mtime pinned (journald lines take their year
# from it) and read from the copy, named real/NAME/n1.log, ...
for fx in fixtures/real/* fixtures/built/*; do
  [ -d "$fx" ] || continue
  name=${fx#fixtures/}
  mkdir -p "$work/fx/$name"
  cp -p "$fx"/* "$work/fx/$name"/
  find "$work/fx/$name" -type f -exec touch -t "$PIN" {} +
  (
    cd "$work/fx"
    logs=("$name"/*.log)
    run_one "$name" "$dest/$name/files" "${logs[@]}"
    # the directory as users give it (metrics and status files recognised by content)
    run_one "$name" "$dest/$name/dir" "$name"
  )
done

# metrics and rules on the real captures (from the pinned copies)
for fx in fixtures/real/*; do
  name=${fx#fixtures/}
  m=("$work/fx/$name"/metrics-n*.txt)
  [ -e "${m[0]}" ] || continue
  for f in table json csv; do
    (cd "$work/fx" && "$BIN" metrics -f "$f" "${m[@]#"$work/fx/"}" >"$dest/$name/metrics.$f" 2>"$dest/$name/metrics.$f.stderr") || true
  done
  (cd "$work/fx" && "$BIN" rules "$name"/*.log >"$dest/$name/rules.yaml" 2>/dev/null) || true
done

sums() { (cd "$1" && find . -type f | LC_ALL=C sort | xargs sha256sum); }

if $corpora; then
  cdir=target/golden-corpus
  mkdir -p "$cdir"
  if [ ! -f "$cdir/sparse-zap/all.log" ]; then
    python3 scripts/gen-corpus.py sparse --fixture fixtures/real/zap-3-mixed \
      --background fixtures/background/zap.log --size 40M --seed 1 --out "$cdir/sparse-zap"
    python3 scripts/gen-corpus.py sparse --fixture fixtures/real/capnslog-3-mixed \
      --background fixtures/background/capnslog.log --size 40M --seed 1 --out "$cdir/sparse-capnslog"
    python3 scripts/gen-corpus.py dense --fixture fixtures/real/zap-5-storm --terms 5000 \
      --seed 1 --out "$cdir/dense-zap"
  fi
  mkdir -p "$dest/corpora"
  for c in sparse-zap sparse-capnslog dense-zap; do
    "$BIN" diagnose -f json -q "$cdir/$c/all.log" >"$dest/corpora/$c.diagnose.json" || true
    "$BIN" terms -f json -q "$cdir/$c"/n*.log >"$dest/corpora/$c.terms.json" || true
  done
fi

case $mode in
  write)
    mkdir -p tests/golden
    sums "$dest" | grep -v ' ./corpora/' >tests/golden/outputs.sha256
    if $corpora; then sums "$dest" | grep ' ./corpora/' >tests/golden/corpora.sha256; fi
    echo "wrote tests/golden/outputs.sha256 ($(wc -l <tests/golden/outputs.sha256) outputs)"
    ;;
  out)
    echo "wrote the outputs under $dest"
    ;;
  check)
    sums "$dest" >"$work/now.sha256"
    ref=$work/ref.sha256
    cat tests/golden/outputs.sha256 >"$ref"
    if $corpora; then cat tests/golden/corpora.sha256 >>"$ref"; fi
    grep -v ' ./corpora/' "$work/now.sha256" >"$work/now-files" || true
    if $corpora; then grep ' ./corpora/' "$work/now.sha256" >>"$work/now-files" || true; fi
    if diff <(sort -k2 "$ref") <(sort -k2 "$work/now-files") >"$work/diff"; then
      echo "golden: all $(wc -l <"$ref") outputs identical"
    else
      echo "golden: outputs that differ:"
      grep '^[<>]' "$work/diff" | awk '{print $3}' | sort -u
      exit 1
    fi
    ;;
esac
