import pathlib
import tempfile
import unittest

from learner import hints
from threadkata import lessons

LESSON = lessons.Lesson(id="01", folder="01_x", title="X", editable=("katas/01_x/x.cc",), points=1)


class HintsTest(unittest.TestCase):
    def test_hints_md_sections_in_order_with_code_kept_whole(self):
        text = (
            "# Hints\n\n## Hint 1\n\nJoin it.\n\n## Hint 2\n\n```cpp\n## not a heading\n"
            "t.join();\n```\n"
        )
        self.assertEqual(
            hints.parse(text), ["Join it.", "```cpp\n## not a heading\nt.join();\n```"]
        )

    def test_the_readme_is_never_read_for_hints(self):
        with tempfile.TemporaryDirectory() as temp:
            root = pathlib.Path(temp)
            (root / "katas/01_x").mkdir(parents=True)
            (root / LESSON.readme).write_text(
                "# X\n\n## Hints\n\n### Hint 1\n\nOld.\n\n## Next\n\nNot a hint.\n"
            )
            self.assertEqual(hints.load(root, LESSON), [])
            (root / LESSON.hints).write_text("## Hint 1\n\nNew.\n")
            self.assertEqual(hints.load(root, LESSON), ["New."])

    def test_every_lesson_of_the_repository_has_hints(self):
        root = pathlib.Path(__file__).resolve().parents[3]
        for lesson in lessons.load(root):
            with self.subTest(lesson=lesson.id):
                self.assertTrue(hints.load(root, lesson))


if __name__ == "__main__":
    unittest.main()
