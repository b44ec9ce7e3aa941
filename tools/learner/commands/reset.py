"""tools/kata reset LESSON: put the lesson's stub back (from its pristine copy beside the
lesson's tests, never from git), keeping the learner's version in .threadkata/backup/."""

import datetime
import shutil

from ..ui import escape, interactive

HELP = "put the lesson's stub back in your file (your version is kept in .threadkata/backup)"


def add_arguments(parser):
    parser.add_argument("lesson", metavar="LESSON", help="the lesson")
    parser.add_argument("-y", "--yes", action="store_true", help="do not ask")


def reset(session, lesson, yes):
    """Restores LESSON's stubs; returns the exit status."""
    out = session.out
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    for editable in lesson.editable:
        stub = session.root / lesson.stub(editable)
        if not stub.is_file():
            out.print(f"tools/kata: the stub's copy {lesson.stub(editable)} is missing.")
            return 1
        target = session.root / editable
        current = target.read_bytes() if target.is_file() else None
        if current == stub.read_bytes():
            out.print(f"{escape(editable)} already holds the stub: nothing to reset.")
            continue
        if current is not None and not yes:
            if not interactive():
                out.print(
                    f"tools/kata: {escape(editable)} has your work in it; run tools/kata reset "
                    f"{lesson.id} --yes to replace it with the stub."
                )
                return 1
            answer = out.input(
                f"Replace your {escape(editable)} with the lesson's stub? A copy of your version "
                "goes to .threadkata/backup/. [y/N] "
            )
            if not answer.strip().lower().startswith("y"):
                out.print("Nothing changed.")
                return 1
        if current is not None:
            backup = session.state / "backup" / lesson.folder / f"{target.name}.{stamp}"
            backup.parent.mkdir(parents=True, exist_ok=True)
            backup.write_bytes(current)
            kept = f" (your version: {backup.relative_to(session.root)})"
        else:
            kept = ""
        shutil.copyfile(stub, target)
        out.print(f"[green]✓[/] {escape(editable)} is the stub again{escape(kept)}.")
    session.progress.forget(lesson.id)
    session.save()
    return 0


def run(session, args):
    return reset(session, session.lesson(args.lesson), args.yes)
