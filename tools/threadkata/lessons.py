"""katas/lessons.json, read by one parser: the lessons in order, with every path and label
that follows from a lesson's folder."""

import dataclasses
import json
import pathlib
import re

MANIFEST = "katas/lessons.json"


class ManifestError(Exception):
    """katas/lessons.json is missing or malformed."""


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
    def trusted_label(self):
        """The same tests linked against the reference: the list of tests comes from it."""
        return f"//tests/{self.folder}:solution_test"

    @property
    def task_id(self):
        return int(self.id)

    @property
    def readme(self):
        return f"katas/{self.folder}/README.md"

    @property
    def hints(self):
        return f"katas/{self.folder}/hints.md"

    def stub(self, editable):
        """The pristine copy of EDITABLE's stub, kept beside the lesson's tests."""
        return f"tests/{self.folder}/stub/{pathlib.PurePosixPath(editable).name}"

    def solution(self, editable):
        return f"solutions/{self.folder}/{pathlib.PurePosixPath(editable).name}"

    def names(self):
        """What a learner may type to name this lesson: 3, 03, 03_starting_threads or
        starting_threads."""
        return {self.id, self.id.lstrip("0") or "0", self.folder, self.folder[len(self.id) + 1 :]}


_SAFE_PATH = re.compile(r"^katas/[0-9]{2}_[a-z0-9_]+/[A-Za-z0-9_.-]+$")
_ID = re.compile(r"^[0-9]{2}$")


def _lesson(entry, path):
    try:
        lesson = Lesson(
            id=str(entry["id"]),
            folder=str(entry["folder"]),
            title=str(entry["title"]),
            editable=tuple(str(p) for p in entry["editable"]),
            points=entry["points"],
        )
    except KeyError as error:
        raise ManifestError(f"{path}: a lesson has no {error}") from error
    where = f"{path}: lesson {lesson.id}"
    if not _ID.match(lesson.id):
        raise ManifestError(f"{where}: the id must be two digits")
    if not lesson.folder.startswith(f"{lesson.id}_"):
        raise ManifestError(f"{where}: folder '{lesson.folder}' must start with '{lesson.id}_'")
    if not lesson.title:
        raise ManifestError(f"{where}: no title")
    if isinstance(lesson.points, bool) or not isinstance(lesson.points, int) or lesson.points < 1:
        raise ManifestError(f"{where}: points must be a positive whole number")
    if not lesson.editable:
        raise ManifestError(f"{where}: no editable files")
    # The allow-list is also a path: keep it to one file inside the lesson's folder.
    for editable in lesson.editable:
        if not _SAFE_PATH.match(editable) or not editable.startswith(f"katas/{lesson.folder}/"):
            raise ManifestError(f"{where}: editable path {editable!r} is not allowed")
    return lesson


def load(root):
    """Every lesson of ROOT/katas/lessons.json, in order."""
    path = pathlib.Path(root) / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != 1 or not isinstance(data.get("lessons"), list):
            raise ManifestError(f'{path}: not "version": 1 with a "lessons" array')
        lessons = [_lesson(entry, path) for entry in data["lessons"]]
    except (OSError, ValueError, TypeError, AttributeError) as error:
        raise ManifestError(f"cannot read {path}: {error}") from error
    if not lessons:
        raise ManifestError(f"{path} lists no lessons")
    ids = [lesson.id for lesson in lessons]
    if ids != sorted(set(ids)):
        raise ManifestError(f"{path}: ids must be unique and ascending")
    return lessons


def problems(root, lessons):
    """What ROOT's folders lack for LESSONS, one line each (tools/check_lessons)."""
    root = pathlib.Path(root)
    found = []
    for lesson in lessons:
        where = f"lesson {lesson.id}"
        for top in ("katas", "solutions", "tests"):
            if not (root / top / lesson.folder).is_dir():
                found.append(f"{where}: {top}/{lesson.folder} is missing")
        for path in (lesson.readme, f"tests/{lesson.folder}/BUILD.bazel"):
            if not (root / path).is_file():
                found.append(f"{where}: {path} is missing")
        stubs = root / "tests" / lesson.folder / "stub"
        for editable in lesson.editable:
            if not (root / editable).is_file():
                found.append(f"{where}: editable {editable} is missing")
            name = pathlib.PurePath(editable).name
            if not (stubs / name).is_file():
                found.append(
                    f"{where}: no pristine copy of {editable}: cp {editable} {stubs.relative_to(root)}/"
                )
        shipped = {pathlib.PurePath(editable).name for editable in lesson.editable}
        for stub in sorted(stubs.glob("*")):
            if stub.name not in shipped:
                found.append(
                    f"{where}: {stub.relative_to(root)} is the pristine copy of no editable file"
                )
    listed = {lesson.folder for lesson in lessons}
    for folder in sorted((root / "katas").glob("[0-9][0-9]_*")):
        if folder.is_dir() and folder.name not in listed:
            found.append(f"katas/{folder.name} is not listed")
    return found


def check_tree(root, lessons):
    """Raises ManifestError unless ROOT has the tests of every lesson in LESSONS."""
    missing = [
        lesson.folder
        for lesson in lessons
        if not (pathlib.Path(root) / "tests" / lesson.folder / "BUILD.bazel").is_file()
    ]
    if missing:
        raise ManifestError(f"the grader's tree has no tests for {', '.join(missing)}")


def find(lessons, name):
    """The lesson NAME names, or None."""
    return next((lesson for lesson in lessons if name in lesson.names()), None)


def select(lessons, ids):
    """The lessons whose ids are in IDS (all when IDS is empty); unknown ids are an error."""
    if not ids:
        return list(lessons)
    known = {lesson.id: lesson for lesson in lessons}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise ValueError(f"unknown lesson(s): {', '.join(unknown)} (known: {', '.join(known)})")
    return [lesson for lesson in lessons if lesson.id in set(ids)]
