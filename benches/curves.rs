//! Cost curves: how a runtime's cost per item grows with the number of live
//! items. One run is one workload at one size on one runtime, in a fresh
//! process, so its peak RSS is its own:
//!
//! ```text
//! curves <runtime> <workload> <n>
//! ```
//!
//! prints one JSON line: CPU time and wall time per item, and the peak-RSS
//! growth per item. `benches/curves.py` builds this (`cargo bench --no-run
//! --bench curves`), runs every combination several times, and writes the
//! tables and the SVG plots. `curves list` names the runtimes and workloads.
//!
//! Workloads, each with `n` live items:
//! - `spawn`: spawn `n` tasks that add their number to a shared sum and
//!   return, then await every handle.
//! - `sleep`: `n` tasks each sleep until a deadline of its own (spread over
//!   100 ns × `n`, at least 1 ms, after a start-up margin): `n` timer
//!   inserts and fires.
//! - `event`: `n` tasks wait on one event (uniloop's `Event`, tokio's
//!   `Notify`, local-sync's `Semaphore` with no permits on monoio,
//!   event-listener's `Event` on async-executor); once all wait, it is set
//!   (`add_permits(n)` on monoio) and every handle is awaited.
//! - `timeout`: `event`, each wait under a timeout of its own (60 s and
//!   more, all distinct): `n` timer inserts and cancels on top of `event`.
//! - `tcp`: `n` idle loopback connections, each with a server task blocked
//!   reading; then each client sends one 8-byte request, its task echoes
//!   it and ends. The clients are plain blocking sockets in a child process
//!   (this binary, `curves client …`), so the server's file descriptors,
//!   CPU time and RSS are the runtime's alone. Listeners on 127.0.0.1,
//!   127.0.0.2, … take at most `PER_LISTENER` connections each, to stay in
//!   the ephemeral port range. `RLIMIT_NOFILE` is raised to what `n` needs;
//!   a hard limit too low fails the run with a message saying so.
//!
//! Time is the process's CPU time (`CLOCK_PROCESS_CPUTIME_ID`) from the
//! first spawn to the last handle's output, so the sleeps and the waits for
//! the client are not counted; wall time is printed too. Memory is `VmHWM`
//! at the end minus `VmRSS` before the workload, divided by `n`; it
//! includes the workload's `Vec` of task handles (each runtime's own),
//! whose size per item is printed as `handle_bytes`.

use std::cell::Cell;
use std::io::{BufRead, Read, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::process::{Command, Stdio};
use std::rc::Rc;
use std::time::{Duration, Instant};

/// Connections per listener address, below the ephemeral port range's
/// 28 232 ports (Linux's default 32768–60999).
const PER_LISTENER: u64 = 20_000;
/// The client pauses after this many connections.
const PACE: usize = 64;
/// The request a client sends, and the echo it expects.
const REQUEST: [u8; 8] = *b"request!";
/// The sleepers' deadlines are spread over this much per sleeper (at
/// least a millisecond in all): 100 ms at 10^6, so the timers per
/// millisecond tick, and the loop's fixed cost per tick, are the same
/// share of each run at every size.
const SPREAD_PER_ITEM: Duration = Duration::from_nanos(100);

#[path = "curves/runtimes.rs"]
mod runtimes;

#[cfg(target_os = "linux")]
use runtimes::monoio_curves;
use runtimes::{AsyncExecutor, CurveRt, Tokio, Uniloop};

/// What one run measured: nanoseconds of CPU and wall time from the
/// workload's start to its end, and what else it wants to report.
struct Measure {
    cpu_ns: f64,
    wall_ns: f64,
    /// Named phases' CPU time, ns.
    phases: Vec<(&'static str, f64)>,
}

/// CPU time this process has used, ns.
fn cpu_ns() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable `timespec`, and
    // CLOCK_PROCESS_CPUTIME_ID is a clock every Linux and BSD has.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime: {}", std::io::Error::last_os_error());
    ts.tv_sec as f64 * 1e9 + ts.tv_nsec as f64
}

thread_local! {
    /// The size of one of the workload's task handles: `n` of them are in
    /// the peak RSS too.
    static HANDLE_BYTES: Cell<usize> = const { Cell::new(0) };
}

/// Note the size of the handles in `handles` (see `HANDLE_BYTES`).
fn note_handle_size<T>(_handles: &[T]) {
    HANDLE_BYTES.set(std::mem::size_of::<T>());
}

/// A start mark for [`Measure`].
struct Mark(f64, Instant);

impl Mark {
    fn now() -> Mark {
        Mark(cpu_ns(), Instant::now())
    }
    fn end(self, phases: Vec<(&'static str, f64)>) -> Measure {
        Measure {
            cpu_ns: cpu_ns() - self.0,
            wall_ns: self.1.elapsed().as_nanos() as f64,
            phases,
        }
    }
}

/// Spawn `n` tasks that return at once, await every handle.
async fn spawn<R: CurveRt>(n: u64) -> Measure {
    let start = Mark::now();
    let sum = Rc::new(Cell::new(0));
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let sum = sum.clone();
            R::spawn(async move { sum.set(sum.get() + i) })
        })
        .collect();
    note_handle_size(&handles);
    for handle in handles {
        handle.await;
    }
    assert_eq!(sum.get(), n * (n - 1) / 2);
    start.end(vec![])
}

