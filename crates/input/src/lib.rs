//! Opening routing data files: transparent decompression and honest ends.
//!
//! RouteViews and RIPE RIS publish MRT as bzip2 (often several streams
//! concatenated) and gzip (often several members, RFC 1952 §2.2); RPSL dumps,
//! VRP files and registry files come plain or compressed too. [`Input::open`]
//! detects the compression from the magic bytes (never from the file name),
//! decodes every member or stream, and counts bytes on both sides.
//!
//! A truncated compressed file is normal (partial downloads, files cut to a
//! size on purpose). Some parsers swallow the decoder's error and simply stop;
//! [`Input`] therefore records the first read error in a shared
//! [`InputStatus`], so that a reader can always end with a
//! [`DiagKind::Truncated`] diagnostic instead of stopping silently.
//!
//! bzip2 inputs are decoded on several threads ([`bzip2_par`]: the blocks of
//! a bzip2 stream are independent; worker threads decode them, and so does
//! the reading thread whenever it would wait) with the same bytes,
//! truncation and corruption errors as the sequential decoder. By default one thread per available
//! core works on each bzip2 input (a single-core machine, and a file under
//! [`PARALLEL_MIN_BYTES`], gets the sequential decoder);
//! [`set_decode_threads`]`(1)` asks for the sequential decoder.

mod bzip2_par;
pub mod json;

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use manrs_types::{DiagKind, Diagnostic, Location};

/// Size of the buffer between the decoder and the parser.
const BUF_SIZE: usize = 256 * 1024;

/// Smallest file [`Input::open`] decodes on several threads: 256 KiB, about
/// three bzip2 blocks of MRT data. With one to three blocks there is
/// little to share between threads, and starting them and their buffers
/// costs about a millisecond of CPU (`docs/performance.md`).
pub const PARALLEL_MIN_BYTES: u64 = 256 * 1024;

/// Threads per bzip2 input; 0 means one per available core.
static DECODE_THREADS: AtomicUsize = AtomicUsize::new(0);

/// Sets how many threads work on each bzip2 input opened from now on: 0 (the
/// default) is one per available core, 1 the sequential decoder; with N,
/// N - 1 worker threads decode blocks, and the reading thread decodes too
/// whenever it would wait for them (see `docs/performance.md` for the
/// measurements behind the default).
pub fn set_decode_threads(threads: usize) {
    DECODE_THREADS.store(threads, Ordering::Relaxed);
}

/// How many threads decode a bzip2 input (see [`set_decode_threads`]).
pub fn decode_threads() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    match DECODE_THREADS.load(Ordering::Relaxed) {
        0 => *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
        n => n,
    }
}

/// The compression of an input, detected from its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// Not compressed.
    None,
    /// gzip (RFC 1952), possibly several members.
    Gzip,
    /// bzip2, possibly several concatenated streams.
    Bzip2,
}

impl Compression {
    /// Detects the compression from the first bytes of a file.
    pub fn detect(head: &[u8]) -> Result<Self, &'static str> {
        match head {
            [0x1f, 0x8b, ..] => Ok(Compression::Gzip),
            [b'B', b'Z', b'h', b'1'..=b'9', ..] => Ok(Compression::Bzip2),
            [0xfd, b'7', b'z', b'X', b'Z', 0x00, ..] => Err("xz compression is not supported"),
            [0x28, 0xb5, 0x2f, 0xfd, ..] => Err("zstd compression is not supported"),
            _ => Ok(Compression::None),
        }
    }

    /// A short name (`none`, `gzip`, `bzip2`).
    pub fn as_str(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Bzip2 => "bzip2",
        }
    }
}

/// Error opening an input.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The file could not be opened or read.
    #[error("{file}: {source}")]
    Io {
        /// The file.
        file: Arc<str>,
        /// The IO error.
        #[source]
        source: io::Error,
    },
    /// The file uses a compression manrs does not read.
    #[error("{file}: {reason}")]
    Unsupported {
        /// The file.
        file: Arc<str>,
        /// Why.
        reason: &'static str,
    },
}

/// What happened while an input was read; shared between the [`Input`] and
/// whoever asks after the parser is done.
#[derive(Clone, Debug, Default)]
pub struct InputStatus(Arc<StatusInner>);

#[derive(Debug, Default)]
struct StatusInner {
    compressed: AtomicU64,
    decompressed: AtomicU64,
    error: Mutex<Option<StreamError>>,
}

/// The first error the byte stream returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamError {
    /// Truncated (the stream ended early), Malformed (corrupt compressed
    /// data) or Io.
    pub kind: DiagKind,
    /// Decompressed bytes delivered before the error.
    pub offset: u64,
    /// The underlying error message.
    pub message: String,
}

impl InputStatus {
    /// Bytes read from the file (compressed side).
    pub fn compressed_bytes(&self) -> u64 {
        self.0.compressed.load(Ordering::Relaxed)
    }

    /// Bytes delivered to the parser (decompressed side).
    pub fn bytes(&self) -> u64 {
        self.0.decompressed.load(Ordering::Relaxed)
    }

