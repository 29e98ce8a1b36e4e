#!/usr/bin/env python3
"""Before/after: run the uniloop column of some benches from two builds,
alternating, on the same machine in the same session, and print the
medians side by side (ns per operation, as benches/report.py).

The "before" build is a git revision, checked out into a worktree under
/tmp with its own target directory; the "after" build is this working
tree, or another revision with --head. Each bench binary is built once per side; then the runs alternate
(before, after, before, ...) so that a change in the machine's load hits
both sides alike.

Usage:
  python3 benches/ab.py --base REV [--head REV] [--runs 5] [--measure 3]
         BENCH:FILTER [BENCH:FILTER ...]

BENCH is a `benches/*.rs` target; FILTER a criterion filter (a regex over
`group/function`), for example `runtime:/uniloop$` or
`channel:channel_ping_pong/uniloop$`.
"""
import argparse
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent


def checkout(revision):
    """A worktree of `revision` under /tmp (made once); its short hash."""
    rev = subprocess.run(["git", "rev-parse", "--short", revision], cwd=ROOT,
                         check=True, capture_output=True, text=True).stdout.strip()
    tree = pathlib.Path(tempfile.gettempdir()) / f"uniloop-ab-{rev}"
    if not tree.exists():
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), rev],
                       cwd=ROOT, check=True, capture_output=True)
    return rev


def build(tree, target, bench):
    """Build one bench binary in `tree` with `target` as its target dir;
    the binary's path."""
    env = dict(os.environ, CARGO_TARGET_DIR=str(target))
    out = subprocess.run(
        ["cargo", "bench", "--no-run", "--bench", bench, "--message-format=json"],
        cwd=tree, env=env, check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        msg = json.loads(line)
        if msg.get("reason") == "compiler-artifact" and msg.get("executable") \
                and msg["target"]["name"] == bench:
            return msg["executable"]
    sys.exit(f"no executable for bench {bench} in {tree}")


def run(binary, filt, measure, scratch):
    """Run the benches of `binary` that match `filt`; {id: ns per op}."""
    if scratch.exists():
        shutil.rmtree(scratch)
    env = dict(os.environ, CARGO_TARGET_DIR=str(scratch))
    subprocess.run([binary, "--bench", filt, "--warm-up-time", "1",
                    "--measurement-time", str(measure), "--noplot"],
                   env=env, check=True, capture_output=True)
    results = {}
    for est in (scratch / "criterion").rglob("new/estimates.json"):
        bench_dir = est.parent.parent
        meta = json.loads((est.parent / "benchmark.json").read_text())
        elements = (meta.get("throughput") or {}).get("Elements", 1)
        median = json.loads(est.read_text())["median"]["point_estimate"]
        results[meta["full_id"]] = median / elements
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the 'before' revision")
    parser.add_argument("--head", help="the 'after' revision (default: this working tree)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--measure", type=int, default=3,
                        help="criterion measurement time per bench, s")
    parser.add_argument("benches", nargs="+", metavar="BENCH:FILTER")
    args = parser.parse_args()

    rev = checkout(args.base)
    base_tree = pathlib.Path(tempfile.gettempdir()) / f"uniloop-ab-{rev}"
    sides = {"before": (base_tree, base_tree / "target")}
    if args.head:
        head_tree = pathlib.Path(tempfile.gettempdir()) / f"uniloop-ab-{checkout(args.head)}"
        sides["after"] = (head_tree, head_tree / "target")
    else:
        sides["after"] = (ROOT, pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")))
    scratch = pathlib.Path(tempfile.gettempdir()) / "uniloop-ab-criterion"

    for spec in args.benches:
        bench, _, filt = spec.partition(":")
        binaries = {side: build(tree, target, bench) for side, (tree, target) in sides.items()}
        samples = {side: {} for side in sides}
        for _ in range(args.runs):
            for side in sides:
                for bench_id, ns in run(binaries[side], filt, args.measure, scratch).items():
                    samples[side].setdefault(bench_id, []).append(ns)
        print(f"\n{bench} ({filt}), before = {rev}, {args.runs} alternating runs, "
              "ns per operation (median of the runs; the runs)")
        print("| bench | before | after | after ÷ before |")
        print("|---|---|---|---|")
        for bench_id in sorted(samples["after"]):
            before = samples["before"].get(bench_id)
            after = samples["after"][bench_id]
            if not before:
                continue
            b, a = statistics.median(before), statistics.median(after)
            runs = lambda xs: ", ".join(f"{x:.1f}" for x in xs)
            print(f"| {bench_id} | {b:.1f} ({runs(before)}) | {a:.1f} ({runs(after)}) "
                  f"| {a / b:.3f} |")


if __name__ == "__main__":
    main()
