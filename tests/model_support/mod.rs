//! The executor model test's programs and model (split from
//! `tests/model.rs`): the steps of a random program, the trace every run
//! must agree on, and the model of the documented scheduling rules. The
//! run on a real runtime is in `real.rs`.

pub mod real;

use std::collections::VecDeque;

use proptest::prelude::*;

/// At most this many tasks per program.
const MAX_TASKS: usize = 8;

#[derive(Clone, Debug)]
pub enum Step {
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

pub fn step() -> impl Strategy<Value = Step> {
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
pub enum Outcome {
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
pub struct Trace {
    /// Events up to the main future's return, in order.
    pub log: Vec<String>,
    /// Futures dropped at shutdown (sorted: shutdown order is not specified).
    pub shutdown_drops: Vec<String>,
    /// For each handle still held when `run` returned: its task's index, and
    /// what awaiting it afterwards gives.
    pub leftover_handles: Vec<(usize, bool, Outcome)>,
    /// How the task ended, per task.
    pub outcomes: Vec<Outcome>,
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
pub struct Model {
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

    pub fn run(steps: &[Step]) -> Trace {
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
                    // A handle that was awaited (polled while the task was
                    // unfinished) cancels the task it is dropped before
                    // (issue 17); one never awaited detaches it.
                    let task = &mut m.tasks[i];
                    if task.joiner && task.outcome.is_none() && !task.cancelled {
                        task.cancelled = true;
                        m.schedule(i);
                    }
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
