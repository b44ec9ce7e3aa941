"""tools/kata timeline [LESSON] [TEST]: what your threads did during one test, one lane each."""

from threadkata import timeline

HELP = "draw what your threads did during one test of a lesson, one lane per thread"


def add_arguments(parser):
    parser.add_argument("lesson", nargs="?", metavar="LESSON", help="default: the one you are on")
    parser.add_argument(
        "test", nargs="?", metavar="TEST", help="part of a test's name (default: the first failing)"
    )
    parser.add_argument(
        "--tsan",
        action="store_true",
        help="run under ThreadSanitizer and mark the threads of each data race it reports",
    )
    parser.add_argument("--seed", type=int, help="add scheduling noise with this seed")
    parser.add_argument("--svg", metavar="FILE", help="also write the timeline as SVG")


def run(session, args):
    lesson = session.chosen_or_current(args.lesson)
    argv = [lesson.id] + ([args.test] if args.test else [])
    if args.tsan:
        argv += ["--config", "tsan"]
    if args.seed is not None:
        argv += ["--seed", str(args.seed)]
    if args.svg:
        argv += ["--svg", args.svg]
    return timeline.main(argv)
