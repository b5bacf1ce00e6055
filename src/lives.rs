//! Each member's process lifetimes, from its own lines: where a start begins, and how it
//! ended (a stop, a crash, or a log that simply ends). Restarts, crashes and the
//! members that were down when the rest lost quorum all come from here.
//!
//! One start logs several start lines (the start banner, `restarting local member`,
//! raft's `newRaft`): they belong to one lifetime until the member has booted (its
//! `newRaft`, a stop, or raft activity beyond `became follower` and the configuration it
//! boots with). A start line after that
//! opens a new lifetime, however soon it came (a member killed and restarted seconds after
//! its first start is a restart).

use crate::event::{Event, Kind, NodeId};
use crate::time::Instant;
use std::collections::BTreeMap;

/// How a lifetime ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// A stop: the signal (`received signal; shutting down`), or when the stop logged no
    /// signal (stopped through the API, embedded etcd, a log that lost the line) its later
    /// steps (`closing etcd server`, `skipped leadership transfer …`, `closed etcd server`).
    Stopped,
    /// Its lines ended without a stop and it started again: crashed, killed or OOM.
    Crashed,
    /// Its log ends here without a stop line (the capture may simply end).
    LogEnds,
}

/// One process lifetime of a member, as its own lines show it.
#[derive(Clone, Debug)]
pub struct Life {
    /// Index (merged order) of its first line.
    pub first: usize,
    /// Index of its last line.
    pub last: usize,
    /// Time of its first line with a time.
    pub from: Option<Instant>,
    /// Time of its last line with a time.
    pub to: Option<Instant>,
    /// Index of its first stop line (the signal, else a later step of the stop), if any.
    pub stop: Option<usize>,
    /// How it ended.
    pub end: End,
}

impl Life {
    /// When the member stopped taking part: its first stop line, else its last line.
    pub fn down_at(&self, events: &[Event]) -> Option<Instant> {
        self.stop.and_then(|i| events[i].ts).or(self.to)
    }
}

/// A process (re)start: the start banner, `restarting local member`, or raft's `newRaft`
/// line that every boot logs (some versions' start banners are not in the input).
pub fn is_start(k: &Kind) -> bool {
    matches!(k, Kind::ProcessStart { .. } | Kind::RaftBoot { .. })
        || matches!(
            k,
            Kind::MemberIdentity(id) if id.restart && id.member.is_some()
        )
}

/// Lines that show the process had finished booting: a later start line is a new start.
fn booted(k: &Kind) -> bool {
    matches!(k, Kind::RaftBoot { .. })
        || k.is_stop()
        || (k.is_raft() && !matches!(k, Kind::BecameFollower | Kind::ConfigChange { .. }))
}

/// Lines a start logs before its start banner (3.5's `Running:` arguments, identity and
/// timer settings): when a new start follows them, they belong to it, not to the lifetime
/// before (whose last line would otherwise be the new process's first).
fn setup(k: &Kind) -> bool {
    matches!(k, Kind::TimingConfig { .. } | Kind::MemberIdentity(_))
}

struct Open {
    life: Life,
    booted: bool,
    /// Its setup lines since its last other line.
    tail: Vec<usize>,
    /// Its last line that is not a setup line, and the latest time up to it.
    core: Option<(usize, Option<Instant>)>,
}

/// How long before its start banner a start's setup lines can come (they come within
/// milliseconds; a second-precision stamp can make it look like a second).
const SETUP_SLACK: i64 = 2_000_000_000;

fn fresh(i: usize) -> Open {
    Open {
        life: Life {
            first: i,
            last: i,
            from: None,
            to: None,
            stop: None,
            end: End::LogEnds,
        },
        booted: false,
        tail: Vec::new(),
        core: None,
    }
}

