#!/usr/bin/env python3
"""examples/mini_redis against redis-server, both driven by redis-benchmark.

    python3 benches/mini_redis_vs_redis.py [RUNS]      # default 3 runs each
    python3 benches/mini_redis_vs_redis.py syscalls    # strace -c, pipeline 1
    python3 benches/mini_redis_vs_redis.py per_core [RUNS]

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

`per_core` measures the same way, with the same loads, three servers in
turn: examples/per_core at 2 loops (`--loops 2`), redis-server with two
I/O threads (`--io-threads 2 --io-threads-do-reads yes`, the rest as
above), and for reference mini_redis (one loop) and redis-server with
its default single I/O thread. Nothing is pinned, not
the servers, not redis-benchmark: on a 2-core machine two server threads
and the load generator cannot have cores of their own, so all three
servers share both cores with redis-benchmark alike (PER_CORE_CPUS, e.g.
"0,1", pins the servers and leaves redis-benchmark unpinned instead).
The order of the servers rotates from run to run.
"""
import json
import os
import pathlib
import re
import socket
import statistics
import subprocess
import sys
import threading
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


def example_binary(name="mini_redis"):
    out = subprocess.run(
        ["cargo", "build", "--release", "--example", name, "--message-format=json"],
        cwd=ROOT, check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        message = json.loads(line)
        if message.get("target", {}).get("name") == name and message.get("executable"):
            return message["executable"]
    sys.exit(f"mini_redis_vs_redis: no {name} executable")


def mini_redis_binary():
    return example_binary("mini_redis")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


REDIS = ["redis-server", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--daemonize", "no"]
# The servers of `per_core`, by name: their command line, with the port.
PER_CORE_SERVERS = {
    "per_core --loops 2": lambda bins, port: [bins["per_core"], "--port", str(port), "--loops", "2"],
    "redis-server io-threads 2": lambda bins, port: REDIS + [
        "--port", str(port), "--io-threads", "2", "--io-threads-do-reads", "yes"],
    "mini_redis": lambda bins, port: [bins["mini_redis"], "--port", str(port)],
    "redis-server": lambda bins, port: REDIS + ["--port", str(port)],
}


def start(server, port, mini, cpus=SERVER_CPU):
    """Start `server` (a name, with `mini` the mini_redis binary; or an
    argv) on `port`, pinned to `cpus` unless it is None."""
    if isinstance(server, list):
        argv = server
    elif server == "mini_redis":
        argv = [mini, "--port", str(port)]
    else:
        argv = REDIS + ["--port", str(port)]
    pin = ["taskset", "-c", cpus] if cpus else []
    proc = subprocess.Popen(pin + argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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


def bench(port, load, pid, cpus=CLIENT_CPU):
    """redis-benchmark's requests/s per test, and the server's RSS (KiB)
    sampled every second meanwhile; redis-benchmark pinned to `cpus`
    unless it is None."""
    pin = ["taskset", "-c", cpus] if cpus else []
    argv = pin + ["redis-benchmark", "-p", str(port),
                  "-t", "ping,set,get", "-c", "50", "-q"] + LOADS[load]
    client = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    # Read as it comes: its progress lines (every 250 ms) would fill the
    # pipe over a slow run and block it.
    said = []
    reader = threading.Thread(target=lambda: said.append(client.stdout.read()))
    reader.start()
    rss = []
    while client.poll() is None:
        rss.append(rss_kib(pid))
        try:
            client.wait(timeout=1)
        except subprocess.TimeoutExpired:
            pass
    reader.join()
    out = said[0]
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


def per_core_run(server, load, bins, cpus):
    port = free_port()
    proc = start(PER_CORE_SERVERS[server](bins, port), port, None, cpus)
    try:
        before = cpu_ns(proc.pid)
        threads = len(list(pathlib.Path(f"/proc/{proc.pid}/task").iterdir()))
        rps, _ = bench(port, load, proc.pid, None)
        used = cpu_ns(proc.pid) - before
    finally:
        proc.terminate()
        proc.wait()
    n = int(LOADS[load][1])
    return rps, used / (n * len(TESTS)), threads


def per_core(count):
    bins = {name: example_binary(name) for name in ("per_core", "mini_redis")}
    cpus = os.environ.get("PER_CORE_CPUS")
    where = f"servers on cores {cpus}" if cpus else "servers unpinned"
    print(f"{where}, redis-benchmark unpinned, {os.cpu_count()} cores, {count} runs each")
    names = list(PER_CORE_SERVERS)
    results = {}
    for load in LOADS:
        for i in range(count):
            order = names[i % len(names):] + names[:i % len(names)]
            for server in order:
                load_avg = pathlib.Path("/proc/loadavg").read_text().split()[0]
                rps, ns, threads = per_core_run(server, load, bins, cpus)
                results.setdefault((load, server), []).append((rps, ns))
                figures = " ".join(f"{t} {rps[t]:.0f}" for t in TESTS)
                print(f"{load:12} {server:26} run {i + 1}: {figures} req/s; "
                      f"server CPU {ns:.0f} ns/req ({threads} threads; load average {load_avg} "
                      f"before)", flush=True)
    print()
    print("Medians, and [min-max] of the runs:")
    print("| load | server | " + " | ".join(f"{t} req/s" for t in TESTS) + " | server CPU ns/req |")
    print("|---|---|" + "---|" * (len(TESTS) + 1))
    for load in LOADS:
        medians = {}
        for server in names:
            rows = results[(load, server)]
            cells = []
            for t in TESTS:
                values = [r[t] for r, _ in rows]
                cells.append(f"{statistics.median(values):.0f} [{min(values):.0f}-{max(values):.0f}]")
            nss = [ns for _, ns in rows]
            medians[server] = ({t: statistics.median(r[t] for r, _ in rows) for t in TESTS},
                               statistics.median(nss))
            print(f"| {load} | {server} | " + " | ".join(cells)
                  + f" | {statistics.median(nss):.0f} [{min(nss):.0f}-{max(nss):.0f}] |")
        (p_rps, p_ns), (r_rps, r_ns) = medians[names[0]], medians[names[1]]
        print(f"| {load} | per_core ÷ redis io-threads | "
              + " | ".join(f"{p_rps[t] / r_rps[t]:.2f}" for t in TESTS) + f" | {p_ns / r_ns:.2f} |")


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
    elif sys.argv[1:2] == ["per_core"]:
        per_core(int(sys.argv[2]) if len(sys.argv) > 2 else 3)
    else:
        runs(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
