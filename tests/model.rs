//! A model test of the executor: random programs of spawns, yields, wakes,
//! cancels, handle drops and awaits run on a real runtime and on a small
//! model of the documented scheduling rules, and must produce the same
//! event log.
//!
//! Checked for every program:
//! - the exact interleaving of polls, future drops and the main future's
//!   steps (FIFO run queue; a task is queued at most once; stale wakes do
//!   nothing; cancellation drops the future at the loop's next turn);
//! - `cancel()`, `is_finished()`, `is_cancelled()` answers;
//! - every kept handle gets its task's outcome exactly once (the value, or
//!   `Cancelled` for a cancelled task or one still alive at shutdown);
//! - every future is dropped exactly once and every output exactly once
//!   (shutdown included), and no output exists for a cancelled task.

mod support;

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use proptest::prelude::*;
use support::{poll_once, DropCounter, DropToken, Log, WakerSlot};
use uniloop::{spawn, yield_now, JoinError, Task};

/// At most this many tasks per program.
const MAX_TASKS: usize = 8;

#[derive(Clone, Debug)]
enum Step {
    /// Spawn a task that yields `yields` times and returns its index, or,
    /// if `forever`, is pending forever after its first poll.
    Spawn { yields: u8, forever: bool },
    /// The main future yields once.
    Yield,
    /// Wake task `n % tasks` with the waker of its latest poll (which may
    /// be stale).
    Wake(usize),
    /// `cancel()` task `n % tasks` through its handle.
    Cancel(usize),
    /// Drop the handle (detach).
    DropHandle(usize),
    /// Await the handle (only if the task can finish).
    Await(usize),
    /// Poll the handle once from the main future.
    PollOnce(usize),
}

fn step() -> impl Strategy<Value = Step> {
    let index = 0..MAX_TASKS;
    prop_oneof![
        3 => (0u8..4, prop::bool::weighted(0.25))
            .prop_map(|(yields, forever)| Step::Spawn { yields, forever }),
        3 => Just(Step::Yield),
        2 => index.clone().prop_map(Step::Wake),
        2 => index.clone().prop_map(Step::Cancel),
        1 => index.clone().prop_map(Step::DropHandle),
        2 => index.clone().prop_map(Step::Await),
        1 => index.prop_map(Step::PollOnce),
    ]
}

/// How a task ended, as its handle reports it.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Outcome {
    Value(usize),
    Cancelled,
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Value(v) => write!(f, "Ok({v})"),
            Outcome::Cancelled => f.write_str("Cancelled"),
        }
    }
}

/// What every run, real or modelled, must agree on.
#[derive(Debug, PartialEq)]
struct Trace {
    /// Events up to the main future's return, in order.
    log: Vec<String>,
    /// Futures dropped at shutdown (sorted: shutdown order is not specified).
    shutdown_drops: Vec<String>,
    /// For each handle still held when `run` returned: its task's index, and
    /// what awaiting it afterwards gives.
    leftover_handles: Vec<(usize, bool, Outcome)>,
    /// How the task ended, per task.
    outcomes: Vec<Outcome>,
}

// ---------------------------------------------------------------------------
// The model
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq)]
enum HandleState {
    Kept,
    Dropped,
    Consumed,
}

#[derive(Clone, Copy)]
enum Entry {
    Main,
    Task(usize),
}

struct ModelTask {
    yields_left: u8,
    forever: bool,
    polls: usize,
    cancelled: bool,
    outcome: Option<Outcome>,
    scheduled: bool,
    /// The main future polled the handle while the task was unfinished: it
    /// is woken when the task finishes (even if the handle was dropped since).
    joiner: bool,
    handle: HandleState,
}

#[derive(Default)]
struct Model {
    tasks: Vec<ModelTask>,
    queue: VecDeque<Entry>,
    main_scheduled: bool,
    log: Vec<String>,
}

impl Model {
    fn schedule(&mut self, i: usize) {
        let task = &mut self.tasks[i];
        if task.outcome.is_none() && !task.scheduled {
            task.scheduled = true;
            self.queue.push_back(Entry::Task(i));
        }
    }

