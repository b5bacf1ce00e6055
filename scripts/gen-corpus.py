#!/usr/bin/env python3
"""Make large benchmark corpora for raftlog from the real captures in fixtures/real/.

Usage (from the repository root):

  gen-corpus.py sparse --fixture fixtures/real/zap-3-mixed \\
                       --background fixtures/background/zap.log --size 1G --seed 1 --out DIR
  gen-corpus.py dense  --fixture fixtures/real/zap-5-storm (--size 200M | --terms 100000) \\
                       --seed 1 --out DIR
  gen-corpus.py gz FILE...          (writes FILE.gz next to each FILE, gzip -6 -n)

sparse and dense write DIR/n<i>.log (one per member of the fixture) and DIR/all.log,
the concatenation n1 + n2 + ... (what `cat n*.log` gives); with --gzip also
DIR/all.log.gz. Sizes take K, M, G suffixes (powers of 1024).

No log text is invented. Every output line is a real line written by a real etcd:

- the fixture's own lines (fixtures/real/<name>/n<i>.log), in their original order,
  with only their timestamp rewritten (dense: also their term numbers renumbered);
- background lines (sparse only) picked at random (seeded) from a capture of real
  background lines (fixtures/background/*.log, made by scripts/capture-background.sh),
  with only their timestamps rewritten.

sparse: hours of busy members' logs (about 18 h for 1G at the default --rate) with the
real election episode in the middle. T0 is 0.05 s before the first disruption that the fixture's truth.log records
(SIGSTOP, SIGKILL, SIGTERM, move-leader, PARTITION), i.e. after the bootstrap election
and before the first fault. In every member's file, the lines from the first one whose
time is >= T0 to the end are shifted by the same whole number of seconds G, chosen so
that the episode sits in the middle of the corpus' time span; the lines before T0 (start
and bootstrap election) stay. Background lines get times at a uniform rate (--rate per
second, with a seeded jitter inside each 1/rate slot) from the member's first line to
beyond its last one, as many as needed for the member file to reach --size / members,
and are merged with the real lines by time (a real line goes before a background line
of the same time, the real lines keep their order). About half of the background lines
are slow-request warnings ("apply request took too long" / "read-only range request ...
took too long"), the rest are the other captured kinds (snapshots, compactions, purges,
request traces).

dense: a long election storm. The storm part of the fixture is every member's lines
from T0 (0.05 s before the first disruption in truth.log) up to the last `metrics`
dump in truth.log (after it, the harness only stops the members). The file of member i
is: its lines before T0 (start-up and bootstrap election, once), then k repetitions of
its storm part, then its lines after the storm part (shut-down, once, as after the last
repetition). Repetition j shifts every time by j*S seconds (S = span of the storm part,
rounded up, + 2 s) and adds j*D to every term number of the line text (D = max - min
term of the storm part + 1), where a term number is the N of `term N`, `term: N` or
`logterm: N` (`at term 8`, `[term: 8]`, `[term 8]`, `[logterm: 2, index: 28]`). k comes
from --size (total bytes) or --terms (k = ceil(terms / D)). Nothing in dense is random
(--seed is accepted and ignored).

Timestamps are rewritten in each line's own format and precision: zap JSON
`"ts":"2026-11-25T16:15:34.637Z"` (the trace lines' "start"/"end" fields too, by the
same offset), capnslog `2026-11-25 16:16:11.533582 I | ...`, Go log
`raft2026/11/25 16:16:13 INFO: ...` and `WARNING: 2026/11/25 16:16:59 ...` (second
precision). Shifts are whole seconds, so sub-second digits are kept. Lines without a
timestamp (the capnslog `[WARNING] Deprecated ...` banner) are kept as they are, in
place. All times are treated as UTC wall-clock values (the captures were made in UTC).

Deterministic: same arguments and --seed give byte-identical files (random.Random
seeded with a string; gzip with mtime 0 and no file name). Standard library only.
"""

import argparse
import calendar
import gzip
import math
import os
import random
import re
import sys
import time

