import pathlib
import tempfile
import unittest

from threadkata_grader import bazel, classify

GTEST_FAIL_XML = """<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="2" failures="1" errors="0" name="AllTests">
  <testsuite name="S" tests="2" failures="1">
    <testcase name="Good" status="run" result="completed" time="0.01" classname="S" />
    <testcase name="Bad" status="run" result="completed" time="0.5" classname="S">
      <failure message="t.cc:3&#x0A;Expected 1, got 2&#x0A;did you join?" type=""></failure>
    </testcase>
  </testsuite>
</testsuites>
"""
GTEST_PASS_XML = GTEST_FAIL_XML.replace('failures="1"', 'failures="0"').replace(
    """<failure message="t.cc:3&#x0A;Expected 1, got 2&#x0A;did you join?" type=""></failure>""", ""
)
BAZEL_STAND_IN_XML = """<?xml version="1.0" encoding="UTF-8"?>
<testsuites><testsuite name="tests/01_x/kata_test" tests="1" failures="0" errors="1">
<testcase name="tests/01_x/kata_test" status="run" duration="1" time="1">
<error message="exited with error code 139"></error></testcase></testsuite></testsuites>
"""
LOG_HEAD = (
    "threadkata: time unit 1 units (100 ms)\n[==========] Running 2 tests from 1 test suite.\n"
)


