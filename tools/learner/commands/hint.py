"""tools/kata hint [LESSON] [N]: the next hint of a lesson, one at a time (remembered), or
hint N (the one a check names for the mistake it recognised)."""

from .. import hints
from ..session import UsageError
from ..ui import escape

HELP = "the next hint of a lesson, one at a time (or hint N)"


def add_arguments(parser):
    parser.add_argument("lesson", nargs="?", metavar="LESSON", help="default: the one you are on")
    parser.add_argument(
        "number",
        nargs="?",
        type=int,
        metavar="N",
        help="show hint N (a check that recognises a classic mistake names its hint)",
    )


def run(session, args):
    out = session.out
    lesson = session.chosen_or_current(args.lesson)
    found = hints.load(session.root, lesson)
    if not found:
        out.print(f"Lesson {lesson.id} has no hints: its README ({lesson.readme}) is all there is.")
        return 0
    shown = session.progress.hints_shown.get(lesson.id, 0)
    if args.number is not None and not 1 <= args.number <= len(found):
        raise UsageError(f"lesson {lesson.id} has hints 1 to {len(found)}")
    number = args.number or min(shown + 1, len(found))
    out.print(
        f"[bold]Lesson {lesson.id} · {escape(lesson.title)} · hint {number} of {len(found)}[/]\n"
    )
    for line in found[number - 1].splitlines():
        out.print(f"  {escape(line)}")
    out.print()
    if number > shown:
        session.progress.hints_shown[lesson.id] = number
        session.save()
    if number < len(found):
        out.print(f"[dim]Still stuck? tools/kata hint {lesson.id} gives hint {number + 1}.[/]")
    else:
        out.print(
            "[dim]That is the last hint. The reference solution opens once you solve the lesson "
            f"(or now: tools/kata solution {lesson.id} --force).[/]"
        )
    return 0
