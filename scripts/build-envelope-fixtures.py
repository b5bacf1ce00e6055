#!/usr/bin/env python3
"""Envelope fixtures built mechanically from real captures (fixtures/real/), for the
envelopes no real capture holds: `journalctl -o json` records, zap records glued on one
line, zap records hard-wrapped by a terminal. Only the envelope is made here; every
etcd line is a real line of the named capture, unchanged (see fixtures/README.md,
"Envelope fixtures").

    python3 scripts/build-envelope-fixtures.py        # writes fixtures/envelopes/
"""
import datetime
import json
import os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "fixtures", "envelopes")


def lines(capture, member):
    with open(os.path.join(ROOT, "fixtures", "real", capture, member + ".log"), encoding="utf-8") as f:
        return [l.rstrip("\n") for l in f]


def zap_us(line):
    """µs since the epoch of a zap line's `ts` (`2026-11-25T16:15:34.414Z`)."""
    ts = json.loads(line)["ts"]
    dt = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    return int(dt.timestamp()) * 1_000_000 + dt.microsecond


def capnslog_us(line, last):
    """µs of a capnslog line's time (UTC on the capture machine); raft's Go log lines
    (`raftYYYY/MM/DD HH:MM:SS`, whole seconds) keep the previous line's µs within the
    same second, else take their second; banners take the previous line's time."""
    try:
        dt = datetime.datetime.strptime(line[:26], "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=datetime.timezone.utc)
        return int(dt.timestamp()) * 1_000_000 + dt.microsecond
    except ValueError:
        pass
    try:
        dt = datetime.datetime.strptime(line[4:23], "%Y/%m/%d %H:%M:%S").replace(tzinfo=datetime.timezone.utc)
        sec = int(dt.timestamp()) * 1_000_000
        return last if last is not None and last // 1_000_000 * 1_000_000 == sec else sec
    except ValueError:
        return last


def journal(capture, member, stamp, out_name, pid):
    """systemd's JSON export layout: one object per line, the stamp in
    `__REALTIME_TIMESTAMP` (µs, a string), the line in `MESSAGE`; every 7th MESSAGE is
    written as an array of bytes, as journalctl does for text that is not UTF-8."""
    out = []
    src = lines(capture, member)
    # lines before the first stamped one take its stamp
    last = next(t for t in (stamp(l, None) for l in src) if t is not None)
    first = last
    for i, l in enumerate(src):
        if not l:
            continue
        last = stamp(l, last)
        rec = {
            "__CURSOR": f"s=raftlog;i={i + 1:x}",
            "__REALTIME_TIMESTAMP": str(last),
            "__MONOTONIC_TIMESTAMP": str(last - first + 5_000_000),
            "_BOOT_ID": "raftlog",
            "PRIORITY": "6",
            "_HOSTNAME": member,
            "SYSLOG_IDENTIFIER": "etcd",
            "_SYSTEMD_UNIT": "etcd.service",
            "_PID": str(pid),
            "MESSAGE": list(l.encode("utf-8")) if i % 7 == 6 else l,
        }
        out.append(json.dumps(rec, ensure_ascii=False, separators=(",", ":")))
    write(out_name, out)


def glued(capture, member, out_name):
    """Each pair of lines written as one line, `}{` and `} {` in turn between them."""
    src = lines(capture, member)
    out = []
    for k in range(0, len(src), 2):
        pair = src[k:k + 2]
        out.append(("" if k % 4 == 0 else " ").join(pair))
    write(out_name, out)


def wrapped(capture, member, width, out_name):
    """Each line cut every `width` characters, as a terminal wraps it when copied."""
    out = []
    for l in lines(capture, member):
        out.extend([l[i:i + width] for i in range(0, len(l), width)] or [""])
    write(out_name, out)


def write(name, out):
    with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


def main():
    os.makedirs(OUT, exist_ok=True)
    journal("zap-3-mixed", "n1", lambda l, last: zap_us(l), "journald-json-zap-3-mixed-n1.log", 4242)
    journal("capnslog-3-mixed", "n1", capnslog_us, "journald-json-capnslog-3-mixed-n1.log", 4343)
    glued("zap-3-mixed", "n2", "glued-zap-3-mixed-n2.log")
    wrapped("zap-3-mixed", "n3", 80, "wrapped-80-zap-3-mixed-n3.log")


if __name__ == "__main__":
    main()
