//! Incident consolidation and duration weighting of the MANRS Observatory
//! (manrs-spec §2.3, EXACT from the published rule and the 2018 prototype
//! `manrs/metrics.py::_calculate_weighted_duration`). The mapping of a raw
//! penalty to a score is the profile's ([`crate::Profile::penalty_score`]).
//!
//! Events are attributed to (AS, metric) with a weight. Events of the same
//! AS, metric and weight whose intervals overlap or touch are merged into
//! one incident (an interval sweep, O(n log n), with the prototype's
//! semantics), after clipping to the period; an event still open at the end
//! of the period ends there. An incident of duration d scores
//!
//! * 0 when d = 0,
//! * n + 1 when d spans n ≥ 1 whole days,
//! * 0.5 when d < 30 min, else 1,
//!
//! times its weight; the raw metric of an AS is the sum over its incidents.
//! Published test vector: incidents of 29 min, 13 h and 25 h give 3.5.

use std::collections::BTreeMap;

use serde::Serialize;

use manrs_types::{Asn, Month};

/// Durations and scores of the weighting rule (manrs-spec §2.3), kept as
/// settings because they are the prototype's constants.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Weighting {
    /// Below this many seconds an incident scores `acceptable_score`.
    pub acceptable_duration: i64,
    /// The score of a short incident.
    pub acceptable_score: f64,
    /// From this many seconds on, each whole period adds one.
    pub tolerant_duration: i64,
    /// The score of an incident between the two durations.
    pub tolerant_score: f64,
}

impl Default for Weighting {
    fn default() -> Self {
        Weighting {
            acceptable_duration: 1800,
            acceptable_score: 0.5,
            tolerant_duration: 86_400,
            tolerant_score: 1.0,
        }
    }
}

impl Weighting {
    /// The score of an incident lasting `seconds` (before its weight).
    pub fn score(&self, seconds: i64) -> f64 {
        if seconds <= 0 {
            return 0.0;
        }
        let n = seconds / self.tolerant_duration;
        if n >= 1 {
            n as f64 + 1.0
        } else if seconds < self.acceptable_duration {
            self.acceptable_score
        } else {
            self.tolerant_score
        }
    }
}

/// One event attributed to an AS for a metric (`M2`, `M2C`, `M3`...).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// The AS held responsible.
    pub asn: Asn,
    /// The metric.
    pub metric: &'static str,
    /// Start (Unix seconds).
    pub start: i64,
    /// End (Unix seconds); `None` while still ongoing.
    pub end: Option<i64>,
    /// Weight (1.0 by default, manrs-spec §2.3).
    pub weight: f64,
    /// Index of the evidence this event came from, in the caller's list.
    pub evidence: usize,
}

/// Events of one (AS, metric, weight) merged over a time span.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Incident {
    /// The AS.
    pub asn: Asn,
    /// The metric.
    pub metric: &'static str,
    /// The weight shared by its events.
    pub weight: f64,
    /// Start, clipped to the period.
    pub start: i64,
    /// End, clipped to the period.
    pub end: i64,
    /// Its score: weighted duration times weight.
    pub score: f64,
    /// The evidence indices of its events.
    pub evidence: Vec<usize>,
}

