//! Classic Prometheus histograms (`_bucket{le=…}`, `_sum`, `_count`) and quantile
//! estimation exactly as PromQL's `histogram_quantile` does it for classic buckets.

use super::Num;
use serde::Serialize;

/// One histogram series: cumulative buckets (upper bound `le`, count), `_sum`, `_count`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Histogram {
    /// `(le, cumulative count)` in the order read (any order is fine).
    pub buckets: Vec<(f64, f64)>,
    /// `_sum`, when present.
    pub sum: Option<f64>,
    /// `_count`, when present.
    pub count: Option<f64>,
}

impl Histogram {
    /// Add a bucket sample.
    pub fn bucket(&mut self, le: f64, count: f64) {
        self.buckets.push((le, count));
    }

    /// Number of observations: `_count`, else the `+Inf` bucket.
    pub fn observations(&self) -> Option<f64> {
        self.count.or_else(|| {
            self.buckets
                .iter()
                .filter(|(le, _)| *le == f64::INFINITY)
                .map(|(_, c)| *c)
                .reduce(f64::max)
        })
    }

    /// Mean observation, `_sum / _count`; None without observations.
    pub fn mean(&self) -> Option<f64> {
        let c = self.observations()?;
        let s = self.sum?;
        if c > 0.0 {
            Some(s / c)
        } else {
            None
        }
    }

    /// The `q`-quantile estimated from the buckets ([`bucket_quantile`]); None where
    /// PromQL would return NaN (no observations, no `+Inf` bucket, fewer than 2 buckets).
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let v = bucket_quantile(q, &self.buckets);
        if v.is_nan() {
            None
        } else {
            Some(v)
        }
    }

    /// Whether any sample of this histogram was seen.
    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty() && self.sum.is_none() && self.count.is_none()
    }

    /// Count, mean and the p50/p90/p99 estimates.
    pub fn summary(&self) -> LatencySummary {
        LatencySummary {
            count: self.observations().map(Num),
            mean_seconds: self.mean(),
            p50_seconds: self.quantile(0.5),
            p90_seconds: self.quantile(0.9),
            p99_seconds: self.quantile(0.99),
        }
    }
}

/// Count, mean and quantiles of a latency histogram, in seconds (JSON `wal_fsync`,
/// `backend_commit`); null where unknown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct LatencySummary {
    /// Observations (`_count`).
    pub count: Option<Num>,
    /// `_sum / _count`.
    pub mean_seconds: Option<f64>,
    /// Median estimated from the buckets.
    pub p50_seconds: Option<f64>,
    /// 90th percentile estimated from the buckets.
    pub p90_seconds: Option<f64>,
    /// 99th percentile estimated from the buckets.
    pub p99_seconds: Option<f64>,
}

