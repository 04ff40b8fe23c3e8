//! Parallel bzip2 decoding: the blocks of a bzip2 stream are independent,
//! so they are decoded on several threads and delivered in order.
//!
//! Format (Seward's bzip2 1.0 format, as described in "The bzip2 and
//! libbzip2 home page" manual and Joe Tsai's "BZip2 format specification"):
//! a stream is `BZh` + a block size digit, then blocks, each starting with
//! the 48-bit magic `0x314159265359` and its 32-bit CRC, at any bit offset;
//! the stream ends with the 48-bit magic `0x177245385090`, the 32-bit
//! combined CRC (`c = rotl(c, 1) ^ block_crc` over the blocks) and padding
//! to a byte boundary. Streams may be concatenated.
//!
//! A scanner thread reads the compressed bytes and finds the magics at any
//! bit offset. Each block becomes a single-block stream of its own (the
//! header, the block's bits re-aligned, the end-of-stream magic, and the
//! block CRC as combined CRC) that worker threads decode with the same
//! decoder as the sequential path (`bzip2`, libbz2-rs-sys), which checks the
//! block CRC. The reading thread delivers the blocks in order and checks
//! each stream's combined CRC. With `threads` threads, `threads - 1`
//! workers decode, and so does the reading thread when its next block is
//! not ready and a core is free (no more runnable threads on the machine
//! than cores, our scanner aside): it decodes the first waiting block
//! instead of sleeping, so the decoding gets every core the parser leaves
//! free, no more threads run than were asked for, and on a machine busy
//! with other work the reader does not add a second decoder that would only
//! cost CPU.
//!
//! Memory and hand-offs: each block is decoded into an output buffer that
//! the reader gives back once it has moved past the block, and the scanner
//! hands the next job out only with such a buffer. The buffers (a window of
//! `2 x threads + 2`, each about one decoded block, 1 MB for level 9) are
//! therefore allocated once and reused for the whole file, and they bound
//! the blocks in flight. The threads meet under one lock a few times per
//! block; a read copies from the current block and only waits (or decodes)
//! when the block is used up. The decoder state (libbzip2's 3.6 MB `tt` array) is
//! still made per block: the `bzip2` crate's decoder handles one stream and
//! cannot be reset without unsafe code, and measured, a new one per block
//! costs no more than one kept for a whole stream.
//!
//! Guarantees kept from the sequential decoder (and checked by differential
//! tests against it):
//! - **Truncation**: the last piece of a file that ends without an
//!   end-of-stream marker is decoded as a stream without an end, which yields
//!   what the sequential decoder yields and then the same `UnexpectedEof`.
//! - **Corruption**: a block that fails to decode (a CRC mismatch, invalid
//!   data) yields what its decoder yielded and then the decoder's
//!   `InvalidInput` error; a combined CRC mismatch is the same error after
//!   the stream's last block.
//! - **False magic matches**: the block magic can occur by chance inside
//!   compressed data. A piece that does not decode is joined with the
//!   following pieces that did not decode either and retried as one block;
//!   only when no join decodes is it an error.
//! - **Anything else** at a byte-aligned stream boundary (trailing bytes that
//!   are not a bzip2 header, a header cut short) is handed, with the rest of
//!   the input, to the sequential decoder, which reports it as it always did.

use std::collections::{HashMap, VecDeque};
use std::io::{self, BufRead, BufReader, Cursor, Read};
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

/// Block start magic (the BCD digits of pi).
const BLOCK_MAGIC: u64 = 0x3141_5926_5359;
/// End-of-stream magic (the BCD digits of sqrt(pi)).
const EOS_MAGIC: u64 = 0x1772_4538_5090;
const MASK48: u64 = (1 << 48) - 1;
/// Compressed bytes read from the input at a time.
const READ_CHUNK: usize = 1 << 20;
/// Most pieces joined when retrying after a false magic match. A single
/// false match splits a block in two; more than this is corruption.
const MAX_JOIN: usize = 4;

/// `FIRST[b]`: the bit shifts `s` (0-7) at which a magic starting at bit `s`
/// of byte `i` puts byte value `b` at byte `i + 1` (bits 0-7: block magic,
/// 8-15: end-of-stream magic). Byte `i + 1` lies wholly inside the magic for
/// every shift, so it filters candidate positions cheaply.
static FIRST: [u16; 256] = {
    let mut t = [0u16; 256];
    let mut s = 0;
    while s < 8 {
        t[((BLOCK_MAGIC >> (32 + s)) & 0xff) as usize] |= 1 << s;
        t[((EOS_MAGIC >> (32 + s)) & 0xff) as usize] |= 1 << (8 + s);
        s += 1;
    }
    t
};

/// Which magic was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Magic {
    Block,
    End,
}

/// Finds the first magic starting at bit `from` or later in `buf`, looking
/// only at positions whose 48 bits lie in `buf`. Returns the bit position.
fn find_magic(buf: &[u8], from: usize) -> Option<(usize, Magic)> {
    let first = from / 8;
    if buf.len() < first + 6 {
        return None;
    }
    let total_bits = buf.len() * 8;
    let last = buf.len() - 6; // the last byte index a magic can start in
    for i in first..=last {
        let m = FIRST[usize::from(buf[i + 1])];
        if m == 0 {
            continue;
        }
        let mut w = [0u8; 8];
        let end = (i + 8).min(buf.len());
        w[..end - i].copy_from_slice(&buf[i..end]);
        let w = u64::from_be_bytes(w);
        for s in 0..8 {
            let bit = i * 8 + s;
            if bit < from || bit + 48 > total_bits {
                continue;
            }
            let v = (w >> (16 - s)) & MASK48;
            if m & (1 << s) != 0 && v == BLOCK_MAGIC {
                return Some((bit, Magic::Block));
            }
            if m & (1 << (8 + s)) != 0 && v == EOS_MAGIC {
                return Some((bit, Magic::End));
            }
        }
    }
    None
}

