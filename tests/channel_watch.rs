//! `watch`: the latest value wins, wake-ups on change (and only on
//! change), the sender leaving, sends without receivers, borrow conflicts,
//! seen-state of clones and subscribers, `closed`, cancellation, and a
//! model test of random sequences against (value, version, seen).

mod cases;
mod support;

use std::cell::Cell;
use std::future::Future;
use std::pin::pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use proptest::prelude::*;
use support::{panic_message, poll_once, run_guarded, yield_times, DropCounter, Log};
use uniloop::channel::watch::{self, SendError};
use uniloop::{spawn, yield_now};

// ----- scenarios -----

#[test]
fn a_receiver_that_misses_changes_sees_only_the_latest() {
    run_guarded(async {
        let (tx, mut rx) = watch::channel(0);
        let log = Log::new();
        let watcher = {
            let log = log.clone();
            spawn(async move {
                while rx.changed().await.is_ok() {
                    log.push(format!("saw {}", *rx.borrow_and_update()));
                }
                log.push("sender gone");
            })
        };
        yield_now().await; // it waits
        for n in 1..=3 {
            tx.send(n).unwrap(); // no yield: it runs once, after the third
        }
        yield_times(2).await;
        tx.send(4).unwrap();
        yield_times(2).await;
        drop(tx);
        watcher.await.unwrap();
        assert_eq!(log.take(), ["saw 3", "saw 4", "sender gone"]);
    });
}

#[test]
fn a_send_wakes_every_waiting_receiver() {
    run_guarded(async {
        let (tx, rx) = watch::channel("old");
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let mut rx = rx.clone();
                spawn(async move {
                    rx.changed().await.unwrap();
                    *rx.borrow()
                })
            })
            .collect();
        yield_times(3).await;
        assert!(waiters.iter().all(|w| !w.is_finished()));
        tx.send("new").unwrap();
        for waiter in waiters {
            assert_eq!(waiter.await.unwrap(), "new");
        }
    });
}

#[test]
fn send_modify_always_notifies_and_send_if_modified_only_when_told() {
    run_guarded(async {
        let (tx, mut rx) = watch::channel(vec![1]);
        let waiter = spawn(async move {
            rx.changed().await.unwrap();
            let seen = rx.borrow_and_update().clone();
            rx.changed().await.unwrap();
            (seen, rx.borrow().clone())
        });
        yield_now().await;
        assert!(!tx.send_if_modified(|v| {
            v.push(99); // changed, but not reported: no wake-up
            false
        }));
        yield_times(3).await;
        assert!(!waiter.is_finished());
        assert!(tx.send_if_modified(|v| {
            v.pop();
            true
        }));
        yield_times(2).await;
        tx.send_modify(|_| {}); // notifies even without a change
        assert_eq!(waiter.await.unwrap(), (vec![1], vec![1]));
    });
}

#[test]
fn changed_fails_only_after_the_last_change_was_observed() {
    run_guarded(async {
        let (tx, mut rx) = watch::channel(0);
        tx.send(5).unwrap();
        drop(tx);
        assert!(rx.is_closed());
        assert_eq!(rx.has_changed(), Ok(true));
        assert_eq!(rx.changed().await, Ok(()));
        assert_eq!(*rx.borrow(), 5);
        assert!(rx.has_changed().is_err());
        assert!(rx.changed().await.is_err());
        // A waiting `changed` is woken by the sender's drop.
        let (tx, mut rx) = watch::channel(0);
        let waiter = spawn(async move { rx.changed().await });
        yield_times(2).await;
        assert!(!waiter.is_finished());
        drop(tx);
        let err = waiter.await.unwrap().unwrap_err();
        assert_eq!(err.to_string(), "the sender was dropped");
    });
}

