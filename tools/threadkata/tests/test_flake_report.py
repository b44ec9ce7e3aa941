import tempfile
import unittest
from pathlib import Path

from threadkata import flake_report
from threadkata.flake_report import Runs


class FakeBazel:
    def __init__(self, labels):
        self.labels = labels

    def query(self, expression):
        assert expression == flake_report.SANITIZER_ONLY
        return self.labels


class SanitizerOnlyMutantsTest(unittest.TestCase):
    def test_only_mutant_rejection_checks_of_the_chosen_lessons(self):
        bazel = FakeBazel(
            [
                "//tests/support/trace:trace_test",
                "//tests/09_executor:mutant_pushes_without_the_lock_rejected",
                "//tests/09_executor:mutant_checks_the_flag_outside_the_lock_rejected",
                "//tests/07_join_timeout:mutant_sets_the_flag_without_the_mutex_rejected",
            ]
        )
        self.assertEqual(
            flake_report.sanitizer_only_mutants(bazel, ["09_executor"]),
            {"09_executor": ["checks_the_flag_outside_the_lock", "pushes_without_the_lock"]},
        )


class ReportTest(unittest.TestCase):
    def test_failures_sums_and_mutant_rates(self):
        def runs(median, failures=None, passed=10):
            return Runs(runs=10, passed=passed, median_s=median, failures=failures or {})

        lesson = {
            config: {"bare": runs(1.0), "quiet": runs(1.5), "noise": runs(2.0)}
            for config in flake_report.CONFIGS
        }
        lesson["tsan"]["noise"] = runs(2.0, {"Join.ForZero": [7, 9]}, passed=8)
        mutant = {kind: runs(1.0, passed=3) for kind in ("plain", "plain_noise", "tsan_noise")}
        with tempfile.TemporaryDirectory() as work:
            Path(work, "seed_7.log").write_text("kept")
            text = flake_report.report(
                ["--runs", "10"],
                {"07_join_timeout": lesson, "08_x": lesson},
                {("07_join_timeout", "sets_the_flag"): mutant},
                Path(work),
                flake_report.datetime.datetime(2026, 12, 6, 18, 0),
                (1.0, 2.0),
            )
        self.assertIn(
            "| 07_join_timeout | passed 10 of 10 | passed 8 of 10 | Join.ForZero ×2 |", text
        )
        self.assertIn("| **sum** | **2.00 s** | **3.00 s** | **4.00 s** |", text)
        self.assertIn(
            "| `sets_the_flag` | failed 7 of 10 | failed 7 of 10 | failed 7 of 10 |", text
        )
        self.assertIn("were kept in", text)


if __name__ == "__main__":
    unittest.main()
