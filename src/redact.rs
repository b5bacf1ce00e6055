//! Redaction for outputs that leave the company (`--redact` on every log command).
//!
//! [`Redactor::apply`] rewrites every log-derived string of an [`Analysis`] in place,
//! metrics included, before any writer runs (docs/report.md, "Redaction"):
//!
//! - request keys and values (`key:"/registry/pods/…"`, `range_end:"…"`, `value:"…"`, JSON
//!   `"key"` fields, bare `/registry/…` keys) become `<key-N>` / `<value-N>`;
//! - URLs keep their scheme and port; the host becomes a placeholder and a path or query
//!   becomes `/<path-N>` (discovery URLs carry tokens), user information is dropped;
//! - IPv4 and IPv6 addresses become `<ip-N>`;
//! - host names become `<host-N>` wherever they occur, once they are known from a URL, a
//!   `host:port`, a DNS error (`lookup HOST on …`), a journald/syslog prefix or a
//!   `host`/`hostname` field;
//! - input paths keep their file name and drop the directories (`<dir-N>/` is kept in
//!   front when two inputs have the same file name), and other absolute paths keep only
//!   their last component (`<dir>/data1`);
//! - member names become `member-1`, `member-2`, … only with `--redact-names` (then also
//!   inside texts and file names), one per member whatever its spelling (see
//!   `members`); without it they are kept, except names that are qualified host names.
//!
//! Hex member IDs and cluster IDs are kept: they are not secrets and tie the report to
//! `etcdctl` output. Placeholders are stable: the same host, address, URL or key maps to
//! the same placeholder everywhere in the document (and across analyses redacted by the
//! same [`Redactor`]).

use crate::event::Kind;
use crate::model::Analysis;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::{Captures, Regex};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

mod members;
mod metrics;

/// Rewrites log-derived strings with stable placeholders.
#[derive(Debug, Default)]
pub struct Redactor {
    redact_names: bool,
    /// (kind, original) → placeholder.
    map: BTreeMap<(&'static str, String), String>,
    /// Next number per kind.
    next: BTreeMap<&'static str, usize>,
    /// Known host names (lower case).
    hosts: BTreeSet<String>,
    /// Member names → `member-N` (only with `redact_names`).
    names: BTreeMap<String, String>,
    /// Member names kept as they are (without `redact_names`): never taken for hosts.
    kept_names: BTreeSet<String>,
    /// Input names as given → redacted.
    inputs: BTreeMap<String, String>,
    host_ac: Option<(AhoCorasick, Vec<String>)>,
    name_ac: Option<(AhoCorasick, Vec<String>)>,
    input_ac: Option<(AhoCorasick, Vec<String>)>,
}

static PLACEHOLDER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"<[a-z]+-\d+>|<dir>|<userinfo>").unwrap());
static KEY_ESCAPED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\b(key|range_end|value|prev_key)(\s*:\s*)\\"(.*?)\\""#).unwrap()
});
static KEY_PLAIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\b(key|range_end|value|prev_key)(\s*:\s*)"((?:[^"\\]|\\.)*)""#).unwrap()
});
static KEY_JSON: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#""(key|range_end|range-end|value)"(\s*:\s*)"((?:[^"\\]|\\.)*)""#).unwrap()
});
static KEY_BARE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"/(?:registry|kubernetes\.io|openshift\.io)/[^\s"'\\<>,;)\]]*"#).unwrap()
});
static URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)\b([a-z][a-z0-9+.-]*)://(?:([^\s"'<>\\/@|`]*)@)?(\[[0-9a-z:.%]+\]|[^\s"'<>\\/:,;|`?#()\[\]]*)(:\d{1,5})?([/?#][^\s"'<>\\,;|`)\]]*)?"#,
    )
    .unwrap()
});
static IPV6: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:[0-9a-f]{0,4}:){2,7}(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f]{0,4})").unwrap()
});
static IPV4: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\d{1,3}(?:\.\d{1,3}){3}").unwrap());
static HOST_PORT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?:^|[\s"'=(@,\[])((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]{0,62}):\d{1,5}\b"#,
    )
    .unwrap()
});
static LOOKUP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\blookup ([A-Za-z0-9][A-Za-z0-9.-]*) on\b").unwrap());
static SYSLOG_HOST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:[A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2}(?:\.\d+)?|\d{4}-\d{2}-\d{2}T\S+) ([A-Za-z0-9][A-Za-z0-9._-]*) [A-Za-z0-9_./-]+(?:\[\d+\])?: ",
    )
    .unwrap()
});
static HOST_FIELD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#""(?:host|hostname|_HOSTNAME|nodename|node_name|nodeName)"\s*:\s*"([^"\\]+)""#)
        .unwrap()
});
static ABS_PATH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(^|[\s"'=(\[,])(/(?:[^/\s"'\\,;)\]<>]+/)+)([^/\s"'\\,;)\]<>]*)"#).unwrap()
});

