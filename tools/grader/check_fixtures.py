"""Grades the fixture submissions of tests/grade_fixtures with tools/grade and compares each
report with the fixture's expected.json (run by tools/checks/grade_fixtures).

"all solved" and "all stubs" are assembled here from solutions/ and katas/ for every lesson in
katas/lessons.json, so they follow the lessons as they are added; the other fixtures carry
their own files and are graded only on the lessons they name. Submissions with the same lessons
are graded in one batch, so they share one Bazel server and cache.
"""

import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

import jsonschema

from threadkata import lessons as lessons_module

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def assemble(fixture, expected, lessons, destination):
    """Lays out the submission of FIXTURE in DESTINATION."""
    source = expected.get("assemble")
    if source in ("solutions", "stubs"):
        for lesson in lessons:
            for path in lesson.editable:
                origin = ROOT / path
                if source == "solutions":
                    origin = ROOT / "solutions" / lesson.folder / pathlib.Path(path).name
                target = destination / path
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(origin, target)
        return
    for directory, _, files in os.walk(fixture):
        for name in files:
            origin = pathlib.Path(directory) / name
            relative = origin.relative_to(fixture)
            if relative.as_posix() == "expected.json":
                continue
            target = destination / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if origin.is_symlink():
                # Keep a link pointing where the fixture's points, from its new place.
                target.symlink_to(os.path.abspath(os.path.join(directory, os.readlink(origin))))
            elif origin.suffix == ".patch":
                apply_patch(origin, target.with_suffix(""))
            else:
                shutil.copyfile(origin, target)


