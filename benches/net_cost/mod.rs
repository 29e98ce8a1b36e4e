//! What round trips cost the thread that ran them, for `benches/net.rs`:
//! wall time, and the thread's CPU time.
//!
//! CPU time leaves out the time the thread waited for a CPU, so on a
//! shared machine it is steadier than wall time. The total comes from
//! `clock_gettime(CLOCK_THREAD_CPUTIME_ID)`, exact to the nanosecond. Its
//! split into user space and kernel comes from `getrusage(RUSAGE_THREAD)`,
//! which the kernel only updates at its tick (4 ms here) and splits by
//! sampling at the tick: read the user figure over seconds of work, never
//! over one short sample (`benches/net_runs.py perf` samples far finer).

use std::time::{Duration, Instant};

/// What some round trips cost.
#[derive(Clone, Copy, Debug, Default)]
pub struct Cost {
    pub round_trips: u64,
    pub wall: Duration,
    /// Exact.
    pub cpu: Duration,
    /// Tick-sampled; the kernel's share is `cpu - user`.
    pub user: Duration,
    /// Times the thread was preempted (`ru_nivcsw`).
    pub preempted: u64,
    /// Times the thread blocked, here in `epoll_wait` (`ru_nvcsw`).
    pub blocked: u64,
}

impl Cost {
    pub fn cpu(&self) -> Duration {
        self.cpu
    }

    /// `d` in ns per round trip.
    pub fn per_round_trip(&self, d: Duration) -> f64 {
        d.as_nanos() as f64 / self.round_trips as f64
    }

    pub fn add(&mut self, other: &Cost) {
        self.round_trips += other.round_trips;
        self.wall += other.wall;
        self.cpu += other.cpu;
        self.user += other.user;
        self.preempted += other.preempted;
        self.blocked += other.blocked;
    }

    /// One line: ns per round trip, then the counts.
    pub fn describe(&self) -> String {
        format!(
            "wall {:>6.0}  cpu {:>6.0}  user {:>5.0}  kernel {:>6.0}  ns per round trip; \
             {} round trips, {} preempted, {} blocked",
            self.per_round_trip(self.wall),
            self.per_round_trip(self.cpu),
            self.per_round_trip(self.user),
            self.per_round_trip(self.cpu.saturating_sub(self.user)),
            self.round_trips,
            self.preempted,
            self.blocked,
        )
    }
}

/// The thread's totals at one moment.
pub struct Mark {
    at: Instant,
    cpu: Duration,
    usage: rusage::Usage,
}

impl Mark {
    pub fn now() -> Mark {
        Mark {
            usage: rusage::thread(),
            cpu: rusage::thread_cpu(),
            at: Instant::now(),
        }
    }

    /// The cost of `round_trips` made since this mark.
    pub fn cost(&self, round_trips: u64) -> Cost {
        let wall = self.at.elapsed();
        let cpu = rusage::thread_cpu() - self.cpu;
        let now = rusage::thread();
        Cost {
            round_trips,
            wall,
            cpu,
            user: now.user - self.usage.user,
            preempted: now.preempted - self.usage.preempted,
            blocked: now.blocked - self.usage.blocked,
        }
    }
}

/// The median, lowest and highest of `values`.
pub fn spread(mut values: Vec<f64>) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let median = match n % 2 {
        1 => values[n / 2],
        _ => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    };
    (median, values[0], values[n - 1])
}

/// `getrusage(RUSAGE_THREAD)`, declared here: the benches do not depend
/// on `libc`.
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
mod rusage {
    use std::time::Duration;

    #[repr(C)]
    struct Timeval {
        tv_sec: i64,
        tv_usec: i64,
    }

    /// `struct rusage` on 64-bit Linux: two `timeval`s, then 14 `long`s,
    /// `ru_maxrss` first and `ru_nvcsw`, `ru_nivcsw` last.
    #[repr(C)]
    struct Rusage {
        utime: Timeval,
        stime: Timeval,
        longs: [i64; 14],
    }

    #[repr(C)]
    struct Timespec {
        tv_sec: i64,
        tv_nsec: i64,
    }

    const RUSAGE_THREAD: i32 = 1;
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;

    extern "C" {
        fn getrusage(who: i32, usage: *mut Rusage) -> i32;
        fn clock_gettime(clock: i32, time: *mut Timespec) -> i32;
    }

    pub struct Usage {
        pub user: Duration,
        pub preempted: u64,
        pub blocked: u64,
    }

    /// The thread's CPU time so far, exact.
    pub fn thread_cpu() -> Duration {
        let mut time = Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `time` is a writable 64-bit Linux `struct timespec`.
        assert_eq!(
            unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut time) },
            0
        );
        Duration::new(time.tv_sec as u64, time.tv_nsec as u32)
    }

    pub fn thread() -> Usage {
        let mut usage = std::mem::MaybeUninit::<Rusage>::uninit();
        // SAFETY: `usage` points to writable memory laid out as a 64-bit
        // Linux `struct rusage`; getrusage has filled it when it returns 0.
        let usage = unsafe {
            assert_eq!(getrusage(RUSAGE_THREAD, usage.as_mut_ptr()), 0);
            usage.assume_init()
        };
        let time = |t: &Timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
        Usage {
            user: time(&usage.utime),
            blocked: usage.longs[12] as u64,
            preempted: usage.longs[13] as u64,
        }
    }
}

/// Elsewhere the CPU figures read 0.
#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
mod rusage {
    use std::time::Duration;

    pub struct Usage {
        pub user: Duration,
        pub preempted: u64,
        pub blocked: u64,
    }

    pub fn thread_cpu() -> Duration {
        Duration::ZERO
    }

    pub fn thread() -> Usage {
        Usage {
            user: Duration::ZERO,
            preempted: 0,
            blocked: 0,
        }
    }
}
