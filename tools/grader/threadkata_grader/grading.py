"""Grades one submission: takes its editable files, builds and tests each kata plainly and then
under ThreadSanitizer, and assembles results.json (see ../results.schema.json)."""

import datetime
import os
import pathlib
import re
import sys
import time

from . import bazel as bazel_module
from . import classify
from . import submission as submission_module
from . import tree as tree_module

# The gate lives in the engine package, tools/threadkata (issue 13: checked before Bazel runs).
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))
from threadkata import gate as gate_module  # pylint: disable=wrong-import-position

REFUSED = gate_module.REFUSED

FORMAT = "threadkata-grade"
FORMAT_VERSION = 1
CONFIGS = ("default", "tsan")

# Exercism's three statuses for a kata's verdict: the kata ran and was wrong ("fail"), or it
# could not run to the end ("error").
_EXERCISM_STATUS = {
    classify.PASS: "pass",
    classify.FAIL: "fail",
    classify.SANITIZER: "fail",
    submission_module.MISSING: "fail",
    classify.COMPILE_ERROR: "error",
    classify.TIMEOUT: "error",
    classify.CRASH: "error",
    submission_module.REJECTED: "error",
    REFUSED: "error",
}


def _belongs_to(action, lesson):
    return re.match(rf"^//(katas|tests)/{re.escape(lesson.folder)}[:/]", action.label) is not None


def _run_config(bazel, tree, config, lessons, work_dir, settings):
    """Lesson id -> ConfigResult for LESSONS under CONFIG."""
    if not lessons:
        return {}
    invocation = bazel.test(
        tree, config, [lesson.test_label for lesson in lessons], work_dir / f"bazel-{config}.log"
    )
    results = {}
    for lesson in lessons:
        run = invocation.runs[lesson.test_label]
        if run.status in ("PASSED", "FAILED", "TIMEOUT"):
            results[lesson.id] = classify.classify_run(run, settings.test_timeout)
            continue
        if run.status:
            # INCOMPLETE, REMOTE_FAILURE...: Bazel, not the kata, failed.
            raise bazel_module.GraderError(
                f"{lesson.test_label} ({config}) ended as {run.status}; see {invocation.log_path}"
            )
        actions = [a for a in invocation.failed_actions if _belongs_to(a, lesson)]
        if not actions:
            raise bazel_module.GraderError(
                f"{lesson.test_label} ({config}) neither ran nor failed to compile: "
                f"{run.failure or 'no reason given'}; see {invocation.log_path}"
            )
        results[lesson.id] = classify.classify_build_failure(actions)
    return results


def _gated(lesson, outcomes, settings):
    """The gate's verdict on LESSON's accepted files: the first that is not admitted, refused
    before compile_error."""
    verdicts = [
        gate_module.cached_check(
            lesson, o.path, o.content, settings.grader_root, settings.cache_dir / "gate"
        )
        for o in outcomes
        if o.state == submission_module.ACCEPTED
    ]
    order = {gate_module.REFUSED: 0, gate_module.COMPILE_ERROR: 1, gate_module.ADMITTED: 2}
    return min(verdicts, key=lambda v: order[v.status], default=None)


