//! etcd server messages (etcd-log-messages.md §3): member identity, timer settings,
//! process start/stop and the evidence kinds used to explain elections.
//!
//! zap lines are matched by their exact `msg` and read through their fields; capnslog,
//! journald and Go-log lines by their text.

use super::zapjson::Fields;
use crate::event::{DiskWork, Identity, Kind, NodeId, StopStep};
use crate::time::parse_go_duration_ms;
use regex::{Regex, RegexSet};
use serde_json::Value;
use std::borrow::Cow;
use std::sync::LazyLock;

/// One server event: the member it names as the writer (zap `local-member-id`, or the
/// subject of a capnslog line such as `starting member X`), and the kind.
pub type ServerEvent = (Option<NodeId>, Kind);

/// Result of matching a server message.
#[derive(Debug, PartialEq)]
pub enum ServerOutcome {
    /// One or more events.
    Events(Vec<ServerEvent>),
    /// Recognised, not an event (documented in `docs/events.md`).
    NotEvent(&'static str),
}

fn hexid(s: &str) -> Option<NodeId> {
    let s = s.trim();
    if s.is_empty() || s.len() > 16 {
        return None;
    }
    u64::from_str_radix(s, 16).ok()
}

fn fstr(f: &Fields<'_>, k: &str) -> Option<String> {
    f.get_str(k).map(Cow::into_owned)
}

fn fid(f: &Fields<'_>, k: &str) -> Option<NodeId> {
    f.get_str(k).and_then(|s| hexid(&s))
}

fn fms(f: &Fields<'_>, k: &str) -> Option<f64> {
    if let Some(s) = f.get_str(k) {
        return parse_go_duration_ms(&s);
    }
    f.raw(k)?.parse::<f64>().ok()
}

fn furls(f: &Fields<'_>, k: &str) -> Vec<String> {
    match f.get(k) {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        Some(Value::String(s)) => s
            .split([',', ' '])
            .filter(|x| !x.is_empty())
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// Parse `name=url,name2=url2` (initial-cluster).
pub fn parse_initial_cluster(s: &str) -> Vec<(String, String)> {
    s.split(',')
        .filter_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (!k.is_empty() && !v.is_empty()).then(|| (k.to_string(), v.to_string()))
        })
        .collect()
}

/// Parse Go `%+v` member attributes `{Name:infra1 ClientURLs:[http://a http://b]}`.
fn parse_attributes(s: &str) -> (Option<String>, Vec<String>) {
    static RE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^\{Name:(.*?) ClientURLs:\[(.*?)\]\}").unwrap());
    match RE.captures(s) {
        Some(c) => {
            let name = c
                .get(1)
                .map(|m| m.as_str().to_string())
                .filter(|n| !n.is_empty());
            let urls = c
                .get(2)
                .map(|m| m.as_str().split_whitespace().map(str::to_string).collect())
                .unwrap_or_default();
            (name, urls)
        }
        None => (None, Vec::new()),
    }
}

fn identity() -> Kind {
    Kind::MemberIdentity(Box::default())
}

/// Error strings that mark leader trouble (etcd-log-messages.md §3.1).
pub fn leader_trouble(err: &str) -> bool {
    err.contains("leader changed")
        || err.contains("no leader")
        || err.contains("request timed out")
        || err.contains("not leader")
}

fn disk_work(work: DiskWork, started: bool, took_ms: Option<f64>) -> Kind {
    Kind::DiskWork {
        work,
        started,
        took_ms,
    }
}

/// Match a zap server line by its `msg`: one function per family of messages, each a
/// table of exact messages (etcd-log-messages.md §3).
pub fn parse_zap(msg: &str, f: &Fields<'_>) -> Option<ServerOutcome> {
    let local = fid(f, "local-member-id");
    let events = match msg {
        "starting an etcd server" => server_start(f, local),
        "Running: " => vec![(local, running_args(&furls(f, "args")))],
        "apply request took too long" => slow_apply(f, local),
        _ => {
            let kind = identity_zap(msg, f, local)
                .or_else(|| stop_zap(msg, f))
                .or_else(|| membership_zap(msg, f))
                .or_else(|| disk_zap(msg, f))
                .or_else(|| peer_zap(msg, f))
                .or_else(|| leadership_zap(msg, f))?;
            vec![(local, kind)]
        }
    };
    Some(ServerOutcome::Events(events))
}

fn member_identity(ident: Identity) -> Kind {
    Kind::MemberIdentity(Box::new(ident))
}

/// `starting an etcd server`: the process, its timers and its configured identity.
fn server_start(f: &Fields<'_>, local: Option<NodeId>) -> Vec<ServerEvent> {
    let version = fstr(f, "etcd-version");
    let timing = Kind::TimingConfig {
        heartbeat_ms: fms(f, "heartbeat-interval"),
        election_ms: fms(f, "election-timeout"),
        election_ticks: None,
        pre_vote: f.get("pre-vote").and_then(|v| v.as_bool()),
    };
    let ident = Identity {
        name: fstr(f, "name"),
        peer_urls: furls(f, "initial-advertise-peer-urls"),
        client_urls: furls(f, "advertise-client-urls"),
        version: version.clone(),
        initial_cluster: fstr(f, "initial-cluster")
            .map(|s| parse_initial_cluster(&s))
            .unwrap_or_default(),
        restart: f
            .get("member-initialized")
            .and_then(|v| v.as_bool())
            .unwrap_or(false),
        ..Identity::default()
    };
    vec![
        (local, Kind::ProcessStart { version }),
        (local, timing),
        (local, member_identity(ident)),
    ]
}

/// `Running: ` with the command line: the timer flags as given (`--flag=value` or
/// `--flag value`; a bare `--pre-vote` is true).
fn running_args(args: &[String]) -> Kind {
    let (mut hb, mut el, mut pv) = (None, None, None);
    for (i, a) in args.iter().enumerate() {
        let (k, v) = match a.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.to_string())),
            None => (a.clone(), args.get(i + 1).cloned()),
        };
        match k.trim_start_matches('-') {
            "heartbeat-interval" => hb = v.and_then(|x| x.parse::<f64>().ok()),
            "election-timeout" => el = v.and_then(|x| x.parse::<f64>().ok()),
            "pre-vote" => pv = Some(v.map(|x| x != "false").unwrap_or(true)),
            _ => {}
        }
    }
    Kind::TimingConfig {
        heartbeat_ms: hb,
        election_ms: el,
        election_ticks: None,
        pre_vote: pv,
    }
}

