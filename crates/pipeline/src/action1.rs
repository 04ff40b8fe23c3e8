//! MANRS Action 1 (filtering) incidents of a period, from our own BGP data
//! (manrs-spec §2.3, §2.4, §2.8): hijacks (M2, M2C) found by the engine's
//! MOAS/sub-MOAS detector, bogon prefixes (M3, M3C) and bogon origin ASNs
//! (M4) found with the bogon reference; events consolidated into incidents
//! by the published duration weighting. Every incident keeps the findings
//! behind it as JSON evidence (prefix, origin, path, peer, times, tags).
//!
//! A period read in parts ([`crate::Shard`]) adds each part's findings to
//! one [`Action1Builder`]; counts add up, findings are numbered in an order
//! that does not depend on the parts, and the incidents are consolidated
//! once, at [`Action1Builder::finish`].

use std::collections::{BTreeMap, HashMap};

use manrs_engine::aspa::{AspaIndex, AspaVerdict};
use manrs_engine::hijacks::Relationship;
use manrs_engine::hijacks::{Context, Detection, OriginSpan, detect};
use manrs_engine::leaks::{Leak, SeenPath};
use manrs_engine::{
    BogonClass, BogonRef, Event, Peer, Settings, SnapshotRoute, Weighting, consolidate, path_bogons,
};
use manrs_store::IncidentRow;
use manrs_types::Prefix;
use manrs_types::{Asn, Month};
use serde::Serialize;
use serde_json::{Value, json};

/// Counts of what Action 1 detection saw, kept with the period.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Action1Stats {
    /// Prefixes with more than one origin (own or covering).
    pub conflicts: u64,
    /// Conflicts where no origin had more evidence.
    pub unresolved: u64,
    /// Lower-scored origins the baseline already had (not events).
    pub established: u64,
    /// Suspect origins found.
    pub suspects: u64,
    /// Suspects pruned, per reason.
    pub pruned: BTreeMap<String, u64>,
    /// Suspects kept as hijacks.
    pub hijacks: u64,
    /// Routes in full-bogon space.
    pub bogon_full: u64,
    /// Routes in administrative-bogon space.
    pub bogon_administrative: u64,
    /// Routes whose origin is a bogon AS number.
    pub bogon_origin_asn: u64,
    /// Distinct paths with a bogon AS number between the collector's peer
    /// and the origin (counted whether or not its class counts).
    pub bogon_path_asn: u64,
    /// Distinct paths whose first AS (the collector's own peer) is a bogon
    /// AS number: no other network propagated it, so no incident.
    pub bogon_peer_asn: u64,
    /// Valley-free violations found (with inferred relationships these are
    /// candidates, not incidents, unless the settings say otherwise).
    pub leaks: u64,
    /// Where the AS relationships came from: `caida` or `inferred`.
    pub relationships: String,
    /// Distinct paths by ASPA verdict (`valid`, `invalid`, `unknown`).
    pub aspa: BTreeMap<String, u64>,
    /// Paths carrying the RFC 9234 Only-to-Customer attribute.
    pub otc_paths: u64,
    /// Leaks shown by it (before the relationship policy; those the
    /// valley-free check found too are counted here and not twice).
    pub otc_leaks: u64,
    /// Relationship-based leaks dropped because their path is ASPA-valid
    /// (every hop attested valley-free).
    pub leaks_aspa_valid: u64,
    /// Incidents stored.
    pub incidents: u64,
}

/// The incidents of a period and the counts behind them.
#[derive(Debug, Default)]
pub struct Action1 {
    /// Incidents, ready for the store.
    pub incidents: Vec<IncidentRow>,
    /// Counts.
    pub stats: Action1Stats,
}

/// Where and when a path was first seen: collector, peer, time, path.
fn sighting(peers: &[Peer], id: u32, time: i64, path: &[Asn]) -> Value {
    let mut v = match peers.get(id as usize) {
        Some(p) => json!({"collector": p.collector, "peerIp": p.ip.to_string(), "peerAsn": p.asn}),
        None => json!({}),
    };
    v["time"] = json!(time);
    v["path"] = json!(path);
    v
}

/// Where a finding sorts among the findings of a period: every part of a
/// period sharded by prefix and path ([`crate::Shard`]) adds its findings,
/// and sorting them by this key gives the order one pass over the whole
/// period gives (hijacks by prefix, leaks by kind and path, bogon routes
/// by route), so that incidents list the same evidence in the same order
/// however the period was read. Findings of the same key keep the order
/// they were added in.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Hijack(Prefix),
    /// 0: valley-free, 1: shown by the OTC attribute only, 2: ASPA.
    Leak(u8, Vec<Asn>),
    Bogon(Prefix, Asn, bool),
}

