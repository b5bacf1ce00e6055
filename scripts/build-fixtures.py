#!/usr/bin/env python3
"""Build fixtures/built/** from the real captures in fixtures/real/.

Usage (from anywhere):  python3 scripts/build-fixtures.py

The etcd on the capture machine (Debian etcd 3.4.23) can only write 3.4 zap and 3.4
capnslog-mode logs. raftlog must also read the other layouts etcd has used, so this
script rewrites the real captures MECHANICALLY into each of them, following only the
formats documented in /work/shared/docs/etcd-log-messages.md (the "catalog";
section numbers and entry ids R01.../S01... below refer to it). Every built fixture
tells the same cluster history as its source: same member IDs, terms, leaders, line
order and instants. Lines with no documented equivalent in the target version are
dropped (listed in fixtures/README.md, "Built fixtures").

Sources
  fixtures/real/zap-3-mixed       3.4.23 --logger=zap (ms timestamps): all targets but one
  fixtures/real/capnslog-3-mixed  3.4.23 --logger=capnslog: journald-capnslog-3.4 only

Deterministic: no clock, no unseeded randomness (the only random numbers are the
sub-millisecond digits of the outer CRI/kubectl/docker/epoch timestamps, drawn from
random.Random seeded with a fixed string per target and member). The script deletes
fixtures/built/ and recreates all of it, including single-follower-3.5, which is
generated from the catalog's 3.5.15+ format strings rather than from a capture.

Standard library only.

---------------------------------------------------------------------------------
Catalog entries converted (source = 3.4.23 zap msg / caller; R = raft, S = server)
---------------------------------------------------------------------------------
id   source msg (3.4.23)                          3.5 zap      3.6 zap caller         3.3 capnslog / 2.3 capnslog / 2.0 Go log
R01  %x became follower at term %d                 zap_raft:77  v3@v3.6.0/raft.go:897  same text in all
R02  %x became candidate at term %d                zap_raft:77  raft.go:912            same text in all
R04  %x became leader at term %d                   zap_raft:77  raft.go:970            same text in all
R05  %x is starting a new election at term %d      zap_raft:77  raft.go:988            same text in all
R06  ... sent MsgVote request to %x at term %d     zap_raft:77  raft.go:1064           3.3 same; <=3.0 "sent vote request to"
R07  %x received MsgVoteResp from %x at term %d    zap_raft:77  raft.go:1077 (+3.6     3.3 same; <=3.0 "received vote from"
                                                                reorder of self-vote)
R08  ... received MsgVoteResp rejection from ...   zap_raft:77  raft.go:1079           <=3.0 "received vote rejection from" (none in source)
R09  %x has received %d %s votes and %d vote rej.  zap_raft:77  raft.go:1693           3.3 "[quorum:%d] ... %d %s votes"; 2.3
                                                                                        "[quorum:%d] ... %d votes"; 2.0 "[q:%d] ... %d votes"
R10  ... cast MsgVote for %x ...                   zap_raft:77  raft.go:1233           3.3 same; <=3.0 "voted for"
R11  ... rejected MsgVote from %x ...              zap_raft:77  raft.go:1155 (3.4 :902) 3.3 same; <=3.0 "rejected vote from" (term in
                                                                raft.go:1251 (3.4 :984) hex when the rejecting member is a candidate)
R12  ... ignored MsgVote from ... lease is not ... zap_raft:77  raft.go:1101           3.3 same; 2.x: DROPPED (absent in 2.x)
R13  %x [term: %d] received a %s message with ... zap_raft:77  raft.go:1116           same text in all
R15  raft.node: %x elected leader %x at term %d    zap_raft:77  node.go:370            same text in all
R16  raft.node: %x changed leader from ...         zap_raft:77  node.go:372            same text in all
R17  raft.node: %x lost leader %x at term %d       zap_raft:77  node.go:376            same text in all
R23  newRaft %x [peers: ...]                       zap_raft:77  raft.go:493            same text in all
R24  %x switched to configuration %s               zap_raft:77  raft.go:1981           3.3 and 2.x: DROPPED (3.4+ only)
R25  %x [term %d] starts to transfer leadership.. zap_raft:77  raft.go:1652           3.3 same; 2.x: DROPPED (3.0+)
R26  %x sends MsgTimeoutNow to %x immediately ...  zap_raft:77  raft.go:1658           3.3 same; 2.x: DROPPED (3.0+)
R28  %x [term %d] received MsgTimeoutNow from ...  zap_raft:77  raft.go:1754           3.3 same; 2.x: DROPPED (3.0+)
S01  leader failed to send out heartbeat on time.. raft.go:426  etcdserver/raft.go:387 3.3 "failed to send out heartbeat on time
                                                                                        (exceeded the %v timeout for %v, to %x)" + "server
                                                                                        is likely overloaded"; 2.3 "(deadline exceeded for
                                                                                        %v)" + "server is likely overloaded"; 2.0 DROPPED
S05  lost / established TCP streaming connection  stream.go:421/:194/:223 (lost),     3.3 "lost the TCP streaming connection with peer %s
                                                  :420/:193/:222 (3.6); established:   (%s reader|writer)", "established a TCP streaming
                                                  3.4 caller kept, level info (3.5+)   connection with peer %s (%s reader|writer)"; 2.x DROPPED
S06  peer became inactive / active                 peer_status.go:66 / :53             3.3 "E | rafthttp: <error>" + "peer %s became inactive
                                                                                        (message send to peer failed)", "peer %s became
                                                                                        active"; 2.3 "the connection with %s became
                                                                                        inactive|active"; 2.0 DROPPED
S11  starting an etcd server                       embed/etcd.go:311 (3.5.17 fields)    etcdmain: etcd Version/Git SHA/Go Version/Go OS/Arch/
                                                  3.6: DROPPED (field list not fully   setting maximum number of CPUs (3.3 only), then
                                                  documented)                          etcdserver: name/data dir/member dir/heartbeat/
                                                                                        election/snapshot count/advertise client URLs
                                                                                        [+ initial advertise peer URLs/initial cluster
                                                                                        on first start] (3.3, 2.3, 2.0)
S13  starting local member / restarting local ... raft.go:505/:540, bootstrap.go:499/:599  "starting member %s in cluster %s" / "restarting
                                                                                        member %s in cluster %s at commit index %d"; 2.0 DROPPED
S14  starting etcd server                          server.go:864/:873, :589/:598       "starting server... [version: %v, cluster version:
                                                                                        %v]"; 2.0 DROPPED
S15  now serving peer/client/metrics               embed/etcd.go:280 / :292            zap only: DROPPED in capnslog/Go log targets
S16  published local member to cluster ...         server.go:2088 / :1804 (no          "published %+v to cluster %s"; 2.0 DROPPED
                                                  request-path)
S17  added member                                  cluster.go:421 / :424 (+added-peer-  "added member %s %v to cluster %s" (pkg
                                                  is-learner in 3.6)                   etcdserver/membership in 3.3, etcdserver in 2.x)
S17  added remote peer                             rafthttp/transport.go:317 (3.5) /    "rafthttp: added peer %s" (3.3, 2.3); 2.0 DROPPED
                                                  3.4 caller kept (3.6)
S18  initialized peer connections; fast-fwd ...    server.go:796 / :522                3.3 "%s initialzed peer connection; fast-forwarding
                                                                                        %d ticks (election ticks %d) with %d active peer(s)";
                                                                                        2.x DROPPED (3.2.18+/3.3.3+)
S18  starting initial election tick advance        3.4 caller kept                     DROPPED (no capnslog form)
S19  leadership transfer starting / finished       server.go:1503/:1520, :1241/:1258   3.3 "%s starts leadership transfer from %s to %s",
S19  leadership transfer failed / skipped ...      3.4 callers kept                    "%s finished leadership transfer from %s to %s
                                                                                        (took %v)", "%s failed to transfer leadership (%v)",
                                                                                        "skipped leadership transfer for stopping non-leader
                                                                                        member"; 2.x DROPPED (3.0+)
S20  received signal; shutting down                interrupt_unix.go:64 / :65          "N | pkg/osutil: received %v signal, shutting
                                                                                        down..." (3.3), "osutil:" (2.3); 2.0 DROPPED
S20  closing etcd server / closed etcd server      3.4 callers kept                    DROPPED (no capnslog form)
Every other server line of the source (not in the catalog) is DROPPED from the
converted targets; targets that only WRAP the real 3.4 zap lines (journald-zap-k3s,
cri, kubectl, docker, compose, shipper, epoch, paste, mixed n2, stern, kubectl --prefix,
the prefix-less merges, Loki logcli and jsonl, Elasticsearch hits) keep every real line;
the stern, kubectl --prefix and prefix-less capnslog targets wrap the real capnslog-3-mixed
lines the same way.
"""

