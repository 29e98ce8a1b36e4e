//! What every listener's `accept` shares: backing off when the process
//! runs out of descriptors, and skipping connections that died in the
//! backlog.

use std::io;
use std::time::Duration;

use mio::event::Source;

use crate::runtime::driver::io::{Direction, IoSource};

/// The shortest and longest pause after `accept` ran out of descriptors.
const BACKOFF_MIN: Duration = Duration::from_millis(10);
const BACKOFF_MAX: Duration = Duration::from_millis(100);

/// Run a listener's `accept` until it gives a connection or a real error.
///
/// Out of descriptors (`EMFILE`, `ENFILE`) or kernel memory, it neither
/// spins nor fails: it sleeps 10 ms, doubling up to 100 ms, and tries
/// again, so a server keeps serving once descriptors free up (as
/// asyncio's loop does). A connection reset or aborted before it was
/// accepted is skipped.
pub(crate) async fn accept<S: Source, R>(
    io: &IoSource<S>,
    mut op: impl FnMut(&S) -> io::Result<R>,
) -> io::Result<R> {
    let mut backoff = BACKOFF_MIN;
    loop {
        match io.io(Direction::Read, &mut op).await {
            Err(e) if out_of_resources(&e) => {
                crate::sleep(backoff).await;
                backoff = (backoff * 2).min(BACKOFF_MAX);
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
                ) => {}
            done => return done,
        }
    }
}

/// Whether `accept` failed for lack of descriptors or memory.
pub(crate) fn out_of_resources(e: &io::Error) -> bool {
    // EMFILE, ENFILE, ENOBUFS, ENOMEM on Linux and the BSDs.
    const EMFILE: i32 = 24;
    const ENFILE: i32 = 23;
    const ENOBUFS: i32 = if cfg!(target_os = "linux") { 105 } else { 55 };
    const ENOMEM: i32 = 12;
    matches!(e.raw_os_error(), Some(EMFILE | ENFILE | ENOBUFS | ENOMEM))
}

/// The error of an address that resolved to no address at all.
pub(crate) fn no_addresses() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        "the address resolved to nothing",
    )
}