CHUNK = 8 << 20          # write in chunks of about 8 MB
T0_MARGIN_US = 50_000    # T0 = first disruption - 50 ms
FAULT = re.compile(r'^(\S+) (?:SIGSTOP|SIGKILL|SIGTERM|move-leader from|PARTITION)\b')
METRICS = re.compile(r'^(\S+) metrics ')

# --------------------------------------------------------------------------- timestamps

# One entry per line format: regex (group 'd' = date-time to the second, optional
# group 'f' = fraction digits), strftime layout of 'd'.
FORMATS = [
    # zap JSON: {"level":"info","ts":"2026-11-25T16:15:32.100Z",...
    (re.compile(r'^\{"level":"[a-zA-Z]+","ts":"(?P<d>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?P<f>\.\d+)?Z"'),
     '%Y-%m-%dT%H:%M:%S'),
    # capnslog: 2026-11-25 16:16:11.533582 I | ...
    (re.compile(r'^(?P<d>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)(?P<f>\.\d+)? [A-Z] \| '), '%Y-%m-%d %H:%M:%S'),
    # Go log: raft2026/11/25 16:16:13 INFO: ..., WARNING: 2026/11/25 16:16:59 [core] ...
    (re.compile(r'^(?:raft|[A-Z]+: )(?P<d>\d{4}/\d\d/\d\d \d\d:\d\d:\d\d)(?P<f>\.\d+)? '), '%Y/%m/%d %H:%M:%S'),
]
# further timestamps inside a zap line (trace "start"/"end"), ms or more precision
ZAP_INNER_TS = re.compile(r'"(?:start|end)":"(?P<d>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?P<f>\.\d+)?Z"')
ZAP_LAYOUT = '%Y-%m-%dT%H:%M:%S'
TERM = re.compile(r'(?:log)?term:? (\d+)')


def parse_secs(text, layout):
    return calendar.timegm(time.strptime(text, layout))


class Fmt:
    """Formats whole seconds in one layout, with a cache (times are mostly increasing)."""

    def __init__(self, layout):
        self.layout = layout
        self.cache = {}

    def __call__(self, secs):
        s = self.cache.get(secs)
        if s is None:
            if len(self.cache) > 100_000:
                self.cache.clear()
            s = self.cache[secs] = time.strftime(self.layout, time.gmtime(secs))
        return s


FMTS = {}


def fmt_for(layout):
    if layout not in FMTS:
        FMTS[layout] = Fmt(layout)
    return FMTS[layout]


def frac_us(frac):
    """'.637' -> 637000 µs; '' -> 0."""
    if not frac:
        return 0
    digits = frac[1:7].ljust(6, '0')
    return int(digits)


class Line:
    """A real line split around its timestamp: head + <date-time> + tail, with its time.

    Untimed lines have secs None and head = the whole line."""

    __slots__ = ('head', 'tail', 'secs', 'us', 'fmt', 'eff')

    def __init__(self, text):
        self.secs = None
        self.us = 0
        self.fmt = None
        self.head = text
        self.tail = ''
        self.eff = 0
        for rx, layout in FORMATS:
            m = rx.match(text)
            if m:
                self.head = text[:m.start('d')]
                self.tail = text[m.end('d'):]
                self.secs = parse_secs(m.group('d'), layout)
                self.us = frac_us(m.group('f'))
                self.fmt = fmt_for(layout)
                break

    def time_us(self):
        return self.secs * 1_000_000 + self.us

    def render(self, shift=0):
        if self.secs is None:
            return self.head
        return self.head + self.fmt(self.secs + shift) + self.tail