import datetime as dt
import json
import os
import random
import re
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
REAL = os.path.join(ROOT, 'fixtures', 'real')
BUILT = os.path.join(ROOT, 'fixtures', 'built')
ZAP_SRC = os.path.join(REAL, 'zap-3-mixed')
CAP_SRC = os.path.join(REAL, 'capnslog-3-mixed')
MEMBERS = ['n1', 'n2', 'n3']
UTC = dt.timezone.utc
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

# Version strings written into version-bearing lines (S11 etcd-version, S14
# local-server-version, capnslog "etcd Version:" / "starting server... [version: ...]").
VER_35_0 = '3.5.7'    # last release with the 3.5.0-3.5.7 ts layout
VER_35_8 = '3.5.8'    # first 3.5 release with the trimmed ts layout
VER_36 = '3.6.4'      # server callers are the catalog's 3.6.4 ones
VER_33 = '3.3.27'     # >= 3.3.13: heartbeat warning with ", to %x"
VER_23 = '2.3.8'


# --------------------------------------------------------------------------- JSON

class Obj(list):
    """A JSON object as an ordered list of (key, value) pairs (keeps order and dups)."""


def jload(line):
    return json.loads(line, object_pairs_hook=Obj)


def jstr(s):
    return json.dumps(s, ensure_ascii=False)


def jdump(v, sep=(',', ':')):
    """Serialize like zap does (no HTML escaping, raw UTF-8). sep=(', ', ': ') for console."""
    if isinstance(v, Obj):
        return '{' + sep[0].join(jstr(k) + sep[1] + jdump(x, sep) for k, x in v) + '}'
    if isinstance(v, list):
        return '[' + sep[0].join(jdump(x, sep) for x in v) + ']'
    if isinstance(v, float):
        return repr(v)
    return json.dumps(v, ensure_ascii=False)


def fget(fields, key):
    for k, v in fields:
        if k == key:
            return v
    raise KeyError(key)


# --------------------------------------------------------------------------- time

def ms_of_zap_ts(ts):
    d = dt.datetime.strptime(ts, '%Y-%m-%dT%H:%M:%S.%fZ').replace(tzinfo=UTC)
    return (d - EPOCH) // dt.timedelta(milliseconds=1)


def dt_of_us(us, offset_min=0):
    return EPOCH + dt.timedelta(microseconds=us) + dt.timedelta(minutes=offset_min)