/// A finding with its confidence and its events (their evidence index is
/// set when the findings are numbered).
struct Finding {
    key: Key,
    value: Value,
    confidence: Option<f64>,
    events: Vec<Event>,
}

/// The first path (by first sighting, then by its ASes) through a bogon AS
/// number that an AS propagated, and the counts over all such paths.
struct PathBogon {
    bogon: Asn,
    class: BogonClass,
    reason: String,
    upstream: Option<Asn>,
    first: i64,
    last: i64,
    paths: u64,
    /// The example path's ASes, prefix, peer (collector, address, AS) and
    /// first sighting.
    example: (Vec<Asn>, Prefix, Value),
}

/// Collects the Action 1 findings of a period, one part after another
/// ([`Action1Builder::add`]), and turns them into incidents
/// ([`Action1Builder::finish`]).
#[derive(Default)]
pub struct Action1Builder {
    stats: Action1Stats,
    findings: Vec<Finding>,
    path_bogons: BTreeMap<(Asn, Asn), PathBogon>,
    /// `Settings::bogon_min_duration`.
    min_duration: i64,
}

/// Finds the Action 1 incidents of a period read in one part.
#[allow(clippy::too_many_arguments)]
pub fn action1(
    month: Month,
    routes: &[SnapshotRoute],
    peers: &[Peer],
    spans: &[OriginSpan],
    ctx: &Context<'_>,
    bogons: &BogonRef,
    leaks: (&[Leak<'_>], &[Leak<'_>], &str, &AspaIndex),
    paths: &[SeenPath],
    settings: &Settings,
    weighting: &Weighting,
) -> Action1 {
    let mut b = Action1Builder::default();
    b.add(routes, peers, spans, ctx, bogons, leaks, paths, settings);
    b.finish(month, weighting)
}

