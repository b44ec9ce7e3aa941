"""tools/mutate: mutation testing of the reference solutions (see tools/mutate for the usage).

Each mutant of solutions/NN_name/*.cc (generate.py) is written over the solution in a private
scratch copy of the repository, and the lesson's //tests/NN_name:solution_test is run on it
through Bazel, plain, then under ThreadSanitizer if plain passed. Verdicts are kept per lesson
and per content hash of the solution and its tests, so a run that stops is resumed, and a
change to a lesson's tests or solution judges that lesson again.
"""

import argparse
import concurrent.futures
import datetime
import hashlib
import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import generate
from threadkata import bazel as bazel_module
from threadkata import revision

ROOT = pathlib.Path(__file__).resolve().parents[2]
CACHE = (
    pathlib.Path(os.environ.get("XDG_CACHE_HOME", pathlib.Path.home() / ".cache")) / "threadkata"
)
# Shared with tools/test's Bazel runs.
DISK_CACHE = pathlib.Path(
    os.environ.get("THREADKATA_DISK_CACHE")
    or bazel_module.shared_cache_home() / "threadkata" / "disk-cache"
)
REPORT = "docs/mutation.md"
RECORD = "docs/mutation.json"  # the verdicts REPORT was written from, per lesson
EQUIVALENT = "mutants/equivalent.json"  # in tests/NN_name/
CONFIGS = ("plain", "tsan")
ENGINE_CONFIG = {"plain": "default", "tsan": "tsan"}  # the engine's name of each
# Verdicts. A mutant that times out is detected too: the tests did not pass it.
NOT_COMPILED, KILLED, TIMED_OUT, SURVIVED = "not compiled", "killed", "timed out", "survived"
TIME_UNIT_MS = None  # --time-unit-ms
# How a mutant is judged (the engine's limits and timeouts, the retry rule of judge()): part of
# every verdict's key, so a change to it judges every mutant again instead of mixing verdicts.
JUDGE_VERSION = b"engine, learner limits"
SUPPORT = ROOT / "tests" / "support"
# A label of a package below tests/support, as BUILD files and kata.bzl write it.
SUPPORT_LABEL = re.compile(r'"//tests/support/([A-Za-z0-9_]+)[":/]')


class Lesson:
    def __init__(self, folder: str):
        self.folder = folder
        sources = [
            p for p in sorted((ROOT / "solutions" / folder).glob("*.cc")) if p.name != "demo.cc"
        ]
        if len(sources) != 1:
            raise SystemExit(f"tools/mutate: solutions/{folder} must hold one implementation file")
        self.solution = sources[0].relative_to(ROOT).as_posix()
        self.target = f"//tests/{folder}:solution_test"
        self.equivalent_file = ROOT / "tests" / folder / EQUIVALENT

    def content_hash(self) -> str:
        """What a verdict depends on: the solution, the header, the lesson's tests, their
        support code and the build settings."""
        files = [ROOT / self.solution, ROOT / ".bazelrc", ROOT / "tools" / "kata.bzl"]
        files += sorted((ROOT / "katas" / self.folder).glob("*.h"))
        used = self.support_packages()
        for folder in (ROOT / "tests" / self.folder, SUPPORT):
            files += sorted(
                p
                for p in folder.rglob("*")
                if p.is_file()
                and "mutants" not in p.parts
                and (
                    not p.is_relative_to(SUPPORT)
                    or p.parent == SUPPORT
                    or p.relative_to(SUPPORT).parts[0] in used
                )
            )
        digest = hashlib.sha256(JUDGE_VERSION)
        for path in files:
            digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
        return digest.hexdigest()[:16]

    def support_packages(self) -> set:
        """The packages below tests/support that the lesson's tests build on: those named by a
        BUILD file of the lesson or by tools/kata.bzl, and those these name in turn."""
        sources = [ROOT / "tools" / "kata.bzl"] + list(
            (ROOT / "tests" / self.folder).rglob("BUILD.bazel")
        )
        used, todo = set(), sources
        while todo:
            named = {m for path in todo for m in SUPPORT_LABEL.findall(path.read_text())}
            todo = [SUPPORT / name / "BUILD.bazel" for name in named - used]
            used |= named
        return used

    def mutants(self) -> list:
        return generate.generate(str(ROOT / self.solution), str(ROOT))

    def equivalent(self) -> dict:
        if not self.equivalent_file.exists():
            return {}
        return json.loads(self.equivalent_file.read_text())


