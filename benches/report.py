#!/usr/bin/env python3
"""Print the criterion medians of the last `cargo bench` run as the
markdown tables BENCHMARKS.md keeps, each with uniloop's ratio to the
faster of the two tokio columns and to the fastest peer of the row (any
column but uniloop's; its name in brackets). A cell marked † is shown but
not counted as a peer: monoio re-polls a task that woke itself at once,
so its yields let no other task run, and the rows that yield while
holding a permit or a lock (semaphore, mutex) or that time yields
(yield_many) do less work on monoio than on the others.

monoio's columns (`monoio_legacy`, `monoio_uring`: its epoll and
io_uring drivers) are in the executor, time, sync and channel tables on
Linux; threadsafe has none (monoio has no thread-safe channel).

- the executor core (`benches/runtime.rs`): ns per operation for every
  runtime;
- time (`benches/time.rs`): ns per `timeout` for timer_cancel and
  timer_register_cancel; wall time
  per run and its overhead over the 10 ms sleep for sleepers, in ms; the
  peak-RSS growth of one sleepers run, from `sleepers_rss.json`, in MiB;
- sync primitives and queues (`benches/sync.rs`): ns per acquire, lock
  or item for every runtime;
- channels (`benches/channel.rs`): ns per round trip or message for every
  runtime, each with its own channel;
- structured concurrency (`benches/group.rs`): ns per gathered future for
  `gather_all`, `futures::future::join_all` and tokio's `JoinSet`;
- networking (`benches/net.rs`): ns per 64-byte loopback round trip and
  round trips per second (higher is better; its ratio is uniloop's
  throughput over the faster tokio column's) for uniloop and both tokio
  runtimes;
- threads (`benches/threads.rs`): ns per `to_thread` round trip
  (tokio: `spawn_blocking`) and ns per task spawned through the handle
  from 4 OS threads, for uniloop and both tokio runtimes.

Usage: python3 benches/report.py [GROUP ...]   (default: every group found)
"""
import json
import os
import pathlib
import sys

ROOT = pathlib.Path(os.environ.get("CARGO_TARGET_DIR") or pathlib.Path(__file__).resolve().parent.parent / "target") / "criterion"
MONOIO = ["monoio_legacy", "monoio_uring"]
COLUMNS = ["uniloop", "tokio_local", "tokio_current_thread", "async_executor",
           "futures_local_pool"] + MONOIO
TIME_COLUMNS = ["uniloop", "tokio_local", "tokio_current_thread", "async_io"] + MONOIO
# Rows where a column is shown but not counted as a peer (see the top).
NOT_PEERS = {"yield_many": MONOIO, "semaphore": MONOIO, "mutex": MONOIO}
TIME_GROUPS = ["timer_cancel", "timer_register_cancel", "sleepers"]
SYNC_GROUPS = {"semaphore": "ns per acquire", "mutex": "ns per lock",
               "queue_1to1": "ns per item"}
GROUP_COLUMNS = ["uniloop", "futures_join_all", "tokio_local", "tokio_current_thread"]
GROUP_GROUPS = {"gather_ready": "ns per future", "gather_one_by_one": "ns per future"}
CHANNEL_GROUPS = {"channel_ping_pong": "ns per round trip",
                  "channel_mpsc_1to1": "ns per message",
                  "channel_mpsc_10to1": "ns per message",
                  "channel_threadsafe": "ns per message"}
NET_COLUMNS = ["uniloop", "tokio_local", "tokio_current_thread"]
NET_GROUPS = {"net_ping_pong": "ns per round trip"}
THREADS_COLUMNS = ["uniloop", "tokio_local", "tokio_current_thread"]
THREADS_GROUPS = {"threads_to_thread": "ns per round trip",
                  "threads_handle_spawn": "ns per task"}
TOKIO = ("tokio_local", "tokio_current_thread")
SLEEP_MS = 10.0
RSS_JSON = ROOT / "sleepers_rss.json"


def median_ns_per_op(bench_dir):
    estimates = json.loads((bench_dir / "new" / "estimates.json").read_text())
    meta = json.loads((bench_dir / "new" / "benchmark.json").read_text())
    elements = (meta.get("throughput") or {}).get("Elements", 1)
    return estimates["median"]["point_estimate"] / elements


def medians(group, columns):
    """The median per operation (ns) of each column of `group` that ran."""
    found = {}
    for column in columns:
        bench_dir = ROOT / group / column
        if (bench_dir / "new" / "estimates.json").exists():
            found[column] = median_ns_per_op(bench_dir)
    return found


def print_header(columns):
    print("| bench | " + " | ".join(columns) + " | uniloop ÷ tokio | uniloop ÷ best peer |")
    print("|---" * (len(columns) + 3) + "|")


def best_peer_ratio(values, not_peers, pick=min):
    """uniloop's value over the best peer's, and the peer: 'r (name)'."""
    peers = {c: v for c, v in values.items() if c != "uniloop" and c not in not_peers}
    if not peers or "uniloop" not in values:
        return "–"
    best = pick(peers, key=peers.get)
    return f"{values['uniloop'] / peers[best]:.2f} ({best})"