#[test]
fn a_send_without_receivers_gives_the_value_back_and_keeps_the_old_one() {
    let drops = DropCounter::new();
    let (tx, rx) = watch::channel(drops.token());
    drop(rx);
    assert!(tx.is_closed());
    let SendError(back) = tx.send(drops.token()).unwrap_err();
    assert_eq!(
        drops.count(),
        0,
        "neither the old nor the new value dropped"
    );
    drop(back);
    assert_eq!(drops.count(), 1);
    // send_replace stores anyway and returns the old value.
    let old = tx.send_replace(drops.token());
    assert_eq!(drops.count(), 1);
    drop(old);
    assert_eq!(drops.count(), 2);
    // The value is dropped with the last handle.
    let rx = tx.subscribe();
    drop(tx);
    assert_eq!(drops.count(), 2);
    drop(rx);
    assert_eq!(drops.count(), 3);
}

#[test]
fn sending_while_a_ref_is_alive_panics_with_the_function_name() {
    let (tx, rx) = watch::channel(1);
    let held = rx.borrow();
    for (name, message) in [
        ("send", panic_message(|| tx.send(2))),
        ("send_replace", panic_message(|| tx.send_replace(2))),
        ("send_modify", panic_message(|| tx.send_modify(|n| *n = 2))),
        (
            "send_if_modified",
            panic_message(|| tx.send_if_modified(|_| true)),
        ),
    ] {
        assert_eq!(
            message,
            format!(
                "uniloop::channel::watch::Sender::{name}(): the value is borrowed \
                 (a watch::Ref is still alive)"
            )
        );
    }
    assert_eq!(*held, 1);
    drop(held);
    assert_eq!(rx.has_changed(), Ok(false), "no failed send counted");
    tx.send(3).unwrap();
    assert_eq!(*rx.borrow(), 3);
    // Borrowing from inside a modification panics too, naming the borrow.
    let message = panic_message(|| tx.send_modify(|_| drop(rx.borrow())));
    assert_eq!(
        message,
        "uniloop::channel::watch::Receiver::borrow(): the value is being modified \
         (inside send_modify or send_if_modified)"
    );
    assert_eq!(rx.has_changed(), Ok(true), "only the send of 3");
}

#[test]
fn clones_keep_the_seen_state_and_subscribers_start_seen() {
    let (tx, mut rx) = watch::channel('a');
    tx.send('b').unwrap();
    let mut clone = rx.clone();
    assert_eq!(clone.has_changed(), Ok(true));
    assert!(rx.borrow_and_update().has_changed());
    assert_eq!(rx.has_changed(), Ok(false));
    assert_eq!(clone.has_changed(), Ok(true), "independent of the original");
    let seen = rx.clone();
    assert_eq!(seen.has_changed(), Ok(false));
    let sub = tx.subscribe();
    assert_eq!(sub.has_changed(), Ok(false));
    assert_eq!(*sub.borrow(), 'b');
    assert_eq!(tx.receiver_count(), 4);
    clone.mark_unchanged();
    assert_eq!(clone.has_changed(), Ok(false));
    clone.mark_changed();
    assert_eq!(clone.has_changed(), Ok(true));
    assert!(!tx.borrow().has_changed());
}

#[test]
fn closed_resolves_when_the_last_receiver_is_dropped() {
    run_guarded(async {
        let (tx, rx) = watch::channel(());
        let rx2 = rx.clone();
        let tx = Rc::new(tx);
        let watcher = {
            let tx = tx.clone();
            spawn(async move { tx.closed().await })
        };
        yield_times(2).await;
        drop(rx);
        yield_times(2).await;
        assert!(!watcher.is_finished(), "a receiver is still alive");
        assert!(!tx.is_closed());
        drop(rx2);
        watcher.await.unwrap();
        assert!(tx.is_closed());
        tx.closed().await; // at once now
        let rx = tx.subscribe();
        assert!(!tx.is_closed());
        let mut again = Box::pin(tx.closed());
        assert!(poll_once(&mut again).await.is_pending());
        drop(rx);
        assert_eq!(poll_once(&mut again).await, Poll::Ready(()));
    });
}

