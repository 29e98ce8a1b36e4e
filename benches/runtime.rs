//! Executor core benchmarks, uniloop beside its peers in the same run:
//! `cargo bench --bench runtime`, then `python3 benches/report.py`.

mod harness;

use std::cell::RefCell;
use std::future::poll_fn;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use criterion::{criterion_group, criterion_main, Criterion};
use harness::Rt;

const SPAWN_MANY: u64 = 100_000;
const YIELD_TASKS: u64 = 200;
const YIELDS_PER_TASK: u64 = 1_000;
const CHAIN_DEPTH: u64 = 100_000;
const ROUND_TRIPS: u64 = 100_000;

/// Spawn 100 000 tasks that return at once, then await every handle.
fn spawn_many<R: Rt>(rt: &mut R) {
    let sum = rt.block_on(async {
        let handles: Vec<_> = (0..SPAWN_MANY)
            .map(|i| R::spawn(async move { i }))
            .collect();
        let mut sum = 0;
        for handle in handles {
            sum += handle.await;
        }
        sum
    });
    assert_eq!(sum, SPAWN_MANY * (SPAWN_MANY - 1) / 2);
}

/// 200 tasks each yield 1 000 times.
fn yield_many<R: Rt>(rt: &mut R) {
    rt.block_on(async {
        let handles: Vec<_> = (0..YIELD_TASKS)
            .map(|_| {
                R::spawn(async {
                    for _ in 0..YIELDS_PER_TASK {
                        R::yield_now().await;
                    }
                })
            })
            .collect();
        for handle in handles {
            handle.await;
        }
    });
}

/// Each task spawns the next, 100 000 deep; the last one signals the root.
fn chained_spawn<R: Rt>(rt: &mut R) {
    fn link<R: Rt>(left: u64, done: futures::channel::oneshot::Sender<()>) {
        R::spawn_detached(async move {
            if left == 0 {
                done.send(()).unwrap();
            } else {
                link::<R>(left - 1, done);
            }
        });
    }
    rt.block_on(async {
        let (done, finished) = futures::channel::oneshot::channel();
        link::<R>(CHAIN_DEPTH, done);
        finished.await.unwrap();
    });
}

/// A value two tasks pass back and forth; each waits for its turn with a
/// waker stored beside it.
#[derive(Default)]
struct Baton {
    turn: usize,
    passes: u64,
    wakers: [Option<Waker>; 2],
}

impl Baton {
    /// `Ready` on `me`'s turn; otherwise store the waker.
    fn poll_turn(&mut self, me: usize, cx: &mut Context<'_>) -> Poll<()> {
        if self.turn == me {
            return Poll::Ready(());
        }
        self.wakers[me] = Some(cx.waker().clone());
        Poll::Pending
    }

    /// Hand the turn over; the waker to wake, once the baton is released.
    fn pass(&mut self, me: usize) -> Option<Waker> {
        self.passes += 1;
        self.turn = 1 - me;
        self.wakers[1 - me].take()
    }
}

/// A player over a shared cell, for runtimes that run `!Send` tasks.
async fn local_player(baton: Rc<RefCell<Baton>>, me: usize) {
    for _ in 0..ROUND_TRIPS {
        poll_fn(|cx| baton.borrow_mut().poll_turn(me, cx)).await;
        let waker = baton.borrow_mut().pass(me);
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// The same player over `Arc<Mutex>`, for `tokio::spawn`'s `Send` bound.
async fn send_player(baton: Arc<Mutex<Baton>>, me: usize) {
    for _ in 0..ROUND_TRIPS {
        poll_fn(|cx| baton.lock().unwrap().poll_turn(me, cx)).await;
        let waker = baton.lock().unwrap().pass(me);
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// Two tasks hand a value back and forth 100 000 times through a shared
/// cell and a waker (an `Rc<RefCell>`, or `Arc<Mutex>` where the runtime
/// only runs `Send` tasks).
fn ping_pong<R: Rt>(rt: &mut R) {
    if R::SEND_ONLY {
        return ping_pong_mutex(rt);
    }
    let passes = rt.block_on(async {
        let baton = Rc::new(RefCell::new(Baton::default()));
        let ping = R::spawn_local(local_player(baton.clone(), 0));
        let pong = R::spawn_local(local_player(baton.clone(), 1));
        ping.await;
        pong.await;
        let passes = baton.borrow().passes;
        passes
    });
    assert_eq!(passes, 2 * ROUND_TRIPS);
}

/// `ping_pong` with the `Arc<Mutex>` cell on every runtime.
fn ping_pong_mutex<R: Rt>(rt: &mut R) {
    let passes = rt.block_on(async {
        let baton = Arc::new(Mutex::new(Baton::default()));
        let ping = R::spawn(send_player(baton.clone(), 0));
        let pong = R::spawn(send_player(baton.clone(), 1));
        ping.await;
        pong.await;
        let passes = baton.lock().unwrap().passes;
        passes
    });
    assert_eq!(passes, 2 * ROUND_TRIPS);
}

fn runtime(c: &mut Criterion) {
    every_runtime!(harness::group(c, "spawn_many", SPAWN_MANY), spawn_many);
    every_runtime!(
        harness::group(c, "yield_many", YIELD_TASKS * YIELDS_PER_TASK),
        yield_many
    );
    every_runtime!(
        harness::group(c, "chained_spawn", CHAIN_DEPTH),
        chained_spawn
    );
    every_runtime!(harness::group(c, "ping_pong", ROUND_TRIPS), ping_pong);
    every_runtime!(
        harness::group(c, "ping_pong_mutex", ROUND_TRIPS),
        ping_pong_mutex
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3));
    targets = runtime
}
criterion_main!(benches);