def ts_zap3(us):                       # 2006-01-02T15:04:05.000Z0700 (UTC)
    d = dt_of_us(us)
    return d.strftime('%Y-%m-%dT%H:%M:%S') + '.%03dZ' % (d.microsecond // 1000)


def ts_zap_trim(us):                   # 2006-01-02T15:04:05.999999Z0700 (UTC)
    d = dt_of_us(us)
    frac = ('%06d' % d.microsecond).rstrip('0')
    return d.strftime('%Y-%m-%dT%H:%M:%S') + ('.' + frac if frac else '') + 'Z'


def ts_zap6(us, offset_min=0):         # 2006-01-02T15:04:05.000000Z0700
    d = dt_of_us(us, offset_min)
    if offset_min == 0:
        zone = 'Z'
    else:
        sign = '+' if offset_min > 0 else '-'
        zone = '%s%02d%02d' % (sign, abs(offset_min) // 60, abs(offset_min) % 60)
    return d.strftime('%Y-%m-%dT%H:%M:%S') + '.%06d' % d.microsecond + zone


def ts_capnslog(us):                   # 2006-01-02 15:04:05.000000 (local = UTC here)
    d = dt_of_us(us)
    return d.strftime('%Y-%m-%d %H:%M:%S') + '.%06d' % d.microsecond


def ts_golog(us):                      # Go log.LstdFlags: 2006/01/02 15:04:05
    return dt_of_us(us).strftime('%Y/%m/%d %H:%M:%S')


def ts_journal(us, layout):            # journalctl -o <layout>, section 1.3
    d = dt_of_us(us)
    if layout == 'short':
        return '%s %s' % (MONTHS[d.month - 1], d.strftime('%d %H:%M:%S'))
    if layout == 'short-precise':
        return '%s %s.%06d' % (MONTHS[d.month - 1], d.strftime('%d %H:%M:%S'), d.microsecond)
    if layout == 'short-iso':
        return d.strftime('%Y-%m-%dT%H:%M:%S') + '+0000'
    if layout == 'short-iso-precise':
        return d.strftime('%Y-%m-%dT%H:%M:%S') + '.%06d+00:00' % d.microsecond
    raise ValueError(layout)


def ts_rfc3339nano(ns):                # Go time.RFC3339Nano (trailing zeros trimmed), UTC
    d = EPOCH + dt.timedelta(seconds=ns // 1_000_000_000)
    frac = ('%09d' % (ns % 1_000_000_000)).rstrip('0')
    return d.strftime('%Y-%m-%dT%H:%M:%S') + ('.' + frac if frac else '') + 'Z'


def go_duration_ms(s):
    m = re.fullmatch(r'(\d+(?:\.\d+)?)(ms|s)', s)
    if not m:
        raise ValueError('unsupported duration ' + s)
    v = float(m.group(1)) * (1000 if m.group(2) == 's' else 1)
    assert v == int(v)
    return int(v)


def assign_us(recs):
    """Sources have ms; targets with µs get ms*1000 + a counter that numbers the
    output lines of one member sharing that millisecond, in file order."""
    seen = {}
    for r in recs:
        c = seen.get(r.ms, 0)
        seen[r.ms] = c + 1
        assert c < 1000
        r.us = r.ms * 1000 + c


# --------------------------------------------------------------------------- raft

H = r'([0-9a-f]+)'
D = r'(\d+)'
VT = r'(MsgVote|MsgPreVote)'
VR = r'(MsgVoteResp|MsgPreVoteResp)'
RAFT_PATTERNS = [
    ('R01', H + ' became follower at term ' + D, ('id', 'term')),
    ('R02', H + ' became candidate at term ' + D, ('id', 'term')),
    ('R03', H + ' became pre-candidate at term ' + D, ('id', 'term')),
    ('R04', H + ' became leader at term ' + D, ('id', 'term')),
    ('R05', H + ' is starting a new election at term ' + D, ('id', 'term')),
    ('R06', H + r' \[logterm: ' + D + ', index: ' + D + r'\] sent ' + VT + ' request to ' + H
     + ' at term ' + D, ('id', 'logterm', 'index', 'type', 'to', 'term')),
    ('R08', H + ' received ' + VR + ' rejection from ' + H + ' at term ' + D,
     ('id', 'type', 'from', 'term')),
    ('R07', H + ' received ' + VR + ' from ' + H + ' at term ' + D, ('id', 'type', 'from', 'term')),
    ('R09', H + ' has received ' + D + ' ' + VR + ' votes and ' + D + ' vote rejections',
     ('id', 'granted', 'type', 'rejected')),
    ('R10', H + r' \[logterm: ' + D + ', index: ' + D + ', vote: ' + H + r'\] cast ' + VT + ' for '
     + H + r' \[logterm: ' + D + ', index: ' + D + r'\] at term ' + D,
     ('id', 'logterm', 'index', 'vote', 'type', 'cand', 'clogterm', 'cindex', 'term')),
    ('R11', H + r' \[logterm: ' + D + ', index: ' + D + ', vote: ' + H + r'\] rejected ' + VT
     + ' from ' + H + r' \[logterm: ' + D + ', index: ' + D + r'\] at term ' + D,
     ('id', 'logterm', 'index', 'vote', 'type', 'cand', 'clogterm', 'cindex', 'term')),
    ('R12', H + r' \[logterm: ' + D + ', index: ' + D + ', vote: ' + H + r'\] ignored ' + VT
     + ' from ' + H + r' \[logterm: ' + D + ', index: ' + D + r'\] at term ' + D
     + r': lease is not expired \(remaining ticks: ' + D + r'\)',
     ('id', 'logterm', 'index', 'vote', 'type', 'cand', 'clogterm', 'cindex', 'term', 'ticks')),
    ('R13', H + r' \[term: ' + D + r'\] received a (\w+) message with higher term from ' + H
     + r' \[term: ' + D + r'\]', ('id', 'term', 'type', 'from', 'mterm')),
    ('R14', H + r' \[term: ' + D + r'\] ignored a (\w+) message with lower term from ' + H
     + r' \[term: ' + D + r'\]', ('id', 'term', 'type', 'from', 'mterm')),
    ('R15', r'raft\.node: ' + H + ' elected leader ' + H + ' at term ' + D, ('id', 'lead', 'term')),
    ('R16', r'raft\.node: ' + H + ' changed leader from ' + H + ' to ' + H + ' at term ' + D,
     ('id', 'old', 'lead', 'term')),
    ('R17', r'raft\.node: ' + H + ' lost leader ' + H + ' at term ' + D, ('id', 'lead', 'term')),
    ('R23', r'newRaft ' + H + r' \[peers: \[([0-9a-f,]*)\], term: ' + D + ', commit: ' + D
     + ', applied: ' + D + ', lastindex: ' + D + ', lastterm: ' + D + r'\]',
     ('id', 'peers', 'term', 'commit', 'applied', 'lastindex', 'lastterm')),
    ('R24', H + r' switched to configuration (.+)', ('id', 'conf')),
    ('R25', H + r' \[term ' + D + r'\] starts to transfer leadership to ' + H, ('id', 'term', 'to')),
    ('R26', H + ' sends MsgTimeoutNow to ' + H + ' immediately as ' + H
     + ' already has up-to-date log', ('id', 'to', 'to2')),
    ('R27', H + ' sent MsgTimeoutNow to ' + H + ' after received MsgAppResp', ('id', 'to')),
    ('R28', H + r' \[term ' + D + r'\] received MsgTimeoutNow from ' + H
     + r' and starts an election to get leadership\.', ('id', 'term', 'from')),
]
RAFT_RES = [(rid, re.compile(rx), names) for rid, rx, names in RAFT_PATTERNS]

# raft call sites in 3.6 (etcd-io/raft v3.6.0), catalog section 2.2
CALLER_36 = {
    'R01': 'raft.go:897', 'R02': 'raft.go:912', 'R03': 'raft.go:930', 'R04': 'raft.go:970',
    'R05': 'raft.go:988', 'R06': 'raft.go:1064', 'R07': 'raft.go:1077', 'R08': 'raft.go:1079',
    'R09': 'raft.go:1693', 'R10': 'raft.go:1233', 'R12': 'raft.go:1101', 'R13': 'raft.go:1116',
    'R14': 'raft.go:1175', 'R15': 'node.go:370', 'R16': 'node.go:372', 'R17': 'node.go:376',
    'R23': 'raft.go:493', 'R24': 'raft.go:1981', 'R25': 'raft.go:1652', 'R26': 'raft.go:1658',
    'R27': 'raft.go:1566', 'R28': 'raft.go:1754',
}
# R11 has two call sites; map them positionally (3.4.23 :902/:984 -> 3.6 :1155/:1251)
CALLER_36_R11 = {'raft/raft.go:902': 'raft.go:1155', 'raft/raft.go:984': 'raft.go:1251'}
RAFT_MOD_36 = 'v3@v3.6.0/'


def parse_raft(msg):
    for rid, rx, names in RAFT_RES:
        m = rx.fullmatch(msg)
        if m:
            return rid, dict(zip(names, m.groups()))
    raise ValueError('raft message not in the catalog: ' + msg)


def raft_text(ev, ver, nmembers, state):
    """The raft payload text in version `ver` ('3.4'..'3.6', '3.3', '2.3', '2.0'),
    or None when that version did not print it. `state` = member's raft role
    (follower/candidate/leader) at this line, tracked from R01/R02/R04."""
    rid, a = ev.rid, ev.ra
    if 'PreVote' in ev.msg or rid == 'R03':
        # the source ran with --pre-vote=false; no pre-vote line to convert
        raise ValueError('unexpected pre-vote line: ' + ev.msg)
    if ver in ('3.4', '3.5', '3.6'):
        return ev.msg
    quorum = nmembers // 2 + 1
    if ver == '3.3':
        if rid == 'R24':              # R24: 3.3 not emitted
            return None
        if rid == 'R09':              # R09 3.1-3.3 text
            return '%s [quorum:%d] has received %s %s votes and %s vote rejections' % (
                a['id'], quorum, a['granted'], a['type'], a['rejected'])
        return ev.msg
    assert ver in ('2.3', '2.0')
    if rid in ('R12', 'R24', 'R25', 'R26', 'R27', 'R28'):
        # R12 absent in 2.x; R24 3.4+; R25-R28 leader transfer 3.0+
        return None
    if rid == 'R06':
        return '%s [logterm: %s, index: %s] sent vote request to %s at term %s' % (
            a['id'], a['logterm'], a['index'], a['to'], a['term'])
    if rid == 'R07':
        return '%s received vote from %s at term %s' % (a['id'], a['from'], a['term'])
    if rid == 'R08':
        return '%s received vote rejection from %s at term %s' % (a['id'], a['from'], a['term'])
    if rid == 'R09':
        q = '[quorum:%d]' if ver == '2.3' else '[q:%d]'
        return ('%s ' + q + ' has received %s votes and %s vote rejections') % (
            a['id'], quorum, a['granted'], a['rejected'])
    if rid == 'R10':
        return ('%s [logterm: %s, index: %s, vote: %s] voted for %s [logterm: %s, index: %s] '
                'at term %s') % (a['id'], a['logterm'], a['index'], a['vote'], a['cand'],
                                 a['clogterm'], a['cindex'], a['term'])
    if rid == 'R11':
        term = a['term']
        if state == 'candidate':      # 2.x candidate-side variant printed the term with %x
            term = '%x' % int(term)
        return ('%s [logterm: %s, index: %s, vote: %s] rejected vote from %s [logterm: %s, '
                'index: %s] at term %s') % (a['id'], a['logterm'], a['index'], a['vote'],
                                            a['cand'], a['clogterm'], a['cindex'], term)
    return ev.msg                     # R01 R02 R04 R05 R13 R14 R15 R16 R17 R23: unchanged


ROLE_OF = {'R01': 'follower', 'R02': 'candidate', 'R03': 'pre-candidate', 'R04': 'leader'}


# --------------------------------------------------------------------------- source

class Ev:
    """One line of a real 3.4 zap log."""

    def __init__(self, member, idx, raw):
        obj = jload(raw)
        self.member, self.idx, self.raw = member, idx, raw
        self.level = fget(obj, 'level')
        self.ts = fget(obj, 'ts')
        self.ms = ms_of_zap_ts(self.ts)
        self.caller = fget(obj, 'caller')
        self.msg = fget(obj, 'msg')
        self.fields = Obj((k, v) for k, v in obj if k not in ('level', 'ts', 'caller', 'msg'))
        assert list(obj[:4]) == [('level', self.level), ('ts', self.ts),
                                 ('caller', self.caller), ('msg', self.msg)]
        self.is_raft = self.caller.startswith('raft/')
        self.rid, self.ra = parse_raft(self.msg) if self.is_raft else (None, None)
        self.proc = 0
        assert '\t' not in raw and jdump(obj) == raw, 'JSON does not round-trip: ' + raw


def load_zap(src):
    out = {}
    for m in MEMBERS:
        with open(os.path.join(src, m + '.log'), encoding='utf-8') as f:
            lines = f.read().split('\n')
        assert lines[-1] == ''
        evs = [Ev(m, i, l) for i, l in enumerate(lines[:-1])]
        # process starts: "configuring peer listeners" (embed), preceded on restart by
        # "server has been already initialized" (etcdmain)
        proc, prev = -1, None
        for e in evs:
            if e.msg == 'server has been already initialized' or (
                    e.msg == 'configuring peer listeners'
                    and prev != 'server has been already initialized'):
                proc += 1
            assert proc >= 0
            e.proc = proc
            prev = e.msg
        out[m] = evs
    return out


def pid_of(member, proc):
    return 1000 * (proc + 1) + MEMBERS.index(member) + 1   # n1: 1001, 2001, 3001 ...


def host_of(member):
    return 'm' + member[1:]


class Rec:
    """One output record before its envelope is applied."""

    def __init__(self, ms, proc, **kw):
        self.ms, self.proc, self.us = ms, proc, None
        self.__dict__.update(kw)


# --------------------------------------------------------------------------- zap 3.5 / 3.6

# msg -> (catalog id, {3.4.23 caller: (3.5.17 caller, 3.6.4 caller)}); callers missing
# from the catalog keep the 3.4.23 caller (an empty dict); None = drop in that version.
SERVER_ZAP = {
    'leader failed to send out heartbeat on time; took too long, leader is overloaded likely from slow disk':
        ('S01', {'etcdserver/raft.go:440': ('etcdserver/raft.go:426', 'etcdserver/raft.go:387')}),
    'lost TCP streaming connection with remote peer':
        ('S05', {'rafthttp/stream.go:436': ('rafthttp/stream.go:421', 'rafthttp/stream.go:420'),
                 'rafthttp/stream.go:193': ('rafthttp/stream.go:194', 'rafthttp/stream.go:193'),
                 'rafthttp/stream.go:224': ('rafthttp/stream.go:223', 'rafthttp/stream.go:222')}),
    'established TCP streaming connection with remote peer': ('S05', {}),
    'peer became inactive (message send to peer failed)':
        ('S06', {'rafthttp/peer_status.go:68': ('rafthttp/peer_status.go:66', 'rafthttp/peer_status.go:66')}),
    'peer became active':
        ('S06', {'rafthttp/peer_status.go:51': ('rafthttp/peer_status.go:53', 'rafthttp/peer_status.go:53')}),
    'starting an etcd server': ('S11', {'embed/etcd.go:305': ('embed/etcd.go:311', None)}),
    'starting local member':
        ('S13', {'etcdserver/raft.go:536': ('etcdserver/raft.go:505', 'etcdserver/bootstrap.go:499')}),
    'restarting local member':
        ('S13', {'etcdserver/raft.go:586': ('etcdserver/raft.go:540', 'etcdserver/bootstrap.go:599')}),
    'starting etcd server':
        ('S14', {'etcdserver/server.go:803': ('etcdserver/server.go:864', 'etcdserver/server.go:589'),
                 'etcdserver/server.go:816': ('etcdserver/server.go:873', 'etcdserver/server.go:598')}),
    'now serving peer/client/metrics':
        ('S15', {'embed/etcd.go:247': ('embed/etcd.go:280', 'embed/etcd.go:292')}),
    'published local member to cluster through raft':
        ('S16', {'etcdserver/server.go:2069': ('etcdserver/server.go:2088', 'etcdserver/server.go:1804')}),
    'added member':
        ('S17', {'membership/cluster.go:392': ('membership/cluster.go:421', 'membership/cluster.go:424')}),
    # 3.5 caller from the catalog's seen k3s 3.5 line; no 3.6 caller in the catalog
    'added remote peer':
        ('S17', {'rafthttp/transport.go:327': ('rafthttp/transport.go:317', 'rafthttp/transport.go:327')}),
    'initialized peer connections; fast-forwarding election ticks':
        ('S18', {'etcdserver/server.go:729': ('etcdserver/server.go:796', 'etcdserver/server.go:522')}),
    'starting initial election tick advance': ('S18', {}),
    'leadership transfer starting':
        ('S19', {'etcdserver/server.go:1456': ('etcdserver/server.go:1503', 'etcdserver/server.go:1241')}),
    'leadership transfer finished':
        ('S19', {'etcdserver/server.go:1477': ('etcdserver/server.go:1520', 'etcdserver/server.go:1258')}),
    'leadership transfer failed': ('S19', {}),
    'skipped leadership transfer; local server is not leader': ('S19', {}),
    'received signal; shutting down':
        ('S20', {'osutil/interrupt_unix.go:64': ('osutil/interrupt_unix.go:64', 'osutil/interrupt_unix.go:65')}),
    'closing etcd server': ('S20', {}),
    'closed etcd server': ('S20', {}),
}


def zap_server(ev, ver, etcd_ver):
    """A 3.4 zap server line as a 3.5 (ver='3.5') or 3.6 zap record, or None."""
    if ev.msg not in SERVER_ZAP:
        return None                               # not in the catalog: dropped
    sid, callers = SERVER_ZAP[ev.msg]
    if callers:
        caller = callers[ev.caller][0 if ver == '3.5' else 1]
        if caller is None:
            return None
    else:
        caller = ev.caller
    level = ev.level
    fields = Obj(ev.fields)
    if ev.msg == 'established TCP streaming connection with remote peer':
        level = 'info'                            # S05: writer variant warn in 3.4, info from 3.5
    elif sid == 'S11':                            # S11: 3.5.17 field list
        out = Obj()
        for k, v in fields:
            out.append((k, etcd_ver if k == 'etcd-version' else v))
            if k == 'corrupt-check-time-interval':
                out.append(('compact-check-time-enabled', False))
                out.append(('compact-check-time-interval', '1m0s'))
        out.append(('downgrade-check-interval', '5s'))
        fields = out
    elif sid == 'S14':
        fields = Obj((k, etcd_ver if k == 'local-server-version' else v) for k, v in fields)
    elif sid == 'S16':                            # S16: v3 publish path, no request-path
        fields = Obj((k, v) for k, v in fields if k != 'request-path')
    elif ev.msg == 'added member' and ver == '3.6':
        fields.append(('added-peer-is-learner', False))   # S17: 3.5.19+ / 3.6 field
    return Rec(ev.ms, ev.proc, level=level, logger=None, caller=caller, msg=ev.msg,
               fields=fields, rid=None, ra=None, sid=sid)


def zap_view(evs_by_member, ver, etcd_ver):
    """Per member: list of zap Recs for 3.5 or 3.6."""
    out = {}
    for m, evs in evs_by_member.items():
        recs = []
        for e in evs:
            if e.is_raft:
                text = raft_text(e, ver, len(MEMBERS), None)
                if ver == '3.5':
                    caller = 'etcdserver/zap_raft.go:' + {'info': '77', 'warn': '85'}[e.level]
                else:
                    site = CALLER_36_R11[e.caller] if e.rid == 'R11' else CALLER_36[e.rid]
                    caller = RAFT_MOD_36 + site
                recs.append(Rec(e.ms, e.proc, level=e.level, logger='raft', caller=caller,
                                msg=text, fields=Obj(), rid=e.rid, ra=e.ra, sid=None))
            else:
                r = zap_server(e, ver, etcd_ver)
                if r is not None:
                    recs.append(r)
        if ver == '3.6':
            recs = reorder_self_vote_36(recs)
        out[m] = recs
    return out


def reorder_self_vote_36(recs):
    """R07/R09, section 2.1: in 3.6 the candidate's own MsgVoteResp comes after its
    `sent ... request` lines and is followed by `has received 1 ... votes and 0 vote
    rejections`."""
    out = list(recs)
    i = 0
    while i < len(out):
        r = out[i]
        if r.rid == 'R07' and r.ra['from'] == r.ra['id']:
            k = i + 1
            while k < len(out) and out[k].rid == 'R06' and out[k].ra['id'] == r.ra['id']:
                k += 1
            assert k > i + 1, 'self-vote not followed by vote requests'
            last = out[k - 1]
            del out[i]
            k -= 1
            moved = Rec(last.ms, last.proc, level=r.level, logger=r.logger, caller=r.caller,
                        msg=r.msg, fields=Obj(), rid='R07', ra=r.ra, sid=None)
            tally_msg = '%s has received 1 %s votes and 0 vote rejections' % (r.ra['id'], r.ra['type'])
            tally = Rec(last.ms, last.proc, level='info', logger='raft',
                        caller=RAFT_MOD_36 + CALLER_36['R09'], msg=tally_msg, fields=Obj(),
                        rid='R09', ra=parse_raft(tally_msg)[1], sid=None)
            out[k:k] = [moved, tally]
            i = k + 2
        else:
            i += 1
    return out


def zap_json_line(r, ts):
    parts = [('level', r.level), ('ts', ts)]
    if r.logger:
        parts.append(('logger', r.logger))
    parts += [('caller', r.caller), ('msg', r.msg)]
    return jdump(Obj(parts + list(r.fields)))


def zap_console_line(r, ts):          # section 1.6
    cols = [ts, r.level] + ([r.logger] if r.logger else []) + [r.caller, r.msg]
    if r.fields:
        cols.append(jdump(r.fields, sep=(', ', ': ')))
    return '\t'.join(cols)


# --------------------------------------------------------------------------- capnslog / Go log

def text_server(ev, ver, first_start):
    """A 3.4 zap server line as capnslog/Go-log records [(level letter, pkg, text)] in
    3.3, 2.3 or 2.0 (section 3 capnslog texts); [] = dropped."""
    f = dict(ev.fields)
    msg = ev.msg
    if msg == 'leader failed to send out heartbeat on time; took too long, leader is overloaded likely from slow disk':
        if ver == '3.3':     # S01 3.3.13-3.3.27
            t = 'failed to send out heartbeat on time (exceeded the %s timeout for %s, to %s)' % (
                f['heartbeat-interval'], f['exceeded-duration'], f['to'])
        elif ver == '2.3':   # S01 2.3
            t = 'failed to send out heartbeat on time (deadline exceeded for %s)' % f['exceeded-duration']
        else:                # 2.0: no heartbeat warning yet
            return []
        return [('W', 'etcdserver', t), ('W', 'etcdserver', 'server is likely overloaded')]
    if msg in ('lost TCP streaming connection with remote peer',
               'established TCP streaming connection with remote peer'):
        if ver != '3.3':     # S05: capnslog 3.x only
            return []
        if 'stream-reader-type' in f:
            st = f['stream-reader-type'] + ' reader'
        else:
            st = f['stream-writer-type'] + ' writer'
        if msg.startswith('lost'):
            return [('W', 'rafthttp', 'lost the TCP streaming connection with peer %s (%s)' % (
                f['remote-peer-id'], st))]
        return [('I', 'rafthttp', 'established a TCP streaming connection with peer %s (%s)' % (
            f['remote-peer-id'], st))]
    if msg == 'peer became inactive (message send to peer failed)':
        if ver == '3.3':     # S06 3.1+
            return [('E', 'rafthttp', f['error']),
                    ('I', 'rafthttp', 'peer %s became inactive (message send to peer failed)' % f['peer-id'])]
        if ver == '2.3':     # S06 2.x
            return [('I', 'rafthttp', 'the connection with %s became inactive' % f['peer-id'])]
        return []
    if msg == 'peer became active':
        if ver == '3.3':
            return [('I', 'rafthttp', 'peer %s became active' % f['peer-id'])]
        if ver == '2.3':
            return [('I', 'rafthttp', 'the connection with %s became active' % f['peer-id'])]
        return []
    if msg == 'starting an etcd server':     # S11
        out = []
        if ver == '3.3':
            out += [('I', 'etcdmain', 'etcd Version: ' + VER_33),
                    ('I', 'etcdmain', 'Git SHA: ' + f['git-sha']),
                    ('I', 'etcdmain', 'Go Version: ' + f['go-version']),
                    ('I', 'etcdmain', 'Go OS/Arch: %s/%s' % (f['go-os'], f['go-arch'])),
                    ('I', 'etcdmain', 'setting maximum number of CPUs to %d, total number of '
                     'available CPUs is %d' % (f['max-cpu-set'], f['max-cpu-available']))]
        out += [('I', 'etcdserver', 'name = ' + f['name']),
                ('I', 'etcdserver', 'data dir = ' + f['data-dir']),
                ('I', 'etcdserver', 'member dir = ' + f['member-dir']),
                ('I', 'etcdserver', 'heartbeat = %dms' % go_duration_ms(f['heartbeat-interval'])),
                ('I', 'etcdserver', 'election = %dms' % go_duration_ms(f['election-timeout'])),
                ('I', 'etcdserver', 'snapshot count = %d' % f['snapshot-count']),
                ('I', 'etcdserver', 'advertise client URLs = ' + ','.join(f['advertise-client-urls']))]
        if first_start:
            assert f['member-initialized'] is False
            out += [('I', 'etcdserver', 'initial advertise peer URLs = '
                     + ','.join(f['initial-advertise-peer-urls'])),
                    ('I', 'etcdserver', 'initial cluster = ' + f['initial-cluster'])]
        return out
    if ver == '2.0' and msg != 'added member':
        return []            # 2.0: only the S11 block and S17 (2.x etcdserver:) are documented
    if msg == 'starting local member':       # S13
        return [('I', 'etcdserver', 'starting member %s in cluster %s' % (
            f['local-member-id'], f['cluster-id']))]
    if msg == 'restarting local member':
        return [('I', 'etcdserver', 'restarting member %s in cluster %s at commit index %d' % (
            f['local-member-id'], f['cluster-id'], f['commit-index']))]
    if msg == 'starting etcd server':        # S14
        cv = f['cluster-version']
        assert cv == 'to_be_decided', cv
        v = VER_33 if ver == '3.3' else VER_23
        return [('I', 'etcdserver', 'starting server... [version: %s, cluster version: %s]' % (v, cv))]
    if msg == 'published local member to cluster through raft':   # S16
        return [('I', 'etcdserver', 'published %s to cluster %s' % (
            f['local-member-attributes'], f['cluster-id']))]
    if msg == 'added member':                # S17
        pkg = 'etcdserver/membership' if ver == '3.3' else 'etcdserver'
        return [('I', pkg, 'added member %s [%s] to cluster %s' % (
            f['added-peer-id'], ' '.join(f['added-peer-peer-urls']), f['cluster-id']))]
    if msg == 'added remote peer':           # S17 rafthttp
        return [('I', 'rafthttp', 'added peer %s' % f['remote-peer-id'])]
    if msg == 'initialized peer connections; fast-forwarding election ticks':   # S18
        if ver != '3.3':
            return []
        return [('I', 'etcdserver', '%s initialzed peer connection; fast-forwarding %d ticks '
                 '(election ticks %d) with %d active peer(s)' % (
                     f['local-member-id'], f['forward-ticks'], f['election-ticks'],
                     f['active-remote-members']))]
    if msg.startswith('leadership transfer') or msg.startswith('skipped leadership transfer'):
        if ver != '3.3':     # S19: leader transfer is 3.0+
            return []
        if msg == 'leadership transfer starting':
            return [('I', 'etcdserver', '%s starts leadership transfer from %s to %s' % (
                f['local-member-id'], f['current-leader-member-id'], f['transferee-member-id']))]
        if msg == 'leadership transfer finished':
            return [('I', 'etcdserver', '%s finished leadership transfer from %s to %s (took %s)' % (
                f['local-member-id'], f['old-leader-member-id'], f['new-leader-member-id'], f['took']))]
        if msg == 'leadership transfer failed':
            return [('W', 'etcdserver', '%s failed to transfer leadership (%s)' % (
                f['local-member-id'], f['error']))]
        if msg == 'skipped leadership transfer; local server is not leader':
            return [('I', 'etcdserver', 'skipped leadership transfer for stopping non-leader member')]
        raise ValueError(msg)
    if msg == 'received signal; shutting down':   # S20
        pkg = 'pkg/osutil' if ver == '3.3' else 'osutil'
        return [('N', pkg, 'received %s signal, shutting down...' % f['signal'])]
    return []                # not in the catalog, or no capnslog form


def text_view(evs_by_member, ver):
    """Per member: list of Recs(level letter, pkg, text) for 3.3, 2.3 or 2.0."""
    out = {}
    for m, evs in evs_by_member.items():
        recs, state = [], None
        for e in evs:
            if e.is_raft:
                text = raft_text(e, ver, len(MEMBERS), state)
                state = ROLE_OF.get(e.rid, state)
                if text is not None:
                    recs.append(Rec(e.ms, e.proc, lvl={'info': 'I', 'warn': 'W'}[e.level],
                                    pkg='raft', text=text, rid=e.rid, ra=e.ra))
            else:
                # "initial ..." lines: first start only (S11, 3.3)
                for lvl, pkg, text in text_server(e, ver, e.proc == 0):
                    recs.append(Rec(e.ms, e.proc, lvl=lvl, pkg=pkg, text=text, rid=None, ra=None))
        assign_us(recs)
        out[m] = recs
    return out


def capnslog_line(r):                 # section 1.2
    return '%s %s | %s: %s' % (ts_capnslog(r.us), r.lvl, r.pkg, r.text)


def golog20_line(r):                  # section 1.1, 0.5/2.0 row
    return '%s %s: %s' % (ts_golog(r.us), r.pkg, r.text)


def journald_line(layout, us, member, proc, ident, payload):
    return '%s %s %s[%d]: %s' % (ts_journal(us, layout), host_of(member), ident,
                                 pid_of(member, proc), payload)


# --------------------------------------------------------------------------- wrappers

def outer_ns(ms_list, seed):
    """Nanosecond times of an outer wrapper (CRI/kubectl/docker): the runtime reads the
    line shortly after zap stamped it; strictly increasing per stream."""
    rng = random.Random(seed)
    out, prev = [], 0
    for ms in ms_list:
        ns = ms * 1_000_000 + rng.randint(40_000, 900_000)
        if ns <= prev:
            ns = prev + rng.randint(1_000, 30_000)
        out.append(ns)
        prev = ns
    return out


def cri_chunks(line, limit=200, size=120):
    """Section 1.7 + trap 14: lines longer than `limit` bytes are split into P chunks
    of at most `size` bytes (cut on UTF-8 character boundaries) and a final F chunk."""
    b = line.encode('utf-8')
    if len(b) <= limit:
        return [('F', line)]
    chunks, i = [], 0
    while len(b) - i > size:
        j = i + size
        while j > i and (b[j] & 0xC0) == 0x80:   # do not cut inside a character
            j -= 1
        chunks.append(('P', b[i:j].decode('utf-8')))
        i = j
    chunks.append(('F', b[i:].decode('utf-8')))
    return chunks


def docker_json_string(s):
    # Go encoding/json (docker's jsonlog) escapes <, >, & and U+2028/9
    out = jstr(s)
    for a, b in (('<', '\\u003c'), ('>', '\\u003e'), ('&', '\\u0026'),
                 ('\u2028', '\\u2028'), ('\u2029', '\\u2029')):
        out = out.replace(a, b)
    return out


def merge_streams(streams, key):
    """k-way merge keeping each stream's own order (sources are not strictly sorted);
    ties go to the lower stream index."""
    pos = [0] * len(streams)
    out = []
    while True:
        best = None
        for i, s in enumerate(streams):
            if pos[i] < len(s):
                k = key(s[pos[i]])
                if best is None or k < best[0]:
                    best = (k, i)
        if best is None:
            return out
        i = best[1]
        out.append((i, streams[i][pos[i]]))
        pos[i] += 1


# --------------------------------------------------------------------------- output

def write(path, lines):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8', newline='\n') as f:
        for l in lines:
            assert '\n' not in l, l
            f.write(l + '\n')


def copy_truth(src, name):
    d = os.path.join(BUILT, name)
    os.makedirs(d, exist_ok=True)
    for fn in ('truth.log', 'members.json'):
        shutil.copyfile(os.path.join(src, fn), os.path.join(d, fn))


def build_zap_targets(evs):
    # 1. zap-3.5.0: 3.5.0-3.5.7 layout, ts .000Z
    v35 = zap_view(evs, '3.5', VER_35_0)
    for m in MEMBERS:
        write(os.path.join(BUILT, 'zap-3.5.0', m + '.log'),
              [zap_json_line(r, ts_zap3(r.ms * 1000)) for r in v35[m]])
    copy_truth(ZAP_SRC, 'zap-3.5.0')

    # 2. zap-3.5.8-trimmed: 3.4.24-3.5.14 layout, fraction up to 6 digits, zeros trimmed
    v358 = zap_view(evs, '3.5', VER_35_8)
    for m in MEMBERS:
        assign_us(v358[m])
        write(os.path.join(BUILT, 'zap-3.5.8-trimmed', m + '.log'),
              [zap_json_line(r, ts_zap_trim(r.us)) for r in v358[m]])
    copy_truth(ZAP_SRC, 'zap-3.5.8-trimmed')

    # 3. zap-3.6-plus0800 and 4. zap-console-3.6
    v36 = zap_view(evs, '3.6', VER_36)
    for m in MEMBERS:
        assign_us(v36[m])
        write(os.path.join(BUILT, 'zap-3.6-plus0800', m + '.log'),
              [zap_json_line(r, ts_zap6(r.us, 8 * 60)) for r in v36[m]])
        write(os.path.join(BUILT, 'zap-console-3.6', m + '.log'),
              [zap_console_line(r, ts_zap6(r.us)) for r in v36[m]])
    copy_truth(ZAP_SRC, 'zap-3.6-plus0800')
    copy_truth(ZAP_SRC, 'zap-console-3.6')
    return v36


def build_text_targets(evs):
    t33 = text_view(evs, '3.3')
    t23 = text_view(evs, '2.3')
    t20 = text_view(evs, '2.0')
    for m in MEMBERS:
        write(os.path.join(BUILT, 'capnslog-3.3', m + '.log'), [capnslog_line(r) for r in t33[m]])
        write(os.path.join(BUILT, 'capnslog-2.3', m + '.log'), [capnslog_line(r) for r in t23[m]])
        write(os.path.join(BUILT, 'golog-2.0', m + '.log'), [golog20_line(r) for r in t20[m]])
        # 8./9. journald formatter (payload only) read with journalctl -o <layout>
        for layout, name in (('short', 'journald-short-capnslog-3.3'),
                             ('short-precise', 'journald-short-precise'),
                             ('short-iso', 'journald-short-iso'),
                             ('short-iso-precise', 'journald-short-iso-precise')):
            write(os.path.join(BUILT, name, m + '.log'),
                  [journald_line(layout, r.us, m, r.proc, 'etcd', r.text) for r in t33[m]])
    for name in ('capnslog-3.3', 'capnslog-2.3', 'golog-2.0', 'journald-short-capnslog-3.3',
                 'journald-short-precise', 'journald-short-iso', 'journald-short-iso-precise'):
        copy_truth(ZAP_SRC, name)
    return t33


CAP_RE = re.compile(r'(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\.(\d{6}) ([CEWNIDT]) \| ([^:]+): (.*)')
GOLOG_RAFT_RE = re.compile(r'raft(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d) (DEBUG|INFO|WARN|ERROR|FATAL|PANIC): .*')
BANNER = "[WARNING] Deprecated '--logger=capnslog' flag is set; use '--logger=zap' flag instead"


def build_journald_capnslog_34():
    """10. the real 3.4 capnslog capture as journald would hold it (section 1.3):
    capnslog lines -> bare payload (journald formatter); raft Go-log lines and the
    stderr banner keep their text. journal time = the line's own time; the banner has
    none and takes the time of the next timestamped line."""
    name = 'journald-capnslog-3.4'
    for mi, m in enumerate(MEMBERS):
        with open(os.path.join(CAP_SRC, m + '.log'), encoding='utf-8') as f:
            lines = f.read().split('\n')
        assert lines[-1] == ''
        lines = lines[:-1]
        parsed = []   # (us or None, payload, is_start)
        for i, l in enumerate(lines):
            mc = CAP_RE.fullmatch(l)
            mg = GOLOG_RAFT_RE.fullmatch(l)
            if mc:
                d = dt.datetime.strptime(mc.group(1), '%Y-%m-%d %H:%M:%S').replace(tzinfo=UTC)
                us = (d - EPOCH) // dt.timedelta(microseconds=1) + int(mc.group(2))
                parsed.append([us, mc.group(5), False])
            elif mg:
                d = dt.datetime.strptime(mg.group(1), '%Y/%m/%d %H:%M:%S').replace(tzinfo=UTC)
                parsed.append([(d - EPOCH) // dt.timedelta(microseconds=1), l, False])
            elif l == BANNER:
                start = i + 1 < len(lines) and 'etcdmain: etcd Version:' in lines[i + 1]
                parsed.append([None, l, start])
            else:
                raise ValueError('unknown line in %s/%s: %s' % (CAP_SRC, m, l))
        nxt = None
        for p in reversed(parsed):
            if p[0] is None:
                p[0] = nxt
            nxt = p[0]
        proc, out = -1, []
        for us, payload, start in parsed:
            if start:
                proc += 1
            assert proc >= 0
            out.append(journald_line('short', us, m, proc, 'etcd', payload))
        write(os.path.join(BUILT, name, m + '.log'), out)
    copy_truth(CAP_SRC, name)


def build_wrapper_targets(evs, t33, v36):
    raw = {m: [e.raw for e in evs[m]] for m in MEMBERS}
    ms = {m: [e.ms for e in evs[m]] for m in MEMBERS}

    # 11. journald-zap-k3s (section 1.7): the zap JSON is the MESSAGE, identifier k3s
    for m in MEMBERS:
        write(os.path.join(BUILT, 'journald-zap-k3s', m + '.log'),
              [journald_line('short', e.ms * 1000, m, e.proc, 'k3s', e.raw) for e in evs[m]])
    copy_truth(ZAP_SRC, 'journald-zap-k3s')

    # 12. cri: "<RFC3339Nano> stderr P|F <chunk>"
    for m in MEMBERS:
        out, prev = [], 0
        for ns, line in zip(outer_ns(ms[m], 'cri:' + m), raw[m]):
            for k, (tag, chunk) in enumerate(cri_chunks(line)):
                t = max(ns + k * 1_700, prev + 1)     # each chunk is written on its own
                out.append('%s stderr %s %s' % (ts_rfc3339nano(t), tag, chunk))
                prev = t
        write(os.path.join(BUILT, 'cri', m + '.log'), out)
    copy_truth(ZAP_SRC, 'cri')

    # 13. kubectl-timestamps-concat: one file, member after member
    out = []
    for m in MEMBERS:
        for ns, line in zip(outer_ns(ms[m], 'kubectl:' + m), raw[m]):
            out.append('%s %s' % (ts_rfc3339nano(ns), line))
    write(os.path.join(BUILT, 'kubectl-timestamps-concat', 'all.log'), out)
    copy_truth(ZAP_SRC, 'kubectl-timestamps-concat')

    # 14. docker-json
    for m in MEMBERS:
        out = ['{"log":%s,"stream":"stderr","time":"%s"}' % (docker_json_string(line + '\n'),
                                                             ts_rfc3339nano(ns))
               for ns, line in zip(outer_ns(ms[m], 'docker:' + m), raw[m])]
        write(os.path.join(BUILT, 'docker-json', m + '.log'), out)
    copy_truth(ZAP_SRC, 'docker-json')

    # 15. compose-interleaved (real zap lines) and goreman-interleaved (capnslog-3.3)
    merged = merge_streams([evs[m] for m in MEMBERS], key=lambda e: e.ms)
    write(os.path.join(BUILT, 'compose-interleaved', 'all.log'),
          ['etcd%d  | %s' % (i + 1, e.raw) for i, e in merged])
    copy_truth(ZAP_SRC, 'compose-interleaved')
    merged = merge_streams([t33[m] for m in MEMBERS], key=lambda r: r.us)
    write(os.path.join(BUILT, 'goreman-interleaved', 'all.log'),
          ['%s etcd%d | %s' % (dt_of_us(r.us).strftime('%H:%M:%S'), i + 1, capnslog_line(r))
           for i, r in merged])
    copy_truth(ZAP_SRC, 'goreman-interleaved')

    # 16. shipper-renamed: msg->message, level->severity (upper), ts->timestamp (+00:00),
    #     extra metadata object
    for m in MEMBERS:
        out = []
        for e in evs[m]:
            d = dt_of_us(e.ms * 1000)
            ts = d.strftime('%Y-%m-%dT%H:%M:%S') + '.%03d+00:00' % (d.microsecond // 1000)
            obj = Obj([('severity', e.level.upper()), ('timestamp', ts), ('caller', e.caller),
                       ('message', e.msg)] + list(e.fields))
            obj.append(('metadata', Obj([('host', host_of(m)), ('source', '/var/log/etcd/etcd.log'),
                                         ('pid', pid_of(m, e.proc)), ('shipper', 'fluent-bit')])))
            out.append(jdump(obj))
        write(os.path.join(BUILT, 'shipper-renamed', m + '.log'), out)
    copy_truth(ZAP_SRC, 'shipper-renamed')

    # 17. zap-epoch-ts: "ts":<epoch seconds float> (zap EpochTimeEncoder, section 1.5)
    for m in MEMBERS:
        rng = random.Random('epoch:' + m)
        seen, out = {}, []
        for e in evs[m]:
            c = seen.get(e.ms, 0)
            seen[e.ms] = c + 1
            ns = (e.ms * 1000 + c) * 1000 + rng.randint(0, 999)
            obj = Obj([('level', e.level), ('ts', ns / 1e9), ('caller', e.caller),
                       ('msg', e.msg)] + list(e.fields))
            out.append(jdump(obj))
        write(os.path.join(BUILT, 'zap-epoch-ts', m + '.log'), out)
    copy_truth(ZAP_SRC, 'zap-epoch-ts')

    # 18. paste-decorated (n1 only)
    build_paste(evs['n1'])

    # 19. mixed-formats: cat n1 (capnslog-3.3) n2 (real zap 3.4) n3 (zap console 3.6)
    out = [capnslog_line(r) for r in t33['n1']] + raw['n2'] + \
        [zap_console_line(r, ts_zap6(r.us)) for r in v36['n3']]
    write(os.path.join(BUILT, 'mixed-formats', 'all.log'), out)
    copy_truth(ZAP_SRC, 'mixed-formats')


PASTE_GLUE = 4   # number of places where a record's tail is glued before the next record


def cap_keyed(m):
    """The real capnslog-3-mixed log of member m as (time key in us, line): capnslog
    lines by their own us time; raft Go-log lines (second precision) keep file order by
    taking the latest finer time of the same second seen before them; the stderr banner
    takes the time of the next timed line."""
    with open(os.path.join(CAP_SRC, m + '.log'), encoding='utf-8') as f:
        lines = f.read().split('\n')
    assert lines[-1] == ''
    keyed, last = [], None
    for l in lines[:-1]:
        mc, mg = CAP_RE.fullmatch(l), GOLOG_RAFT_RE.fullmatch(l)
        if mc:
            d = dt.datetime.strptime(mc.group(1), '%Y-%m-%d %H:%M:%S').replace(tzinfo=UTC)
            us = (d - EPOCH) // dt.timedelta(microseconds=1) + int(mc.group(2))
        elif mg:
            d = dt.datetime.strptime(mg.group(1), '%Y/%m/%d %H:%M:%S').replace(tzinfo=UTC)
            us = (d - EPOCH) // dt.timedelta(microseconds=1)
            if last is not None and last // 1_000_000 == us // 1_000_000:
                us = last
        elif l == BANNER:
            us = None
        else:
            raise ValueError('unknown line in %s/%s: %s' % (CAP_SRC, m, l))
        keyed.append([us, l])
        if us is not None:
            last = us if last is None else max(last, us)
    nxt = None
    for k in reversed(keyed):
        if k[0] is None:
            k[0] = nxt
        nxt = k[0]
    return keyed


def pod_of(i):
    return 'etcd-%d' % i       # n1 -> etcd-0: pod names are not member names


def build_interleaved_targets(evs):
    """20-24. several members' real lines in ONE stream, time-sorted (merge_streams):
    with the prefixes that name their source (stern, kubectl --prefix) and without any
    (a plain merge, e.g. `sort` of several files or a collector that drops the source)."""
    zap = merge_streams([evs[m] for m in MEMBERS], key=lambda e: e.ms)
    cap = merge_streams([cap_keyed(m) for m in MEMBERS], key=lambda k: k[0])
    # stern's default template `{{color .PodColor .PodName}} {{color .ContainerColor
    # .ContainerName}} {{.Message}}` (no colours when the output is not a terminal)
    write(os.path.join(BUILT, 'stern-zap-interleaved', 'all.log'),
          ['%s etcd %s' % (pod_of(i), e.raw) for i, e in zap])
    copy_truth(ZAP_SRC, 'stern-zap-interleaved')
    write(os.path.join(BUILT, 'stern-capnslog-interleaved', 'all.log'),
          ['%s etcd %s' % (pod_of(i), k[1]) for i, k in cap])
    copy_truth(CAP_SRC, 'stern-capnslog-interleaved')
    # kubectl logs --prefix: `[pod/<pod>/<container>] <line>`
    write(os.path.join(BUILT, 'kubectl-prefix-zap-interleaved', 'all.log'),
          ['[pod/%s/etcd] %s' % (pod_of(i), e.raw) for i, e in zap])
    copy_truth(ZAP_SRC, 'kubectl-prefix-zap-interleaved')
    write(os.path.join(BUILT, 'kubectl-prefix-capnslog-interleaved', 'all.log'),
          ['[pod/%s/etcd] %s' % (pod_of(i), k[1]) for i, k in cap])
    copy_truth(CAP_SRC, 'kubectl-prefix-capnslog-interleaved')
    # no prefix at all
    write(os.path.join(BUILT, 'merged-zap-noprefix', 'all.log'), [e.raw for _, e in zap])
    copy_truth(ZAP_SRC, 'merged-zap-noprefix')
    write(os.path.join(BUILT, 'merged-capnslog-noprefix', 'all.log'), [k[1] for _, k in cap])
    copy_truth(CAP_SRC, 'merged-capnslog-noprefix')


def loki_labels(pairs):
    # loghttp.LabelSet.String(): sorted keys, Go-quoted values, ", " between
    return '{' + ', '.join('%s=%s' % (k, jstr(v)) for k, v in sorted(pairs)) + '}'


def build_export_targets(evs):
    """25-27. exports of a log store holding the three members' real zap lines, as a
    collector (promtail / fluentd) would have shipped them from the CRI files: the entry
    time is the CRI time (outer_ns), labels/metadata name namespace, pod and container."""
    ns = {m: outer_ns([e.ms for e in evs[m]], 'cri:' + m) for m in MEMBERS}
    entries = merge_streams([list(zip(ns[m], evs[m])) for m in MEMBERS], key=lambda x: x[0])
    # Loki logcli query --forward --timezone=UTC (default output): `ts labels line`, ts
    # RFC 3339 seconds, the labels common to every stream removed (printed once on
    # stderr), padded to the longest label text, line TrimSpace'd
    lbl = {i: loki_labels([('pod', pod_of(i))]) for i in range(len(MEMBERS))}
    width = max(len(v) for v in lbl.values())
    out = []
    for i, (t, e) in entries:
        ts = dt_of_us(t // 1000).strftime('%Y-%m-%dT%H:%M:%SZ')
        out.append('%s %s %s' % (ts, lbl[i].ljust(width), e.raw.strip()))
    write(os.path.join(BUILT, 'loki-logcli', 'all.log'), out)
    copy_truth(ZAP_SRC, 'loki-logcli')
    # logcli --output=jsonl: Go map marshalling (sorted keys), labels as an object,
    # timestamp RFC3339Nano
    out = []
    for i, (t, e) in entries:
        labels = ','.join('%s:%s' % (jstr(k), jstr(v)) for k, v in sorted(
            [('container', 'etcd'), ('namespace', 'kube-system'), ('pod', pod_of(i))]))
        out.append('{"labels":{%s},"line":%s,"timestamp":"%s"}' % (
            labels, docker_json_string(e.raw), ts_rfc3339nano(t)))
    write(os.path.join(BUILT, 'loki-jsonl', 'all.log'), out)
    copy_truth(ZAP_SRC, 'loki-jsonl')
    # Elasticsearch/OpenSearch hits of a fluentd (kubernetes_metadata) index, one per
    # line as `jq -c '.hits.hits[]'` prints a _search response sorted by @timestamp
    out = []
    for k, (i, (t, e)) in enumerate(entries):
        src = Obj([('@timestamp', ts_rfc3339nano(t)), ('log', e.raw + '\n'), ('stream', 'stderr'),
                   ('kubernetes', Obj([('container_name', 'etcd'),
                                       ('namespace_name', 'kube-system'),
                                       ('pod_name', pod_of(i))]))])
        hit = Obj([('_index', 'logstash-2026.11.25'), ('_id', 'etcd-%06d' % k),
                   ('_score', None), ('_source', src), ('sort', [t // 1_000_000])])
        out.append(jdump(hit))
    write(os.path.join(BUILT, 'elasticsearch-hits', 'all.log'), out)
    copy_truth(ZAP_SRC, 'elasticsearch-hits')


def build_paste(evs):
    """Issue/chat paste of n1 (section 1.7, trap 13): blocks of lines prefixed "> ",
    "Line N: ", 4 spaces, or nothing; and PASTE_GLUE places where a server record is cut
    in the middle, its head left on one line and its tail glued in front of the next
    record. Raft lines are never cut. The last glue point puts a raft line (whole)
    behind the tail; the others glue a server line."""
    n = len(evs)
    # glue points: a cut server record followed by a server record, spread over the file
    glue = []
    targets = [int(n * k / (PASTE_GLUE + 1)) for k in range(1, PASTE_GLUE + 1)]
    for t in targets[:-1]:
        i = t
        while evs[i].is_raft or evs[i + 1].is_raft or i in glue or i - 1 in glue:
            i += 1
        glue.append(i)
    i = targets[-1]
    while evs[i].is_raft or not evs[i + 1].is_raft or evs[i + 1].rid not in ('R15', 'R16', 'R17'):
        i += 1
    glue.append(i)
    out = []
    pending_tail = ''
    for i, e in enumerate(evs):
        block = (i // 23) % 4
        if block == 1:
            prefix = '> '
        elif block == 2:
            prefix = 'Line %d: ' % (i + 1)
        elif block == 3:
            prefix = '    '
        else:
            prefix = ''
        text = pending_tail + e.raw
        pending_tail = ''
        if i in glue:
            cut = len(e.raw) // 2
            out.append(prefix + (text[:len(text) - len(e.raw) + cut]))
            pending_tail = e.raw[cut:]
        else:
            out.append(prefix + text)
    assert pending_tail == ''
    write(os.path.join(BUILT, 'paste-decorated', 'n1.log'), out)
    copy_truth(ZAP_SRC, 'paste-decorated')
    return glue


# --------------------------------------------------------------------------- 20. single follower

SELF, LEAD, OTHER = '8e9e05c52164694d', 'b4933a6e66319f9e', 'fd422379fda50e48'


def build_single_follower():
    """A follower's view (3.5.15+ zap, fixed µs, section 2 format strings only).
    Story: b493 leads term 8242; a delayed MsgVote of fd42's term-8242 candidacy is
    rejected; fd42 campaigns at 8243 and is ignored (lease); then b493 stalls, this
    member's election timer fires (pre-vote off), it campaigns at 8243 and loses (fd42,
    itself a candidate at 8243, and b493, whose log is longer after check-quorum
    step-down, reject it); fd42 wins 8245 with this member's vote; b493 wins 8246 (this
    member learns it from a MsgApp); fd42 wins 8248 (learnt from a MsgHeartbeat)."""
    t0 = (dt.datetime(2025, 6, 12, 3, 41, 7, 204118, tzinfo=UTC) - EPOCH) // dt.timedelta(microseconds=1)
    S, L, O = SELF, LEAD, OTHER
    ev = [  # (µs after t0, msg)
        (0, 'raft.node: %s elected leader %s at term 8242' % (S, L)),                          # R15
        (4_317, '%s [logterm: 8241, index: 5123391, vote: %s] rejected MsgVote from %s '
                '[logterm: 8241, index: 5123391] at term 8242' % (S, L, O)),                     # R11
        (11_806_552, '%s [logterm: 8242, index: 5123407, vote: %s] ignored MsgVote from %s '
                     '[logterm: 8242, index: 5123405] at term 8242: lease is not expired '
                     '(remaining ticks: 6)' % (S, L, O)),                                        # R12
        (19_311_090, '%s is starting a new election at term 8242' % S),                         # R05
        (19_311_131, '%s became candidate at term 8243' % S),                                   # R02
        (19_311_149, '%s received MsgVoteResp from %s at term 8243' % (S, S)),                  # R07 (self)
        (19_311_188, '%s [logterm: 8242, index: 5123412] sent MsgVote request to %s at term 8243' % (S, L)),  # R06
        (19_311_226, '%s [logterm: 8242, index: 5123412] sent MsgVote request to %s at term 8243' % (S, O)),  # R06
        (19_311_402, 'raft.node: %s lost leader %s at term 8243' % (S, L)),                     # R17
        (19_313_217, '%s received MsgVoteResp rejection from %s at term 8243' % (S, O)),        # R08
        (19_313_251, '%s has received 1 MsgVoteResp votes and 1 vote rejections' % S),          # R09
        (19_862_774, '%s received MsgVoteResp rejection from %s at term 8243' % (S, L)),        # R08
        (19_862_809, '%s has received 1 MsgVoteResp votes and 2 vote rejections' % S),          # R09
        (19_862_840, '%s became follower at term 8243' % S),                                    # R01
        (24_930_517, '%s [term: 8243] received a MsgVote message with higher term from %s '
                     '[term: 8245]' % (S, O)),                                                   # R13
        (24_930_560, '%s became follower at term 8245' % S),                                    # R01
        (24_930_604, '%s [logterm: 8242, index: 5123412, vote: 0] cast MsgVote for %s '
                     '[logterm: 8242, index: 5123412] at term 8245' % (S, O)),                   # R10
        (24_934_981, 'raft.node: %s elected leader %s at term 8245' % (S, O)),                  # R15
        (33_617_045, '%s [term: 8245] received a MsgApp message with higher term from %s '
                     '[term: 8246]' % (S, L)),                                                   # R13
        (33_617_093, '%s became follower at term 8246' % S),                                    # R01
        (33_618_320, 'raft.node: %s changed leader from %s to %s at term 8246' % (S, O, L)),    # R16
        (47_122_708, '%s [term: 8246] received a MsgHeartbeat message with higher term from %s '
                     '[term: 8248]' % (S, O)),                                                   # R13
        (47_122_751, '%s became follower at term 8248' % S),                                    # R01
        (47_124_066, 'raft.node: %s changed leader from %s to %s at term 8248' % (S, L, O)),    # R16
    ]
    out = []
    for off, msg in ev:
        parse_raft(msg)   # every line must be a catalog format string
        r = Rec(0, 0, level='info', logger='raft', caller='etcdserver/zap_raft.go:77', msg=msg,
                fields=Obj())
        out.append(zap_json_line(r, ts_zap6(t0 + off)))
    d = os.path.join(BUILT, 'single-follower-3.5')
    write(os.path.join(d, 'n1.log'), out)
    write(os.path.join(d, 'truth.txt'), [
        'Intended reading of n1.log (built from the catalog\'s 3.5.15+ zap format strings,',
        'section 2; not a capture). The log is member %s\'s own (every line\'s first ID).' % S,
        '',
        'member: %s (a follower; never leader)' % S,
        'other members named: %s, %s' % (L, O),
        'terms seen: 8242, 8243, 8245, 8246, 8248',
        '  (8244 never appears: %s went from 8243 to 8245 out of this member\'s sight;' % O,
        '  the [logterm: 8241] / [logterm: 8242] values are log-entry terms, not new terms)',
        'leader per term, as this member saw it:',
        '  8242  %s  (raft.node: elected leader)' % L,
        '  8243  none (own failed candidacy: 1 vote, 2 rejections, became follower at term 8243)',
        '  8245  %s  (voted for it; raft.node: elected leader)' % O,
        '  8246  %s  (MsgApp with higher term; raft.node: changed leader)' % L,
        '  8248  %s  (MsgHeartbeat with higher term; raft.node: changed leader)' % O,
        'leader changes seen by this member: 4 counting the first "elected leader" (8242),',
        '  3 after it (8245 elected, 8246 changed, 8248 changed); 1 "lost leader" (8243).',
        'own elections: 1 started (is starting a new election at term 8242 ->',
        '  became candidate at term 8243), 0 won; pre-vote off.',
        'votes: rejected MsgVote from %s at term 8242 (already voted for %s);' % (O, L),
        '  ignored MsgVote from %s at term 8242 (lease not expired, remaining ticks: 6);' % O,
        '  cast MsgVote for %s at term 8245.' % O,
        'time span: 2025-06-12T03:41:07.204118Z .. 2025-06-12T03:41:54.328184Z (47.1 s).',
    ])


# --------------------------------------------------------------------------- main

def main():
    if os.path.isdir(BUILT):
        shutil.rmtree(BUILT)
    os.makedirs(BUILT)
    evs = load_zap(ZAP_SRC)
    v36 = build_zap_targets(evs)
    t33 = build_text_targets(evs)
    build_journald_capnslog_34()
    build_wrapper_targets(evs, t33, v36)
    build_interleaved_targets(evs)
    build_export_targets(evs)
    build_single_follower()
    total = 0
    for dp, _, fns in os.walk(BUILT):
        for fn in fns:
            total += os.path.getsize(os.path.join(dp, fn))
    assert total < 4 * 1024 * 1024, 'fixtures/built is %d bytes (limit 4 MB)' % total
    print('fixtures/built: %d bytes' % total, file=sys.stderr)


if __name__ == '__main__':
    main()
