"""tools/measure_flake: flake rates, and what the tracer and the noise cost, for every lesson.

For each lesson, through `tools/flake`'s own builds and runs (flake.py):

- the reference solution's `:solution_trace`, RUNS times under seeded scheduling noise, plain
  and under ThreadSanitizer: it must pass every run;
- the cost: the median time of one run of the whole test program, plain and under tsan, of
  `:solution_test` (no tracer), of `:solution_trace` without noise, and with it;
- each mutant that only a sanitizer rejects (`sanitizer_only_mutants` in the lesson's BUILD
  file: its mistake may pass every assertion), MUTANT_RUNS times plain without noise, plain
  under noise and under tsan with noise: how often each run fails.

The table goes to docs/flake.md with the commit, the machine and the command. Runs with
failures keep their logs and traces (the report says where).

    tools/measure_flake                              every lesson, 100 runs each
    tools/measure_flake --lessons 05,07 --runs 20 --out /tmp/flake.md
"""

import argparse
import datetime
import os
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from threadkata import arguments, flake, lessons, revision, timeline

ROOT = timeline.ROOT
CONFIGS = ("default", "tsan")
SANITIZER_ONLY = 'attr("target_compatible_with", "never_satisfied", //tests/...)'
MUTANT_LABEL = re.compile(r"^//tests/([0-9]{2}_[a-z0-9_]+):mutant_([a-z0-9_]+)_rejected$")


@dataclass
class Runs:
    """RUNS of one binary: how many passed, their median time, the failed tests' seeds."""

    runs: int
    passed: int
    median_s: float
    failures: dict = field(default_factory=dict)

    @property
    def failed(self):
        return self.runs - self.passed


def measure(binary, seeds, work, jobs, keep_failures=True):
    """Runs BINARY once per seed (None: no noise); the logs of failing runs stay in WORK when
    KEEP_FAILURES (a mutant's are expected and not kept)."""
    results, _ = flake.run_many(binary, seeds, work, None, jobs)
    failures = {}
    for seed, (passed, failed, _, log, trace) in results:
        if passed or not keep_failures:
            log.unlink(missing_ok=True)
            trace.unlink(missing_ok=True)
        for test in failed:
            failures.setdefault(test, []).append(seed)
    return Runs(
        runs=len(results),
        passed=sum(1 for _, result in results if result[0]),
        median_s=statistics.median(result[2] for _, result in results),
        failures=failures,
    )


def sanitizer_only_mutants(bazel, folders):
    """{folder: [mutant names]} of the mutants only a sanitizer rejects, from Bazel itself."""
    found = {}
    for label in bazel.query(SANITIZER_ONLY):
        match = MUTANT_LABEL.match(label)
        if match and match.group(1) in folders:
            found.setdefault(match.group(1), []).append(match.group(2))
    return {folder: sorted(names) for folder, names in found.items()}


def seconds(value):
    return f"{value:.2f} s"


def failed_tests(runs):
    return "; ".join(f"{test} ×{len(seeds)}" for test, seeds in sorted(runs.failures.items()))


def report(args, results, mutants, work, started, loads):
    commit = revision.describe(ROOT, ["solutions", "tests", "katas", "tools"])
    lines = [
        "# Flake rates and the cost of the tracer and the noise",
        "",
        f"`{' '.join(['tools/measure_flake', *args])}` on {commit}"
        + f", {started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, load average "
        f"{loads[0]:.1f} at the start and {loads[1]:.1f} at the end.",
        "",
        "Scheduling noise: random yields and short sleeps at thread start, lock, unlock, wait and "
        "notify (`tests/support/trace`), a new seed per run. Each run is the whole test program "
        "of the lesson, run directly (not through Bazel).",
        "",
        "## The reference solutions under noise",
        "",
        "| lesson | plain | tsan | failed tests (×runs) |",
        "|---|---|---|---|",
    ]
    for folder, by_config in results.items():
        plain, tsan = by_config["default"]["noise"], by_config["tsan"]["noise"]
        failed = "; ".join(filter(None, (failed_tests(plain), failed_tests(tsan))))
        lines.append(
            f"| {folder} | passed {plain.passed} of {plain.runs} "
            f"| passed {tsan.passed} of {tsan.runs} | {failed or 'none'} |"
        )
    lines += [
        "",
        "## What the tracer and the noise cost",
        "",
        "Median time of one run of the lesson's whole test program (the suite's time is the sum).",
        "",
        "| lesson | plain | plain, tracer | plain, tracer + noise "
        "| tsan | tsan, tracer | tsan, tracer + noise |",
        "|---|---|---|---|---|---|---|",
    ]
    totals = [0.0] * 6
    for folder, by_config in results.items():
        cells = [
            by_config[config][kind].median_s
            for config in CONFIGS
            for kind in ("bare", "quiet", "noise")
        ]
        totals = [t + c for t, c in zip(totals, cells)]
        lines.append(f"| {folder} | " + " | ".join(seconds(c) for c in cells) + " |")
    lines.append("| **sum** | " + " | ".join(f"**{seconds(t)}**" for t in totals) + " |")
    lines += [
        "",
        "## Mutants that only a sanitizer rejects",
        "",
        "Runs of each that failed (a run fails when a test fails, a race is reported or the "
        "program dies).",
        "",
        "| lesson | mutant | plain | plain + noise | tsan + noise |",
        "|---|---|---|---|---|",
    ]
    for (folder, mutant), by_kind in mutants.items():
        cells = [by_kind[kind] for kind in ("plain", "plain_noise", "tsan_noise")]
        lines.append(
            f"| {folder} | `{mutant}` | "
            + " | ".join(f"failed {c.failed} of {c.runs}" for c in cells)
            + " |"
        )
    if not mutants:
        lines.append("| | (none in these lessons) | | | |")
    with os.scandir(work) as entries:
        kept = any(entries)
    lines += [
        "",
        (
            f"Logs and traces of the failing runs were kept in `{work}` on the machine that ran it."
            if kept
            else "No failing run's log was kept: none was needed."
        ),
        "",
    ]
    return "\n".join(lines)