/// File extensions that make `name.ext:NNN` a source position, not `host:port`.
const FILE_EXT: &[&str] = &[
    "go", "log", "txt", "json", "gz", "yaml", "yml", "sh", "py", "rs", "c", "h", "proto", "conf",
    "md", "toml", "js", "java",
];

fn is_ipv4(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.parse::<u16>().is_ok_and(|v| v <= 255))
}

fn is_ipv6(s: &str) -> bool {
    let s = s.trim_start_matches('[').trim_end_matches(']');
    let s = s.split('%').next().unwrap_or(s);
    let colons = s.matches(':').count();
    (s.contains("::") || colons == 7)
        && s.chars().any(|c| c.is_ascii_hexdigit())
        && s.parse::<std::net::Ipv6Addr>().is_ok()
}

fn host_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// Apply `f` to the parts of `s` that are not placeholders already.
fn outside_placeholders(s: &str, mut f: impl FnMut(&str) -> String) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for m in PLACEHOLDER.find_iter(s) {
        out.push_str(&f(&s[last..m.start()]));
        out.push_str(m.as_str());
        last = m.end();
    }
    out.push_str(&f(&s[last..]));
    out
}

fn build_ac(words: impl Iterator<Item = String>, ci: bool) -> Option<(AhoCorasick, Vec<String>)> {
    let mut v: Vec<String> = words.filter(|w| !w.is_empty()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    v.dedup();
    let ac = AhoCorasickBuilder::new()
        .match_kind(MatchKind::LeftmostLongest)
        .ascii_case_insensitive(ci)
        .build(&v)
        .ok()?;
    Some((ac, v))
}

/// Where a word found by an automaton may stand.
#[derive(Clone, Copy)]
enum Bounds {
    /// A host name in text: a whole token, not followed by `.` + alphanumeric (a longer
    /// host name), but it may follow a dot.
    Host,
    /// A member name in text: a whole token.
    Name,
    /// Inside a file name, where `-`, `_` and `.` join words
    /// (`metrics-master-2.prod.example.com.txt`).
    FileName,
}

/// Replace the occurrences of the automaton's words that stand within `bounds`.
fn replace_tokens(
    s: &str,
    ac: &(AhoCorasick, Vec<String>),
    bounds: Bounds,
    mut repl: impl FnMut(&str) -> Option<String>,
) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for m in ac.0.find_iter(s) {
        let before = s[..m.start()].chars().next_back();
        let after_str = &s[m.end()..];
        let mut after = after_str.chars();
        let a1 = after.next();
        let a2 = after.next();
        let ok = match bounds {
            Bounds::FileName => {
                before.is_none_or(|c| !c.is_ascii_alphanumeric() && c != '<')
                    && a1.is_none_or(|c| !c.is_ascii_alphanumeric())
            }
            Bounds::Host | Bounds::Name => {
                before.is_none_or(|c| !host_char(c) && c != '<')
                    && match a1 {
                        None => true,
                        Some(c) if host_char(c) => false,
                        Some('.') if matches!(bounds, Bounds::Host) => {
                            !a2.is_some_and(|c| c.is_ascii_alphanumeric())
                        }
                        Some(_) => true,
                    }
            }
        };
        if !ok {
            continue;
        }
        let Some(r) = repl(&s[m.start()..m.end()]) else {
            continue;
        };
        out.push_str(&s[last..m.start()]);
        out.push_str(&r);
        last = m.end();
    }
    out.push_str(&s[last..]);
    out
}

