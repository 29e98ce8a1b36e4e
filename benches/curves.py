#!/usr/bin/env python3
"""Cost curves: run benches/curves.rs at every size on every runtime, print
the markdown tables BENCHMARKS.md keeps, and draw the plots.

For each workload (spawn, sleep, event, timeout, tcp) and each number of
live items n, every runtime runs in a fresh process (`curves <runtime>
<workload> <n>`), `--runs` times (`--big-runs` at n >= 10^6), the runtimes'
order rotated between repetitions; the medians of CPU ns per item and of
peak-RSS bytes per item are kept. Raw samples go to
$CARGO_TARGET_DIR/curves/results.json (or target/curves/), the tables to
stdout, the plots to benches/curves-time.svg and benches/curves-memory.svg.

tcp holds two file descriptors' worth per connection only on the server
side (the clients are a child process), so n is capped by RLIMIT_NOFILE's
hard limit: sizes above it are replaced by the largest multiple of 1 000
that fits, and the script says so.

Usage:
  taskset -c 0 python3 benches/curves.py            # build, run, tables, plots
  python3 benches/curves.py --runs 5 --workloads spawn,event
  python3 benches/curves.py --from-json PATH         # tables and plots only
"""
import argparse
import json
import os
import pathlib
import resource
import statistics
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
TARGET = pathlib.Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
OUT = TARGET / "curves"
RUNTIMES = ["uniloop", "tokio_local", "monoio_legacy", "monoio_uring", "async_executor"]
WORKLOADS = ["spawn", "sleep", "event", "timeout", "tcp"]
SIZES = [1_000, 10_000, 100_000, 1_000_000]
TCP_SIZES = [1_000, 10_000, 50_000]
COLORS = {"uniloop": "#d62728", "tokio_local": "#1f77b4", "monoio_legacy": "#2ca02c",
          "monoio_uring": "#98df8a", "async_executor": "#9467bd"}
SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
TITLES = {
    "spawn": "spawn: spawn n tasks, await them",
    "sleep": "sleep: n tasks sleep to distinct deadlines",
    "event": "event: n tasks wait on one event, released",
    "timeout": "timeout: event, each under its own timeout",
    "tcp": "tcp: n idle connections, one request each",
}