#[test]
fn a_closed_served_but_outrun_by_a_new_receiver_waits_again() {
    run_guarded(async {
        let (tx, rx) = watch::channel(());
        let tx = Rc::new(tx);
        let (watching, polls) = support::poll_counter({
            let tx = tx.clone();
            async move { tx.closed().await }
        });
        let watcher = spawn(watching);
        yield_now().await;
        assert_eq!(polls.get(), 1, "it waits");
        drop(rx); // serves it...
        let rx = tx.subscribe(); // ...but a receiver is back before it runs
        yield_now().await;
        assert_eq!(polls.get(), 2);
        assert!(!watcher.is_finished());
        drop(rx);
        watcher.await.unwrap();
    });
}

#[test]
fn a_cancelled_changed_misses_nothing() {
    run_guarded(async {
        let (tx, mut rx) = watch::channel(0);
        assert!(
            uniloop::timeout(std::time::Duration::from_secs(1), rx.changed())
                .await
                .is_err()
        );
        // Served by a send, then dropped before it ran again.
        let mut waiting = Box::pin(rx.changed());
        assert!(poll_once(&mut waiting).await.is_pending());
        tx.send(1).unwrap();
        drop(waiting);
        assert_eq!(rx.has_changed(), Ok(true));
        assert_eq!(rx.changed().await, Ok(()));
        assert_eq!(*rx.borrow(), 1);
    });
}

#[test]
fn debug_needs_no_debug_value_and_errors_read_well() {
    struct Opaque;
    let (tx, rx) = watch::channel(Opaque);
    assert_eq!(
        format!("{tx:?}"),
        "watch::Sender { version: 0, receivers: 1 }"
    );
    assert_eq!(
        format!("{rx:?}"),
        "watch::Receiver { seen: 0, version: 0, closed: false }"
    );
    assert_eq!(
        format!("{:?}", rx.borrow()),
        "watch::Ref { has_changed: false, .. }"
    );
    assert_eq!(format!("{:?}", SendError(Opaque)), "SendError(..)");
    assert_eq!(SendError(()).to_string(), "the channel has no receiver");
}

// ----- model -----

/// A value that counts how many values are alive.
#[derive(Debug)]
struct Val {
    n: u32,
    live: Rc<Cell<usize>>,
}

fn val(n: u32, live: &Rc<Cell<usize>>) -> Val {
    live.set(live.get() + 1);
    Val {
        n,
        live: live.clone(),
    }
}

impl Drop for Val {
    fn drop(&mut self) {
        self.live.set(self.live.get() - 1);
    }
}

#[derive(Clone, Copy, Debug)]
enum Op {
    Send(u32),
    SendReplace(u32),
    Modify(u32),
    IfModified(u32, bool),
    Borrow(usize),
    BorrowAndUpdate(usize),
    HasChanged(usize),
    /// Poll a fresh `changed` once, then drop it.
    Changed(usize),
    MarkChanged(usize),
    Clone(usize),
    Subscribe,
    DropReceiver(usize),
    DropSender,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..100u32).prop_map(Op::Send),
        1 => (0..100u32).prop_map(Op::SendReplace),
        2 => (0..100u32).prop_map(Op::Modify),
        2 => (0..100u32, any::<bool>()).prop_map(|(n, m)| Op::IfModified(n, m)),
        2 => any::<usize>().prop_map(Op::Borrow),
        3 => any::<usize>().prop_map(Op::BorrowAndUpdate),
        2 => any::<usize>().prop_map(Op::HasChanged),
        4 => any::<usize>().prop_map(Op::Changed),
        1 => any::<usize>().prop_map(Op::MarkChanged),
        1 => any::<usize>().prop_map(Op::Clone),
        1 => Just(Op::Subscribe),
        1 => any::<usize>().prop_map(Op::DropReceiver),
        1 => Just(Op::DropSender),
    ]
}

/// A receiver and the version it has seen in the model (`u64::MAX`:
/// marked changed).
type Watcher = (watch::Receiver<Val>, u64);

