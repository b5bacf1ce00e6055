//! `etcdctl endpoint status -w json|table` and `etcdctl member list -w json|table`.
//!
//! etcdctl's JSON writes ids as decimal `uint64` numbers (`"member_id":
//! 12243565369039149617`); raftlog turns them into lower-case hex strings as etcd prints
//! them in logs (`a9e9e1d57dda5a31`, no leading zeros). Some tools (grpc-gateway,
//! `jsonpb`) write the numbers as decimal strings; both are accepted. A leader of 0 or
//! no leader field means "no leader". Tables are parsed by their header row, so the
//! column sets of etcdctl 3.3, 3.4/3.5 and 3.6 all work.

use crate::time::Instant;
use serde::Serialize;
use serde_json::Value;

/// One endpoint of an `etcdctl endpoint status` output.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct EndpointStatus {
    /// The endpoint URL as etcdctl printed it.
    pub endpoint: String,
    /// Member id (hex).
    pub id: Option<String>,
    /// Member name, when a member list or name map tells it (filled by the analysis).
    pub name: Option<String>,
    /// Cluster id (hex), JSON only.
    pub cluster_id: Option<String>,
    /// etcd version.
    pub version: Option<String>,
    /// DB size in bytes (JSON exact; tables print it rounded, e.g. `33 kB`).
    pub db_size_bytes: Option<u64>,
    /// DB size in use, bytes (3.4+ JSON).
    pub db_size_in_use_bytes: Option<u64>,
    /// The leader this endpoint knows (hex), null when none or unknown (tables only say
    /// whether the endpoint itself leads).
    pub leader: Option<String>,
    /// Whether this endpoint knows a leader: false when the JSON has no (or a zero)
    /// leader; null for table rows that are not the leader (tables do not say).
    pub has_leader: Option<bool>,
    /// Whether this endpoint is the leader.
    pub is_leader: Option<bool>,
    /// Whether this endpoint is a learner.
    pub is_learner: Option<bool>,
    /// Raft term.
    pub raft_term: Option<u64>,
    /// Raft index.
    pub raft_index: Option<u64>,
    /// Raft applied index.
    pub raft_applied_index: Option<u64>,
    /// MVCC revision (JSON header).
    pub revision: Option<u64>,
    /// Errors the endpoint reported (alarms such as `NOSPACE`).
    pub errors: Vec<String>,
    /// The input this came from.
    pub input: String,
    /// When the snapshot was taken, when known (explicit time or file mtime).
    pub time: Option<Instant>,
}

/// One member of `etcdctl member list`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ListedMember {
    /// Member id (hex).
    pub id: String,
    /// Member name (empty for a member that has not started yet).
    pub name: String,
    /// Peer URLs.
    pub peer_urls: Vec<String>,
    /// Client URLs.
    pub client_urls: Vec<String>,
    /// Learner (non-voting) member.
    pub is_learner: bool,
    /// The input this came from.
    pub input: String,
}

/// A problem with a status or member-list input.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct StatusError(pub String);

/// A decimal id (number or string) as lower-case hex; 0 means none.
pub fn hex_id(v: &Value) -> Option<String> {
    let n = match v {
        Value::Number(n) => n.as_u64()?,
        Value::String(s) => {
            let s = s.trim();
            s.parse::<u64>().ok()?
        }
        _ => return None,
    };
    if n == 0 {
        None
    } else {
        Some(format!("{n:x}"))
    }
}

fn num(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn text(v: Option<&Value>) -> Option<String> {
    v.and_then(|x| x.as_str()).map(|s| s.to_string())
}

fn get<'a>(v: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().find_map(|k| v.get(*k))
}

