//! `manrs bench-data --out DIR`: a full-table TABLE_DUMP_V2 RIB (RFC 6396
//! §4.3) made from real data, for the MRT benchmarks of
//! `docs/performance.md`.
//!
//! Construction (deterministic for a given `--seed`):
//!
//! - **Prefixes and origins**: every row of the pyasn tables built from the
//!   full RouteViews RIBs of 2026-07-30 (`ipasn_20260730.dat.gz`,
//!   `ipasn6_20260730.dat.gz`: 1,107,938 IPv4 and 258,956 IPv6 prefixes),
//!   sorted by prefix as in a real RIB, IPv4 first.
//! - **Peers**: the PEER_INDEX_TABLE of the real IPv4 RIB
//!   (`rib.20260730.1400_first2MB.bz2`, route-views2) followed by the peers
//!   of the real IPv6 RIB (`rib6.20260730.1400_firstMB.bz2`, route-views6),
//!   whose entries are renumbered accordingly.
//! - **Entries** (peers, AS paths, communities, next hops, MEDs, originated
//!   times) come from the real RIB records of the same address family, the
//!   *templates*:
//!   1. a prefix that has a record in the real RIB gets that record's
//!      entries unchanged (`real`);
//!   2. otherwise a template whose entries end in the prefix's origin is
//!      drawn at random (`same origin`);
//!   3. otherwise any template is drawn at random and each entry's AS path
//!      gets the prefix's origin in place of its own: the trailing run of
//!      the old origin (prepending kept) is replaced, a trailing AS_SET is
//!      dropped, and a path made only of the peer's own AS gets the origin
//!      appended (`origin rewritten`).
//!
//!   In the last two cases entries whose path ends elsewhere are rewritten
//!   too, so that every entry of a generated prefix ends in its origin.
//!
//! Records are encoded with bgpkit-parser's own MRT encoders
//! (`MrtMessage::encode`, `CommonHeader::encode`), not by hand, and written
//! once through bzip2 (level 9, as RouteViews publishes) and once through
//! gzip (default level, as RIPE RIS publishes), on two threads.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::mpsc::{SyncSender, sync_channel};
use std::thread::JoinHandle;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use bgpkit_parser::models::{
    AsPath, AsPathSegment, Asn, AttributeValue, Attributes, CommonHeader, EntryType, MrtMessage,
    NetworkPrefix, PeerIndexTable, RibAfiEntries, RibEntry, TableDumpV2Message, TableDumpV2Type,
};
use ipnet::IpNet;
use manrs_input::Input;
use manrs_sources::ipasn::IpAsnReader;
use manrs_types::Mode;

/// Arguments of `manrs bench-data`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Directory to write the RIB files into (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// The shared data directory holding `routeviews-rv2-rib-2026-07-30/`.
    #[arg(long, default_value = "../shared/data")]
    data: PathBuf,
    /// Seed of the template draws.
    #[arg(long, default_value_t = 20_260_730)]
    seed: u64,
    /// Use only the first N prefixes of each address family (quick runs).
    #[arg(long)]
    limit: Option<usize>,
}

const DIR: &str = "routeviews-rv2-rib-2026-07-30";
/// Base name of the written files (`.bz2` and `.gz` are appended).
pub const OUT_NAME: &str = "rib.20260730.1400.full";
/// Bytes handed to the compressor threads at a time.
const BATCH: usize = 4 * 1024 * 1024;

/// SplitMix64 (Steele, Lea, Flood 2014): a small, seedable generator, so
/// the output depends on the seed only.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The real RIB records of one address family.
#[derive(Default)]
struct Templates {
    records: Vec<Vec<RibEntry>>,
    by_prefix: HashMap<IpNet, usize>,
    by_origin: HashMap<u32, Vec<usize>>,
}

/// What was read from one real RIB.
struct RealRib {
    peers: PeerIndexTable,
    time: u32,
    templates: Templates,
    note: String,
}

/// The origin of a path: the last AS of a trailing AS_SEQUENCE.
fn path_origin(path: &AsPath) -> Option<u32> {
    match path.segments.last()? {
        AsPathSegment::AsSequence(s) => s.last().map(|a| a.to_u32()),
        _ => None,
    }
}

fn entry_origin(e: &RibEntry) -> Option<u32> {
    e.attributes.as_path().and_then(path_origin)
}