    fn wake_main(&mut self) {
        if !self.main_scheduled {
            self.main_scheduled = true;
            self.queue.push_back(Entry::Main);
        }
    }

    fn complete(&mut self, i: usize, outcome: Outcome) {
        self.log.push(format!("drop {i}"));
        let task = &mut self.tasks[i];
        task.outcome = Some(outcome);
        if std::mem::take(&mut task.joiner) {
            self.wake_main();
        }
    }

    fn run_task(&mut self, i: usize) {
        let task = &mut self.tasks[i];
        task.scheduled = false;
        if task.cancelled {
            self.complete(i, Outcome::Cancelled);
            return;
        }
        task.polls += 1;
        self.log.push(format!("poll {i}"));
        if task.forever {
            return;
        }
        if task.yields_left > 0 {
            task.yields_left -= 1;
            self.schedule(i);
            return;
        }
        self.complete(i, Outcome::Value(i));
    }

    /// Run the loop until it pops the main future.
    fn run_until_main(&mut self) {
        loop {
            match self.queue.pop_front() {
                Some(Entry::Main) => {
                    self.main_scheduled = false;
                    return;
                }
                Some(Entry::Task(i)) => self.run_task(i),
                None => panic!("model: the loop would park forever"),
            }
        }
    }

    /// The main future polls handle `i`: `Some(outcome)` if it is ready.
    fn poll_handle(&mut self, i: usize) -> Option<Outcome> {
        let task = &mut self.tasks[i];
        match task.outcome {
            Some(outcome) => {
                task.handle = HandleState::Consumed;
                Some(outcome)
            }
            None => {
                task.joiner = true;
                None
            }
        }
    }

    fn target(&self, n: usize) -> Option<usize> {
        (!self.tasks.is_empty()).then(|| n % self.tasks.len())
    }

    fn kept(&self, n: usize) -> Option<usize> {
        self.target(n)
            .filter(|&i| self.tasks[i].handle == HandleState::Kept)
    }

    fn run(steps: &[Step]) -> Trace {
        let mut m = Model::default();
        // `run` queues the main future and polls it first.
        m.wake_main();
        m.run_until_main();
        for step in steps {
            match *step {
                Step::Spawn { yields, forever } => {
                    if m.tasks.len() == MAX_TASKS {
                        continue;
                    }
                    let i = m.tasks.len();
                    m.log.push(format!("spawn {i}"));
                    m.tasks.push(ModelTask {
                        yields_left: yields,
                        forever,
                        polls: 0,
                        cancelled: false,
                        outcome: None,
                        scheduled: false,
                        joiner: false,
                        handle: HandleState::Kept,
                    });
                    m.schedule(i);
                }
                Step::Yield => {
                    m.log.push("yield".into());
                    m.wake_main();
                    m.run_until_main();
                    m.log.push("resumed".into());
                }
                Step::Wake(n) => {
                    let Some(i) = m.target(n) else { continue };
                    if m.tasks[i].polls == 0 {
                        continue;
                    }
                    m.log.push(format!("wake {i}"));
                    m.schedule(i);
                }
                Step::Cancel(n) => {
                    let Some(i) = m.kept(n) else { continue };
                    let task = &mut m.tasks[i];
                    let took_effect = task.outcome.is_none() && !task.cancelled;
                    task.cancelled |= took_effect;
                    let finished = task.outcome.is_some() || task.cancelled;
                    let cancelled = task.cancelled;
                    if took_effect {
                        m.schedule(i);
                    }
                    m.log.push(format!(
                        "cancel {i} -> {took_effect}, finished {finished}, cancelled {cancelled}"
                    ));
                }
                Step::DropHandle(n) => {
                    let Some(i) = m.kept(n) else { continue };
                    m.tasks[i].handle = HandleState::Dropped;
                    m.log.push(format!("drop handle {i}"));
                }
                Step::Await(n) => {
                    let Some(i) = m.kept(n) else { continue };
                    if m.tasks[i].forever && !m.tasks[i].cancelled {
                        continue;
                    }
                    m.log.push(format!("await {i}"));
                    let outcome = loop {
                        if let Some(outcome) = m.poll_handle(i) {
                            break outcome;
                        }
                        m.run_until_main();
                    };
                    m.log.push(format!("await {i} -> {outcome}"));
                }
                Step::PollOnce(n) => {
                    let Some(i) = m.kept(n) else { continue };
                    let result = match m.poll_handle(i) {
                        Some(outcome) => outcome.to_string(),
                        None => "Pending".into(),
                    };
                    m.log.push(format!("poll_once {i} -> {result}"));
                }
            }
        }
        m.log.push("main returns".into());
        // Shutdown: every unfinished task is dropped and ends cancelled.
        let mut shutdown_drops = Vec::new();
        for (i, task) in m.tasks.iter_mut().enumerate() {
            if task.outcome.is_none() {
                task.outcome = Some(Outcome::Cancelled);
                task.cancelled = true;
                shutdown_drops.push(format!("drop {i}"));
            }
        }
        shutdown_drops.sort();
        let leftover_handles = m
            .tasks
            .iter()
            .enumerate()
            .filter(|(_, t)| t.handle == HandleState::Kept)
            .map(|(i, t)| (i, t.cancelled, t.outcome.unwrap()))
            .collect();
        let outcomes = m.tasks.iter().map(|t| t.outcome.unwrap()).collect();
        Trace {
            log: m.log,
            shutdown_drops,
            leftover_handles,
            outcomes,
        }
    }
}

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