    /// The first error of the byte stream, if any.
    pub fn error(&self) -> Option<StreamError> {
        self.0.error.lock().map(|e| e.clone()).unwrap_or(None)
    }

    /// The stream error as a diagnostic for `file`, if there was one.
    pub fn diagnostic(&self, file: &Arc<str>) -> Option<Diagnostic> {
        self.error().map(|e| {
            let what = match e.kind {
                DiagKind::Truncated => "input ends early",
                DiagKind::Malformed => "corrupt compressed data",
                _ => "read failed",
            };
            Diagnostic::new(
                file,
                Location::Byte(e.offset),
                e.kind,
                format!("{what} after {} decompressed bytes: {}", e.offset, e.message),
            )
        })
    }

    fn record(&self, e: &io::Error, compressed: bool) {
        let kind = match e.kind() {
            io::ErrorKind::UnexpectedEof => DiagKind::Truncated,
            io::ErrorKind::InvalidData | io::ErrorKind::InvalidInput if compressed => {
                DiagKind::Malformed
            }
            _ => DiagKind::Io,
        };
        if let Ok(mut slot) = self.0.error.lock()
            && slot.is_none()
        {
            *slot = Some(StreamError { kind, offset: self.bytes(), message: e.to_string() });
        }
    }
}

/// Counts the compressed bytes read from the file.
struct CountRaw<R> {
    inner: R,
    status: InputStatus,
}

impl<R: Read> Read for CountRaw<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.status.0.compressed.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Counts decompressed bytes and records the first error.
struct Tracked<R> {
    inner: R,
    status: InputStatus,
    compressed: bool,
}

impl<R: Read> Read for Tracked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inner.read(buf) {
            Ok(n) => {
                self.status.0.decompressed.fetch_add(n as u64, Ordering::Relaxed);
                Ok(n)
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Err(e),
            Err(e) => {
                self.status.record(&e, self.compressed);
                Err(e)
            }
        }
    }
}

/// An opened input: a buffered, decompressed byte stream with its name and
/// status.
pub struct Input {
    name: Arc<str>,
    compression: Compression,
    reader: Box<dyn BufRead + Send>,
    status: InputStatus,
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Input")
            .field("name", &self.name)
            .field("compression", &self.compression)
            .finish_non_exhaustive()
    }
}

impl Input {
    /// Opens a file, detecting its compression.
    ///
    /// A file smaller than [`PARALLEL_MIN_BYTES`] is decoded by the
    /// sequential decoder whatever [`set_decode_threads`] says.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, InputError> {
        let path = path.as_ref();
        let name: Arc<str> = Arc::from(path.display().to_string());
        let file =
            File::open(path).map_err(|source| InputError::Io { file: name.clone(), source })?;
        let threads = match file.metadata() {
            Ok(m) if m.is_file() && m.len() < PARALLEL_MIN_BYTES => 1,
            _ => decode_threads(),
        };
        Self::from_reader_with_threads(name, file, threads)
    }

    /// Wraps any byte source (a socket, an in-memory buffer, a fuzzer's
    /// input), detecting its compression.
    pub fn from_reader<R: Read + Send + 'static>(
        name: impl Into<Arc<str>>,
        reader: R,
    ) -> Result<Self, InputError> {
        Self::from_reader_with_threads(name, reader, decode_threads())
    }

    /// [`Input::from_reader`] with `threads` bzip2 decoding threads (1: the
    /// sequential decoder).
    pub fn from_reader_with_threads<R: Read + Send + 'static>(
        name: impl Into<Arc<str>>,
        reader: R,
        threads: usize,
    ) -> Result<Self, InputError> {
        let name = name.into();
        let status = InputStatus::default();
        let mut raw =
            BufReader::with_capacity(64 * 1024, CountRaw { inner: reader, status: status.clone() });
        let head = loop {
            match raw.fill_buf() {
                Ok(h) => break h,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(source) => return Err(InputError::Io { file: name.clone(), source }),
            }
        };
        let compression = Compression::detect(head)
            .map_err(|reason| InputError::Unsupported { file: name.clone(), reason })?;
        let decoded: Box<dyn Read + Send> = match compression {
            Compression::None => Box::new(raw),
            Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(raw)),
            Compression::Bzip2 if threads <= 1 => {
                Box::new(bzip2::bufread::MultiBzDecoder::new(raw))
            }
            Compression::Bzip2 => Box::new(bzip2_par::ParBzDecoder::new(raw, threads)),
        };
        let tracked = Tracked {
            inner: decoded,
            status: status.clone(),
            compressed: compression != Compression::None,
        };
        Ok(Input {
            name,
            compression,
            reader: Box::new(BufReader::with_capacity(BUF_SIZE, tracked)),
            status,
        })
    }

    /// The input's name (the path as given).
    pub fn name(&self) -> &Arc<str> {
        &self.name
    }

    /// The detected compression.
    pub fn compression(&self) -> Compression {
        self.compression
    }

    /// A handle on the read status, valid after the input is consumed.
    pub fn status(&self) -> InputStatus {
        self.status.clone()
    }

    /// Reads up to `n` leading decompressed bytes without consuming them, for
    /// format detection. Fewer bytes are returned only at the end of the data.
    pub fn peek(&mut self, n: usize) -> io::Result<Vec<u8>> {
        let mut head = Vec::with_capacity(n);
        // Read through a reference so the bytes can be put back in front.
        let got = (&mut self.reader).take(n as u64).read_to_end(&mut head);
        let rest = std::mem::replace(&mut self.reader, Box::new(io::empty()));
        self.reader = Box::new(io::Cursor::new(head.clone()).chain(rest));
        got.map(|_| head)
    }

    /// The decompressed byte stream.
    pub fn reader(&mut self) -> &mut (dyn BufRead + Send) {
        &mut *self.reader
    }

    /// Splits into the byte stream, its name and its status handle.
    pub fn into_parts(self) -> (Box<dyn BufRead + Send>, Arc<str>, InputStatus) {
        (self.reader, self.name, self.status)
    }
}

