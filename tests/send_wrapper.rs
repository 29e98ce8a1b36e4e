//! With the `send-wrapper` feature (`cargo test --features send-wrapper`;
//! CI runs it): `uniloop::send::SendWrapper` lets a loop-bound value or
//! future through a `Send` bound, and panics clearly when it is touched on
//! another thread.
#![cfg(feature = "send-wrapper")]

mod support;

use std::cell::Cell;
use std::future::Future;
use std::pin::pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use support::{panic_message, run_guarded, DropCounter};
use uniloop::send::SendWrapper;

/// What a `Send`-bound library does with a future: keep it as a boxed
/// `Send` trait object, then poll it.
fn boxed_send<F: Future + Send + 'static>(
    future: F,
) -> std::pin::Pin<Box<dyn Future<Output = F::Output> + Send>> {
    Box::pin(future)
}

#[test]
fn a_wrapped_future_with_a_timer_and_rc_state_runs_on_its_loop() {
    run_guarded(async {
        let hits = Rc::new(Cell::new(0));
        let future = SendWrapper::new({
            let hits = hits.clone();
            async move {
                uniloop::sleep(Duration::from_millis(5)).await;
                hits.set(hits.get() + 1);
                hits.get()
            }
        });
        assert_eq!(boxed_send(future).await, 1);
        assert_eq!(hits.get(), 1);
    });
}

#[test]
fn a_deref_on_another_thread_panics_with_a_clear_message() {
    let state = SendWrapper::new(Rc::new(5));
    let message = std::thread::spawn(move || {
        let message = panic_message(|| **state);
        // Send it home to drop on its own thread.
        (message, state)
    })
    .join()
    .unwrap();
    assert_eq!(
        message.0,
        "Dereferenced SendWrapper<T> variable from a thread different to the one it has been created with."
    );
    assert_eq!(**message.1, 5); // fine again on the thread that wrapped it
}

#[test]
fn a_poll_on_another_thread_panics_with_a_clear_message() {
    // Wrapped here (an `async` block creates its timer when first polled).
    let future = SendWrapper::new(async { uniloop::sleep(Duration::from_millis(1)).await });
    let (message, future) = std::thread::spawn(move || {
        let mut future = Box::pin(future);
        let message = panic_message(|| {
            let mut cx = Context::from_waker(Waker::noop());
            future.as_mut().poll(&mut cx)
        });
        (message, future)
    })
    .join()
    .unwrap();
    assert_eq!(
        message,
        "Polling SendWrapper<T> variable from a thread different to the one it has been created with."
    );
    drop(future); // on the thread that wrapped it: no panic
}

#[test]
fn a_drop_on_another_thread_panics_and_never_runs_the_destructor_there() {
    let drops = DropCounter::new();
    let token = SendWrapper::new(drops.token());
    let payload = std::thread::spawn(move || drop(token)).join().unwrap_err();
    assert_eq!(
        support::payload_message(&*payload).unwrap(),
        "Dropped SendWrapper<T> variable from a thread different to the one it has been created with."
    );
    assert_eq!(
        drops.count(),
        0,
        "the Rc inside was not touched off its thread"
    );
}

#[test]
fn polled_on_its_own_thread_it_is_the_future_it_wraps() {
    run_guarded(async {
        let mut wrapped = pin!(SendWrapper::new(uniloop::sleep(Duration::from_millis(3))));
        let mut cx = Context::from_waker(Waker::noop());
        assert_eq!(wrapped.as_mut().poll(&mut cx), Poll::Pending);
        wrapped.await;
    });
}

#[cfg(unix)]
#[test]
fn a_send_stream_reads_and_writes_on_its_thread_and_panics_off_it() {
    use uniloop::io::{AsyncReadExt, AsyncWriteExt};
    use uniloop::send::SendStream;

    let rt = uniloop::Runtime::new().unwrap();
    let (stream, mut peer) = rt.block_on(async {
        let (a, mut b) = uniloop::net::UnixStream::pair().unwrap();
        let mut a = SendStream::new(a);
        a.write_all(b"hi").await.unwrap();
        let mut buf = [0; 2];
        b.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"hi");
        (a, b)
    });
    let (message, stream) = std::thread::spawn(move || {
        let mut stream = Box::pin(stream);
        let message = panic_message(|| {
            let mut cx = Context::from_waker(Waker::noop());
            futures::AsyncWrite::poll_write(stream.as_mut(), &mut cx, b"x")
        });
        (message, stream)
    })
    .join()
    .unwrap();
    assert_eq!(
        message,
        "Dereferenced SendWrapper<T> variable from a thread different to the one it has been created with."
    );
    // Home again: it still works, and nothing was written off-thread.
    rt.block_on(async {
        let mut stream = std::pin::Pin::into_inner(stream);
        stream.write_all(b"ok").await.unwrap();
        drop(stream);
        let mut rest = Vec::new();
        peer.read_to_end(&mut rest).await.unwrap();
        assert_eq!(rest, b"ok");
    });
}
