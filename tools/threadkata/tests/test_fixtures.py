"""The engine's verdicts on runs recorded from real programs (fixtures/, written by record.py):
every fixture gets the verdict its expected.json names, and keeps the evidence a learner needs
to find the mistake."""

import dataclasses
import json
import pathlib
import re
import shutil
import tempfile
import time
import unittest

from threadkata import classify
from threadkata import explain
from threadkata import lessons
from threadkata import run as engine

FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures"
ROOT = FIXTURES.parents[3]


def judged(name):
    return engine.judge_fixture(FIXTURES / name)


class EveryFixture(unittest.TestCase):
    def test_each_gets_its_expected_verdict(self):
        names = sorted(p.name for p in FIXTURES.iterdir() if (p / "run.json").exists())
        self.assertGreaterEqual(len(names), 10, "fixtures are missing: run tests/record.py")
        for name in names:
            wanted = json.loads((FIXTURES / name / "expected.json").read_text())["verdict"]
            with self.subTest(fixture=name):
                self.assertEqual(judged(name).kind, wanted)


class Verdicts(unittest.TestCase):
    def test_a_pass_ran_every_expected_test(self):
        verdict = judged("pass")
        self.assertEqual(verdict.missing, [])
        self.assertTrue(verdict.cases and all(c.status == "pass" for c in verdict.cases))

    def test_a_pass_missing_one_expected_test_is_no_pass(self):
        run, meta = engine.load_fixture(FIXTURES / "pass")
        first = classify.gtest_cases(run.xml)[0].name.split(".")[1]
        run = dataclasses.replace(run, xml=re.sub(rf'<testcase name="{first}"[^>]*/>', "", run.xml))
        verdict = classify.judge(
            run, meta["expected_tests"], meta["editable"], {"test_timeout": 60}
        )
        self.assertEqual(verdict.kind, classify.CRASH)
        self.assertEqual(len(verdict.missing), 1)

    def test_exit_0_mid_test_is_a_crash_not_a_pass(self):
        verdict = judged("exit0_mid_test")
        self.assertEqual(verdict.kind, classify.CRASH)
        self.assertEqual(verdict.explanation, explain.EXITED_EARLY)
        self.assertTrue(verdict.missing)
        self.assertTrue(verdict.test, "the test that was running is named")

    def test_failures_point_at_the_test_and_keep_the_authors_message(self):
        verdict = judged("fail")
        self.assertTrue(verdict.failed)
        first = verdict.failed[0]
        self.assertRegex(first.location, r"^tests/01_sequential/\w+\.cc:\d+$")
        self.assertIn("do_something must", first.message)

    def test_a_race_after_a_failed_assertion_is_the_race(self):
        verdict = judged("race_after_failure")
        self.assertEqual(verdict.kind, classify.SANITIZER)
        self.assertIn("The variable: calls.", verdict.explanation)
        self.assertRegex(verdict.report, r"(Write|Read) of size")
        self.assertRegex(verdict.report, r"Previous (write|read) of size")
        self.assertTrue(verdict.locations[0].startswith("katas/01_sequential/sequential.cc:"))
        self.assertTrue(any(c.status == "fail" for c in verdict.cases), "the failures are kept")

    def test_a_race_names_both_accesses_in_the_learners_file(self):
        verdict = judged("race")
        self.assertEqual(verdict.kind, classify.SANITIZER)
        self.assertTrue(verdict.locations[0].startswith("katas/01_sequential/sequential.cc:"))
        self.assertRegex(verdict.report, r"Previous (write|read) of size")

    def test_a_race_is_read_as_two_accesses_by_two_kernel_threads(self):
        log = (FIXTURES / "race" / "test.log").read_text()
        [race] = classify.races(log)
        self.assertEqual(race.test, "RunSequentially.ReturnsResultsInCallOrder")
        later, earlier = race.accesses
        self.assertEqual((later.what, later.previous, later.tid), ("read", False, 23))
        self.assertEqual((earlier.what, earlier.previous, earlier.tid), ("write", True, 16))
        self.assertEqual(later.location, "katas/01_sequential/sequential.cc:32")
        self.assertEqual(earlier.location, "katas/01_sequential/sequential.cc:33")

    def test_a_race_between_a_named_thread_and_an_atomic_access_is_read_too(self):
        log = (
            "[ RUN      ] S.T\n"
            "WARNING: ThreadSanitizer: data race (pid=5)\n"
            "  Atomic write of size 4 at 0x7b04 by thread T1 (mutexes: write M1):\n"
            "    #0 f katas/x/x.cc:7 (kata_test+0x1)\n"
            "\n"
            "  Previous read of size 4 at 0x7b04 by main thread:\n"
            "    #0 g /usr/include/c++/12/bits/atomic_base.h:3 (kata_test+0x2)\n"
            "\n"
            "  Thread T1 'worker' (tid=77, running) created by main thread at:\n"
            "    #0 pthread_create <null> (libtsan.so.2+0x3)\n"
            "SUMMARY: ThreadSanitizer: data race katas/x/x.cc:7 in f\n"
        )
        [race] = classify.races(log)
        self.assertEqual(race.test, "S.T")
        self.assertEqual(
            [(a.what, a.tid, a.location) for a in race.accesses],
            [
                ("atomic write", 77, "katas/x/x.cc:7"),
                ("read", 5, "/usr/include/c++/12/bits/atomic_base.h:3"),
            ],
        )

    def test_a_sanitizers_deadly_signal_is_a_crash_in_the_learners_file(self):
        verdict = judged("tsan_segv")
        self.assertEqual(verdict.kind, classify.CRASH)
        self.assertIn(explain.SEGV, verdict.explanation)
        self.assertTrue(verdict.locations, "the innermost frame in the learner's file is shown")
        self.assertTrue(verdict.locations[0].startswith("katas/01_sequential/sequential.cc:"))

    def test_a_crash_after_a_line_like_a_huge_stack_frame_is_judged_at_once(self):
        run, meta = engine.load_fixture(FIXTURES / "tsan_segv")
        run = dataclasses.replace(run, log="    #0 " + "x:1" * 100000 + "x\n" + run.log)
        started = time.monotonic()
        verdict = classify.judge(
            run, meta["expected_tests"], meta["editable"], {"test_timeout": meta["test_timeout"]}
        )
        self.assertLess(time.monotonic() - started, 5)
        self.assertEqual(verdict.kind, classify.CRASH)

    def test_a_plain_segfault_is_a_crash_naming_the_signal(self):
        verdict = judged("segv")
        self.assertEqual(verdict.kind, classify.CRASH)
        self.assertIn("killed by SIGSEGV", verdict.explanation)
        self.assertIn(explain.SEGV, verdict.explanation)

    def test_an_index_past_an_arrays_end_is_a_crash_naming_the_bounds_check(self):
        verdict = judged("out_of_bounds")
        self.assertEqual(verdict.kind, classify.CRASH)
        self.assertIn("killed by SIGILL", verdict.explanation)
        self.assertIn(explain.OUT_OF_BOUNDS, verdict.explanation)

    def test_a_joinable_thread_destroyed_is_explained(self):
        self.assertIn(explain.TERMINATE, judged("terminate").explanation)

    def test_a_thread_joined_twice_is_explained(self):
        verdict = judged("join_twice")
        self.assertEqual(verdict.test, "Executor.ReportsItsMaxWorkers")
        self.assertIn("not joinable", verdict.explanation)
        self.assertIn("Join each thread once", verdict.explanation)

    def test_endless_output_is_stopped_and_says_so(self):
        verdict = judged("endless_output")
        self.assertEqual(verdict.kind, classify.TIMEOUT)
        self.assertIn("printed too much", verdict.explanation)
        self.assertTrue(verdict.test)

    def test_memory_without_end_is_killed_at_the_limit_and_says_so(self):
        verdict = judged("memory_limit")
        self.assertEqual(verdict.kind, classify.CRASH)
        self.assertIn("memory limit of", verdict.explanation)
        self.assertNotIn("Killed", verdict.report)

    def test_a_log_of_passed_tests_is_no_pass_without_googletests_own_xml(self):
        run, meta = engine.load_fixture(FIXTURES / "pass")
        stand_in, _ = engine.load_fixture(FIXTURES / "exit0_mid_test")
        empty = '<?xml version="1.0"?>\n<testsuites tests="0" name="AllTests"></testsuites>\n'
        for name, xml in (("Bazel's stand-in", stand_in.xml), ("no test case", empty)):
            with self.subTest(xml=name):
                verdict = classify.judge(
                    dataclasses.replace(run, xml=xml),
                    meta["expected_tests"],
                    meta["editable"],
                    {"test_timeout": meta["test_timeout"]},
                )
                self.assertEqual(verdict.kind, classify.CRASH, "the program prints its own log")

    def test_a_results_file_that_the_printed_output_contradicts_is_no_pass(self):
        failed, meta = engine.load_fixture(FIXTURES / "fail")
        limits = {"test_timeout": meta["test_timeout"]}
        all_passed = re.sub(r"<failure.*?</failure>", "", failed.xml, flags=re.S)
        self.assertEqual(
            [c.status for c in classify.gtest_cases(all_passed) if c.status != "pass"], []
        )
        verdict = classify.judge(
            dataclasses.replace(failed, xml=all_passed),
            meta["expected_tests"],
            meta["editable"],
            limits,
        )
        self.assertEqual(verdict.kind, classify.FAIL, "GoogleTest printed the failures")
        self.assertTrue(any(c.message for c in verdict.cases if c.status == "fail"))

        passed, meta = engine.load_fixture(FIXTURES / "pass")
        first = classify.log_cases(passed.log)[0].name
        unseen = re.sub(
            rf"^\[ RUN      \] {re.escape(first)}\n(.*\n)*?\[       OK \] {re.escape(first)} .*\n",
            "",
            passed.log,
            count=1,
            flags=re.M,
        )
        self.assertNotIn(first, unseen)
        verdict = classify.judge(
            dataclasses.replace(passed, log=unseen),
            meta["expected_tests"],
            meta["editable"],
            {"test_timeout": meta["test_timeout"]},
        )
        self.assertEqual(verdict.kind, classify.CRASH, "the log never shows the check running")
        self.assertEqual(verdict.explanation, explain.RESULTS_DISAGREE)

    def test_a_limiter_line_the_program_printed_itself_changes_nothing(self):
        run, meta = engine.load_fixture(FIXTURES / "fail")
        lines = run.log.split("\n")
        middle = len(lines) // 2
        for forged in ("output limit of 5 bytes exceeded", "memory limit of 1 MiB exceeded"):
            with self.subTest(forged=forged):
                log = "\n".join(lines[:middle] + [f"[threadkata-grader] {forged}"] + lines[middle:])
                verdict = classify.judge(
                    dataclasses.replace(run, log=log),
                    meta["expected_tests"],
                    meta["editable"],
                    {"test_timeout": meta["test_timeout"]},
                )
                self.assertEqual(verdict.kind, classify.FAIL, "only the limiter's last lines count")

    def test_a_hang_is_a_timeout_naming_the_test_and_keeping_the_watchdogs_line(self):
        verdict = judged("hang")
        self.assertEqual(verdict.kind, classify.TIMEOUT)
        self.assertTrue(verdict.test.startswith("DoSomething."))
        self.assertIn("did not finish within", verdict.report)

    def test_a_compile_error_keeps_the_library_line_the_learners_file_caused(self):
        verdict = judged("compile_error")
        self.assertEqual(verdict.kind, classify.COMPILE_ERROR)
        self.assertEqual(verdict.explanation, explain.COMPILE_MINE)
        self.assertIn("static assertion failed", verdict.report)
        self.assertIn("katas/01_sequential/sequential.cc", verdict.report)
        self.assertIn("required from here", verdict.report)


