//! A model test of the executor: random programs of spawns, yields, wakes,
//! cancels, handle drops and awaits run on a real runtime and on a small
//! model of the documented scheduling rules, and must produce the same
//! event log.
//!
//! Checked for every program:
//! - the exact interleaving of polls, future drops and the main future's
//!   steps (FIFO run queue; a task is queued at most once; stale wakes do
//!   nothing; cancellation drops the future at the loop's next turn);
//! - `cancel()`, `is_finished()`, `is_cancelled()` answers, and the
//!   rule for dropping a handle: one that was awaited cancels its
//!   unfinished task, one never awaited detaches it;
//! - every kept handle gets its task's outcome exactly once (the value, or
//!   `Cancelled` for a cancelled task or one still alive at shutdown);
//! - every future is dropped exactly once and every output exactly once
//!   (shutdown included), and no output exists for a cancelled task.
//!
//! The steps, the trace and the model are in `tests/model_support/`, the
//! run on a real runtime in `tests/model_support/real.rs`.

mod cases;
mod model_support;
mod support;

use model_support::real::run_real;
use model_support::{step, Model, Outcome, Step};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases::cases(256)))]

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
