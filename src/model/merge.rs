//! Before the model: overlapping inputs are deduplicated, and the events of all inputs
//! merged into one sequence that keeps each (input, member) sequence in file order
//! (design.md §1: within a member, file order wins).

use crate::event::{Event, Kind, NodeId};
use crate::ingest::InputResult;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap};

/// Merge events of all inputs into one chronological sequence, keeping the file order
/// of each (input, member) sequence (design.md §1: within a node, file order wins).
pub fn merge(inputs: Vec<InputResult>) -> (Vec<Event>, Vec<String>) {
    let mut seqs: Vec<Vec<(Event, Option<String>)>> = Vec::new();
    let mut index: HashMap<(u32, Option<NodeId>), usize> = HashMap::new();
    for inp in inputs {
        let has_raw = !inp.raw.is_empty();
        let mut raw = inp.raw.into_iter();
        for e in inp.events {
            let r = if has_raw { raw.next() } else { None };
            let key = (e.origin.input, e.node);
            let i = *index.entry(key).or_insert_with(|| {
                seqs.push(Vec::new());
                seqs.len() - 1
            });
            seqs[i].push((e, r));
        }
    }
    let eff: Vec<Vec<(i64, u64, u8)>> = seqs.iter().map(|s| merge_keys(s)).collect();
    let mut heap = BinaryHeap::new();
    for (i, v) in eff.iter().enumerate() {
        if let Some(&(t, term, r)) = v.first() {
            heap.push(Reverse((t, term, r, i, 0usize)));
        }
    }
    let total: usize = seqs.iter().map(|s| s.len()).sum();
    let mut out = Vec::with_capacity(total);
    let mut raws = Vec::new();
    let mut taken: Vec<std::vec::IntoIter<(Event, Option<String>)>> =
        seqs.into_iter().map(|s| s.into_iter()).collect();
    while let Some(Reverse((_, _, _, i, pos))) = heap.pop() {
        if let Some((e, r)) = taken[i].next() {
            out.push(e);
            if let Some(r) = r {
                raws.push(r);
            }
        }
        let next = pos + 1;
        if let Some(&(t, term, r)) = eff[i].get(next) {
            heap.push(Reverse((t, term, r, i, next)));
        }
    }
    (out, raws)
}

/// Among lines with the same time (zap 3.4 prints milliseconds, the 3.4 raft Go log
/// whole seconds) the causal order of an election: campaign, votes, win, the others
/// learning of it.
fn merge_rank(k: &Kind) -> u8 {
    match k {
        Kind::ProcessStart { .. }
        | Kind::RaftBoot { .. }
        | Kind::ElectionStarted
        | Kind::BecamePreCandidate
        | Kind::BecameCandidate
        | Kind::VoteSent { .. }
        | Kind::TimeoutNowReceived { .. }
        | Kind::TransferStarted { .. }
        | Kind::TimeoutNowSent { .. }
        | Kind::LeaderTransferRequested { .. } => 0,
        Kind::BecameLeader => 2,
        Kind::ElectedLeader { .. } | Kind::ChangedLeader { .. } => 3,
        _ => 1,
    }
}

/// The merge key of each element of one (input, member) sequence: its effective
/// (monotone) time and term, and its rank, so that the sequence keeps its file order.
fn merge_keys(s: &[(Event, Option<String>)]) -> Vec<(i64, u64, u8)> {
    let mut v = Vec::with_capacity(s.len());
    let mut cur = s
        .iter()
        .find_map(|(e, _)| e.ts)
        .map(|t| t.0)
        .unwrap_or(i64::MIN);
    let mut term = 0u64;
    for (e, _) in s {
        if let Some(t) = e.ts {
            cur = cur.max(t.0);
        }
        if e.kind.is_raft() {
            if let Some(t) = e.term {
                term = term.max(t);
            }
        }
        v.push((cur, term, merge_rank(&e.kind)));
    }
    v
}

