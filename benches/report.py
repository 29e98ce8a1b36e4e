#!/usr/bin/env python3
"""Print the criterion medians of the last `cargo bench` run as the
markdown table BENCHMARKS.md keeps: ns per operation for every runtime, and
uniloop's ratio to the faster of the two tokio columns.

Usage: python3 benches/report.py [GROUP ...]   (default: every group found)
"""
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent / "target" / "criterion"
COLUMNS = ["uniloop", "tokio_local", "tokio_current_thread", "async_executor",
           "futures_local_pool"]


def median_ns_per_op(bench_dir):
    estimates = json.loads((bench_dir / "new" / "estimates.json").read_text())
    meta = json.loads((bench_dir / "new" / "benchmark.json").read_text())
    elements = (meta.get("throughput") or {}).get("Elements", 1)
    return estimates["median"]["point_estimate"] / elements


def main():
    groups = sys.argv[1:] or sorted(p.name for p in ROOT.iterdir()
                                    if p.is_dir() and p.name != "report")
    print("| bench | " + " | ".join(COLUMNS) + " | uniloop ÷ tokio |")
    print("|---" * (len(COLUMNS) + 2) + "|")
    for group in groups:
        cells, values = [], {}
        for column in COLUMNS:
            bench_dir = ROOT / group / column
            if (bench_dir / "new" / "estimates.json").exists():
                values[column] = median_ns_per_op(bench_dir)
                cells.append(f"{values[column]:.1f}")
            else:
                cells.append("–")
        tokio = [values[c] for c in ("tokio_local", "tokio_current_thread") if c in values]
        ratio = f"{values['uniloop'] / min(tokio):.2f}" if tokio and "uniloop" in values else "–"
        print(f"| {group} | " + " | ".join(cells) + f" | {ratio} |")


if __name__ == "__main__":
    main()
