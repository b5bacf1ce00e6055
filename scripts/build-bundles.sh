#!/usr/bin/env bash
# Support-bundle fixtures: the directory trees of fixtures/bundles/, one per collection
# tool, laid out with the tool's own paths (sources in fixtures/README.md, "Support
# bundles") and filled mechanically with real etcd lines:
#
#   etcd logs      whole files of fixtures/real/zap-3-mixed (real etcd 3.4.23 logs, n1 =
#                  a9e9e1d57dda5a31, n2 = 63b302efdda86cd7, n3 = 849335a4c3608382), or of
#                  fixtures/built/journald-zap-k3s (the same real lines in a k3s journal)
#   previous.log   must-gather's previous container log: n1.log up to n1's last restart
#                  (the last "starting an etcd server" line); current.log the rest
#   etcdctl JSON   endpoint_status.json is the capture's real status-10.json; the member
#                  list is written in `etcdctl member list -w json`'s layout from the
#                  capture's members.json (ids, names, URLs) and cluster id (status-10.json)
#   other files    the files of other pods and tools a bundle also holds, with one line of
#                  placeholder text that is obviously not a log: they must be left unread
#
# The archives (.tar.gz, .zip) are built from these trees at test time (tests/bundles.rs),
# so the repository keeps one copy of each. Run from anywhere; rewrites fixtures/bundles/.
set -euo pipefail
cd "$(dirname "$0")/.."

REAL=fixtures/real/zap-3-mixed
K3S=fixtures/built/journald-zap-k3s
OUT=fixtures/bundles
rm -rf "$OUT"
mkdir -p "$OUT"

other() { # other FILE: a file the bundle holds that is not an etcd log
  mkdir -p "$(dirname "$1")"
  echo "placeholder written by scripts/build-bundles.sh: not a log" >"$1"
}
put() { # put SRC DEST
  mkdir -p "$(dirname "$2")"
  cp "$1" "$2"
}

# --- OpenShift must-gather: n1 (current + previous) and n2; n3 only in the member list
MG=$OUT/must-gather/must-gather.local.5340870454426478390/quay-io-openshift-release-dev-ocp-v4-0-art-dev-sha256-0000
POD=$MG/namespaces/openshift-etcd/pods
mkdir -p "$POD/etcd-m1/etcd/etcd/logs"
restart=$(grep -n '"msg":"starting an etcd server"' "$REAL/n1.log" | tail -1 | cut -d: -f1)
head -n $((restart - 1)) "$REAL/n1.log" >"$POD/etcd-m1/etcd/etcd/logs/previous.log"
tail -n +"$restart" "$REAL/n1.log" >"$POD/etcd-m1/etcd/etcd/logs/current.log"
put "$REAL/n2.log" "$POD/etcd-m2/etcd/etcd/logs/current.log"
other "$POD/etcd-m1/etcdctl/etcdctl/logs/current.log"
other "$POD/etcd-m2/etcd-metrics/etcd-metrics/logs/current.log"
other "$MG/namespaces/openshift-kube-apiserver/pods/kube-apiserver-m1/kube-apiserver/kube-apiserver/logs/current.log"
other "$MG/cluster-scoped-resources/core/nodes/m1.yaml"
other "$MG/timestamp"
put "$REAL/status-10.json" "$MG/etcd_info/endpoint_status.json"
python3 - "$REAL" "$MG/etcd_info/member_list.json" <<'EOF'
import json, sys
real, out = sys.argv[1], sys.argv[2]
members = json.load(open(real + '/members.json'))
status = json.load(open(real + '/status-10.json'))
hdr = status[0]['Status']['header']
doc = {
    'header': {'cluster_id': hdr['cluster_id'], 'member_id': hdr['member_id'],
               'raft_term': hdr['raft_term']},
    'members': [{'ID': int(m['id'], 16), 'name': m['name'], 'peerURLs': [m['peer_url']],
                 'clientURLs': [m['client_url']]} for m in members],
}
open(out, 'w').write(json.dumps(doc) + '\n')
EOF

# --- troubleshoot.sh: a logs collector named etcd-logs, and cluster-resources
TS=$OUT/troubleshoot/support-bundle-2026-11-25T16_30_00
for i in 1 2 3; do
  put "$REAL/n$i.log" "$TS/etcd-logs/kube-system/etcd-m$i/etcd.log"
done
other "$TS/etcd-logs/kube-system/kube-apiserver-m1/kube-apiserver.log"
other "$TS/cluster-resources/pods/kube-system.json"
other "$TS/version.yaml"

# --- Talos `talosctl support`: <node>/<service>.log per node, cluster/ resources
TA=$OUT/talos-support
for i in 1 2 3; do
  node=10.5.0.$((i + 1))
  put "$REAL/n$i.log" "$TA/$node/etcd.log"
  other "$TA/$node/dmesg.log"
  other "$TA/$node/controller-runtime.log"
  other "$TA/$node/kube-system/kube-apiserver.log"
done
other "$TA/cluster/kubernetesResources/nodes.yaml"

# --- Rancher logs-collector, one node each: a k3s server (etcd embedded: its lines in
# the k3s journal) and an RKE2 server (etcd static pod logs)
RK=$OUT/rancher-k3s/m1-2026-11-25_16_30_00
put "$K3S/n1.log" "$RK/journald/k3s"
other "$RK/journald/containerd"
other "$RK/systeminfo/hostname"
other "$RK/k3s/podlogs/kube-system-coredns-0"
RR=$OUT/rancher-rke2/m2-2026-11-25_16_30_00
put "$REAL/n2.log" "$RR/rke2/podlogs/kube-system-etcd-m2"
other "$RR/rke2/podlogs/kube-system-kube-apiserver-m2"
other "$RR/journald/rke2-agent"
other "$RR/systeminfo/hostname"

# --- kubectl cluster-info dump --output-directory
CI=$OUT/cluster-info-dump/cluster-info
for i in 1 2 3; do
  put "$REAL/n$i.log" "$CI/kube-system/etcd-m$i/logs.txt"
done
other "$CI/kube-system/kube-apiserver-m1/logs.txt"
other "$CI/kube-system/pods.json"
other "$CI/nodes.json"

echo "fixtures/bundles: $(find "$OUT" -type f | wc -l) files"