def print_row(label, values, columns, group=None):
    """One table row; the ratios divide uniloop by the smaller tokio value
    and by the smallest peer value (every figure here is lower-is-better)."""
    not_peers = NOT_PEERS.get(group, [])
    cells = [(f"{values[c]:.1f}" + ("†" if c in not_peers else "")) if c in values else "–"
             for c in columns]
    tokio = [values[c] for c in TOKIO if c in values]
    ratio = f"{values['uniloop'] / min(tokio):.2f}" if tokio and "uniloop" in values else "–"
    best = best_peer_ratio(values, not_peers)
    print(f"| {label} | " + " | ".join(cells) + f" | {ratio} | {best} |")


def print_time_table(groups):
    print_header(TIME_COLUMNS)
    if "timer_cancel" in groups:
        print_row("timer_cancel (ns per timeout)", medians("timer_cancel", TIME_COLUMNS),
                  TIME_COLUMNS)
    if "timer_register_cancel" in groups:
        print_row("timer_register_cancel (ns per timeout)",
                  medians("timer_register_cancel", TIME_COLUMNS), TIME_COLUMNS)
    if "sleepers" in groups:
        wall_ms = {c: ns / 1e6 for c, ns in medians("sleepers", TIME_COLUMNS).items()}
        print_row("sleepers (ms per run)", wall_ms, TIME_COLUMNS)
        overhead = {c: ms - SLEEP_MS for c, ms in wall_ms.items()}
        print_row(f"sleepers − {SLEEP_MS:.0f} ms (ms)", overhead, TIME_COLUMNS)
        if RSS_JSON.exists():
            rss_kib = json.loads(RSS_JSON.read_text())["peak_rss_growth"]
            rss_mib = {c: kib / 1024 for c, kib in rss_kib.items()}
            print_row("sleepers peak RSS growth (MiB)", rss_mib, TIME_COLUMNS)


def print_runtime_table(groups):
    print_header(COLUMNS)
    for group in groups:
        print_row(group, medians(group, COLUMNS), COLUMNS, group)


def print_sync_table(groups):
    print_header(COLUMNS)
    for group in SYNC_GROUPS:
        if group in groups:
            print_row(f"{group} ({SYNC_GROUPS[group]})", medians(group, COLUMNS), COLUMNS,
                      group)


def print_channel_table(groups):
    print_header(COLUMNS)
    for group in CHANNEL_GROUPS:
        if group in groups:
            label = group.removeprefix("channel_")
            print_row(f"{label} ({CHANNEL_GROUPS[group]})", medians(group, COLUMNS), COLUMNS)


def print_group_table(groups):
    print_header(GROUP_COLUMNS)
    for group in GROUP_GROUPS:
        if group in groups:
            print_row(f"{group} ({GROUP_GROUPS[group]})", medians(group, GROUP_COLUMNS), GROUP_COLUMNS)


def print_net_table(groups):
    print_header(NET_COLUMNS)
    for group in NET_GROUPS:
        if group not in groups:
            continue
        ns = medians(group, NET_COLUMNS)
        label = group.removeprefix("net_")
        print_row(f"{label} ({NET_GROUPS[group]})", ns, NET_COLUMNS)
        # Throughput: higher is better, so the ratio is uniloop's over the
        # faster tokio column's (≥ 1.00 means uniloop is at least as fast).
        krps = {c: 1e6 / v for c, v in ns.items()}
        cells = [f"{krps[c]:.1f}" if c in krps else "–" for c in NET_COLUMNS]
        tokio = [krps[c] for c in TOKIO if c in krps]
        ratio = f"{krps['uniloop'] / max(tokio):.2f}" if tokio and "uniloop" in krps else "–"
        best = best_peer_ratio(krps, [], pick=max)
        print(f"| {label} (k round trips/s; ratios: uniloop ÷ faster tokio, ÷ best peer) | "
              + " | ".join(cells) + f" | {ratio} | {best} |")


def print_threads_table(groups):
    print_header(THREADS_COLUMNS)
    for group in THREADS_GROUPS:
        if group in groups:
            label = group.removeprefix("threads_")
            print_row(f"{label} ({THREADS_GROUPS[group]})", medians(group, THREADS_COLUMNS),
                      THREADS_COLUMNS)


def main():
    groups = sys.argv[1:] or sorted(p.name for p in ROOT.iterdir()
                                    if p.is_dir() and p.name != "report")
    tables = [
        (print_runtime_table,
         [g for g in groups
          if g not in TIME_GROUPS and g not in SYNC_GROUPS and g not in CHANNEL_GROUPS
          and g not in GROUP_GROUPS and g not in NET_GROUPS and g not in THREADS_GROUPS]),
        (print_time_table, [g for g in groups if g in TIME_GROUPS]),
        (print_sync_table, [g for g in groups if g in SYNC_GROUPS]),
        (print_channel_table, [g for g in groups if g in CHANNEL_GROUPS]),
        (print_group_table, [g for g in groups if g in GROUP_GROUPS]),
        (print_net_table, [g for g in groups if g in NET_GROUPS]),
        (print_threads_table, [g for g in groups if g in THREADS_GROUPS]),
    ]
    printed = False
    for print_table, table_groups in tables:
        if table_groups:
            if printed:
                print()
            print_table(table_groups)
            printed = True


if __name__ == "__main__":
    main()
