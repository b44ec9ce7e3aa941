#!/usr/bin/env python3
"""Renders bench's JSON (Google Benchmark --benchmark_out) into docs/: a Markdown table of every
number with the machine it came from, and a bar chart of the cost per task (gnuplot PNG).

Usage: bench/render.py BENCHMARKS_JSON OUT_DIR
"""

import json
import os
import re
import subprocess
import sys

RUNNERS = [
    ("thread_per_task", "a thread per task"),
    ("std_async", "std::async"),
    ("executor", "lesson-09 Executor"),
    ("tbb_task_group", "oneTBB task_group"),
    ("asio_thread_pool", "asio::thread_pool"),
]
SIZES = [("tiny", "tiny (empty)"), ("short", "short (~1 us)"), ("medium", "medium (~100 us)")]
LATENCIES = [
    ("latency/join_for_overshoot", "`join_for(1 ms)` overshoot (returned - timeout), lesson 07"),
    (
        "latency/daemon_stop",
        "daemon stop latency (`stop()` during the wait -> thread ended), lesson 10",
    ),
]


def results(data):
    """run_name -> the run to report: the median of the repetitions, or the single run."""
    chosen = {}
    for b in data["benchmarks"]:
        name = re.sub(r"(/(iterations|repeats):\d+|/real_time)+$", "", b.get("run_name", b["name"]))
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                chosen[name] = b
        else:
            chosen.setdefault(name, b)
    return chosen


def ns(b):
    scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[b["time_unit"]]
    return b["real_time"] * scale


def per_task_ns(b):
    return 1e9 / b["items_per_second"]


def fmt_ns(value):
    if value >= 1e6:
        return f"{value / 1e6:.2f} ms"
    if value >= 1e3:
        return f"{value / 1e3:.1f} us"
    return f"{value:.0f} ns"


def fmt_us(value):
    return f"{value / 1e3:.2f} ms" if value >= 1e3 else f"{value:.0f} us"


def main(json_path, out_dir):
    with open(json_path) as f:
        data = json.load(f)
    context = data["context"]
    runs = results(data)
    cost = {
        (runner, size): per_task_ns(runs[f"task_cost/{runner}/{size}"])
        for runner, _ in RUNNERS
        for size, _ in SIZES
        if f"task_cost/{runner}/{size}" in runs
    }
    runners = [(r, label) for r, label in RUNNERS if (r, "tiny") in cost]

    lines = [
        "# Benchmarks",
        "",
        "What the lessons claim about time, measured by `tools/bench` (sources in `bench/`, raw",
        "results in [benchmarks.json](benchmarks.json)). Every number comes from the one run",
        "described below; re-run `tools/bench` to measure your own machine.",
        "",
        "## The machine",
        "",
        f"- CPU: {context.get('cpu_model', '?')}, nproc {context.get('nproc', context['num_cpus'])}"
        f" ({context['mhz_per_cpu']} MHz)",
        f"- date: {context['date']}",
        "- load average at start: " + ", ".join(f"{x:.2f}" for x in context.get("load_avg", [])),
        "",
        "## Cost per task",
        "",
        f"Wall time per task: each benchmark iteration submits {context['tasks_per_batch']}"
        " tasks and waits",
        "for all of them; median of the repetitions. Pools are created once, outside the timed",
        f"loop, with one worker per core. ~1 us of CPU = {context['spin_iterations_per_us']}"
        " iterations of a",
        "calibrated loop.",
        "",
        "![cost per task](task_cost.png)",
        "",
        "| runner | "
        + " | ".join(label for _, label in SIZES)
        + " | tiny: x faster than a thread per task | tiny: x slower than the fastest |",
        "|---|" + "---:|" * (len(SIZES) + 2),
    ]
    baseline = cost.get(("thread_per_task", "tiny"))
    fastest = min(cost[(r, "tiny")] for r, _ in runners)
    for runner, label in runners:
        cells = [
            fmt_ns(cost[(runner, size)]) if (runner, size) in cost else "-" for size, _ in SIZES
        ]
        tiny = cost[(runner, "tiny")]
        cells.append(f"{baseline / tiny:.1f}x" if baseline else "-")
        cells.append(f"{tiny / fastest:.1f}x")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    if "thread/create_join" in runs:
        lines += [
            "",
            "## Creating a thread",
            "",
            "| what | time |",
            "|---|---:|",
            f"| `std::thread` create + join of an empty function | {fmt_ns(ns(runs['thread/create_join']))} |",
        ]

    measured = [(name, label) for name, label in LATENCIES if name in runs]
    if measured:
        lines += [
            "",
            "## Latency",
            "",
            "| what | samples | p50 | p99 | max |",
            "|---|---:|---:|---:|---:|",
        ]
        for name, label in measured:
            b = runs[name]
            lines.append(
                f"| {label} | {int(b['samples'])} | {fmt_us(b['p50_us'])} | {fmt_us(b['p99_us'])}"
                f" | {fmt_us(b['max_us'])} |"
            )
    missing = [label for name, label in LATENCIES if name not in runs]
    if missing:
        lines += ["", "Not measured in this run: " + "; ".join(missing) + "."]

    with open(os.path.join(out_dir, "benchmarks.md"), "w") as f:
        f.write("\n".join(lines) + "\n")

    dat = os.path.join(out_dir, "task_cost.dat")
    with open(dat, "w") as f:
        f.write("size " + " ".join(f'"{label}"' for _, label in runners) + "\n")
        for size, size_label in SIZES:
            f.write(
                f'"{size_label}" '
                + " ".join(str(cost.get((r, size), "NaN")) for r, _ in runners)
                + "\n"
            )
    try:
        subprocess.run(
            [
                "gnuplot",
                "-e",
                f"data='{dat}'; out='{os.path.join(out_dir, 'task_cost.png')}';"
                f" columns={len(runners) + 1}",
                os.path.join(os.path.dirname(os.path.abspath(__file__)), "task_cost.gp"),
            ],
            check=True,
        )
    finally:
        os.remove(dat)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
