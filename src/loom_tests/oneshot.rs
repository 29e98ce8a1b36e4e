//! The one-shot: a producer fills it on one thread while the waiting side
//! blocks on it (or awaits it) on another, and asks for cancellation.

use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use loom::thread;

use super::model;
use crate::util::oneshot::OneShot;
use crate::util::sync::{AtomicUsize, Ordering};

fn fallback(cancelled: bool) -> u8 {
    if cancelled {
        2
    } else {
        0
    }
}

/// A blocked waiter always gets the value (filled, or the fallback of a
/// producer dropped after a cancellation request): it never sleeps through
/// the fill.
#[test]
fn a_blocked_waiter_is_woken_by_the_fill_or_the_fallback() {
    model(|| {
        let (one_shot, filler) = OneShot::new(fallback);
        let producer = thread::spawn(move || {
            if filler.is_cancel_requested() {
                drop(filler); // answers with the fallback
            } else {
                filler.fill(1);
            }
        });
        one_shot.request_cancel();
        let value = one_shot.wait_until(None, "loom").unwrap();
        producer.join().unwrap();
        assert!(value == 1 || value == 2, "got {value}");
    });
}

struct CountWakes(AtomicUsize);

impl Wake for CountWakes {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// An awaiting task either finds the value at its poll or is woken by the
/// fill: a poll that registered its waker just before the fill is woken.
#[test]
fn an_awaiting_task_is_woken_or_finds_the_value() {
    model(|| {
        let (one_shot, filler) = OneShot::new(fallback);
        let producer = thread::spawn(move || filler.fill(1));
        let count = Arc::new(CountWakes(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        let mut cx = Context::from_waker(&waker);
        let first = one_shot.poll_take(&mut cx, "loom");
        producer.join().unwrap();
        match first {
            Poll::Ready(value) => assert_eq!(value, 1),
            Poll::Pending => {
                assert_eq!(
                    count.0.load(Ordering::SeqCst),
                    1,
                    "the fill did not wake the task"
                );
                assert_eq!(one_shot.poll_take(&mut cx, "loom"), Poll::Ready(1));
            }
        }
    });
}