impl Redactor {
    /// A redactor; `redact_names` also replaces member names (`member-1`, …).
    pub fn new(redact_names: bool) -> Self {
        Redactor {
            redact_names,
            ..Default::default()
        }
    }

    fn placeholder(&mut self, kind: &'static str, value: &str) -> String {
        let key = (kind, value.to_string());
        if let Some(p) = self.map.get(&key) {
            return p.clone();
        }
        let n = self.next.entry(kind).or_insert(0);
        *n += 1;
        let p = format!("<{kind}-{n}>");
        self.map.insert(key, p.clone());
        p
    }

    fn host_placeholder(&mut self, host: &str) -> String {
        let h = host.trim_start_matches('[').trim_end_matches(']');
        if is_ipv4(h) || is_ipv6(h) {
            self.placeholder("ip", &h.to_ascii_lowercase())
        } else {
            self.placeholder("host", &h.to_ascii_lowercase())
        }
    }

    /// Learn a host name (not an IP address, not a kept member name).
    fn learn_host(&mut self, h: &str) {
        let h = h.trim().trim_end_matches('.');
        if h.is_empty() || h.len() > 253 || h.starts_with('<') || h.contains(['/', ' ']) {
            return;
        }
        if is_ipv4(h) || is_ipv6(h) || h.chars().all(|c| c.is_ascii_digit() || c == '.') {
            return;
        }
        if self.kept_names.contains(h) {
            return;
        }
        self.hosts.insert(h.to_ascii_lowercase());
    }

    /// Collect host names from one string.
    fn scan(&mut self, s: &str) {
        let mut found: Vec<String> = Vec::new();
        for c in URL.captures_iter(s) {
            if let Some(h) = c.get(3) {
                found.push(h.as_str().to_string());
            }
        }
        for c in HOST_PORT.captures_iter(s) {
            let h = &c[1];
            let ext = h.rsplit('.').next().unwrap_or("");
            if !FILE_EXT.contains(&ext.to_ascii_lowercase().as_str()) {
                found.push(h.to_string());
            }
        }
        for c in LOOKUP.captures_iter(s) {
            found.push(c[1].to_string());
        }
        if let Some(c) = SYSLOG_HOST.captures(s) {
            found.push(c[1].to_string());
        }
        for c in HOST_FIELD.captures_iter(s) {
            found.push(c[1].to_string());
        }
        for h in found {
            self.learn_host(&h);
        }
    }

    fn input_name(&self, name: &str, all: &[String]) -> String {
        if name == "<stdin>" || name == "-" {
            return name.to_string();
        }
        let split = |n: &str| -> (String, String) {
            let t = n.trim_end_matches(['/', '\\']);
            match t.rfind(['/', '\\']) {
                Some(i) => (t[..i].to_string(), t[i + 1..].to_string()),
                None => (String::new(), t.to_string()),
            }
        };
        let (dir, base) = split(name);
        let same: BTreeSet<String> = all
            .iter()
            .map(|n| split(n))
            .filter(|(_, b)| *b == base)
            .map(|(d, _)| d)
            .collect();
        if same.len() <= 1 {
            base
        } else {
            let k = same.iter().position(|d| *d == dir).unwrap_or(0) + 1;
            format!("<dir-{k}>/{base}")
        }
    }

