#!/usr/bin/env python3
"""Export fixtures built mechanically from real captures (fixtures/real/): the lines of
a three-member cluster as a log store hands them back, newest first, in the layouts of
a saved Elasticsearch/OpenSearch `_search` response and of a Grafana CSV download of a
Loki logs panel. Only the export is made here; every etcd line is a real line of the
named capture, unchanged (see fixtures/README.md, "Export fixtures").

    python3 scripts/build-exports.py        # writes fixtures/exports/
"""
import csv
import datetime
import io
import json
import os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "fixtures", "exports")
MEMBERS = ["n1", "n2", "n3"]


def lines(capture, member):
    with open(os.path.join(ROOT, "fixtures", "real", capture, member + ".log"), encoding="utf-8") as f:
        return [l.rstrip("\n") for l in f if l.strip()]


def utc_us(dt):
    dt = dt.replace(tzinfo=datetime.timezone.utc)
    return int(dt.timestamp()) * 1_000_000 + dt.microsecond


def line_us(line, last):
    """µs of a line's own time: zap `ts`; capnslog time (UTC on the capture machine);
    raft's Go log lines (whole seconds) their second; lines without one the previous
    line's."""
    if line.startswith("{"):
        return utc_us(datetime.datetime.strptime(json.loads(line)["ts"], "%Y-%m-%dT%H:%M:%S.%fZ"))
    for fmt, at in (("%Y-%m-%d %H:%M:%S.%f", slice(0, 26)), ("%Y/%m/%d %H:%M:%S", slice(4, 23))):
        try:
            return utc_us(datetime.datetime.strptime(line[at], fmt))
        except ValueError:
            pass
    return last


def merged(capture):
    """(µs, member, line) of every member's lines, oldest first, the time being the one
    a shipper stamps (never going back within a member's stream: a raft Go log line
    printed with whole seconds after a line with µs of the same second keeps that µs);
    a stable sort by it, so each member's lines keep their file order."""
    out = []
    for m in MEMBERS:
        src = lines(capture, m)
        last = next(t for t in (line_us(l, None) for l in src) if t is not None)
        for l in src:
            last = max(last, line_us(l, last))
            out.append((last, m, l))
    out.sort(key=lambda r: r[0])
    return out


def iso(us, digits=3):
    dt = datetime.datetime.fromtimestamp(us // 1_000_000, datetime.timezone.utc)
    frac = f"{us % 1_000_000:06d}"[:digits]
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + "." + frac + "Z"


def search_response(capture, out_name):
    """A `_search` response as Elasticsearch returns it with `?pretty` and
    `"sort":[{"@timestamp":"desc"}]`: `took`, `timed_out`, `_shards`, then `hits` with
    `total`, `max_score` and the hits newest first; each hit's `_source` as Fluent
    Bit's kubernetes filter ships a container line (`@timestamp`, `log`, `stream`,
    `kubernetes.pod_name`/`namespace_name`/`container_name`), `sort` the time in ms."""
    rows = list(reversed(merged(capture)))
    hits = []
    for i, (us, m, l) in enumerate(rows):
        hits.append({
            "_index": "logstash-" + iso(us)[:10].replace("-", "."),
            "_id": f"raftlog-{len(rows) - i:05d}",
            "_score": None,
            "_source": {
                "@timestamp": iso(us),
                "log": l + "\n",
                "stream": "stderr",
                "kubernetes": {
                    "pod_name": "etcd-" + m,
                    "namespace_name": "kube-system",
                    "container_name": "etcd",
                },
            },
            "sort": [us // 1000],
        })
    doc = {
        "took": 7,
        "timed_out": False,
        "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
        "hits": {"total": {"value": len(hits), "relation": "eq"}, "max_score": None, "hits": hits},
    }
    with open(os.path.join(OUT, out_name), "w", encoding="utf-8") as f:
        # the spacing of Elasticsearch's `?pretty` (Jackson): `"key" : value`, 2 spaces
        text = json.dumps(doc, indent=2, ensure_ascii=False, separators=(",", " : "))
        f.write(text + "\n")


def grafana_csv(capture, out_name):
    """Inspect → Data → Download CSV of a Loki logs panel (Grafana's `toCSV`): the
    header is the quoted field names of the Loki frame (`labels`, `Time`, `Line`,
    `tsNs`, `id`), rows newest first (Loki's default direction), `,` between cells,
    CRLF between rows and none after the last; a cell is quoted only when it holds a
    quote (doubled), the delimiter or a newline. `Time` as displayed
    (`YYYY-MM-DD HH:mm:ss.SSS`, dashboard zone UTC), `labels` as a JSON object."""
    rows = list(reversed(merged(capture)))

    def cell(v):
        s = str(v)
        if '"' in s:
            return '"' + s.replace('"', '""') + '"'
        if "\n" in s or "," in s:
            return '"' + s + '"'
        return s

    out = ['"labels","Time","Line","tsNs","id"']
    for i, (us, m, l) in enumerate(rows):
        labels = json.dumps({"container": "etcd", "namespace": "kube-system", "pod": "etcd-" + m},
                            separators=(",", ":"))
        t = iso(us).replace("T", " ").rstrip("Z")
        ns = us * 1000
        out.append(",".join(cell(v) for v in (labels, t, l, ns, f"{ns}_{i:04x}")))
    with open(os.path.join(OUT, out_name), "w", encoding="utf-8", newline="") as f:
        f.write("\r\n".join(out))


def logcli(capture, out_name):
    """`logcli query` default output with its default `--direction backward` (newest
    first), colour off (output to a file): `RFC3339-time {labels} line`, the time in
    whole seconds (UTC), the label set as Loki prints it (sorted, `k="v"` joined by
    `, `) padded with spaces to the longest one, the line trimmed."""
    rows = list(reversed(merged(capture)))
    sets = {m: '{container="etcd", namespace="kube-system", pod="etcd-%s"}' % m for m in MEMBERS}
    width = max(len(v) for v in sets.values())
    out = []
    for us, m, l in rows:
        t = datetime.datetime.fromtimestamp(us // 1_000_000, datetime.timezone.utc)
        out.append(f"{t.strftime('%Y-%m-%dT%H:%M:%SZ')} {sets[m].ljust(width)} {l.strip()}")
    with open(os.path.join(OUT, out_name), "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


def main():
    os.makedirs(OUT, exist_ok=True)
    search_response("zap-3-mixed", "es-search-zap-3-mixed.json")
    grafana_csv("capnslog-3-mixed", "grafana-capnslog-3-mixed.csv")
    grafana_csv("zap-3-mixed", "grafana-zap-3-mixed.csv")
    logcli("zap-3-mixed", "logcli-backward-zap-3-mixed.log")


if __name__ == "__main__":
    main()
