//! Timer benchmarks, uniloop beside tokio (both runtimes, with their time
//! driver), async-io's timers and monoio's (both drivers, Linux only) in
//! the same run: `cargo bench --bench
//! time`, then `python3 benches/report.py`.
//!
//! Peak RSS is per process, so before the criterion groups `main` re-runs
//! this bench once per runtime with `UNILOOP_BENCH_RSS=<runtime>`; each
//! child runs `sleepers` once and prints how much its peak RSS grew. The
//! table goes to stdout and to `sleepers_rss.json` in criterion's directory
//! (`$CARGO_TARGET_DIR/criterion`, else the workspace's `target/criterion`).

mod harness;

use std::future::ready;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode};
use harness::TimeRt;

const TIMEOUTS: u64 = 1_000_000;
const TIMEOUT: Duration = Duration::from_secs(10);
const SLEEPERS: u64 = 100_000;
const SLEEP: Duration = Duration::from_millis(10);
/// Set to a runtime's column name, it makes this process the child that
/// measures that runtime's peak RSS.
const RSS_VAR: &str = "UNILOOP_BENCH_RSS";

/// 1 000 000 `timeout(10 s, ready(i))`, awaited one after another: each
/// timer is created and cancelled (its future completes at once).
fn timer_cancel<R: TimeRt>(rt: &mut R) {
    let sum = rt.block_on(async {
        let mut sum = 0;
        for i in 0..TIMEOUTS {
            sum += R::timeout(TIMEOUT, ready(i)).await.unwrap();
        }
        sum
    });
    assert_eq!(sum, TIMEOUTS * (TIMEOUTS - 1) / 2);
}

/// 1 000 000 `timeout(10 s, yield_now())`, awaited one after another: the
/// inner future is pending at first, so each timer is entered in the
/// runtime's wheel (or timer map) and removed when the yield completes.
fn timer_register_cancel<R: TimeRt>(rt: &mut R) {
    rt.block_on(async {
        for _ in 0..TIMEOUTS {
            R::timeout(TIMEOUT, R::yield_now()).await.unwrap();
        }
    });
}

/// 100 000 tasks spawned at once, each sleeping 10 ms; then every handle is
/// awaited. Wall time per run; the overhead is what exceeds 10 ms.
fn sleepers<R: TimeRt>(rt: &mut R) {
    let start = Instant::now();
    rt.block_on(async {
        let handles: Vec<_> = (0..SLEEPERS).map(|_| R::spawn_sleep(SLEEP)).collect();
        for handle in handles {
            handle.await;
        }
    });
    assert!(start.elapsed() >= SLEEP);
}

/// A `kB` field of `/proc/self/status` (`VmRSS`: resident now, `VmHWM`:
/// peak resident), in KiB.
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|value| value.trim().strip_suffix("kB")?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"))
}

