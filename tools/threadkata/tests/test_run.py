import pathlib
import tempfile
import unittest

from threadkata import bazel, lessons
from threadkata import run as engine

LESSONS = [
    lessons.Lesson("01", "01_x", "X", ("katas/01_x/x.cc",), 5),
    lessons.Lesson("02", "02_y", "Y", ("katas/02_y/y.cc",), 10),
]
SETTINGS = bazel.Settings(
    cache_dir=pathlib.Path("/c"),
    test_timeout={"default": 60, "tsan": 180},
    output_limit=1000,
)
EXPECTED = {"01": ["S.T"], "02": ["S.T"]}


class FakeBazel:
    settings = SETTINGS

    def __init__(self, runs, failed):
        self.invocation = bazel.Invocation(runs=runs, failed_actions=failed, log_path="/log")

    def test(self, config, labels, log_path):
        return self.invocation


class JudgeLessonsTest(unittest.TestCase):
    def setUp(self):
        self.temp = tempfile.TemporaryDirectory()
        self.dir = pathlib.Path(self.temp.name)
        (self.dir / "test.log").write_text(
            "[ RUN      ] S.T\n[       OK ] S.T (1 ms)\n[  PASSED  ] 1 test.\n"
            "[threadkata-grader] exit 0\n"
        )
        (self.dir / "test.xml").write_text(
            '<testsuites tests="1"><testsuite name="S">'
            '<testcase name="T" classname="S" time="0.001"/></testsuite></testsuites>'
        )

    def tearDown(self):
        self.temp.cleanup()

    def passed(self, label):
        return bazel.TargetRun(
            label,
            built=True,
            status="PASSED",
            log_path=str(self.dir / "test.log"),
            xml_path=str(self.dir / "test.xml"),
        )

    def test_a_kata_that_does_not_compile_costs_only_that_kata(self):
        runs = {
            "//tests/01_x:kata_test": self.passed("//tests/01_x:kata_test"),
            "//tests/02_y:kata_test": bazel.TargetRun("//tests/02_y:kata_test"),
        }
        failed = [bazel.FailedAction("//katas/02_y:y", "CppCompile", "y.cc:1: error: oops")]
        results = engine.judge_lessons(
            FakeBazel(runs, failed), "default", LESSONS, EXPECTED, self.dir / "log"
        )
        self.assertEqual(results["01"][1].kind, "pass")
        self.assertEqual(results["02"][1].kind, "compile_error")
        self.assertIn("oops", results["02"][1].report)

    def test_a_target_that_neither_ran_nor_failed_to_compile_is_the_graders_failure(self):
        runs = {
            "//tests/01_x:kata_test": self.passed("//tests/01_x:kata_test"),
            "//tests/02_y:kata_test": bazel.TargetRun("//tests/02_y:kata_test"),
        }
        with self.assertRaises(bazel.BazelError):
            engine.judge_lessons(
                FakeBazel(runs, []), "default", LESSONS, EXPECTED, self.dir / "log"
            )

    def test_an_incomplete_test_is_the_graders_failure(self):
        run = self.passed("//tests/01_x:kata_test")
        run.status = "INCOMPLETE"
        with self.assertRaises(bazel.BazelError):
            engine.judge_lessons(
                FakeBazel({run.label: run}, []), "default", LESSONS[:1], EXPECTED, self.dir / "log"
            )


if __name__ == "__main__":
    unittest.main()
