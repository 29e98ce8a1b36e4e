#!/usr/bin/env python3
"""examples/mini_redis against redis-server, both driven by redis-benchmark.

    python3 benches/mini_redis_vs_redis.py [RUNS]      # default 3 runs each
    python3 benches/mini_redis_vs_redis.py syscalls    # strace -c, pipeline 1

Needs Debian's `redis-server` and `redis-tools`. Builds the example
(`cargo build --release --example mini_redis`, honouring
CARGO_TARGET_DIR), then for each load

- pipeline 1:  redis-benchmark -t ping,set,get -c 50 -q -n 200000
- pipeline 16: redis-benchmark -t ping,set,get -c 50 -q -n 2000000 -P 16

runs the two servers alternately, RUNS times each, the server pinned to
core SERVER_CPU (default 0) and redis-benchmark to CLIENT_CPU (default 1).
redis-server runs as `redis-server --port P --save "" --appendonly no`
(one I/O thread, its default). For each run it reports the requests per
second of each test (PING_INLINE, PING_MBULK, SET, GET), and the server's
CPU time per request: the growth of the first field of
/proc/PID/task/*/schedstat (ns on a CPU, every thread) over the run,
divided by the run's requests (4 tests x -n); and the server's RSS
(VmRSS) sampled every second during the run (the soak: it must stay flat
once warm). It prints every run, then the medians and mini_redis /
redis-server.

`syscalls` attaches `strace -c -f` to each server in turn for a bounded
run at pipeline 1 (-n 20000) and at pipeline 16 (-n 200000), and prints
its system calls per request.
"""
import json
import os
import pathlib
import re
import socket
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
SERVER_CPU = os.environ.get("SERVER_CPU", "0")
CLIENT_CPU = os.environ.get("CLIENT_CPU", "1")
TESTS = ["PING_INLINE", "PING_MBULK", "SET", "GET"]
LOADS = {
    "pipeline 1": ["-n", "200000"],
    "pipeline 16": ["-n", "2000000", "-P", "16"],
}
RESULT = re.compile(r"^(\w+): ([\d.]+) requests per second")


