//! Decompresses a file through `manrs-input` and prints the decompressed
//! byte count: the decompression part of the MRT benchmark
//! (`scripts/bench-mrt.sh`), sequential or parallel.
//!
//! ```sh
//! cargo run --release -p manrs-input --example decode_count -- FILE [THREADS]
//! ```

use std::io::Read;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: decode_count FILE [THREADS]");
        return ExitCode::from(2);
    };
    if let Some(t) = args.next().and_then(|t| t.parse().ok()) {
        manrs_input::set_decode_threads(t);
    }
    let mut input = match manrs_input::Input::open(&path) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let mut buf = vec![0u8; 256 * 1024];
    let mut total = 0u64;
    loop {
        match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => total += n as u64,
            Err(e) => {
                eprintln!("{path}: after {total} bytes: {e}");
                println!("{total}");
                return ExitCode::FAILURE;
            }
        }
    }
    println!("{total}");
    ExitCode::SUCCESS
}
