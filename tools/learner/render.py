"""How a verdict reads on the learner's terminal: the failing checks with their authors'
messages, at the learner's file and line; a sanitizer report, a crash or a hang in plain words
(explain.py's), with the failures logged before it."""

from threadkata import classify
from threadkata import explain

from .ui import escape

SHOWN_TESTS = 3


def _lines(out, text, indent, style, limit):
    lines = (text or "").splitlines()
    for line in lines[:limit]:
        out.print(f"{indent}[{style}]{escape(line)}[/]")
    if len(lines) > limit:
        out.print(f"{indent}[{style}]...[/]")


def failures(out, lesson, failed, show_all):
    if not failed:
        return
    shown = failed if show_all else failed[:SHOWN_TESTS]
    for case in shown:
        out.print(f"  [red]✗[/] [bold]{escape(case.name)}[/]")
        _lines(out, case.message, "    ", "yellow", 14)
        if case.location:
            out.print(f"      [dim]at {escape(case.location)}[/]")
        out.print()
    if len(failed) > len(shown):
        rest = ", ".join(case.name for case in failed[len(shown) :])
        out.print(f"  ...and {len(failed) - len(shown)} more: {escape(rest)}")
        out.print(f"  [dim](all of them: tools/kata check {lesson.id} --all)[/]\n")


def verdict(out, lesson, result, config, log, show_all=False):
    kind = result.kind
    if kind == classify.PASS:
        return
    if kind == classify.COMPILE_ERROR:
        out.print(f"[red]✗[/] [bold]{escape(result.explanation)}[/]\n")
        for line in result.report.splitlines():
            style = "red" if ": error:" in line else "default"
            out.print(f"  [{style}]{escape(line)}[/]")
        out.print()
        return
    if kind == classify.REFUSED:
        out.print(f"[red]✗[/] [bold]{escape(result.explanation)}[/]\n")
        for refusal in result.refusals:
            where = next(
                (f"{l}: " for l in result.locations if l.endswith(f":{refusal['line']}")), ""
            )
            out.print(f"  [red]{escape(where)}[bold]{escape(refusal['construct'])}[/][/]")
            out.print(f"    {escape(refusal['message'])}")
        out.print()
        return
    if kind == classify.FAIL:
        checks = "check" if len(result.cases) == 1 else "checks"
        out.print(f"[red]✗[/] {len(result.failed)} of {len(result.cases)} {checks} fail:\n")
        failures(out, lesson, result.failed, show_all)
        if config == "tsan":
            out.print(f"  [dim]({escape(explain.UNDER_TSAN)})[/]\n")
    else:
        heading = "the checks crashed: " if kind == classify.CRASH else ""
        out.print(f"[red]✗[/] {heading}[bold]{escape(result.explanation)}[/]")
        if result.locations:
            out.print(f"  here: [bold]{escape(', '.join(result.locations))}[/]")
        if result.test:
            out.print(f"  during the check {escape(result.test)}")
        if result.report:
            out.print("\n  [dim]The report:[/]")
            _lines(out, result.report, "    ", "dim", 40)
        out.print()
        failed = [case for case in result.cases if case.status == classify.FAIL]
        if failed:
            out.print("  Before that, these checks failed:\n")
            failures(out, lesson, failed, show_all)
        if result.missing and kind == classify.CRASH:
            out.print(f"  [dim]{len(result.missing)} checks never ran.[/]")
    out.print(f"  [dim]Full test output: {escape(str(log))}[/]")


def mistake(out, lesson, matches):
    """The classic mistakes (mistakes.Match) the learner's code behaves like, with the hint
    about each."""
    if not matches:
        return
    shared = matches[0].shared_checks
    same = ""
    if shared:
        listed = ", ".join(shared[:SHOWN_TESTS]) + (", ..." if len(shared) > SHOWN_TESTS else "")
        checks = "check fails" if len(shared) == 1 else f"{len(shared)} checks fail"
        same = f" (the same {checks}: {listed})"
    if len(matches) == 1:
        found = matches[0].mutant
        out.print(
            f"  [bold]Your code behaves like a classic mistake{escape(same)}:[/] "
            f"{escape(found.description)}"
        )
        out.print(
            f"  Hint {found.hint} is about it: [cyan]tools/kata hint {lesson.id} {found.hint}[/]\n"
        )
        return
    out.print(f"  [bold]Your code behaves like one of these classic mistakes{escape(same)}:[/]")
    for match in matches:
        found = match.mutant
        out.print(
            f"  - {escape(found.description)} [cyan](tools/kata hint {lesson.id} {found.hint})[/]"
        )
    out.print()


def timeline_offer(out, lesson, result):
    """After a failing run: the command that draws what the learner's threads did in the check
    that failed (or crashed, hung or raced)."""
    failed = [case.name for case in result.cases if case.status == classify.FAIL]
    test = failed[0] if result.kind == classify.FAIL and failed else result.test
    if result.kind in (classify.PASS, classify.COMPILE_ERROR, classify.REFUSED) or not test:
        return
    if result.kind == classify.SANITIZER:
        out.print(
            f"  See what your threads did in {escape(test)}, one lane each, with the two that "
            f"raced marked: [cyan]tools/kata timeline {lesson.id} {escape(test)} --tsan[/]\n"
        )
        return
    out.print(
        f"  See what your threads did in {escape(test)}, one lane each: "
        f"[cyan]tools/kata timeline {lesson.id} {escape(test)}[/]\n"
    )


def where_to_work(out, lesson):
    out.print(f"  Edit   [bold]{escape(', '.join(lesson.editable))}[/]")
    out.print(f"  Read   {escape(lesson.readme)}")
    out.print(f"  Stuck? [cyan]tools/kata hint {lesson.id}[/]")


def progress(out, session):
    solved = session.progress.solved_count()
    total = len(session.lessons)
    width = 22
    filled = round(width * solved / total) if total else 0
    bar = "█" * filled + "░" * (width - filled)
    points = session.progress.solved_points()
    all_points = sum(l.points for l in session.lessons)
    out.print(
        f"[bold]Progress[/] [green]{bar}[/] {solved}/{total} lessons · {points}/{all_points} points"
    )


def missing(out, lesson, files):
    out.print(
        f"[yellow]![/] Lesson {lesson.id} ({escape(lesson.title)}) is listed in "
        f"katas/lessons.json, but your checkout does not have it yet: {escape(', '.join(files))} "
        "missing.\n  Update the repository (git pull), then run tools/kata again."
    )
