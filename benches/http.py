#!/usr/bin/env python3
"""hyper's "Hello, World!" on uniloop (`http_hello`) against the same
server on tokio's current-thread runtime (`http_hello_tokio`, hyper-util's
`TokioIo`), under `wrk` (keep-alive).

    python3 benches/http.py [RUNS]             # default 5 runs of each, alternating
    python3 benches/http.py syscalls [SECONDS] # strace -c -f over a bounded run (default 3 s)
    python3 benches/http.py perf [SECONDS]     # perf record: user/kernel split (default 5 s)

Both examples are built first (`cargo build -p uniloop-ecosystem --release
--example http_hello --example http_hello_tokio`). Each run starts the
server pinned to core SERVER_CORE (default 1) and `wrk -t1 -c64 -d10s`
pinned to core WRK_CORE (default 0), both with `taskset`, and reads the
server's counters before and after the load:

- `cpu`: time on CPU from `/proc/PID/task/*/schedstat` (every thread),
  per request;
- `user`, `sys`: utime and stime from `/proc/PID/stat` (tick-sampled: at
  100 Hz over 10 s, the split is a statistical estimate), per request;
- `req/s`: wrk's.

The servers alternate (uniloop, tokio, uniloop, ...); the summary gives
each measure's median and range, and uniloop's median over tokio's.

`syscalls` runs each server under `strace -c -f` with a shorter load and
prints its system calls per request. `perf` runs each under `perf record
-e cpu-clock` (10 kHz; the only event this VM offers) and splits its CPU
per request by the samples' place (kernel or user space), a finer user
figure than utime.
"""
import os
import pathlib
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
TARGET = pathlib.Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
SERVER_CORE = os.environ.get("SERVER_CORE", "1")
WRK_CORE = os.environ.get("WRK_CORE", "0")
SERVERS = {"uniloop": "http_hello", "tokio": "http_hello_tokio"}
TICK = os.sysconf("SC_CLK_TCK")
PORTS = iter(range(39000, 39900))  # a fresh port a run: no TIME_WAIT clash


def build():
    subprocess.run(
        ["cargo", "build", "-q", "-p", "uniloop-ecosystem", "--release",
         "--example", "http_hello", "--example", "http_hello_tokio"],
        cwd=ROOT, check=True)


def binary(name):
    return str(TARGET / "release" / "examples" / SERVERS[name])


def start(command):
    """Start a server command; returns (process, pid of the server)."""
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line.startswith("listening on"):
        proc.kill()
        sys.exit(f"http.py: the server printed {line!r}")
    return proc


def server_pid(proc, name):
    """The server's pid: the process itself, or its child under a tracer."""
    if "strace" in proc.args or "perf" in proc.args:
        for _ in range(100):
            out = subprocess.run(["pgrep", "-P", str(proc.pid)],
                                 capture_output=True, text=True).stdout.split()
            if out:
                return int(out[-1])
            time.sleep(0.05)
        sys.exit("http.py: no server process")
    return proc.pid


def stop(proc, pid):
    """Ctrl-C; again if it was not heard (seen under strace and perf: see
    BENCHMARKS.md); then SIGKILL, to the server itself."""
    for sig in (signal.SIGINT, signal.SIGINT, signal.SIGKILL):
        try:
            os.kill(pid, sig)
            proc.wait(timeout=5)
            return
        except subprocess.TimeoutExpired:
            print(f"http.py: the server outlived signal {sig.name}", file=sys.stderr)
        except ProcessLookupError:
            break
    proc.wait()


def counters(pid):
    """(ns on CPU over all threads, utime ticks, stime ticks)."""
    cpu = 0
    for task in pathlib.Path(f"/proc/{pid}/task").iterdir():
        cpu += int((task / "schedstat").read_text().split()[0])
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return cpu, int(fields[11]), int(fields[12])