/// PromQL's `histogram_quantile(q, buckets)` for classic buckets (Prometheus
/// `promql/quantile.go`, `bucketQuantile`):
///
/// - `q` NaN → NaN; `q < 0` → −Inf; `q > 1` → +Inf;
/// - buckets sorted by upper bound; the highest must be `+Inf`, else NaN;
/// - buckets with the same bound are merged (counts added), counts within a relative
///   1e-12 of the previous one are set equal to it, then the counts are made monotonic
///   (each at least the previous);
/// - fewer than 2 buckets, or 0 observations (the `+Inf` count) → NaN;
/// - `rank = q × observations`; the first bucket whose count ≥ rank (searching all but
///   the `+Inf` bucket) holds the quantile; if none does (it is in the `+Inf` bucket),
///   the upper bound of the second-highest bucket is returned;
/// - if it is the lowest bucket and that bound is ≤ 0, the bound is returned;
/// - otherwise linear interpolation inside the bucket, whose lower end is the previous
///   bucket's bound (0 for the lowest bucket):
///   `start + (end − start) × (rank − count_below) / (count_in_bucket)`.
pub fn bucket_quantile(q: f64, buckets: &[(f64, f64)]) -> f64 {
    if q.is_nan() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    let mut b: Vec<(f64, f64)> = buckets
        .iter()
        .copied()
        .filter(|(le, _)| !le.is_nan())
        .collect();
    if b.is_empty() {
        return f64::NAN;
    }
    b.sort_by(|x, y| x.0.total_cmp(&y.0));
    if b[b.len() - 1].0 != f64::INFINITY {
        return f64::NAN;
    }
    // coalesce equal bounds
    let mut merged: Vec<(f64, f64)> = Vec::with_capacity(b.len());
    for (le, c) in b {
        match merged.last_mut() {
            Some(last) if last.0 == le => last.1 += c,
            _ => merged.push((le, c)),
        }
    }
    let mut b = merged;
    // precision errors
    let mut prev = b[0].1;
    for x in b.iter_mut().skip(1) {
        let delta = (x.1 - prev).abs();
        if delta == 0.0 {
            continue;
        }
        if delta / x.1 <= 1e-12 {
            x.1 = prev;
        } else {
            prev = x.1;
        }
    }
    // monotonic envelope
    let mut max = b[0].1;
    for x in b.iter_mut().skip(1) {
        if x.1 > max {
            max = x.1;
        } else if x.1 < max {
            x.1 = max;
        }
    }
    if b.len() < 2 {
        return f64::NAN;
    }
    let observations = b[b.len() - 1].1;
    if observations == 0.0 || observations.is_nan() {
        return f64::NAN;
    }
    let mut rank = q * observations;
    let idx = b[..b.len() - 1]
        .iter()
        .position(|x| x.1 >= rank)
        .unwrap_or(b.len() - 1);
    if idx == b.len() - 1 {
        return b[b.len() - 2].0;
    }
    if idx == 0 && b[0].0 <= 0.0 {
        return b[0].0;
    }
    let end = b[idx].0;
    let mut count = b[idx].1;
    let mut start = 0.0;
    if idx > 0 {
        start = b[idx - 1].0;
        count -= b[idx - 1].1;
        rank -= b[idx - 1].1;
    }
    start + (end - start) * (rank / count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * b.abs().max(1e-12)
    }

    /// Buckets le=0.001:14, 0.002:19, 0.004:19, +Inf:19 (a WAL fsync histogram from the
    /// zap-3-mixed capture, cut short).
    ///
    /// p50: rank = 0.5 × 19 = 9.5; the first bucket with count ≥ 9.5 is le=0.001 (14),
    ///      the lowest, so it starts at 0: 0 + (0.001 − 0) × 9.5 / 14 = 0.000678571428…
    /// p90: rank = 17.1; le=0.001 has 14 < 17.1, le=0.002 has 19 ≥ 17.1:
    ///      0.001 + (0.002 − 0.001) × (17.1 − 14) / (19 − 14) = 0.001 + 0.001 × 0.62
    ///      = 0.00162
    /// p99: rank = 18.81 → same bucket: 0.001 + 0.001 × (18.81 − 14) / 5 = 0.001962
    #[test]
    fn hand_computed() {
        let b = [
            (0.001, 14.0),
            (0.002, 19.0),
            (0.004, 19.0),
            (f64::INFINITY, 19.0),
        ];
        assert!(close(bucket_quantile(0.5, &b), 0.001 * 9.5 / 14.0));
        assert!(close(bucket_quantile(0.9, &b), 0.00162));
        assert!(close(bucket_quantile(0.99, &b), 0.001962));
        assert_eq!(bucket_quantile(0.0, &b), 0.0);
    }

    /// The +Inf rule: le=1:1, le=2:2, +Inf:10. p50: rank = 5 is beyond le=2 (2), so it
    /// lies in the +Inf bucket, and the answer is the second-highest bound, 2.
    #[test]
    fn inf_bucket_rule() {
        let b = [(1.0, 1.0), (2.0, 2.0), (f64::INFINITY, 10.0)];
        assert_eq!(bucket_quantile(0.5, &b), 2.0);
        assert_eq!(bucket_quantile(0.99, &b), 2.0);
        // rank = 0.1 × 10 = 1 → le=1 holds it: 0 + 1 × 1/1 = 1
        assert_eq!(bucket_quantile(0.1, &b), 1.0);
    }

    #[test]
    fn special_cases() {
        let b = [(1.0, 1.0), (f64::INFINITY, 2.0)];
        assert!(bucket_quantile(f64::NAN, &b).is_nan());
        assert_eq!(bucket_quantile(-0.1, &b), f64::NEG_INFINITY);
        assert_eq!(bucket_quantile(1.1, &b), f64::INFINITY);
        // no +Inf bucket
        assert!(bucket_quantile(0.5, &[(1.0, 1.0), (2.0, 2.0)]).is_nan());
        // a lone +Inf bucket
        assert!(bucket_quantile(0.5, &[(f64::INFINITY, 2.0)]).is_nan());
        // no observations
        assert!(bucket_quantile(0.5, &[(1.0, 0.0), (f64::INFINITY, 0.0)]).is_nan());
        assert!(bucket_quantile(0.5, &[]).is_nan());
        // lowest bound ≤ 0 is returned as is
        assert_eq!(
            bucket_quantile(0.1, &[(-1.0, 5.0), (0.0, 6.0), (f64::INFINITY, 10.0)]),
            -1.0
        );
        // unsorted input, duplicate bounds merged, non-monotonic counts enveloped:
        // sorted/merged: 1:2, 2:1→2, +Inf:4; p50 rank 2 → le=1: 1 × 2/2 = 1
        let b = [(f64::INFINITY, 4.0), (2.0, 1.0), (1.0, 1.0), (1.0, 1.0)];
        assert_eq!(bucket_quantile(0.5, &b), 1.0);
    }

    #[test]
    fn summary_mean() {
        let h = Histogram {
            buckets: vec![(0.001, 14.0), (0.002, 19.0), (f64::INFINITY, 19.0)],
            sum: Some(0.019),
            count: Some(19.0),
        };
        let s = h.summary();
        assert_eq!(s.count, Some(Num(19.0)));
        assert!(close(s.mean_seconds.unwrap(), 0.001));
        let empty = Histogram::default().summary();
        assert_eq!(empty, LatencySummary::default());
    }
}