/// The lines that say who a member is (ID, name, URLs, cluster, version).
fn identity_zap(msg: &str, f: &Fields<'_>, local: Option<NodeId>) -> Option<Kind> {
    let ident = match msg {
        "starting local member" | "restarting local member" | "forcing restart member" => {
            Identity {
                member: local,
                cluster_id: fstr(f, "cluster-id"),
                restart: msg != "starting local member",
                ..Identity::default()
            }
        }
        "starting etcd server" => Identity {
            member: local,
            cluster_id: fstr(f, "cluster-id"),
            version: fstr(f, "local-server-version"),
            ..Identity::default()
        },
        "now serving peer/client/metrics" => Identity {
            member: local,
            peer_urls: furls(f, "initial-advertise-peer-urls"),
            client_urls: furls(f, "advertise-client-urls"),
            ..Identity::default()
        },
        "published local member to cluster through raft" => {
            let (name, client_urls) =
                parse_attributes(&fstr(f, "local-member-attributes").unwrap_or_default());
            Identity {
                member: local,
                name,
                client_urls,
                cluster_id: fstr(f, "cluster-id"),
                ..Identity::default()
            }
        }
        _ => return None,
    };
    Some(member_identity(ident))
}

/// The steps of a stop.
fn stop_zap(msg: &str, f: &Fields<'_>) -> Option<Kind> {
    let step = match msg {
        "received signal; shutting down" => {
            return Some(Kind::ProcessShutdown {
                signal: fstr(f, "signal"),
            })
        }
        // the steps of a stop after the signal (S20): all a member stopped without a
        // signal (API, embedded etcd) logs, or a log that lost its signal line still has
        "closing etcd server" => StopStep::Closing,
        "closed etcd server" => StopStep::Closed,
        // logged only by a stopping server (S19 "on stop")
        "skipped leadership transfer; local server is not leader"
        | "skipped leadership transfer for single voting member cluster" => {
            StopStep::TransferSkipped
        }
        _ => return None,
    };
    Some(Kind::ServerStop { step })
}