def wrk(port, seconds):
    out = subprocess.run(
        ["taskset", "-c", WRK_CORE, "wrk", "-t1", "-c64", f"-d{seconds}s",
         f"http://127.0.0.1:{port}/"],
        check=True, capture_output=True, text=True).stdout
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors", out)
    if errors:
        sys.exit(f"http.py: wrk saw errors:\n{out}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return requests, rate


def one_run(name):
    port = next(PORTS)
    proc = start(["taskset", "-c", SERVER_CORE, binary(name), "--port", str(port)])
    try:
        before = counters(proc.pid)
        requests, rate = wrk(port, 10)
        after = counters(proc.pid)
    finally:
        stop(proc, proc.pid)
    cpu_ns, utime, stime = (a - b for a, b in zip(after, before))
    us = 1e6 / requests
    return {
        "req/s": rate,
        "cpu": cpu_ns / 1e3 / requests,
        "user": utime / TICK * us,
        "sys": stime / TICK * us,
    }


def runs(count):
    results = {name: [] for name in SERVERS}
    for i in range(count):
        for name in SERVERS:
            r = one_run(name)
            results[name].append(r)
            print(f"run {i + 1} {name:8} {r['req/s']:9.0f} req/s  cpu {r['cpu']:.3f} us/req"
                  f"  user {r['user']:.3f}  sys {r['sys']:.3f}", flush=True)
    print()
    medians = {}
    for name, rs in results.items():
        medians[name] = {}
        for key in ["req/s", "cpu", "user", "sys"]:
            values = [r[key] for r in rs]
            medians[name][key] = statistics.median(values)
            print(f"{name:8} {key:6} median {statistics.median(values):10.3f}"
                  f"  range {min(values):.3f}..{max(values):.3f}")
    print()
    for key in ["req/s", "cpu", "user", "sys"]:
        ratio = medians["uniloop"][key] / medians["tokio"][key]
        print(f"uniloop / tokio, median {key}: {ratio:.2f}")


def syscalls(seconds):
    for name in SERVERS:
        with tempfile.TemporaryDirectory() as tmp:
            log = pathlib.Path(tmp) / "strace.txt"
            port = next(PORTS)
            proc = start(["taskset", "-c", SERVER_CORE, "strace", "-c", "-f",
                          "-o", str(log), binary(name), "--port", str(port)])
            pid = server_pid(proc, name)
            requests, _ = wrk(port, seconds)
            stop(proc, pid)
            table = log.read_text()
        print(f"{name}: {requests} requests under strace", flush=True)
        for line in table.splitlines():
            fields = line.split()
            if len(fields) >= 5 and fields[-1] not in ("syscall", "total") and fields[0][0].isdigit():
                calls = int(fields[3])
                errors = int(fields[4]) if len(fields) == 6 else 0
                if calls >= requests / 1000:
                    print(f"  {fields[-1]:14} {calls / requests:8.4f} per request"
                          + (f" ({errors / requests:.4f} failed)" if errors else ""))
            if fields and fields[-1] == "total":
                print(f"  {'total':14} {int(fields[3]) / requests:8.4f} per request")


def perf(seconds):
    for name in SERVERS:
        with tempfile.NamedTemporaryFile(suffix=".data") as data:
            port = next(PORTS)
            proc = start(["perf", "record", "-q", "-e", "cpu-clock", "-F", "10000",
                          "-o", data.name, "--", "taskset", "-c", SERVER_CORE,
                          binary(name), "--port", str(port)])
            pid = server_pid(proc, name)
            before = counters(pid)
            requests, _ = wrk(port, seconds)
            after = counters(pid)
            stop(proc, pid)
            report = subprocess.run(
                ["perf", "report", "-i", data.name, "--no-children", "--sort", "dso",
                 "--stdio"], capture_output=True, text=True).stdout
        kernel = sum(float(m.group(1)) for m in
                     re.finditer(r"([\d.]+)%\s+\[kernel", report))
        cpu = (after[0] - before[0]) / 1e3 / requests
        user = cpu * (100 - kernel) / 100
        print(f"{name:8} cpu {cpu:.3f} us/req: user {user:.3f}, kernel {cpu - user:.3f}"
              f" (samples {100 - kernel:.1f}% user)")


def main():
    build()
    args = sys.argv[1:]
    if args and args[0] == "syscalls":
        syscalls(int(args[1]) if len(args) > 1 else 3)
    elif args and args[0] == "perf":
        perf(int(args[1]) if len(args) > 1 else 5)
    else:
        runs(int(args[0]) if args else 5)


if __name__ == "__main__":
    main()
