import json
import pathlib
import tempfile
import unittest

from threadkata import lessons

ENTRY = {
    "id": "01",
    "folder": "01_x",
    "title": "X",
    "editable": ["katas/01_x/x.cc"],
    "points": 5,
}


class LoadTest(unittest.TestCase):
    def load(self, entries, version=1):
        with tempfile.TemporaryDirectory() as temp:
            (pathlib.Path(temp) / "katas").mkdir()
            (pathlib.Path(temp) / lessons.MANIFEST).write_text(
                json.dumps({"version": version, "lessons": entries})
            )
            return lessons.load(temp)

    def test_a_valid_lesson_gives_every_derived_path(self):
        (lesson,) = self.load([ENTRY])
        self.assertEqual(lesson.test_label, "//tests/01_x:kata_test")
        self.assertEqual(lesson.trusted_label, "//tests/01_x:solution_test")
        self.assertEqual(lesson.stub("katas/01_x/x.cc"), "tests/01_x/stub/x.cc")
        self.assertEqual(lesson.hints, "katas/01_x/hints.md")
        self.assertEqual(lessons.find([lesson], "1"), lesson)
        self.assertEqual(lessons.find([lesson], "01_x"), lesson)
        self.assertIsNone(lessons.find([lesson], "2"))

    def test_points_are_required_and_positive(self):
        for points in (None, 0, -3, "5", True):
            entry = dict(ENTRY, points=points)
            if points is None:
                del entry["points"]
            with self.subTest(points=points), self.assertRaises(lessons.ManifestError):
                self.load([entry])

    def test_an_editable_path_outside_the_lesson_is_refused(self):
        for path in ("katas/02_y/x.cc", "katas/01_x/../../etc/passwd", "/etc/passwd"):
            with self.subTest(path=path), self.assertRaises(lessons.ManifestError):
                self.load([dict(ENTRY, editable=[path])])

    def test_ids_must_ascend_and_folders_match_them(self):
        with self.assertRaises(lessons.ManifestError):
            self.load([ENTRY, ENTRY])
        with self.assertRaises(lessons.ManifestError):
            self.load([dict(ENTRY, folder="02_x")])
        with self.assertRaises(lessons.ManifestError):
            self.load([ENTRY], version=2)

    def test_the_repository_manifest_loads(self):
        root = pathlib.Path(__file__).resolve().parents[3]
        loaded = lessons.load(root)
        self.assertEqual([l.id for l in loaded][:2], ["01", "02"])
        self.assertEqual(lessons.problems(root, loaded), [])


if __name__ == "__main__":
    unittest.main()