    /// Give each member one pseudonym (`--redact-names`) for all its spellings, or keep
    /// its names (a name that is a qualified host name is redacted as that host).
    fn learn_members(&mut self, a: &Analysis) {
        let mut k = 0;
        for m in members::spellings(a) {
            if m.names.is_empty() {
                continue;
            }
            k += 1;
            let pseudonym = format!("member-{k}");
            for n in &m.names {
                if self.redact_names {
                    self.names
                        .entry(n.clone())
                        .or_insert_with(|| pseudonym.clone());
                } else if !members::is_qualified_host(n) {
                    self.kept_names.insert(n.clone());
                }
            }
            // a qualified name, and the hosts of its own URLs that spell its name
            let mut hosts: Vec<String> = m
                .names
                .iter()
                .filter(|n| members::is_qualified_host(n))
                .cloned()
                .collect();
            hosts.extend(
                m.urls
                    .iter()
                    .filter_map(|u| URL.captures(u).and_then(|c| c.get(3)))
                    .map(|h| h.as_str().to_string())
                    .filter(|h| !is_ipv4(h) && !is_ipv6(h) && members::host_spells(h, &m.names)),
            );
            for h in hosts {
                if self.redact_names {
                    // one member, one pseudonym: its host name is its pseudonym too
                    let key = ("host", h.to_ascii_lowercase());
                    self.map.entry(key).or_insert_with(|| pseudonym.clone());
                }
                self.learn_host(&h);
            }
        }
    }

    /// Learn names, hosts and inputs from the whole analysis before rewriting.
    fn prepare(&mut self, a: &Analysis) {
        self.learn_members(a);
        // hosts and addresses of members first, so that member 1's host is <…-1>
        for n in &a.report.nodes {
            for u in n.peer_urls.iter().chain(n.client_urls.iter()) {
                if let Some(c) = URL.captures(u) {
                    if let Some(h) = c.get(3) {
                        let h = h.as_str().to_string();
                        self.learn_host(&h);
                        if !h.is_empty() && !self.kept_names.contains(&h) {
                            self.host_placeholder(&h);
                        }
                    }
                }
            }
        }
        for r in a.raw.iter() {
            self.scan(&r);
        }
        for e in &a.events {
            self.scan_kind(&e.kind);
        }
        for i in &a.report.inputs {
            if let Some(err) = &i.error {
                self.scan(err);
            }
        }
        for n in &a.report.nodes {
            for u in n.peer_urls.iter().chain(n.client_urls.iter()) {
                self.scan(u);
            }
        }
        // inputs
        let mut all: Vec<String> = a.input_names.clone();
        let metric_inputs = a
            .metrics
            .iter()
            .flat_map(|m| m.inputs.iter().map(|i| &i.input));
        for n in a.report.inputs.iter().map(|i| &i.name).chain(metric_inputs) {
            if !all.contains(n) {
                all.push(n.clone());
            }
        }
        self.host_ac = build_ac(self.hosts.iter().cloned(), true);
        self.name_ac = build_ac(self.names.keys().cloned(), false);
        let mut inputs = BTreeMap::new();
        for n in &all {
            let base = self.input_name(n, &all);
            let red = self.file_name(&base);
            inputs.insert(n.clone(), red);
        }
        self.inputs.extend(inputs);
        self.input_ac = build_ac(
            self.inputs
                .keys()
                .filter(|k| k.as_str() != "<stdin>" && k.as_str() != "-")
                .cloned(),
            false,
        );
    }

    fn scan_kind(&mut self, k: &Kind) {
        let mut texts: Vec<String> = Vec::new();
        match k {
            Kind::MemberIdentity(ident) => {
                let crate::event::Identity {
                    peer_urls,
                    client_urls,
                    initial_cluster,
                    ..
                } = &**ident;
                texts.extend(peer_urls.iter().cloned());
                texts.extend(client_urls.iter().cloned());
                texts.extend(initial_cluster.iter().map(|(_, u)| u.clone()));
            }
            Kind::MemberChange { peer_urls, .. } => texts.extend(peer_urls.iter().cloned()),
            Kind::SlowApply { error: Some(e), .. }
            | Kind::StreamLost { error: Some(e), .. }
            | Kind::PeerInactive { error: Some(e), .. }
            | Kind::PeerUnreachable { error: Some(e), .. }
            | Kind::RequestFailed { error: e } => texts.push(e.clone()),
            _ => {}
        }
        for t in texts {
            self.scan(&t);
        }
    }