def apply_patch(patch, target):
    """Writes TARGET as the repository file that PATCH names (its "--- a/PATH" line), with
    PATCH applied: a fixture keeps only its mistake, not a copy of the file it changes."""
    base = next(
        line[len("--- a/") :].strip()
        for line in patch.read_text().splitlines()
        if line.startswith("--- a/")
    )
    shutil.copyfile(ROOT / base, target)
    subprocess.run(
        ["patch", "--quiet", "--force", "--no-backup-if-mismatch", "--reject-file=-"]
        + [str(target), str(patch)],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def check_schema(results, out_dir, schema):
    """Problems of the reports' form: the schema, well-formed XML, a summary."""
    problems = []
    try:
        jsonschema.validate(results, schema)
    except jsonschema.ValidationError as error:
        problems.append(f"results.json does not match its schema: {error.message}")
    try:
        ElementTree.parse(out_dir / "junit.xml")
    except (ElementTree.ParseError, OSError) as error:
        problems.append(f"junit.xml is not well-formed: {error}")
    summary = out_dir / "summary.md"
    if not summary.exists() or "threadkata grade" not in summary.read_text(encoding="utf-8"):
        problems.append("summary.md is missing or empty")
    return problems


def check(expected, results, out_dir, schema, max_score):
    """Problems of one fixture's reports against its expectation."""
    problems = check_schema(results, out_dir, schema)
    if results["status"] != expected["status"]:
        problems.append(f"status {results['status']}, expected {expected['status']}")
    score = max_score if expected["score"] == "max" else expected["score"]
    if results["score"] != score:
        problems.append(f"score {results['score']}, expected {score}")
    katas = {kata["kata"]: kata for kata in results["tests"]}
    for kata_id, want in expected.get("katas", {}).items():
        kata = katas.get(kata_id)
        if kata is None:
            problems.append(f"kata {kata_id} not in the report")
            continue
        if kata["grade"] != want["grade"]:
            problems.append(
                f"kata {kata_id}: grade {kata['grade']}, expected {want['grade']}: {kata['message']}"
            )
        for config, status in want.get("configs", {}).items():
            got = kata["configs"].get(config, {}).get("status")
            if got != status:
                problems.append(f"kata {kata_id} ({config}): {got}, expected {status}")
        if want.get("message_contains", "") not in (kata["message"] or ""):
            problems.append(
                f"kata {kata_id}: message lacks {want['message_contains']!r}: {kata['message']!r}"
            )
    allowed = expected.get("other_katas")
    if allowed:
        for kata_id, kata in katas.items():
            if kata_id not in expected.get("katas", {}) and kata["grade"] not in allowed:
                problems.append(
                    f"kata {kata_id}: grade {kata['grade']}, expected one of {allowed}: "
                    f"{kata['message']}"
                )
    for text in expected.get("reports_lack", []):
        for report in sorted(out_dir.iterdir()):
            if report.is_file() and text in report.read_text(encoding="utf-8", errors="replace"):
                problems.append(f"{report.name} contains {text!r}")
    for text in expected.get("problems_contain", []):
        if not any(text in problem for problem in results["problems"]):
            problems.append(f"problems lack {text!r}: {results['problems']}")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--work", required=True, help="scratch folder (emptied first)")
    parser.add_argument("--cache-dir", required=True, help="the grader's cache for these runs")
    parser.add_argument("--disk-cache", default="", help="Bazel disk cache for tools/grade")
    parser.add_argument("--only", action="append", default=[], help="only this fixture")
    parser.add_argument(
        "--all-lessons",
        metavar="IDS",
        default="",
        help="what 'all' lessons means, e.g. 01,02 while the others are being written",
    )
    args = parser.parse_args()
    work = pathlib.Path(args.work).resolve()
    if work.exists():
        shutil.rmtree(work)
    schema = json.loads((HERE / "results.schema.json").read_text(encoding="utf-8"))
    lessons = lessons_module.load(ROOT)
    fixtures_dir = ROOT / "tests" / "grade_fixtures"
    all_ids = [i for i in args.all_lessons.split(",") if i]

    groups = {}
    for fixture in sorted(p for p in fixtures_dir.iterdir() if (p / "expected.json").is_file()):
        if args.only and fixture.name not in args.only:
            continue
        expected = json.loads((fixture / "expected.json").read_text(encoding="utf-8"))
        ids = all_ids if expected["lessons"] == "all" else expected["lessons"]
        group = "all" if expected["lessons"] == "all" else ",".join(ids)
        groups.setdefault(group, []).append((fixture, expected))
        assemble(
            fixture, expected, lessons_module.select(lessons, ids), work / group / fixture.name
        )

    failures = 0
    for group, fixtures in groups.items():
        out_dir = work / f"reports-{group}"
        command = [str(ROOT / "tools" / "grade"), "--batch", str(work / group)]
        command += ["--out", str(out_dir), "--cache-dir", args.cache_dir]
        if args.disk_cache:
            command += ["--disk-cache", args.disk_cache]
        if group != "all":
            # Bad behaviour is quick to show: shorter limits keep the check fast.
            command += ["--lessons", group, "--test-timeout", "60", "--output-limit", "65536"]
            command += ["--memory-limit", "512"]
        elif all_ids:
            command += ["--lessons", ",".join(all_ids)]
        print("$ " + " ".join(command), flush=True)
        status = subprocess.run(command, check=False).returncode
        if status != 0:
            print(f"FAIL: tools/grade --batch exited with {status}, expected 0 (all graded)")
            failures += 1
        table = (
            (out_dir / "grades.csv").read_text(encoding="utf-8")
            if (out_dir / "grades.csv").exists()
            else ""
        )
        for fixture, expected in fixtures:
            results_path = out_dir / fixture.name / "results.json"
            if not results_path.exists():
                print(f"FAIL {fixture.name}: no results.json")
                failures += 1
                continue
            results = json.loads(results_path.read_text(encoding="utf-8"))
            ids = all_ids if expected["lessons"] == "all" else expected["lessons"]
            max_score = sum(lesson.points for lesson in lessons_module.select(lessons, ids))
            problems = check(expected, results, out_dir / fixture.name, schema, max_score)
            if f"\n{fixture.name}," not in table:
                problems.append("no row in grades.csv")
            grades = " ".join(f"{k['kata']}:{k['grade']}" for k in results["tests"])
            if problems:
                failures += 1
                print(f"FAIL {fixture.name} ({grades}):")
                for problem in problems:
                    print(f"  - {problem}")
            else:
                print(
                    f"ok   {fixture.name}: {results['score']}/{results['max_score']} ({grades}) in {results['duration']:.0f} s"
                )

    # The single-submission path and its exit statuses: a rejected file needs no build; a Bazel
    # that cannot run is the grader's failure (3), reported as such.
    if "01" in groups and any(f.name == "symlink" for f, _ in groups["01"]):
        for case, extra, want_status, want_grade in [
            ("symlink", [], 1, "rejected"),
            ("racy", ["--bazel-arg=--spawn_strategy=no_such_strategy"], 3, None),
        ]:
            out_dir = work / f"reports-single-{case}"
            command = [str(ROOT / "tools" / "grade"), "--lessons", "01", "--out", str(out_dir)]
            command += ["--cache-dir", args.cache_dir] + extra + [str(work / "01" / case)]
            status = subprocess.run(command, check=False, stdout=subprocess.DEVNULL).returncode
            results = json.loads((out_dir / "results.json").read_text(encoding="utf-8"))
            grades = [kata["grade"] for kata in results["tests"]]
            problems = check_schema(results, out_dir, schema)
            if status != want_status or (want_grade and grades != [want_grade]):
                problems.append(f"exit {status} (expected {want_status}), grades {grades}")
            if want_status == 3 and results["status"] != "error":
                problems.append(f"status {results['status']}, expected error")
            if problems:
                failures += 1
                print(f"FAIL single {case}: " + "; ".join(problems))
            else:
                print(f"ok   single {case}: exit status {status}, {results['status']}")
    print(f"grade fixtures: {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
