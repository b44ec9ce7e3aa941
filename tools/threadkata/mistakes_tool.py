"""tools/mistakes: records and checks the signatures that name a learner's closest mistake
(mistakes.py).

    tools/mistakes record [LESSON...]    run every curated mutant's tests (plain; under
                                         ThreadSanitizer when the plain ones pass) and write
                                         tests/NN_name/mutants/signatures.json; --runs N runs
                                         them N times and keeps each distinct signature;
                                         --mutant NAME adds runs of NAME to those recorded
    tools/mistakes check [LESSON...]     put each curated mutant in a scratch copy of the
                                         repository as the learner's file, check it as
                                         tools/kata does, and require that the mistake named
                                         is that mutant; prints the table of hits
    tools/mistakes stale                 the signatures that no longer fit their patch, the
                                         solution or the tests (no Bazel; CI runs it)

Exit status: 0 all good, 1 a miss, a tie or a stale signature, 2 bad arguments, 3 Bazel failed.
"""

import argparse
import datetime
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

from rich.console import Console
from rich.table import Table

from . import arguments
from . import bazel as bazel_module
from . import classify
from . import lessons as lessons_module
from . import mistakes, revision
from . import run as engine

ROOT = pathlib.Path(__file__).resolve().parents[2]
# The learner's limits: a signature is what a learner's check shows.
TEST_TIMEOUT = bazel_module.LEARNER_TEST_TIMEOUT
_NOT_COPIED = {".git", ".threadkata", "compile_commands.json", "user.bazelrc"}


def _cache_dir(what):
    return bazel_module.user_cache_dir("mistakes", ROOT, what)


def _bazel(workspace, what):
    return bazel_module.local_bazel(workspace, _cache_dir(what))


def _mutant_label(lesson, name):
    return f"//tests/{lesson.folder}:mutant_{name}_test"


def _recorded_runs(bazel, lesson, labels, expected, logs, fresh):
    """One run of LABELS (mutant name -> label) as a learner's check runs them: mutant name ->
    the signature of its deciding verdict (None for a pass)."""
    limits = {"test_timeout": TEST_TIMEOUT["default"]}
    verdicts = {}
    plain = bazel.test(
        "default", list(labels.values()), logs / f"{lesson.id}-default.log", fresh=fresh
    )
    for name, label in labels.items():
        run = engine.collect(plain, lesson, label)
        verdicts[name] = [classify.judge(run, expected[lesson.id], lesson.editable, limits)]
    passed = [name for name, found in verdicts.items() if found[0].kind == classify.PASS]
    if passed:
        limits = {"test_timeout": TEST_TIMEOUT["tsan"]}
        tsan = bazel.test(
            "tsan", [labels[n] for n in passed], logs / f"{lesson.id}-tsan.log", fresh=fresh
        )
        for name in passed:
            run = engine.collect(tsan, lesson, labels[name])
            verdicts[name].append(classify.judge(run, expected[lesson.id], lesson.editable, limits))
    return {
        name: mistakes.signature(*mistakes.deciding(found[0], found[1] if len(found) > 1 else None))
        for name, found in verdicts.items()
    }


def record(console, lessons, runs=1, only=()):
    """Runs each lesson's mutants through the engine RUNS times and writes their distinct
    signatures. ONLY: just these mutants, whose new runs are added to those already recorded
    (while their sources are unchanged); the others' signatures stay as they are."""
    bazel = _bazel(ROOT, "record")
    logs = bazel.settings.cache_dir / "logs"
    expected = bazel_module.expected_tests(
        bazel, ROOT, lessons, bazel.settings.cache_dir / "test-lists.json", logs / "list.log"
    )
    for lesson in lessons:
        mutants = mistakes.curated(ROOT, lesson)
        chosen = [name for name in mutants if name in only] if only else list(mutants)
        if not chosen:
            continue
        started = time.monotonic()
        labels = {name: _mutant_label(lesson, name) for name in chosen}
        seen = {name: [] for name in chosen}
        kept = mistakes.entries(ROOT, lesson) if only else {}
        for name in chosen:
            if kept.get(name, {}).get("key") == mistakes.source_key(ROOT, lesson, mutants[name]):
                seen[name] = list(kept.pop(name)["marks"] or [])
        for number in range(runs):
            found = _recorded_runs(bazel, lesson, labels, expected, logs, fresh=number > 0)
            for name, marks in found.items():
                seen[name].append(marks)
        recorded = {name: entry for name, entry in kept.items() if name not in seen}
        for name, signatures in seen.items():
            marks = mistakes.distinct(signatures)
            recorded[name] = {
                "key": mistakes.source_key(ROOT, lesson, mutants[name]),
                "marks": marks,
                "note": (
                    None
                    if marks is not None
                    else "passes the learner's check: only the other configurations of "
                    "tools/test reject it"
                ),
            }
        mistakes.save(ROOT, lesson, recorded)
        unseen = [n for n in chosen if recorded[n]["marks"] is None]
        varying = [
            f"{n} ({len(recorded[n]['marks'])})"
            for n in chosen
            if len(recorded[n]["marks"] or ()) > 1
        ]
        console.print(
            f"{lesson.folder}: {len(chosen)} mutants, {runs} run(s), in "
            f"{time.monotonic() - started:.0f} s"
            + (f"; not seen by a learner's check: {', '.join(unseen)}" if unseen else "")
            + (f"; signatures that vary from run to run: {', '.join(varying)}" if varying else "")
        )
    return 0


