"""tools/kata check [LESSON]: run a lesson's checks, plain then under ThreadSanitizer."""

import json
import pathlib

from .. import render
from ..ui import escape

HELP = (
    "run a lesson's checks (plain, then under ThreadSanitizer); LESSON also makes it the "
    "lesson you are on"
)


def add_arguments(parser):
    parser.add_argument("lesson", nargs="?", metavar="LESSON", help="default: the one you are on")
    parser.add_argument(
        "--all", action="store_true", help="show every failing check, not just the first ones"
    )
    parser.add_argument(
        "--verdict-json",
        metavar="FILE",
        help="also write the verdicts (plain, tsan) to FILE, for tools/checks/verdict_agreement",
    )


def header(out, lesson):
    out.print(f"[bold]── Lesson {lesson.id} · {escape(lesson.title)} ──[/]\n")


def check_and_report(session, lesson, show_all=False):
    """Checks LESSON and prints the verdict; returns the Outcome, or None if files are
    missing."""
    out = session.out
    header(out, lesson)
    missing = session.missing_files(lesson)
    if missing:
        render.missing(out, lesson, missing)
        return None
    outcome = session.check(lesson)
    plain = outcome.plain
    if plain.kind != "pass":
        render.verdict(out, lesson, plain, "default", session.log(lesson, "default"), show_all)
        render.mistake(out, lesson, session.closest_mistakes(lesson, outcome))
        render.timeline_offer(out, lesson, plain)
        return outcome
    count = f"all {len(plain.cases)} checks pass" if plain.cases else "the checks pass"
    out.print(f"[green]✓[/] {count}")
    if not outcome.solved:
        out.print(
            "[red]✗[/] but not under ThreadSanitizer, which watches every memory access of "
            "every thread:\n"
        )
        render.verdict(out, lesson, outcome.tsan, "tsan", session.log(lesson, "tsan"), show_all)
        render.mistake(out, lesson, session.closest_mistakes(lesson, outcome))
        render.timeline_offer(out, lesson, outcome.tsan)
        out.print("  A lesson is solved when its checks pass plain and under ThreadSanitizer.")
        return outcome
    out.print(f"[green]✓[/] {count} under ThreadSanitizer: no data race, no leaked thread\n")
    out.print(f"[green]Lesson {lesson.id} solved![/]")
    out.print(f"  [dim]Compare with the reference: tools/kata solution {lesson.id}[/]")
    return outcome


def print_next(session):
    out = session.out
    nxt = session.progress.current()
    if nxt is None or session.progress.is_solved(nxt.id):
        if session.progress.solved_count() == len(session.lessons):
            out.print(
                "\n[green]Every lesson is solved. Well done! tools/kata verify re-checks them "
                "all.[/]"
            )
            return
    out.print(f"\n[bold]Next:[/] lesson {nxt.id}: [bold]{escape(nxt.title)}[/]")
    missing = session.missing_files(nxt)
    if missing:
        render.missing(out, nxt, missing)
        return
    render.where_to_work(out, nxt)


def run(session, args):
    lesson = session.chosen_or_current(args.lesson)
    if args.lesson:
        session.progress.choose(lesson.id)
        session.save()
    outcome = check_and_report(session, lesson, args.all)
    if outcome is None:
        return 1
    if args.verdict_json:
        verdicts = {
            "default": outcome.plain.kind,
            "tsan": outcome.tsan.kind if outcome.tsan else None,
        }
        pathlib.Path(args.verdict_json).write_text(json.dumps(verdicts) + "\n", encoding="utf-8")
    if outcome.solved:
        print_next(session)
        return 0
    session.out.print()
    render.where_to_work(session.out, lesson)
    return 1