/// Puts `origin` at the end of `path` (see the module docs).
fn set_path_origin(path: &mut AsPath, origin: u32) {
    let origin = Asn::from(origin);
    while path.segments.last().is_some_and(|s| !matches!(s, AsPathSegment::AsSequence(_))) {
        path.segments.pop();
    }
    match path.segments.last_mut() {
        Some(AsPathSegment::AsSequence(seq)) if !seq.is_empty() => {
            let old = seq[seq.len() - 1];
            if old == origin {
                return;
            }
            if seq.iter().all(|a| *a == old) {
                // The peer's own route: the origin goes behind the peer.
                seq.push(origin);
                return;
            }
            for a in seq.iter_mut().rev() {
                if *a != old {
                    break;
                }
                *a = origin;
            }
        }
        _ => path.segments.push(AsPathSegment::AsSequence(vec![origin].into())),
    }
}

/// The entry with every AS_PATH ending in `origin`.
fn with_origin(e: &RibEntry, origin: u32) -> RibEntry {
    if entry_origin(e) == Some(origin) {
        return e.clone();
    }
    let attributes: Vec<_> = e
        .attributes
        .clone()
        .into_attributes_iter()
        .map(|mut a| {
            if let AttributeValue::AsPath(p) = &mut a.value {
                set_path_origin(p, origin);
            }
            a
        })
        .collect();
    RibEntry {
        peer_index: e.peer_index,
        originated_time: e.originated_time,
        path_id: e.path_id,
        attributes: Attributes::from(attributes),
    }
}

/// Reads the records of a (possibly truncated) real RIB.
fn read_real_rib(path: &Path, peer_offset: u16) -> Result<RealRib> {
    let mut input = Input::open(path)?;
    let status = input.status();
    let first = bgpkit_parser::parse_mrt_record(&mut input)
        .map_err(|e| anyhow::anyhow!("{}: first record: {}", path.display(), e.error))?;
    let MrtMessage::TableDumpV2Message(TableDumpV2Message::PeerIndexTable(peers)) = first.message
    else {
        bail!("{}: does not start with a TABLE_DUMP_V2 PEER_INDEX_TABLE", path.display());
    };
    let time = first.common_header.timestamp;
    let mut t = Templates::default();
    let mut entries = 0u64;
    let end = loop {
        let rec = match bgpkit_parser::parse_mrt_record(&mut input) {
            Ok(r) => r,
            Err(e) => break e.error.to_string(),
        };
        let MrtMessage::TableDumpV2Message(TableDumpV2Message::RibAfi(rib)) = rec.message else {
            continue;
        };
        let mut list = rib.rib_entries;
        for e in &mut list {
            e.peer_index += peer_offset;
        }
        entries += list.len() as u64;
        // The template's origin: the one most of its entries end in.
        let mut counts: HashMap<u32, usize> = HashMap::new();
        for o in list.iter().filter_map(entry_origin) {
            *counts.entry(o).or_default() += 1;
        }
        let origin = counts.into_iter().max_by_key(|&(o, n)| (n, std::cmp::Reverse(o)));
        let idx = t.records.len();
        t.by_prefix.insert(rib.prefix.prefix, idx);
        if let Some((o, _)) = origin {
            t.by_origin.entry(o).or_default().push(idx);
        }
        t.records.push(list);
    };
    let why = match status.diagnostic(&Arc::from(path.display().to_string())) {
        Some(d) => d.to_string(),
        None => end,
    };
    let note = format!(
        "{}: {} peers, {} records, {} entries, {} origins (read up to: {why})",
        path.display(),
        peers.id_peer_map.len(),
        t.records.len(),
        entries,
        t.by_origin.len()
    );
    Ok(RealRib { peers, time, templates: t, note })
}

/// Reads a pyasn table, sorted by prefix, without repeated prefixes.
fn read_ipasn(path: &Path, limit: Option<usize>) -> Result<Vec<(IpNet, u32)>> {
    let reader = IpAsnReader::open(path, Mode::Strict)?;
    let mut rows = Vec::new();
    for row in reader {
        let row = row.map_err(|d| anyhow::anyhow!("{d}"))?;
        rows.push((row.prefix.net(), row.origin.0));
    }
    rows.sort_unstable();
    rows.dedup_by_key(|r| r.0);
    if let Some(n) = limit {
        rows.truncate(n);
    }
    Ok(rows)
}

/// Counts of one address family.
#[derive(Default)]
struct FamilyCounts {
    prefixes: u64,
    real: u64,
    same_origin: u64,
    rewritten: u64,
    entries: u64,
}

/// A compressor running on its own thread.
struct Sink {
    tx: SyncSender<Arc<Vec<u8>>>,
    handle: JoinHandle<Result<u64>>,
    path: PathBuf,
}

