//! Which strings name the same member: one member gets one pseudonym whether it is
//! called by its name, by a fully qualified host name, by the name a metrics file or an
//! `etcdctl` output gives it, or by the host of its own URLs.

use crate::event::{hex, Kind};
use crate::model::Analysis;
use std::collections::BTreeMap;

/// The spellings of one member.
#[derive(Debug, Default)]
pub(super) struct Member {
    /// Names, in the order they were met (the report's name first).
    pub names: Vec<String>,
    /// Its own peer and client URLs.
    pub urls: Vec<String>,
}

impl Member {
    fn add_name(&mut self, n: &str) {
        if !n.is_empty() && !self.names.iter().any(|x| x == n) {
            self.names.push(n.to_string());
        }
    }
}

/// Members in report order (keyed by hex id), then names no id is known for; each
/// name belongs to the first member that has it.
pub(super) fn spellings(a: &Analysis) -> Vec<Member> {
    let mut by_id: BTreeMap<String, usize> = BTreeMap::new();
    let mut out: Vec<Member> = Vec::new();
    let mut slot = |id: &str, out: &mut Vec<Member>| -> usize {
        *by_id.entry(id.to_ascii_lowercase()).or_insert_with(|| {
            out.push(Member::default());
            out.len() - 1
        })
    };
    for n in &a.report.nodes {
        let i = slot(&n.id, &mut out);
        if let Some(nm) = &n.name {
            out[i].add_name(nm);
        }
        out[i]
            .urls
            .extend(n.peer_urls.iter().chain(&n.client_urls).cloned());
    }
    for (id, n) in &a.names {
        let i = slot(&hex(*id), &mut out);
        out[i].add_name(n);
    }
    // initial-cluster entries name a member and its peer URL, but not its id
    let mut loose: Vec<(String, String)> = Vec::new();
    for e in &a.events {
        let Kind::MemberIdentity(ident) = &e.kind else {
            continue;
        };
        if let Some(id) = e.node {
            let i = slot(&hex(id), &mut out);
            if let Some(n) = &ident.name {
                out[i].add_name(n);
            }
            out[i]
                .urls
                .extend(ident.peer_urls.iter().chain(&ident.client_urls).cloned());
        }
        loose.extend(ident.initial_cluster.iter().cloned());
    }
    if let Some(m) = &a.metrics {
        let named = m
            .members
            .iter()
            .map(|x| (&x.id, &x.name))
            .chain(m.status.iter().map(|x| (&x.id, &x.name)));
        for (id, n) in named {
            if let (Some(id), Some(n)) = (id, n) {
                let i = slot(id, &mut out);
                out[i].add_name(n);
            }
        }
        for x in &m.member_list {
            let i = slot(&x.id, &mut out);
            out[i].add_name(&x.name);
            out[i]
                .urls
                .extend(x.peer_urls.iter().chain(&x.client_urls).cloned());
        }
    }
    for (n, u) in loose {
        if n.is_empty() {
            continue;
        }
        let i = match out.iter().position(|m| m.names.contains(&n)) {
            Some(i) => i,
            None => {
                out.push(Member::default());
                out.len() - 1
            }
        };
        out[i].add_name(&n);
        out[i].urls.push(u);
    }
    out
}

/// A name that is a host name with a domain (`master-0.prod.example.com`), not an
/// address: it gives the domain away, so it is redacted like a host.
pub(super) fn is_qualified_host(n: &str) -> bool {
    let labels: Vec<&str> = n.trim_end_matches('.').split('.').collect();
    labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        && labels
            .last()
            .is_some_and(|t| t.len() >= 2 && t.chars().all(|c| c.is_ascii_alphabetic()))
}

/// The host is a spelling of one of `names`: equal to a name, or a name followed by
/// its domain (`master-1` → `master-1.prod.example.com`).
pub(super) fn host_spells(host: &str, names: &[String]) -> bool {
    let h = host.to_ascii_lowercase();
    let first = h.split('.').next().unwrap_or("");
    names.iter().any(|n| {
        let n = n.to_ascii_lowercase();
        n == h || n == first
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualified_hosts() {
        assert!(is_qualified_host("master-0.prod.acme-corp.example.com"));
        assert!(is_qualified_host("etcd-0.etcd"));
        assert!(!is_qualified_host("n1"));
        assert!(!is_qualified_host("10.0.0.1"));
        assert!(!is_qualified_host("etcd.1"));
        assert!(!is_qualified_host("a b.com"));
    }

    #[test]
    fn spellings_of_a_host() {
        let names = vec!["master-1".to_string()];
        assert!(host_spells("master-1.prod.example.com", &names));
        assert!(host_spells("MASTER-1", &names));
        assert!(!host_spells("master-10.prod.example.com", &names));
        assert!(!host_spells("prod.master-1.example.com", &names));
    }
}