/// `n` (at most 57) bits of `buf` from bit `pos`, or `None` past the end.
fn bits(buf: &[u8], pos: usize, n: usize) -> Option<u64> {
    if pos + n > buf.len() * 8 {
        return None;
    }
    let i = pos / 8;
    let mut w = [0u8; 8];
    let end = (i + 8).min(buf.len());
    w[..end - i].copy_from_slice(&buf[i..end]);
    let w = u64::from_be_bytes(w);
    Some((w << (pos % 8)) >> (64 - n))
}

/// A bit string: bytes, most significant bit first, and its length in bits.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct BitBuf {
    bytes: Vec<u8>,
    len: usize,
}

impl BitBuf {
    /// Bits `[start, end)` of `src`, re-aligned to bit 0.
    fn slice(src: &[u8], start: usize, end: usize) -> BitBuf {
        let len = end - start;
        let n = len.div_ceil(8);
        let first = start / 8;
        let r = start % 8;
        let mut bytes = Vec::with_capacity(n + 16);
        if r == 0 {
            bytes.extend_from_slice(&src[first..first + n]);
        } else {
            let get = |k: usize| src.get(k).copied().unwrap_or(0);
            bytes.extend((0..n).map(|j| (get(first + j) << r) | (get(first + j + 1) >> (8 - r))));
        }
        let mut b = BitBuf { bytes, len };
        b.clear_tail();
        b
    }

    /// Zeroes the bits after `len` in the last byte.
    fn clear_tail(&mut self) {
        let used = self.len % 8;
        if used != 0
            && let Some(last) = self.bytes.last_mut()
        {
            *last &= 0xffu8 << (8 - used);
        }
    }

    /// Appends the low `n` (at most 57) bits of `v`.
    fn push(&mut self, v: u64, n: usize) {
        for k in (0..n).rev() {
            if self.len.is_multiple_of(8) {
                self.bytes.push(0);
            }
            let bit = ((v >> k) & 1) as u8;
            let last = self.bytes.len() - 1;
            self.bytes[last] |= bit << (7 - self.len % 8);
            self.len += 1;
        }
    }

    /// Appends another bit string.
    fn append(&mut self, other: &BitBuf) {
        if self.len.is_multiple_of(8) {
            self.bytes.truncate(self.len / 8);
            self.bytes.extend_from_slice(&other.bytes);
            self.len += other.len;
            return;
        }
        let mut pos = 0;
        while pos < other.len {
            let n = (other.len - pos).min(32);
            // `bits` cannot fail: pos + n <= other.len.
            self.push(bits(&other.bytes, pos, n).unwrap_or(0), n);
            pos += n;
        }
    }
}

/// A piece of a stream: the bits from one magic to the next.
struct Piece {
    bits: BitBuf,
    level: u8,
    /// The file ended inside this piece: no end-of-stream marker follows.
    tail: bool,
}

impl Piece {
    /// The piece as a stream of its own: header, the bits, and, unless it is
    /// a tail, the end-of-stream magic with the block CRC as combined CRC.
    fn stream(&self) -> Vec<u8> {
        let mut s = BitBuf { bytes: vec![b'B', b'Z', b'h', b'0' + self.level], len: 32 };
        s.append(&self.bits);
        if !self.tail {
            s.push(EOS_MAGIC, 48);
            s.push(self.crc(), 32);
        }
        s.bytes
    }

    /// The block CRC stored after the block magic.
    fn crc(&self) -> u64 {
        bits(&self.bits.bytes, 48, 32).unwrap_or(0)
    }

    /// Decodes the piece into `out`, which is cleared first and keeps its
    /// capacity (grown when a block needs more), so that a buffer serves
    /// block after block. On failure `out` holds what was decoded, and the
    /// error is what the sequential decoder returns for the same bytes.
    fn decode_into(&self, out: &mut Vec<u8>) -> io::Result<()> {
        let stream = self.stream();
        out.clear();
        let mut d = bzip2::Decompress::new(false);
        let mut at = 0usize;
        loop {
            if out.len() == out.capacity() {
                // A block holds up to `level` x 100 kB before its run-length
                // decoding, usually about as much after; beyond, double.
                let more = match out.capacity() {
                    0 => usize::from(self.level) * 100_000 + 1024,
                    c => c,
                };
                out.reserve(more);
            }
            let before = out.len();
            let input = stream.get(at..).unwrap_or_default();
            let status = d
                .decompress_vec(input, out)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
            let consumed = usize::try_from(d.total_in()).map_or(0, |n| n.saturating_sub(at));
            at += consumed;
            if status == bzip2::Status::StreamEnd {
                return Ok(());
            }
            // What `bzip2::bufread::BzDecoder` reports when the input ends
            // before the stream does.
            if consumed == 0 && at >= stream.len() && out.len() == before {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "decompression not finished but EOF reached",
                ));
            }
        }
    }

    /// Decodes the piece into a new buffer; on failure, what was decoded and
    /// the error.
    fn decode(&self) -> Result<Vec<u8>, (Vec<u8>, io::Error)> {
        let mut out = Vec::new();
        match self.decode_into(&mut out) {
            Ok(()) => Ok(out),
            Err(e) => Err((out, e)),
        }
    }
}

/// What a worker made of a piece.
enum Decoded {
    Ok { out: Vec<u8>, crc: u32 },
    Failed { piece: Piece, out: Vec<u8>, err: io::Error },
}

/// What the reader receives, in sequence order.
enum Item {
    Block(Decoded),
    /// The end-of-stream marker of the current stream, with its combined CRC.
    StreamEnd(u32),
    /// The rest of the input goes to the sequential decoder.
    Sequential(Box<dyn BufRead + Send>),
    /// The input could not be read.
    Error(io::Error),
    /// The input ended cleanly after a stream.
    Done,
}