def lessons(wanted) -> list[Lesson]:
    listed = json.loads((ROOT / "katas" / "lessons.json").read_text())["lessons"]
    chosen = [Lesson(entry["folder"]) for entry in listed if not wanted or entry["id"] in wanted]
    unknown = set(wanted or ()) - {entry["id"] for entry in listed}
    if unknown:
        raise SystemExit(
            f"tools/mutate: no lesson {', '.join(sorted(unknown))} in katas/lessons.json"
        )
    return chosen


class Results:
    """Verdicts per lesson and content hash, in a JSON file under the cache folder; those the
    report was written from (RECORD, committed) stand in for a lesson this machine has not
    judged, as long as the lesson has not changed since."""

    def __init__(self):
        self.folder = CACHE / "mutate" / "results"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.lock = threading.Lock()
        record = ROOT / RECORD
        self.recorded = json.loads(record.read_text()) if record.exists() else {}

    def path(self, lesson: Lesson, content: str) -> pathlib.Path:
        return self.folder / f"{lesson.folder}-{content}.json"

    def load(self, lesson: Lesson, content: str) -> dict:
        path = self.path(lesson, content)
        if path.exists():
            return json.loads(path.read_text())
        recorded = self.recorded.get(lesson.folder, {})
        return dict(recorded["verdicts"]) if recorded.get("content") == content else {}

    def save(self, lesson: Lesson, content: str, mutant_id: str, verdict: dict):
        with self.lock:
            verdicts = self.load(lesson, content)
            verdicts[mutant_id] = verdict
            path = self.path(lesson, content)
            with tempfile.NamedTemporaryFile("w", dir=self.folder, delete=False) as out:
                json.dump(verdicts, out, indent=1, sort_keys=True)
            os.replace(out.name, path)


class Scratch:
    """A private copy of the repository in which a mutant replaces the solution file; its
    Bazel output base is its own, its disk cache the shared one, so only the mutated file and
    what links it are built again."""

    def __init__(self, slot):
        key = hashlib.sha256(str(ROOT).encode()).hexdigest()[:12]
        self.path = CACHE / "mutate" / "scratch" / f"{key}-{slot}"
        self.path.mkdir(parents=True, exist_ok=True)
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        ).stdout.split(b"\0")
        files = {name.decode() for name in listed if name and (ROOT / name.decode()).is_file()}
        for name in files:
            source, copy = ROOT / name, self.path / name
            if not copy.exists() or copy.read_bytes() != source.read_bytes():
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, copy)
        for folder, subfolders, names in os.walk(self.path):
            here = pathlib.Path(folder)
            if here == self.path:
                subfolders[:] = [d for d in subfolders if not d.startswith("bazel-")]
            for name in names:
                if (here / name).relative_to(self.path).as_posix() not in files:
                    (here / name).unlink()
        extra = [
            "--test_env=GTEST_FAIL_FAST=1",
            # One test at a time: timing tests run beside each other would slow each other down.
            "--local_test_jobs=1",
        ]
        if TIME_UNIT_MS:
            extra.append(f"--test_env=KATA_TIME_UNIT_MS={TIME_UNIT_MS}")
        if os.environ.get("CI"):
            extra.append("--config=ci")
        settings = bazel_module.Settings(
            cache_dir=CACHE / "mutate" / "bazel" / f"{key}-{slot}",
            test_timeout=bazel_module.LEARNER_TEST_TIMEOUT,
            output_limit=bazel_module.LEARNER_OUTPUT_LIMIT,
            disk_cache=DISK_CACHE,
            extra_args=tuple(extra),
        )
        self.bazel = bazel_module.Bazel(self.path, settings)

    def judge(self, lesson: Lesson, source: str) -> dict:
        """Runs the lesson's tests on `source` as its solution: the verdict, the config that
        decided it, the seconds it took and the first failure's line."""
        started = time.monotonic()
        (self.path / lesson.solution).write_text(source)
        try:
            for config in CONFIGS:
                status, failure = self.test(lesson, config)
                if status == "FAILED" and config != CONFIGS[0] and "Sanitizer" not in failure:
                    # Passed plain, failed an assertion under the sanitizer's slowdown: on a busy
                    # machine that can be a timing test's flake. A kill must happen again.
                    status, failure = self.test(lesson, config)
                if status != "PASSED":
                    verdict = {
                        "FAILED TO BUILD": NOT_COMPILED,
                        "TIMEOUT": TIMED_OUT,
                    }.get(status, KILLED)
                    return self.verdict(verdict, config, started, failure)
            return self.verdict(SURVIVED, None, started, "")
        finally:
            shutil.copyfile(ROOT / lesson.solution, self.path / lesson.solution)

    @staticmethod
    def verdict(verdict, config, started, failure) -> dict:
        seconds = round(time.monotonic() - started, 1)
        return {"verdict": verdict, "config": config, "seconds": seconds, "failure": failure}

    def test(self, lesson: Lesson, config: str) -> tuple[str, str]:
        return self.test_many([lesson.target], config)[lesson.target]

    def test_many(self, targets, config: str) -> dict:
        """target -> (Bazel's status of the test, the first failure's line)."""
        engine_config = ENGINE_CONFIG[config]
        log = self.bazel.settings.cache_dir / f"bazel-{engine_config}.log"
        try:
            invocation = self.bazel.test(engine_config, targets, log)
        except bazel_module.BazelError as error:
            raise RuntimeError(str(error)) from error
        return {
            target: (run.status or "FAILED TO BUILD", first_failure(run.log_path))
            for target, run in invocation.runs.items()
        }

    def shutdown(self):
        self.bazel.shutdown()


