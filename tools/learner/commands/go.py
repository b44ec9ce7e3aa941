"""tools/kata go LESSON: make LESSON the one you are on (solved or not), without checking it."""

from .. import render
from ..ui import escape

HELP = "jump to a lesson: it becomes the one you are on (then tools/kata, watch and hint use it)"


def add_arguments(parser):
    parser.add_argument("lesson", metavar="LESSON", help="the lesson to work on")


def run(session, args):
    lesson = session.lesson(args.lesson)
    session.progress.choose(lesson.id)
    session.save()
    state = (
        " (solved: experiment freely, it stays solved)"
        if session.progress.is_solved(lesson.id)
        else ""
    )
    session.out.print(f"Now on lesson {lesson.id}: [bold]{escape(lesson.title)}[/]{state}")
    render.where_to_work(session.out, lesson)
    return 0