def build():
    """Build the curves bench; the binary's path."""
    out = subprocess.run(
        ["cargo", "bench", "-p", "uniloop-benches", "--bench", "curves", "--no-run",
         "--message-format=json"],
        cwd=ROOT, check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        msg = json.loads(line)
        if msg.get("reason") == "compiler-artifact" and msg.get("executable") \
                and msg["target"]["name"] == "curves":
            return msg["executable"]
    sys.exit("no executable for the curves bench")


def tcp_sizes(sizes):
    """`sizes`, those over what RLIMIT_NOFILE's hard limit allows replaced
    by the largest multiple of 1 000 that fits."""
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard == resource.RLIM_INFINITY:
        return sizes
    cap = (hard - 200) // 1000 * 1000
    fitted = sorted({min(n, cap) for n in sizes})
    if fitted != sorted(sizes):
        print(f"tcp: RLIMIT_NOFILE's hard limit is {hard}: sizes above {cap} run at {cap}",
              file=sys.stderr)
    return fitted


def run_one(binary, runtime, workload, n):
    """One process; its JSON line as a dict (None if it failed or skipped)."""
    proc = subprocess.run([binary, runtime, workload, str(n)], capture_output=True, text=True,
                          timeout=600)
    if proc.returncode != 0:
        print(f"  {runtime} {workload} {n}: failed ({proc.returncode}): "
              f"{proc.stderr.strip().splitlines()[-1:] }", file=sys.stderr)
        return None
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if "skipped" in result:
        print(f"  {runtime}: skipped: {result['skipped']}", file=sys.stderr)
        return None
    return result


def run_all(binary, args):
    samples = {}
    for workload in args.workloads:
        sizes = tcp_sizes(TCP_SIZES) if workload == "tcp" else args.sizes
        for n in sizes:
            runs = args.big_runs if n >= 1_000_000 else args.runs
            for rep in range(runs):
                order = args.runtimes[rep % len(args.runtimes):] + \
                    args.runtimes[:rep % len(args.runtimes)]
                for runtime in order:
                    result = run_one(binary, runtime, workload, n)
                    if result:
                        samples.setdefault(workload, {}).setdefault(runtime, {}) \
                            .setdefault(str(n), []).append(result)
            print(f"{workload} n={n}: done", file=sys.stderr)
    return samples


def medians(samples):
    """{workload: {runtime: {n: (ns, bytes)}}}, medians over the runs."""
    table = {}
    for workload, by_runtime in samples.items():
        for runtime, by_n in by_runtime.items():
            for n, runs in by_n.items():
                ns = statistics.median(r["cpu_ns_per_item"] for r in runs)
                rss = statistics.median(r["rss_bytes_per_item"] for r in runs)
                table.setdefault(workload, {}).setdefault(runtime, {})[int(n)] = (ns, rss)
    return table


def fmt(x):
    return f"{x:,.0f}" if x >= 100 else f"{x:.1f}"


def print_tables(table):
    for workload in WORKLOADS:
        if workload not in table:
            continue
        by_runtime = table[workload]
        runtimes = [r for r in RUNTIMES if r in by_runtime]
        sizes = sorted({n for r in runtimes for n in by_runtime[r]})
        for metric, label in ((0, "CPU ns per item"), (1, "peak-RSS bytes per item")):
            print(f"\n{workload}: {label}\n")
            print("| n | " + " | ".join(runtimes) + " | uniloop ÷ best peer |")
            print("|---" * (len(runtimes) + 2) + "|")
            for n in sizes:
                values = {r: by_runtime[r][n][metric] for r in runtimes if n in by_runtime[r]}
                cells = [fmt(values[r]) if r in values else "–" for r in runtimes]
                peers = {r: v for r, v in values.items() if r != "uniloop"}
                ratio = "–"
                if peers and "uniloop" in values:
                    best = min(peers, key=peers.get)
                    ratio = f"{values['uniloop'] / peers[best]:.2f} ({best})"
                print(f"| {n:,} | " + " | ".join(cells) + f" | {ratio} |")
            if "uniloop" in by_runtime and len(by_runtime["uniloop"]) > 1:
                ys = [by_runtime["uniloop"][n][metric] for n in sorted(by_runtime["uniloop"])]
                print(f"\nuniloop, largest ÷ smallest over n: {max(ys) / min(ys):.2f}")


def svg_panel(x0, y0, w, h, title, series, ylabel):
    """One log-log panel at (x0, y0): {runtime: [(n, value)]}."""
    import math
    points = [p for pts in series.values() for p in pts if p[1] > 0]
    if not points:
        return []
    xs = [math.log10(p[0]) for p in points]
    ys = [math.log10(p[1]) for p in points]
    xlo, xhi = math.floor(min(xs)), math.ceil(max(xs))
    ylo, yhi = math.floor(min(ys)), math.ceil(max(ys))
    xhi = max(xhi, xlo + 1)
    yhi = max(yhi, ylo + 1)
    left, bottom, top, right = 60, 40, 28, 12
    pw, ph = w - left - right, h - top - bottom

    def px(n):
        return x0 + left + (math.log10(n) - xlo) / (xhi - xlo) * pw

    def py(v):
        return y0 + top + ph - (math.log10(v) - ylo) / (yhi - ylo) * ph

    out = [f'<text x="{x0 + w / 2}" y="{y0 + 16}" text-anchor="middle" '
           f'font-size="13" font-weight="bold">{title}</text>',
           f'<rect x="{x0 + left}" y="{y0 + top}" width="{pw}" height="{ph}" '
           'fill="none" stroke="#888"/>']
    for e in range(ylo, yhi + 1):
        for m in (1, 2, 5):
            v = m * 10 ** e
            if 10 ** ylo <= v <= 10 ** yhi:
                y = py(v)
                out.append(f'<line x1="{x0 + left}" x2="{x0 + left + pw}" y1="{y:.1f}" '
                           f'y2="{y:.1f}" stroke="#ddd"/>')
                out.append(f'<text x="{x0 + left - 4}" y="{y + 4:.1f}" text-anchor="end" '
                           f'font-size="10">{fmt(v)}</text>')
    for e in range(xlo, xhi + 1):
        x = px(10 ** e)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y0 + top}" y2="{y0 + top + ph}" '
                   'stroke="#ddd"/>')
        out.append(f'<text x="{x:.1f}" y="{y0 + top + ph + 14}" text-anchor="middle" '
                   f'font-size="10">10{str(e).translate(SUPERSCRIPTS)}</text>')
    out.append(f'<text x="{x0 + left + pw / 2}" y="{y0 + h - 6}" text-anchor="middle" '
               'font-size="11">n (live items)</text>')
    out.append(f'<text x="{x0 + 14}" y="{y0 + top + ph / 2}" text-anchor="middle" '
               f'font-size="11" transform="rotate(-90 {x0 + 14} {y0 + top + ph / 2})">'
               f'{ylabel}</text>')
    for runtime, pts in series.items():
        pts = sorted(p for p in pts if p[1] > 0)
        if not pts:
            continue
        color = COLORS.get(runtime, "#000")
        width = 3 if runtime == "uniloop" else 1.5
        path = " ".join(f"{px(n):.1f},{py(v):.1f}" for n, v in pts)
        out.append(f'<polyline points="{path}" fill="none" stroke="{color}" '
                   f'stroke-width="{width}"/>')
        for n, v in pts:
            out.append(f'<circle cx="{px(n):.1f}" cy="{py(v):.1f}" r="2.5" fill="{color}"/>')
    return out