/// `n` tasks each sleep until its own deadline, spread over
/// `SPREAD_PER_ITEM` × `n` after a margin for spawning them all; await
/// every handle.
async fn sleep<R: CurveRt>(n: u64) -> Measure {
    let start = Mark::now();
    let first = start.1 + Duration::from_millis(20) + Duration::from_nanos(n * 1_000);
    let spread = (SPREAD_PER_ITEM * n as u32).max(Duration::from_millis(1));
    let step = spread / n as u32;
    let handles: Vec<_> = (0..n)
        .map(|i| R::spawn(R::sleep_until(first + step * i as u32)))
        .collect();
    note_handle_size(&handles);
    for handle in handles {
        handle.await;
    }
    let measure = start.end(vec![]);
    assert!(Instant::now() >= first + spread - step);
    measure
}

/// `n` tasks wait on one event (with `timeout`: each under a timeout of its
/// own); once all of them wait, set it and await every handle. The last
/// task to start waiting tells this one through a second event (not by
/// yielding until a count is reached: monoio re-polls a task that wakes
/// itself at once, so such a yield would never let the others run).
async fn event<R: CurveRt, const TIMEOUT: bool>(n: u64) -> Measure {
    let start = Mark::now();
    let event = Rc::new(R::event());
    let all_waiting = Rc::new(R::event());
    let waiting = Rc::new(Cell::new(0));
    let far = start.1 + Duration::from_secs(60);
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let (event, all_waiting, waiting) =
                (event.clone(), all_waiting.clone(), waiting.clone());
            R::spawn(async move {
                waiting.set(waiting.get() + 1);
                if waiting.get() == n {
                    R::set(&all_waiting, 1);
                }
                if TIMEOUT {
                    let deadline = far + Duration::from_micros(i);
                    R::timeout_at(deadline, R::wait(&event)).await.unwrap();
                } else {
                    R::wait(&event).await;
                }
                waiting.set(waiting.get() - 1);
            })
        })
        .collect();
    note_handle_size(&handles);
    R::wait(&all_waiting).await;
    let blocked = cpu_ns() - start.0;
    R::set(&event, n as usize);
    for handle in handles {
        handle.await;
    }
    // Every task got through (a panic would not show in some handles).
    assert_eq!(waiting.get(), 0);
    start.end(vec![("block", blocked)])
}

/// Sleep 5 ms at a time until `done`.
async fn poll_until<R: CurveRt>(done: impl Fn() -> bool) {
    while !done() {
        R::sleep_until(Instant::now() + Duration::from_millis(5)).await;
    }
}

