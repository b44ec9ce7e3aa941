"""Runs lessons' tests and judges each run: under one configuration (judge_lessons), or as a
check, plain then under ThreadSanitizer (judge_plain_then_tsan): the one path both tools take. Also writes and reads a run as a fixture (tests/fixtures/), to judge it again later."""

import contextlib
import dataclasses
import json
import os
import pathlib
import re

from . import bazel as bazel_module
from . import classify
from . import gate


def _read(path, limit, whole=False):
    """The start of a file the test wrote, or with WHOLE all of it, and nothing when it is
    longer than LIMIT. Not through a symlink: the test may have made its log one, to a file
    that only the grader can read."""
    if not path:
        return ""
    try:
        with open(path, "rb", opener=lambda name, flags: os.open(name, flags | os.O_NOFOLLOW)) as f:
            data = f.read(limit + 1 if whole else limit)
    except OSError:
        return ""
    return "" if whole and len(data) > limit else data.decode("utf-8", "replace")


def _belongs_to(action, lesson):
    return re.match(rf"^//(katas|tests)/{re.escape(lesson.folder)}[:/]", action.label) is not None


def collect(invocation, lesson, label=None):
    """The classify.Run of LESSON's kata test in INVOCATION (or of LABEL, another of the
    lesson's test targets)."""
    label = label or lesson.test_label
    target = invocation.runs[label]
    if target.status in ("PASSED", "FAILED", "TIMEOUT"):
        return classify.Run(
            status=target.status,
            log=_read(target.log_path, classify.LOG_CAP),
            # All of it or nothing: what follows a document that the learner's code wrote
            # first (GoogleTest's own results) must make it unreadable, never be cut off.
            xml=_read(target.xml_path, classify.XML_CAP, whole=True),
            duration=target.duration_ms / 1000,
            cached=target.cached,
        )
    if target.status:
        # INCOMPLETE, REMOTE_FAILURE...: Bazel, not the kata, failed.
        raise bazel_module.BazelError(
            f"{label} ended as {target.status}; see {invocation.log_path}"
        )
    actions = [a for a in invocation.failed_actions if _belongs_to(a, lesson)]
    broken = [a.sandbox_failure for a in actions if a.sandbox_failure]
    if broken:
        # Nothing of the learner's failed: Bazel could not set up its sandbox.
        raise bazel_module.BazelError(f"{broken[0]}; see {invocation.log_path}")
    if not actions:
        raise bazel_module.BazelError(
            f"{label} neither ran nor failed to compile: "
            f"{target.failure or 'no reason given'}; see {invocation.log_path}"
        )
    return classify.Run(
        status="", build_output="\n".join(a.stderr.strip() for a in actions if a.stderr.strip())
    )


def gated(root, lesson, cache_dir, run_as=None):
    """(classify.Run, classify.Verdict) of LESSON's editable files in ROOT when the gate does not
    admit one of them (refused first, then compile errors), else None. Nothing of the file is
    built into a test or run before this; its compiler runs as RUN_AS (uid, gid) when given."""
    # A file that is not there is Bazel's to report (a missing source), not the gate's.
    verdicts = [
        (path, gate.cached_check(lesson, path, (root / path).read_bytes(), root, cache_dir, run_as))
        for path in lesson.editable
        if (root / path).is_file()
    ]
    if not verdicts:
        return None
    path, verdict = min(
        verdicts,
        key=lambda pair: (gate.REFUSED, gate.COMPILE_ERROR, gate.ADMITTED).index(pair[1].status),
    )
    if verdict.status == gate.REFUSED:
        run = classify.Run(status="", build_output=verdict.message())
        return run, classify.refused(path, verdict.refusals)
    if verdict.status == gate.COMPILE_ERROR:
        run = classify.Run(status="", build_output=verdict.compiler_output)
        return run, classify.judge(run, [], lesson.editable, {})
    return None


def judge_lessons(bazel, config, lessons, expected, log_path, gatekeeper=gated):
    """Lesson id -> (classify.Run, classify.Verdict) for LESSONS under CONFIG: the gate first
    (GATEKEEPER, gated() but in unit tests), then Bazel for the lessons it admits."""
    results = {}
    for lesson in lessons:
        verdict = gatekeeper(
            pathlib.Path(bazel.workspace),
            lesson,
            bazel.settings.gate_cache(),
            bazel.settings.run_as,
        )
        if verdict:
            results[lesson.id] = verdict
    lessons = [lesson for lesson in lessons if lesson.id not in results]
    if not lessons:
        return results
    invocation = bazel.test(config, [lesson.test_label for lesson in lessons], log_path)
    limits = {"test_timeout": bazel.settings.test_timeout[config]}
    for lesson in lessons:
        run = collect(invocation, lesson)
        results[lesson.id] = (
            run,
            classify.judge(run, expected[lesson.id], lesson.editable, limits),
        )
    return results


def judge_plain_then_tsan(bazel, lessons, expected, log_path, stage=None, gatekeeper=gated):
    """A check, as both tools make it: config -> lesson id -> (classify.Run, classify.Verdict).
    Every lesson runs plain; only the lessons whose plain checks pass run again under
    ThreadSanitizer (a lesson is solved when both pass). LOG_PATH(config): where Bazel's output
    goes; STAGE(config): a context manager around each configuration's run (the learner's
    spinner)."""
    configs = {}
    for config in bazel_module.CONFIGS:  # plain first
        chosen = [
            lesson
            for lesson in lessons
            if not configs or configs["default"][lesson.id][1].kind == classify.PASS
        ]
        configs[config] = {}
        if chosen:
            with stage(config) if stage else contextlib.nullcontext():
                configs[config] = judge_lessons(
                    bazel, config, chosen, expected, log_path(config), gatekeeper
                )
    return configs


def save_fixture(folder, run, lesson, config, expected, test_timeout):
    """Writes RUN as a fixture in FOLDER: run.json and the log, XML and compiler output."""
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    meta = {
        "lesson": lesson.id,
        "config": config,
        "status": run.status,
        "expected_tests": expected,
        "editable": list(lesson.editable),
        "test_timeout": test_timeout,
    }
    (folder / "run.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    for name, text in (
        ("test.log", run.log),
        ("test.xml", run.xml),
        ("build.txt", run.build_output),
    ):
        if text:
            (folder / name).write_text(text, encoding="utf-8")


def load_fixture(folder):
    """(classify.Run, run.json's content) of the fixture in FOLDER."""
    folder = pathlib.Path(folder)
    meta = json.loads((folder / "run.json").read_text(encoding="utf-8"))

    def text(name):
        path = folder / name
        return path.read_text(encoding="utf-8") if path.exists() else ""

    run = classify.Run(
        status=meta["status"],
        log=text("test.log"),
        xml=text("test.xml"),
        build_output=text("build.txt"),
    )
    return run, meta


def judge_fixture(folder):
    run, meta = load_fixture(folder)
    return classify.judge(
        run, meta["expected_tests"], meta["editable"], {"test_timeout": meta["test_timeout"]}
    )


def as_dict(verdict):
    return dataclasses.asdict(verdict)