struct Counters {
    futures: Vec<DropCounter>,
    outputs: Vec<DropCounter>,
    outcomes: Vec<Rc<RefCell<Option<Outcome>>>>,
}

fn run_real(steps: &[Step]) -> (Trace, Counters) {
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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn the_executor_follows_the_model(steps in prop::collection::vec(step(), 0..48)) {
        let expected = Model::run(&steps);
        let (actual, counters) = run_real(&steps);
        prop_assert_eq!(&actual.log, &expected.log);
        prop_assert_eq!(&actual.shutdown_drops, &expected.shutdown_drops);
        prop_assert_eq!(&actual.leftover_handles, &expected.leftover_handles);
        prop_assert_eq!(&actual.outcomes, &expected.outcomes);
        for (i, (future, output)) in counters.futures.iter().zip(&counters.outputs).enumerate() {
            prop_assert_eq!(future.count(), 1, "future of task {} dropped once", i);
            let produced = matches!(expected.outcomes[i], Outcome::Value(_));
            prop_assert_eq!(
                output.count(),
                usize::from(produced),
                "output of task {} dropped once if produced",
                i
            );
        }
    }
}

#[test]
fn the_model_agrees_on_a_hand_written_program() {
    use Step::*;
    let steps = [
        Spawn {
            yields: 2,
            forever: false,
        },
        Spawn {
            yields: 0,
            forever: true,
        },
        Spawn {
            yields: 1,
            forever: false,
        },
        PollOnce(0),
        Yield,
        Wake(1),
        Cancel(1),
        DropHandle(2),
        Await(0),
        Await(1),
        Spawn {
            yields: 3,
            forever: false,
        },
        Wake(0), // stale: task 0 is done
        Yield,
        Cancel(3),
        Spawn {
            yields: 0,
            forever: true,
        },
    ];
    let expected = Model::run(&steps);
    assert_eq!(
        expected.log,
        [
            "spawn 0",
            "spawn 1",
            "spawn 2",
            "poll_once 0 -> Pending",
            "yield",
            "poll 0",
            "poll 1",
            "poll 2",
            "resumed",
            "wake 1",
            "cancel 1 -> true, finished true, cancelled true",
            "drop handle 2",
            "await 0",
            "poll 0",
            "poll 2",
            "drop 2",
            "drop 1",
            "poll 0",
            "drop 0",
            "await 0 -> Ok(0)",
            "await 1",
            "await 1 -> Cancelled",
            "spawn 3",
            "wake 0",
            "yield",
            "poll 3",
            "resumed",
            "cancel 3 -> true, finished true, cancelled true",
            "spawn 4",
            "main returns",
        ]
    );
    assert_eq!(expected.shutdown_drops, ["drop 3", "drop 4"]);
    let (actual, _) = run_real(&steps);
    assert_eq!(actual, expected);
}
