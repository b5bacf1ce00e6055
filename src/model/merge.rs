//! Before the model: overlapping inputs are deduplicated, and the events of all inputs
//! merged into one sequence that keeps each (input, member) sequence in file order
//! (design.md §1: within a member, file order wins).

use crate::event::{Event, Kind, NodeId};
use crate::ingest::InputResult;
use crate::raw_lines::RawLines;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap};

/// Merge events of all inputs into one chronological sequence, keeping the file order
/// of each (input, member) sequence (design.md §1: within a node, file order wins).
/// The events are moved once into one vector and put in merged order in place: the
/// merge itself holds 8 bytes per event (its sequences and the order), not a copy.
pub fn merge(inputs: Vec<InputResult>) -> (Vec<Event>, RawLines) {
    let total: usize = inputs.iter().map(|i| i.events.len()).sum();
    let mut events: Vec<Event> = Vec::new();
    let mut raw = RawLines::default();
    for inp in inputs {
        if events.is_empty() {
            events = inp.events;
            events.reserve_exact(total - events.len());
        } else {
            events.extend(inp.events);
        }
        raw.append(inp.raw);
    }
    let order = merged_order(&events);
    permute(&mut events, &mut raw, order);
    (events, raw)
}

/// The merged order (event indexes): a k-way merge of the (input, member) sequences by
/// their effective time, term and rank ([`MergeKey`]), ties to the earlier sequence.
fn merged_order(events: &[Event]) -> Vec<u32> {
    let mut seqs: Vec<Vec<u32>> = Vec::new();
    let mut index: HashMap<(u32, Option<NodeId>), usize> = HashMap::new();
    for (k, e) in events.iter().enumerate() {
        let i = *index.entry((e.origin.input, e.node)).or_insert_with(|| {
            seqs.push(Vec::new());
            seqs.len() - 1
        });
        seqs[i].push(k as u32);
    }
    let at = |i: usize, pos: usize| &events[seqs[i][pos] as usize];
    let mut keys: Vec<MergeKey> = seqs
        .iter()
        .map(|s| MergeKey::new(s.iter().map(|&k| &events[k as usize])))
        .collect();
    let mut heap = BinaryHeap::new();
    for (i, s) in seqs.iter().enumerate() {
        if !s.is_empty() {
            let (t, term, r) = keys[i].next(at(i, 0));
            heap.push(Reverse((t, term, r, i, 0usize)));
        }
    }
    let mut order = Vec::with_capacity(events.len());
    while let Some(Reverse((_, _, _, i, pos))) = heap.pop() {
        order.push(seqs[i][pos]);
        let next = pos + 1;
        if next < seqs[i].len() {
            let (t, term, r) = keys[i].next(at(i, next));
            heap.push(Reverse((t, term, r, i, next)));
        }
    }
    order
}

/// Put `events[order[k]]` (and its raw line) at position `k`, in place, by following
/// the cycles of the permutation with swaps.
fn permute(events: &mut [Event], raw: &mut RawLines, mut order: Vec<u32>) {
    const DONE: u32 = u32::MAX;
    let with_raw = raw.len() == events.len();
    for start in 0..order.len() {
        let mut cur = start;
        while order[cur] != DONE {
            let next = order[cur] as usize;
            order[cur] = DONE;
            if next == start {
                break;
            }
            events.swap(cur, next);
            if with_raw {
                raw.swap(cur, next);
            }
            cur = next;
        }
    }
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

/// The merge key of the elements of one (input, member) sequence, computed in its
/// order: the effective (monotone) time and term, and the rank, so that the sequence
/// keeps its file order. Events before the first timed one take its time.
struct MergeKey {
    cur: i64,
    term: u64,
}

impl MergeKey {
    fn new<'a>(mut s: impl Iterator<Item = &'a Event>) -> MergeKey {
        MergeKey {
            cur: s.find_map(|e| e.ts).map(|t| t.0).unwrap_or(i64::MIN),
            term: 0,
        }
    }

    fn next(&mut self, e: &Event) -> (i64, u64, u8) {
        if let Some(t) = e.ts {
            self.cur = self.cur.max(t.0);
        }
        if e.kind.is_raft() {
            if let Some(t) = e.term {
                self.term = self.term.max(t);
            }
        }
        (self.cur, self.term, merge_rank(&e.kind))
    }
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
            if !inp.raw.is_empty() {
                inp.raw.retain(&keep);
            }
            inp.summary.events = inp.events.len() as u64;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Origin;

    fn line(n: u64) -> Event {
        Event {
            origin: Origin { input: 0, line: n },
            ..Event::of(Kind::BecameLeader)
        }
    }

    #[test]
    fn permute_puts_each_event_and_its_line_where_the_order_says() {
        // cycles of length 1, 2 and 3
        let order = vec![0u32, 4, 5, 2, 1, 3];
        let mut events: Vec<Event> = (0..6).map(line).collect();
        let mut raw = RawLines::default();
        for i in 0..6 {
            raw.push(&format!("line {i}"));
        }
        raw.finish();
        permute(&mut events, &mut raw, order.clone());
        let lines: Vec<u64> = events.iter().map(|e| e.origin.line).collect();
        assert_eq!(
            lines,
            order.iter().map(|&i| u64::from(i)).collect::<Vec<_>>()
        );
        let texts: Vec<String> = raw.iter().collect();
        let want: Vec<String> = order.iter().map(|i| format!("line {i}")).collect();
        assert_eq!(texts, want);
    }
}