def main(argv):
    parser = argparse.ArgumentParser(
        prog="tools/measure_flake",
        description="Flake rates of every lesson's reference solution and sanitizer-only "
        "mutants under scheduling noise, and the cost of the tracer and the noise.",
    )
    parser.add_argument("--lessons", metavar="IDS", help="e.g. 05,07 (default: every lesson)")
    parser.add_argument("--runs", type=arguments.positive_int, default=100, metavar="N")
    parser.add_argument("--tsan-runs", type=arguments.positive_int, metavar="N", help="(--runs)")
    parser.add_argument("--mutant-runs", type=arguments.positive_int, default=20, metavar="N")
    parser.add_argument("--cost-runs", type=arguments.positive_int, default=5, metavar="N")
    parser.add_argument("--jobs", type=arguments.positive_int, default=2, help="runs at once")
    parser.add_argument("--out", default=str(ROOT / "docs" / "flake.md"), metavar="FILE")
    args = parser.parse_args(argv)
    try:
        ids = args.lessons.split(",") if args.lessons else []
        chosen = lessons.select(lessons.load(ROOT), ids)
    except (lessons.ManifestError, ValueError) as error:
        parser.error(str(error))
    runs = {"default": args.runs, "tsan": args.tsan_runs or args.runs}

    started, load_start = datetime.datetime.utcnow(), os.getloadavg()[0]
    bazel = timeline.tracing_bazel()
    work = Path(tempfile.mkdtemp(prefix="threadkata-measure-flake-"))
    results = {}
    for lesson in chosen:
        folder = lesson.folder
        results[folder] = {}
        for config in CONFIGS:
            bare = flake.build(bazel, folder, "solution_test", config)
            traced = flake.build(bazel, folder, "solution_trace", config)
            quiet = [None] * args.cost_runs
            results[folder][config] = {
                "bare": measure(bare, quiet, work, 1),
                "quiet": measure(traced, quiet, work, 1),
                "noise": measure(traced, flake.fresh_seeds(runs[config]), work, args.jobs),
            }
            noisy = results[folder][config]["noise"]
            print(
                f"{folder} {config}: passed {noisy.passed} of {noisy.runs} under noise "
                f"({time.strftime('%H:%M:%S')})",
                flush=True,
            )

    mutants = {}
    folders = [lesson.folder for lesson in chosen]
    for folder, names in sanitizer_only_mutants(bazel, folders).items():
        for mutant in names:
            target = f"mutant_{mutant}_trace"
            plain = flake.build(bazel, folder, target, "default")
            tsan = flake.build(bazel, folder, target, "tsan")
            count = args.mutant_runs
            mutants[(folder, mutant)] = {
                "plain": measure(plain, [None] * count, work, args.jobs, False),
                "plain_noise": measure(plain, flake.fresh_seeds(count), work, args.jobs, False),
                "tsan_noise": measure(tsan, flake.fresh_seeds(count), work, args.jobs, False),
            }
            print(f"{folder} {mutant}: done ({time.strftime('%H:%M:%S')})", flush=True)

    text = report(argv, results, mutants, work, started, (load_start, os.getloadavg()[0]))
    Path(args.out).write_text(text)
    print(f"wrote {args.out}")
    failed = [f for f, by in results.items() if any(by[c]["noise"].failed for c in CONFIGS)]
    if failed:
        print(f"the reference solution failed a run in: {', '.join(failed)} (logs: {work})")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