def _scratch_tree():
    """A copy of the repository to play the learner in (never the maintainer's own files)."""
    tree = _cache_dir("tree")
    if tree.exists():
        shutil.rmtree(tree)
    shutil.copytree(
        ROOT,
        tree,
        symlinks=True,
        ignore=lambda folder, names: [
            n for n in names if n in _NOT_COPIED or n.startswith("bazel-")
        ],
    )
    return tree


def _patched(root, lesson, mutant):
    """The reference solution with MUTANT's patch applied, as text."""
    with tempfile.TemporaryDirectory() as work:
        target = pathlib.Path(work) / "file.cc"
        shutil.copyfile(root / lesson.solution(lesson.editable[0]), target)
        with open(mutant.patch, "rb") as patch:
            subprocess.run(
                ["patch", "--quiet", "--force", "--no-backup-if-mismatch", str(target)],
                stdin=patch,
                check=True,
                capture_output=True,
            )
        return target.read_text(encoding="utf-8")


def _print_difference(console, marks, runs):
    """Why a mutant was not named as itself: the marks of this run that none of its recorded runs
    showed, and those every recorded run showed that this one lacks."""
    marks = marks or frozenset()
    seen, always = mistakes.seen_and_always(runs)
    unseen, lacking = sorted(marks - seen), sorted(always - marks)
    for title, found in (("never recorded", unseen), ("recorded in every run, not here", lacking)):
        for mark in found:
            console.print(f"    {title}: {mark}", markup=False, highlight=False)


def check(console, lessons, per_lesson, report, only=()):
    """Feeds each curated mutant to the engine as the learner's file; 0 when every one is
    named as itself, alone."""
    # Read before the scratch copy is made: the sources checked are the ones of this moment.
    commit = revision.describe(ROOT, ["solutions", "tests", "katas", "tools"])
    tree = _scratch_tree()
    bazel = _bazel(tree, "check")
    logs = bazel.settings.cache_dir / "logs"
    expected = bazel_module.expected_tests(
        bazel, tree, lessons, bazel.settings.cache_dir / "test-lists.json", logs / "list.log"
    )
    rows = []
    started = time.monotonic()
    for lesson in lessons:
        table = mistakes.load(ROOT, lesson)
        names = [n for n, marks in sorted(table.items()) if marks is not None]
        if only:
            names = [n for n in names if n in only]
        if per_lesson:
            names = names[:per_lesson]
        mutants = mistakes.curated(ROOT, lesson)
        learner_file = tree / lesson.editable[0]
        pristine = learner_file.read_bytes()
        try:
            for name in names:
                learner_file.write_text(_patched(ROOT, lesson, mutants[name]), encoding="utf-8")
                found = engine.judge_plain_then_tsan(
                    bazel, [lesson], expected, lambda config: logs / f"{lesson.id}.log"
                )
                plain = found["default"][lesson.id][1]
                tsan = found["tsan"][lesson.id][1] if lesson.id in found["tsan"] else None
                config, verdict = mistakes.deciding(plain, tsan)
                matches = mistakes.closest(ROOT, lesson, config, verdict, table)
                named = [m.mutant.name for m in matches]
                outcome = "hit" if named == [name] else "tie" if name in named else "miss"
                likeness = f"{matches[0].likeness:.2f}" if matches else "-"
                rows.append(
                    (lesson.folder, name, f"{config} {verdict.kind}", named, likeness, outcome)
                )
                console.print(
                    f"{lesson.folder} {name}: {outcome} ({config} {verdict.kind}; named "
                    f"{', '.join(named) or 'nothing'}; likeness {likeness})"
                )
                if outcome != "hit":
                    _print_difference(console, mistakes.signature(config, verdict), table[name])
        finally:
            learner_file.write_bytes(pristine)
    minutes = (time.monotonic() - started) / 60
    hits = sum(row[5] == "hit" for row in rows)
    table = Table(title=f"Closest mistake named: {hits} of {len(rows)} hits")
    for column in ("lesson", "mutant", "verdict", "named", "likeness", "result"):
        table.add_column(column)
    for folder, name, verdict, named, likeness, outcome in rows:
        table.add_row(folder, name, verdict, ", ".join(named) or "-", likeness, outcome)
    console.print(table)
    if report:
        _write_report(pathlib.Path(report), commit, rows, minutes)
        console.print(f"written: {report}")
    return 0 if hits == len(rows) else 1


