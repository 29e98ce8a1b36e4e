//! A model test of timers through the whole runtime: random sleeps,
//! cancellations and clock moves on a paused clock. Each sleeper must wake
//! exactly at its deadline, in (deadline, registration) order, and a
//! cancelled one never.

mod cases;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use proptest::prelude::*;
use uniloop::time;

#[derive(Clone, Debug)]
enum Op {
    /// A task that sleeps this many ms and then logs.
    Sleep(u64),
    /// Cancel the task at this index (no effect if it finished).
    Cancel(usize),
    /// `time::advance` by this many ms.
    Advance(u64),
    /// Let auto-advance run to the next deadline.
    Idle,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => prop_oneof![0..5u64, 0..200u64, 0..100_000u64].prop_map(Op::Sleep),
        2 => any::<usize>().prop_map(Op::Cancel),
        3 => prop_oneof![0..5u64, 0..300u64, 0..200_000u64].prop_map(Op::Advance),
        1 => Just(Op::Idle),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases::cases(128)))]

    #[test]
    fn sleepers_wake_at_their_deadlines_in_order(ops in prop::collection::vec(op(), 1..60)) {
        let rt = uniloop::Runtime::builder().paused_clock(true).build().unwrap();
        let (log, expected) = rt.block_on(async {
            let start = time::now();
            let log: Rc<RefCell<Vec<(usize, u128)>>> = Rc::default();
            let mut model = Model::default();
            let mut tasks = Vec::new();
            for op in ops {
                match op {
                    Op::Sleep(ms) => {
                        let id = tasks.len();
                        let log = log.clone();
                        tasks.push(uniloop::spawn(async move {
                            uniloop::sleep(Duration::from_millis(ms)).await;
                            log.borrow_mut().push((id, start.elapsed().as_millis()));
                        }));
                        // Its first poll registers the timer, at the current time.
                        uniloop::yield_now().await;
                        model.settle();
                        model.sleep(ms);
                    }
                    Op::Cancel(i) if !tasks.is_empty() => {
                        let i = i % tasks.len();
                        if !tasks[i].is_finished() {
                            tasks[i].cancel();
                            model.sleepers[i].cancelled = true;
                        }
                    }
                    Op::Cancel(_) => {}
                    Op::Advance(ms) => {
                        time::advance(Duration::from_millis(ms)).await;
                        model.jump(ms);
                    }
                    Op::Idle => {
                        uniloop::sleep(Duration::from_millis(1)).await;
                        model.settle();
                        model.jump(1);
                    }
                }
                prop_assert_eq!(start.elapsed().as_millis(), model.now);
            }
            for task in tasks {
                let _ = task.await;
            }
            let log = log.borrow().clone();
            Ok::<_, TestCaseError>((log, model.expected()))
        })?;
        prop_assert_eq!(log, expected);
    }
}

/// The model: the clock, and each sleeper's deadline and the time its task
/// ran (its deadline, or the end of an `advance` that jumped over it).
#[derive(Default)]
struct Model {
    now: u128,
    sleepers: Vec<Sleeper>,
}

struct Sleeper {
    deadline: u128,
    woke_at: Option<u128>,
    cancelled: bool,
}

impl Model {
    fn sleep(&mut self, ms: u64) {
        let deadline = self.now + u128::from(ms);
        self.sleepers.push(Sleeper {
            deadline,
            woke_at: None,
            cancelled: false,
        });
    }

    /// The loop ran the ready tasks: the sleepers already due (a zero
    /// sleep yields once) wake now.
    fn settle(&mut self) {
        self.jump(0);
    }

    /// Move the clock `ms` forward in one jump; the sleepers it passes wake
    /// at its end.
    fn jump(&mut self, ms: u64) {
        self.now += u128::from(ms);
        for s in &mut self.sleepers {
            if !s.cancelled && s.woke_at.is_none() && s.deadline <= self.now {
                s.woke_at = Some(self.now);
            }
        }
    }

    /// The log the tasks should write: by deadline, then registration; the
    /// ones still asleep at the end wake at their deadlines.
    fn expected(&self) -> Vec<(usize, u128)> {
        let mut woke: Vec<(u128, usize, u128)> = self
            .sleepers
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.cancelled)
            .map(|(id, s)| (s.deadline, id, s.woke_at.unwrap_or(s.deadline)))
            .collect();
        woke.sort_unstable();
        woke.into_iter().map(|(_, id, at)| (id, at)).collect()
    }
}
