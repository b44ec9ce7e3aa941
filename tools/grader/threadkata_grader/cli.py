"""tools/grade's command line (usage: tools/grade --help; ../README.md for instructors)."""

import argparse
import contextlib
import fcntl
import os
import pathlib
import stat
import subprocess
import sys
import time
import traceback

from threadkata import arguments
from threadkata import bazel as bazel_module
from threadkata import lessons as lessons_module
from threadkata import mistakes

from . import account as account_module
from . import grading
from . import reports

EXIT_FULL_MARKS = 0
EXIT_NOT_FULL_MARKS = 1
EXIT_USAGE = 2
EXIT_GRADER_ERROR = 3

_BATCH_REPORTS = {"grades.csv", "grades.json", "mistakes.md"}
_SANDBOX_WRITABLE = ("/tmp", "/dev/shm", "/var/tmp")
# Hidden from every action as well: the host's Unix sockets (a CI runner's docker.sock is the
# host itself) and password hashes.
_HOST_SECRETS = ("/run", "/var/run", "/etc/shadow", "/etc/gshadow")

DESCRIPTION = """\
Grades a learner's submission of the threadkata katas, as CI does. Only each kata's editable
file (katas/lessons.json) is taken from SUBMISSION, a copy of the repository or of its katas/
folder; everything else comes from this grader's own tree. Each kata is tested plainly, then
under ThreadSanitizer, in Bazel's sandbox without network.

Exit status: 0 graded with full marks (with --batch: every submission graded); 1 graded
without full marks; 2 wrong usage; 3 the grader itself could not run (the reports say why)."""


def _lesson_ids(text):
    return [part.strip() for part in text.split(",") if part.strip()]


def _shard(text):
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not I/N, e.g. 1/4") from None
    if not 1 <= index <= count:
        raise argparse.ArgumentTypeError(f"{text}: I must be from 1 to N")
    return index, count


def _not_a_submission(entry):
    """Why ENTRY of a batch folder is not graded, or '' if it is a submission."""
    if entry.is_symlink():
        return "a symlink"
    if entry.name.startswith("."):
        return "a hidden name (rename it without the dot to grade it)"
    if not entry.is_dir():
        return "not a folder (unpack an archive into a folder to grade it)"
    return ""


def batch_entries(folder, shard=None, skipped=None):
    """The submissions in FOLDER in sorted order; with SHARD (I, N) every N-th from the I-th.
    Every other entry is passed to SKIPPED(entry, why), so that none disappears unsaid."""
    entries = []
    for entry in sorted(folder.iterdir()):
        why = _not_a_submission(entry)
        if not why:
            entries.append(entry)
        elif skipped:
            skipped(entry, why)
    if shard:
        index, count = shard
        entries = entries[index - 1 :: count]
    return entries


def reports_folders(entries):
    """The folder of each submission's reports in a batch's output: its own name, with ".d"
    added while that is a batch report's name or another submission's (the reports of a
    submission named "grades.csv" and of one named "grades.csv.d" never share a folder)."""
    # Every name of the batch folder, also those of other shards.
    taken = set(_BATCH_REPORTS) | {
        sibling.name for entry in entries[:1] for sibling in entry.parent.iterdir()
    }
    folders = {}
    for entry in entries:
        folder = entry.name
        if folder in _BATCH_REPORTS:
            folder += ".d"
            while folder in taken:
                folder += ".d"
            taken.add(folder)
        folders[entry.name] = folder
    return folders


def remote_cache_args(url):
    """Bazel flags to share compiling and linking through the remote cache at URL, never a
    test's outcome: a learner's test log or result neither goes into it nor comes out of it."""
    return (f"--remote_cache={url}", "--modify_execution_info=TestRunner=+no-remote-cache")


def default_cache_dir():
    return str(bazel_module.shared_cache_home() / "threadkata-grader")