    /// Keys, URLs, addresses, hosts, paths and names (not input names).
    fn passes(&mut self, s: &str) -> String {
        let mut s = s.to_string();
        // request keys and values
        for re in [&*KEY_ESCAPED, &*KEY_PLAIN, &*KEY_JSON] {
            s = self.replace_values(&s, re);
        }
        if KEY_BARE.is_match(&s) {
            let found: Vec<String> = KEY_BARE
                .find_iter(&s)
                .map(|m| m.as_str().to_string())
                .collect();
            let ps: Vec<String> = found.iter().map(|k| self.placeholder("key", k)).collect();
            let mut it = ps.into_iter();
            s = KEY_BARE
                .replace_all(&s, |_: &Captures| it.next().unwrap_or_default())
                .into_owned();
        }
        // URLs
        if s.contains("://") {
            let caps: Vec<(usize, usize, String)> = URL
                .captures_iter(&s)
                .map(|c| {
                    let m = c.get(0).unwrap();
                    (m.start(), m.end(), String::new())
                })
                .collect();
            let mut out = String::with_capacity(s.len());
            let mut last = 0;
            for (start, end, _) in caps {
                let whole = s[start..end].to_string();
                let Some(c) = URL.captures(&whole) else {
                    continue;
                };
                let scheme = c[1].to_string();
                let user = c.get(2).map(|m| m.as_str().to_string());
                let host = c.get(3).map(|m| m.as_str().to_string()).unwrap_or_default();
                let port = c.get(4).map(|m| m.as_str().to_string()).unwrap_or_default();
                let path = c.get(5).map(|m| m.as_str().to_string()).unwrap_or_default();
                let mut r = format!("{scheme}://");
                if user.is_some() {
                    r.push_str("<userinfo>@");
                }
                if host.starts_with('<') {
                    r.push_str(&host);
                } else if !host.is_empty() {
                    r.push_str(&self.host_placeholder(&host));
                }
                r.push_str(&port);
                if !path.is_empty() && path != "/" {
                    r.push('/');
                    r.push_str(&self.placeholder("path", &path));
                } else {
                    r.push_str(&path);
                }
                out.push_str(&s[last..start]);
                out.push_str(&r);
                last = end;
            }
            out.push_str(&s[last..]);
            s = out;
        }
        // addresses
        let cur = std::mem::take(&mut s);
        s = outside_placeholders(&cur, |seg| self.addresses(seg));
        // host names
        if let Some(ac) = self.host_ac.take() {
            let r = outside_placeholders(&s, |seg| {
                replace_tokens(seg, &ac, Bounds::Host, |h| {
                    Some(self.placeholder("host", &h.to_ascii_lowercase()))
                })
            });
            self.host_ac = Some(ac);
            s = r;
        }
        // absolute paths: keep the last component
        if s.contains('/') {
            s = ABS_PATH.replace_all(&s, "$1<dir>/$3").into_owned();
        }
        // member names
        if let Some(ac) = &self.name_ac {
            let names = &self.names;
            s = outside_placeholders(&s, |seg| {
                replace_tokens(seg, ac, Bounds::Name, |n| names.get(n).cloned())
            });
        }
        s
    }

    /// An input's file name: known hosts and (with `--redact-names`) member names are
    /// replaced even where `-`, `_` or `.` join them to other words, then the text passes.
    fn file_name(&mut self, base: &str) -> String {
        let mut s = base.to_string();
        if let Some(ac) = self.host_ac.take() {
            s = replace_tokens(&s, &ac, Bounds::FileName, |h| {
                Some(self.placeholder("host", &h.to_ascii_lowercase()))
            });
            self.host_ac = Some(ac);
        }
        if let Some(ac) = &self.name_ac {
            let names = &self.names;
            s = outside_placeholders(&s, |seg| {
                replace_tokens(seg, ac, Bounds::FileName, |n| names.get(n).cloned())
            });
        }
        self.passes(&s)
    }

