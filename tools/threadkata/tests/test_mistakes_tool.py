import io
import unittest
from unittest import mock

from rich.console import Console

from threadkata import mistakes, mistakes_tool
from threadkata.tests.test_mistakes import LESSON, Tree

OLD = {"verdict default crash", "check S.A", "crash in S.A"}
NEW = {"verdict default crash", "check S.B", "crash in S.B"}
OTHER = {"verdict default fail", "check S.C"}


class RecordOneMutantTest(unittest.TestCase):
    def setUp(self):
        self.tree = Tree({"detaches": 2, "joins": 3})
        self.addCleanup(self.tree.close)
        self.tree.record({"detaches": [OLD], "joins": [OTHER]})
        for owner, name, value in (
            (mistakes_tool, "ROOT", self.tree.root),
            (mistakes_tool, "_bazel", mock.Mock(return_value=mock.MagicMock())),
            (mistakes_tool.bazel_module, "expected_tests", mock.Mock(return_value={})),
        ):
            patcher = mock.patch.object(owner, name, value)
            patcher.start()
            self.addCleanup(patcher.stop)
        self.console = Console(file=io.StringIO())

    def record(self, runs, **options):
        found = iter(runs)
        with mock.patch.object(
            mistakes_tool, "_recorded_runs", side_effect=lambda *a, **k: next(found)
        ) as ran:
            mistakes_tool.record(self.console, [LESSON], runs=len(runs), **options)
        return ran

    def test_runs_of_one_mutant_are_added_to_its_recorded_ones_and_the_others_kept(self):
        ran = self.record(
            [{"detaches": frozenset(NEW)}, {"detaches": frozenset(NEW)}], only={"detaches"}
        )
        self.assertEqual(ran.call_args.args[2], {"detaches": "//tests/05_x:mutant_detaches_test"})
        table = mistakes.load(self.tree.root, LESSON)
        self.assertEqual(set(table["detaches"]), {frozenset(OLD), frozenset(NEW)})
        self.assertEqual(table["joins"], (frozenset(OTHER),))
        self.assertEqual(mistakes.stale(self.tree.root, LESSON), [])

    def test_recorded_runs_of_a_changed_patch_are_dropped(self):
        self.tree.patch("detaches", "Mutant: detaches, changed\nHint: 2\n\n--- a/x\n+++ b/x\n")
        self.record([{"detaches": frozenset(NEW)}], only={"detaches"})
        self.assertEqual(mistakes.load(self.tree.root, LESSON)["detaches"], (frozenset(NEW),))

    def test_without_a_mutant_every_signature_is_recorded_again(self):
        self.record([{"detaches": frozenset(NEW), "joins": frozenset(NEW)}])
        table = mistakes.load(self.tree.root, LESSON)
        self.assertEqual(table, {"detaches": (frozenset(NEW),), "joins": (frozenset(NEW),)})


if __name__ == "__main__":
    unittest.main()
