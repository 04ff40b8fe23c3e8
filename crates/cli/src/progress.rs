//! Progress bars on stderr, drawn only when stderr is a terminal.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// A bar, the flag that stops its ticker and the ticker thread.
pub type Bar = (ProgressBar, Arc<AtomicBool>, std::thread::JoinHandle<()>);

/// A progress bar over the compressed bytes read, updated by a ticker thread.
pub fn spawn_bar(name: &str, total: u64, status: manrs_input::InputStatus) -> Bar {
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(
            "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    // The file name only: full paths would wrap the bar.
    let short = std::path::Path::new(name).file_name().map(|n| n.to_string_lossy().into_owned());
    bar.set_message(short.unwrap_or_else(|| name.to_string()));
    let done = Arc::new(AtomicBool::new(false));
    let (b, d) = (bar.clone(), done.clone());
    let handle = std::thread::spawn(move || {
        while !d.load(Ordering::Relaxed) {
            b.set_position(status.compressed_bytes());
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    (bar, done, handle)
}

/// Stops and clears a bar.
pub fn finish(bar: Bar) {
    let (bar, done, handle) = bar;
    done.store(true, Ordering::Relaxed);
    let _ = handle.join();
    bar.finish_and_clear();
}
