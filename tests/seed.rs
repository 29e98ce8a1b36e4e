//! `Builder::seed`: ready tasks in a seeded shuffled order. The same seed
//! gives the same interleaving; different seeds give different ones; every
//! task still runs, each in its own program order.

mod cases;

use std::cell::RefCell;
use std::collections::HashSet;
use std::rc::Rc;
use std::time::Duration;

use proptest::prelude::*;
use uniloop::Runtime;

/// Five tasks each record three steps, yielding between them, plus one
/// that sleeps; with `seed` (or FIFO without). The order steps ran in.
fn trace(seed: Option<u64>) -> Vec<(u32, u32)> {
    let mut builder = Runtime::builder().paused_clock(true);
    if let Some(seed) = seed {
        builder = builder.seed(seed);
    }
    let rt = builder.build().unwrap();
    let log = Rc::new(RefCell::new(Vec::new()));
    rt.block_on(async {
        let tasks: Vec<_> = (0..5)
            .map(|task| {
                let log = log.clone();
                uniloop::spawn(async move {
                    for step in 0..3 {
                        log.borrow_mut().push((task, step));
                        uniloop::yield_now().await;
                    }
                })
            })
            .collect();
        let sleeper = {
            let log = log.clone();
            uniloop::spawn(async move {
                uniloop::sleep(Duration::from_millis(1)).await;
                log.borrow_mut().push((9, 0));
            })
        };
        for task in tasks {
            task.await.unwrap();
        }
        sleeper.await.unwrap();
    });
    Rc::try_unwrap(log).unwrap().into_inner()
}

#[test]
fn without_a_seed_ready_tasks_run_in_fifo_order() {
    let t = trace(None);
    let round = |step| (0..5).map(move |task| (task, step));
    let expected: Vec<_> = round(0)
        .chain(round(1))
        .chain(round(2))
        .chain([(9, 0)])
        .collect();
    assert_eq!(t, expected);
}

#[test]
fn the_same_seed_gives_the_same_interleaving() {
    for seed in [0, 1, 42, u64::MAX] {
        assert_eq!(trace(Some(seed)), trace(Some(seed)), "seed {seed}");
    }
}

#[test]
fn different_seeds_give_different_interleavings() {
    let traces: HashSet<_> = (0..20).map(|seed| trace(Some(seed))).collect();
    // Not a probabilistic claim: the PRNG is fixed, so this is a fact about
    // these 20 seeds, checked once and for all.
    // (All 20 differ today; the issue asks for at least two.)
    assert!(traces.len() >= 2, "only {} distinct traces", traces.len());
}

#[test]
fn a_seed_changes_the_order_from_fifo_for_some_seed() {
    let fifo = trace(None);
    assert!((0..20).any(|seed| trace(Some(seed)) != fifo));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases::cases(64)))]

    /// Whatever the seed: every step of every task runs exactly once, each
    /// task's steps in order, and the sleeper after its timer.
    #[test]
    fn every_seed_runs_every_step_in_program_order(seed: u64) {
        let t = trace(Some(seed));
        prop_assert_eq!(t.len(), 16);
        for task in 0..5 {
            let steps: Vec<_> = t.iter().filter(|(id, _)| *id == task).map(|(_, s)| *s).collect();
            prop_assert_eq!(steps, vec![0, 1, 2]);
        }
        prop_assert_eq!(t.iter().filter(|(id, _)| *id == 9).count(), 1);
    }
}