def _write_report(path, commit, rows, minutes):
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    hits = sum(row[5] == "hit" for row in rows)
    lines = [
        "# Closest mistake: the table of hits",
        "",
        f"Written by `tools/mistakes check` on commit {commit}, {when}, in {minutes:.0f} "
        "minutes on this machine.",
        "",
        "Each curated mutant (`tests/NN_name/mutants/*.patch`) was put in a scratch copy of the "
        "repository as the learner's file and checked as `tools/kata check` checks it (the "
        "gate, then the plain tests, then ThreadSanitizer when they pass); the engine then named "
        "the closest mistake from the signatures in `tests/NN_name/mutants/signatures.json` "
        "(`tools/mistakes record`). A *hit* names that mutant alone; a *tie* names it with "
        "others; a *miss* names others or none.",
        "",
        f"**{hits} of {len(rows)} hits.**",
        "",
        "| lesson | mutant | verdict | named | likeness | result |",
        "|---|---|---|---|---:|---|",
    ]
    for folder, name, verdict, named, likeness, outcome in rows:
        lines.append(
            f"| {folder} | {name} | {verdict} | {', '.join(named) or '-'} | {likeness} | "
            f"{outcome} |"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def stale(console, lessons):
    problems = [p for lesson in lessons for p in mistakes.stale(ROOT, lesson)]
    for problem in problems:
        console.print(problem, markup=False, highlight=False)
    if problems:
        console.print("Record them again: tools/mistakes record LESSON")
        return 1
    count = sum(len(mistakes.curated(ROOT, lesson)) for lesson in lessons)
    console.print(f"the signatures of all {count} curated mutants fit their sources")
    return 0


def parser():
    parser = argparse.ArgumentParser(
        prog="tools/mistakes",
        description=__doc__.split("\n\n")[0],
        epilog="\n\n".join(__doc__.split("\n\n")[1:]),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("record", "record the signatures of the lessons' curated mutants"),
        ("check", "check that each curated mutant is named as itself"),
        ("stale", "list the signatures out of date (no Bazel)"),
    ):
        command = commands.add_parser(name, help=text, description=text)
        command.add_argument("lessons", nargs="*", metavar="LESSON", help="default: every one")
        if name in ("record", "check"):
            command.add_argument(
                "--mutant",
                action="append",
                default=[],
                metavar="NAME",
                help="only the mutant NAME (repeatable)"
                + (
                    "; its new runs are added to those already recorded" if name == "record" else ""
                ),
            )
        if name == "record":
            command.add_argument(
                "--runs",
                type=arguments.positive_int,
                default=1,
                metavar="N",
                help="run each mutant N times and keep each distinct signature (default 1); "
                "a mutant whose failure depends on the schedule needs several",
            )
        if name == "check":
            command.add_argument(
                "--per-lesson",
                type=arguments.positive_int,
                metavar="K",
                help="only the first K mutants of each lesson (by name)",
            )
            command.add_argument(
                "--report", metavar="FILE", help="also write the table as Markdown to FILE"
            )
    return parser


def main(argv=None):
    args = parser().parse_args(argv)
    console = Console(highlight=False, no_color=bool(os.environ.get("NO_COLOR")))
    all_lessons = lessons_module.load(ROOT)
    chosen = []
    for name in args.lessons:
        lesson = lessons_module.find(all_lessons, name)
        if lesson is None:
            print(f"tools/mistakes: there is no lesson {name!r}", file=sys.stderr)
            return 2
        chosen.append(lesson)
    chosen = chosen or all_lessons
    try:
        if args.command in ("record", "check"):
            known = {n for lesson in chosen for n in mistakes.curated(ROOT, lesson)}
            unknown = [n for n in args.mutant if n not in known]
            if unknown:
                print(f"tools/mistakes: no curated mutant {', '.join(unknown)}", file=sys.stderr)
                return 2
        if args.command == "record":
            return record(console, chosen, args.runs, set(args.mutant))
        if args.command == "check":
            return check(console, chosen, args.per_lesson, args.report, set(args.mutant))
        return stale(console, chosen)
    except mistakes.SignatureError as error:
        print(f"tools/mistakes: {error}", file=sys.stderr)
        return 1
    except bazel_module.BazelError as error:
        print(f"tools/mistakes: {error}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
