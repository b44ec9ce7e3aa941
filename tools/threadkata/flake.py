"""A flake rate, as a number: a lesson's tests run N times under seeded scheduling noise.

The `*_trace` test targets (tools/kata.bzl) link tests/support/trace, which, given
THREADKATA_NOISE_SEED, injects random yields and short sleeps at thread start, lock, unlock,
wait and notify. Each run gets its own seed; the seed, log and thread trace of every failing
run are kept, and `--seed S` runs that seed again (the noise repeats; the operating system's
own scheduling does not, so a replay fails often, not always).

    tools/flake 05 --repeat 50                  the learner's kata, 50 runs
    tools/flake 05 --repeat 100 --solution --config tsan
    tools/flake 05 --seed 1234                  one run with the noise of seed 1234
"""

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from threadkata import bazel as bazel_module
from threadkata import classify, timeline

RUN_TIMEOUT_S = 600
FAILED_TEST = re.compile(r"^\[  FAILED  \] (\S+\.\S+)", re.MULTILINE)


def build(bazel, folder, target, config):
    """Builds //tests/FOLDER:TARGET with BAZEL, the engine's; returns its executable."""
    label = f"//tests/{folder}:{target}"
    log = bazel.settings.cache_dir / "logs" / f"build-{target}-{config}.log"
    try:
        invocation = bazel.run("build", config, [label], log)
    except bazel_module.BazelError as error:
        raise SystemExit(f"tools/flake: {error}") from error
    run = invocation.runs[label]
    binaries = [p for p in run.outputs if Path(p).name == target and os.access(p, os.X_OK)]
    if not run.built or not binaries:
        for action in invocation.failed_actions:
            sys.stderr.write(action.stderr[-4000:])
        if run.failure:
            sys.stderr.write(run.failure + "\n")
        raise SystemExit(f"tools/flake: {label} does not build (above: why; all of it: {log})")
    return Path(binaries[0])


def run_once(binary, seed, work, test):
    """One run of the tests with the noise of `seed` (None: no noise).

    Returns (passed, the failed tests' names, seconds, log path, trace path)."""
    name = f"seed_{seed}" if seed is not None else f"run_{time.monotonic_ns()}"
    log, trace = work / f"{name}.log", work / f"{name}.trace.json"
    tmp = Path(tempfile.mkdtemp(dir=work))
    env = dict(os.environ, THREADKATA_TRACE=str(trace), TEST_TMPDIR=str(tmp))
    # A race must not end the run at once (ThreadSanitizer's exit skips the tracer's last write):
    # the test goes on, the trace shows it, and the program still exits non-zero at its end.
    env["TSAN_OPTIONS"] = ":".join(filter(None, [env.get("TSAN_OPTIONS"), "halt_on_error=0"]))
    if seed is not None:
        env["THREADKATA_NOISE_SEED"] = str(seed)
    runfiles = binary.with_name(binary.name + ".runfiles") / "threadkata"  # the workspace name
    command = [str(binary)]
    if test:
        command.append(f"--gtest_filter={timeline.test_filter(test)}")
    start = time.monotonic()
    with open(log, "w") as out:
        try:
            code = subprocess.run(
                command,
                cwd=runfiles if runfiles.is_dir() else timeline.ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=RUN_TIMEOUT_S,
            ).returncode
        except subprocess.TimeoutExpired:
            out.write(f"\ntools/flake: still running after {RUN_TIMEOUT_S} s: ended\n")
            code = -1
    seconds = time.monotonic() - start
    shutil.rmtree(tmp, ignore_errors=True)
    output = log.read_text(errors="replace")
    failed = sorted(
        set(FAILED_TEST.findall(output)) | {f"{r.test} (data race)" for r in classify.races(output)}
    )
    if code != 0 and not failed:
        failed = ["(the program crashed or was ended: see the log)"]
    return code == 0, failed, seconds, log, trace


def fresh_seeds(count):
    """COUNT consecutive seeds from a random start: each run's noise differs from every other."""
    first = random.SystemRandom().randrange(1, 1_000_000_000)
    return list(range(first, first + count))