    fn addresses(&mut self, seg: &str) -> String {
        let mut s = seg.to_string();
        if s.contains("::") || s.matches(':').count() >= 7 {
            let found: Vec<(usize, usize)> =
                IPV6.find_iter(&s).map(|m| (m.start(), m.end())).collect();
            let mut out = String::new();
            let mut last = 0;
            for (a, b) in found {
                let cand = &s[a..b];
                let before = s[..a].chars().next_back();
                let after = s[b..].chars().next();
                let bounded = before.is_none_or(|c| !c.is_ascii_alphanumeric() && c != ':')
                    && after.is_none_or(|c| !c.is_ascii_alphanumeric() && c != ':');
                if bounded && is_ipv6(cand) {
                    out.push_str(&s[last..a]);
                    let p = self.placeholder("ip", &cand.to_ascii_lowercase());
                    out.push_str(&p);
                    last = b;
                }
            }
            out.push_str(&s[last..]);
            s = out;
        }
        if s.bytes().filter(|b| *b == b'.').count() >= 3 {
            let found: Vec<(usize, usize)> =
                IPV4.find_iter(&s).map(|m| (m.start(), m.end())).collect();
            let mut out = String::new();
            let mut last = 0;
            for (a, b) in found {
                let cand = &s[a..b];
                let before = s[..a].chars().next_back();
                let mut after = s[b..].chars();
                let a1 = after.next();
                let a2 = after.next();
                let bounded = before.is_none_or(|c| !c.is_ascii_digit() && c != '.')
                    && !(a1 == Some('.') && a2.is_some_and(|c| c.is_ascii_digit()))
                    && a1.is_none_or(|c| !c.is_ascii_digit());
                if bounded && is_ipv4(cand) {
                    out.push_str(&s[last..a]);
                    let p = self.placeholder("ip", cand);
                    out.push_str(&p);
                    last = b;
                }
            }
            out.push_str(&s[last..]);
            s = out;
        }
        s
    }

    /// Redact one log-derived text (input paths first, then everything else), with the
    /// placeholders learned so far.
    pub fn text(&mut self, s: &str) -> String {
        let mut pieces: Vec<(String, bool)> = Vec::new();
        if let Some(ac) = &self.input_ac {
            // input names are replaced by their redacted form, then left alone
            let mut last = 0;
            for m in ac.0.find_iter(s) {
                if let Some(r) = self.inputs.get(&s[m.start()..m.end()]) {
                    pieces.push((s[last..m.start()].to_string(), false));
                    pieces.push((r.clone(), true));
                    last = m.end();
                }
            }
            pieces.push((s[last..].to_string(), false));
        } else {
            pieces.push((s.to_string(), false));
        }
        let mut out = String::with_capacity(s.len());
        for (p, done) in pieces {
            if done {
                out.push_str(&p);
            } else if !p.is_empty() {
                out.push_str(&self.passes(&p));
            }
        }
        out
    }

    /// Replace group 3 (the value) of every match of `re` by a `<key-N>`/`<value-N>`.
    fn replace_values(&mut self, s: &str, re: &Regex) -> String {
        if !re.is_match(s) {
            return s.to_string();
        }
        let spans: Vec<(usize, usize, bool)> = re
            .captures_iter(s)
            .filter_map(|c| {
                let v = c.get(3)?;
                Some((v.start(), v.end(), &c[1] == "value"))
            })
            .collect();
        let mut out = String::with_capacity(s.len());
        let mut last = 0;
        for (a, b, is_value) in spans {
            if a == b || s[a..b].starts_with('<') {
                continue;
            }
            let kind = if is_value { "value" } else { "key" };
            let p = self.placeholder(kind, &s[a..b]);
            out.push_str(&s[last..a]);
            out.push_str(&p);
            last = b;
        }
        out.push_str(&s[last..]);
        out
    }

