//! Any bytes (plain, gzip or bzip2) through the VRP/ASPA reader of
//! `manrs-rpki`, lenient and strict: no panic, lenient never fails, strict
//! fails at most once and then ends.

#![no_main]

use libfuzzer_sys::fuzz_target;
use manrs_input::Input;
use manrs_rpki::{Payload, VrpReader, detect};
use manrs_types::Mode;

fuzz_target!(|data: &[u8]| {
    let _ = detect(data);
    for mode in [Mode::Lenient, Mode::Strict] {
        let Ok(input) = Input::from_reader("fuzz", std::io::Cursor::new(data.to_vec())) else {
            return;
        };
        let mut reader = VrpReader::new(input, mode);
        let mut errors = 0;
        for item in reader.by_ref() {
            match item {
                Ok(Payload::Vrp(v)) => {
                    assert!(v.prefix.len() <= v.max_len && v.max_len <= v.prefix.max_len());
                }
                Ok(Payload::Aspa(a)) => assert!(!a.providers.is_empty()),
                Err(_) => errors += 1,
            }
        }
        match mode {
            Mode::Lenient => assert_eq!(errors, 0),
            Mode::Strict => assert!(errors <= 1),
        }
        assert!(reader.next().is_none());
    }
});