/// The lifetimes of every member with lines, in order, from events in merged order (a
/// member's own lines keep their file order in it).
pub fn lives(events: &[Event]) -> BTreeMap<NodeId, Vec<Life>> {
    let mut done: BTreeMap<NodeId, Vec<Life>> = BTreeMap::new();
    let mut open: BTreeMap<NodeId, Open> = BTreeMap::new();
    for (i, e) in events.iter().enumerate() {
        let Some(n) = e.node else { continue };
        let restart = is_start(&e.kind) && open.get(&n).is_some_and(|o| o.booted);
        if restart {
            if let Some(mut o) = open.remove(&n) {
                o.life.end = if o.life.stop.is_some() {
                    End::Stopped
                } else {
                    End::Crashed
                };
                // only the setup lines logged just before the start line: a quiet member
                // logs nothing for long after its last `published` line
                let near = |k: &usize| match (events[*k].ts, e.ts) {
                    (Some(a), Some(b)) => b.0 - a.0 <= SETUP_SLACK,
                    _ => false,
                };
                let keep = o.tail.iter().rev().take_while(|k| near(k)).count();
                let tail = o.tail.split_off(o.tail.len() - keep);
                let core = match o.tail.last() {
                    Some(k) => Some((*k, o.life.to.min(events[*k].ts).or(o.life.to))),
                    None => o.core,
                };
                let mut next = fresh(tail.first().copied().unwrap_or(i));
                if let (Some((last, to)), false) = (core, tail.is_empty()) {
                    (o.life.last, o.life.to) = (last, to);
                    for k in &tail {
                        next.life.last = *k;
                        if let Some(t) = events[*k].ts {
                            next.life.from.get_or_insert(t);
                            next.life.to = Some(next.life.to.map_or(t, |x| x.max(t)));
                        }
                    }
                }
                done.entry(n).or_default().push(o.life);
                open.insert(n, next);
            }
        }
        let o = open.entry(n).or_insert_with(|| fresh(i));
        o.life.last = i;
        if let Some(t) = e.ts {
            o.life.from.get_or_insert(t);
            o.life.to = Some(o.life.to.map_or(t, |x| x.max(t)));
        }
        if e.kind.is_stop() && o.life.stop.is_none() {
            o.life.stop = Some(i);
        }
        o.booted |= booted(&e.kind);
        if setup(&e.kind) {
            o.tail.push(i);
        } else {
            o.tail.clear();
            o.core = Some((i, o.life.to));
        }
    }
    for (n, mut o) in open {
        if o.life.stop.is_some() {
            o.life.end = End::Stopped;
        }
        done.entry(n).or_default().push(o.life);
    }
    done
}

/// Whether member `lives` was down at `t`: after its first stop line or the last line of a
/// lifetime, before the next one began. Before its first line nothing is known (the log
/// may begin late), so it is not down.
pub fn down_at(lives: &[Life], events: &[Event], t: Instant) -> Option<usize> {
    for (k, l) in lives.iter().enumerate() {
        if l.from.is_some_and(|f| t < f) {
            return None;
        }
        // a stopping member no longer votes; one whose log ends is gone after its last line
        let gone = match l.stop.and_then(|i| events[i].ts) {
            Some(s) => s <= t,
            None => l.to.is_some_and(|x| x < t),
        };
        let next_started = lives
            .get(k + 1)
            .and_then(|x| x.from)
            .is_some_and(|f| f <= t);
        if gone && !next_started {
            return Some(k);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::StopStep;

    fn ev(ms: i64, kind: Kind) -> Event {
        Event {
            ts: Some(Instant(ms * 1_000_000)),
            node: Some(1),
            ..Event::of(kind)
        }
    }

    fn boot(ms: i64) -> [Event; 3] {
        [
            ev(ms, Kind::ProcessStart { version: None }),
            ev(ms + 1, Kind::BecameFollower),
            ev(ms + 2, Kind::BecameLeader),
        ]
    }

    /// A process whose stop logged `closing etcd server` / `closed etcd server` but no
    /// signal (stopped through the API, embedded, or the signal line lost) was stopped,
    /// from its first stop line; a start after it is a restart, not a crash.
    #[test]
    fn a_stop_without_its_signal_line_is_still_a_stop() {
        let closing = Kind::ServerStop {
            step: StopStep::Closing,
        };
        let closed = Kind::ServerStop {
            step: StopStep::Closed,
        };
        let mut events: Vec<Event> = boot(0).into();
        events.extend([ev(5000, closing), ev(5010, closed)]);
        events.extend(boot(8000));
        let l = &lives(&events)[&1];
        assert_eq!(l.len(), 2);
        assert_eq!(l[0].end, End::Stopped);
        assert_eq!(l[0].stop, Some(3));
        assert_eq!(l[0].down_at(&events), Some(Instant(5000 * 1_000_000)));
        assert_eq!(l[1].first, 5);
        assert_eq!(l[1].end, End::LogEnds);
        assert_eq!(down_at(l, &events, Instant(6000 * 1_000_000)), Some(0));
        // the same lines without any stop line: a crash
        events.drain(3..5);
        let l = &lives(&events)[&1];
        assert_eq!((l.len(), l[0].end, l[0].stop), (2, End::Crashed, None));
    }
}