impl Read for Input {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.reader.read(buf)
    }
}

impl BufRead for Input {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.reader.fill_buf()
    }
    fn consume(&mut self, amt: usize) {
        self.reader.consume(amt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn bz(data: &[u8]) -> Vec<u8> {
        let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn read_all(bytes: Vec<u8>) -> (Vec<u8>, io::Result<usize>, InputStatus, Compression) {
        read_with(bytes, decode_threads())
    }

    fn read_with(
        bytes: Vec<u8>,
        threads: usize,
    ) -> (Vec<u8>, io::Result<usize>, InputStatus, Compression) {
        let mut input =
            Input::from_reader_with_threads("t", io::Cursor::new(bytes), threads).unwrap();
        let c = input.compression();
        let mut out = Vec::new();
        let r = input.read_to_end(&mut out);
        (out, r, input.status(), c)
    }

    #[test]
    fn plain_passthrough_and_peek() {
        let mut input = Input::from_reader("t", io::Cursor::new(b"hello world".to_vec())).unwrap();
        assert_eq!(input.peek(5).unwrap(), b"hello");
        assert_eq!(input.peek(100).unwrap(), b"hello world");
        let mut s = String::new();
        input.read_to_string(&mut s).unwrap();
        assert_eq!(s, "hello world");
        assert_eq!(input.compression(), Compression::None);
        assert!(input.status().error().is_none());
    }

    #[test]
    fn multi_member_gzip_and_multi_stream_bzip2() {
        let mut two = gz(b"first ");
        two.extend(gz(b"second"));
        let (out, r, st, c) = read_all(two);
        assert_eq!((out.as_slice(), c), (&b"first second"[..], Compression::Gzip));
        assert!(r.is_ok() && st.error().is_none());
        assert_eq!(st.bytes(), 12);

        for threads in [1, 2] {
            let mut two = bz(b"one ");
            two.extend(bz(b"two"));
            let (out, r, st, c) = read_with(two, threads);
            assert_eq!((out.as_slice(), c), (&b"one two"[..], Compression::Bzip2));
            assert!(r.is_ok() && st.error().is_none());
            assert_eq!(st.bytes(), 7);
        }
    }

    #[test]
    fn truncated_streams_are_reported() {
        let data: Vec<u8> = (0..200_000u32).flat_map(|i| i.to_le_bytes()).collect();
        for (compressed, name, threads) in
            [(gz(&data), "gzip", 1), (bz(&data), "bzip2", 1), (bz(&data), "bzip2", 2)]
        {
            let cut = compressed[..compressed.len() / 2].to_vec();
            let (out, r, st, _) = read_with(cut, threads);
            assert!(r.is_err(), "{name}: a truncated stream must fail");
            let e = st.error().expect("error recorded");
            assert_eq!(e.kind, DiagKind::Truncated, "{name}: {e:?}");
            assert_eq!(e.offset, out.len() as u64);
            let d = st.diagnostic(&Arc::from("x")).unwrap();
            assert!(d.to_string().contains("input ends early"), "{d}");
        }
    }

    #[test]
    fn corrupt_bzip2_is_malformed_on_both_paths() {
        let data: Vec<u8> = (0..200_000u32).flat_map(|i| (i * 7).to_le_bytes()).collect();
        let mut bad = bz(&data);
        let at = bad.len() / 2;
        bad[at] ^= 0x10;
        for threads in [1, 2] {
            let (out, r, st, _) = read_with(bad.clone(), threads);
            assert!(r.is_err(), "{threads} threads");
            let e = st.error().expect("error recorded");
            assert_eq!(e.kind, DiagKind::Malformed, "{threads} threads: {e:?}");
            assert_eq!(e.offset, out.len() as u64);
            assert!(data.starts_with(&out) || threads == 1, "only verified bytes");
        }
    }

    #[test]
    fn unsupported_compression_is_an_error() {
        let xz = vec![0xfd, b'7', b'z', b'X', b'Z', 0x00, 1, 2];
        let e = Input::from_reader("f.xz", io::Cursor::new(xz)).unwrap_err();
        assert_eq!(e.to_string(), "f.xz: xz compression is not supported");
        let e = Input::open("/nonexistent/file").unwrap_err();
        assert!(e.to_string().starts_with("/nonexistent/file: "));
    }
}
