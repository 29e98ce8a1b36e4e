//! Model test of cancellation: a random tree of tasks, each awaiting its
//! children (through `gather_all`, some through `shield`), then working;
//! some with an async cleanup (`on_cancel`); random cancels at random
//! times. A timing model computes, for every task, whether it ends
//! cancelled, when its cleanup runs, and when it finishes; the run on the
//! paused clock must match it exactly, run every cleanup exactly once, and
//! never run anything of a task after its awaiter saw it finished.

mod cases;
mod support;

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::time::Duration;

use proptest::prelude::*;
use uniloop::time::Instant;
use uniloop::{gather_all, on_cancel, shield, sleep, sleep_until, spawn, CancelHandle, Runtime};

#[derive(Clone, Debug)]
struct Node {
    /// Its awaiter (the node itself for the root).
    parent: usize,
    /// Awaited through `shield`.
    shielded: bool,
    /// Work after its children finished, in ms.
    work: u64,
    /// Length of its cleanup, if it has one, in ms.
    cleanup: Option<u64>,
}

#[derive(Clone, Debug)]
struct Case {
    nodes: Vec<Node>,
    /// (time in ms, node) — `Task::cancel` from outside.
    cancels: Vec<(u64, usize)>,
}

fn case() -> impl Strategy<Value = Case> {
    (1usize..=8).prop_flat_map(|n| {
        let nodes: Vec<_> = (0..n)
            .map(|i| {
                let parent = if i == 0 {
                    Just(0).boxed()
                } else {
                    (0..i).boxed()
                };
                (
                    parent,
                    any::<bool>(),
                    0u64..20,
                    proptest::option::of(0u64..5),
                )
                    .prop_map(|(parent, shielded, work, cleanup)| Node {
                        parent,
                        shielded,
                        work: work * 10,
                        cleanup: cleanup.map(|c| c * 10),
                    })
            })
            .collect();
        let cancels = proptest::collection::vec((0u64..60, 0..n), 0..4)
            .prop_map(|c| c.into_iter().map(|(t, x)| (t * 10 + 5, x)).collect());
        (nodes, cancels).prop_map(|(nodes, cancels)| Case { nodes, cancels })
    })
}

const NEVER: u64 = u64::MAX;

/// What the model says of one node.
#[derive(Clone, Debug, PartialEq)]
struct Outcome {
    cancelled: bool,
    /// Its cleanup's start and end, if it ran.
    cleanup: Option<(u64, u64)>,
    /// When its work finished, if it was not cancelled.
    done: Option<u64>,
    /// When it is complete (its awaiter sees it finished).
    end: u64,
}

struct Model<'a> {
    case: &'a Case,
    children: Vec<Vec<usize>>,
    direct: Vec<u64>,
    /// Every completion time computed: a cancel at one of them is a tie
    /// the model cannot order.
    times: Vec<u64>,
}