    fn opt(&mut self, s: &mut Option<String>) {
        if let Some(v) = s {
            *v = self.text(v);
        }
    }

    /// An input's name as the redacted analysis shows it (after [`Redactor::apply`]).
    pub fn input_label(&mut self, name: &str) -> String {
        let mut s = name.to_string();
        self.input(&mut s);
        s
    }

    fn input(&mut self, s: &mut String) {
        *s = match self.inputs.get(s.as_str()) {
            Some(r) => r.clone(),
            None => self.text(s),
        };
    }

    fn name(&mut self, s: &mut String) {
        if self.redact_names {
            if let Some(r) = self.names.get(s.as_str()) {
                *s = r.clone();
                return;
            }
        }
        if !self.kept_names.contains(s.as_str()) {
            *s = self.text(s);
        }
    }

    fn opt_name(&mut self, s: &mut Option<String>) {
        if let Some(v) = s {
            self.name(v);
        }
    }

    fn json(&mut self, v: &mut serde_json::Value) {
        match v {
            serde_json::Value::String(s) => *s = self.text(s),
            serde_json::Value::Array(a) => a.iter_mut().for_each(|x| self.json(x)),
            serde_json::Value::Object(o) => o.values_mut().for_each(|x| self.json(x)),
            _ => {}
        }
    }

    /// Rewrite every log-derived string of `a` in place.
    pub fn apply(&mut self, a: &mut Analysis) {
        self.prepare(a);
        // inputs
        for n in a.input_names.iter_mut() {
            self.input(n);
        }
        for i in a.report.inputs.iter_mut() {
            self.input(&mut i.name);
            self.opt(&mut i.error);
            self.opt(&mut i.year_note);
        }
        // names
        for v in a.names.values_mut() {
            self.name(v);
        }
        // raw lines
        a.raw.map(|r| self.text(r));
        // events
        for e in a.events.iter_mut() {
            self.kind(&mut e.kind);
        }
        self.report(&mut a.report);
        if let Some(m) = &mut a.metrics {
            self.metrics(m);
            // the document carries the metrics report as it renders it
            a.report.metrics = serde_json::to_value(&*m).ok();
        } else if let Some(v) = &mut a.report.metrics {
            self.json(v);
        }
    }

    /// Rewrite the log-derived strings of the document (not its metrics).
    fn report(&mut self, r: &mut crate::report::Report) {
        for n in r.summary.notes.iter_mut() {
            *n = self.text(n);
        }
        for n in r.nodes.iter_mut() {
            self.opt_name(&mut n.name);
            for u in n.peer_urls.iter_mut().chain(n.client_urls.iter_mut()) {
                *u = self.text(u);
            }
        }
        for t in r.terms.iter_mut() {
            self.opt_name(&mut t.leader_name);
            if let Some(c) = &mut t.cause {
                self.opt_name(&mut c.culprit_name);
                c.summary = self.text(&c.summary);
                for e in c.evidence.iter_mut() {
                    self.input(&mut e.source.input);
                }
            }
        }
        for an in r.anomalies.iter_mut() {
            an.summary = self.text(&an.summary);
        }
        for rec in r.recommendations.iter_mut() {
            rec.summary = self.text(&rec.summary);
            rec.because = self.text(&rec.because);
            for act in rec.actions.iter_mut() {
                *act = self.text(act);
            }
            for e in rec.evidence.iter_mut() {
                self.input(&mut e.source.input);
            }
        }
        for nm in r.near_misses.iter_mut() {
            for e in nm.evidence.iter_mut() {
                self.input(&mut e.source.input);
            }
        }
        if let Some(evs) = &mut r.events {
            let mut evs = std::mem::take(evs);
            for v in evs.iter_mut() {
                self.json(v);
            }
            r.events = Some(evs);
        }
    }