def mini_redis_binary():
    out = subprocess.run(
        ["cargo", "build", "--release", "--example", "mini_redis", "--message-format=json"],
        cwd=ROOT, check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        message = json.loads(line)
        if message.get("target", {}).get("name") == "mini_redis" and message.get("executable"):
            return message["executable"]
    sys.exit("mini_redis_vs_redis: no mini_redis executable")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(server, port, mini):
    if server == "mini_redis":
        argv = [mini, "--port", str(port)]
    else:
        argv = ["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--daemonize", "no"]
    proc = subprocess.Popen(["taskset", "-c", SERVER_CPU] + argv,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(500):
        try:
            socket.create_connection(("127.0.0.1", port)).close()
            return proc
        except OSError:
            time.sleep(0.01)
    proc.kill()
    sys.exit(f"{server} did not start")


def cpu_ns(pid):
    total = 0
    for task in pathlib.Path(f"/proc/{pid}/task").iterdir():
        total += int((task / "schedstat").read_text().split()[0])
    return total


def rss_kib(pid):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def bench(port, load, pid):
    """redis-benchmark's requests/s per test, and the server's RSS (KiB)
    sampled every second meanwhile."""
    argv = ["taskset", "-c", CLIENT_CPU, "redis-benchmark", "-p", str(port),
            "-t", "ping,set,get", "-c", "50", "-q"] + LOADS[load]
    client = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    rss = []
    while client.poll() is None:
        rss.append(rss_kib(pid))
        try:
            client.wait(timeout=1)
        except subprocess.TimeoutExpired:
            pass
    out = client.stdout.read()
    if client.returncode != 0:
        sys.exit(f"redis-benchmark failed: {out!r}")
    rps = {}
    for line in re.split(r"[\r\n]", out):
        m = RESULT.match(line.strip())
        if m:
            rps[m.group(1)] = float(m.group(2))
    if sorted(rps) != sorted(TESTS):
        sys.exit(f"redis-benchmark said: {out!r}")
    return rps, rss


def one_run(server, load, mini):
    port = free_port()
    proc = start(server, port, mini)
    try:
        before = cpu_ns(proc.pid)
        rps, rss = bench(port, load, proc.pid)
        used = cpu_ns(proc.pid) - before
    finally:
        proc.terminate()
        proc.wait()
    n = int(LOADS[load][1])
    return rps, used / (n * len(TESTS)), rss


def runs(count):
    mini = mini_redis_binary()
    print(f"server on core {SERVER_CPU}, redis-benchmark on core {CLIENT_CPU}, {count} runs each")
    results = {}
    for load in LOADS:
        for i in range(count):
            for server in ("redis-server", "mini_redis") if i % 2 == 0 else ("mini_redis", "redis-server"):
                rps, ns, rss = one_run(server, load, mini)
                results.setdefault((load, server), []).append((rps, ns))
                figures = " ".join(f"{t} {rps[t]:.0f}" for t in TESTS)
                samples = " ".join(f"{kib / 1024:.1f}" for kib in rss)
                print(f"{load:12} {server:13} run {i + 1}: {figures} req/s; server CPU {ns:.0f} ns/req; "
                      f"RSS MiB each second: {samples}", flush=True)
    print()
    print("| load | server | " + " | ".join(f"{t} req/s" for t in TESTS) + " | server CPU ns/req |")
    print("|---|---|" + "---|" * (len(TESTS) + 1))
    for load in LOADS:
        medians = {}
        for server in ("redis-server", "mini_redis"):
            rows = results[(load, server)]
            rps = {t: statistics.median(r[t] for r, _ in rows) for t in TESTS}
            ns = statistics.median(ns for _, ns in rows)
            medians[server] = (rps, ns)
            print(f"| {load} | {server} | " + " | ".join(f"{rps[t]:.0f}" for t in TESTS)
                  + f" | {ns:.0f} |")
        (r_rps, r_ns), (m_rps, m_ns) = medians["redis-server"], medians["mini_redis"]
        print(f"| {load} | mini ÷ redis | " + " | ".join(f"{m_rps[t] / r_rps[t]:.2f}" for t in TESTS)
              + f" | {m_ns / r_ns:.2f} |")


def syscalls():
    mini = mini_redis_binary()
    for pipeline, n in ((1, 20000), (16, 200000)):
        for server in ("redis-server", "mini_redis"):
            trace(server, mini, pipeline, n)


def trace(server, mini, pipeline, n):
    """Count the system calls of `server` under one redis-benchmark run."""
    port = free_port()
    proc = start(server, port, mini)
    log = pathlib.Path(f"/tmp/strace-{server}.txt")
    tracer = subprocess.Popen(["strace", "-c", "-f", "-o", str(log), "-p", str(proc.pid)],
                              stderr=subprocess.DEVNULL)
    time.sleep(0.5)  # let strace attach
    subprocess.run(["taskset", "-c", CLIENT_CPU, "redis-benchmark", "-p", str(port),
                    "-t", "ping,set,get", "-c", "50", "-q", "-n", str(n), "-P", str(pipeline)],
                   check=True, capture_output=True, timeout=600)
    tracer.terminate()
    tracer.wait()
    proc.terminate()
    proc.wait()
    requests = n * len(TESTS)
    print(f"{server}: system calls per request over {requests} requests (-P {pipeline}, -c 50)")
    for line in log.read_text().splitlines():
        fields = line.split()
        if len(fields) >= 5 and fields[-1] != "total" and fields[3].isdigit():
            calls, errors = int(fields[3]), 0
            if len(fields) == 6:
                errors = int(fields[4])
            print(f"  {fields[-1]:16} {calls / requests:6.3f}" + (f"  ({errors / requests:.3f} failed)" if errors else ""))
        elif fields and fields[-1] == "total":
            calls = int(fields[3])  # % time, seconds, usecs/call, calls
            print(f"  {'total':16} {calls / requests:6.3f}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["syscalls"]:
        syscalls()
    else:
        runs(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
