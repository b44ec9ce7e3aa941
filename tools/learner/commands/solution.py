"""tools/kata solution LESSON: the reference solution, once the lesson is solved."""

from .. import render
from ..ui import escape

HELP = "show a lesson's reference solution, once you have solved it"


def add_arguments(parser):
    parser.add_argument("lesson", metavar="LESSON", help="the lesson")
    parser.add_argument(
        "--force", action="store_true", help="show it even though the lesson is not solved yet"
    )


def run(session, args):
    out = session.out
    lesson = session.lesson(args.lesson)
    if not (args.force or session.progress.is_solved(lesson.id)):
        out.print(
            f"The reference solution of lesson {lesson.id} opens once you have solved it (its "
            "checks pass plain and under ThreadSanitizer): working it out is the lesson.\n"
            f"  Stuck? [cyan]tools/kata hint {lesson.id}[/]  ·  Want it anyway? "
            f"[cyan]tools/kata solution {lesson.id} --force[/]"
        )
        return 1
    for editable in lesson.editable:
        path = session.root / lesson.solution(editable)
        if not path.is_file():
            render.missing(out, lesson, [lesson.solution(editable)])
            return 1
        out.print(f"[bold]── {escape(lesson.solution(editable))} ──[/]\n")
        out.print(path.read_text(encoding="utf-8"), markup=False)
    return 0
