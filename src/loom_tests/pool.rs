//! The blocking pool: jobs handed to idle, spinning or new threads, and
//! the shutdown. Every job submitted before the shutdown runs (the
//! `ThreadPool` drop: `Queued::Run`) exactly once, or is given back to its
//! submitter, and the shutdown returns once every thread has left.
//! (Under loom an idle thread never times out, and one look at the queue
//! stands for the spin after a job.)

use std::sync::Arc;
use std::time::Duration;

use loom::thread;

use super::model;
use crate::runtime::driver::blocking::{Pool, Queued};
use crate::util::sync::{AtomicUsize, Ordering};

fn counting_job(ran: &Arc<AtomicUsize>) -> Box<dyn FnOnce() + Send> {
    let ran = ran.clone();
    Box::new(move || {
        ran.fetch_add(1, Ordering::SeqCst);
    })
}

/// Two jobs from two threads on a pool of one thread: each runs once,
/// whichever way they are handed over (a new thread, the idle one, the
/// one watching the queue), and the shutdown waits for them.
#[test]
fn jobs_are_handed_over_once_and_the_shutdown_waits_for_them() {
    model(|| {
        let pool = Arc::new(Pool::new(1, Duration::from_secs(10), "loom"));
        let ran = Arc::new(AtomicUsize::new(0));
        let other = {
            let (pool, job) = (pool.clone(), counting_job(&ran));
            thread::spawn(move || pool.execute(job).is_ok())
        };
        assert!(pool.execute(counting_job(&ran)).is_ok());
        assert!(other.join().unwrap());
        assert!(pool.shutdown(Queued::Run, None));
        assert_eq!(ran.load(Ordering::SeqCst), 2);
    });
}

/// A job submitted while the pool shuts down either runs or comes back to
/// its submitter: it is never lost.
#[test]
fn a_job_racing_the_shutdown_runs_or_is_given_back() {
    model(|| {
        let pool = Arc::new(Pool::new(1, Duration::from_secs(10), "loom"));
        let ran = Arc::new(AtomicUsize::new(0));
        let submitter = {
            let (pool, job) = (pool.clone(), counting_job(&ran));
            thread::spawn(move || pool.execute(job).is_ok())
        };
        assert!(pool.shutdown(Queued::Run, None));
        let accepted = submitter.join().unwrap();
        // Accepted before the shutdown: run by the time it returned.
        assert_eq!(ran.load(Ordering::SeqCst), usize::from(accepted));
    });
}
