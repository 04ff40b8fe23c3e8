//! The bgpkit-parser side of the MRT benchmark (`scripts/bench-mrt.sh`):
//! counts the elements of an MRT file with bgpkit-parser's own element
//! iterator (`BgpkitParser::into_elem_iter`, the one its CLI prints from),
//! decompressing with the same gzip and bzip2 decoders (`flate2`
//! `MultiGzDecoder`, `bzip2` `MultiBzDecoder`) and buffer size as
//! `manrs-input`'s sequential path, so that the comparison is of the
//! readers.
//!
//! ```sh
//! cargo run --release -p manrs-mrt --example bgpkit_count -- FILE
//! ```

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: bgpkit_count FILE");
        return ExitCode::from(2);
    };
    let file = match File::open(&path) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut raw = BufReader::with_capacity(64 * 1024, file);
    let head = match raw.fill_buf() {
        Ok(h) => h.to_vec(),
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let decoded: Box<dyn Read> = match head.as_slice() {
        [0x1f, 0x8b, ..] => Box::new(flate2::bufread::MultiGzDecoder::new(raw)),
        [b'B', b'Z', b'h', ..] => Box::new(bzip2::bufread::MultiBzDecoder::new(raw)),
        _ => Box::new(raw),
    };
    let reader = BufReader::with_capacity(256 * 1024, decoded);
    let elements = bgpkit_parser::BgpkitParser::from_reader(reader).into_elem_iter().count();
    println!("{elements}");
    ExitCode::SUCCESS
}
