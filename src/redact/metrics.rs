//! Redaction of the figures read from /metrics dumps and `etcdctl` outputs: their file
//! names, member names, endpoints and the sentences that quote them.

use super::Redactor;
use crate::metrics::MetricsReport;

impl Redactor {
    /// Rewrite every name, input and text of a metrics report in place.
    pub(super) fn metrics(&mut self, m: &mut MetricsReport) {
        for i in m.inputs.iter_mut() {
            self.input(&mut i.input);
            self.opt(&mut i.error);
            for x in i.malformed_examples.iter_mut() {
                x.reason = self.text(&x.reason);
            }
        }
        for mem in m.members.iter_mut() {
            self.opt_name(&mut mem.name);
            self.input(&mut mem.input);
            for p in mem.peers.iter_mut() {
                self.opt_name(&mut p.name);
            }
            for f in mem.flags.iter_mut() {
                f.summary = self.text(&f.summary);
            }
            if let Some(r) = &mut mem.rates {
                if let Some(p) = &mut r.previous_input {
                    self.input(p);
                }
            }
        }
        for s in m.status.iter_mut() {
            s.endpoint = self.text(&s.endpoint);
            self.opt_name(&mut s.name);
            self.input(&mut s.input);
            for e in s.errors.iter_mut() {
                *e = self.text(e);
            }
        }
        if let Some(s) = &mut m.status_summary {
            self.opt_name(&mut s.leader_name);
            // endpoint URLs where an endpoint's id is unknown
            for e in s.without_leader.iter_mut() {
                *e = self.text(e);
            }
        }
        for x in m.member_list.iter_mut() {
            self.name(&mut x.name);
            self.input(&mut x.input);
            for u in x.peer_urls.iter_mut().chain(x.client_urls.iter_mut()) {
                *u = self.text(u);
            }
        }
        for n in m.notes.iter_mut() {
            *n = self.text(n);
        }
    }
}