/// Membership changes: the action, and the fields naming the member and its URLs.
fn membership_zap(msg: &str, f: &Fields<'_>) -> Option<Kind> {
    let (action, id_key, urls_key, from_store) = match msg {
        "added member" => (
            "added",
            "added-peer-id",
            Some("added-peer-peer-urls"),
            false,
        ),
        "recovered/added member from store" => (
            "added",
            "recovered-remote-peer-id",
            Some("recovered-remote-peer-urls"),
            true,
        ),
        "removed member" => (
            "removed",
            "removed-remote-peer-id",
            Some("removed-remote-peer-urls"),
            false,
        ),
        "promote member" => ("promoted", "promoted-member-id", None, false),
        "updated member" => (
            "updated",
            "updated-remote-peer-id",
            Some("updated-remote-peer-urls"),
            false,
        ),
        "rejected Raft message from removed member" => {
            return Some(Kind::RemovedMemberRejected {
                member: fid(f, "removed-member-id"),
            })
        }
        _ => return None,
    };
    Some(Kind::MemberChange {
        action,
        member: fid(f, id_key),
        peer_urls: urls_key.map(|k| furls(f, k)).unwrap_or_default(),
        from_store,
    })
}

/// Timers, the disk and the apply loop: what keeps a leader from sending heartbeats.
fn disk_zap(msg: &str, f: &Fields<'_>) -> Option<Kind> {
    Some(match msg {
        "initialized peer connections; fast-forwarding election ticks"
        | "started as single-node; fast-forwarding election ticks" => Kind::TimingConfig {
            heartbeat_ms: None,
            election_ms: fms(f, "election-timeout"),
            election_ticks: f.get("election-ticks").and_then(|v| v.as_u64()),
            pre_vote: None,
        },
        "leader failed to send out heartbeat on time; took too long, leader is overloaded likely from slow disk" => {
            Kind::HeartbeatOverrun {
                to: fid(f, "to"),
                heartbeat_ms: fms(f, "heartbeat-interval"),
                exceeded_ms: fms(f, "exceeded-duration"),
            }
        }
        "slow fdatasync" => Kind::SlowFsync {
            took_ms: fms(f, "took"),
        },
        "triggering snapshot" => disk_work(DiskWork::Snapshot, true, None),
        "saved snapshot" => disk_work(DiskWork::Snapshot, false, None),
        "finished scheduled compaction" => disk_work(DiskWork::Compaction, false, fms(f, "took")),
        // the backend's own lines (3.4 `defragmented`, 3.5 `finished defragmenting
        // directory`) carry the duration; the gRPC handler's `starting defragment` /
        // `finished defragment` around them would count each defrag twice
        "defragmenting" => disk_work(DiskWork::Defrag, true, None),
        "defragmented" | "finished defragmenting directory" => {
            disk_work(DiskWork::Defrag, false, fms(f, "took"))
        }
        "waiting for ReadIndex response took too long, retrying"
        | "timed out waiting for read index response (local node might have slow network)" => {
            Kind::ReadIndexSlow
        }
        _ => return None,
    })
}

/// `apply request took too long`, and a failed request when its error names leader
/// trouble.
fn slow_apply(f: &Fields<'_>, local: Option<NodeId>) -> Vec<ServerEvent> {
    let err = fstr(f, "error");
    let mut out = vec![(
        local,
        Kind::SlowApply {
            took_ms: fms(f, "took"),
            error: err.clone(),
        },
    )];
    if let Some(e) = err.filter(|e| leader_trouble(e)) {
        out.push((local, Kind::RequestFailed { error: e }));
    }
    out
}

/// Peer links: streams, probes, clock drift, full buffers, and `/health`.
fn peer_zap(msg: &str, f: &Fields<'_>) -> Option<Kind> {
    Some(match msg {
        "lost TCP streaming connection with remote peer" => Kind::StreamLost {
            peer: fid(f, "remote-peer-id"),
            error: fstr(f, "error"),
        },
        "peer became inactive (message send to peer failed)" => Kind::PeerInactive {
            peer: fid(f, "peer-id"),
            error: fstr(f, "error"),
        },
        "peer became active" => Kind::PeerActive {
            peer: fid(f, "peer-id"),
        },
        "prober detected unhealthy status" => Kind::PeerUnreachable {
            peer: fid(f, "remote-peer-id"),
            rtt_ms: fms(f, "rtt"),
            error: fstr(f, "error"),
        },
        "prober found high clock drift" => Kind::ClockSkew {
            peer: fid(f, "remote-peer-id"),
            offset_ms: fms(f, "clock-drift"),
        },
        "dropped internal Raft message since sending buffer is full (overloaded network)"
        | "dropped internal Raft message since sending buffer is full"
        | "dropped Raft message since sending buffer is full (overloaded network)"
        | "dropped internal Raft message since receiving buffer is full (overloaded network)" => {
            Kind::BufferFull {
                peer: fid(f, "remote-peer-id"),
                msg_type: fstr(f, "message-type"),
            }
        }
        "serving /health false; no leader" => Kind::HealthNoLeader,
        _ => return None,
    })
}