def parser():
    p = argparse.ArgumentParser(
        prog="tools/grade",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("submission", nargs="?", help="the submission to grade, e.g. '.'")
    target.add_argument("--batch", metavar="DIR", help="grade every folder in DIR into one table")
    p.add_argument(
        "--out",
        metavar="DIR",
        help="where the reports go (default .threadkata/grade, or .threadkata/grade-batch)",
    )
    p.add_argument(
        "--lessons",
        metavar="IDS",
        type=_lesson_ids,
        default=[],
        help="grade only these lessons, e.g. 01,03; the others are left out of the score",
    )
    p.add_argument(
        "--test-timeout",
        metavar="S",
        type=arguments.positive_int,
        default=300,
        help="seconds one kata's tests may take before they count as a timeout (default 300)",
    )
    p.add_argument(
        "--output-limit",
        metavar="BYTES",
        type=arguments.positive_int,
        default=1024 * 1024,
        help="output one kata's tests may print before they are stopped (default 1 MiB)",
    )
    p.add_argument(
        "--memory-limit",
        metavar="MIB",
        type=arguments.positive_int,
        help="memory one kata's tests and the processes they start may use together before they "
        "are stopped (default 4096 MiB, tools/threadkata/limit_output.sh)",
    )
    p.add_argument(
        "--max-file-bytes",
        metavar="BYTES",
        type=arguments.positive_int,
        default=256 * 1024,
        help="largest editable file accepted (default 256 KiB)",
    )
    p.add_argument(
        "--invocation-timeout",
        metavar="S",
        type=arguments.positive_int,
        default=3600,
        help="seconds one `bazel test` may take before the grader gives up (default 3600)",
    )
    p.add_argument(
        "--cache-dir",
        metavar="DIR",
        default=default_cache_dir(),
        help="the grader's pristine tree and Bazel output base (default %(default)s: below "
        "/var/cache when started as root, whose home other users cannot reach)",
    )
    p.add_argument(
        "--disk-cache",
        metavar="DIR",
        help="Bazel's disk cache (default CACHE_DIR/disk-cache)",
    )
    p.add_argument(
        "--run-as",
        metavar="USER",
        help=f"started as root: build and run the tests as USER (default {account_module.DEFAULT_USER}"
        "); root keeps them as root, which the sandbox does not contain as well",
    )
    p.add_argument(
        "--shard",
        metavar="I/N",
        type=_shard,
        help="with --batch: grade only the I-th of every N submissions in sorted order",
    )
    p.add_argument(
        "--remote-cache",
        metavar="URL",
        help="a Bazel remote cache (e.g. http://cache:8090) shared by graders for compiling and "
        "linking; tests never read or write it",
    )
    p.add_argument(
        "--bazel-arg",
        metavar="ARG",
        action="append",
        default=[],
        help="one more `bazel test` flag, e.g. --bazel-arg=--remote_cache=grpcs://cache.example",
    )
    return p


@contextlib.contextmanager
def _locked(cache_dir):
    """One grader at a time per cache folder: they share one Bazel server and pristine tree."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    with open(cache_dir / "lock", "w", encoding="utf-8") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"tools/grade: waiting for another grader using {cache_dir}", file=sys.stderr)
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _inside(path, folder):
    try:
        pathlib.Path(path).resolve().relative_to(pathlib.Path(folder).resolve())
        return True
    except ValueError:
        return False


def _blocked_paths(grader_root, cache_dir, out_dir, graded, disk_cache=None):
    """Paths hidden from every sandboxed action: the reference solutions, the curated mutants
    (patches of them) and the trusted build of them, the disk cache (Bazel's server reads it,
    no action needs to), the grader's history, the reports, and the submissions themselves (the
    pristine tree holds all a build needs), unless the grader works inside them."""
    paths = [grader_root / "solutions", grader_root / ".git", cache_dir / "trusted"]
    paths += sorted((grader_root / "tests").glob("*/mutants"))
    if disk_cache:
        paths.append(disk_cache)
    if not (_inside(cache_dir, graded) or _inside(out_dir, graded) or _inside(grader_root, graded)):
        paths.append(graded)
    if not (_inside(cache_dir, out_dir) or _inside(grader_root, out_dir)):
        paths.append(out_dir)
    paths += [pathlib.Path(p) for p in _HOST_SECRETS] + _host_sockets()
    # Below a private tmpfs or a hidden folder a path is hidden already, and the sandbox could
    # not mount over it.
    private = [pathlib.Path(p) for p in bazel_module.PRIVATE_TMPFS]
    resolved = [p.resolve() for p in paths if p.exists()]
    kept = [p for p in resolved if not any(_inside(p, tmpfs) for tmpfs in private)]
    kept = [p for p in kept if not any(p != q and _inside(p, q) for q in kept)]
    return tuple(dict.fromkeys(str(p) for p in kept))


def _host_sockets(table="/proc/net/unix"):
    """The file-system Unix sockets bound in the grader's network namespace, outside the folders
    hidden whole (abstract ones, named with @, have no file; the sandbox's own network namespace
    keeps them out of reach). Only paths that are sockets: the table does not escape names."""
    try:
        with open(table, encoding="utf-8", errors="replace") as lines:
            rows = [line.rstrip("\n").split(None, 7) for line in list(lines)[1:]]
    except OSError:
        return []
    hidden = [pathlib.Path(p) for p in _HOST_SECRETS + bazel_module.PRIVATE_TMPFS]
    found = []
    for row in rows:
        if len(row) != 8 or not row[7].startswith("/"):
            continue
        path = pathlib.Path(row[7])
        if any(_inside(path, folder) for folder in hidden):
            continue
        try:
            if stat.S_ISSOCK(os.lstat(path).st_mode):
                found.append(path)
        except OSError:
            # Gone, or in a folder the grader's user cannot search (nor can its tests).
            continue
    return found


def _mistake_descriptions(root, lessons):
    """(lesson id, mutant name) -> (the mistake, its hint), for the batch's table of mistakes."""
    found = {}
    for lesson in lessons:
        try:
            mutants = mistakes.curated(root, lesson)
        except mistakes.SignatureError:
            continue
        found.update({(lesson.id, m.name): (m.description, m.hint) for m in mutants.values()})
    return found