/// Peak-RSS growth over one run of a workload, per runtime, in KiB.
struct Rss {
    /// In a child process: the runtime it measures (`UNILOOP_BENCH_RSS`).
    child: Option<String>,
    /// In the parent: measure only runtimes whose benchmark id
    /// `sleepers/<name>` contains this.
    filter: Option<String>,
    /// `VmRSS` at this process's start.
    start_kib: u64,
    /// The growth per runtime measured.
    rows: Vec<(&'static str, u64)>,
}

/// Peak-RSS growth of one run of `work` on `R`: in `R`'s child process, run
/// `work` on a new runtime and take `VmHWM` minus `VmRSS` at the process's
/// start; in the parent, run that child and keep what it printed.
fn rss_column<R: TimeRt>(rss: &mut Rss, work: fn(&mut R)) {
    if R::unavailable().is_some() {
        return;
    }
    let growth_kib = match &rss.child {
        Some(name) if name == R::NAME => {
            work(&mut R::new());
            status_kib("VmHWM").saturating_sub(rss.start_kib)
        }
        None if rss.filter_matches(R::NAME) => child_rss_kib(R::NAME),
        _ => return,
    };
    rss.rows.push((R::NAME, growth_kib));
}

impl Rss {
    /// Whether the benchmark id `sleepers/<name>` contains the filter, if
    /// there is one.
    fn filter_matches(&self, name: &str) -> bool {
        let id = format!("sleepers/{name}");
        self.filter
            .as_ref()
            .is_none_or(|filter| id.contains(filter.as_str()))
    }
}

/// The peak-RSS growth a fresh process of this bench reports for runtime
/// `name`, in KiB.
fn child_rss_kib(name: &str) -> u64 {
    let output = Command::new(std::env::current_exe().unwrap())
        .env(RSS_VAR, name)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{RSS_VAR}={name}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// Whether this run measures `sleepers`, and with which filter, as far as
/// a plain look at the arguments tells: not with `--list`, `--test` or
/// `--profile-time`; the filter is the first argument not starting with
/// `-` (criterion matches it as a regex, this as a substring).
fn rss_filter() -> Option<Option<String>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let modes = ["--list", "--test", "--profile-time"];
    if args
        .iter()
        .any(|arg| modes.contains(&arg.split('=').next().unwrap()))
    {
        return None;
    }
    Some(args.into_iter().find(|arg| !arg.starts_with('-')))
}

/// Print the peak-RSS rows and write them to
/// `sleepers_rss.json` beside criterion's results, for `benches/report.py`.
fn report_rss(rows: &[(&str, u64)]) {
    println!("sleepers: peak RSS growth over one run ({SLEEPERS} tasks), KiB");
    for (name, kib) in rows {
        println!("  {name:<22}{kib:>10}");
    }
    let fields: Vec<String> = rows
        .iter()
        .map(|(name, kib)| format!("\"{name}\": {kib}"))
        .collect();
    // Where criterion and `report.py` look: `$CARGO_TARGET_DIR/criterion`,
    // else the workspace's `target/criterion` (this crate is `benches/`).
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"),
        PathBuf::from,
    );
    let dir = target.join("criterion");
    std::fs::create_dir_all(&dir).unwrap();
    let json = format!(
        "{{\"unit\": \"KiB\", \"peak_rss_growth\": {{{}}}}}\n",
        fields.join(", ")
    );
    std::fs::write(dir.join("sleepers_rss.json"), json).unwrap();
}

fn main() {
    let mut rss = Rss {
        child: std::env::var(RSS_VAR).ok(),
        filter: None,
        start_kib: status_kib("VmRSS"),
        rows: Vec::new(),
    };
    if let Some(name) = rss.child.clone() {
        every_timer_runtime!(rss_column, rss, sleepers);
        let Some((_, growth_kib)) = rss.rows.first() else {
            panic!("{RSS_VAR}={name}: no such runtime");
        };
        println!("{growth_kib}");
        return;
    }
    if let Some(filter) = rss_filter() {
        rss.filter = filter;
        every_timer_runtime!(rss_column, rss, sleepers);
        if !rss.rows.is_empty() {
            report_rss(&rss.rows);
        }
    }

    let mut c = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();

    let mut group = harness::group(&mut c, "timer_cancel", TIMEOUTS);
    group.sampling_mode(SamplingMode::Flat);
    every_timer_runtime!(group, timer_cancel);
    group.finish();

    let mut group = harness::group(&mut c, "timer_register_cancel", TIMEOUTS);
    // async-io takes seconds per iteration here: the fewest samples.
    group.sampling_mode(SamplingMode::Flat).sample_size(10);
    every_timer_runtime!(group, timer_register_cancel);
    group.finish();

    let mut group = c.benchmark_group("sleepers");
    group.sampling_mode(SamplingMode::Flat).sample_size(10);
    every_timer_runtime!(group, sleepers);
    group.finish();

    c.final_summary();
}
