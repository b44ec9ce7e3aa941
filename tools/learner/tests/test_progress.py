import json
import pathlib
import tempfile
import unittest

from learner import progress
from threadkata import lessons

LESSONS = [
    lessons.Lesson(
        id=f"0{i}", folder=f"0{i}_x", title="X", editable=(f"katas/0{i}_x/x.cc",), points=i
    )
    for i in (1, 2, 3)
]


class ProgressTest(unittest.TestCase):
    def setUp(self):
        self.temp = tempfile.TemporaryDirectory()
        self.path = pathlib.Path(self.temp.name) / "progress.json"

    def tearDown(self):
        self.temp.cleanup()

    def reload(self):
        return progress.Progress(self.path, LESSONS)

    def test_a_fresh_start_is_on_the_first_lesson(self):
        state = self.reload()
        self.assertTrue(state.fresh)
        self.assertEqual(state.current().id, "01")

    def test_solving_the_current_lesson_moves_on_and_the_file_agrees(self):
        state = self.reload()
        state.mark_solved("01")
        state.save()
        self.assertEqual(state.current().id, "02")
        self.assertEqual(json.loads(self.path.read_text())["current"], "02")
        self.assertEqual(self.reload().current().id, "02")

    def test_a_chosen_solved_lesson_stays_current_and_solved(self):
        state = self.reload()
        state.mark_solved("01")
        state.choose("01")
        state.save()
        again = self.reload()
        self.assertEqual(again.current().id, "01")
        self.assertTrue(again.is_solved("01"))
        self.assertEqual((again.solved_count(), again.solved_points()), (1, 1))

    def test_solving_a_lesson_skips_the_solved_ones_after_it(self):
        state = self.reload()
        state.mark_solved("02")
        state.choose("01")
        state.mark_solved("01")
        self.assertEqual(state.current().id, "03")

    def test_reset_forgets_the_lesson_and_its_hints(self):
        state = self.reload()
        state.mark_solved("01")
        state.hints_shown["01"] = 2
        state.forget("01")
        self.assertFalse(state.is_solved("01"))
        self.assertNotIn("01", state.hints_shown)

    def test_a_broken_file_starts_afresh_with_a_warning(self):
        self.path.write_text("{not json")
        state = self.reload()
        self.assertIn("could not be read", state.warning)
        self.assertEqual(state.current().id, "01")


if __name__ == "__main__":
    unittest.main()
