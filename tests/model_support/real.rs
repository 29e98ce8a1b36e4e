//! The executor model test's run of a program on a real runtime (split
//! from `tests/model.rs`).

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::{Outcome, Step, Trace, MAX_TASKS};
use crate::support::{poll_once, DropCounter, DropToken, Log, WakerSlot};
use uniloop::{spawn, yield_now, JoinError, Task};

// ---------------------------------------------------------------------------
// The real thing
// ---------------------------------------------------------------------------

/// A task's future: logs each poll, keeps the waker of its latest poll, and
/// logs its own drop (through a token owned by the wrapper, so it fires when
/// the runtime drops the future, not when the inner body finishes).
struct Tracked<F> {
    inner: Pin<Box<F>>,
    index: usize,
    log: Log,
    waker: WakerSlot,
    _dropped: DropToken,
}

impl<F: Future> Future for Tracked<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.log.push(format!("poll {}", self.index));
        self.waker.set(cx.waker().clone());
        self.inner.as_mut().poll(cx)
    }
}

type Output = (usize, DropToken);

struct Spawned {
    handle: Option<Task<Output>>,
    forever: bool,
    cancelled: bool,
    waker: WakerSlot,
}

fn outcome(result: Result<Output, JoinError>) -> Outcome {
    match result {
        Ok((value, _token)) => Outcome::Value(value),
        Err(err) if err.is_cancelled() => Outcome::Cancelled,
        Err(err) => panic!("unexpected {err:?}"),
    }
}

fn kept(spawned: &mut [Spawned], n: usize) -> Option<(usize, &mut Spawned)> {
    if spawned.is_empty() {
        return None;
    }
    let i = n % spawned.len();
    let s = &mut spawned[i];
    s.handle.is_some().then_some((i, s))
}

pub struct Counters {
    pub futures: Vec<DropCounter>,
    pub outputs: Vec<DropCounter>,
    pub outcomes: Vec<Rc<RefCell<Option<Outcome>>>>,
}

pub fn run_real(steps: &[Step]) -> (Trace, Counters) {
    let log = Log::new();
    let counters = RefCell::new(Counters {
        futures: Vec::new(),
        outputs: Vec::new(),
        outcomes: Vec::new(),
    });
    let leftovers = uniloop::run(async {
        let mut spawned: Vec<Spawned> = Vec::new();
        for step in steps {
            match *step {
                Step::Spawn { yields, forever } => {
                    if spawned.len() == MAX_TASKS {
                        continue;
                    }
                    let i = spawned.len();
                    log.push(format!("spawn {i}"));
                    let (future_drops, output_drops) = (DropCounter::new(), DropCounter::new());
                    let finished = Rc::new(RefCell::new(None));
                    let out = output_drops.clone();
                    let f = finished.clone();
                    let waker = WakerSlot::new();
                    let handle = spawn(Tracked {
                        inner: Box::pin(async move {
                            if forever {
                                std::future::pending::<()>().await;
                            }
                            for _ in 0..yields {
                                yield_now().await;
                            }
                            *f.borrow_mut() = Some(Outcome::Value(i));
                            (i, out.token())
                        }),
                        index: i,
                        log: log.clone(),
                        waker: waker.clone(),
                        _dropped: future_drops.logged_token(&log, format!("drop {i}")),
                    });
                    let mut c = counters.borrow_mut();
                    c.futures.push(future_drops);
                    c.outputs.push(output_drops);
                    c.outcomes.push(finished);
                    spawned.push(Spawned {
                        handle: Some(handle),
                        forever,
                        cancelled: false,
                        waker,
                    });
                }
                Step::Yield => {
                    log.push("yield");
                    yield_now().await;
                    log.push("resumed");
                }
                Step::Wake(n) => {
                    if spawned.is_empty() {
                        continue;
                    }
                    let i = n % spawned.len();
                    let Some(waker) = spawned[i].waker.get() else {
                        continue;
                    };
                    log.push(format!("wake {i}"));
                    waker.wake();
                }
                Step::Cancel(n) => {
                    let Some((i, s)) = kept(&mut spawned, n) else {
                        continue;
                    };
                    let handle = s.handle.as_ref().unwrap();
                    let took_effect = handle.cancel();
                    s.cancelled |= took_effect;
                    log.push(format!(
                        "cancel {i} -> {took_effect}, finished {}, cancelled {}",
                        handle.is_finished(),
                        handle.is_cancelled()
                    ));
                }
                Step::DropHandle(n) => {
                    let Some((i, s)) = kept(&mut spawned, n) else {
                        continue;
                    };
                    s.handle = None;
                    log.push(format!("drop handle {i}"));
                }
                Step::Await(n) => {
                    let Some((i, s)) = kept(&mut spawned, n) else {
                        continue;
                    };
                    if s.forever && !s.cancelled {
                        continue;
                    }
                    log.push(format!("await {i}"));
                    let result = outcome(s.handle.take().unwrap().await);
                    log.push(format!("await {i} -> {result}"));
                }
                Step::PollOnce(n) => {
                    let Some((i, s)) = kept(&mut spawned, n) else {
                        continue;
                    };
                    let result = match poll_once(s.handle.as_mut().unwrap()).await {
                        Poll::Ready(result) => {
                            s.handle = None;
                            outcome(result).to_string()
                        }
                        Poll::Pending => "Pending".into(),
                    };
                    log.push(format!("poll_once {i} -> {result}"));
                }
            }
        }
        log.push("main returns");
        spawned
            .into_iter()
            .enumerate()
            .filter_map(|(i, s)| Some((i, s.handle?)))
            .collect::<Vec<_>>()
    });
    let mut events = log.take();
    let end = events.iter().position(|e| e == "main returns").unwrap() + 1;
    let mut shutdown_drops = events.split_off(end);
    shutdown_drops.sort();
    let leftover_handles = leftovers
        .into_iter()
        .map(|(i, handle)| {
            assert!(handle.is_finished(), "task {i} unfinished after run");
            let cancelled = handle.is_cancelled();
            // Finished handles are ready at once, under any executor.
            let result = futures::executor::block_on(handle);
            (i, cancelled, outcome(result))
        })
        .collect();
    let counters = counters.into_inner();
    let outcomes = counters
        .outcomes
        .iter()
        .map(|o| o.borrow().unwrap_or(Outcome::Cancelled))
        .collect();
    let trace = Trace {
        log: events,
        shutdown_drops,
        leftover_handles,
        outcomes,
    };
    (trace, counters)
}
