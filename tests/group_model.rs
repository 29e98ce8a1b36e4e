//! A model test of `TaskGroup`: random trees of groups (depth ≤ 3, ≤ 5
//! children per group) whose leaves succeed, fail, panic or sleep long,
//! and whose inner nodes are children that run a nested group and return
//! `Err` when its join fails. On the paused clock, the earliest failure in
//! a group wins and cancels the rest, so a simple recursive model predicts
//! every join's errors, which leaves ran to their end, each top-level
//! handle's outcome and the virtual time the top join returns at. Every
//! child's future must be dropped exactly once.
//!
//! In the tree test every leaf has its own virtual time, so nothing ties.
//! Ties are the flat test's subject: children due at the same time run in
//! spawn order (timers due together fire in registration order), so the
//! first one polled fails and the others never run again.

mod cases;
mod support;

use std::cell::RefCell;
use std::future::Future;
use std::panic;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Once;
use std::time::Duration;

use proptest::prelude::*;
use support::run_guarded;
use uniloop::time::{self, Instant};
use uniloop::{sleep, sleep_until, ChildError, Task, TaskGroup};

/// What a leaf does once its time comes.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Succeed,
    Fail,
    Panic,
    /// Succeed, after a long sleep.
    Sleep,
}

/// A generated tree: a leaf with a raw time, or a nested group.
#[derive(Clone, Debug)]
enum Shape {
    Leaf(Kind, u64),
    Group(Vec<Shape>),
}

/// A tree with ids (one per node, in preorder) and the leaves' virtual
/// times in milliseconds after the start.
#[derive(Clone, Debug)]
enum Plan {
    Leaf { id: usize, kind: Kind, at: u64 },
    Group { id: usize, children: Vec<Plan> },
}

/// The groups' error type: a leaf's, or a nested group's errors.
#[derive(Clone, Debug, PartialEq)]
enum Fail {
    Leaf(usize),
    Group(usize, Vec<ChildError<Fail>>),
}

fn panic_text(id: usize) -> String {
    format!("leaf {id} panicked")
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        5 => Just(Kind::Succeed),
        1 => Just(Kind::Fail),
        1 => Just(Kind::Panic),
        2 => Just(Kind::Sleep),
    ]
}

/// A top-level group's children: up to two levels of nested groups below
/// it (so three levels of groups in all), at most 5 children each.
fn tree() -> impl Strategy<Value = Vec<Shape>> {
    prop::collection::vec(node(2), 1..=5)
}

/// A child: a leaf, or (while `depth` allows) a nested group.
fn node(depth: u32) -> BoxedStrategy<Shape> {
    let leaf = (kind(), 0..20u64).prop_map(|(kind, raw)| Shape::Leaf(kind, raw));
    if depth == 0 {
        return leaf.boxed();
    }
    let group = prop::collection::vec(node(depth - 1), 0..=5).prop_map(Shape::Group);
    prop_oneof![2 => leaf, 1 => group].boxed()
}

/// Number the nodes and give every leaf a distinct time: the raw time in
/// steps of 128 ms plus the leaf's own index (< 128: at most 125 leaves),
/// plus 1 so that nothing is due at the start; long sleeps come after.
fn plan(shapes: &[Shape], next_id: &mut usize, next_leaf: &mut u64) -> Vec<Plan> {
    shapes
        .iter()
        .map(|shape| {
            let id = *next_id;
            *next_id += 1;
            match shape {
                Shape::Leaf(kind, raw) => {
                    let raw = if *kind == Kind::Sleep { raw + 20 } else { *raw };
                    let at = raw * 128 + *next_leaf + 1;
                    *next_leaf += 1;
                    Plan::Leaf {
                        id,
                        kind: *kind,
                        at,
                    }
                }
                Shape::Group(children) => Plan::Group {
                    id,
                    children: plan(children, next_id, next_leaf),
                },
            }
        })
        .collect()
}

// ----- The model -----

/// When and how `node` fails if nothing cancels it first.
fn natural_failure(node: &Plan) -> Option<(u64, ChildError<Fail>)> {
    match node {
        Plan::Leaf { id, kind, at } => match kind {
            Kind::Fail => Some((*at, ChildError::Failed(Fail::Leaf(*id)))),
            Kind::Panic => Some((*at, ChildError::Panicked(panic_text(*id)))),
            Kind::Succeed | Kind::Sleep => None,
        },
        Plan::Group { id, children } => group_failure(children)
            .map(|(at, err)| (at, ChildError::Failed(Fail::Group(*id, vec![err])))),
    }
}

/// The first failure among a group's children (times are distinct), which
/// cancels the others: the group's only error.
fn group_failure(children: &[Plan]) -> Option<(u64, ChildError<Fail>)> {
    children
        .iter()
        .filter_map(natural_failure)
        .min_by_key(|(at, _)| *at)
}

