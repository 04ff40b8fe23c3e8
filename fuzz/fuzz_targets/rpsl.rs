//! Any bytes through the RPSL reader, lenient and strict, converting every
//! object to its typed views: must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use manrs_input::Input;
use manrs_irr::RpslReader;
use manrs_types::Mode;

fuzz_target!(|data: &[u8]| {
    for mode in [Mode::Lenient, Mode::Strict] {
        let Ok(input) = Input::from_reader("fuzz", std::io::Cursor::new(data.to_vec())) else {
            return;
        };
        for obj in RpslReader::new(input, mode).flatten() {
            let _ = obj.route();
            let _ = obj.aut_num();
            let _ = obj.as_set();
            let _ = obj.route_set();
            let _ = obj.mntner();
        }
    }
});
