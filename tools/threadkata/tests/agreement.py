"""Runs tools/kata and tools/grade over the source files of the verdict fixtures and requires
the same verdict from both (tools/checks/verdict_agreement). The verdict compared is the one
each tool decides on: the plain run's, or ThreadSanitizer's when the plain run passes.

tools/kata runs in a scratch copy of the repository with the fixture's file in place of the
lesson's; tools/grade grades one submission per fixture, as a batch per lesson."""

import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys

from learner import session
from threadkata.tests import record

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("fixtures", nargs="*", help="names under fixtures/ (default: all)")
    # Not under /tmp: the grader refuses reports where the tests could write them.
    cache_home = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    parser.add_argument("--scratch", default=os.path.join(cache_home, "threadkata-agreement"))
    args = parser.parse_args()
    names = args.fixtures or sorted(p.name for p in record.FIXTURES.iterdir() if p.is_dir())
    scratch = pathlib.Path(args.scratch)
    tree = scratch / "repo"
    if tree.exists():
        shutil.rmtree(tree)
    tree.mkdir(parents=True)
    record.scratch_copy(tree)
    env = dict(os.environ, NO_COLOR="1")
    fixtures = {}
    for name in names:
        wanted = json.loads((record.FIXTURES / name / "expected.json").read_text(encoding="utf-8"))
        source = next(p for p in (record.FIXTURES / name).glob("*.cc"))
        fixtures[name] = (wanted["lesson"], source)

    learner = {}
    for name, (lesson, source) in fixtures.items():
        folder = next((tree / "katas").glob(f"{lesson}_*"))
        target = folder / source.name
        original = target.read_bytes()
        shutil.copyfile(source, target)
        report = scratch / f"kata-{name}.json"
        report.unlink(missing_ok=True)
        subprocess.run(
            [str(tree / "tools" / "kata"), "check", lesson, "--verdict-json", str(report)],
            cwd=tree,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        target.write_bytes(original)
        verdicts = json.loads(report.read_text()) if report.exists() else {}
        learner[name] = verdicts.get("tsan") or verdicts.get("default") or "no verdict"

    # tools/kata's Bazel servers for the scratch copy: nothing left running.
    session.Session(tree).bazel.shutdown()

    grader = {}
    for lesson in sorted({lesson for lesson, _ in fixtures.values()}):
        batch = scratch / f"submissions-{lesson}"
        out = scratch / f"grades-{lesson}"
        shutil.rmtree(batch, ignore_errors=True)
        for name, (which, source) in fixtures.items():
            if which != lesson:
                continue
            folder = next((ROOT / "katas").glob(f"{lesson}_*")).name
            (batch / name / "katas" / folder).mkdir(parents=True)
            shutil.copyfile(source, batch / name / "katas" / folder / source.name)
        subprocess.run(
            [
                str(ROOT / "tools" / "grade"),
                "--batch",
                str(batch),
                "--out",
                str(out),
                "--lessons",
                lesson,
            ]
            + (
                [f"--disk-cache={os.environ['THREADKATA_DISK_CACHE']}"]
                if os.environ.get("THREADKATA_DISK_CACHE")
                else []
            ),
            env=env,
            stdout=subprocess.DEVNULL,
            check=False,
        )
        for name in os.listdir(batch):
            results = out / name / "results.json"
            data = json.loads(results.read_text()) if results.exists() else {"tests": []}
            grader[name] = data["tests"][0]["grade"] if data["tests"] else "no verdict"

    failures = 0
    for name in fixtures:
        same = learner[name] == grader[name]
        failures += not same
        print(
            f"{'ok  ' if same else 'FAIL'} {name}: tools/kata {learner[name]}, tools/grade {grader[name]}"
        )
    print(f"verdict agreement: {len(fixtures) - failures} agree, {failures} differ")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
