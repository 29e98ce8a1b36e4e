//! Signals: [`ctrl_c`] for graceful shutdown (≙
//! `loop.add_signal_handler(signal.SIGINT, ...)`).
//!
//! Built on `signal-hook-mio`: the signal handler (installed by
//! `signal-hook`) writes to a self-pipe, whose reading end is a `mio`
//! source registered with the loop's reactor like a socket. No code of
//! uniloop's runs inside the signal handler.
//!
//! # Examples
//!
//! Serve until Ctrl-C, then cancel the server and wait for its cleanup
//! (≙ `loop.add_signal_handler(signal.SIGINT, stop.set)`, then `await
//! stop.wait()`):
//!
//! ```no_run
//! use std::time::Duration;
//!
//! uniloop::run(async {
//!     let server = uniloop::spawn(async {
//!         loop {
//!             uniloop::sleep(Duration::from_secs(1)).await; // serve
//!         }
//!     });
//!     uniloop::signal::ctrl_c().await.expect("cannot watch SIGINT");
//!     eprintln!("Ctrl-C: shutting down");
//!     server.cancel();
//!     assert!(server.await.unwrap_err().is_cancelled());
//! });
//! ```

use std::io;

/// Wait for `SIGINT` (Ctrl-C in a terminal).
///
/// The signal is watched from the first poll of the returned future on; a
/// `SIGINT` that arrives earlier is not seen. Every `ctrl_c` future that
/// is waiting when the signal arrives completes.
///
/// Once a `ctrl_c` future has been polled, the process no longer ends on
/// `SIGINT`, for the rest of its life (as with tokio's `ctrl_c`): the
/// program decides what Ctrl-C does, and after the future is dropped a
/// `SIGINT` is ignored.
///
/// On other platforms than Unix it fails with `Unsupported`.
///
/// # Errors
///
/// If the handler or the self-pipe cannot be set up.
///
/// # Panics
///
/// Outside a uniloop runtime: "uniloop::signal::ctrl_c() called outside a
/// uniloop runtime".
///
/// # Cancel safety
///
/// Cancel safe: dropping it stops watching; a `SIGINT` it had received
/// but not reported is lost with it.
///
/// # Examples
///
/// ```no_run
/// uniloop::run(async {
///     let server = uniloop::spawn(async { /* serve */ });
///     uniloop::signal::ctrl_c().await.unwrap();
///     println!("shutting down");
///     server.cancel();
/// });
/// ```
///
/// Raising the signal at the process itself:
///
/// ```
/// # #[cfg(unix)]
/// uniloop::run(async {
///     let ctrl_c = uniloop::spawn(uniloop::signal::ctrl_c());
///     uniloop::yield_now().await; // let it start watching
///     let pid = std::process::id().to_string();
///     std::process::Command::new("kill").args(["-INT", &pid]).status().unwrap();
///     ctrl_c.await.unwrap().unwrap();
/// });
/// ```
pub async fn ctrl_c() -> io::Result<()> {
    imp::ctrl_c().await
}

#[cfg(unix)]
mod imp {
    use std::cell::RefCell;
    use std::io;

    use mio::event::Source;
    use mio::{Interest, Registry, Token};
    use signal_hook_mio::v1_0::Signals;

    use crate::runtime::driver::io::{Direction, IoSource};

    /// `SIGINT` is 2 on every Unix.
    const SIGINT: i32 = 2;

    pub(super) async fn ctrl_c() -> io::Result<()> {
        let signals = Signals::new([SIGINT])?;
        let io = IoSource::new(SignalSource(RefCell::new(signals)), "signal::ctrl_c")?;
        // `pending` drains the self-pipe; finding nothing means the pipe
        // is empty, so the next signal is a new readiness event.
        io.io(Direction::Read, |s| {
            match s.0.borrow_mut().pending().next() {
                Some(_) => Ok(()),
                None => Err(io::ErrorKind::WouldBlock.into()),
            }
        })
        .await
    }

    /// `Signals` with `pending` reachable through `&self`, which is all an
    /// `IoSource` lends to its operations.
    struct SignalSource(RefCell<Signals>);

    impl Source for SignalSource {
        fn register(
            &mut self,
            registry: &Registry,
            token: Token,
            interest: Interest,
        ) -> io::Result<()> {
            self.0.get_mut().register(registry, token, interest)
        }

        fn reregister(
            &mut self,
            registry: &Registry,
            token: Token,
            interest: Interest,
        ) -> io::Result<()> {
            self.0.get_mut().reregister(registry, token, interest)
        }

        fn deregister(&mut self, registry: &Registry) -> io::Result<()> {
            self.0.get_mut().deregister(registry)
        }
    }
}

#[cfg(not(unix))]
mod imp {
    use std::io;

    pub(super) async fn ctrl_c() -> io::Result<()> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "uniloop::signal::ctrl_c() is only implemented on Unix",
        ))
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn raise_sigint() {
        let pid = std::process::id().to_string();
        let status = std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap();
        assert!(status.success());
    }

    #[test]
    fn ctrl_c_resolves_on_sigint() {
        crate::run(async {
            let first = crate::spawn(ctrl_c());
            let second = crate::spawn(ctrl_c());
            crate::yield_now().await; // both start watching
            assert!(!first.is_finished());
            raise_sigint();
            let waited = crate::timeout(std::time::Duration::from_secs(10), async {
                first.await.unwrap().unwrap();
                second.await.unwrap().unwrap();
            })
            .await;
            assert!(waited.is_ok(), "ctrl_c did not see SIGINT");
            // A dropped watcher leaves SIGINT handled: the process lives on.
            raise_sigint();
            crate::sleep(std::time::Duration::from_millis(20)).await;
        });
    }
}