/// Which leaves reach their end: those due no later than the time their
/// group is cancelled (by its own failure or an ancestor's).
fn expect_ran(children: &[Plan], cancelled_at: Option<u64>, ran: &mut [bool]) {
    let own = group_failure(children).map(|(at, _)| at);
    let cancelled_at = match (own, cancelled_at) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    for child in children {
        match child {
            Plan::Leaf { id, at, .. } => ran[*id] = cancelled_at.is_none_or(|c| *at <= c),
            Plan::Group { children, .. } => expect_ran(children, cancelled_at, ran),
        }
    }
}

fn leaves<'a>(children: &'a [Plan], out: &mut Vec<&'a Plan>) {
    for child in children {
        match child {
            Plan::Leaf { .. } => out.push(child),
            Plan::Group { children, .. } => leaves(children, out),
        }
    }
}

fn count_nodes(children: &[Plan]) -> usize {
    children
        .iter()
        .map(|child| match child {
            Plan::Leaf { .. } => 1,
            Plan::Group { children, .. } => 1 + count_nodes(children),
        })
        .sum()
}

/// How a child's `Task` ends.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Outcome {
    Ok,
    Cancelled,
    Panicked,
}

fn expected_outcome(node: &Plan, ran: &[bool]) -> Outcome {
    match node {
        Plan::Leaf { id, kind, .. } => match (ran[*id], kind) {
            (false, _) | (true, Kind::Fail) => Outcome::Cancelled,
            (true, Kind::Panic) => Outcome::Panicked,
            (true, Kind::Succeed | Kind::Sleep) => Outcome::Ok,
        },
        Plan::Group { children, .. } => {
            let mut all = Vec::new();
            leaves(children, &mut all);
            let all_ran = all.iter().all(|leaf| match leaf {
                Plan::Leaf { id, .. } => ran[*id],
                Plan::Group { .. } => unreachable!(),
            });
            if natural_failure(node).is_none() && all_ran {
                Outcome::Ok
            } else {
                Outcome::Cancelled
            }
        }
    }
}

// ----- The system -----

/// What the children record: drops and completed runs, per node id.
struct Record {
    start: Instant,
    drops: RefCell<Vec<usize>>,
    ran: RefCell<Vec<bool>>,
}

/// Counts its node's drop.
struct DropMark {
    record: Rc<Record>,
    id: usize,
}

impl Drop for DropMark {
    fn drop(&mut self) {
        self.record.drops.borrow_mut()[self.id] += 1;
    }
}

type Child = Pin<Box<dyn Future<Output = Result<(), Fail>>>>;

fn child(node: Plan, record: Rc<Record>) -> Child {
    match node {
        Plan::Leaf { id, kind, at } => Box::pin(async move {
            let _mark = DropMark {
                record: record.clone(),
                id,
            };
            sleep_until(record.start + Duration::from_millis(at)).await;
            record.ran.borrow_mut()[id] = true;
            match kind {
                Kind::Succeed | Kind::Sleep => Ok(()),
                Kind::Fail => Err(Fail::Leaf(id)),
                Kind::Panic => panic!("{}", panic_text(id)),
            }
        }),
        Plan::Group { id, children } => Box::pin(async move {
            let _mark = DropMark {
                record: record.clone(),
                id,
            };
            let group = TaskGroup::new();
            for node in children {
                drop(group.spawn(child(node, record.clone())));
            }
            group
                .join()
                .await
                .map_err(|err| Fail::Group(id, err.into_errors()))
        }),
    }
}

async fn outcome(task: Task<()>) -> Outcome {
    match task.await {
        Ok(()) => Outcome::Ok,
        Err(err) if err.is_cancelled() => Outcome::Cancelled,
        Err(err) => {
            assert!(err.is_panic());
            Outcome::Panicked
        }
    }
}

/// The model's predictions and what happened, for one top-level group.
#[derive(Debug, PartialEq)]
struct Observed {
    join: Result<(), Vec<ChildError<Fail>>>,
    joined_after: Duration,
    outcomes: Vec<Outcome>,
    ran: Vec<bool>,
    drops: Vec<usize>,
}