def run_many(binary, seeds, work, test, jobs):
    """Runs the tests once per seed (None: no noise), JOBS runs at a time.

    Returns ([(seed, run_once's result)] in the order of SEEDS, the wall-clock seconds)."""
    start = time.monotonic()
    with ThreadPoolExecutor(jobs) as pool:
        results = list(pool.map(lambda seed: (seed, run_once(binary, seed, work, test)), seeds))
    return results, time.monotonic() - start


def verdict(passed, runs, code, noise):
    """The sentence for the learner: how often the code fails, and what that means."""
    failed = runs - passed
    if failed == 0:
        return (
            f"passed {passed} of {runs} under {noise}: no race showed "
            "(evidence, not proof: more runs or --config tsan look harder)"
        )
    if passed == 0:
        return (
            f"failed all {runs} runs: not a flake, {code} is wrong every time "
            "(tools/kata check says what fails)"
        )
    percent = max(1, round(100 * failed / runs))
    return f"passed {passed} of {runs}: {code} has a race that shows about {percent}% of the time"


def main(argv):
    parser = argparse.ArgumentParser(
        prog="tools/flake",
        description="Run a lesson's tests many times under seeded scheduling noise.",
    )
    parser.add_argument("lesson", help="lesson number or folder, e.g. 05")
    parser.add_argument("--repeat", type=int, default=None, help="runs (default 20; 1 with --seed)")
    parser.add_argument("--seed", type=int, help="replay the noise of this seed")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--solution", action="store_true", help="the reference solution")
    which.add_argument("--mutant", metavar="NAME", help="a mutant of tests/NN_name/mutants/")
    parser.add_argument("--config", default="default", choices=["default", "tsan"])
    parser.add_argument("--test", help="only the tests whose name contains this")
    parser.add_argument("--jobs", type=int, default=1, help="runs at the same time (default 1)")
    parser.add_argument("--no-noise", action="store_true", help="no noise (to compare times)")
    args = parser.parse_args(argv)
    if args.repeat is not None and args.repeat < 1 or args.jobs < 1:
        parser.error("--repeat and --jobs take a positive count")
    folder = timeline.find_lesson(args.lesson)
    target = timeline.target_of(args)
    code = "the reference solution" if args.solution else "your code"
    if args.mutant:
        code = f"mutant {args.mutant}"

    repeat = args.repeat or (1 if args.seed is not None else 20)
    if args.no_noise:
        seeds = [None] * repeat
    elif args.seed is not None:
        seeds = [args.seed] * repeat
    else:
        seeds = fresh_seeds(repeat)
    binary = build(timeline.tracing_bazel(), folder, target, args.config)
    work = Path(tempfile.mkdtemp(prefix="threadkata-flake-"))
    noise = "no noise" if args.no_noise else "scheduling noise"
    print(f"//tests/{folder}:{target} ({args.config}): {repeat} run(s) under {noise}", flush=True)

    results, wall = run_many(binary, seeds, work, args.test, args.jobs)

    failures = {}
    for seed, (passed, failed, _, log, trace) in results:
        if passed:
            log.unlink(missing_ok=True)
            trace.unlink(missing_ok=True)
            continue
        for test in failed:
            failures.setdefault(test, []).append(seed)
    passed = sum(1 for _, result in results if result[0])
    times = sorted(result[2] for _, result in results)
    print(
        f"time: {wall:.1f} s in all, a run {times[len(times) // 2]:.2f} s (median), "
        f"{times[-1]:.2f} s (slowest)"
    )
    for test, failed_seeds in sorted(failures.items(), key=lambda f: -len(f[1])):
        shown = ", ".join(str(s) for s in failed_seeds[:5])
        more = f" and {len(failed_seeds) - 5} more" if len(failed_seeds) > 5 else ""
        print(f"  {test}: failed {len(failed_seeds)} time(s), seeds {shown}{more}")
    print(verdict(passed, repeat, code, noise))
    if passed < repeat:
        seed = next(seed for seed, result in results if not result[0])
        print(f"Logs and thread traces of the failing runs: {work}")
        if seed is not None:
            which_code = (
                " --solution"
                if args.solution
                else f" --mutant {args.mutant}"
                if args.mutant
                else ""
            )
            print(f"Replay one: tools/flake {args.lesson} --seed {seed}{which_code}")
            print(
                f"See it:     tools/timeline {args.lesson} --trace {work}/seed_{seed}.trace.json "
                f"--log {work}/seed_{seed}.log"
            )
        return 1
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