/// A piece to decode, its place in the sequence and the output buffer to
/// decode it into (a buffer the reader gave back, or a new one).
struct Job {
    seq: u64,
    piece: Piece,
    buf: Vec<u8>,
}

impl Job {
    /// Decodes the piece into the job's buffer.
    fn run(self, shared: &Shared) -> (u64, Item) {
        let Job { seq, piece, mut buf } = self;
        if buf.capacity() == 0 {
            shared.new_buffers.fetch_add(1, Ordering::Relaxed);
        }
        let decoded = match piece.decode_into(&mut buf) {
            Ok(()) => Decoded::Ok { out: buf, crc: piece.crc() as u32 },
            Err(err) => Decoded::Failed { piece, out: buf, err },
        };
        (seq, Item::Block(decoded))
    }
}

/// What the scanner, the workers and the reader share: one lock over the
/// jobs waiting to be decoded and the items waiting to be read, taken a few
/// times per block (never per read).
struct Shared {
    state: Mutex<State>,
    /// Workers wait here for a job.
    work: Condvar,
    /// The reader waits here for its next item or a job to decode.
    ready: Condvar,
    /// Output buffers that had to be allocated (a job got an empty one).
    new_buffers: AtomicUsize,
    /// The scanner's state ([`WAITING`], [`SCANNING`], [`DONE`]): a
    /// scanner that runs, or has just been given a buffer, is runnable
    /// without being other work on the machine ([`core_free`]).
    scanner: AtomicU8,
}

/// [`Shared::scanner`]: waiting for an output buffer.
const WAITING: u8 = 0;
/// [`Shared::scanner`]: running, or given a buffer and about to.
const SCANNING: u8 = 1;
/// [`Shared::scanner`]: gone.
const DONE: u8 = 2;

struct State {
    /// Pieces waiting to be decoded, in sequence order.
    jobs: VecDeque<Job>,
    /// Items ready for the reader, by sequence number.
    items: HashMap<u64, Item>,
    /// Threads (the scanner, the workers) that may still add an item.
    producers: usize,
    /// The scanner has handed out its last job.
    closed: bool,
    /// The reader is gone: everyone stops.
    abandoned: bool,
}

impl Shared {
    fn new(producers: usize) -> Self {
        Shared {
            state: Mutex::new(State {
                jobs: VecDeque::new(),
                items: HashMap::new(),
                producers,
                closed: false,
                abandoned: false,
            }),
            work: Condvar::new(),
            ready: Condvar::new(),
            new_buffers: AtomicUsize::new(0),
            scanner: AtomicU8::new(SCANNING),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing that can panic runs under the lock; a poisoned lock still
        // holds consistent state.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Hands an item to the reader; false when the reader is gone.
    fn put(&self, seq: u64, item: Item) -> bool {
        let mut st = self.lock();
        if st.abandoned {
            return false;
        }
        st.items.insert(seq, item);
        drop(st);
        self.ready.notify_one();
        true
    }

    /// Queues a job for a worker or the reader.
    fn push_job(&self, job: Job) -> bool {
        let mut st = self.lock();
        if st.abandoned {
            return false;
        }
        st.jobs.push_back(job);
        drop(st);
        self.work.notify_one();
        self.ready.notify_one();
        true
    }
}

/// Counts a producer out when its thread ends, however it ends; the scanner
/// also closes the job queue.
struct Producer {
    shared: Arc<Shared>,
    scanner: bool,
}

impl Drop for Producer {
    fn drop(&mut self) {
        if self.scanner {
            self.shared.scanner.store(DONE, Ordering::Relaxed);
        }
        let mut st = self.shared.lock();
        st.producers = st.producers.saturating_sub(1);
        st.closed |= self.scanner;
        drop(st);
        self.shared.work.notify_all();
        self.shared.ready.notify_all();
    }
}

/// A job being decoded: if the decoding thread dies with it, the reader
/// gets an error in its place instead of waiting for it forever.
struct InFlight<'a> {
    shared: &'a Shared,
    seq: Option<u64>,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if let Some(seq) = self.seq.take() {
            self.shared.put(seq, Item::Error(stopped()));
        }
    }
}

fn stopped() -> io::Error {
    io::Error::other("bzip2: a decoding thread stopped")
}

/// A worker thread: decodes jobs until the scanner is done and the queue is
/// empty, or the reader is gone.
fn work(producer: Producer) {
    let shared = &*producer.shared;
    loop {
        let job = {
            let mut st = shared.lock();
            loop {
                if st.abandoned {
                    return;
                }
                if let Some(job) = st.jobs.pop_front() {
                    break job;
                }
                if st.closed {
                    return;
                }
                st = shared.work.wait(st).unwrap_or_else(PoisonError::into_inner);
            }
        };
        let mut in_flight = InFlight { shared, seq: Some(job.seq) };
        let (seq, item) = job.run(shared);
        in_flight.seq = None;
        if !shared.put(seq, item) {
            return;
        }
    }
}

/// The scanner: reads the input, cuts it into pieces and hands them out.
struct Scanner<R> {
    input: Option<R>,
    buf: Vec<u8>,
    eof: bool,
    seq: u64,
    shared: Arc<Shared>,
    /// Output buffers given back by the reader: one is needed per block, so
    /// they bound the blocks in flight.
    buffers: Receiver<Vec<u8>>,
}

