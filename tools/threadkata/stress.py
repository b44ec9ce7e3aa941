"""The summary of tools/stress: for each test target, how many of its runs failed; each failed
run's log kept, and the tests that failed in it named with their first line, so that a failure
on a CI machine can be read from CI's output alone.

Usage: python3 -m threadkata.stress BEP_FILE KEEP_DIR RUNS TARGET...
Exit status: 0 if every run of every target ran and passed, 1 otherwise."""

import argparse
import pathlib
import shutil
import sys

from threadkata import bazel, classify, markers

_LOG_CAP = 4 * 1024 * 1024
_LINE_CAP = 160


def _first_line(text):
    line = next((l.strip() for l in text.splitlines() if l.strip()), "")
    return line if len(line) <= _LINE_CAP else line[: _LINE_CAP - 3] + "..."


def failed_tests(log):
    """(test, first line of what went wrong) for each test of LOG that failed or never ended."""
    found = []
    for case in classify.log_cases(log):
        if case.status == classify.FAIL:
            found.append((case.name, _first_line(case.message)))
        elif case.status == "error":
            watchdog = next(
                (l for l in case.message.splitlines() if l.startswith(markers.WATCHDOG)), ""
            )
            found.append((case.name, "did not finish: " + _first_line(watchdog or case.message)))
    return found


def summarize(attempts, runs, targets, keep):
    """The summary's lines and the count of failed or missing runs. Logs of failed runs are
    copied under KEEP."""
    by_label = {target: [] for target in targets}
    for attempt in attempts:
        by_label.setdefault(attempt.label, []).append(attempt)
    lines = []
    failed_total = 0
    for label in targets:
        attempts = by_label[label]
        failed = sorted((a for a in attempts if a.status != "PASSED"), key=lambda a: a.run)
        not_run = runs - sum(1 for a in attempts if not a.cached)
        failed_total += len(failed) + not_run
        line = f"{label:55} {len(failed):3d} failed of {runs}"
        if not_run:
            line += f" ({not_run} not executed: cached or never started)"
        lines.append(line)
        for attempt in failed:
            source = pathlib.Path(attempt.log_path) if attempt.log_path else None
            if source is None or not source.exists():
                lines.append(f"    run {attempt.run}: {attempt.status or 'NO STATUS'}, no log")
                continue
            dest = keep / label.strip("/").replace(":", "/") / f"run_{attempt.run}.log"
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, dest)
            lines.append(f"    run {attempt.run}: {attempt.status}, log {dest}")
            with open(dest, "rb") as handle:
                log = handle.read(_LOG_CAP).decode("utf-8", "replace")
            for test, what in failed_tests(log):
                lines.append(f"        {test}: {what}")
    return lines, failed_total


def main(argv=None):
    parser = argparse.ArgumentParser(prog="threadkata.stress", description=__doc__.split("\n\n")[0])
    parser.add_argument("bep", type=pathlib.Path, help="the Build Event Protocol JSON file")
    parser.add_argument("keep", type=pathlib.Path, help="where to copy the failed runs' logs")
    parser.add_argument("runs", type=int, help="--runs_per_test of the invocation")
    parser.add_argument("targets", nargs="+", help="the test targets")
    args = parser.parse_args(argv)
    with open(args.bep, encoding="utf-8") as events:
        attempts = list(bazel.test_attempts(events))
    lines, failed = summarize(attempts, args.runs, args.targets, args.keep)
    print("\n".join(lines))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
