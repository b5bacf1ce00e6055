//! Each member's process lifetimes, from its own lines: where a start begins, and how it
//! ended (a stop signal, a crash, or a log that simply ends). Restarts, crashes and the
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
    /// A stop signal (`received signal; shutting down`).
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
    /// Index of its stop signal line, if any.
    pub stop: Option<usize>,
    /// How it ended.
    pub end: End,
}

impl Life {
    /// When the member stopped taking part: its stop signal, else its last line.
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
    matches!(k, Kind::RaftBoot { .. } | Kind::ProcessShutdown { .. })
        || (k.is_raft() && !matches!(k, Kind::BecameFollower | Kind::ConfigChange { .. }))
}

struct Open {
    life: Life,
    booted: bool,
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
                done.entry(n).or_default().push(o.life);
            }
        }
        let o = open.entry(n).or_insert_with(|| Open {
            life: Life {
                first: i,
                last: i,
                from: None,
                to: None,
                stop: None,
                end: End::LogEnds,
            },
            booted: false,
        });
        o.life.last = i;
        if let Some(t) = e.ts {
            o.life.from.get_or_insert(t);
            o.life.to = Some(o.life.to.map_or(t, |x| x.max(t)));
        }
        if matches!(e.kind, Kind::ProcessShutdown { .. }) && o.life.stop.is_none() {
            o.life.stop = Some(i);
        }
        o.booted |= booted(&e.kind);
    }
    for (n, mut o) in open {
        if o.life.stop.is_some() {
            o.life.end = End::Stopped;
        }
        done.entry(n).or_default().push(o.life);
    }
    done
}

/// Whether member `lives` was down at `t`: after the stop signal or the last line of a
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