/// Leadership transfers (`etcdctl move-leader`, a leader's graceful stop).
fn leadership_zap(msg: &str, f: &Fields<'_>) -> Option<Kind> {
    Some(match msg {
        "leadership transfer starting" => Kind::LeaderTransferRequested {
            from: fid(f, "current-leader-member-id"),
            to: fid(f, "transferee-member-id"),
        },
        "leadership transfer finished" => Kind::LeaderTransferFinished {
            from: fid(f, "old-leader-member-id"),
            to: fid(f, "new-leader-member-id"),
            took_ms: fms(f, "took"),
            ok: true,
        },
        "leadership transfer failed" => Kind::LeaderTransferFinished {
            from: None,
            to: None,
            took_ms: None,
            ok: false,
        },
        _ => return None,
    })
}

struct TextRule {
    re: Regex,
    build: fn(&regex::Captures<'_>) -> Vec<ServerEvent>,
}

fn cap<'a>(c: &'a regex::Captures<'_>, i: usize) -> &'a str {
    c.get(i).map(|m| m.as_str()).unwrap_or("")
}

static TEXT_RULES: LazyLock<Vec<TextRule>> = LazyLock::new(|| {
    let r = |s: &str| Regex::new(s).unwrap();
    vec![
        TextRule {
            re: r(r"^etcd Version: (\S+)$"),
            build: |c| {
                vec![(
                    None,
                    Kind::ProcessStart {
                        version: Some(cap(c, 1).to_string()),
                    },
                )]
            },
        },
        TextRule {
            re: r(r"^name = (.+)$"),
            build: |c| {
                let mut k = identity();
                if let Kind::MemberIdentity(ident) = &mut k {
                    let Identity { name, .. } = &mut **ident;
                    *name = Some(cap(c, 1).to_string());
                }
                vec![(None, k)]
            },
        },
        TextRule {
            re: r(r"^heartbeat = (\d+)ms$"),
            build: |c| {
                vec![(
                    None,
                    Kind::TimingConfig {
                        heartbeat_ms: cap(c, 1).parse().ok(),
                        election_ms: None,
                        election_ticks: None,
                        pre_vote: None,
                    },
                )]
            },
        },
        TextRule {
            re: r(r"^election = (\d+)ms$"),
            build: |c| {
                vec![(
                    None,
                    Kind::TimingConfig {
                        heartbeat_ms: None,
                        election_ms: cap(c, 1).parse().ok(),
                        election_ticks: None,
                        pre_vote: None,
                    },
                )]
            },
        },
        TextRule {
            re: r(r"^initial cluster = (.*)$"),
            build: |c| {
                let mut k = identity();
                if let Kind::MemberIdentity(ident) = &mut k {
                    let Identity {
                        initial_cluster, ..
                    } = &mut **ident;
                    *initial_cluster = parse_initial_cluster(cap(c, 1));
                }
                vec![(None, k)]
            },
        },
        TextRule {
            re: r(r"^initial advertise peer URLs = (.*)$"),
            build: |c| {
                let mut k = identity();
                if let Kind::MemberIdentity(ident) = &mut k {
                    let Identity { peer_urls, .. } = &mut **ident;
                    *peer_urls = cap(c, 1).split(',').map(|s| s.trim().to_string()).collect();
                }
                vec![(None, k)]
            },
        },
        TextRule {
            re: r(r"^advertise client URLs = (.*)$"),
            build: |c| {
                let mut k = identity();
                if let Kind::MemberIdentity(ident) = &mut k {
                    let Identity { client_urls, .. } = &mut **ident;
                    *client_urls = cap(c, 1).split(',').map(|s| s.trim().to_string()).collect();
                }
                vec![(None, k)]
            },
        },
        TextRule {
            re: r(
                r"^(starting|restarting|forcing restart of) member ([0-9a-f]{1,16}) in cluster ([0-9a-f]+)",
            ),
            build: |c| {
                let id = hexid(cap(c, 2));
                let mut k = identity();
                if let Kind::MemberIdentity(ident) = &mut k {
                    let Identity {
                        member,
                        cluster_id,
                        restart,
                        ..
                    } = &mut **ident;
                    *member = id;
                    *cluster_id = Some(cap(c, 3).to_string());
                    *restart = cap(c, 1) != "starting";
                }
                vec![(id, k)]
            },
        },
        TextRule {
            re: r(r"^starting server\.\.\. \[version: ([^,]+), cluster version: ([^\]]+)\]"),
            build: |c| {
                let mut k = identity();
                if let Kind::MemberIdentity(ident) = &mut k {
                    let Identity { version, .. } = &mut **ident;
                    *version = Some(cap(c, 1).to_string());
                }
                vec![(None, k)]
            },
        },
        TextRule {
            re: r(r"^published (\{Name:.*?\}) to cluster ([0-9a-f]+)"),
            build: |c| {
                let (n, urls) = parse_attributes(cap(c, 1));
                let mut k = identity();
                if let Kind::MemberIdentity(ident) = &mut k {
                    let Identity {
                        name,
                        client_urls,
                        cluster_id,
                        ..
                    } = &mut **ident;
                    *name = n;
                    *client_urls = urls;
                    *cluster_id = Some(cap(c, 2).to_string());
                }
                vec![(None, k)]
            },
        },
        TextRule {
            re: r(r"^added member ([0-9a-f]{1,16}) \[(.*?)\] to cluster [0-9a-f]+( from store)?"),
            build: |c| {
                vec![(
                    None,
                    Kind::MemberChange {
                        action: "added",
                        member: hexid(cap(c, 1)),
                        peer_urls: cap(c, 2).split_whitespace().map(str::to_string).collect(),
                        from_store: c.get(3).is_some(),
                    },
                )]
            },
        },
        TextRule {
            re: r(r"^removed member ([0-9a-f]{1,16}) from cluster"),
            build: |c| {
                vec![(
                    None,
                    Kind::MemberChange {
                        action: "removed",
                        member: hexid(cap(c, 1)),
                        peer_urls: Vec::new(),
                        from_store: false,
                    },
                )]
            },
        },
        TextRule {
            re: r(r"^promote member ([0-9a-f]{1,16}) in cluster"),
            build: |c| {
                vec![(
                    None,
                    Kind::MemberChange {
                        action: "promoted",
                        member: hexid(cap(c, 1)),
                        peer_urls: Vec::new(),
                        from_store: false,
                    },
                )]
            },
        },
        TextRule {
            re: r(r"^updated member ([0-9a-f]{1,16}) \[(.*?)\] in cluster"),
            build: |c| {
                vec![(
                    None,
                    Kind::MemberChange {
                        action: "updated",
                        member: hexid(cap(c, 1)),
                        peer_urls: cap(c, 2).split_whitespace().map(str::to_string).collect(),
                        from_store: false,
                    },
                )]
            },
        },
        TextRule {
            re: r(r"the member has been permanently removed from the cluster"),
            build: |_| {
                vec![(
                    None,
                    Kind::MemberChange {
                        action: "removed_self",
                        member: None,
                        peer_urls: Vec::new(),
                        from_store: false,
                    },
                )]
            },
        },
        TextRule {
            re: r(
                r"^(?:([0-9a-f]{1,16}) )?(?:initiali[sz]?ed peer connection|initialzed peer connection|as single-node).*fast-forwarding \d+ ticks \(election ticks (\d+)\)",
            ),
            build: |c| {
                vec![(
                    c.get(1).and_then(|m| hexid(m.as_str())),
                    Kind::TimingConfig {
                        heartbeat_ms: None,
                        election_ms: None,
                        election_ticks: cap(c, 2).parse().ok(),
                        pre_vote: None,
                    },
                )]
            },
        },
        TextRule {
            re: r(
                r"^failed to send out heartbeat on time \((?:exceeded the (\d+ms|[0-9.]+[a-zµ]+) timeout for ([0-9.a-zµ]+)(?:, to ([0-9a-f]{1,16}))?|deadline exceeded for ([0-9.a-zµ]+))\)",
            ),
            build: |c| {
                let hb = c.get(1).and_then(|m| parse_go_duration_ms(m.as_str()));
                let ex = c
                    .get(2)
                    .or(c.get(4))
                    .and_then(|m| parse_go_duration_ms(m.as_str()));
                vec![(
                    None,
                    Kind::HeartbeatOverrun {
                        to: c.get(3).and_then(|m| hexid(m.as_str())),
                        heartbeat_ms: hb,
                        exceeded_ms: ex,
                    },
                )]
            },
        },
        TextRule {
            re: r(r"^sync duration of ([0-9.a-zµ]+), expected less than"),
            build: |c| {
                vec![(
                    None,
                    Kind::SlowFsync {
                        took_ms: parse_go_duration_ms(cap(c, 1)),
                    },
                )]
            },
        },
        TextRule {
            re: r(r"^start to snapshot \(applied: \d+"),
            build: |_| vec![(None, disk_work(DiskWork::Snapshot, true, None))],
        },
        TextRule {
            re: r(r"^saved snapshot at index \d+"),
            build: |_| vec![(None, disk_work(DiskWork::Snapshot, false, None))],
        },
        TextRule {
            re: r(r"^finished scheduled compaction at \d+ \(took ([0-9.a-zµ]+)\)"),
            build: |c| {
                let took = parse_go_duration_ms(cap(c, 1));
                vec![(None, disk_work(DiskWork::Compaction, false, took))]
            },
        },
        TextRule {
            re: r(r"^starting to defragment the storage backend"),
            build: |_| vec![(None, disk_work(DiskWork::Defrag, true, None))],
        },
        TextRule {
            re: r(r"^finished defragmenting the storage backend"),
            build: |_| vec![(None, disk_work(DiskWork::Defrag, false, None))],
        },
        TextRule {
            re: r(r"^apply entries took too long \[([0-9.a-zµ]+) for \d+ entries\]"),
            build: |c| {
                vec![(
                    None,
                    Kind::SlowApply {
                        took_ms: parse_go_duration_ms(cap(c, 1)),
                        error: None,
                    },
                )]
            },
        },
        TextRule {
            re: r(
                r"^(?:waiting for ReadIndex response took too long, retrying|timed out waiting for read index response)",
            ),
            build: |_| vec![(None, Kind::ReadIndexSlow)],
        },
        TextRule {
            re: r(r"^lost the TCP streaming connection with peer ([0-9a-f]{1,16})"),
            build: |c| {
                vec![(
                    None,
                    Kind::StreamLost {
                        peer: hexid(cap(c, 1)),
                        error: None,
                    },
                )]
            },
        },
        TextRule {
            re: r(
                r"^failed to (?:read|dial|write|post|heartbeat) ([0-9a-f]{1,16}) on (?:stream|pipeline|sendMsgSnap)[^(]*(?:\((.*)\))?",
            ),
            build: |c| {
                vec![(
                    None,
                    Kind::StreamLost {
                        peer: hexid(cap(c, 1)),
                        error: c.get(2).map(|m| m.as_str().to_string()),
                    },
                )]
            },
        },
        TextRule {
            re: r(r"^(?:peer|the connection with) ([0-9a-f]{1,16}) became (inactive|active)"),
            build: |c| {
                let peer = hexid(cap(c, 1));
                vec![(
                    None,
                    if cap(c, 2) == "active" {
                        Kind::PeerActive { peer }
                    } else {
                        Kind::PeerInactive { peer, error: None }
                    },
                )]
            },
        },
        TextRule {
            re: r(
                r"^health check for peer ([0-9a-f]{1,16}) could not connect: (.*?)(?: \(prober .*\))?$",
            ),
            build: |c| {
                vec![(
                    None,
                    Kind::PeerUnreachable {
                        peer: hexid(cap(c, 1)),
                        rtt_ms: None,
                        error: c.get(2).map(|m| m.as_str().to_string()),
                    },
                )]
            },
        },
        TextRule {
            re: r(
                r"^the clock difference against peer ([0-9a-f]{1,16}) is too high \[([0-9.a-zµ]+) >",
            ),
            build: |c| {
                vec![(
                    None,
                    Kind::ClockSkew {
                        peer: hexid(cap(c, 1)),
                        offset_ms: parse_go_duration_ms(cap(c, 2)),
                    },
                )]
            },
        },
        TextRule {
            re: r(
                r"^dropped internal raft message (?:to|from) ([0-9a-f]{1,16}) since .*buffer is full",
            ),
            build: |c| {
                vec![(
                    None,
                    Kind::BufferFull {
                        peer: hexid(cap(c, 1)),
                        msg_type: None,
                    },
                )]
            },
        },
        TextRule {
            re: r(r"^/health error; no leader"),
            build: |_| vec![(None, Kind::HealthNoLeader)],
        },
        TextRule {
            re: r(r"^reject message from removed member ([0-9a-f]{1,16})"),
            build: |c| {
                vec![(
                    None,
                    Kind::RemovedMemberRejected {
                        member: hexid(cap(c, 1)),
                    },
                )]
            },
        },
        TextRule {
            re: r(
                r"^([0-9a-f]{1,16}) starts leadership transfer from ([0-9a-f]{1,16}) to ([0-9a-f]{1,16})",
            ),
            build: |c| {
                vec![(
                    hexid(cap(c, 1)),
                    Kind::LeaderTransferRequested {
                        from: hexid(cap(c, 2)),
                        to: hexid(cap(c, 3)),
                    },
                )]
            },
        },
        TextRule {
            re: r(
                r"^([0-9a-f]{1,16}) finished leadership transfer from ([0-9a-f]{1,16}) to ([0-9a-f]{1,16})(?: \(took ([0-9.a-zµ]+)\))?",
            ),
            build: |c| {
                vec![(
                    hexid(cap(c, 1)),
                    Kind::LeaderTransferFinished {
                        from: hexid(cap(c, 2)),
                        to: hexid(cap(c, 3)),
                        took_ms: c.get(4).and_then(|m| parse_go_duration_ms(m.as_str())),
                        ok: true,
                    },
                )]
            },
        },
        TextRule {
            re: r(r"^([0-9a-f]{1,16}) failed to transfer leadership"),
            build: |c| {
                vec![(
                    hexid(cap(c, 1)),
                    Kind::LeaderTransferFinished {
                        from: None,
                        to: None,
                        took_ms: None,
                        ok: false,
                    },
                )]
            },
        },
        TextRule {
            // S19 capnslog, on stop: 3.3 `single member cluster`, 3.4 `single voting member
            // cluster`, and a follower's `stopping non-leader member`
            re: r(
                r"^skipped leadership transfer for (?:stopping non-leader member|single member cluster|single voting member cluster)$",
            ),
            build: |_| {
                vec![(
                    None,
                    Kind::ServerStop {
                        step: StopStep::TransferSkipped,
                    },
                )]
            },
        },
        TextRule {
            re: r(r"^received (\S+) signal, shutting down"),
            build: |c| {
                vec![(
                    None,
                    Kind::ProcessShutdown {
                        signal: Some(cap(c, 1).to_string()),
                    },
                )]
            },
        },
    ]
});

static TEXT_NOT_EVENTS: &[(&str, &str)] = &[
    ("server is likely overloaded", "server_overloaded"),
    (
        "established a TCP streaming connection",
        "stream_established",
    ),
];

/// 3.2.23+/3.3.1+/3.4 capnslog S03: `[read-only range ]request "<req>" with result
/// "<result>" took too long (<d>) to execute` (result `error:<err>` on failure). Read by
/// hand: the request and result are free text with escaped quotes, which a regex can
/// only take apart by backtracking, and a struggling cluster logs this line for every
/// slow request.
pub(crate) fn slow_request(msg: &str) -> Option<Vec<ServerEvent>> {
    use memchr::memmem::FinderRev;
    const WITH: &str = "\" with result \"";
    const TOOK: &str = "\" took too long (";
    static F_EXEC: LazyLock<FinderRev<'static>> = LazyLock::new(|| FinderRev::new(") to execute"));
    static F_TOOK: LazyLock<FinderRev<'static>> = LazyLock::new(|| FinderRev::new(TOOK));
    static F_WITH: LazyLock<FinderRev<'static>> = LazyLock::new(|| FinderRev::new(WITH));
    let rest = msg.strip_prefix("read-only range ").unwrap_or(msg);
    let rest = rest.strip_prefix("request \"")?;
    // the finders return byte offsets of ASCII text, always on character boundaries
    let tail = &rest[..F_EXEC.rfind(rest)?];
    let p = F_TOOK.rfind(tail)?;
    let took = &tail[p + TOOK.len()..];
    let before = &tail[..p];
    let result = &before[F_WITH.rfind(before)? + WITH.len()..];
    let err = result.strip_prefix("error:").map(str::to_string);
    let mut out = vec![(
        None,
        Kind::SlowApply {
            took_ms: parse_go_duration_ms(took),
            error: err.clone(),
        },
    )];
    if let Some(e) = err.filter(|e| leader_trouble(e)) {
        out.push((None, Kind::RequestFailed { error: e }));
    }
    Some(out)
}

/// All of [`TEXT_RULES`] at once: one pass over a line finds the rule that matches.
static TEXT_SET: LazyLock<RegexSet> =
    LazyLock::new(|| RegexSet::new(TEXT_RULES.iter().map(|r| r.re.as_str())).unwrap());

/// Match a capnslog / journald / Go-log server message by its text.
pub fn parse_text(msg: &str) -> Option<ServerOutcome> {
    let msg = msg.trim_end();
    if let Some(v) = slow_request(msg) {
        return Some(ServerOutcome::Events(v));
    }
    // the first rule (in order) that matches, as a loop over the rules would find
    if let Some(i) = TEXT_SET.matches(msg).iter().next() {
        let rule = &TEXT_RULES[i];
        if let Some(c) = rule.re.captures(msg) {
            return Some(ServerOutcome::Events((rule.build)(&c)));
        }
    }
    for (pat, name) in TEXT_NOT_EVENTS {
        if msg.contains(pat) {
            return Some(ServerOutcome::NotEvent(name));
        }
    }
    // v2 HTTP API errors and other lines that carry the leader-trouble strings
    for s in [
        "etcdserver: request timed out",
        "etcdserver: leader changed",
        "etcdserver: no leader",
    ] {
        if let Some(p) = msg.find(s) {
            let err = msg[p..]
                .split(" [merged")
                .next()
                .unwrap_or(s)
                .trim()
                .to_string();
            return Some(ServerOutcome::Events(vec![(
                None,
                Kind::RequestFailed { error: err },
            )]));
        }
    }
    None
}

/// Literals that every server message above contains at least one of (prefilter).
pub const KEYWORDS: &[&str] = &[
    "Running: ",
    "now serving",
    "published",
    "etcd server",
    " member",
    "fast-forwarding",
    "heartbeat",
    "fdatasync",
    "sync duration",
    "took too long",
    "ReadIndex",
    "read index",
    "streaming connection",
    "prober",
    "health check",
    "clock difference",
    "buffer is full",
    "/health",
    "signal",
    "skipped leadership transfer",
    "etcd Version",
    "name = ",
    "initial cluster",
    "advertise",
    "starting server",
    "request timed out",
    "overloaded",
    " on stream",
    " on pipeline",
    "snapshot",
    "compaction",
    "defragment",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn text(msg: &str) -> Vec<ServerEvent> {
        match parse_text(msg) {
            Some(ServerOutcome::Events(v)) => v,
            o => panic!("{msg}: {o:?}"),
        }
    }

    #[test]
    fn capnslog_heartbeat_forms() {
        for m in [
            "failed to send out heartbeat on time (exceeded the 100ms timeout for 1.271866402s, to 91bc3c398fb3c146)",
            "failed to send out heartbeat on time (exceeded the 100ms timeout for 288.915798ms)",
            "failed to send out heartbeat on time (deadline exceeded for 185.938874ms)",
        ] {
            let v = text(m);
            assert!(matches!(v[0].1, Kind::HeartbeatOverrun { exceeded_ms: Some(_), .. }), "{m}");
        }
    }

    #[test]
    fn identity_lines() {
        let v = text("starting member 8e9e05c52164694d in cluster cdf818194e3a8c32");
        assert_eq!(v[0].0, Some(0x8e9e05c52164694d));
        let v = text("published {Name:infra1 ClientURLs:[http://127.0.0.1:2379]} to cluster cdf818194e3a8c32");
        assert!(
            matches!(&v[0].1, Kind::MemberIdentity(id) if id.name.as_deref() == Some("infra1"))
        );
        let v = text("added member 91bc3c398fb3c146 [http://127.0.0.1:22380] to cluster cdf818194e3a8c32 from store");
        assert!(matches!(
            &v[0].1,
            Kind::MemberChange {
                from_store: true,
                ..
            }
        ));
    }

    #[test]
    fn slow_apply_with_leader_changed() {
        let v = text(
            r#"read-only range request "key:\"/registry/pods/default/web-0\" " with result "error:etcdserver: leader changed" took too long (1.062730115s) to execute"#,
        );
        assert_eq!(v.len(), 2);
        assert!(
            matches!(&v[1].1, Kind::RequestFailed { error } if error == "etcdserver: leader changed")
        );
    }
}
