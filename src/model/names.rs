//! Members' display names: `--name` first, then names their own lines give, then the
//! initial cluster (`name=peer-url`) through the peer URLs the lines tie to members,
//! then the names a support bundle files a member's log under.

use super::fold::Fold;
use super::machine::Member;
use super::ModelOptions;
use crate::event::{hex, NodeId};
use std::collections::BTreeMap;

/// Names by member, later sources overriding earlier ones.
pub fn resolve(fold: &Fold, opts: &ModelOptions) -> BTreeMap<NodeId, String> {
    let mut names: BTreeMap<NodeId, String> = opts.fallback_names.clone();
    for (nm, url) in &fold.name_to_url {
        if let Some(id) = fold.url_to_id.get(url) {
            names.insert(*id, nm.clone());
        }
    }
    for (id, a) in &fold.members {
        if let Some(nm) = &a.name {
            names.insert(*id, nm.clone());
        }
    }
    for (id, nm) in &opts.names {
        names.insert(*id, nm.clone());
    }
    names
}

/// Complete each member from what others said of it: its name, its peer URLs from
/// member-change lines, its election timeout from ticks × heartbeat.
pub fn complete(
    members: &mut BTreeMap<NodeId, Member>,
    names: &BTreeMap<NodeId, String>,
    url_to_id: &BTreeMap<String, NodeId>,
) {
    for (id, a) in members.iter_mut() {
        if a.name.is_none() {
            a.name = names.get(id).cloned();
        }
        if a.peer_urls.is_empty() {
            for (u, i) in url_to_id {
                if i == id {
                    a.peer_urls.insert(u.clone());
                }
            }
        }
        if a.election.is_none() {
            if let (Some(t), Some(h)) = (a.election_ticks, a.heartbeat) {
                a.election = Some(t as f64 * h);
            }
        }
    }
}

/// A member's name, else its full hex ID (anomaly texts).
pub fn display(names: &BTreeMap<NodeId, String>, id: NodeId) -> String {
    names.get(&id).cloned().unwrap_or_else(|| hex(id))
}

/// Member IDs as hex, named ones first by name, then the others by ID.
pub fn sorted_ids(
    s: &std::collections::BTreeSet<NodeId>,
    names: &BTreeMap<NodeId, String>,
) -> Vec<String> {
    let mut v: Vec<(Option<String>, NodeId)> =
        s.iter().map(|i| (names.get(i).cloned(), *i)).collect();
    v.sort_by(|a, b| (a.0.is_none(), &a.0, a.1).cmp(&(b.0.is_none(), &b.0, b.1)));
    v.into_iter().map(|(_, i)| hex(i)).collect()
}
