"""The lessons to grade, read from the grader's own katas/lessons.json (never the learner's)."""

import dataclasses
import json
import pathlib
import re


class ManifestError(Exception):
    """katas/lessons.json is missing or malformed: the grader cannot run."""


@dataclasses.dataclass(frozen=True)
class Lesson:
    id: str
    folder: str
    title: str
    editable: tuple
    points: int

    @property
    def test_label(self):
        return f"//tests/{self.folder}:kata_test"

    @property
    def task_id(self):
        return int(self.id)


_SAFE_PATH = re.compile(r"^katas/[0-9]{2}_[a-z0-9_]+/[A-Za-z0-9_.-]+$")


def load(root):
    """Every lesson of ROOT/katas/lessons.json, in order."""
    path = pathlib.Path(root) / "katas" / "lessons.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        lessons = []
        for entry in data["lessons"]:
            lesson = Lesson(
                id=str(entry["id"]),
                folder=str(entry["folder"]),
                title=str(entry["title"]),
                editable=tuple(str(p) for p in entry["editable"]),
                points=int(entry["points"]),
            )
            # The allow-list is also a path: keep it to one file inside the lesson's folder.
            for editable in lesson.editable:
                if not _SAFE_PATH.match(editable) or not editable.startswith(
                    f"katas/{lesson.folder}/"
                ):
                    raise ManifestError(f"{path}: editable path {editable!r} is not allowed")
            lessons.append(lesson)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ManifestError(f"cannot read {path}: {error}") from error
    if not lessons:
        raise ManifestError(f"{path} lists no lessons")
    return lessons


def check_tree(root, lessons):
    """Raises ManifestError unless ROOT has the tests of every lesson in LESSONS."""
    missing = [
        lesson.folder
        for lesson in lessons
        if not (pathlib.Path(root) / "tests" / lesson.folder / "BUILD.bazel").is_file()
    ]
    if missing:
        raise ManifestError(f"the grader's tree has no tests for {', '.join(missing)}")


def select(lessons, ids):
    """The lessons whose ids are in IDS (all when IDS is empty); unknown ids are an error."""
    if not ids:
        return list(lessons)
    known = {lesson.id: lesson for lesson in lessons}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise ValueError(f"unknown lesson(s): {', '.join(unknown)} (known: {', '.join(known)})")
    return [lesson for lesson in lessons if lesson.id in set(ids)]