def read_member(path):
    """The lines of one member log (without newlines), with effective times.

    eff = the line's own time; an untimed line takes the time of the next timed line
    (a banner belongs to what follows); then a running maximum, so that eff never goes
    down in file order (second-resolution Go-log lines among µs capnslog lines)."""
    with open(path, encoding='utf-8', newline='\n') as f:
        texts = f.read().split('\n')
    if texts and texts[-1] == '':
        texts.pop()
    lines = [Line(t) for t in texts]
    nxt = None
    for ln in reversed(lines):
        if ln.secs is not None:
            nxt = ln.time_us()
        ln.eff = nxt
    prev = None
    for ln in lines:
        if ln.eff is None:
            ln.eff = prev if prev is not None else 0
        if prev is not None and ln.eff < prev:
            ln.eff = prev
        prev = ln.eff
    if not any(ln.secs is not None for ln in lines):
        sys.exit('gen-corpus.py: %s: no line with a recognised timestamp' % path)
    return lines


def members_of(fixture):
    names = sorted((f for f in os.listdir(fixture) if re.fullmatch(r'n\d+\.log', f)),
                   key=lambda f: int(f[1:-4]))
    if not names:
        sys.exit('gen-corpus.py: no n<i>.log in %s' % fixture)
    return [n[:-4] for n in names]


def truth_times(fixture):
    """(first disruption, last metrics dump) in µs from the fixture's truth.log."""
    path = os.path.join(fixture, 'truth.log')
    fault = last_metrics = None
    with open(path, encoding='utf-8') as f:
        for line in f:
            m = FAULT.match(line)
            if m and fault is None:
                fault = iso_us(m.group(1))
            m = METRICS.match(line)
            if m:
                last_metrics = iso_us(m.group(1))
    if fault is None:
        sys.exit('gen-corpus.py: %s: no disruption (SIGSTOP/SIGKILL/SIGTERM/move-leader/'
                 'PARTITION) recorded' % path)
    return fault, last_metrics


def iso_us(s):
    """'2026-11-25T16:15:35.342Z' -> µs since the epoch."""
    m = re.fullmatch(r'(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?Z', s)
    if not m:
        sys.exit('gen-corpus.py: bad truth.log time %r' % s)
    return parse_secs(m.group(1), ZAP_LAYOUT) * 1_000_000 + frac_us(m.group(2))


def split_index(lines, t_us):
    """Index of the first line whose effective time is >= t_us (len(lines) if none)."""
    for i, ln in enumerate(lines):
        if ln.eff >= t_us:
            return i
    return len(lines)


# --------------------------------------------------------------------------- output

class Out:
    """Buffered writer of one member file that also feeds all.log (and all.log.gz)."""

    def __init__(self, path, sinks):
        self.f = open(path, 'wb')
        self.sinks = sinks
        self.buf = []
        self.n = 0
        self.bytes = 0

    def write(self, s):
        self.buf.append(s)
        self.n += len(s)
        if self.n >= CHUNK:
            self.flush()

    def flush(self):
        if self.buf:
            data = ''.join(self.buf).encode('utf-8')
            self.f.write(data)
            for s in self.sinks:
                s.write(data)
            self.bytes += len(data)
            self.buf = []
            self.n = 0

    def close(self):
        self.flush()
        self.f.close()


def open_sinks(out, want_gzip):
    sinks = [open(os.path.join(out, 'all.log'), 'wb')]
    if want_gzip:
        sinks.append(gzip.GzipFile(filename='', mode='wb', compresslevel=6, mtime=0,
                                   fileobj=open(os.path.join(out, 'all.log.gz'), 'wb')))
    return sinks


def close_sinks(sinks):
    for s in sinks:
        fo = getattr(s, 'fileobj', None)
        s.close()
        if fo is not None:
            fo.close()


def parse_size(s):
    m = re.fullmatch(r'(\d+(?:\.\d+)?)([KMG]?)i?B?', s.strip(), re.I)
    if not m:
        raise argparse.ArgumentTypeError('bad size %r (e.g. 4M, 200M, 1G)' % s)
    mult = {'': 1, 'K': 1 << 10, 'M': 1 << 20, 'G': 1 << 30}[m.group(2).upper()]
    return int(float(m.group(1)) * mult)


# --------------------------------------------------------------------------- sparse

