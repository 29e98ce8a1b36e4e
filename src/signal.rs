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

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Wait for `SIGINT` (Ctrl-C in a terminal).
///
/// The signal is watched from this call on (as
/// `loop.add_signal_handler` installs its handler at once): a `SIGINT`
/// that arrives after `ctrl_c()` returned and before the future is first
/// polled is seen by that poll, so a server can print its address right
/// after creating the future. Every `ctrl_c` future that exists when the
/// signal arrives completes.
///
/// From the first call on, the process no longer ends on `SIGINT`, for
/// the rest of its life (as with tokio's `ctrl_c`): the program decides
/// what Ctrl-C does, and after the future is dropped a `SIGINT` is
/// ignored.
///
/// On other platforms than Unix it fails with `Unsupported`.
///
/// # Errors
///
/// If the handler or the self-pipe cannot be set up: the future returns
/// the error when first polled.
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
///     let ctrl_c = uniloop::signal::ctrl_c(); // watching from here on
///     let pid = std::process::id().to_string();
///     std::process::Command::new("kill").args(["-INT", &pid]).status().unwrap();
///     ctrl_c.await.unwrap();
/// });
/// ```
#[track_caller]
pub fn ctrl_c() -> CtrlC {
    CtrlC {
        watch: Some(imp::Watch::new()),
    }
}

/// The future [`ctrl_c`] returns: `Ok(())` once a `SIGINT` arrived after
/// it was created.
///
/// # Panics
///
/// If polled again after it returned: "uniloop::signal::CtrlC polled
/// after it returned".
///
/// # Examples
///
/// ```no_run
/// uniloop::run(async {
///     let ctrl_c: uniloop::signal::CtrlC = uniloop::signal::ctrl_c();
///     println!("listening; Ctrl-C stops");
///     ctrl_c.await.unwrap();
/// });
/// ```
#[must_use = "futures do nothing unless awaited; dropping it stops watching"]
pub struct CtrlC {
    /// `None` once it returned.
    watch: Option<io::Result<imp::Watch>>,
}

impl Future for CtrlC {
    type Output = io::Result<()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(Ok(watch)) = &self.watch {
            let signalled = ready!(watch.poll(cx));
            self.watch = None;
            return Poll::Ready(signalled);
        }
        match self.watch.take() {
            Some(Err(e)) => Poll::Ready(Err(e)),
            _ => panic!("uniloop::signal::CtrlC polled after it returned"),
        }
    }
}

impl fmt::Debug for CtrlC {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CtrlC")
            .field("watching", &matches!(self.watch, Some(Ok(_))))
            .finish()
    }
}

#[cfg(unix)]
mod imp {
    use std::cell::RefCell;
    use std::io;
    use std::task::{Context, Poll};

    use mio::event::Source;
    use mio::{Interest, Registry, Token};
    use signal_hook_mio::v1_0::Signals;

    use crate::runtime::driver::io::{Direction, IoSource};

    /// `SIGINT` is 2 on every Unix.
    const SIGINT: i32 = 2;

    /// A `SIGINT` handler's self-pipe, registered with the loop.
    pub(crate) struct Watch(IoSource<SignalSource>);

    impl Watch {
        #[track_caller]
        pub(super) fn new() -> io::Result<Watch> {
            // The runtime first, for the panic outside one.
            crate::runtime::context::expect_current("signal::ctrl_c", |_| ());
            let signals = Signals::new([SIGINT])?;
            let io = IoSource::new(SignalSource(RefCell::new(signals)), "signal::ctrl_c")?;
            Ok(Watch(io))
        }

        pub(super) fn poll(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            // `pending` drains the self-pipe; finding nothing means the
            // pipe is empty, so the next signal is a new readiness event.
            self.0.poll_io(Direction::Read, cx, |s| {
                match s.0.borrow_mut().pending().next() {
                    Some(_) => Ok(()),
                    None => Err(io::ErrorKind::WouldBlock.into()),
                }
            })
        }
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

    use std::task::{Context, Poll};

    pub(crate) struct Watch(());

    impl Watch {
        pub(super) fn new() -> io::Result<Watch> {
            Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "uniloop::signal::ctrl_c() is only implemented on Unix",
            ))
        }

        pub(super) fn poll(&self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Pending
        }
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

    /// The fault the eager watch fixes: a `SIGINT` between `ctrl_c()` and
    /// the first poll used to end the process (nothing handled it yet).
    #[test]
    fn a_sigint_before_the_first_poll_is_seen() {
        crate::run(async {
            let ctrl_c = ctrl_c();
            raise_sigint();
            std::thread::sleep(std::time::Duration::from_millis(20));
            let waited = crate::timeout(std::time::Duration::from_secs(10), ctrl_c).await;
            assert!(waited.expect("ctrl_c did not see SIGINT").is_ok());
        });
    }
}