/// A 64-bit digest of an event's content (kind and fields), without building its text.
pub(crate) fn kind_digest(k: &Kind) -> u64 {
    use std::hash::Hasher;
    struct Feed<'a>(&'a mut std::collections::hash_map::DefaultHasher);
    impl std::fmt::Write for Feed<'_> {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            self.0.write(s.as_bytes());
            Ok(())
        }
    }
    let mut h = std::collections::hash_map::DefaultHasher::new();
    let _ = std::fmt::write(&mut Feed(&mut h), format_args!("{k:?}"));
    h.finish()
}

/// Drop events that an earlier input already held for the same member (same time, term
/// and content): the same file given twice, a rotated file and its gzipped copy,
/// `previous.log` and `current.log` overlapping, two collectors of one member. Repeats
/// inside one input are real and kept. Returns, per input name, the number dropped and
/// the inputs that already had them.
pub fn dedup(inputs: &mut [InputResult]) -> BTreeMap<String, (u64, BTreeSet<String>)> {
    let mut out: BTreeMap<String, (u64, BTreeSet<String>)> = BTreeMap::new();
    if inputs.len() < 2 {
        return out;
    }
    // Only events of a member that another input also covers at that time can be
    // duplicates: time ranges per (input, member) limit the work (and the memory) to
    // the overlaps (rotated copies, previous/current logs), none for one file per member.
    let mut ranges: Vec<HashMap<NodeId, (i64, i64)>> = Vec::with_capacity(inputs.len());
    for inp in inputs.iter() {
        let mut r: HashMap<NodeId, (i64, i64)> = HashMap::new();
        for e in &inp.events {
            if let (Some(n), Some(t)) = (e.node, e.ts) {
                let x = r.entry(n).or_insert((t.0, t.0));
                x.0 = x.0.min(t.0);
                x.1 = x.1.max(t.0);
            }
        }
        ranges.push(r);
    }
    let covered = |js: std::ops::Range<usize>, n: NodeId, t: i64| {
        js.into_iter().find(|j| {
            ranges[*j]
                .get(&n)
                .is_some_and(|(lo, hi)| *lo <= t && t <= *hi)
        })
    };
    let mut seen: HashMap<(NodeId, i64, Option<u64>, u64), usize> = HashMap::new();
    let names: Vec<String> = inputs.iter().map(|i| i.summary.name.clone()).collect();
    let total = inputs.len();
    for (k, inp) in inputs.iter_mut().enumerate() {
        let mut mine: Vec<(NodeId, i64, Option<u64>, u64)> = Vec::new();
        let has_raw = !inp.raw.is_empty();
        let mut keep = Vec::with_capacity(inp.events.len());
        for e in &inp.events {
            let (Some(n), Some(t)) = (e.node, e.ts) else {
                keep.push(true);
                continue;
            };
            let earlier = covered(0..k, n, t.0).is_some();
            let later = covered(k + 1..total, n, t.0).is_some();
            if !earlier && !later {
                keep.push(true);
                continue;
            }
            let key = (n, t.0, e.term, kind_digest(&e.kind));
            match seen.get(&key) {
                Some(&other) if earlier && other != k => {
                    let slot = out.entry(names[k].clone()).or_default();
                    slot.0 += 1;
                    slot.1.insert(names[other].clone());
                    keep.push(false);
                }
                _ => {
                    keep.push(true);
                    if later {
                        mine.push(key);
                    }
                }
            }
        }
        for key in mine {
            seen.entry(key).or_insert(k);
        }
        if keep.iter().any(|x| !x) {
            let mut it = keep.iter();
            inp.events.retain(|_| *it.next().unwrap_or(&true));
            if has_raw {
                let mut it = keep.iter();
                inp.raw.retain(|_| *it.next().unwrap_or(&true));
            }
            inp.summary.events = inp.events.len() as u64;
        }
    }
    out
}