/// Parse `etcdctl endpoint status -w json` (an array of `{"Endpoint", "Status"}`; a
/// single object is accepted too).
pub fn parse_endpoint_status_json(
    s: &str,
    input: &str,
) -> Result<Vec<EndpointStatus>, StatusError> {
    let v: Value = serde_json::from_str(s.trim_start_matches('\u{feff}'))
        .map_err(|e| StatusError(format!("invalid JSON: {e}")))?;
    let items: Vec<&Value> = match &v {
        Value::Array(a) => a.iter().collect(),
        Value::Object(_) => vec![&v],
        _ => {
            return Err(StatusError(
                "expected a JSON array of endpoint statuses".into(),
            ))
        }
    };
    let mut out = Vec::new();
    for it in items {
        let st = match get(it, &["Status", "status"]) {
            Some(s) if s.is_object() => s,
            _ => return Err(StatusError(
                "an entry has no \"Status\" object (is this `etcdctl endpoint status -w json`?)"
                    .into(),
            )),
        };
        let header = st.get("header");
        let id = header.and_then(|h| h.get("member_id")).and_then(hex_id);
        let leader = st.get("leader").and_then(hex_id);
        let raft_term = num(get(st, &["raftTerm", "raft_term"]))
            .or_else(|| num(header.and_then(|h| h.get("raft_term"))));
        let errors = match st.get("errors") {
            Some(Value::Array(a)) => a
                .iter()
                .map(|e| {
                    e.as_str()
                        .map(|s| s.to_string())
                        .unwrap_or_else(|| e.to_string())
                })
                .collect(),
            _ => Vec::new(),
        };
        out.push(EndpointStatus {
            endpoint: text(get(it, &["Endpoint", "endpoint"])).unwrap_or_default(),
            has_leader: Some(leader.is_some()),
            is_leader: match (&id, &leader) {
                (Some(i), Some(l)) => Some(i == l),
                (Some(_), None) => Some(false),
                _ => None,
            },
            id,
            name: None,
            cluster_id: header.and_then(|h| h.get("cluster_id")).and_then(hex_id),
            version: text(st.get("version")),
            db_size_bytes: num(get(st, &["dbSize", "db_size"])),
            db_size_in_use_bytes: num(get(st, &["dbSizeInUse", "db_size_in_use"])),
            leader,
            is_learner: st
                .get("isLearner")
                .and_then(|b| b.as_bool())
                .or(Some(false)),
            raft_term,
            raft_index: num(get(st, &["raftIndex", "raft_index"])),
            raft_applied_index: num(get(st, &["raftAppliedIndex", "raft_applied_index"])),
            revision: num(header.and_then(|h| h.get("revision"))),
            errors,
            input: input.to_string(),
            time: None,
        });
    }
    Ok(out)
}

/// Parse `etcdctl member list -w json`.
pub fn parse_member_list_json(s: &str, input: &str) -> Result<Vec<ListedMember>, StatusError> {
    let v: Value = serde_json::from_str(s.trim_start_matches('\u{feff}'))
        .map_err(|e| StatusError(format!("invalid JSON: {e}")))?;
    let members = match v.get("members") {
        Some(Value::Array(a)) => a,
        _ => {
            return Err(StatusError(
                "no \"members\" array (is this `etcdctl member list -w json`?)".into(),
            ))
        }
    };
    let urls = |m: &Value, k: &[&str]| -> Vec<String> {
        match get(m, k) {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|u| u.as_str().map(String::from))
                .collect(),
            _ => Vec::new(),
        }
    };
    let mut out = Vec::new();
    for m in members {
        let Some(id) = get(m, &["ID", "id"]).and_then(hex_id) else {
            continue;
        };
        out.push(ListedMember {
            id,
            name: text(m.get("name")).unwrap_or_default(),
            peer_urls: urls(m, &["peerURLs", "peer_urls"]),
            client_urls: urls(m, &["clientURLs", "client_urls"]),
            is_learner: get(m, &["isLearner", "is_learner"])
                .and_then(|b| b.as_bool())
                .unwrap_or(false),
            input: input.to_string(),
        });
    }
    Ok(out)
}

