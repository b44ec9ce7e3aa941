import io
import pathlib
import unittest

import rich.console

from learner import render
from threadkata import classify, lessons, mistakes

LESSON = lessons.Lesson(id="05", folder="05_x", title="X", editable=("katas/05_x/x.cc",), points=1)


def mutant(name, hint):
    return mistakes.Mutant(name, f"{name.replace('_', ' ')} [b]", hint, pathlib.Path("p"))


def printed(render_function, *args):
    """What RENDER_FUNCTION(console, LESSON, *ARGS) prints, without colour."""
    out = io.StringIO()
    render_function(rich.console.Console(file=out, width=200, no_color=True), LESSON, *args)
    return out.getvalue()


def shown(matches):
    return printed(render.mistake, matches)


class MistakeTest(unittest.TestCase):
    def test_one_mistake_is_named_with_the_command_for_its_hint(self):
        text = shown([mistakes.Match(mutant("joins_in_the_loop", 2), 0.8, ("S.A", "S.B"))])
        self.assertIn("behaves like a classic mistake (the same 2 checks fail: S.A, S.B)", text)
        self.assertIn("joins in the loop [b]", text, "the description is not markup")
        self.assertIn("Hint 2 is about it: tools/kata hint 05 2", text)

    def test_a_tie_names_each_mistake_with_its_hint(self):
        text = shown(
            [
                mistakes.Match(mutant("detaches", 2), 0.6, ("S.A",)),
                mistakes.Match(mutant("never_joins", 3), 0.6, ("S.A",)),
            ]
        )
        self.assertIn("one of these classic mistakes (the same check fails: S.A)", text)
        self.assertIn("- detaches [b] (tools/kata hint 05 2)", text)
        self.assertIn("- never joins [b] (tools/kata hint 05 3)", text)

    def test_no_match_prints_nothing(self):
        self.assertEqual(shown([]), "")


def offered(result):
    return printed(render.timeline_offer, result)


class TimelineOfferTest(unittest.TestCase):
    def test_a_failed_check_offers_the_timeline_of_the_first_failing_one(self):
        cases = [classify.Case("S.Passes", classify.PASS), classify.Case("S.Fails", classify.FAIL)]
        text = offered(classify.Verdict(classify.FAIL, "why", cases=cases))
        self.assertIn("tools/kata timeline 05 S.Fails", text)

    def test_a_hang_offers_the_timeline_of_the_check_that_hung(self):
        text = offered(classify.Verdict(classify.TIMEOUT, "why", test="S.Hangs"))
        self.assertIn("tools/kata timeline 05 S.Hangs", text)

    def test_a_race_offers_the_timeline_under_threadsanitizer(self):
        text = offered(classify.Verdict(classify.SANITIZER, "why", test="S.Races"))
        self.assertIn("tools/kata timeline 05 S.Races --tsan", text)

    def test_nothing_is_offered_when_nothing_ran(self):
        self.assertEqual(offered(classify.Verdict(classify.COMPILE_ERROR, "why")), "")
        self.assertEqual(offered(classify.Verdict(classify.CRASH, "died before any check")), "")


if __name__ == "__main__":
    unittest.main()
