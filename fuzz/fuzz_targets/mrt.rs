//! Any bytes through the MRT reader, lenient and strict, rendering every
//! item: must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use manrs_input::Input;
use manrs_mrt::{MrtReader, bgpdump};
use manrs_types::Mode;

fuzz_target!(|data: &[u8]| {
    for mode in [Mode::Lenient, Mode::Strict] {
        let Ok(input) = Input::from_reader("fuzz", std::io::Cursor::new(data.to_vec())) else {
            return;
        };
        for item in MrtReader::new(input, mode) {
            if let Ok(item) = item {
                let _ = bgpdump::line(&item);
            }
        }
    }
});