/// Run `top` as one group on a paused clock and report what happened.
fn run_tree(top: &[Plan]) -> Observed {
    let nodes = count_nodes(top);
    let top = top.to_vec();
    run_guarded(async move {
        let record = Rc::new(Record {
            start: time::now(),
            drops: RefCell::new(vec![0; nodes]),
            ran: RefCell::new(vec![false; nodes]),
        });
        let group = TaskGroup::new();
        let ids: Vec<usize> = top
            .iter()
            .map(|node| match node {
                Plan::Leaf { id, .. } | Plan::Group { id, .. } => *id,
            })
            .collect();
        let tasks: Vec<Task<()>> = top
            .into_iter()
            .map(|node| group.spawn(child(node, record.clone())))
            .collect();
        let join = group.join().await.map_err(|err| err.into_errors());
        let joined_after = record.start.elapsed();
        // `join` waits for its own children's futures.
        for id in ids {
            assert_eq!(record.drops.borrow()[id], 1, "top-level child {id}");
        }
        let mut outcomes = Vec::new();
        for task in tasks {
            assert!(task.is_finished());
            outcomes.push(outcome(task).await);
        }
        // Let every cancellation below settle, and any survivor's timer
        // fire (every leaf is due within 6 s).
        sleep(Duration::from_secs(600)).await;
        let ran = record.ran.borrow().clone();
        let drops = record.drops.borrow().clone();
        Observed {
            join,
            joined_after,
            outcomes,
            ran,
            drops,
        }
    })
}

fn predict(top: &[Plan]) -> Observed {
    let nodes = count_nodes(top);
    let failure = group_failure(top);
    let mut ran = vec![false; nodes];
    expect_ran(top, None, &mut ran);
    let mut all = Vec::new();
    leaves(top, &mut all);
    let last = all
        .iter()
        .map(|leaf| match leaf {
            Plan::Leaf { at, .. } => *at,
            Plan::Group { .. } => unreachable!(),
        })
        .max()
        .unwrap_or(0);
    let joined_at = failure.as_ref().map_or(last, |(at, _)| *at);
    Observed {
        join: match failure {
            Some((_, err)) => Err(vec![err]),
            None => Ok(()),
        },
        joined_after: Duration::from_millis(joined_at),
        outcomes: top
            .iter()
            .map(|node| expected_outcome(node, &ran))
            .collect(),
        ran, // (always false for a group node)
        drops: vec![1; nodes],
    }
}

/// Silence the panics the leaves raise on purpose (and only those).
fn quiet_leaf_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let message = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied());
            if message.is_some_and(|m| m.starts_with("leaf ") && m.ends_with(" panicked")) {
                return;
            }
            default(info);
        }));
    });
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases::cases(128)))]

    #[test]
    fn trees_of_groups_match_the_model(shapes in tree()) {
        quiet_leaf_panics();
        let top = plan(&shapes, &mut 0, &mut 0);
        let expected = predict(&top);
        let observed = run_tree(&top);
        prop_assert_eq!(observed, expected, "plan: {:#?}", top);
    }

    #[test]
    fn ties_in_a_flat_group_all_run_and_every_failure_is_kept(
        leaves in prop::collection::vec((kind(), 0..4u64), 1..=8),
    ) {
        quiet_leaf_panics();
        // Times of 0..4 ms (0: due at once), so ties are common.
        let top: Vec<Plan> = leaves
            .iter()
            .enumerate()
            .map(|(id, &(kind, at))| Plan::Leaf { id, kind, at })
            .collect();
        // The model (asyncio's): children run in (time, spawn order). The
        // first failure cancels the others at the end of its loop turn, so
        // every child due at the same time still runs, and every failure
        // among them is kept, in spawn order; later children never run.
        let is_failure = |kind: Kind| matches!(kind, Kind::Fail | Kind::Panic);
        let first_failure = leaves
            .iter()
            .filter(|&&(kind, _)| is_failure(kind))
            .map(|&(_, at)| at)
            .min();
        let ran: Vec<bool> = leaves
            .iter()
            .map(|&(_, at)| first_failure.is_none_or(|t| at <= t))
            .collect();
        let errors: Vec<ChildError<Fail>> = leaves
            .iter()
            .enumerate()
            .filter(|&(_, &(kind, at))| is_failure(kind) && Some(at) == first_failure)
            .map(|(i, &(kind, _))| match kind {
                Kind::Fail => ChildError::Failed(Fail::Leaf(i)),
                _ => ChildError::Panicked(panic_text(i)),
            })
            .collect();
        let failure = first_failure.map(|at| (at, errors));
        let last = leaves.iter().map(|&(_, at)| at).max().unwrap_or(0);
        let expected = Observed {
            joined_after: Duration::from_millis(failure.as_ref().map_or(last, |(at, _)| *at)),
            join: match failure {
                Some((_, errors)) => Err(errors),
                None => Ok(()),
            },
            outcomes: top.iter().map(|node| expected_outcome(node, &ran)).collect(),
            ran,
            drops: vec![1; top.len()],
        };
        let observed = run_tree(&top);
        prop_assert_eq!(observed, expected, "leaves: {:?}", leaves);
    }
}
