//! Unix domain sockets: [`UnixListener`] and [`UnixStream`].
//!
//! Their addresses are `std::os::unix::net::SocketAddr`s (a path, or
//! unnamed for [`UnixStream::pair`]).

mod listener;
mod stream;

pub use listener::UnixListener;
pub use stream::UnixStream;

/// A socket path under the temporary directory that no other test uses.
#[cfg(test)]
pub(crate) fn temp_path(name: &str) -> std::path::PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("uniloop-{name}-{}-{n}.sock", std::process::id()))
}