def first_failure(log) -> str:
    if not log or not os.path.exists(log):
        return ""
    for line in open(log, errors="replace"):
        if line.startswith("[  FAILED  ]") or "Sanitizer:" in line or "Falsifiable" in line:
            return line.strip()[:200]
    return ""


def run(args) -> int:
    results = Results()
    chosen = lessons(args.lesson)
    groups = []  # per lesson: [(lesson, content hash, mutant)] still to judge
    for lesson in chosen:
        content = lesson.content_hash()
        judged = results.load(lesson, content)
        mutants = [m for m in lesson.mutants() if not args.operator or m.operator in args.operator]
        todo = [m for m in mutants if m.id not in judged]
        print(f"{lesson.folder}: {len(mutants)} mutants, {len(mutants) - len(todo)} already judged")
        groups.append([(lesson, content, m) for m in todo])
    # The lessons with the fewest mutants left first: a run cut short has finished whole lessons.
    work = [item for group in sorted(groups, key=len) for item in group]
    if args.list:
        for lesson, _, mutant in work:
            print(f"{lesson.folder}/{mutant.id}")
        return 0
    slots = [Scratch(i) for i in range(args.jobs)]
    try:
        passing = {lesson.folder for lesson in baseline(slots[0], chosen)}
        status = 0 if len(passing) == len(chosen) else 1
        work = [item for item in work if item[0].folder in passing]
        free = list(slots)
        free_lock = threading.Lock()
        done = [0]
        started = time.monotonic()

        def one(item):
            lesson, content, mutant = item
            with free_lock:
                slot = free.pop()
            try:
                verdict = slot.judge(lesson, mutant.source)
            finally:
                with free_lock:
                    free.append(slot)
            results.save(lesson, content, mutant.id, verdict)
            with free_lock:
                done[0] += 1
                elapsed = time.monotonic() - started
                left = elapsed / done[0] * (len(work) - done[0])
                config = f", {verdict['config']}" if verdict["config"] else ""
                print(
                    f"[{done[0]}/{len(work)}, ~{left / 60:.0f} min left] {lesson.folder}/"
                    f"{mutant.id}: {verdict['verdict']}{config} ({verdict['seconds']} s)",
                    flush=True,
                )

        if args.jobs == 1:
            # On this thread: Ctrl-C interrupts the Bazel run in progress (bazel.wait_interruptibly).
            for item in work:
                one(item)
        else:
            pool = concurrent.futures.ThreadPoolExecutor(args.jobs)
            try:
                list(pool.map(one, work))
            except KeyboardInterrupt:
                # The mutants being judged finish; no other starts.
                pool.shutdown(wait=True, cancel_futures=True)
                raise
            pool.shutdown()
    finally:
        for slot in slots:
            slot.shutdown()
    write_report(lessons(None), results)
    print(f"wrote {REPORT}")
    return status


