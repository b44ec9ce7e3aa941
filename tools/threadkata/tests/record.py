"""Records the verdict fixtures of tests/fixtures/ from real runs: for each fixture, its source
file goes into a scratch copy of the repository in place of the lesson's editable file, the
engine runs the lesson's tests under the fixture's configuration, and what the run left behind
(Bazel's status, test.log, test.xml, the compiler's output) is saved beside the source.

Usage (from the repository): PYTHONPATH=tools python3 -m threadkata.tests.record [FIXTURE...]
   or: cd tools && python3 -m threadkata.tests.record [FIXTURE...]
The fixtures' unit tests (test_fixtures.py) then judge the saved runs; tools/checks/
verdict_agreement runs both tools over the same sources."""

import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

from threadkata import bazel as bazel_module
from threadkata import lessons as lessons_module
from threadkata import run as engine

HERE = pathlib.Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
ROOT = HERE.parents[2]


def scratch_copy(destination):
    """The files git knows (committed or not) of the repository, copied to DESTINATION."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in listed:
        if not name:
            continue
        source = ROOT / os.fsdecode(name)
        if source.is_file():
            target = destination / os.fsdecode(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("fixtures", nargs="*", help="names under tests/fixtures (default: all)")
    parser.add_argument("--disk-cache", default=os.environ.get("THREADKATA_DISK_CACHE"))
    args = parser.parse_args()
    names = args.fixtures or sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
    with tempfile.TemporaryDirectory(prefix="threadkata-record-") as temp:
        tree = pathlib.Path(temp) / "repo"
        scratch_copy(tree)
        lessons = lessons_module.load(tree)
        settings = bazel_module.Settings(
            cache_dir=pathlib.Path.home() / ".cache" / "threadkata" / "record",
            test_timeout={"default": 60, "tsan": 180},
            output_limit=64 * 1024,
            disk_cache=pathlib.Path(args.disk_cache) if args.disk_cache else None,
        )
        bazel = bazel_module.Bazel(tree, settings)
        try:
            for name in names:
                folder = FIXTURES / name
                wanted = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
                lesson = lessons_module.find(lessons, wanted["lesson"])
                editable = lesson.editable[0]
                shutil.copyfile(folder / pathlib.PurePath(editable).name, tree / editable)
                expected = bazel_module.expected_tests(
                    bazel, tree, [lesson], settings.cache_dir / "lists.json", tree / "list.log"
                )
                results = engine.judge_lessons(
                    bazel, wanted["config"], [lesson], expected, tree / "bazel.log"
                )
                run, verdict = results[lesson.id]
                for old in ("run.json", "test.log", "test.xml", "build.txt"):
                    (folder / old).unlink(missing_ok=True)
                engine.save_fixture(
                    folder,
                    run,
                    lesson,
                    wanted["config"],
                    expected[lesson.id],
                    settings.test_timeout[wanted["config"]],
                )
                mark = "ok  " if verdict.kind == wanted["verdict"] else "DIFF"
                print(f"{mark} {name}: {verdict.kind} (expected {wanted['verdict']})", flush=True)
                shutil.copyfile(ROOT / editable, tree / editable)
        finally:
            bazel.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