fn spawn_sink<W: Write + Send + 'static>(
    path: PathBuf,
    make: impl FnOnce(BufWriter<File>) -> W + Send + 'static,
    finish: impl FnOnce(W) -> std::io::Result<BufWriter<File>> + Send + 'static,
) -> Result<Sink> {
    let file = File::create(&path).with_context(|| format!("{}", path.display()))?;
    let (tx, rx) = sync_channel::<Arc<Vec<u8>>>(4);
    let shown = path.display().to_string();
    let handle = std::thread::spawn(move || -> Result<u64> {
        let mut w = make(BufWriter::new(file));
        for chunk in rx {
            w.write_all(&chunk).with_context(|| shown.clone())?;
        }
        let mut inner = finish(w).with_context(|| shown.clone())?;
        inner.flush().with_context(|| shown.clone())?;
        let file = inner.into_inner().map_err(|e| anyhow::anyhow!("{shown}: {e}"))?;
        Ok(file.metadata()?.len())
    });
    Ok(Sink { tx, handle, path })
}

/// Writes batches to every sink.
struct Out {
    sinks: Vec<Sink>,
    buf: Vec<u8>,
    bytes: u64,
    records: u64,
}

impl Out {
    fn record(&mut self, time: u32, subtype: u16, message: &MrtMessage) -> Result<()> {
        let body = message.encode(subtype)?;
        let header = CommonHeader {
            timestamp: time,
            microsecond_timestamp: None,
            entry_type: EntryType::TABLE_DUMP_V2,
            entry_subtype: subtype,
            length: u32::try_from(body.len())?,
        };
        self.buf.extend_from_slice(&header.encode());
        self.buf.extend_from_slice(&body);
        self.records += 1;
        if self.buf.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        let chunk = Arc::new(std::mem::take(&mut self.buf));
        self.bytes += chunk.len() as u64;
        for s in &self.sinks {
            if s.tx.send(chunk.clone()).is_err() {
                bail!("{}: compressor stopped", s.path.display());
            }
        }
        Ok(())
    }
}