def baseline(slot: Scratch, chosen) -> list:
    """The lessons whose tests pass on the unmutated solution (a failure is tried once more on
    its own); on the others every mutant would look killed."""
    failing = set()
    for config in CONFIGS:
        statuses = slot.test_many([lesson.target for lesson in chosen], config)
        for target, (status, failure) in statuses.items():
            if status != "PASSED" and slot.test_many([target], config)[target][0] != "PASSED":
                print(
                    f"tools/mutate: {target} fails on the reference solution ({config}: "
                    f"{status}) {failure}: its mutants are not judged (is the machine too "
                    "busy? try --time-unit-ms)",
                    file=sys.stderr,
                )
                failing.add(target)
    return [lesson for lesson in chosen if lesson.target not in failing]


def commit_of_root() -> str:
    return revision.describe(
        ROOT,
        ["solutions", "tests", "katas", "tools/kata.bzl"],
        "uncommitted changes to the lessons",
    )


def write_report(all_lessons, results: Results):
    rows, survivors, equivalents = [], [], []
    record = {}
    seconds = 0.0
    header = (
        "| lesson | generated | judged | not compiled | killed | timed out | survived "
        "| equivalent | score |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    for lesson in all_lessons:
        mutants = lesson.mutants()
        content = lesson.content_hash()
        verdicts = results.load(lesson, content)
        ids = {mutant.id for mutant in mutants}
        record[lesson.folder] = {
            "content": content,
            "verdicts": {key: value for key, value in verdicts.items() if key in ids},
        }
        equivalent = lesson.equivalent()
        original = (ROOT / lesson.solution).read_text()
        counts = {v: 0 for v in (NOT_COMPILED, KILLED, TIMED_OUT, SURVIVED)}
        judged = eq = 0
        for mutant in mutants:
            if mutant.id not in verdicts:
                continue
            judged += 1
            verdict = verdicts[mutant.id]
            seconds += verdict["seconds"]
            if mutant.id in equivalent and verdict["verdict"] == SURVIVED:
                eq += 1
                equivalents.append((lesson, mutant, equivalent[mutant.id]))
                continue
            counts[verdict["verdict"]] += 1
            if verdict["verdict"] == SURVIVED:
                survivors.append((lesson, mutant, mutant.diff(original, lesson.solution)))
        detected = counts[KILLED] + counts[TIMED_OUT]
        scored = detected + counts[SURVIVED]
        score = f"{100 * detected / scored:.0f}%" if scored else "-"
        rows.append(
            f"| {lesson.folder} | {len(mutants)} | {judged} | {counts[NOT_COMPILED]} | "
            f"{counts[KILLED]} | {counts[TIMED_OUT]} | {counts[SURVIVED]} | {eq} | {score} |"
        )
    lines = [
        "# Mutation testing",
        "",
        f"Written by `tools/mutate` on commit {commit_of_root()}, "
        f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; "
        f"{seconds / 60:.0f} minutes of Bazel runs for the verdicts below.",
        "",
        "Each mutant is a one-edit change of a reference solution (`solutions/NN_name/*.cc`), "
        "made by the operators listed at the end; the lesson's `solution_test` is run on it, "
        "plain and, if that passes, under ThreadSanitizer (where a failed assertion that is "
        "no sanitizer report must fail twice to count). A mutant the tests pass *survives*; "
        "one that cannot be told apart from the solution under the header's contract is "
        "listed, with the reason, in `tests/NN_name/mutants/equivalent.json`. Score = "
        "(killed + timed out) / (judged - not compiled - equivalent). *judged* below "
        "*generated* means the run did not reach every mutant of that lesson.",
        "",
        header,
        *rows,
        "",
        "## Survivors",
        "",
    ]
    if not survivors:
        lines += ["None.", ""]
    for lesson, mutant, diff in survivors:
        lines += [
            f"### {lesson.folder} `{mutant.id}`",
            "",
            generate.OPERATORS[mutant.operator] + ".",
            "",
            "```diff",
            diff.rstrip("\n"),
            "```",
            "",
        ]
    lines += ["## Equivalent mutants", ""]
    if not equivalents:
        lines += ["None.", ""]
    for lesson, mutant, reason in equivalents:
        lines.append(f"- {lesson.folder} `{mutant.id}`: {reason}")
    lines += ["", "## Operators", ""]
    lines += [f"- `{name}`: {text}" for name, text in generate.OPERATORS.items()]
    (ROOT / REPORT).write_text("\n".join(lines).rstrip("\n") + "\n")
    (ROOT / RECORD).write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")


def sample(mutants, equivalent, count):
    """A fixed sample: the mutants of concurrency operators first, in the order of a hash of
    their id, so that it stays the same from run to run while the solution does not change."""
    candidates = [m for m in mutants if m.id not in equivalent]
    return sorted(
        candidates,
        key=lambda m: (
            m.operator not in generate.CONCURRENCY_OPERATORS,
            hashlib.sha256(m.id.encode()).hexdigest(),
        ),
    )[: count + 2]


def check(args) -> int:
    """CI's short version: every listed equivalent mutant is still generated, and a fixed
    sample of compiling mutants of each lesson is killed."""
    problems = []
    chosen = lessons(args.lesson)
    generated = {lesson.folder: lesson.mutants() for lesson in chosen}
    for lesson in chosen:
        ids = {m.id for m in generated[lesson.folder]}
        for mutant_id in lesson.equivalent():
            if mutant_id not in ids:
                problems.append(
                    f"{lesson.folder}: {EQUIVALENT} lists {mutant_id}, which tools/mutate no "
                    "longer generates (the solution changed?): judge the new mutants again"
                )
    slot = Scratch("check")
    try:
        for lesson in chosen:
            judged = 0
            for mutant in sample(generated[lesson.folder], lesson.equivalent(), args.sample):
                if judged == args.sample:
                    break
                verdict = slot.judge(lesson, mutant.source)
                print(f"{lesson.folder}/{mutant.id}: {verdict['verdict']}", flush=True)
                if verdict["verdict"] == NOT_COMPILED:
                    continue
                judged += 1
                if verdict["verdict"] == SURVIVED:
                    original = (ROOT / lesson.solution).read_text()
                    problems.append(
                        f"{lesson.folder}: the tests pass mutant {mutant.id} "
                        f"({generate.OPERATORS[mutant.operator]}): add a test that rejects "
                        f"it, or list it in tests/{lesson.folder}/{EQUIVALENT} with the reason "
                        f"it cannot be told apart:\n{mutant.diff(original, lesson.solution)}"
                    )
    finally:
        slot.shutdown()
    for problem in problems:
        print(problem, file=sys.stderr)
    print("tools/mutate --check: " + ("FAILED" if problems else "ok"))
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="tools/mutate", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--lesson", action="append", metavar="NN", help="only lesson NN (repeatable)"
    )
    parser.add_argument(
        "--operator", action="append", choices=list(generate.OPERATORS), help="only this operator"
    )
    parser.add_argument("--jobs", type=int, default=1, help="mutants judged at once (default 1)")
    parser.add_argument(
        "--list", action="store_true", help="list the mutants to judge, run nothing"
    )
    parser.add_argument("--report", action="store_true", help="only write docs/mutation.md")
    parser.add_argument(
        "--time-unit-ms",
        type=int,
        help="the tests' time unit (KATA_TIME_UNIT_MS), for a busy machine",
    )
    parser.add_argument("--check", action="store_true", help="CI's short version (see check())")
    parser.add_argument("--sample", type=int, default=1, help="mutants per lesson for --check")
    args = parser.parse_args()
    if args.jobs < 1 or args.sample < 1:
        parser.error("--jobs and --sample take a positive count")
    # Stopped by a signal, a run still shuts its Bazel servers down (the verdicts are kept).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    global TIME_UNIT_MS
    TIME_UNIT_MS = args.time_unit_ms
    if args.check:
        return check(args)
    if args.report:
        write_report(lessons(None), Results())
        print(f"wrote {REPORT}")
        return 0
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