/// Merges events into incidents within `month` and scores them. Events
/// entirely outside the month are dropped.
pub fn consolidate(events: &[Event], month: Month, weighting: &Weighting) -> Vec<Incident> {
    let (p_start, p_end) = (month.start(), month.end());
    // (AS, metric, weight bits) -> (start, end, evidence) spans.
    type Spans = Vec<(i64, i64, usize)>;
    let mut groups: BTreeMap<(Asn, &'static str, u64), Spans> = BTreeMap::new();
    for e in events {
        let start = e.start.max(p_start);
        let end = e.end.unwrap_or(p_end).min(p_end);
        if start > end || e.start >= p_end || e.end.is_some_and(|x| x < p_start) {
            continue;
        }
        groups
            .entry((e.asn, e.metric, e.weight.to_bits()))
            .or_default()
            .push((start, end, e.evidence));
    }
    let mut out = Vec::new();
    for ((asn, metric, weight), mut spans) in groups {
        let weight = f64::from_bits(weight);
        spans.sort_unstable();
        let mut current: Option<Incident> = None;
        for (start, end, ev) in spans {
            match &mut current {
                // Overlapping or touching: the same incident.
                Some(inc) if start <= inc.end => {
                    inc.end = inc.end.max(end);
                    inc.evidence.push(ev);
                }
                _ => {
                    if let Some(done) = current.take() {
                        out.push(done);
                    }
                    current = Some(Incident {
                        asn,
                        metric,
                        weight,
                        start,
                        end,
                        score: 0.0,
                        evidence: vec![ev],
                    });
                }
            }
        }
        out.extend(current);
    }
    for inc in &mut out {
        inc.score = weighting.score(inc.end - inc.start) * inc.weight;
    }
    out
}

/// The raw metric per (AS, metric): the sum of its incidents' scores.
pub fn raw_metrics(incidents: &[Incident]) -> BTreeMap<(Asn, &'static str), f64> {
    let mut out = BTreeMap::new();
    for i in incidents {
        *out.entry((i.asn, i.metric)).or_insert(0.0) += i.score;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn month() -> Month {
        "2026-02".parse().unwrap()
    }

    fn ev(asn: u32, metric: &'static str, start: i64, end: Option<i64>, weight: f64) -> Event {
        Event { asn: Asn(asn), metric, start, end, weight, evidence: 0 }
    }

    #[test]
    fn published_test_vector() {
        let t = month().start() + 86_400;
        let day = 86_400;
        let events = [
            ev(1, "M2", t, Some(t + 29 * 60), 1.0),
            ev(1, "M2", t + 2 * day, Some(t + 2 * day + 13 * 3600), 1.0),
            ev(1, "M2", t + 5 * day, Some(t + 5 * day + 25 * 3600), 1.0),
        ];
        let incidents = consolidate(&events, month(), &Weighting::default());
        assert_eq!(incidents.len(), 3);
        assert_eq!(raw_metrics(&incidents)[&(Asn(1), "M2")], 3.5);
    }

    #[test]
    fn weighting_edges() {
        let w = Weighting::default();
        assert_eq!(w.score(0), 0.0);
        assert_eq!(w.score(1), 0.5);
        assert_eq!(w.score(1799), 0.5);
        assert_eq!(w.score(1800), 1.0);
        assert_eq!(w.score(86_399), 1.0);
        assert_eq!(w.score(86_400), 2.0);
        assert_eq!(w.score(3 * 86_400 + 5), 4.0);
    }

    #[test]
    fn overlapping_and_touching_events_merge_per_weight_and_metric() {
        let t = month().start() + 1000;
        let events = [
            ev(1, "M2", t, Some(t + 600), 1.0),
            ev(1, "M2", t + 600, Some(t + 1200), 1.0), // touches: merged
            ev(1, "M2", t + 100, Some(t + 200), 1.0),  // inside: absorbed
            ev(1, "M2", t + 300, Some(t + 4000), 0.5), // other weight: apart
            ev(1, "M2C", t, Some(t + 600), 1.0),       // other metric: apart
            ev(2, "M2", t, Some(t + 600), 1.0),        // other AS: apart
            ev(1, "M2", t + 1201, Some(t + 1300), 1.0), // a second later: apart
        ];
        let inc = consolidate(&events, month(), &Weighting::default());
        let m2: Vec<_> =
            inc.iter().filter(|i| i.asn == Asn(1) && i.metric == "M2" && i.weight == 1.0).collect();
        assert_eq!(m2.len(), 2);
        assert_eq!((m2[0].start, m2[0].end, m2[0].evidence.len()), (t, t + 1200, 3));
        assert_eq!(m2[0].score, 0.5);
        let half = inc.iter().find(|i| i.weight == 0.5).unwrap();
        assert_eq!(half.score, 0.5, "an hour at weight 0.5");
        assert_eq!(inc.len(), 5);
    }

    #[test]
    fn clipped_to_the_period_and_open_events_end_with_it() {
        let m = month();
        let events = [
            ev(1, "M3", m.start() - 86_400 * 3, Some(m.start() + 60), 1.0),
            ev(2, "M3", m.end() - 3600, None, 1.0),
            ev(3, "M3", m.end() + 10, None, 1.0),
            ev(4, "M3", m.start() - 100, Some(m.start() - 10), 1.0),
        ];
        let inc = consolidate(&events, m, &Weighting::default());
        assert_eq!(inc.len(), 2);
        assert_eq!((inc[0].start, inc[0].end, inc[0].score), (m.start(), m.start() + 60, 0.5));
        assert_eq!((inc[1].end, inc[1].score), (m.end(), 1.0));
    }
}
