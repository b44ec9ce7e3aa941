"""tools/kata's command line: argparse, one subcommand per module in commands/."""

import argparse
import os
import pathlib
import signal
import sys

from threadkata import bazel as bazel_module
from threadkata import lessons as lessons_module

from . import render
from . import session as session_module
from . import ui
from .commands import check, go, hint
from .commands import list as list_command
from .commands import reset, solution, timeline, verify, watch

COMMANDS = {
    "list": list_command,
    "check": check,
    "watch": watch,
    "go": go,
    "hint": hint,
    "reset": reset,
    "solution": solution,
    "verify": verify,
    "timeline": timeline,
}
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

WELCOME = """[bold]Welcome to threadkata![/]

Each lesson teaches one idea of multithreading in C++. You read its README, implement a small
API in one file, and the lesson's checks tell you what is still wrong. A lesson is solved when
its checks pass, plain and under ThreadSanitizer.

  tools/kata          check the lesson you are on (this)
  tools/kata watch    re-check on every save and move on when solved
  tools/kata hint     the next hint for your lesson
  tools/kata list     every lesson  ·  tools/kata --help: everything else
"""


def parser():
    p = argparse.ArgumentParser(
        prog="tools/kata",
        description=(
            "threadkata's learner tool: work through the lessons in order, with checks on every "
            "save, hints when stuck, and your progress kept in .threadkata/. Without a command: "
            "show your progress and check the lesson you are on."
        ),
        epilog=(
            "LESSON is a number (3, 03) or a folder (03_starting_threads). Each command has "
            "--help. Colour only on a terminal; NO_COLOR or --no-color turns it off."
        ),
    )
    p.add_argument("--no-color", action="store_true", help="no colours")
    commands = p.add_subparsers(dest="command", metavar="COMMAND")
    for name, module in COMMANDS.items():
        sub = commands.add_parser(name, help=module.HELP, description=module.HELP)
        sub.add_argument("--no-color", action="store_true", help="no colours")
        module.add_arguments(sub)
    return p


def default(session):
    out = session.out
    if session.progress.fresh:
        out.print(WELCOME)
        session.save()
    render.progress(out, session)
    out.print()
    lesson = session.progress.current()
    if lesson is None:
        check.print_next(session)
        return 0
    outcome = check.check_and_report(session, lesson)
    if outcome is None:
        return 1
    if outcome.solved:
        check.print_next(session)
        out.print(
            "\nRun [cyan]tools/kata[/] again (or [cyan]tools/kata watch[/]) when you are ready."
        )
        return 0
    out.print()
    render.where_to_work(out, lesson)
    out.print(
        "\nThen run [cyan]tools/kata[/] again, or [cyan]tools/kata watch[/] to re-check on every "
        "save."
    )
    return 1


def main(argv=None):
    # Ctrl-C stops every command cleanly (KeyboardInterrupt), even when started from a shell
    # that ignores SIGINT in its background jobs.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    args = parser().parse_args(argv)
    root = pathlib.Path(
        os.environ.get("THREADKATA_ROOT") or pathlib.Path(__file__).resolve().parents[2]
    )
    errors = ui.err_console()
    try:
        session = session_module.Session(root, args.no_color)
    except lessons_module.ManifestError as error:
        errors.print(f"tools/kata: {ui.escape(str(error))}")
        return EXIT_USAGE
    try:
        if args.command is None:
            return default(session)
        return COMMANDS[args.command].run(session, args)
    except session_module.AllSolved:
        session.out.print(
            "Every lesson is solved. Name one to work on it again (e.g. tools/kata go 01), or "
            "run tools/kata verify to re-check them all."
        )
        return 0
    except session_module.UsageError as error:
        errors.print(f"tools/kata: {ui.escape(str(error))}")
        return EXIT_USAGE
    except bazel_module.BazelError as error:
        errors.print(f"tools/kata: Bazel could not run the checks: {ui.escape(str(error))}")
        return 1
    except KeyboardInterrupt:
        session.out.print("\nStopped. Your progress is saved.")
        return EXIT_INTERRUPTED
    finally:
        if session.progress.fresh is False:
            session.save()


if __name__ == "__main__":
    sys.exit(main())
