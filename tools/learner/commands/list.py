"""tools/kata list: every lesson with its status; on a terminal, jump to one or reset it."""

import argparse

from .. import render
from ..ui import escape, interactive
from . import go
from . import reset

HELP = "every lesson with its status, and your progress; on a terminal: jump to one or reset it"


def add_arguments(parser):
    parser.add_argument(
        "--no-prompt", action="store_true", help="only print the list (no questions asked)"
    )


def show(session):
    out = session.out
    render.progress(out, session)
    out.print()
    current = session.progress.current()
    for lesson in session.lessons:
        solved = session.progress.is_solved(lesson.id)
        mark = "[green]✓[/]" if solved else "[dim]·[/]"
        note = ""
        if current is not None and lesson.id == current.id:
            mark = "[cyan]▶[/]" if not solved else "[green]✓[/]"
            note = "[cyan]  ← you are here[/]"
        if session.missing_files(lesson):
            note += "[yellow]  (not in your checkout yet)[/]"
        out.print(f"  {mark} {lesson.id} {escape(lesson.title):<40} {lesson.points:>3} pts{note}")


def run(session, args):
    out = session.out
    show(session)
    if args.no_prompt or not interactive():
        out.print("\n[dim]Jump to a lesson: tools/kata go NN · reset one: tools/kata reset NN[/]")
        return 0
    while True:
        answer = out.input(
            "\n[dim]g NN: go to lesson NN · r NN: reset lesson NN · q or Enter: quit[/] > "
        ).split()
        if not answer or answer[0] in ("q", "quit"):
            return 0
        if len(answer) == 2 and answer[0] in ("g", "go"):
            return go.run(session, argparse.Namespace(lesson=answer[1]))
        if len(answer) == 2 and answer[0] in ("r", "reset"):
            reset.reset(session, session.lesson(answer[1]), yes=False)
            show(session)
            continue
        out.print("[dim]g NN, r NN or q[/]")