/// Runs the command.
pub fn run(args: Args) -> Result<ExitCode> {
    let started = Instant::now();
    let dir = args.data.join(DIR);
    let v4 = read_real_rib(&dir.join("rib.20260730.1400_first2MB.bz2"), 0)?;
    let offset = u16::try_from(v4.peers.id_peer_map.len())?;
    let v6 = read_real_rib(&dir.join("rib6.20260730.1400_firstMB.bz2"), offset)?;
    outln!("templates {}", v4.note);
    outln!("templates {}", v6.note);
    // One peer table: route-views2's peers, then route-views6's.
    let mut peers = v4.peers.clone();
    let mut v6_ids: Vec<_> = v6.peers.id_peer_map.iter().collect();
    v6_ids.sort_by_key(|(id, _)| **id);
    for (id, peer) in v6_ids {
        let new = id.checked_add(offset).context("more than 65,535 peers")?;
        peers.id_peer_map.insert(new, *peer);
        peers.peer_ip_id_map.entry(peer.peer_ip).or_insert(new);
    }
    let prefixes4 = read_ipasn(&dir.join("ipasn_20260730.dat.gz"), args.limit)?;
    let prefixes6 = read_ipasn(&dir.join("ipasn6_20260730.dat.gz"), args.limit)?;

    std::fs::create_dir_all(&args.out).with_context(|| format!("{}", args.out.display()))?;
    let bz_path = args.out.join(format!("{OUT_NAME}.bz2"));
    let gz_path = args.out.join(format!("{OUT_NAME}.gz"));
    let bz = spawn_sink(
        bz_path,
        |f| bzip2::write::BzEncoder::new(f, bzip2::Compression::best()),
        |w| w.finish(),
    )?;
    let gz = spawn_sink(
        gz_path,
        |f| flate2::write::GzEncoder::new(f, flate2::Compression::default()),
        |w| w.finish(),
    )?;
    let mut out =
        Out { sinks: vec![bz, gz], buf: Vec::with_capacity(BATCH * 2), bytes: 0, records: 0 };
    let time = v4.time;
    out.record(
        time,
        TableDumpV2Type::PeerIndexTable as u16,
        &MrtMessage::TableDumpV2Message(TableDumpV2Message::PeerIndexTable(peers)),
    )?;

    let mut rng = SplitMix64(args.seed);
    let mut sequence = 0u32;
    let mut counts = [FamilyCounts::default(), FamilyCounts::default()];
    for (fam, (rows, templates, rib_type)) in [
        (&prefixes4, &v4.templates, TableDumpV2Type::RibIpv4Unicast),
        (&prefixes6, &v6.templates, TableDumpV2Type::RibIpv6Unicast),
    ]
    .into_iter()
    .enumerate()
    {
        if templates.records.is_empty() {
            bail!("no RIB records to take entries from for {rib_type:?}");
        }
        let c = &mut counts[fam];
        for &(net, origin) in rows {
            let entries: Vec<RibEntry> = if let Some(&i) = templates.by_prefix.get(&net) {
                c.real += 1;
                templates.records[i].clone()
            } else {
                let i = match templates.by_origin.get(&origin) {
                    Some(list) => {
                        c.same_origin += 1;
                        list[rng.below(list.len())]
                    }
                    None => {
                        c.rewritten += 1;
                        rng.below(templates.records.len())
                    }
                };
                templates.records[i].iter().map(|e| with_origin(e, origin)).collect()
            };
            c.prefixes += 1;
            c.entries += entries.len() as u64;
            let rib = RibAfiEntries {
                rib_type,
                sequence_number: sequence,
                prefix: NetworkPrefix::new(net, None),
                rib_entries: entries,
            };
            sequence = sequence.wrapping_add(1);
            out.record(
                time,
                rib_type as u16,
                &MrtMessage::TableDumpV2Message(TableDumpV2Message::RibAfi(rib)),
            )?;
        }
    }
    out.flush()?;
    let Out { sinks, bytes, records, .. } = out;
    let mut written = Vec::new();
    for s in sinks {
        drop(s.tx);
        let size = s.handle.join().map_err(|_| anyhow::anyhow!("compressor thread panicked"))??;
        written.push((s.path, size));
    }
    for (name, c) in ["IPv4", "IPv6"].iter().zip(&counts) {
        outln!(
            "{name}: {} prefixes ({} real, {} same origin, {} origin rewritten), {} entries",
            c.prefixes,
            c.real,
            c.same_origin,
            c.rewritten,
            c.entries
        );
    }
    let peers_total = usize::from(offset) + v6.peers.id_peer_map.len();
    outln!(
        "seed {}: {records} records (1 PEER_INDEX_TABLE of {peers_total} peers), {} elements, {bytes} bytes of MRT",
        args.seed,
        counts[0].entries + counts[1].entries
    );
    for (path, size) in written {
        outln!("wrote {} ({size} bytes)", path.display());
    }
    outln!("took {:.1} s", started.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(segments: Vec<AsPathSegment>) -> AsPath {
        AsPath { segments: segments.into() }
    }

    fn seq(asns: &[u32]) -> AsPathSegment {
        AsPathSegment::AsSequence(asns.iter().map(|a| Asn::from(*a)).collect())
    }

    fn set(asns: &[u32]) -> AsPathSegment {
        AsPathSegment::AsSet(asns.iter().map(|a| Asn::from(*a)).collect())
    }

    #[test]
    fn origin_rewrite_keeps_prepending_and_the_peer() {
        let mut p = path(vec![seq(&[7018, 3356, 64500, 64500])]);
        set_path_origin(&mut p, 13335);
        assert_eq!(p, path(vec![seq(&[7018, 3356, 13335, 13335])]));

        // The peer's own route: the origin goes behind it.
        let mut p = path(vec![seq(&[3130, 3130])]);
        set_path_origin(&mut p, 174);
        assert_eq!(p, path(vec![seq(&[3130, 3130, 174])]));

        // An aggregate's AS_SET is dropped.
        let mut p = path(vec![seq(&[7018, 3356]), set(&[1, 2])]);
        set_path_origin(&mut p, 65001);
        assert_eq!(p, path(vec![seq(&[7018, 65001])]));
        assert_eq!(path_origin(&p), Some(65001));

        // Already right: unchanged.
        let mut p = path(vec![seq(&[7018, 13335])]);
        set_path_origin(&mut p, 13335);
        assert_eq!(p, path(vec![seq(&[7018, 13335])]));

        // Nothing to rewrite: the origin becomes the path.
        let mut p = path(vec![]);
        set_path_origin(&mut p, 64511);
        assert_eq!(path_origin(&p), Some(64511));
    }

    #[test]
    fn splitmix_is_seeded() {
        let a: Vec<u64> = {
            let mut r = SplitMix64(7);
            (0..4).map(|_| r.next()).collect()
        };
        let mut r = SplitMix64(7);
        assert_eq!(a, (0..4).map(|_| r.next()).collect::<Vec<_>>());
        assert_ne!(a, {
            let mut r = SplitMix64(8);
            (0..4).map(|_| r.next()).collect::<Vec<_>>()
        });
        // First output of SplitMix64 seeded with 0 (reference value of the
        // published algorithm).
        assert_eq!(SplitMix64(0).next(), 0xe220_a839_7b1d_cdaf);
    }
}