def write_svg(table, metric, ylabel, path):
    """One panel per workload, a legend, log-log axes."""
    w, h, cols = 380, 260, 3
    workloads = [wl for wl in WORKLOADS if wl in table]
    rows = (len(workloads) + 1 + cols - 1) // cols
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w * cols}" height="{h * rows}" '
             'font-family="sans-serif">', f'<rect width="100%" height="100%" fill="white"/>']
    for i, workload in enumerate(workloads):
        series = {r: [(n, v[metric]) for n, v in by_n.items()]
                  for r, by_n in table[workload].items()}
        parts += svg_panel((i % cols) * w, (i // cols) * h, w, h, TITLES[workload], series,
                           ylabel)
    # The legend, in the next free cell.
    i = len(workloads)
    lx, ly = (i % cols) * w + 70, (i // cols) * h + 50
    for k, runtime in enumerate(RUNTIMES):
        y = ly + k * 24
        width = 3 if runtime == "uniloop" else 1.5
        parts.append(f'<line x1="{lx}" x2="{lx + 30}" y1="{y}" y2="{y}" '
                     f'stroke="{COLORS[runtime]}" stroke-width="{width}"/>')
        parts.append(f'<text x="{lx + 38}" y="{y + 4}" font-size="13">{runtime}</text>')
    parts.append(f'<text x="{lx}" y="{ly + len(RUNTIMES) * 24 + 10}" font-size="11">'
                 f'{ylabel}; medians; log-log</text>')
    parts.append("</svg>")
    path.write_text("\n".join(parts) + "\n")
    print(f"wrote {path}", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="repetitions below n = 10^6")
    parser.add_argument("--big-runs", type=int, default=2, help="repetitions at n >= 10^6")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)),
                        help="n for every workload but tcp")
    parser.add_argument("--runtimes", default=",".join(RUNTIMES))
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument("--from-json", help="tables and plots from a results.json; no runs")
    parser.add_argument("--no-svg", action="store_true", help="tables only")
    args = parser.parse_args()
    args.sizes = [int(n) for n in args.sizes.split(",")]
    args.runtimes = args.runtimes.split(",")
    args.workloads = args.workloads.split(",")

    if args.from_json:
        samples = json.loads(pathlib.Path(args.from_json).read_text())
    else:
        binary = build()
        samples = run_all(binary, args)
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / "results.json").write_text(json.dumps(samples, indent=1) + "\n")
        print(f"raw samples: {OUT / 'results.json'}", file=sys.stderr)
    table = medians(samples)
    print_tables(table)
    if not args.no_svg:
        here = pathlib.Path(__file__).resolve().parent
        write_svg(table, 0, "CPU ns per item", here / "curves-time.svg")
        write_svg(table, 1, "peak-RSS bytes per item", here / "curves-memory.svg")


if __name__ == "__main__":
    main()