/// `n` idle connections from a client process, each with an echo task;
/// then every client sends one request and reads the echo.
async fn tcp<R: CurveRt>(n: u64) -> Measure {
    let listeners = n.div_ceil(PER_LISTENER);
    let (accepted, served) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
    let mut addrs = Vec::new();
    let start = Mark::now();
    for i in 0..listeners {
        let ip = Ipv4Addr::new(127, 0, 0, 1 + i as u8);
        let (listener, addr) = R::bind(SocketAddr::from((ip, 0))).await;
        addrs.push(addr.to_string());
        let (accepted, served) = (accepted.clone(), served.clone());
        R::spawn_detached(async move {
            loop {
                let stream = R::accept(&listener).await;
                let (accepted, served) = (accepted.clone(), served.clone());
                R::spawn_detached(async move {
                    // Counted once running: then it waits to read.
                    accepted.set(accepted.get() + 1);
                    R::echo(stream).await;
                    served.set(served.get() + 1);
                });
            }
        });
    }
    let mut client = Command::new(std::env::current_exe().unwrap())
        .args(["client", &n.to_string(), &addrs.join(",")])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut from_client = std::io::BufReader::new(client.stdout.take().unwrap());
    poll_until::<R>(|| accepted.get() == n).await;
    let idle = cpu_ns() - start.0;
    let mut line = String::new();
    from_client.read_line(&mut line).unwrap();
    assert_eq!(line, "connected\n");
    let mut to_client = client.stdin.take().unwrap();
    to_client.write_all(b"go\n").unwrap();
    drop(to_client);
    poll_until::<R>(|| served.get() == n).await;
    let measure = start.end(vec![("idle", idle)]);
    let mut rest = String::new();
    from_client.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "done\n");
    assert!(client.wait().unwrap().success());
    measure
}

/// The client process: `n` blocking connections spread over `addrs`; once
/// told to, a request on each, then each echo read and checked.
fn client(n: u64, addrs: &str) {
    let addrs: Vec<SocketAddr> = addrs.split(',').map(|a| a.parse().unwrap()).collect();
    let streams: Vec<_> = (0..n as usize)
        .map(|i| {
            // The server may share this core: a pause every `PACE`
            // connections lets it accept them before its listen backlog
            // (128 on some runtimes) fills and SYNs wait a second to be
            // resent.
            if i % PACE == PACE - 1 {
                std::thread::sleep(Duration::from_millis(1));
            }
            std::net::TcpStream::connect(addrs[i % addrs.len()]).unwrap()
        })
        .collect();
    let mut stdout = std::io::stdout();
    stdout.write_all(b"connected\n").unwrap();
    stdout.flush().unwrap();
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).unwrap();
    for mut stream in &streams {
        stream.write_all(&REQUEST).unwrap();
    }
    for mut stream in &streams {
        let mut echo = [0; REQUEST.len()];
        stream.read_exact(&mut echo).unwrap();
        assert_eq!(echo, REQUEST);
    }
    stdout.write_all(b"done\n").unwrap();
}

/// Raise the soft `RLIMIT_NOFILE` to `needed`, or exit saying why not.
fn raise_nofile(needed: u64) {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid, writable `rlimit`.
    assert_eq!(
        unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) },
        0
    );
    if limit.rlim_cur >= needed {
        return;
    }
    if limit.rlim_max < needed {
        eprintln!(
            "tcp with this n needs {needed} file descriptors; RLIMIT_NOFILE's hard limit is {} \
             (raise it, e.g. `ulimit -Hn {needed}` as root, or use a smaller n)",
            limit.rlim_max
        );
        std::process::exit(3);
    }
    limit.rlim_cur = needed;
    // SAFETY: `limit` is a valid `rlimit`, its soft limit within the hard.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) }, 0);
}

/// A `kB` field of `/proc/self/status`, in bytes.
fn status_bytes(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|value| value.trim().strip_suffix("kB")?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"));
    kib * 1024
}

const WORKLOADS: [&str; 5] = ["spawn", "sleep", "event", "timeout", "tcp"];