impl<R: Read + Send + 'static> Scanner<R> {
    /// Reads more input; false at the end (or on a read error, kept for the
    /// reader as the next item).
    fn fill(&mut self) -> Result<bool, io::Error> {
        let Some(input) = self.input.as_mut().filter(|_| !self.eof) else {
            return Ok(false);
        };
        let old = self.buf.len();
        self.buf.resize(old + READ_CHUNK, 0);
        loop {
            match input.read(&mut self.buf[old..]) {
                Ok(n) => {
                    self.buf.truncate(old + n);
                    if n == 0 {
                        self.eof = true;
                    }
                    return Ok(n > 0);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.buf.truncate(old);
                    return Err(e);
                }
            }
        }
    }

    fn send(&mut self, item: Item) -> bool {
        let seq = self.seq;
        self.seq += 1;
        self.shared.put(seq, item)
    }

    fn send_piece(&mut self, piece: Piece) -> bool {
        // An output buffer per block in flight bounds the memory; the reader
        // gives one back once it moves on to the next block. None: the
        // reader is gone.
        self.shared.scanner.store(WAITING, Ordering::Relaxed);
        let got = self.buffers.recv();
        self.shared.scanner.store(SCANNING, Ordering::Relaxed);
        let Ok(buf) = got else {
            return false;
        };
        let seq = self.seq;
        self.seq += 1;
        self.shared.push_job(Job { seq, piece, buf })
    }

    /// Drops the bytes before byte `keep` from the buffer.
    fn drain(&mut self, keep: usize) {
        self.buf.drain(..keep);
    }

    fn run(mut self) {
        let _producer = Producer { shared: Arc::clone(&self.shared), scanner: true };
        if let Err(e) = self.scan() {
            self.send(Item::Error(e));
        }
    }

    fn scan(&mut self) -> Result<(), io::Error> {
        let mut first = true;
        loop {
            // A stream starts at byte 0 of the buffer.
            while self.buf.len() < 4 && self.fill()? {}
            if self.buf.is_empty() && !first {
                self.send(Item::Done);
                return Ok(());
            }
            let level = match self.buf.as_slice() {
                [b'B', b'Z', b'h', l @ b'1'..=b'9', ..] => l - b'0',
                _ => {
                    // Not a stream header: the sequential decoder says what
                    // it is, exactly as it would have.
                    let rest = Cursor::new(std::mem::take(&mut self.buf));
                    let rest: Box<dyn BufRead + Send> = match self.input.take() {
                        Some(input) => Box::new(BufReader::new(rest.chain(input))),
                        None => Box::new(rest),
                    };
                    self.send(Item::Sequential(rest));
                    return Ok(());
                }
            };
            first = false;
            let mut at = 32; // bit position of the expected magic
            loop {
                // Make sure the magic and the CRC after it are in the buffer.
                while bits(&self.buf, at, 48).is_none() && self.fill()? {}
                match bits(&self.buf, at, 48) {
                    None => {
                        let end = self.buf.len() * 8;
                        let piece =
                            Piece { bits: BitBuf::slice(&self.buf, at, end), level, tail: true };
                        self.send_piece(piece);
                        self.send(Item::Done);
                        return Ok(());
                    }
                    Some(EOS_MAGIC) => {
                        while bits(&self.buf, at + 48, 32).is_none() && self.fill()? {}
                        let Some(crc) = bits(&self.buf, at + 48, 32) else {
                            let end = self.buf.len() * 8;
                            let piece = Piece {
                                bits: BitBuf::slice(&self.buf, at, end),
                                level,
                                tail: true,
                            };
                            self.send_piece(piece);
                            self.send(Item::Done);
                            return Ok(());
                        };
                        if !self.send(Item::StreamEnd(crc as u32)) {
                            return Ok(());
                        }
                        let next = (at + 80).div_ceil(8);
                        self.drain(next);
                        break;
                    }
                    Some(_) => {}
                }
                // A block (or garbage): up to the next magic.
                let mut from = at + 80;
                let found = loop {
                    if let Some((pos, _)) = find_magic(&self.buf, from) {
                        break Some(pos);
                    }
                    // Positions before the last 6 bytes were all looked at.
                    from = from.max(self.buf.len().saturating_sub(6) * 8);
                    if !self.fill()? {
                        break None;
                    }
                };
                let (end, tail) = match found {
                    Some(pos) => (pos, false),
                    None => (self.buf.len() * 8, true),
                };
                let piece = Piece { bits: BitBuf::slice(&self.buf, at, end), level, tail };
                if !self.send_piece(piece) {
                    return Ok(());
                }
                if tail {
                    self.send(Item::Done);
                    return Ok(());
                }
                // Keep the buffer small: drop whole bytes before the magic.
                let keep = end / 8;
                self.drain(keep);
                at = end - keep * 8;
            }
        }
    }
}

/// The reading end: delivers the decoded blocks in order.
///
/// When its next block is not decoded yet and a core is free
/// ([`core_free`]), the reading thread decodes the first waiting block
/// itself rather than sleep, so `threads` threads are `threads - 1` workers
/// and the reading thread: a parser that keeps up with the workers leaves
/// them the other cores, and one that would wait for them decodes too. No
/// more threads run than were asked for.
pub(crate) struct ParBzDecoder {
    shared: Arc<Shared>,
    /// Cores available to the process, for [`core_free`].
    cores: usize,
    /// Gives consumed output buffers back to the scanner.
    buffers: SyncSender<Vec<u8>>,
    next: u64,
    out: Vec<u8>,
    pos: usize,
    /// An error to return once `out` is delivered.
    error: Option<io::Error>,
    /// Combined CRC of the current stream's blocks so far.
    combined: u32,
    sequential: Option<bzip2::bufread::MultiBzDecoder<Box<dyn BufRead + Send>>>,
    finished: bool,
}

/// Blocks in flight for `decoders` decoding threads (the workers and the
/// reader): one being decoded and one ready per decoder, and two more so
/// that no decoder waits for the reader (which holds at most two buffers,
/// the block it reads and, while it joins pieces, the first piece's). Each
/// holds an output buffer, so this bounds the memory.
fn window(decoders: usize) -> usize {
    2 * decoders + 2
}