def _kata_entry(lesson, outcomes, configs, verdict=None):
    """The tests[] entry of one kata (Exercism's per-test fields, Classroom's score)."""
    entry = {
        "name": f"{lesson.id} {lesson.title}",
        "task_id": lesson.task_id,
        "kata": lesson.id,
        "folder": lesson.folder,
        "files": [o.path for o in outcomes],
        "max_score": lesson.points,
        # Exercism's test_code and GitHub Classroom's line_no: how to run this kata's tests, and
        # the learner's line the verdict is about (0 when it is about no line).
        "test_code": f"bazel test {lesson.test_label}",
        "line_no": 0,
        "configs": {},
    }
    not_taken = [o for o in outcomes if o.state != submission_module.ACCEPTED]
    if not_taken:
        state = (
            submission_module.REJECTED
            if any(o.state == submission_module.REJECTED for o in not_taken)
            else submission_module.MISSING
        )
        grade = state
        message = "Not graded: " + "; ".join(f"{o.path} {o.reason}" for o in not_taken) + "."
        output = None
        duration = 0.0
    elif verdict is not None and verdict.status != gate_module.ADMITTED:
        grade = verdict.status
        message = verdict.message()
        output = None
        duration = verdict.seconds
        not_run = f"Not run: {'refused by the gate' if grade == REFUSED else 'no compilation'}."
        entry["configs"]["default"] = (
            classify.ConfigResult(status=classify.COMPILE_ERROR, message=message).to_json()
            if grade == classify.COMPILE_ERROR
            else classify.ConfigResult(status="skipped", message=not_run).to_json()
        )
        entry["configs"]["tsan"] = classify.ConfigResult(
            status="skipped", message=not_run
        ).to_json()
        entry["refusals"] = [refusal.to_json() for refusal in verdict.refusals]
        entry["line_no"] = next((r.line for r in verdict.refusals if r.line), 0)
    else:
        plain = configs["default"][lesson.id]
        sanitized = configs["tsan"].get(lesson.id)
        entry["configs"]["default"] = plain.to_json()
        if sanitized is None:
            entry["configs"]["tsan"] = classify.ConfigResult(
                status="skipped", message="Not run: the plain run did not pass."
            ).to_json()
        else:
            entry["configs"]["tsan"] = sanitized.to_json()
        deciding = plain if plain.status != classify.PASS or sanitized is None else sanitized
        grade = deciding.status
        message = deciding.message
        if deciding is sanitized and grade != classify.PASS:
            message = "Under ThreadSanitizer: " + (message or "")
        output = deciding.output
        duration = plain.duration + (sanitized.duration if sanitized else 0.0)
    entry.update(
        {
            "status": _EXERCISM_STATUS[grade],
            "grade": grade,
            "message": classify.cap(message, classify.KATA_MESSAGE_CAP),
            "output": classify.cap(output, classify.OUTPUT_CAP),
            "score": lesson.points if grade == classify.PASS else 0,
            "duration": round(duration, 3),
        }
    )
    return entry


def display_name(path):
    """PATH as text any report can hold: a folder name need not be UTF-8."""
    return os.fsencode(str(path)).decode("utf-8", "backslashreplace")


def _skeleton(submission, lessons, settings):
    return {
        "version": 3,
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "submission": display_name(submission),
        "graded_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "lessons": [lesson.id for lesson in lessons],
        "settings": {
            "configs": list(CONFIGS),
            "test_timeout": settings.test_timeout,
            "output_limit": settings.output_limit,
        },
        "status": "error",
        "message": None,
        "score": 0,
        "max_score": sum(lesson.points for lesson in lessons),
        "duration": 0.0,
        "problems": [],
        "tests": [],
    }


def error_results(submission, lessons, settings, message, started):
    """The results of a grading that could not be done: status error, no score."""
    results = _skeleton(submission, lessons, settings)
    results["message"] = message
    results["duration"] = round(time.monotonic() - started, 3)
    return results


def grade(submission, lessons, bazel, settings, work_dir, max_file_bytes):
    """results.json's content for SUBMISSION. Raises bazel.GraderError when Bazel fails."""
    started = time.monotonic()
    outcomes = submission_module.collect(str(submission), lessons, max_file_bytes)
    tree = tree_module.prepare(
        settings.grader_root, work_dir / "tree", outcomes, excluded=(settings.cache_dir,)
    )
    accepted = [
        lesson
        for lesson in lessons
        if all(o.state == submission_module.ACCEPTED for o in outcomes[lesson.id])
    ]
    verdicts = {lesson.id: _gated(lesson, outcomes[lesson.id], settings) for lesson in accepted}
    complete = [
        lesson
        for lesson in accepted
        if verdicts[lesson.id] is None or verdicts[lesson.id].status == gate_module.ADMITTED
    ]
    configs = {"default": _run_config(bazel, tree, "default", complete, work_dir, settings)}
    passed = [lesson for lesson in complete if configs["default"][lesson.id].status == "pass"]
    configs["tsan"] = _run_config(bazel, tree, "tsan", passed, work_dir, settings)

    results = _skeleton(submission, lessons, settings)
    results["tests"] = [
        _kata_entry(lesson, outcomes[lesson.id], configs, verdicts.get(lesson.id))
        for lesson in lessons
    ]
    results["problems"] = [
        f"{o.path} {o.reason}"
        for files in outcomes.values()
        for o in files
        if o.state == submission_module.REJECTED
    ]
    results["score"] = sum(entry["score"] for entry in results["tests"])
    results["status"] = "pass" if results["score"] == results["max_score"] else "fail"
    results["message"] = (
        f"{results['score']} of {results['max_score']} points; "
        f"{sum(e['grade'] == 'pass' for e in results['tests'])} of {len(lessons)} katas pass."
    )
    results["duration"] = round(time.monotonic() - started, 3)
    return results