impl Model<'_> {
    fn new(case: &Case) -> Model<'_> {
        let n = case.nodes.len();
        let mut children = vec![Vec::new(); n];
        for (i, node) in case.nodes.iter().enumerate().skip(1) {
            children[node.parent].push(i);
        }
        let mut direct = vec![NEVER; n];
        for &(t, x) in &case.cancels {
            direct[x] = direct[x].min(t);
        }
        Model {
            case,
            children,
            direct,
            times: Vec::new(),
        }
    }

    /// The outcomes of `x`'s subtree when `x` is cancelled at `ct` (NEVER
    /// for not at all).
    fn eval(&mut self, x: usize, ct: u64) -> HashMap<usize, Outcome> {
        let node = self.case.nodes[x].clone();
        let kids = self.children[x].clone();
        let mut alone = HashMap::new();
        let mut nat_start = 0;
        for &c in &kids {
            let sub = self.eval(c, self.direct[c]);
            nat_start = nat_start.max(sub[&c].end);
            alone.insert(c, sub);
        }
        let nat = nat_start + node.work;
        self.times.push(nat);
        let mut out = HashMap::new();
        if ct < nat {
            let mut latest = ct;
            for &c in &kids {
                let sub = alone.remove(&c).expect("evaluated above");
                if !self.case.nodes[c].shielded && sub[&c].end > ct {
                    let propagated = self.eval(c, self.direct[c].min(ct));
                    latest = latest.max(propagated[&c].end);
                    out.extend(propagated);
                } else {
                    out.extend(sub);
                }
            }
            let end = latest + node.cleanup.unwrap_or(0);
            self.times.push(end);
            out.insert(
                x,
                Outcome {
                    cancelled: true,
                    cleanup: node.cleanup.map(|d| (latest, latest + d)),
                    done: None,
                    end,
                },
            );
        } else {
            for (_, sub) in alone {
                out.extend(sub);
            }
            out.insert(
                x,
                Outcome {
                    cancelled: false,
                    cleanup: None,
                    done: Some(nat),
                    end: nat,
                },
            );
        }
        out
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Event {
    CleanupStart(usize),
    CleanupEnd(usize),
    Done(usize),
    /// Its awaiter saw it finished.
    Observed(usize),
}

impl Event {
    /// The node whose task logged it (`None`: the test's own future).
    fn actor(&self, nodes: &[Node]) -> Option<usize> {
        match *self {
            Event::CleanupStart(x) | Event::CleanupEnd(x) | Event::Done(x) => Some(x),
            Event::Observed(0) => None,
            Event::Observed(x) => Some(nodes[x].parent),
        }
    }
}

type Log = Rc<RefCell<Vec<(u64, Event)>>>;

fn push(log: &Log, start: Instant, event: Event) {
    let at = start.elapsed().as_millis() as u64;
    log.borrow_mut().push((at, event));
}

/// Run the case; the events and every node's cancel handle.
fn run(case: &Case) -> (Vec<(u64, Event)>, Vec<bool>) {
    let n = case.nodes.len();
    let mut children = vec![Vec::new(); n];
    for (i, node) in case.nodes.iter().enumerate().skip(1) {
        children[node.parent].push(i);
    }
    let log: Log = Rc::default();
    let rt = Runtime::builder().paused_clock(true).build().unwrap();
    let handles: Vec<CancelHandle> = rt.block_on(async {
        let start = Instant::now();
        let mut tasks: Vec<Option<uniloop::Task<()>>> = (0..n).map(|_| None).collect();
        let mut handles: Vec<Option<CancelHandle>> = vec![None; n];
        for x in (0..n).rev() {
            let kids: Vec<Pin<Box<dyn Future<Output = ()>>>> = children[x]
                .iter()
                .map(|&c| {
                    let task = tasks[c].take().expect("children are spawned first");
                    let awaited: Pin<Box<dyn Future<Output = _>>> = if case.nodes[c].shielded {
                        Box::pin(shield(task))
                    } else {
                        Box::pin(task)
                    };
                    let log = log.clone();
                    Box::pin(async move {
                        let _ = awaited.await;
                        push(&log, start, Event::Observed(c));
                    }) as Pin<Box<dyn Future<Output = ()>>>
                })
                .collect();
            let work_ms = case.nodes[x].work;
            let l = log.clone();
            let work = async move {
                gather_all(kids).await;
                sleep(Duration::from_millis(work_ms)).await;
                push(&l, start, Event::Done(x));
            };
            let task = match case.nodes[x].cleanup {
                None => spawn(work),
                Some(ms) => {
                    let l = log.clone();
                    spawn(on_cancel(work, async move {
                        push(&l, start, Event::CleanupStart(x));
                        sleep(Duration::from_millis(ms)).await;
                        push(&l, start, Event::CleanupEnd(x));
                    }))
                }
            };
            handles[x] = Some(task.cancel_handle());
            tasks[x] = Some(task);
        }
        for &(at, x) in &case.cancels {
            let handle = handles[x].clone().unwrap();
            drop(spawn(async move {
                sleep_until(start + Duration::from_millis(at)).await;
                handle.cancel();
            }));
        }
        let _ = tasks[0].take().unwrap().await;
        push(&log, start, Event::Observed(0));
        // Let shielded (detached) subtrees finish.
        sleep(Duration::from_secs(100)).await;
        handles.into_iter().map(Option::unwrap).collect()
    });
    drop(rt);
    let cancelled = handles.iter().map(CancelHandle::is_cancelled).collect();
    let events = log.borrow().clone();
    (events, cancelled)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases::cases(256)))]

    #[test]
    fn cancellation_matches_the_model(case in case()) {
        let mut model = Model::new(&case);
        let root_ct = model.direct[0];
        let expected = model.eval(0, root_ct);
        let ties = case.cancels.iter().any(|(t, _)| model.times.contains(t));
        prop_assume!(!ties, "a cancel at the same time as a completion");
        let (events, cancelled) = run(&case);
        let n = case.nodes.len();
        for x in 0..n {
            let want = &expected[&x];
            prop_assert_eq!(cancelled[x], want.cancelled, "node {} cancelled?", x);
            let of = |f: &dyn Fn(&Event) -> bool| -> Vec<u64> {
                events.iter().filter(|(_, e)| f(e)).map(|(t, _)| *t).collect()
            };
            let starts = of(&|e| *e == Event::CleanupStart(x));
            let ends = of(&|e| *e == Event::CleanupEnd(x));
            match want.cleanup {
                Some((s, e)) => {
                    prop_assert_eq!(&starts, &vec![s], "node {} cleanup start", x);
                    prop_assert_eq!(&ends, &vec![e], "node {} cleanup end", x);
                }
                None => prop_assert!(starts.is_empty() && ends.is_empty(), "node {} cleanup ran", x),
            }
            let done = of(&|e| *e == Event::Done(x));
            prop_assert_eq!(done, want.done.into_iter().collect::<Vec<_>>(), "node {} done", x);
        }
        // Nothing of a task (or of what it awaits, unshielded) happens
        // after its awaiter saw it finished.
        let mut subtree: Vec<Vec<usize>> = (0..n).map(|x| vec![x]).collect();
        for x in (1..n).rev() {
            if !case.nodes[x].shielded {
                let below = subtree[x].clone();
                subtree[case.nodes[x].parent].extend(below);
            }
        }
        prop_assert!(events.iter().any(|(_, e)| *e == Event::Observed(0)));
        for (p, (_, event)) in events.iter().enumerate() {
            if let Event::Observed(x) = *event {
                for (_, later) in &events[p + 1..] {
                    let actor = later.actor(&case.nodes);
                    prop_assert!(
                        !actor.is_some_and(|a| subtree[x].contains(&a)),
                        "{:?} after node {} was seen finished: {:?}", later, x, events
                    );
                }
            }
        }
    }
}
