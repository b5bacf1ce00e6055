#!/usr/bin/env bash
# Build the hostile cases made from the real capture fixtures/real/zap-3-mixed by
# mechanical substitution (tests/hostile/README.md lists them):
#
# - tests/hostile/planted/: the same lines with the member names, URLs, addresses, data
#   directories and file names replaced by planted secrets (an FQDN domain, private IPs,
#   a company directory), so that tests/redaction.rs can grep every output of
#   `--redact` for them;
# - tests/hostile/formula-name.log: n1's log with its member name replaced by a
#   spreadsheet formula.
#
# Deterministic: two runs give byte-identical files.
set -euo pipefail
cd "$(dirname "$0")/.."

src=fixtures/real/zap-3-mixed
dst=tests/hostile/planted/acme-corp-prod
rm -rf tests/hostile/planted
mkdir -p "$dst"

domain=prod.acme-corp.example.com
# member n1 is named after its FQDN host (kubeadm style); n2 and n3 by a short name
names=("" "master-0.$domain" "master-1" "master-2")
hosts=("" "master-0.$domain" "master-1.$domain" "master-2.$domain")
ips=("" 10.23.45.65 10.23.45.66 10.23.45.67)

subst=(-e "s#/work/main/fixtures/real/zap-3-mixed#/srv/acme-corp/etcd-prod#g")
for k in 1 2 3; do
  subst+=(
    -e "s#127\.0\.0\.1:2410$k#${hosts[$k]}:2380#g"
    -e "s#127\.0\.0\.1:2400$k#${ips[$k]}:2379#g"
    -e "s#\"name\":\"n$k\"#\"name\":\"${names[$k]}\"#g"
    -e "s#Name:n$k #Name:${names[$k]} #g"
    -e "s#\([\",]\)n$k=http#\1${names[$k]}=http#g"
  )
done

for k in 1 2 3; do
  sed "${subst[@]}" "$src/n$k.log" >"$dst/${hosts[$k]}.log"
  sed "${subst[@]}" "$src/metrics-n$k.txt" >"$dst/metrics-${hosts[$k]}.txt"
done
for f in "$src"/status-*.json; do
  sed "${subst[@]}" "$f" >"$dst/$(basename "$f")"
done

# its name where the log states it (the initial-cluster list cannot hold a name with `=`)
formula='=HYPERLINK(\\"http://evil.example/\\",\\"x\\")'
sed -e "s#\"name\":\"n1\"#\"name\":\"$formula\"#" -e "s#Name:n1 #Name:$formula #" \
  "$src/n1.log" >tests/hostile/formula-name.log