class BgLine:
    """A background line as a template: parts between its timestamps, and the offsets of
    its inner timestamps (trace start/end) from its own time, in µs."""

    __slots__ = ('parts', 'offsets', 'digits', 'fmt', 'length', 'unit')

    def __init__(self, text):
        for rx, layout in FORMATS:
            m = rx.match(text)
            if m:
                break
        else:
            sys.exit('gen-corpus.py: background line without a timestamp: %.120s' % text)
        self.fmt = fmt_for(layout)
        frac = m.group('f') or ''
        self.digits = len(frac) - 1 if frac else 0
        own = parse_secs(m.group('d'), layout) * 1_000_000 + frac_us(frac)
        parts, offsets = [text[:m.start('d')]], []
        pos = m.end('d') + len(frac)
        if layout == ZAP_LAYOUT:
            for im in ZAP_INNER_TS.finditer(text, pos):
                if len(im.group('f') or '') - 1 != self.digits:
                    sys.exit('gen-corpus.py: mixed precisions in a background line: %.120s' % text)
                parts.append(text[pos:im.start('d')])
                offsets.append(parse_secs(im.group('d'), ZAP_LAYOUT) * 1_000_000
                               + frac_us(im.group('f')) - own)
                pos = im.end('d') + len(im.group('f') or '')
        parts.append(text[pos:] + '\n')
        self.parts = parts
        self.offsets = offsets
        self.length = len(text.encode('utf-8')) + 1
        self.unit = 10 ** (6 - self.digits)  # µs per unit of this line's precision

    def render(self, t_us):
        """The line at time t_us (already truncated to this line's precision)."""
        p = self.parts
        out = [p[0], self.stamp(t_us)]
        for i, off in enumerate(self.offsets):
            out.append(p[i + 1])
            out.append(self.stamp(t_us + off))
        out.append(p[-1])
        return ''.join(out)

    def stamp(self, t_us):
        secs, us = divmod(t_us, 1_000_000)
        s = self.fmt(secs)
        if self.digits:
            s += '.' + ('%06d' % us)[:self.digits]
        return s


SLOW = re.compile(r'"msg":"apply request took too long"| took too long \(.*\) to execute$')


def load_background(path):
    slow, other = [], []
    with open(path, encoding='utf-8', newline='\n') as f:
        for text in f.read().split('\n'):
            if not text:
                continue
            (slow if SLOW.search(text) else other).append(BgLine(text))
    if not slow or not other:
        sys.exit('gen-corpus.py: %s needs both slow-request lines and other lines' % path)
    return slow, other


