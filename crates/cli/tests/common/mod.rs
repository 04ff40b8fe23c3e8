//! What the browser tests share: finding Chromium (or saying why the test
//! is skipped), a child process killed when the test ends, and plain
//! HTTP/1.0 requests on the socket for the API (asking the browser would be
//! circular).

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::Child;

use serde_json::Value;

/// A child process, killed and reaped when dropped.
pub struct Killed(pub Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Chromium from `MANRS_CHROMIUM` or the PATH. `None` (the test is skipped,
/// and says so) only when `MANRS_REQUIRE_BROWSER` is not set; with it set,
/// a missing browser fails the test.
pub fn chromium_or_skip() -> Option<PathBuf> {
    let found = match std::env::var_os("MANRS_CHROMIUM") {
        Some(p) => Some(PathBuf::from(p)),
        None => std::env::var_os("PATH").and_then(|path| {
            std::env::split_paths(&path)
                .flat_map(|d| ["chromium", "chromium-browser"].map(|n| d.join(n)))
                .find(|p| p.is_file())
        }),
    };
    if found.is_none() {
        assert!(
            std::env::var_os("MANRS_REQUIRE_BROWSER").is_none(),
            "MANRS_REQUIRE_BROWSER is set but no chromium was found"
        );
        eprintln!("skipped: no chromium on PATH (set MANRS_CHROMIUM or install chromium)");
    }
    found
}

/// A plain HTTP/1.0 GET; the body.
pub fn http_get(addr: &str, path: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    text.split_once("\r\n\r\n").map(|x| x.1.to_string()).unwrap_or_default()
}

/// A GET whose body is JSON.
pub fn get_json(addr: &str, path: &str) -> Value {
    let body = http_get(addr, path);
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}"))
}
