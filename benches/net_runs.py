#!/usr/bin/env python3
"""Repeat the networking bench and count its system calls.

    python3 benches/net_runs.py [RUNS]            # default 5 runs
    python3 benches/net_runs.py syscalls [ROUNDS] # default 2 000 per connection
    python3 benches/net_runs.py perf [ROUNDS]     # default 4 000 per connection

`RUNS` runs of `cargo bench --bench net` (logs in
$CARGO_TARGET_DIR/net_runs/), one line per run, then the median and the
range over the runs of uniloop's throughput over the faster tokio
column's, by each measure the bench gives:

- `crit wall`: criterion's medians (the ratio `benches/report.py` prints);
- `crit cpu`: the thread's CPU time over each criterion column;
- `paired wall`, `paired cpu`: the median over `net_paired`'s passes.

`syscalls` runs each column alone (`NET_ONLY`) under `strace -c -f`, and
prints the system calls per round trip (with how many failed, e.g. the
`EAGAIN` reads), then once more without strace for its CPU cost.

`perf` runs each column alone under `perf record -e cpu-clock` (the only
event this VM offers) and splits its CPU time per round trip by the
samples' place: the kernel, or user space (the bench binary: runtime and
tasks; libc: mostly the system call stubs). Sampling at 10 kHz, this
user figure is much finer than getrusage's tick-sampled one.
"""
import json
import os
import pathlib
import re
import statistics
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
TARGET = pathlib.Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
COLUMNS = ["uniloop", "tokio_local", "tokio_current_thread"]
COST = re.compile(r"^\s+(\S+)\s+wall\s+(\d+)\s+cpu\s+(\d+)\s+user\s+(\d+)\s+kernel\s+(\d+)")
PAIRED = re.compile(r"uniloop throughput / (\S+)'s, by (\w+): median ([\d.]+)")