def gen_sparse(args):
    fixture = args.fixture.rstrip('/')
    members = members_of(fixture)
    logs = {m: read_member(os.path.join(fixture, m + '.log')) for m in members}
    slow, other = load_background(args.background)
    fault, _ = truth_times(fixture)
    t0 = fault - T0_MARGIN_US
    per_member = args.size // len(members)

    # how many background lines each member gets: draw the (seeded) choice sequence until
    # the member file reaches its share of --size
    plan = {}
    for m in members:
        rnd = random.Random('gen-corpus sparse %d %s' % (args.seed, m))
        real_bytes = sum(len(ln.render().encode('utf-8')) + 1 for ln in logs[m])
        need = per_member - real_bytes
        choice = []
        while need > 0:
            b = slow[rnd.randrange(len(slow))] if rnd.random() < 0.5 else other[rnd.randrange(len(other))]
            choice.append(b)
            need -= b.length
        plan[m] = (rnd, choice)

    # G: whole seconds that put the middle of the episode [T0, last line] in the middle
    # of the corpus' time span (first line .. first line + n / rate)
    first = min(next(ln.time_us() for ln in logs[m] if ln.secs is not None) for m in members)
    last = max(ln.eff for m in members for ln in logs[m])
    n_bg = max(len(plan[m][1]) for m in members)
    span_us = int(n_bg / args.rate * 1_000_000)
    g = max(0, round((first + span_us // 2 - (t0 + last) // 2) / 1_000_000))
    if args.shift is not None:
        g = args.shift
    sys.stderr.write('gen-corpus.py: sparse %s: T0=%s, shift G=%d s (%.2f h), %d background '
                     'lines per member, %.1f lines/s\n'
                     % (os.path.basename(fixture), us_iso(t0), g, g / 3600, n_bg, args.rate))

    os.makedirs(args.out, exist_ok=True)
    sinks = open_sinks(args.out, args.gzip)
    for m in members:
        lines = logs[m]
        rnd, choice = plan[m]
        cut = split_index(lines, t0)
        m_first = next(ln.time_us() for ln in lines if ln.secs is not None)
        m_last = lines[-1].eff + (g * 1_000_000 if cut < len(lines) else 0)
        end = max(m_first + span_us, m_last + 1_000_000)
        n = len(choice)
        step = (end - m_first) / n if n else 0
        out = Out(os.path.join(args.out, m + '.log'), sinks)

        def draw(k):
            # k-th background time: uniform slot k of the span, seeded jitter inside it,
            # truncated to the line's precision
            u = choice[k].unit
            return int(m_first + (k + rnd.random()) * step) // u * u

        k = 0
        t = draw(0) if n else None
        for i, ln in enumerate(lines):
            shift = g if i >= cut else 0
            eff = ln.eff + shift * 1_000_000
            while k < n and t < eff:
                out.write(choice[k].render(t))
                k += 1
                t = draw(k) if k < n else None
            out.write(ln.render(shift) + '\n')
        while k < n:
            out.write(choice[k].render(t))
            k += 1
            t = draw(k) if k < n else None
        out.close()
        sys.stderr.write('gen-corpus.py: %s/%s.log: %d bytes, %d real + %d background lines\n'
                         % (args.out, m, out.bytes, len(lines), n))
    close_sinks(sinks)


# --------------------------------------------------------------------------- dense

class StormLine:
    """A real line as a template for repetition j: time + j*S, terms + j*D."""

    __slots__ = ('line', 'pieces')

    def __init__(self, line):
        self.line = line
        # the text after the timestamp (or the whole untimed line) split around term numbers
        text = line.tail if line.secs is not None else line.head
        pieces, pos = [], 0
        for m in TERM.finditer(text):
            pieces.append(text[pos:m.start(1)])
            pieces.append(int(m.group(1)))
            pos = m.end(1)
        pieces.append(text[pos:])
        self.pieces = pieces

    def terms(self):
        return self.pieces[1::2]

    def render(self, shift, dterm):
        p = self.pieces
        if len(p) == 1:
            rest = p[0]
        else:
            rest = ''.join(x if i % 2 == 0 else str(x + dterm) for i, x in enumerate(p))
        ln = self.line
        if ln.secs is None:
            return rest + '\n'
        return ln.head + ln.fmt(ln.secs + shift) + rest + '\n'


def gen_dense(args):
    fixture = args.fixture.rstrip('/')
    members = members_of(fixture)
    logs = {m: read_member(os.path.join(fixture, m + '.log')) for m in members}
    fault, last_metrics = truth_times(fixture)
    t0 = fault - T0_MARGIN_US
    t_end = last_metrics if last_metrics is not None else max(
        ln.eff for m in members for ln in logs[m]) + 1
    parts = {}
    for m in members:
        lines = logs[m]
        a, b = split_index(lines, t0), split_index(lines, t_end)
        parts[m] = (lines[:a], [StormLine(ln) for ln in lines[a:b]], [StormLine(ln) for ln in lines[b:]])
    terms = [t for m in members for sl in parts[m][1] for t in sl.terms()]
    if not terms:
        sys.exit('gen-corpus.py: no term number in the storm part of %s' % fixture)
    d = max(terms) - min(terms) + 1
    s_secs = math.ceil((t_end - t0) / 1_000_000) + 2
    storm_bytes = sum(len(sl.render(0, 0).encode('utf-8')) for m in members for sl in parts[m][1])
    fixed_bytes = sum(len(ln.render().encode('utf-8')) + 1 for m in members for ln in parts[m][0]) \
        + sum(len(sl.render(0, 0).encode('utf-8')) for m in members for sl in parts[m][2])
    if args.terms is not None:
        k = max(1, math.ceil(args.terms / d))
    else:
        k = max(1, round((args.size - fixed_bytes) / storm_bytes))
    sys.stderr.write('gen-corpus.py: dense %s: storm part %s .. %s (%d bytes, terms %d..%d), '
                     '%d repetitions, S=%d s, D=%d (about %d terms)\n'
                     % (os.path.basename(fixture), us_iso(t0), us_iso(t_end), storm_bytes,
                        min(terms), max(terms), k, s_secs, d, k * d))

    os.makedirs(args.out, exist_ok=True)
    sinks = open_sinks(args.out, args.gzip)
    for m in members:
        head, storm, tail = parts[m]
        out = Out(os.path.join(args.out, m + '.log'), sinks)
        for ln in head:
            out.write(ln.render() + '\n')
        for j in range(k):
            shift, dterm = j * s_secs, j * d
            out.write(''.join(sl.render(shift, dterm) for sl in storm))
        shift, dterm = (k - 1) * s_secs, (k - 1) * d
        for sl in tail:
            out.write(sl.render(shift, dterm))
        out.close()
        sys.stderr.write('gen-corpus.py: %s/%s.log: %d bytes\n' % (args.out, m, out.bytes))
    close_sinks(sinks)


def gz_file(path):
    """path -> path.gz, like gzip -6 -n -k (no name, mtime 0): reproducible bytes."""
    with open(path, 'rb') as src, open(path + '.gz', 'wb') as raw, \
            gzip.GzipFile(filename='', mode='wb', compresslevel=6, mtime=0, fileobj=raw) as dst:
        while True:
            data = src.read(CHUNK)
            if not data:
                break
            dst.write(data)
    sys.stderr.write('gen-corpus.py: %s.gz: %d bytes\n' % (path, os.path.getsize(path + '.gz')))


def us_iso(t):
    secs, us = divmod(t, 1_000_000)
    return time.strftime(ZAP_LAYOUT, time.gmtime(secs)) + '.%03dZ' % (us // 1000)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest='mode', required=True)
    sp = sub.add_parser('sparse', help='a busy log with a real election episode in the middle')
    sp.add_argument('--fixture', required=True, help='a fixtures/real/<name> directory')
    sp.add_argument('--background', required=True, help='fixtures/background/zap.log or capnslog.log')
    sp.add_argument('--size', required=True, type=parse_size, help='total size, e.g. 4M, 1G')
    sp.add_argument('--seed', type=int, default=1, help='random seed (default 1)')
    sp.add_argument('--out', required=True, help='output directory')
    sp.add_argument('--rate', type=float, default=20.0,
                    help='background lines per second per member (default 20)')
    sp.add_argument('--shift', type=int, help='override G (seconds)')
    sp.add_argument('--gzip', action='store_true', help='also write all.log.gz')
    dp = sub.add_parser('dense', help='a long storm: the storm part of a fixture repeated')
    dp.add_argument('--fixture', required=True, help='a fixtures/real/<name> directory')
    g = dp.add_mutually_exclusive_group(required=True)
    g.add_argument('--size', type=parse_size, help='total size, e.g. 200M')
    g.add_argument('--terms', type=int, help='about this many terms')
    dp.add_argument('--seed', type=int, default=1, help='accepted, unused (nothing is random)')
    dp.add_argument('--out', required=True, help='output directory')
    dp.add_argument('--gzip', action='store_true', help='also write all.log.gz')
    zp = sub.add_parser('gz', help='write FILE.gz for each FILE (gzip -6 -n)')
    zp.add_argument('files', nargs='+')
    args = ap.parse_args()
    start = time.time()
    if args.mode == 'sparse':
        gen_sparse(args)
    elif args.mode == 'dense':
        gen_dense(args)
    else:
        for f in args.files:
            gz_file(f)
    sys.stderr.write('gen-corpus.py: %s done in %.1f s\n' % (args.mode, time.time() - start))


if __name__ == '__main__':
    main()