    fn kind(&mut self, k: &mut Kind) {
        match k {
            Kind::MemberIdentity(ident) => {
                let crate::event::Identity {
                    name,
                    peer_urls,
                    client_urls,
                    initial_cluster,
                    ..
                } = &mut **ident;
                self.opt_name(name);
                for u in peer_urls.iter_mut().chain(client_urls.iter_mut()) {
                    *u = self.text(u);
                }
                for (n, u) in initial_cluster.iter_mut() {
                    self.name(n);
                    *u = self.text(u);
                }
            }
            Kind::MemberChange { peer_urls, .. } => {
                for u in peer_urls.iter_mut() {
                    *u = self.text(u);
                }
            }
            Kind::SlowApply { error, .. }
            | Kind::StreamLost { error, .. }
            | Kind::PeerInactive { error, .. }
            | Kind::PeerUnreachable { error, .. } => self.opt(error),
            Kind::RequestFailed { error } => *error = self.text(error),
            Kind::ProcessShutdown { signal } => self.opt(signal),
            Kind::TermBump { msg_type, .. } | Kind::LowerTermIgnored { msg_type, .. } => {
                *msg_type = self.text(msg_type)
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r() -> Redactor {
        let mut r = Redactor::new(false);
        r.learn_host("etcd-0.etcd.ns.svc");
        r.host_ac = build_ac(r.hosts.iter().cloned(), true);
        r
    }

    #[test]
    fn urls_ips_hosts() {
        let mut r = r();
        assert_eq!(
            r.text("peer http://10.0.0.1:2380 and https://etcd-0.etcd.ns.svc:2379/v2/x?t=1"),
            "peer http://<ip-1>:2380 and https://<host-1>:2379/<path-1>"
        );
        assert_eq!(
            r.text("dial tcp 10.0.0.1:2380: refused; etcd-0.etcd.ns.svc down"),
            "dial tcp <ip-1>:2380: refused; <host-1> down"
        );
        assert_eq!(r.text("[fe80::1]:2380 and ::1"), "[<ip-2>]:2380 and <ip-3>");
        assert_eq!(
            r.text("16:15:32.100 3.4.23 a9e9e1d57dda5a31"),
            "16:15:32.100 3.4.23 a9e9e1d57dda5a31"
        );
        assert_eq!(r.text("http://user:pw@h:1"), "http://<userinfo>@<host-2>:1");
    }

    #[test]
    fn keys() {
        let mut r = r();
        assert_eq!(
            r.text(r#"read-only range request "key:\"/registry/pods/a\" range_end:\"/registry/pods/b\" " took"#),
            r#"read-only range request "key:\"<key-1>\" range_end:\"<key-2>\" " took"#
        );
        assert_eq!(
            r.text(r#"put:<key:"/registry/pods/a" value_size:3 >"#),
            r#"put:<key:"<key-1>" value_size:3 >"#
        );
        assert_eq!(r.text("bare /registry/pods/a here"), "bare <key-1> here");
        assert_eq!(r.text(r#"{"key":"/x/y"}"#), r#"{"key":"<key-3>"}"#);
    }

    #[test]
    fn hosts_inside_file_names() {
        let mut r = Redactor::new(false);
        r.learn_host("master-2.prod.example.com");
        r.host_ac = build_ac(r.hosts.iter().cloned(), true);
        assert_eq!(
            r.file_name("metrics-master-2.prod.example.com.txt"),
            "metrics-<host-1>.txt"
        );
        assert_eq!(r.file_name("master-2.prod.example.com.log"), "<host-1>.log");
        assert_eq!(
            r.file_name("xmaster-2.prod.example.com.log"),
            "xmaster-2.prod.example.com.log"
        );
    }

    #[test]
    fn paths() {
        let mut r = r();
        assert_eq!(
            r.text(r#""data-dir":"/var/lib/etcd/data1","caller":"etcdserver/server.go:2069""#),
            r#""data-dir":"<dir>/data1","caller":"etcdserver/server.go:2069""#
        );
    }
}