/// The cells of an ASCII table (`+---+` rules, `| a | b |` rows); the first row is the
/// header. Lines that are neither are ignored.
fn table_rows(s: &str) -> Vec<Vec<String>> {
    s.lines()
        .map(|l| l.trim())
        .filter(|l| l.starts_with('|') && l.ends_with('|') && l.len() >= 2)
        .map(|l| {
            l[1..l.len() - 1]
                .split('|')
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect()
}

fn col(header: &[String], names: &[&str]) -> Option<usize> {
    header
        .iter()
        .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
}

/// Bytes from a size as go-humanize prints it (`33 kB`, `1.2 MB`, `20 MiB`, `512 B`).
pub fn parse_human_bytes(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (n, unit) = s.split_at(split);
    let n: f64 = n.parse().ok()?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "tb" => 1e12,
        "pb" => 1e15,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "tib" => 1024f64.powi(4),
        _ => return None,
    };
    let b = (n * mult).round();
    if b.is_finite() && b >= 0.0 {
        Some(b as u64)
    } else {
        None
    }
}

/// Parse `etcdctl endpoint status -w table` by its header (ENDPOINT, ID, VERSION, DB SIZE,
/// IS LEADER, IS LEARNER, RAFT TERM, RAFT INDEX, RAFT APPLIED INDEX, ERRORS; missing
/// columns are null).
pub fn parse_endpoint_status_table(
    s: &str,
    input: &str,
) -> Result<Vec<EndpointStatus>, StatusError> {
    let rows = table_rows(s);
    let Some((header, body)) = rows.split_first() else {
        return Err(StatusError("no table rows".into()));
    };
    let c_ep = col(header, &["ENDPOINT"])
        .ok_or_else(|| StatusError("table has no ENDPOINT column".into()))?;
    let c_id = col(header, &["ID"]);
    let c_ver = col(header, &["VERSION"]);
    let c_db = col(header, &["DB SIZE"]);
    let c_inuse = col(header, &["IN USE", "DB SIZE IN USE"]);
    let c_lead = col(header, &["IS LEADER"]);
    let c_learn = col(header, &["IS LEARNER"]);
    let c_term = col(header, &["RAFT TERM"]);
    let c_idx = col(header, &["RAFT INDEX"]);
    let c_app = col(header, &["RAFT APPLIED INDEX"]);
    let c_err = col(header, &["ERRORS"]);
    let cell = |r: &Vec<String>, c: Option<usize>| -> Option<String> {
        c.and_then(|c| r.get(c)).filter(|s| !s.is_empty()).cloned()
    };
    let mut out = Vec::new();
    for r in body {
        let Some(ep) = cell(r, Some(c_ep)) else {
            continue;
        };
        if r.len() != header.len() {
            continue;
        }
        let is_leader = cell(r, c_lead).and_then(|s| s.parse::<bool>().ok());
        let id = cell(r, c_id).map(|s| s.to_ascii_lowercase());
        out.push(EndpointStatus {
            endpoint: ep,
            leader: match is_leader {
                Some(true) => id.clone(),
                _ => None,
            },
            id,
            has_leader: if is_leader == Some(true) {
                Some(true)
            } else {
                None
            },
            version: cell(r, c_ver),
            db_size_bytes: cell(r, c_db).and_then(|s| parse_human_bytes(&s)),
            db_size_in_use_bytes: cell(r, c_inuse).and_then(|s| parse_human_bytes(&s)),
            is_leader,
            is_learner: cell(r, c_learn).and_then(|s| s.parse::<bool>().ok()),
            raft_term: cell(r, c_term).and_then(|s| s.parse().ok()),
            raft_index: cell(r, c_idx).and_then(|s| s.parse().ok()),
            raft_applied_index: cell(r, c_app).and_then(|s| s.parse().ok()),
            errors: cell(r, c_err)
                .map(|s| s.split(", ").map(String::from).collect())
                .unwrap_or_default(),
            input: input.to_string(),
            ..Default::default()
        });
    }
    Ok(out)
}

/// Parse `etcdctl member list -w table` (ID, STATUS, NAME, PEER ADDRS, CLIENT ADDRS,
/// IS LEARNER).
pub fn parse_member_list_table(s: &str, input: &str) -> Result<Vec<ListedMember>, StatusError> {
    let rows = table_rows(s);
    let Some((header, body)) = rows.split_first() else {
        return Err(StatusError("no table rows".into()));
    };
    let c_id = col(header, &["ID"]).ok_or_else(|| StatusError("table has no ID column".into()))?;
    let c_name = col(header, &["NAME"]);
    let c_peer = col(header, &["PEER ADDRS"]);
    let c_client = col(header, &["CLIENT ADDRS"]);
    let c_learn = col(header, &["IS LEARNER"]);
    let split = |s: Option<&String>| -> Vec<String> {
        s.map(|s| {
            s.split(',')
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect()
        })
        .unwrap_or_default()
    };
    let mut out = Vec::new();
    for r in body {
        if r.len() != header.len() {
            continue;
        }
        let id = r[c_id].to_ascii_lowercase();
        if id.is_empty() || !id.bytes().all(|c| c.is_ascii_hexdigit()) {
            continue;
        }
        out.push(ListedMember {
            id,
            name: c_name.and_then(|c| r.get(c)).cloned().unwrap_or_default(),
            peer_urls: split(c_peer.and_then(|c| r.get(c))),
            client_urls: split(c_client.and_then(|c| r.get(c))),
            is_learner: c_learn.and_then(|c| r.get(c)).is_some_and(|s| s == "true"),
            input: input.to_string(),
        });
    }
    Ok(out)
}

/// What a set of endpoint statuses says about the cluster: the highest term seen and
/// the leader at that term.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StatusSummary {
    /// Highest raft term any endpoint reported.
    pub term: Option<u64>,
    /// The leader at that term: what the endpoints at that term report (the most
    /// common non-zero `leader`), or the one table row that says IS LEADER.
    pub leader: Option<String>,
    /// The leader's name when known.
    pub leader_name: Option<String>,
    /// Endpoints at that term that disagree about the leader (hex ids of the endpoints).
    pub disagreeing: Vec<String>,
    /// Endpoints whose latest status shows no leader (their id, else the endpoint URL).
    pub without_leader: Vec<String>,
}

