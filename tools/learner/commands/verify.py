"""tools/kata verify: re-check every lesson, for the end."""

from .. import render
from ..ui import escape

HELP = "re-check every lesson (for the end), and record the ones solved"


def add_arguments(parser):
    del parser


def run(session, args):
    del args
    out = session.out
    passed = 0
    for lesson in session.lessons:
        if session.missing_files(lesson):
            out.print(
                f"[yellow]![/] {lesson.id} {escape(lesson.title)}: [yellow]not in your checkout yet[/]"
            )
            continue
        outcome = session.check(lesson)
        if outcome.solved:
            passed += 1
            out.print(f"[green]✓[/] {lesson.id} {escape(lesson.title)}")
        else:
            where = "its checks: " if outcome.tsan is None else "under ThreadSanitizer: "
            out.print(
                f"[red]✗[/] {lesson.id} {escape(lesson.title)}: {where}{outcome.deciding.kind} "
                f"[dim](tools/kata check {lesson.id})[/]"
            )
    out.print()
    render.progress(out, session)
    return 0 if passed == len(session.lessons) else 1