/// Whether a core is free for the reading thread to decode on: no more
/// threads runnable on the machine, the reading thread among them, than the
/// process has cores (the fourth field of `/proc/loadavg`; without it, as on
/// other systems than Linux, a core is taken to be free). When other work
/// keeps the cores busy, a second decoder of ours only takes CPU time from
/// the first and costs more of it (two decoders share the caches; measured
/// in `docs/performance.md`), so the reader then sleeps instead.
///
/// `ours`: runnable threads of this decoder not to count (the scanner while
/// it runs or has just been woken with a buffer: it cuts the next piece and
/// blocks again soon).
fn core_free(cores: usize, ours: usize) -> bool {
    match std::fs::read_to_string("/proc/loadavg") {
        Ok(line) => runnable(&line).is_none_or(|n| n.saturating_sub(ours) <= cores),
        Err(_) => true,
    }
}

/// The threads runnable now, from a `/proc/loadavg` line
/// (`0.52 0.61 0.66 2/345 12345`: the fourth field is runnable/total).
fn runnable(loadavg: &str) -> Option<usize> {
    loadavg.split_whitespace().nth(3)?.split('/').next()?.parse().ok()
}

/// Output buffers larger than this are not kept for later blocks (a block of
/// long runs can decode to many times the block size; ordinary blocks of a
/// level-9 stream decode to about 1 MB).
const MAX_KEPT_BUFFER: usize = 16 << 20;