fn poll<F: Future>(future: F) -> Poll<F::Output> {
    pin!(future).poll(&mut Context::from_waker(Waker::noop()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases::cases(512)))]

    #[test]
    fn watch_matches_a_model(ops in prop::collection::vec(op(), 1..80)) {
        let live = Rc::new(Cell::new(0));
        let (tx, rx) = watch::channel(val(0, &live));
        let mut tx = Some(tx);
        let mut receivers: Vec<Watcher> = vec![(rx, 0)];
        let (mut value, mut version) = (0u32, 0u64);
        for op in ops {
            match (op, &tx) {
                (Op::Send(n), Some(tx)) => match tx.send(val(n, &live)) {
                    Ok(()) => {
                        prop_assert!(!receivers.is_empty());
                        (value, version) = (n, version + 1);
                    }
                    Err(SendError(back)) => {
                        prop_assert!(receivers.is_empty());
                        prop_assert_eq!(back.n, n);
                    }
                },
                (Op::SendReplace(n), Some(tx)) => {
                    prop_assert_eq!(tx.send_replace(val(n, &live)).n, value);
                    (value, version) = (n, version + 1);
                }
                (Op::Modify(n), Some(tx)) => {
                    tx.send_modify(|v| v.n += n);
                    (value, version) = (value + n, version + 1);
                }
                (Op::IfModified(n, modified), Some(tx)) => {
                    prop_assert_eq!(tx.send_if_modified(|v| { v.n = n; modified }), modified);
                    value = n;
                    version += u64::from(modified);
                }
                (Op::Borrow(i) | Op::BorrowAndUpdate(i) | Op::HasChanged(i) | Op::Changed(i) | Op::MarkChanged(i) | Op::Clone(i) | Op::DropReceiver(i), _)
                    if !receivers.is_empty() =>
                {
                    let i = i % receivers.len();
                    let (rx, seen) = &mut receivers[i];
                    let changed = *seen != version;
                    match op {
                        Op::Borrow(_) => {
                            let r = rx.borrow();
                            prop_assert_eq!((r.n, r.has_changed()), (value, changed));
                        }
                        Op::BorrowAndUpdate(_) => {
                            let r = rx.borrow_and_update();
                            prop_assert_eq!((r.n, r.has_changed()), (value, changed));
                            *seen = version;
                        }
                        Op::HasChanged(_) => {
                            let expected = if changed || tx.is_some() { Ok(changed) } else { Err(()) };
                            prop_assert_eq!(rx.has_changed().map_err(|_| ()), expected);
                        }
                        Op::Changed(_) => {
                            let polled = poll(rx.changed()).map(|r| r.map_err(|_| ()));
                            let expected = if changed {
                                *seen = version;
                                Poll::Ready(Ok(()))
                            } else if tx.is_none() {
                                Poll::Ready(Err(()))
                            } else {
                                Poll::Pending
                            };
                            prop_assert_eq!(polled, expected);
                        }
                        Op::MarkChanged(_) => {
                            rx.mark_changed();
                            *seen = u64::MAX;
                        }
                        Op::Clone(_) => {
                            let clone = (rx.clone(), *seen);
                            receivers.push(clone);
                        }
                        _ => drop(receivers.remove(i)),
                    }
                }
                (Op::Subscribe, Some(tx)) => receivers.push((tx.subscribe(), version)),
                (Op::DropSender, Some(_)) => tx = None,
                _ => {}
            }
            let alive = usize::from(tx.is_some() || !receivers.is_empty());
            prop_assert_eq!(live.get(), alive, "exactly the stored value is alive");
            if let Some(tx) = &tx {
                prop_assert_eq!(tx.borrow().n, value);
                prop_assert_eq!(tx.receiver_count(), receivers.len());
                prop_assert_eq!(tx.is_closed(), receivers.is_empty());
            }
            for (rx, _) in &receivers {
                prop_assert_eq!(rx.is_closed(), tx.is_none());
            }
        }
        drop(tx);
        drop(receivers);
        prop_assert_eq!(live.get(), 0);
    }
}
