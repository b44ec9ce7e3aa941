import pathlib
import tempfile
import unittest

from threadkata import bazel, classify, gate, lessons
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
    workspace = "/w"

    def __init__(self, runs, failed):
        self.invocation = bazel.Invocation(runs=runs, failed_actions=failed, log_path="/log")
        self.tested = []

    def test(self, config, labels, log_path):
        self.tested += labels
        return self.invocation


def admit_all(root, lesson, cache_dir, run_as):
    return None


def judge(fake, lessons_, log, gatekeeper=admit_all):
    return engine.judge_lessons(fake, "default", lessons_, EXPECTED, log, gatekeeper)


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
        results = judge(FakeBazel(runs, failed), LESSONS, self.dir / "log")
        self.assertEqual(results["01"][1].kind, "pass")
        self.assertEqual(results["02"][1].kind, "compile_error")
        self.assertIn("oops", results["02"][1].report)

    def test_a_target_that_neither_ran_nor_failed_to_compile_is_the_graders_failure(self):
        runs = {
            "//tests/01_x:kata_test": self.passed("//tests/01_x:kata_test"),
            "//tests/02_y:kata_test": bazel.TargetRun("//tests/02_y:kata_test"),
        }
        with self.assertRaises(bazel.BazelError):
            judge(FakeBazel(runs, []), LESSONS, self.dir / "log")

    def test_a_log_that_is_a_symlink_is_not_followed(self):
        secret = self.dir / "secret"
        secret.write_text("[  FAILED  ] the grader's secret\n")
        (self.dir / "link.log").symlink_to(secret)
        self.assertEqual(engine._read(str(self.dir / "link.log"), 1000), "")
        self.assertIn("secret", engine._read(str(secret), 1000))

    def test_results_longer_than_the_cap_are_not_read_at_all(self):
        # A document the learner's code wrote first, padded past the cap, then GoogleTest's.
        xml = self.dir / "test.xml"
        xml.write_text("<testsuites/>" + " " * 100 + "<testsuites/>")
        self.assertEqual(engine._read(str(xml), 50, whole=True), "")
        self.assertEqual(engine._read(str(xml), 50), "<testsuites/>" + " " * 37)
        self.assertTrue(engine._read(str(xml), 1000, whole=True).endswith("<testsuites/>"))

    def test_a_sandbox_that_could_not_be_set_up_is_the_graders_failure(self):
        runs = {"//tests/02_y:kata_test": bazel.TargetRun("//tests/02_y:kata_test")}
        failed = [
            bazel.FailedAction(
                "//katas/02_y:y", "CppCompile", "", "Mount target '/x' does not exist"
            )
        ]
        with self.assertRaisesRegex(bazel.BazelError, "Mount target"):
            judge(FakeBazel(runs, failed), LESSONS[1:], self.dir / "log")

    def test_an_incomplete_test_is_the_graders_failure(self):
        run = self.passed("//tests/01_x:kata_test")
        run.status = "INCOMPLETE"
        with self.assertRaises(bazel.BazelError):
            judge(FakeBazel({run.label: run}, []), LESSONS[:1], self.dir / "log")

    def test_a_refused_kata_is_never_built_and_the_others_are(self):
        refusal = gate.Refusal(3, "asm", "inline assembly")

        def refuse_02(root, lesson, cache_dir, run_as):
            if lesson.id != "02":
                return None
            return classify.Run(status=""), classify.refused(lesson.editable[0], [refusal])

        fake = FakeBazel({"//tests/01_x:kata_test": self.passed("//tests/01_x:kata_test")}, [])
        results = judge(fake, LESSONS, self.dir / "log", refuse_02)
        self.assertEqual(fake.tested, ["//tests/01_x:kata_test"])
        self.assertEqual(results["01"][1].kind, "pass")
        verdict = results["02"][1]
        self.assertEqual(verdict.kind, "refused")
        self.assertEqual(verdict.locations, ["katas/02_y/y.cc:3"])
        self.assertIn("line 3: inline assembly", verdict.report)
        self.assertEqual(verdict.refusals, [refusal.to_json()])

    def test_every_lesson_refused_runs_no_bazel(self):
        def refuse(root, lesson, cache_dir, run_as):
            return classify.Run(status=""), classify.refused(lesson.editable[0], [])

        fake = FakeBazel({}, [])
        results = judge(fake, LESSONS, self.dir / "log", refuse)
        self.assertEqual(fake.tested, [])
        self.assertEqual({r[1].kind for r in results.values()}, {"refused"})


if __name__ == "__main__":
    unittest.main()