impl ParBzDecoder {
    /// Starts decoding `input` (positioned at a `BZh` header) on
    /// `threads - 1` worker threads (at least one) and the reading thread.
    pub(crate) fn new<R: Read + Send + 'static>(input: R, threads: usize) -> Self {
        let workers = threads.saturating_sub(1).max(1);
        let window = window(workers + 1);
        let shared = Arc::new(Shared::new(workers + 1));
        let (buffers_tx, buffers_rx) = sync_channel(window);
        for _ in 0..window {
            // The channel has room for every buffer; they are allocated by
            // the first blocks decoded into them.
            let _ = buffers_tx.try_send(Vec::new());
        }
        let mut started = 0;
        for _ in 0..workers {
            let producer = Producer { shared: Arc::clone(&shared), scanner: false };
            // A worker that cannot start drops its producer, counting itself
            // out.
            let spawned = std::thread::Builder::new()
                .name("bzip2-decode".into())
                .spawn(move || work(producer));
            started += usize::from(spawned.is_ok());
        }
        let scanner = Scanner {
            input: Some(input),
            buf: Vec::new(),
            eof: false,
            seq: 0,
            shared: Arc::clone(&shared),
            buffers: buffers_rx,
        };
        let spawned = match started {
            0 => Err(io::Error::other("no decoding thread could be started")),
            _ => std::thread::Builder::new().name("bzip2-scan".into()).spawn(move || scanner.run()),
        };
        if let Err(e) = spawned {
            // Nothing will be decoded (the input is dropped unread): the
            // reader gets the error.
            let mut st = shared.lock();
            st.items.insert(0, Item::Error(io::Error::other(format!("bzip2: {e}"))));
            st.producers = st.producers.saturating_sub(1);
            st.closed = true;
        }
        ParBzDecoder::receiving(shared, buffers_tx)
    }

    /// A decoder that delivers the numbered items of `shared` in order and
    /// gives the buffer of each block it moves past back to `buffers`.
    fn receiving(shared: Arc<Shared>, buffers: SyncSender<Vec<u8>>) -> Self {
        ParBzDecoder {
            shared,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            buffers,
            next: 0,
            out: Vec::new(),
            pos: 0,
            error: None,
            combined: 0,
            sequential: None,
            finished: false,
        }
    }

    /// The next item in sequence order. While it is not there, decodes a
    /// waiting job if a core is free ([`core_free`]), or sleeps until a
    /// worker or the scanner hands something over (woken once per item or
    /// job, never per read).
    fn item(&mut self) -> Item {
        let shared = Arc::clone(&self.shared);
        let mut st = shared.lock();
        loop {
            if let Some(item) = st.items.remove(&self.next) {
                self.next += 1;
                return item;
            }
            if !st.jobs.is_empty() {
                // Rather than sleep, decode the first waiting block here,
                // if a core is free for it (or no one else is left to).
                let forced = st.producers == 0;
                drop(st);
                let scanning = shared.scanner.load(Ordering::Relaxed) == SCANNING;
                let free = forced || core_free(self.cores, usize::from(scanning));
                st = shared.lock();
                if free {
                    if let Some(job) = st.jobs.pop_front() {
                        drop(st);
                        let (seq, item) = job.run(&shared);
                        st = shared.lock();
                        st.items.insert(seq, item);
                    }
                    continue;
                }
                // The item may have come while the lock was free.
                if let Some(item) = st.items.remove(&self.next) {
                    self.next += 1;
                    return item;
                }
            }
            if st.producers == 0 && st.jobs.is_empty() {
                // Nothing more can come: a thread died before its item.
                return Item::Error(stopped());
            }
            st = shared.ready.wait(st).unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Puts an item back: it is next in line again.
    fn unget(&mut self, item: Item) {
        self.next -= 1;
        self.shared.lock().items.insert(self.next, item);
    }

    /// Gives a consumed block's buffer back for a later block.
    fn release(&self, mut buf: Vec<u8>) {
        if buf.capacity() > MAX_KEPT_BUFFER {
            buf = Vec::new();
        }
        buf.clear();
        // A waiting scanner wakes up with this buffer: runnable from now on.
        let _ = self.shared.scanner.compare_exchange(
            WAITING,
            SCANNING,
            Ordering::Relaxed,
            Ordering::Relaxed,
        );
        // Full only if buffers were replaced on the way (joined pieces):
        // then this one is simply freed.
        let _ = self.buffers.try_send(buf);
    }

    /// Starts delivering `out`; the buffer delivered so far goes back.
    fn deliver(&mut self, out: Vec<u8>) {
        let old = std::mem::replace(&mut self.out, out);
        self.pos = 0;
        self.release(old);
    }

    /// A piece did not decode: joins it with the following pieces that did
    /// not decode either (a false magic match splits a block in two) and
    /// retries. Without success it is the first piece's output and error,
    /// or, when the join reached the end of the input, the joined tail's.
    fn recover(
        &mut self,
        piece: Piece,
        out: Vec<u8>,
        err: io::Error,
    ) -> (Vec<u8>, u32, Option<io::Error>) {
        let mut result = (out, err);
        let mut joined = piece;
        let mut pieces = 1;
        while !joined.tail && pieces < MAX_JOIN {
            match self.item() {
                Item::Block(Decoded::Failed { piece: p, out, .. }) => {
                    self.release(out);
                    pieces += 1;
                    joined.bits.append(&p.bits);
                    joined.tail = p.tail;
                    match joined.decode() {
                        Ok(out) => {
                            self.release(result.0);
                            return (out, joined.crc() as u32, None);
                        }
                        Err(r) if joined.tail => {
                            let (first, _) = std::mem::replace(&mut result, r);
                            self.release(first);
                        }
                        Err(_) => {}
                    }
                }
                other => {
                    // Not joinable: it stays next in line.
                    self.unget(other);
                    break;
                }
            }
        }
        let (out, err) = result;
        // Only a piece that reaches the end of the input can run out of
        // input; anywhere else running out means the data is invalid.
        let err = if joined.tail || err.kind() != io::ErrorKind::UnexpectedEof {
            err
        } else {
            io::Error::new(io::ErrorKind::InvalidInput, "bzip2: invalid data")
        };
        (out, 0, Some(err))
    }
}

impl Drop for ParBzDecoder {
    fn drop(&mut self) {
        // Stop the workers and the scanner (which also stops when the
        // buffer channel closes) and free what is queued.
        let mut st = self.shared.lock();
        st.abandoned = true;
        let jobs = std::mem::take(&mut st.jobs);
        let items = std::mem::take(&mut st.items);
        drop(st);
        self.shared.work.notify_all();
        drop((jobs, items));
    }
}

impl Read for ParBzDecoder {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if let Some(s) = self.sequential.as_mut() {
                return s.read(buf);
            }
            if self.pos < self.out.len() {
                let n = buf.len().min(self.out.len() - self.pos);
                buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
                self.pos += n;
                return Ok(n);
            }
            if let Some(e) = self.error.take() {
                self.finished = true;
                return Err(e);
            }
            if self.finished {
                return Ok(0);
            }
            match self.item() {
                Item::Block(Decoded::Ok { out, crc }) => {
                    self.combined = self.combined.rotate_left(1) ^ crc;
                    self.deliver(out);
                }
                Item::Block(Decoded::Failed { piece, out, err }) => {
                    let (mut out, crc, err) = self.recover(piece, out, err);
                    self.combined = self.combined.rotate_left(1) ^ crc;
                    if let Some(e) = err {
                        // Only verified bytes are delivered: the blocks
                        // before a corrupt one, and at a cut the complete
                        // blocks before it (a block is output only once it
                        // is complete and checked against its CRC).
                        if e.kind() != io::ErrorKind::UnexpectedEof {
                            out.clear();
                        }
                        self.error = Some(e);
                    }
                    self.deliver(out);
                }
                Item::StreamEnd(stored) => {
                    let computed = std::mem::take(&mut self.combined);
                    if stored != computed {
                        // What libbzip2 reports for a combined CRC mismatch.
                        self.finished = true;
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidInput,
                            "bzip2: invalid data",
                        ));
                    }
                }
                Item::Sequential(rest) => {
                    self.sequential = Some(bzip2::bufread::MultiBzDecoder::new(rest));
                }
                Item::Error(e) => {
                    self.finished = true;
                    return Err(e);
                }
                Item::Done => {
                    self.finished = true;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn bz(data: &[u8], level: u32) -> Vec<u8> {
        let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::new(level));
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    /// Pseudo-random text that compresses to several level-1 blocks.
    fn text(n: usize, seed: u64) -> Vec<u8> {
        let mut x = seed;
        let words = ["route ", "origin ", "AS64500 ", "192.0.2.0/24 ", "peer ", "\n", "7018 "];
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            out.extend_from_slice(words[(x % words.len() as u64) as usize].as_bytes());
            for k in 0..4 {
                out.push(b'a' + (x >> (20 + 8 * k)) as u8 % 26);
            }
        }
        out
    }

    type Outcome = (Vec<u8>, Option<(io::ErrorKind, String)>);

    fn drain(mut r: impl Read) -> Outcome {
        let mut out = Vec::new();
        let mut buf = vec![0u8; 70_000];
        loop {
            match r.read(&mut buf) {
                Ok(0) => return (out, None),
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(e) => return (out, Some((e.kind(), e.to_string()))),
            }
        }
    }

    fn sequential(bytes: &[u8]) -> Outcome {
        drain(bzip2::bufread::MultiBzDecoder::new(bytes))
    }

    fn parallel(bytes: &[u8], threads: usize) -> Outcome {
        drain(ParBzDecoder::new(Cursor::new(bytes.to_vec()), threads))
    }

    /// The parallel decoder yields exactly what the sequential one yields,
    /// up to the same error.
    fn same(bytes: &[u8], what: &str) {
        let want = sequential(bytes);
        for threads in [2, 3] {
            let got = parallel(bytes, threads);
            assert!(
                got.0 == want.0,
                "{what}, {threads} threads: {} bytes vs {}",
                got.0.len(),
                want.0.len()
            );
            assert_eq!(got.1, want.1, "{what}, {threads} threads");
        }
    }

    #[test]
    fn finds_magics_at_every_bit_offset() {
        for magic in [BLOCK_MAGIC, EOS_MAGIC] {
            for shift in 0..24 {
                let mut b = BitBuf::default();
                b.push(0x5a5a_5a5a, shift.min(32));
                b.push(magic, 48);
                b.push(0x1234, 16);
                let want = if magic == BLOCK_MAGIC { Magic::Block } else { Magic::End };
                assert_eq!(find_magic(&b.bytes, 0), Some((shift.min(32), want)), "shift {shift}");
                assert_eq!(find_magic(&b.bytes, shift + 1), None);
                assert_eq!(bits(&b.bytes, shift, 48), Some(magic));
            }
        }
        // The last bits of a buffer: a magic cut short is not a match.
        let mut b = BitBuf::default();
        b.push(BLOCK_MAGIC, 48);
        assert_eq!(find_magic(&b.bytes, 0), Some((0, Magic::Block)));
        assert_eq!(find_magic(&b.bytes[..5], 0), None);
    }

    #[test]
    fn bit_strings_slice_and_append() {
        let src: Vec<u8> = (0..40u8).map(|i| i.wrapping_mul(37)).collect();
        for start in 0..20 {
            for end in [start, start + 1, start + 9, 200, 317] {
                let s = BitBuf::slice(&src, start, end);
                assert_eq!(s.len, end - start);
                for k in 0..s.len {
                    assert_eq!(
                        bits(&s.bytes, k, 1),
                        bits(&src, start + k, 1),
                        "{start}..{end} bit {k}"
                    );
                }
                // Cut anywhere and joined again: the same bits.
                let cut = start + (end - start) / 3;
                let mut a = BitBuf::slice(&src, start, cut);
                a.append(&BitBuf::slice(&src, cut, end));
                assert_eq!(a, s, "{start}..{cut}..{end}");
            }
        }
    }

    #[test]
    fn same_bytes_as_sequential_on_whole_streams() {
        same(&bz(b"", 9), "empty stream");
        same(&bz(b"a", 9), "one byte");
        let data = text(700_000, 1);
        let one = bz(&data, 1);
        assert!(one.len() > 100_000);
        same(&one, "several level-1 blocks");
        let mut multi = bz(b"first ", 9);
        multi.extend(bz(b"", 5));
        multi.extend(&one);
        multi.extend(bz(&text(50_000, 2), 9));
        same(&multi, "four streams, one empty");
        let mut garbage = bz(b"x", 9);
        garbage.extend(b"not bzip2");
        same(&garbage, "trailing garbage");
        let mut zeros = one.clone();
        zeros.extend([0u8; 10]);
        same(&zeros, "trailing zeros");
        let mut cut_header = bz(b"x", 9);
        cut_header.extend(b"BZh");
        same(&cut_header, "a second header cut short");
    }

    #[test]
    fn truncated_anywhere_ends_like_the_sequential_decoder() {
        let mut multi = bz(&text(300_000, 3), 1);
        multi.extend(bz(&text(120_000, 4), 1));
        let n = multi.len();
        let mut cuts: Vec<usize> = (0..40).chain((40..n).step_by(997)).collect();
        cuts.extend([n - 1, n - 2, n - 5, n - 10]);
        for cut in cuts {
            same(&multi[..cut], &format!("cut at {cut} of {n}"));
        }
    }

    /// The decoded size of each block of a one-stream file and the bit
    /// range from its magic to the next magic, then the end-of-stream
    /// marker's position.
    fn blocks(stream: &[u8]) -> (Vec<(usize, usize, usize)>, usize) {
        let mut out = Vec::new();
        let mut at = 32;
        loop {
            let (next, magic) = find_magic(stream, at + 48).unwrap();
            let piece = Piece {
                bits: BitBuf::slice(stream, at, next),
                level: stream[3] - b'0',
                tail: false,
            };
            out.push((at, next, piece.decode().unwrap().len()));
            if magic == Magic::End {
                return (out, next);
            }
            at = next;
        }
    }

    #[test]
    fn corrupt_bytes_end_like_the_sequential_decoder() {
        let clean = text(700_000, 5);
        let stream = bz(&clean, 1);
        let (blocks, eos) = blocks(&stream);
        assert!(blocks.len() >= 3, "{}", blocks.len());
        let n = stream.len();
        for at in
            (0..n).step_by(1_499).chain([1, 3, 4, 9, 10, n - 1, n - 3, n - 6, n - 9, eos / 8 + 1])
        {
            let mut bad = stream.clone();
            bad[at] ^= 0x21;
            let what = format!("byte {at} of {n} corrupted");
            let want = sequential(&bad);
            let got = parallel(&bad, 2);
            // The same error as the sequential decoder...
            assert_eq!(got.1, want.1, "{what}");
            if got.1.is_none() {
                // Only padding bits after the end-of-stream CRC were hit.
                assert!(at == n - 1 && got.0 == clean, "{what}");
                continue;
            }
            // ...after exactly the blocks before the damage: never a
            // corrupt byte, never a verified block held back (except the
            // last block, when the end-of-stream marker after it is damaged).
            let bit = at * 8;
            let expected: usize = if at < 4 {
                0
            } else if bit >= eos + 48 {
                clean.len()
            } else if bit + 8 > eos {
                // A damaged end-of-stream magic: the last block's piece
                // runs to the end of the input and does not decode.
                clean.len() - blocks.last().map_or(0, |b| b.2)
            } else {
                blocks.iter().take_while(|(_, end, _)| *end <= bit).map(|b| b.2).sum()
            };
            assert_eq!(got.0.len(), expected, "{what}");
            assert!(clean.starts_with(&got.0), "{what}");
        }
    }

    #[test]
    fn a_block_split_by_a_false_magic_is_joined() {
        // Cut a real block in two at a bit offset, as a false magic match
        // would, and feed the pieces through the reader.
        let data = text(150_000, 7);
        let stream = bz(&data, 9);
        let total = stream.len() * 8;
        let (eos, _) = std::iter::successors(Some(0), |p| Some(p + 1))
            .take(total)
            .find_map(|p| (bits(&stream, p, 48) == Some(EOS_MAGIC)).then_some((p, ())))
            .unwrap();
        let crc = bits(&stream, eos + 48, 32).unwrap() as u32;
        let block = BitBuf::slice(&stream, 32, eos);
        for cut in [97, 1_000, block.len / 2, block.len - 3] {
            let head = Piece { bits: BitBuf::slice(&block.bytes, 0, cut), level: 9, tail: false };
            let rest =
                Piece { bits: BitBuf::slice(&block.bytes, cut, block.len), level: 9, tail: false };
            let items = vec![
                Item::Block(decoded(head)),
                Item::Block(decoded(rest)),
                Item::StreamEnd(crc),
                Item::Done,
            ];
            assert_eq!(fed(items), (data.clone(), None), "cut at bit {cut}");
        }
        // A real corrupt block is not rescued by joining: the error stays.
        let mut bad = block.clone();
        bad.bytes[2000] ^= 1;
        let head = Piece { bits: BitBuf::slice(&bad.bytes, 0, 5_000), level: 9, tail: false };
        let rest = Piece { bits: BitBuf::slice(&bad.bytes, 5_000, bad.len), level: 9, tail: false };
        let (_, err) = fed(vec![
            Item::Block(decoded(head)),
            Item::Block(decoded(rest)),
            Item::StreamEnd(crc),
            Item::Done,
        ]);
        assert_eq!(err.map(|e| e.0), Some(io::ErrorKind::InvalidInput));
    }

    fn decoded(piece: Piece) -> Decoded {
        match piece.decode() {
            Ok(out) => Decoded::Ok { out, crc: piece.crc() as u32 },
            Err((out, err)) => Decoded::Failed { piece, out, err },
        }
    }

    /// A reader fed these items in order, as the scanner and workers would.
    fn fed(items: Vec<Item>) -> Outcome {
        let shared = Arc::new(Shared::new(0));
        {
            let mut st = shared.lock();
            for (seq, item) in items.into_iter().enumerate() {
                st.items.insert(seq as u64, item);
            }
        }
        let (buffers_tx, _buffers_rx) = sync_channel(16);
        drain(ParBzDecoder::receiving(shared, buffers_tx))
    }

    #[test]
    fn the_reader_decoding_or_not_gives_the_same_bytes() {
        // cores 0: the reader never decodes (unless no worker is left);
        // usize::MAX: it decodes whenever its block is not ready.
        let data = text(2_000_000, 13);
        let stream = bz(&data, 1);
        let cut = stream[..stream.len() * 2 / 3].to_vec();
        let mut bad = stream.clone();
        let at = bad.len() / 2;
        bad[at] ^= 0x44;
        for (bytes, what) in [(&stream, "whole"), (&cut, "cut"), (&bad, "corrupt")] {
            let want = sequential(bytes);
            let first = parallel(bytes, 2);
            assert_eq!(first.1, want.1, "{what}");
            // At a corrupt block only the verified blocks before it come
            // out (the sequential decoder gives some of the bad block).
            assert!(first.0 == want.0 || what == "corrupt", "{what}");
            for cores in [0, usize::MAX] {
                for threads in [2, 3] {
                    let mut d = ParBzDecoder::new(Cursor::new(bytes.to_vec()), threads);
                    d.cores = cores;
                    let got = drain(&mut d);
                    assert!(got == first, "{what}, {cores} cores, {threads} threads");
                }
            }
        }
    }

    #[test]
    fn runnable_threads_from_loadavg() {
        assert_eq!(runnable("0.52 0.61 0.66 2/345 12345\n"), Some(2));
        assert_eq!(runnable("4.01 3.2 1.0 17/1024 1"), Some(17));
        assert_eq!(runnable("0.52 0.61 0.66"), None);
        assert_eq!(runnable("a b c x/2 1"), None);
    }

    #[test]
    fn output_buffers_are_reused_within_the_window() {
        // Level 1: a block per 100 kB, so many more blocks than buffers.
        let data = text(6_000_000, 11);
        let stream = bz(&data, 1);
        for threads in [2, 3] {
            let window = window(threads);
            let mut d = ParBzDecoder::new(Cursor::new(stream.clone()), threads);
            let (out, err) = drain(&mut d);
            assert!(err.is_none() && out == data, "{threads} threads: {err:?}");
            let blocks = d.next;
            let new = d.shared.new_buffers.load(Ordering::Relaxed);
            assert!(blocks as usize > 4 * window, "{blocks} blocks");
            // The window's buffers and the one being read, then only reuse.
            assert!(new <= window + 1, "{threads} threads: {new} buffers for {blocks} blocks");
        }
    }

    #[test]
    fn real_files_decode_to_the_same_bytes() {
        let Some(dir) = manrs_test_support::shared_data_dir() else { return };
        let mut files = Vec::new();
        let mut dirs = vec![dir];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p.extension().is_some_and(|x| x == "bz2") {
                    files.push(p);
                }
            }
        }
        files.sort();
        assert!(files.len() >= 20, "{files:?}");
        for f in &files {
            let bytes = std::fs::read(f).unwrap();
            same(&bytes, &f.display().to_string());
        }
    }
}