impl Action1Builder {
    /// Adds the findings of one part of a period: its snapshot routes, the
    /// peer table they refer to, its announcement spans, its distinct paths
    /// with the leaks found on them.
    #[allow(clippy::too_many_arguments)]
    pub fn add(
        &mut self,
        routes: &[SnapshotRoute],
        peers: &[Peer],
        spans: &[OriginSpan],
        ctx: &Context<'_>,
        bogons: &BogonRef,
        (leaks, otc_leaks, relationships, aspa): (&[Leak<'_>], &[Leak<'_>], &str, &AspaIndex),
        paths: &[SeenPath],
        settings: &Settings,
    ) {
        self.min_duration = settings.bogon_min_duration;
        let stats = &mut self.stats;
        let findings = &mut self.findings;
        let mut push = |key: Key, value: Value, confidence: Option<f64>, events: Vec<Event>| {
            findings.push(Finding { key, value, confidence, events });
        };

        // Hijacks.
        let d: Detection = detect(spans, ctx);
        stats.conflicts += d.conflicts;
        stats.unresolved += d.unresolved;
        stats.established += d.established;
        stats.suspects += d.hijacks.len() as u64;
        for (k, v) in d.pruned() {
            *stats.pruned.entry(format!("{k:?}")).or_insert(0) += v;
        }
        for h in d.hijacks.iter().filter(|h| h.pruned.is_none()) {
            stats.hijacks += 1;
            let first = sighting(peers, h.first.peer, h.first.time, &h.first.path);
            let value = json!({
                "type": "hijack",
                "kind": h.kind,
                "prefix": h.prefix,
                "origin": h.origin,
                "legitimate": h.legitimate.iter().map(|(p, a)| json!({"prefix": p, "origin": a})).collect::<Vec<_>>(),
                "intervals": h.intervals,
                "upstreams": h.upstreams,
                "peers": h.peers,
                "scores": {"suspect": h.scores.0, "legitimate": h.scores.1},
                "confidence": h.confidence,
                "tags": h.tags,
                "first": first,
            });
            let mut events = Vec::new();
            for (start, end) in &h.intervals {
                let ev = |asn: Asn, metric| Event {
                    asn,
                    metric,
                    start: *start,
                    end: *end,
                    weight: 1.0,
                    evidence: 0,
                };
                events.push(ev(h.origin, "M2"));
                for u in &h.upstreams {
                    events.push(ev(*u, "M2C"));
                }
            }
            push(Key::Hijack(h.prefix), value, Some(h.confidence), events);
        }

        // Route leaks.
        stats.leaks += leaks.len() as u64;
        stats.relationships = relationships.to_string();
        let leak_confidence = if relationships == "caida" { 0.8 } else { 0.5 };
        stats.otc_paths += paths.iter().filter(|p| p.otc.is_some()).count() as u64;
        stats.otc_leaks += otc_leaks.len() as u64;
        // OTC leaks join the valley-free ones (judged with the same
        // relationships, so under the same policy), unless already found. A
        // leak is known by (leaker, receiver, path); paths are the period's
        // distinct paths, so the path's address identifies it.
        type LeakKey = (Asn, Asn, *const SeenPath);
        let key = |l: &Leak<'_>| -> LeakKey { (l.leaker, l.to, std::ptr::from_ref(l.path)) };
        let counted = relationships == "caida" || settings.leaks_from_inferred;
        let mut combined: Vec<(Leak<'_>, u8)> = Vec::new();
        let mut found: HashMap<LeakKey, usize> = HashMap::new();
        if counted {
            combined.reserve(leaks.len() + otc_leaks.len());
            for l in leaks {
                found.entry(key(l)).or_insert(combined.len());
                combined.push((l.clone(), 0));
            }
            for l in otc_leaks {
                match found.get(&key(l)) {
                    Some(&i) => combined[i].0.otc = l.otc,
                    None => {
                        found.insert(key(l), combined.len());
                        combined.push((l.clone(), 1));
                    }
                }
            }
        }
        // ASPA-invalid paths are leaks on their own evidence (signed objects).
        let mut aspa_leaks: Vec<Leak<'_>> = Vec::new();
        if !aspa.is_empty() {
            for p in paths {
                let verdict = aspa.verify(&p.path);
                *stats.aspa.entry(format!("{verdict:?}").to_lowercase()).or_insert(0) += 1;
                if let Some((leaker, to)) = aspa.leak(&p.path)
                    && !found.contains_key(&(leaker, to, std::ptr::from_ref(p)))
                {
                    let up: Vec<Asn> = p.path.iter().rev().copied().collect();
                    let from = up
                        .iter()
                        .position(|a| *a == leaker)
                        .and_then(|i| i.checked_sub(1))
                        .map(|i| up[i]);
                    aspa_leaks.push(Leak {
                        leaker,
                        from: from.unwrap_or(leaker),
                        from_rel: Relationship::CustomerOf,
                        to,
                        to_rel: Relationship::CustomerOf,
                        path: p,
                        otc: None,
                    });
                }
            }
        }
        let all: Vec<(&Leak<'_>, &str, u8)> = combined
            .iter()
            .filter(|(l, _)| {
                let valid = !aspa.is_empty() && aspa.verify(&l.path.path) == AspaVerdict::Valid;
                stats.leaks_aspa_valid += u64::from(valid);
                !valid
            })
            .map(|(l, group)| (l, relationships, *group))
            .chain(aspa_leaks.iter().map(|l| (l, "aspa", 2)))
            .collect();
        for (l, basis, group) in all {
            let leak_confidence = if basis == "aspa" {
                0.9
            } else if l.otc.is_some() {
                // The route's own attribute says it was for customers only.
                (leak_confidence + 0.1_f64).min(0.9)
            } else {
                leak_confidence
            };
            let first = sighting(peers, l.path.peer, l.path.first, &l.path.path);
            let value = json!({
                "type": "leak",
                "leaker": l.leaker,
                "from": l.from,
                "fromRelationship": l.from_rel,
                "to": l.to,
                "toRelationship": l.to_rel,
                "prefix": l.path.prefix,
                "origin": l.path.path.last(),
                "firstSeen": l.path.first,
                "lastSeen": l.path.last,
                "announcements": l.path.count,
                "relationships": basis,
                "otc": l.otc,
                "aspa": if aspa.is_empty() { Value::Null } else { json!(aspa.verify(&l.path.path)) },
                "confidence": leak_confidence,
                "first": first,
            });
            let end = l.path.last.max(l.path.first + settings.bogon_min_duration);
            let ev = |asn: Asn, metric| Event {
                asn,
                metric,
                start: l.path.first,
                end: Some(end),
                weight: 1.0,
                evidence: 0,
            };
            let events = vec![ev(l.leaker, "M1"), ev(l.to, "M1C")];
            push(Key::Leak(group, l.path.path.clone()), value, Some(leak_confidence), events);
        }

        // Bogon prefixes and bogon origin ASNs. Undated routes (prefix-origin
        // lists) are counted but give no event: they have no time span.
        for r in routes {
            let prefix_match = bogons.prefix(&r.prefix);
            let asn_match = bogons.asn(r.origin);
            if let Some(m) = &prefix_match {
                match m.class {
                    BogonClass::Full => stats.bogon_full += 1,
                    BogonClass::Administrative => stats.bogon_administrative += 1,
                }
            }
            stats.bogon_origin_asn += u64::from(asn_match.is_some());
            let (Some(first), Some(last)) = (r.first_seen, r.last_seen) else { continue };
            let end = last.max(first + settings.bogon_min_duration);
            let base = json!({
                "prefix": r.prefix,
                "origin": r.origin,
                "upstreams": r.upstreams,
                "firstSeen": first,
                "lastSeen": last,
                "peers": r.peers,
            });
            let counts =
                |class: BogonClass| class == BogonClass::Full || settings.administrative_bogons;
            let ev = |asn: Asn, metric| Event {
                asn,
                metric,
                start: first,
                end: Some(end),
                weight: 1.0,
                evidence: 0,
            };
            let key = || Key::Bogon(r.prefix, r.origin, r.as_set);
            if let Some(m) = prefix_match.filter(|m| counts(m.class)) {
                let mut f = base.clone();
                f["type"] = json!("bogon-prefix");
                f["class"] = json!(m.class);
                f["block"] = json!(m.block);
                f["reason"] = json!(m.reason);
                let mut events = vec![ev(r.origin, "M3")];
                events.extend(r.upstreams.iter().map(|u| ev(*u, "M3C")));
                push(key(), f, None, events);
            }
            if let Some(m) = asn_match.filter(|m| counts(m.class)) {
                let mut f = base;
                f["type"] = json!("bogon-asn");
                f["class"] = json!(m.class);
                f["reason"] = json!(m.reason);
                // The bogon origin is no network: the AS that propagated the
                // route is held responsible.
                let events = r.upstreams.iter().map(|u| ev(*u, "M4")).collect();
                push(key(), f, None, events);
            }
        }

        // Bogon AS numbers inside paths (manrs-spec M4: "AS paths containing
        // reserved/unallocated ASNs ... propagated by the AS"). For each run
        // of bogon ASNs that does not end the path (bogon origins are
        // handled above, per route), the AS just before the run on the way
        // to the collector put it into the Internet's routing: M4. The AS
        // before that, which accepted it from its customer, gets M4C. One
        // finding per (responsible AS, bogon ASN) with the number of paths
        // and the first (by first sighting, then by its ASes).
        for p in paths {
            let (found, peer) = path_bogons(&p.path, bogons);
            stats.bogon_peer_asn += u64::from(peer);
            stats.bogon_path_asn += u64::from(!found.is_empty());
            for b in found {
                if !(b.class == BogonClass::Full || settings.administrative_bogons) {
                    continue;
                }
                let example =
                    || (p.path.clone(), p.prefix, sighting(peers, p.peer, p.first, &p.path));
                let e = self.path_bogons.entry((b.propagated_by, b.bogon)).or_insert_with(|| {
                    PathBogon {
                        bogon: b.bogon,
                        class: b.class,
                        reason: b.reason.clone(),
                        upstream: b.upstream,
                        first: p.first,
                        last: p.last,
                        paths: 0,
                        example: example(),
                    }
                });
                e.paths += 1;
                if (p.first, &p.path) < (e.first, &e.example.0) {
                    (e.first, e.example, e.upstream) = (p.first, example(), b.upstream);
                }
                e.last = e.last.max(p.last);
            }
        }
    }

    /// Numbers the findings, consolidates their events into the incidents
    /// of `month` and scores them.
    pub fn finish(self, month: Month, weighting: &Weighting) -> Action1 {
        let Action1Builder { mut stats, mut findings, path_bogons, min_duration } = self;
        // Stable: findings of one key keep the order they were found in.
        findings.sort_by(|a, b| a.key.cmp(&b.key));
        let mut values: Vec<Value> = Vec::with_capacity(findings.len() + path_bogons.len());
        let mut confidence: Vec<Option<f64>> = Vec::with_capacity(values.capacity());
        let mut events: Vec<Event> = Vec::new();
        for (i, f) in findings.into_iter().enumerate() {
            values.push(f.value);
            confidence.push(f.confidence);
            events.extend(f.events.into_iter().map(|e| Event { evidence: i, ..e }));
        }
        for ((responsible, _), b) in path_bogons {
            let i = values.len();
            let (path, prefix, first) = b.example;
            values.push(json!({
                "type": "bogon-asn-in-path",
                "asn": b.bogon,
                "class": b.class,
                "reason": b.reason,
                "propagatedBy": responsible,
                "upstream": b.upstream,
                "prefix": prefix,
                "origin": path.last(),
                "firstSeen": b.first,
                "lastSeen": b.last,
                "paths": b.paths,
                "first": first,
            }));
            confidence.push(None);
            let end = b.last.max(b.first + min_duration);
            let ev = |asn: Asn, metric| Event {
                asn,
                metric,
                start: b.first,
                end: Some(end),
                weight: 1.0,
                evidence: i,
            };
            events.push(ev(responsible, "M4"));
            if let Some(u) = b.upstream {
                events.push(ev(u, "M4C"));
            }
        }
        let findings = values;

        let incidents = consolidate(&events, month, weighting)
            .into_iter()
            .map(|inc| {
                let evidence: Vec<Value> =
                    inc.evidence.iter().map(|i| findings[*i].clone()).collect();
                let conf = inc
                    .evidence
                    .iter()
                    .filter_map(|i| confidence[*i])
                    .fold(None, |a: Option<f64>, c| Some(a.map_or(c, |a| a.max(c))));
                let summary = summarise(inc.metric, inc.asn, &evidence);
                IncidentRow {
                    asn: inc.asn,
                    metric: inc.metric.to_string(),
                    weight: inc.weight,
                    start: inc.start,
                    end: inc.end,
                    score: inc.score,
                    confidence: conf,
                    summary,
                    evidence: Value::Array(evidence),
                }
            })
            .collect::<Vec<_>>();
        stats.incidents = incidents.len() as u64;
        Action1 { incidents, stats }
    }
}

/// One line: what the first finding says, and how many more there are.
fn summarise(metric: &str, asn: Asn, evidence: &[Value]) -> String {
    let Some(f) = evidence.first() else { return String::new() };
    let prefix = f["prefix"].as_str().unwrap_or("?");
    let origin = f["origin"].as_u64().unwrap_or(0);
    let more =
        if evidence.len() > 1 { format!(" (+{} more)", evidence.len() - 1) } else { String::new() };
    let legit = |f: &Value| {
        f["legitimate"]
            .as_array()
            .map(|l| l.iter().map(|x| format!("AS{}", x["origin"])).collect::<Vec<_>>().join(", "))
            .unwrap_or_default()
    };
    match metric {
        "M2" => format!(
            "originated {prefix}, which {} announces ({}){more}",
            legit(f),
            f["kind"].as_str().unwrap_or("")
        ),
        "M2C" => format!(
            "propagated {prefix} from its customer AS{origin}, which {} announces{more}",
            legit(f)
        ),
        "M3" => format!("originated bogon {prefix}: {}{more}", f["reason"].as_str().unwrap_or("")),
        "M3C" => format!("propagated bogon {prefix} from AS{origin}{more}"),
        "M1" if f["relationships"] == "aspa" => {
            format!("passed {prefix} to AS{}: its ASPA-invalid path leaves a valley{more}", f["to"])
        }
        "M1" => format!(
            "passed {prefix} from AS{} (its {}) to AS{} (its {}){more}",
            f["from"],
            relation(&f["fromRelationship"]),
            f["to"],
            relation(&f["toRelationship"])
        ),
        "M1C" => format!("accepted and propagated {prefix} leaked by AS{}{more}", f["leaker"]),
        "M4" if f["type"] == "bogon-asn-in-path" => format!(
            "propagated paths through bogon AS{} ({}), e.g. {prefix}{more}",
            f["asn"],
            f["reason"].as_str().unwrap_or("")
        ),
        "M4" => format!(
            "propagated {prefix} from bogon AS{origin}: {}{more}",
            f["reason"].as_str().unwrap_or("")
        ),
        "M4C" => format!(
            "accepted from AS{} paths through bogon AS{}, e.g. {prefix}{more}",
            f["propagatedBy"], f["asn"]
        ),
        _ => format!("AS{}: {metric}{more}", asn.0),
    }
}

/// "provider" or "peer", for a relationship seen from the leaker.
fn relation(v: &Value) -> &'static str {
    match v.as_str() {
        Some("customer-of") => "provider",
        Some("provider-of") => "customer",
        _ => "peer",
    }
}
