import os
import pathlib
import tempfile
import unittest

from threadkata import lessons as lessons_module
from threadkata_grader import submission


LESSON = lessons_module.Lesson("01", "01_x", "X", ("katas/01_x/x.cc",), 5)


class ReadEditableTest(unittest.TestCase):
    def setUp(self):
        self.temp = tempfile.TemporaryDirectory()
        self.root = pathlib.Path(self.temp.name) / "submission"
        (self.root / "katas" / "01_x").mkdir(parents=True)
        self.outside = pathlib.Path(self.temp.name) / "secret.cc"
        self.outside.write_text("secret")

    def tearDown(self):
        self.temp.cleanup()

    def outcome(self, max_bytes=100):
        return submission.collect(str(self.root), [LESSON], max_bytes)["01"][0]

    def test_takes_a_regular_file(self):
        (self.root / "katas/01_x/x.cc").write_text("int x;")
        outcome = self.outcome()
        self.assertEqual(outcome.state, submission.ACCEPTED)
        self.assertEqual(outcome.content, b"int x;")

    def test_takes_a_copy_of_the_katas_folder_alone(self):
        katas = self.root / "katas"
        (katas / "01_x/x.cc").write_text("int y;")
        outcome = submission.collect(str(katas), [LESSON], 100)["01"][0]
        self.assertEqual(outcome.content, b"int y;")

    def test_missing_file(self):
        self.assertEqual(self.outcome().state, submission.MISSING)

    def test_refuses_a_symlink_out_of_the_tree(self):
        os.symlink(self.outside, self.root / "katas/01_x/x.cc")
        outcome = self.outcome()
        self.assertEqual(outcome.state, submission.REJECTED)
        self.assertIn("symlink", outcome.reason)
        self.assertEqual(outcome.content, b"")

    def test_refuses_a_symlinked_folder_on_the_way(self):
        elsewhere = pathlib.Path(self.temp.name) / "elsewhere"
        elsewhere.mkdir()
        (elsewhere / "x.cc").write_text("int z;")
        (self.root / "katas/01_x").rmdir()
        os.symlink(elsewhere, self.root / "katas/01_x")
        self.assertEqual(self.outcome().state, submission.REJECTED)

    def test_refuses_a_symlinked_katas_folder(self):
        other = pathlib.Path(self.temp.name) / "other"
        (other / "01_x").mkdir(parents=True)
        (other / "01_x/x.cc").write_text("int z;")
        (self.root / "katas/01_x").rmdir()
        (self.root / "katas").rmdir()
        os.symlink(other, self.root / "katas")
        self.assertNotEqual(self.outcome().state, submission.ACCEPTED)

    def test_refuses_an_oversized_file(self):
        (self.root / "katas/01_x/x.cc").write_bytes(b"x" * 101)
        outcome = self.outcome(max_bytes=100)
        self.assertEqual(outcome.state, submission.REJECTED)
        self.assertIn("larger", outcome.reason)

    def test_refuses_a_fifo(self):
        os.mkfifo(self.root / "katas/01_x/x.cc")
        self.assertEqual(self.outcome().state, submission.REJECTED)

    def test_refuses_a_folder(self):
        (self.root / "katas/01_x/x.cc").mkdir()
        self.assertEqual(self.outcome().state, submission.REJECTED)


class ManifestTest(unittest.TestCase):
    def write(self, lessons):
        temp = tempfile.TemporaryDirectory()
        self.addCleanup(temp.cleanup)
        (pathlib.Path(temp.name) / "katas").mkdir()
        (pathlib.Path(temp.name) / "katas/lessons.json").write_text(
            '{"version": 1, "lessons": %s}' % lessons
        )
        return temp.name

    def test_refuses_an_editable_path_outside_the_lesson(self):
        root = self.write(
            '[{"id": "01", "folder": "01_x", "title": "X", "editable": ["tests/01_x/t.cc"], '
            '"points": 5}]'
        )
        with self.assertRaises(lessons_module.ManifestError):
            lessons_module.load(root)

    def test_refuses_a_path_climbing_out(self):
        root = self.write(
            '[{"id": "01", "folder": "01_x", "title": "X", "editable": ["katas/01_x/../../a"], '
            '"points": 5}]'
        )
        with self.assertRaises(lessons_module.ManifestError):
            lessons_module.load(root)

    def test_selects_lessons(self):
        root = self.write(
            '[{"id": "01", "folder": "01_x", "title": "X", "editable": ["katas/01_x/x.cc"], '
            '"points": 5}, {"id": "02", "folder": "02_y", "title": "Y", '
            '"editable": ["katas/02_y/y.cc"], "points": 10}]'
        )
        lessons = lessons_module.load(root)
        self.assertEqual([l.id for l in lessons_module.select(lessons, ["02"])], ["02"])
        self.assertEqual(len(lessons_module.select(lessons, [])), 2)
        with self.assertRaises(ValueError):
            lessons_module.select(lessons, ["07"])


if __name__ == "__main__":
    unittest.main()
