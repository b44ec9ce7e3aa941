"""Grades one submission: takes its editable files, builds and tests each kata plainly and then
under ThreadSanitizer, and assembles results.json (see ../results.schema.json)."""

import dataclasses
import datetime
import os
import pathlib
import re
import time

from threadkata import classify
from threadkata import mistakes
from threadkata import run as engine

from . import submission as submission_module
from . import tree as tree_module

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
    classify.REFUSED: "error",
    submission_module.REJECTED: "error",
}


MESSAGE_CAP = 2000  # characters of one test's failure message
KATA_MESSAGE_CAP = 4000  # characters of a kata's message (e.g. compiler errors)
OUTPUT_CAP = 500  # characters of output, as Exercism's test runners cap it


# Control characters but tab and newline: C0, DEL and C1. A test program prints what the
# learner's code makes it print, and an escape sequence in a report rewrites the instructor's
# terminal (a fake table of passes), a control character makes junit.xml unreadable.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def shown(text):
    """TEXT, from a learner's run or folder, with every control character but tab and newline
    written as an escape (\\x1b), so that every report and terminal shows it as text."""
    if text is None:
        return None
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


def cap(text, limit):
    """TEXT cut to LIMIT characters, saying so when it was cut, as shown() shows it."""
    text = shown(text)
    if text is None or len(text) <= limit:
        return text
    note = f"\n... [{len(text) - limit} more characters cut]"
    return text[: max(0, limit - len(note))] + note


def _failed_summary(verdict):
    failed = verdict.failed
    lines = [f"{len(failed)} of {len(verdict.cases)} tests failed:"]
    lines += [f"- {case.name}" for case in failed[:20]]
    if len(failed) > 20:
        lines.append(f"- and {len(failed) - 20} more")
    if failed:
        first = failed[0]
        where = f" ({first.location})" if first.location else ""
        lines += ["", f"The first, {first.name}{where}:", cap(first.message, MESSAGE_CAP)]
    return "\n".join(lines)


def config_json(verdict):
    """One configuration's entry of results.json, from the engine's verdict."""
    message = verdict.explanation
    if verdict.test:
        message += f"\nDuring {verdict.test}."
    if verdict.locations:
        message += "\nAt " + ", ".join(verdict.locations) + "."
    if verdict.missing and verdict.kind != classify.PASS:
        message += f"\n{len(verdict.missing)} expected tests never ran."
    if verdict.report:
        message += "\n" + verdict.report
    if verdict.failed and verdict.kind != classify.COMPILE_ERROR:
        message += "\n\n" + _failed_summary(verdict)
    output = verdict.report or (verdict.failed[0].message if verdict.failed else None)
    return {
        "status": verdict.kind,
        "message": cap(message, KATA_MESSAGE_CAP) if verdict.kind != classify.PASS else None,
        "output": cap(output, OUTPUT_CAP) if verdict.kind != classify.PASS else None,
        "duration": round(verdict.duration, 3),
        "cached": verdict.cached,
        "tests": [
            {
                "name": shown(case.name),
                "status": case.status,
                "message": cap(
                    (f"{case.location}\n" if case.location else "") + case.message, MESSAGE_CAP
                )
                or None,
                "duration": round(case.duration, 3),
            }
            for case in verdict.cases
        ],
    }


def _learner_line(verdict, lesson):
    """The first line of the learner's file that VERDICT points at, 0 if none."""
    for location in verdict.locations:
        path, _, line = location.partition(":")
        if path in lesson.editable and line.split(":")[0].isdigit():
            return int(line.split(":")[0])
    return 0


def _mistake(root, lesson, configs, workspace):
    """results.json's "mistake" of LESSON: the classic mistakes its check looks like."""
    tsan = configs["tsan"].get(lesson.id)
    return mistakes.as_json(
        mistakes.of_check(
            root, lesson, configs["default"][lesson.id][1], tsan[1] if tsan else None, workspace
        )
    )


def _kata_entry(root, lesson, outcomes, configs, workspace):
    """The tests[] entry of one kata (Exercism's per-test fields, Classroom's score); ROOT: the
    trusted tree, with the lessons' recorded mistake signatures and stubs; WORKSPACE: where the
    submission's files were graded."""
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
    else:
        plain = config_json(configs["default"][lesson.id][1])
        sanitized = configs["tsan"].get(lesson.id)
        sanitized = config_json(sanitized[1]) if sanitized else None
        entry["configs"]["default"] = plain
        entry["configs"]["tsan"] = sanitized or {
            "status": "skipped",
            "message": "Not run: the plain run did not pass.",
            "output": None,
            "duration": 0.0,
            "cached": False,
            "tests": [],
        }
        deciding = plain if plain["status"] != classify.PASS or sanitized is None else sanitized
        verdict = configs["default" if deciding is plain else "tsan"][lesson.id][1]
        if verdict.refusals:
            entry["refusals"] = verdict.refusals
        mistake = _mistake(root, lesson, configs, workspace)
        if mistake:
            entry["mistake"] = mistake
        entry["line_no"] = _learner_line(verdict, lesson)
        grade = deciding["status"]
        message = deciding["message"]
        if deciding is sanitized and grade != classify.PASS:
            message = "Under ThreadSanitizer: " + (message or "")
        output = deciding["output"]
        duration = plain["duration"] + (sanitized["duration"] if sanitized else 0.0)
    entry.update(
        {
            "status": _EXERCISM_STATUS[grade],
            "grade": grade,
            "message": cap(message, KATA_MESSAGE_CAP),
            "output": cap(output, OUTPUT_CAP),
            "score": lesson.points if grade == classify.PASS else 0,
            "duration": round(duration, 3),
        }
    )
    return entry


def display_name(path):
    """PATH as text any report can hold: a folder name need not be UTF-8."""
    return shown(os.fsencode(str(path)).decode("utf-8", "backslashreplace"))


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


@dataclasses.dataclass
class Settings:
    """What a grading needs beyond Bazel's settings (bazel.Settings, in the engine)."""

    grader_root: pathlib.Path
    cache_dir: pathlib.Path
    test_timeout: int
    output_limit: int


def grade(submission, lessons, bazel, expected, settings, work_dir, max_file_bytes):
    """results.json's content for SUBMISSION, graded in BAZEL's workspace (the pristine tree);
    EXPECTED: lesson id -> the tests every run must report. Raises bazel.BazelError when Bazel
    fails."""
    started = time.monotonic()
    outcomes = submission_module.collect(str(submission), lessons, max_file_bytes)
    tree_module.prepare(
        settings.grader_root, bazel.workspace, outcomes, excluded=(settings.cache_dir,)
    )
    complete = [
        lesson
        for lesson in lessons
        if all(o.state == submission_module.ACCEPTED for o in outcomes[lesson.id])
    ]
    configs = engine.judge_plain_then_tsan(
        bazel, complete, expected, lambda config: work_dir / f"bazel-{config}.log"
    )

    results = _skeleton(submission, lessons, settings)
    results["tests"] = [
        _kata_entry(settings.grader_root, lesson, outcomes[lesson.id], configs, bazel.workspace)
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