/// The latest status of each endpoint (highest term, then index, then time; the later
/// entry on ties), in endpoint order.
pub fn latest_per_endpoint(entries: &[EndpointStatus]) -> Vec<&EndpointStatus> {
    let mut best: std::collections::BTreeMap<&str, (usize, &EndpointStatus)> = Default::default();
    for (i, e) in entries.iter().enumerate() {
        let key = |x: &EndpointStatus, i: usize| (x.raft_term, x.raft_index, x.time, i);
        match best.get(e.endpoint.as_str()) {
            Some((j, cur)) if key(cur, *j) >= key(e, i) => {}
            _ => {
                best.insert(e.endpoint.as_str(), (i, e));
            }
        }
    }
    best.into_values().map(|(_, e)| e).collect()
}

/// Summarise endpoint statuses (typically the latest snapshot).
pub fn summarize(entries: &[EndpointStatus]) -> StatusSummary {
    let term = entries.iter().filter_map(|e| e.raft_term).max();
    let at: Vec<&EndpointStatus> = entries
        .iter()
        .filter(|e| term.is_none() || e.raft_term == term)
        .collect();
    let mut votes: std::collections::BTreeMap<&str, usize> = Default::default();
    for e in &at {
        if let Some(l) = &e.leader {
            *votes.entry(l.as_str()).or_default() += 1;
        }
    }
    let leader = votes
        .iter()
        .max_by_key(|(l, n)| (**n, std::cmp::Reverse(**l)))
        .map(|(l, _)| l.to_string());
    let disagreeing = at
        .iter()
        .filter(|e| e.leader.is_some() && e.leader != leader)
        .filter_map(|e| e.id.clone())
        .collect();
    let leader_name = leader.as_ref().and_then(|l| {
        entries
            .iter()
            .find(|e| e.id.as_ref() == Some(l))
            .and_then(|e| e.name.clone())
    });
    let without_leader = latest_per_endpoint(entries)
        .into_iter()
        .filter(|e| e.has_leader == Some(false))
        .map(|e| e.id.clone().unwrap_or_else(|| e.endpoint.clone()))
        .collect();
    StatusSummary {
        term,
        leader,
        leader_name,
        disagreeing,
        without_leader,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_become_hex() {
        assert_eq!(
            hex_id(&serde_json::json!(12243565369039149617u64)).as_deref(),
            Some("a9e9e1d57dda5a31")
        );
        assert_eq!(
            hex_id(&serde_json::json!("7184089059825315031")).as_deref(),
            Some("63b302efdda86cd7")
        );
        assert_eq!(hex_id(&serde_json::json!(0)), None);
        assert_eq!(hex_id(&serde_json::json!(-1)), None);
        assert_eq!(hex_id(&serde_json::json!(1.5)), None);
    }

    #[test]
    fn human_bytes() {
        assert_eq!(parse_human_bytes("20 kB"), Some(20_000));
        assert_eq!(parse_human_bytes("1.2 MB"), Some(1_200_000));
        assert_eq!(parse_human_bytes("512 B"), Some(512));
        assert_eq!(parse_human_bytes("2 MiB"), Some(2 * 1024 * 1024));
        assert_eq!(parse_human_bytes("x"), None);
    }

    #[test]
    fn table_3_3_and_3_6_headers() {
        let t33 = "+----------------+------------------+---------+---------+-----------+-----------+------------+
|    ENDPOINT    |        ID        | VERSION | DB SIZE | IS LEADER | RAFT TERM | RAFT INDEX |
+----------------+------------------+---------+---------+-----------+-----------+------------+
| 127.0.0.1:2379 | 8e9e05c52164694d |  3.3.27 |   20 kB |      true |         2 |          4 |
+----------------+------------------+---------+---------+-----------+-----------+------------+
";
        let v = parse_endpoint_status_table(t33, "t").unwrap();
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].raft_term, Some(2));
        assert_eq!(v[0].leader.as_deref(), Some("8e9e05c52164694d"));
        assert_eq!(v[0].raft_applied_index, None);
        let t36 = "+----------------+------------------+---------+-----------------+---------+--------+-----------------------+-------+-----------+------------+-----------+------------+--------------------+--------+--------------------------+-------------------+
|    ENDPOINT    |        ID        | VERSION | STORAGE VERSION | DB SIZE | IN USE | PERCENTAGE NOT IN USE | QUOTA | IS LEADER | IS LEARNER | RAFT TERM | RAFT INDEX | RAFT APPLIED INDEX | ERRORS | DOWNGRADE TARGET VERSION | DOWNGRADE ENABLED |
+----------------+------------------+---------+-----------------+---------+--------+-----------------------+-------+-----------+------------+-----------+------------+--------------------+--------+--------------------------+-------------------+
| 127.0.0.1:2379 | 8e9e05c52164694d |   3.6.0 |           3.6.0 |   20 kB |  16 kB |                   20% |   0 B |     false |      false |         7 |         12 |                 12 |        |                          |             false |
+----------------+------------------+---------+-----------------+---------+--------+-----------------------+-------+-----------+------------+-----------+------------+--------------------+--------+--------------------------+-------------------+
";
        let v = parse_endpoint_status_table(t36, "t").unwrap();
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].version.as_deref(), Some("3.6.0"));
        assert_eq!(v[0].db_size_in_use_bytes, Some(16_000));
        assert_eq!(v[0].is_leader, Some(false));
        assert_eq!(v[0].leader, None);
        assert_eq!(v[0].raft_term, Some(7));
        assert!(v[0].errors.is_empty());
    }

    #[test]
    fn summary_majority() {
        let e = |id: &str, leader: &str, term| EndpointStatus {
            id: Some(id.into()),
            leader: if leader.is_empty() {
                None
            } else {
                Some(leader.into())
            },
            raft_term: Some(term),
            ..Default::default()
        };
        let s = summarize(&[
            e("a", "b", 5),
            e("b", "b", 5),
            e("c", "a", 5),
            e("d", "x", 4),
        ]);
        assert_eq!(s.term, Some(5));
        assert_eq!(s.leader.as_deref(), Some("b"));
        assert_eq!(s.disagreeing, vec!["c".to_string()]);
        let s = summarize(&[e("a", "", 3)]);
        assert_eq!(s.leader, None);
    }
}