/// Run `workload` with `n` items on `R`, in a task of its own (monoio
/// polls the future given to `block_on` in a loop for as long as it wakes
/// itself, so a yield there would never let the tasks run); print the
/// JSON line.
fn measure<R: CurveRt>(workload: &'static str, n: u64) {
    if let Some(why) = R::unavailable() {
        println!(r#"{{"runtime": "{}", "skipped": "{why}"}}"#, R::NAME);
        return;
    }
    if workload == "tcp" {
        // The server's sockets, and a margin for the runtime's own.
        raise_nofile(n + 64);
    }
    let mut rt = R::new();
    let base = status_bytes("VmRSS");
    let measure = rt.block_on(async move {
        let work = async move {
            match workload {
                "spawn" => spawn::<R>(n).await,
                "sleep" => sleep::<R>(n).await,
                "event" => event::<R, false>(n).await,
                "timeout" => event::<R, true>(n).await,
                "tcp" => tcp::<R>(n).await,
                _ => unreachable!(),
            }
        };
        let measured = Rc::new(Cell::new(None));
        let output = measured.clone();
        R::spawn(async move { output.set(Some(work.await)) }).await;
        measured.take().unwrap()
    });
    let peak = status_bytes("VmHWM");
    let phases: Vec<String> = measure
        .phases
        .iter()
        .map(|(name, ns)| format!(r#""{name}": {:.1}"#, ns / n as f64))
        .collect();
    println!(
        r#"{{"runtime": "{}", "workload": "{workload}", "n": {n}, "cpu_ns_per_item": {:.1}, "wall_ns_per_item": {:.1}, "rss_bytes_per_item": {:.1}, "handle_bytes": {}, "phases_cpu_ns_per_item": {{{}}}}}"#,
        R::NAME,
        measure.cpu_ns / n as f64,
        measure.wall_ns / n as f64,
        peak.saturating_sub(base) as f64 / n as f64,
        HANDLE_BYTES.get(),
        phases.join(", "),
    );
}

/// Run one workload at one size: [`measure`] for one runtime.
type Measurer = fn(&'static str, u64);

/// The runtimes, by column name.
fn runtimes() -> Vec<(&'static str, Measurer)> {
    let mut runtimes: Vec<(&'static str, Measurer)> = vec![
        (Uniloop::NAME, measure::<Uniloop>),
        (Tokio::NAME, measure::<Tokio>),
        (AsyncExecutor::NAME, measure::<AsyncExecutor>),
    ];
    #[cfg(target_os = "linux")]
    {
        use monoio_curves::Monoio;
        runtimes.push((Monoio::<false>::NAME, measure::<Monoio<false>>));
        runtimes.push((Monoio::<true>::NAME, measure::<Monoio<true>>));
    }
    runtimes
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `cargo bench` runs every bench binary with `--bench` and whatever
    // filter it was given: this one has nothing to do then (curves.py runs
    // it directly).
    if args.iter().any(|a| a == "--bench") {
        eprintln!("curves: run by benches/curves.py (or `curves <runtime> <workload> <n>`)");
        return;
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["client", n, addrs] => client(n.parse().unwrap(), addrs),
        ["list"] => {
            let names: Vec<_> = runtimes().iter().map(|(name, _)| *name).collect();
            println!("runtimes: {}", names.join(" "));
            println!("workloads: {}", WORKLOADS.join(" "));
        }
        [runtime, workload, n] => {
            let n: u64 = n.parse().expect("n: a number of items");
            let Some(workload) = WORKLOADS.into_iter().find(|w| w == workload) else {
                panic!("no workload {workload}");
            };
            assert!(n > 0);
            let Some((_, run)) = runtimes().into_iter().find(|(name, _)| name == runtime) else {
                panic!("no runtime {runtime}");
            };
            run(workload, n);
        }
        _ => {
            eprintln!("usage: curves <runtime> <workload> <n> | curves list");
            std::process::exit(2);
        }
    }
}