class GatedFixtures(unittest.TestCase):
    """The fixtures the gate decides on (no run.json): their source goes through the real gate."""

    def gated(self, name, source):
        wanted = json.loads((FIXTURES / name / "expected.json").read_text())
        lesson = lessons.find(lessons.load(ROOT), wanted["lesson"])
        with tempfile.TemporaryDirectory() as scratch:
            root = pathlib.Path(scratch)
            folder = root / "katas" / lesson.folder
            folder.mkdir(parents=True)
            shutil.copyfile(ROOT / ".bazelrc", root / ".bazelrc")
            for header in (ROOT / "katas" / lesson.folder).glob("*.h"):
                shutil.copyfile(header, folder / header.name)
            shutil.copyfile(source, root / lesson.editable[0])
            return wanted, engine.gated(root, lesson, root / "gate-cache")

    def test_a_refused_file_is_refused_at_its_line_and_never_built(self):
        wanted, (run, verdict) = self.gated("refused", FIXTURES / "refused" / "sequential.cc")
        self.assertEqual(verdict.kind, wanted["verdict"])
        self.assertEqual(run.status, "")
        self.assertEqual(verdict.locations, ["katas/01_sequential/sequential.cc:9"])
        self.assertIn("format_seconds", verdict.report)
        self.assertIn("anonymous namespace", verdict.report)

    def test_the_reference_solution_is_admitted(self):
        _, verdict = self.gated("refused", ROOT / "solutions" / "01_sequential" / "sequential.cc")
        self.assertIsNone(verdict)


if __name__ == "__main__":
    unittest.main()
