//! `#[uniloop::test]` and `#[uniloop::main]` expand to code that runs: the
//! options reach the runtime, attributes and return types are kept, and a
//! panic fails the test. (The macros' errors are tested in the
//! `uniloop-macros` crate and by `compile_fail` doc tests.)

use std::cell::{Cell, RefCell};
use std::num::ParseIntError;
use std::rc::Rc;
use std::time::Duration;

const HOUR: Duration = Duration::from_secs(3600);

#[uniloop::test]
async fn runs_the_body_on_a_fresh_runtime() {
    // Nothing is left from another test's runtime.
    assert!(uniloop::all_tasks().is_empty());
    let task = uniloop::spawn(async {
        uniloop::yield_now().await;
        6 * 7
    });
    assert_eq!(task.await.unwrap(), 42);
}

#[uniloop::test(paused_clock)]
async fn paused_clock_sleeps_an_hour_at_once() {
    let real = std::time::Instant::now();
    let start = uniloop::time::now();
    uniloop::sleep(HOUR).await;
    let slept = uniloop::time::now() - start;
    assert!(slept >= HOUR, "{slept:?}");
    assert!(slept < HOUR + Duration::from_secs(1), "{slept:?}");
    assert!(
        real.elapsed() < Duration::from_secs(60),
        "{:?}",
        real.elapsed()
    );
}

#[uniloop::test]
async fn without_paused_clock_time_is_real() {
    let real = std::time::Instant::now();
    uniloop::sleep(Duration::from_millis(10)).await;
    assert!(real.elapsed() >= Duration::from_millis(10));
}

#[uniloop::test(seed = 7)]
async fn seed_runs_every_task() {
    // The order is the seed's to choose: only check that every task ran.
    let ran = Rc::new(RefCell::new(Vec::new()));
    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let ran = ran.clone();
            uniloop::spawn(async move {
                uniloop::yield_now().await;
                ran.borrow_mut().push(i);
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let mut ran = ran.take();
    ran.sort_unstable();
    assert_eq!(ran, (0..10).collect::<Vec<_>>());
}

#[uniloop::test(paused_clock, seed = 18446744073709551615)]
async fn paused_clock_and_seed_together() {
    let late = uniloop::timeout(Duration::from_secs(1), uniloop::sleep(HOUR)).await;
    assert!(late.is_err());
    let on_time = uniloop::timeout(HOUR, uniloop::sleep(Duration::from_secs(1))).await;
    assert!(on_time.is_ok());
}

#[uniloop::test(debug)]
async fn debug_runs() {
    assert_eq!(uniloop::spawn(async { "debug" }).await.unwrap(), "debug");
}

#[uniloop::test]
async fn returns_ok() -> Result<(), uniloop::JoinError> {
    let n = uniloop::spawn(async { 1 }).await?;
    assert_eq!(n, 1);
    Ok(())
}

#[uniloop::test]
async fn returns_ok_through_question_marks() -> Result<(), Box<dyn std::error::Error>> {
    let n: u32 = "7".parse()?;
    let doubled = uniloop::spawn(async move { n * 2 }).await?;
    assert_eq!(doubled, 14);
    Ok(())
}

#[uniloop::test]
async fn early_return_leaves_the_body() -> Result<(), String> {
    if uniloop::spawn(async { true }).await.unwrap() {
        return Ok(());
    }
    Err("not reached".to_string())
}

/// Doc comments stay on the generated test.
#[uniloop::test]
#[should_panic(expected = "boom in the body")]
async fn a_panic_in_the_body_fails_the_test() {
    uniloop::yield_now().await;
    panic!("boom in the body");
}

#[uniloop::test(paused_clock)]
#[should_panic(expected = "boom in a task")]
async fn a_panic_in_an_awaited_task_fails_the_test() {
    let task = uniloop::spawn(async {
        uniloop::sleep(HOUR).await;
        panic!("boom in a task");
    });
    let error = task.await.unwrap_err();
    std::panic::resume_unwind(error.into_panic());
}

#[uniloop::test]
#[ignore = "shows that #[ignore] is kept; passes when run"]
async fn ignored() {
    uniloop::yield_now().await;
}

#[uniloop::test]
async fn inner_attributes_apply() {
    #![allow(unused_variables)]
    let unused = uniloop::yield_now().await;
}

// ---- #[uniloop::main], under other names so that tests can call it

thread_local! {
    static DROPPED: Cell<bool> = const { Cell::new(false) };
}

struct SetOnDrop;

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        DROPPED.set(true);
    }
}

#[uniloop::main]
async fn answer() -> u32 {
    uniloop::spawn(async { 42 }).await.unwrap()
}

#[uniloop::main(debug)]
async fn parse_a_number() -> Result<u32, ParseIntError> {
    let n: u32 = "41".parse()?;
    Ok(n + 1)
}

#[uniloop::main]
async fn parse_words() -> Result<u32, ParseIntError> {
    let n: u32 = "forty-one".parse()?;
    Ok(n + 1)
}

#[uniloop::main]
async fn leave_a_task_pending() {
    let task = uniloop::spawn(async {
        let _guard = SetOnDrop;
        std::future::pending::<()>().await;
    });
    drop(task);
    uniloop::yield_now().await;
}

#[test]
fn main_returns_the_body_output() {
    assert_eq!(answer(), 42);
}

#[test]
fn main_returns_errors() {
    assert_eq!(parse_a_number(), Ok(42));
    assert!(parse_words().is_err());
}

#[test]
fn main_cancels_tasks_left_when_it_returns() {
    DROPPED.set(false);
    leave_a_task_pending();
    assert!(DROPPED.get());
}

#[uniloop::test]
#[should_panic(expected = "cannot be called from a running event loop")]
async fn main_inside_a_running_loop_panics() {
    answer();
}
