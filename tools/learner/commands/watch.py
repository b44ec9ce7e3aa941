"""tools/kata watch [LESSON]: re-check each time the lesson's file is saved."""

import argparse

from .. import render
from .. import watch as waiting
from ..ui import escape
from . import check
from . import hint
from . import list as list_command

HELP = "re-check the lesson each time you save its file; move on when it is solved"
KEYS = "Enter: re-check · h: next hint · l: list · q or Ctrl-C: stop"


def add_arguments(parser):
    parser.add_argument(
        "lesson",
        nargs="?",
        metavar="LESSON",
        help="the lesson to start with (default: the one you are on)",
    )
    parser.add_argument(
        "--manual", action="store_true", help="re-check when you press Enter instead of on save"
    )


def run(session, args):
    out = session.out
    lesson = session.chosen_or_current(args.lesson)
    session.progress.choose(lesson.id)
    session.save()
    while True:
        files = [session.root / f for f in lesson.editable]
        waiter = waiting.Waiter(files, args.manual)
        try:
            if waiter.error:
                out.print(
                    f"[yellow]![/] File change events are not available here ({escape(waiter.error)}): "
                    "press Enter to re-check."
                )
            elif not args.manual and waiting.remote_file_system(files[0].parent):
                out.print(
                    f"[yellow]![/] Your files are on {waiting.remote_file_system(files[0].parent)}: "
                    "saves made from another machine (or the host) may not be noticed. If nothing "
                    "happens when you save, press Enter to re-check."
                )
            moved = _watch_one(session, lesson, waiter, args.manual)
        finally:
            waiter.stop()
        if moved is None:
            out.print("\nStopped watching. Your progress is saved.")
            return 0
        lesson = moved
        out.print(f"\n[bold]On to[/] lesson {lesson.id}: [bold]{escape(lesson.title)}[/]\n")


def _watch_one(session, lesson, waiter, manual):
    """Checks LESSON on every save until the learner stops (None) or solves it for the first
    time (then the next lesson)."""
    out = session.out
    was_solved = session.progress.is_solved(lesson.id)
    while True:
        render.progress(out, session)
        how = (
            "Manual mode: press Enter to re-check"
            if manual or waiter.observer is None
            else (f"Watching {lesson.editable[0]}: save it to re-check")
        )
        out.print(f"[dim]{escape(how)} · {KEYS}[/]\n")
        outcome = check.check_and_report(session, lesson)
        if outcome is None:
            return None
        if outcome.solved and not was_solved:
            nxt = session.progress.current()
            if nxt is not None and nxt.id != lesson.id:
                return nxt
        was_solved = was_solved or outcome.solved
        if not outcome.solved:
            out.print()
            render.where_to_work(out, lesson)
        while True:
            event = waiter.next()
            if event is None:
                return None
            kind, text = event
            if kind == waiting.SAVE or text in ("", "r"):
                break
            if text in ("q", "quit"):
                return None
            if text in ("h", "hint"):
                hint.run(session, argparse.Namespace(lesson=lesson.id))
            elif text in ("l", "list"):
                list_command.show(session)
            else:
                out.print(f"[dim]{KEYS}[/]")
        out.print()