def bench_binary():
    out = subprocess.run(
        ["cargo", "bench", "--bench", "net", "--no-run", "--message-format=json"],
        cwd=ROOT, check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        message = json.loads(line)
        if message.get("target", {}).get("name") == "net" and message.get("executable"):
            return message["executable"]
    sys.exit("net_runs: no net bench executable")


def criterion_ns(column):
    path = TARGET / "criterion" / "net_ping_pong" / column / "new"
    estimates = json.loads((path / "estimates.json").read_text())
    meta = json.loads((path / "benchmark.json").read_text())
    return estimates["median"]["point_estimate"] / meta["throughput"]["Elements"]


def one_run(i):
    log_dir = TARGET / "net_runs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"run{i}.log"
    with open(log, "w") as out:
        subprocess.run(["cargo", "bench", "--bench", "net"], cwd=ROOT, check=True,
                       stdout=out, stderr=subprocess.STDOUT)
    text = log.read_text()
    wall = {c: criterion_ns(c) for c in COLUMNS}
    section = text.split("what each column's round trips cost", 1)[1].split("net_paired", 1)[0]
    cpu = {m[1]: float(m[3]) for m in map(COST.match, section.splitlines()) if m}
    row = {"wall": wall, "cpu": cpu}
    row["crit wall"] = min(wall["tokio_local"], wall["tokio_current_thread"]) / wall["uniloop"]
    row["crit cpu"] = min(cpu["tokio_local"], cpu["tokio_current_thread"]) / cpu["uniloop"]
    for _, measure, median in PAIRED.findall(text):
        row[f"paired {measure}"] = float(median)
    return row


def runs(n):
    keys = ["crit wall", "crit cpu", "paired wall", "paired cpu"]
    print("run  criterion ns/round trip (u / tl / tc)  cpu ns/round trip (u / tl / tc)  "
          + "  ".join(f"{k:>11}" for k in keys))
    rows = []
    for i in range(1, n + 1):
        row = one_run(i)
        rows.append(row)
        w, c = row["wall"], row["cpu"]
        print(f"{i:>3}  {w['uniloop']:>7.0f} / {w['tokio_local']:>6.0f} / {w['tokio_current_thread']:>6.0f}"
              f"           {c['uniloop']:>6.0f} / {c['tokio_local']:>6.0f} / {c['tokio_current_thread']:>6.0f}"
              "         " + "  ".join(f"{row.get(k, float('nan')):>11.3f}" for k in keys), flush=True)
    print("\nuniloop throughput / faster tokio's, median [lowest .. highest] over the runs:")
    for k in keys:
        values = [r[k] for r in rows if k in r]
        if values:
            print(f"  {k:<12} {statistics.median(values):.3f} [{min(values):.3f} .. {max(values):.3f}]")


def strace_counts(binary, column, rounds):
    out = TARGET / f"net_strace_{column}.txt"
    env = dict(os.environ, NET_ONLY=column, NET_ROUNDS=str(rounds))
    text = subprocess.run(["strace", "-c", "-f", "-o", str(out), binary], env=env, check=True,
                          capture_output=True, text=True).stdout
    total = int(re.search(r"(\d+) round trips in this process", text)[1])
    calls = {}
    for line in out.read_text().splitlines():
        fields = line.split()
        if len(fields) >= 5 and fields[0][0].isdigit() and fields[-1] != "total":
            errors = int(fields[4]) if len(fields) == 6 else 0
            calls[fields[-1]] = (int(fields[3]), errors)
    return total, calls


def syscalls(rounds):
    binary = bench_binary()
    for column in COLUMNS:
        total, calls = strace_counts(binary, column, rounds)
        per = {name: (n / total, e / total) for name, (n, e) in calls.items() if n / total >= 0.001}
        all_calls = sum(n for n, _ in calls.values()) / total
        shown = ", ".join(f"{name} {n:.3f}" + (f" ({e:.3f} failed)" if e else "")
                          for name, (n, e) in sorted(per.items(), key=lambda kv: -kv[1][0]))
        print(f"{column}: {all_calls:.3f} system calls per round trip: {shown}")
    for column in COLUMNS:
        env = dict(os.environ, NET_ONLY=column, NET_ROUNDS=str(rounds))
        text = subprocess.run([binary], env=env, check=True, capture_output=True, text=True).stdout
        print(text.splitlines()[0])


def perf(rounds):
    binary = bench_binary()
    for column in COLUMNS:
        data = TARGET / f"net_perf_{column}.data"
        env = dict(os.environ, NET_ONLY=column, NET_ROUNDS=str(rounds))
        text = subprocess.run(["perf", "record", "-q", "-e", "cpu-clock", "-F", "10000",
                               "-o", str(data), binary], env=env, check=True,
                              capture_output=True, text=True).stdout
        cpu = float(re.search(r"cpu\s+(\d+)", text)[1])
        report = subprocess.run(["perf", "report", "-i", str(data), "--sort", "dso", "--stdio"],
                                check=True, capture_output=True, text=True).stdout
        shares = {}
        for line in report.splitlines():
            m = re.match(r"\s+([\d.]+)%\s+(\S+)", line)
            if m:
                shares[m[2]] = float(m[1]) / 100
        kernel = shares.get("[kernel.kallsyms]", 0.0)
        own = sum(v for k, v in shares.items() if k.startswith("net-"))
        libc = sum(v for k, v in shares.items() if k.startswith("libc"))
        print(f"{column:<21} cpu {cpu:>6.0f} ns per round trip: kernel {cpu * kernel:>6.0f}, "
              f"user {cpu * (1 - kernel):>4.0f} (bench binary {cpu * own:>4.0f}, libc {cpu * libc:>3.0f})")


def main():
    args = sys.argv[1:]
    if args and args[0] == "syscalls":
        syscalls(int(args[1]) if len(args) > 1 else 2000)
    elif args and args[0] == "perf":
        perf(int(args[1]) if len(args) > 1 else 4000)
    else:
        runs(int(args[0]) if args else 5)


if __name__ == "__main__":
    main()