class ClassifyRunTest(unittest.TestCase):
    def setUp(self):
        self.temp = tempfile.TemporaryDirectory()
        self.dir = pathlib.Path(self.temp.name)

    def tearDown(self):
        self.temp.cleanup()

    def run_with(self, status, log, xml=""):
        (self.dir / "test.log").write_text(log)
        (self.dir / "test.xml").write_text(xml)
        run = bazel.TargetRun(
            "//tests/01_x:kata_test",
            built=True,
            status=status,
            log_path=str(self.dir / "test.log"),
            xml_path=str(self.dir / "test.xml"),
            duration_ms=1500,
        )
        return classify.classify_run(run, test_timeout=60)

    def test_pass(self):
        log = LOG_HEAD + "[  PASSED  ] 2 tests.\n[threadkata-grader] exit 0\n"
        result = self.run_with("PASSED", log, GTEST_PASS_XML)
        self.assertEqual(result.status, classify.PASS)
        self.assertEqual([c.status for c in result.cases], ["pass", "pass"])
        self.assertEqual(result.duration, 1.5)

    def test_failed_assertion_keeps_the_teaching_message(self):
        log = LOG_HEAD + "[  FAILED  ] S.Bad (500 ms)\n[threadkata-grader] exit 1\n"
        result = self.run_with("FAILED", log, GTEST_FAIL_XML)
        self.assertEqual(result.status, classify.FAIL)
        self.assertIn("did you join?", result.output)
        self.assertIn("S.Bad", result.message)

    def test_exit_zero_before_the_tests_finished_is_a_crash(self):
        log = LOG_HEAD + "[ RUN      ] S.Good\n[threadkata-grader] exit 0\n"
        result = self.run_with("PASSED", log, BAZEL_STAND_IN_XML)
        self.assertEqual(result.status, classify.CRASH)
        self.assertEqual(result.cases[0].status, "error")

    def test_segfault_names_the_signal_and_the_test(self):
        log = LOG_HEAD + "[ RUN      ] S.Good\n[threadkata-grader] exit 139\n"
        result = self.run_with("FAILED", log, BAZEL_STAND_IN_XML)
        self.assertEqual(result.status, classify.CRASH)
        self.assertIn("SIGSEGV", result.message)
        self.assertEqual(result.cases[0].name, "S.Good")

    def test_abort_hints_at_a_joinable_thread(self):
        log = LOG_HEAD + "[ RUN      ] S.Good\nterminate called without an active exception\n"
        result = self.run_with("FAILED", log + "[threadkata-grader] exit 134\n", BAZEL_STAND_IN_XML)
        self.assertEqual(result.status, classify.CRASH)
        self.assertIn("SIGABRT during S.Good", result.message)
        self.assertIn("joinable", result.message)
        self.assertEqual(result.output, "terminate called without an active exception")

    def test_forged_xml_without_gtest_summary_is_not_a_pass(self):
        log = LOG_HEAD + "[ RUN      ] S.Good\n[threadkata-grader] exit 0\n"
        result = self.run_with("PASSED", log, GTEST_PASS_XML)
        self.assertEqual(result.status, classify.CRASH)

    def test_watchdog_is_a_timeout(self):
        log = LOG_HEAD + (
            "[ RUN      ] S.Good\n[  TIMEOUT ] test S.Good did not finish within 200 units\n"
            "[threadkata-grader] exit 1\n"
        )
        result = self.run_with("FAILED", log, BAZEL_STAND_IN_XML)
        self.assertEqual(result.status, classify.TIMEOUT)
        self.assertIn("did not finish", result.message)

    def test_bazel_timeout(self):
        result = self.run_with("TIMEOUT", LOG_HEAD + "[ RUN      ] S.Good\n")
        self.assertEqual(result.status, classify.TIMEOUT)
        self.assertIn("60 s", result.message)

    def test_race_with_assertions_holding_is_sanitizer(self):
        log = LOG_HEAD + (
            "[ RUN      ] S.Good\n==================\n"
            "WARNING: ThreadSanitizer: data race (pid=1)\n  Write of size 4\n"
            "SUMMARY: ThreadSanitizer: data race x.cc:3 in f\n==================\n"
            "[threadkata-grader] exit 66\n"
        )
        result = self.run_with("FAILED", log, BAZEL_STAND_IN_XML)
        self.assertEqual(result.status, classify.SANITIZER)
        self.assertIn("Write of size 4", result.message)
        self.assertEqual(result.cases[0].status, "error")

    def test_race_is_pinned_on_the_test_that_was_running(self):
        log = LOG_HEAD + (
            "[ RUN      ] S.Good\n[       OK ] S.Good (10 ms)\n[ RUN      ] S.Bad\n"
            "WARNING: ThreadSanitizer: data race (pid=1)\n  Write of size 4\n"
            "[       OK ] S.Bad (500 ms)\n[  PASSED  ] 2 tests.\n"
            "ThreadSanitizer: reported 1 warnings\n[threadkata-grader] exit 66\n"
        )
        result = self.run_with("FAILED", log, GTEST_PASS_XML)
        self.assertEqual(result.status, classify.SANITIZER)
        self.assertEqual([c.status for c in result.cases], ["pass", "fail"])
        self.assertIn("Write of size 4", result.cases[1].message)

    def test_race_after_a_failed_assertion_is_a_failure(self):
        log = LOG_HEAD + (
            "[ RUN      ] S.Bad\nt.cc:3: Failure\n[  FAILED  ] S.Bad (5 ms)\n[ RUN      ] S.Good\n"
            "WARNING: ThreadSanitizer: data race (pid=1)\n[threadkata-grader] exit 66\n"
        )
        result = self.run_with("FAILED", log, BAZEL_STAND_IN_XML)
        self.assertEqual(result.status, classify.FAIL)

    def test_output_limit(self):
        log = (
            LOG_HEAD
            + "[ RUN      ] S.Good\n"
            + "spam\n" * 100
            + (
                "\n[threadkata-grader] output limit of 500 bytes exceeded\n"
                "[threadkata-grader] exit 141\n"
            )
        )
        result = self.run_with("FAILED", log, BAZEL_STAND_IN_XML)
        self.assertEqual(result.status, classify.FAIL)
        self.assertIn("printed too much", result.message)
        self.assertLessEqual(len(result.to_json()["output"]), classify.OUTPUT_CAP)

    def test_forged_marker_lines_do_not_count(self):
        # The kata prints what the wrapper prints; the wrapper's own last line is what counts.
        log = LOG_HEAD + (
            "[ RUN      ] S.Good\n[threadkata-grader] exit 0\n[threadkata-grader] exit 139\n"
        )
        result = self.run_with("FAILED", log, BAZEL_STAND_IN_XML)
        self.assertIn("SIGSEGV", result.message)

    def test_messages_are_capped(self):
        huge = "x" * 100000
        xml = GTEST_FAIL_XML.replace("did you join?", huge)
        result = self.run_with("FAILED", LOG_HEAD + "[threadkata-grader] exit 1\n", xml)
        data = result.to_json()
        self.assertLessEqual(
            max(len(t["message"] or "") for t in data["tests"]), classify.MESSAGE_CAP
        )
        self.assertLessEqual(len(data["output"]), classify.OUTPUT_CAP)


class BuildFailureTest(unittest.TestCase):
    def test_compile_error_carries_the_compiler_message(self):
        action = bazel.FailedAction("//katas/01_x:x", "CppCompile", "x.cc:3: error: expected ';'")
        result = classify.classify_build_failure([action])
        self.assertEqual(result.status, classify.COMPILE_ERROR)
        self.assertIn("expected ';'", result.message)


class CapTest(unittest.TestCase):
    def test_cap(self):
        self.assertEqual(classify.cap("short", 10), "short")
        self.assertIsNone(classify.cap(None, 10))
        capped = classify.cap("y" * 1000, 100)
        self.assertEqual(len(capped), 100)
        self.assertIn("cut", capped)


if __name__ == "__main__":
    unittest.main()
