//! Any bytes through the MRT reader, lenient and strict, rendering every
//! item: must never panic. The route API (`next_route`, with its fast
//! TABLE_DUMP_V2 decoder) must also agree with the iterator line for line
//! and diagnostic for diagnostic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use manrs_input::Input;
use manrs_mrt::{MrtReader, RouteItem, bgpdump};
use manrs_types::Mode;

fuzz_target!(|data: &[u8]| {
    for mode in [Mode::Lenient, Mode::Strict] {
        let open = || Input::from_reader("fuzz", std::io::Cursor::new(data.to_vec())).ok();
        let (Some(a), Some(b)) = (open(), open()) else { return };
        let mut it = MrtReader::new(a, mode);
        let lines: Vec<String> = it
            .by_ref()
            .map(|item| match item {
                Ok(item) => bgpdump::line(&item),
                Err(e) => e.to_string(),
            })
            .collect();
        let mut rt = MrtReader::new(b, mode);
        let mut route_lines = Vec::new();
        while let Some(item) = rt.next_route() {
            route_lines.push(match item {
                Ok(RouteItem::Route(r)) => bgpdump::route_line(&r),
                Ok(RouteItem::State(s)) => bgpdump::state_line(&s),
                Err(e) => e.to_string(),
            });
        }
        assert_eq!(lines, route_lines);
        assert_eq!(it.diagnostics().kept(), rt.diagnostics().kept());
        assert_eq!(it.elements(), rt.elements());
    }
});