def _grade_one(submission, lessons, bazel, expected, settings, work_dir, max_file_bytes, out_dir):
    """Grades SUBMISSION into OUT_DIR; returns (results, grader_failed)."""
    started = time.monotonic()
    work_dir.mkdir(parents=True, exist_ok=True)
    try:
        results = grading.grade(
            submission, lessons, bazel, expected, settings, work_dir, max_file_bytes
        )
        failed = False
    except (bazel_module.BazelError, OSError) as error:
        results = grading.error_results(submission, lessons, settings, str(error), started)
        failed = True
    except Exception:  # pylint: disable=broad-except
        # A bug of the grader must not stop a batch: this submission gets an error instead.
        message = "the grader failed:\n" + traceback.format_exc()
        results = grading.error_results(submission, lessons, settings, message, started)
        failed = True
    reports.write_submission(out_dir, results)
    return results, failed


def main(argv=None):
    args = parser().parse_args(argv)
    if args.shard and not args.batch:
        print("tools/grade: --shard goes with --batch", file=sys.stderr)
        return EXIT_USAGE
    grader_root = pathlib.Path(__file__).resolve().parents[3]
    graded = pathlib.Path(args.batch or args.submission)
    if not graded.is_dir():
        print(f"tools/grade: {graded} is not a folder", file=sys.stderr)
        return EXIT_USAGE
    out_dir = pathlib.Path(
        args.out or (".threadkata/grade-batch" if args.batch else ".threadkata/grade")
    ).resolve()
    cache_dir = pathlib.Path(args.cache_dir).resolve()
    disk_cache = pathlib.Path(args.disk_cache or cache_dir / "disk-cache").resolve()
    for option, path in (
        ("--out", out_dir),
        ("--cache-dir", cache_dir),
        ("--disk-cache", disk_cache),
    ):
        shared = next((p for p in _SANDBOX_WRITABLE if _inside(path, p)), None)
        if shared:
            # Tests may write there (Bazel's sandbox shares them): the grader's own files could be
            # forged from inside.
            print(
                f"tools/grade: {option} {path} is under {shared}, which the tests can write: "
                "choose a folder elsewhere",
                file=sys.stderr,
            )
            return EXIT_USAGE
    settings = grading.Settings(
        grader_root=grader_root,
        cache_dir=cache_dir,
        test_timeout=args.test_timeout,
        output_limit=args.output_limit,
    )
    work_dir = cache_dir / "work"

    def engine_settings(folder, strict):
        run_as = (account.uid, account.gid) if strict and account else None
        blocked = (
            _blocked_paths(grader_root, cache_dir, out_dir, graded, disk_cache) if strict else ()
        )
        if run_as:
            blocked = account_module.reachable(account, blocked)
        return bazel_module.Settings(
            # The account's state apart from any its grader kept as itself.
            cache_dir=cache_dir / (f"{folder}-as-{account.name}" if run_as else folder),
            test_timeout={config: args.test_timeout for config in bazel_module.CONFIGS},
            output_limit=args.output_limit,
            memory_limit_mib=args.memory_limit,
            disk_cache=sandbox_disk_cache if strict else disk_cache,
            invocation_timeout=args.invocation_timeout,
            strict_sandbox=strict,
            blocked_paths=blocked,
            extra_args=(remote_cache_args(args.remote_cache) if args.remote_cache else ())
            + tuple(args.bazel_arg),
            run_as=run_as,
        )

    try:
        lessons = lessons_module.select(lessons_module.load(grader_root), args.lessons)
        lessons_module.check_tree(grader_root, lessons)
    except lessons_module.ManifestError as error:
        print(f"tools/grade: {error}", file=sys.stderr)
        results = grading.error_results(
            graded.resolve(), [], settings, str(error), time.monotonic()
        )
        reports.write_submission(out_dir, results)
        return EXIT_GRADER_ERROR
    except ValueError as error:
        print(f"tools/grade: {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        account = account_module.choose(args.run_as)
        sandbox_disk_cache = disk_cache
        if account:
            sandbox_disk_cache = account_module.prepare(account, cache_dir, disk_cache)
    except account_module.AccountError as error:
        print(f"tools/grade: {error}", file=sys.stderr)
        return EXIT_USAGE
    if account and not sandbox_disk_cache:
        print(
            f"tools/grade: the tests run as {account.name}, who cannot read the disk cache "
            f"{disk_cache}: the submissions' builds do without it",
            file=sys.stderr,
        )
    (cache_dir / "trusted").mkdir(parents=True, exist_ok=True)
    # Before the paths to hide are listed: it is one of them.
    out_dir.mkdir(parents=True, exist_ok=True)
    # Learners' code runs in the pristine tree, sandboxed; the list of tests every run must
    # report comes from the grader's own tree, where the tests are linked with the reference.
    bazel = bazel_module.Bazel(work_dir / "tree", engine_settings("bazel", strict=True))
    trusted = bazel_module.Bazel(grader_root, engine_settings("trusted", strict=False))
    with _locked(cache_dir):
        try:
            try:
                expected = bazel_module.expected_tests(
                    trusted,
                    grader_root,
                    lessons,
                    cache_dir / "test-lists.json",
                    work_dir / "trusted.log",
                )
            except (bazel_module.BazelError, OSError, subprocess.SubprocessError) as error:
                results = grading.error_results(
                    graded.resolve(), lessons, settings, str(error), time.monotonic()
                )
                reports.write_submission(out_dir, results)
                print(f"tools/grade: {error}", file=sys.stderr)
                return EXIT_GRADER_ERROR
            if not args.batch:
                results, failed = _grade_one(
                    graded.resolve(),
                    lessons,
                    bazel,
                    expected,
                    settings,
                    work_dir,
                    args.max_file_bytes,
                    out_dir,
                )
                print(reports.markdown(results), end="")
                print(f"tools/grade: reports in {out_dir}")
                if failed:
                    return EXIT_GRADER_ERROR
                return EXIT_FULL_MARKS if results["status"] == "pass" else EXIT_NOT_FULL_MARKS
            rows = []
            any_failed = False
            descriptions = _mistake_descriptions(grader_root, lessons)
            entries = batch_entries(
                graded,
                args.shard,
                lambda entry, why: print(
                    f"tools/grade: skipping {grading.display_name(entry.name)}: {why}",
                    file=sys.stderr,
                ),
            )
            folders = reports_folders(entries)
            for entry in entries:
                name = grading.display_name(entry.name)
                print(f"tools/grade: grading {name}", file=sys.stderr)
                reports_dir = folders[entry.name]
                results, failed = _grade_one(
                    entry.resolve(),
                    lessons,
                    bazel,
                    expected,
                    settings,
                    work_dir,
                    args.max_file_bytes,
                    out_dir / reports_dir,
                )
                any_failed = any_failed or failed
                rows.append(reports.batch_row(name, results))
                print(
                    f"tools/grade: {name}: {results['status']}, "
                    f"{results['score']} / {results['max_score']} in {results['duration']:.0f} s",
                    file=sys.stderr,
                )
                reports.write_batch(out_dir, rows, lessons, descriptions)
            reports.write_batch(out_dir, rows, lessons, descriptions)
            print(f"tools/grade: {len(rows)} submissions graded; table in {out_dir}/grades.csv")
            return EXIT_GRADER_ERROR if any_failed else EXIT_FULL_MARKS
        finally:
            if (work_dir / "tree").exists():
                bazel.shutdown()
            trusted.shutdown(("default",))
