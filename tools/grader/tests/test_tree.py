import pathlib
import tempfile
import unittest

from threadkata_grader import submission, tree


class PrepareTest(unittest.TestCase):
    def test_copies_the_grader_tree_without_solutions_and_with_the_accepted_files(self):
        with tempfile.TemporaryDirectory() as temp:
            grader = pathlib.Path(temp) / "grader"
            for path, text in {
                "WORKSPACE": "",
                "katas/01_x/x.cc": "stub",
                "katas/01_x/x.h": "header",
                "solutions/01_x/x.cc": "solution",
                "tests/01_x/t.cc": "test",
                "tests/grade_fixtures/a/katas/01_x/x.cc": "fixture",
                "user.bazelrc": "",
            }.items():
                (grader / path).parent.mkdir(parents=True, exist_ok=True)
                (grader / path).write_text(text)
            (grader / "bazel-out").symlink_to(temp)
            (grader / "cache").mkdir()
            accepted = submission.FileOutcome(
                "katas/01_x/x.cc", submission.ACCEPTED, content=b"mine"
            )
            refused = submission.FileOutcome("katas/02_y/y.cc", submission.REJECTED, "symlink")
            out = tree.prepare(
                grader,
                grader / "cache" / "tree",
                {"01": [accepted], "02": [refused]},
                excluded=(grader / "cache",),
            )
            self.assertEqual((out / "katas/01_x/x.cc").read_text(), "mine")
            self.assertEqual((out / "katas/01_x/x.h").read_text(), "header")
            self.assertEqual((out / "tests/01_x/t.cc").read_text(), "test")
            self.assertFalse((out / "solutions").exists())
            self.assertFalse((out / "tests/grade_fixtures").exists())
            self.assertFalse((out / "user.bazelrc").exists())
            self.assertFalse((out / "bazel-out").exists())
            self.assertFalse((out / "katas/02_y").exists())
            self.assertFalse((out / "cache").exists())

            # The next submission: its own file, the stub where it has none, nothing left over.
            (out / "stray.txt").write_text("left by a build")
            header = (out / "katas/01_x/x.h").stat().st_ino
            missing = submission.FileOutcome("katas/01_x/x.cc", submission.MISSING)
            out = tree.prepare(grader, grader / "cache" / "tree", {"01": [missing]})
            self.assertEqual((out / "katas/01_x/x.cc").read_text(), "stub")
            self.assertFalse((out / "stray.txt").exists())
            self.assertEqual((out / "katas/01_x/x.h").stat().st_ino, header)


if __name__ == "__main__":
    unittest.main()
