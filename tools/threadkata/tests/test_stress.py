import io
import pathlib
import tempfile
import unittest
from contextlib import redirect_stdout

from threadkata import bazel, stress

# Recorded from a real run: CI's stress_short, three loaded tsan runs of lesson 11, the first of
# which timed out (stop 19). The event file's log paths point into this folder.
FIXTURE = pathlib.Path(__file__).parent / "stress_fixtures" / "tsan_timeout"
LABEL = "//tests/11_process_pool:solution_test"


def _events():
    text = (FIXTURE / "bep.json").read_text(encoding="utf-8")
    return text.replace("file://FIXTURE/", f"file://{FIXTURE}/").splitlines()


class TestAttemptsTest(unittest.TestCase):
    def test_every_run_is_read_with_its_status_and_log(self):
        attempts = sorted(bazel.test_attempts(_events()), key=lambda a: a.run)
        self.assertEqual(
            [(a.run, a.status) for a in attempts], [(1, "FAILED"), (2, "PASSED"), (3, "PASSED")]
        )
        self.assertEqual(attempts[0].log_path, str(FIXTURE / "run_1.log"))
        self.assertFalse(any(a.cached for a in attempts))

    def test_parse_events_keeps_reading_the_same_fields(self):
        runs, _ = bazel.parse_events(_events(), [LABEL])
        self.assertIn(runs[LABEL].status, ("FAILED", "PASSED"))
        self.assertTrue(runs[LABEL].log_path.startswith(str(FIXTURE)))
        self.assertGreater(runs[LABEL].duration_ms, 0)


class SummarizeTest(unittest.TestCase):
    def test_a_failed_run_names_its_test_and_the_watchdog_line(self):
        with tempfile.TemporaryDirectory() as keep:
            attempts = list(bazel.test_attempts(_events()))
            lines, failed = stress.summarize(attempts, 3, [LABEL], pathlib.Path(keep))
            kept = pathlib.Path(keep) / "tests/11_process_pool/solution_test/run_1.log"
            self.assertTrue(kept.exists())
        self.assertEqual(failed, 1)
        self.assertEqual(lines[0].split()[-4:], ["1", "failed", "of", "3"])
        self.assertIn("run 1: FAILED, log", lines[1])
        self.assertRegex(
            lines[2],
            r"^ +ProcessPool\.EveryFutureHoldsItsOwnTasksOutcome: did not finish: "
            r"\[  TIMEOUT \] a task's future did not finish within 50 units",
        )
        self.assertEqual(len(lines), 3)

    def test_runs_that_were_cached_or_never_started_count_as_failures(self):
        attempts = [bazel.TestAttempt(LABEL, run=1, status="PASSED", cached=True)]
        lines, failed = stress.summarize(attempts, 2, [LABEL], pathlib.Path("/nonexistent"))
        self.assertEqual(failed, 2)
        self.assertIn("(2 not executed: cached or never started)", lines[0])

    def test_a_failed_assertion_is_named_with_its_first_line(self):
        log = (
            "[ RUN      ] Suite.Name\n"
            "tests/x_test.cc:3: Failure\nValue of: ok\n  Actual: false\n"
            "[  FAILED  ] Suite.Name (5 ms)\n"
        )
        self.assertEqual(stress.failed_tests(log), [("Suite.Name", "Value of: ok")])


class MainTest(unittest.TestCase):
    def test_exit_status_is_1_and_the_summary_is_printed(self):
        with tempfile.TemporaryDirectory() as temp:
            bep = pathlib.Path(temp) / "bep.json"
            bep.write_text("\n".join(_events()) + "\n", encoding="utf-8")
            out = io.StringIO()
            with redirect_stdout(out):
                status = stress.main([str(bep), str(pathlib.Path(temp) / "keep"), "3", LABEL])
        self.assertEqual(status, 1)
        self.assertIn("EveryFutureHoldsItsOwnTasksOutcome: did not finish", out.getvalue())


if __name__ == "__main__":
    unittest.main()
