import csv
import json
import pathlib
import tempfile
import unittest
import xml.etree.ElementTree as ElementTree

import jsonschema

from threadkata import classify
from threadkata import lessons
from threadkata import mistakes
from threadkata_grader import grading, reports, submission

SCHEMA = json.loads(
    (pathlib.Path(__file__).resolve().parents[1] / "results.schema.json").read_text()
)
LESSONS = [
    lessons.Lesson("01", "01_x", "X", ("katas/01_x/x.cc",), 5),
    lessons.Lesson("02", "02_y", "Y", ("katas/02_y/y.cc",), 10),
]
SETTINGS = grading.Settings(
    grader_root=pathlib.Path("/g"),
    cache_dir=pathlib.Path("/c"),
    test_timeout=60,
    output_limit=1000,
)


def sample_results(root=SETTINGS.grader_root):
    results = grading._skeleton("/s", LESSONS, SETTINGS)
    # A test name the learner's output made up, escape sequences included.
    cases = [classify.Case("S.T", "pass"), classify.Case("S.U\x01\x1b[2J", "pass")]
    passed = (None, classify.Verdict("pass", duration=1.0, cases=cases))
    crashed = (
        None,
        classify.Verdict(
            "crash",
            explanation="killed by SIGSEGV \x00\x1b[31m <&>",
            report="\x07 bell",
            cases=[classify.Case("S.T", "error", "boom \x01")],
        ),
    )
    configs = {"default": {"01": passed, "02": crashed}, "tsan": {"01": passed}}
    ok = [submission.FileOutcome("katas/01_x/x.cc", submission.ACCEPTED)]
    ok2 = [submission.FileOutcome("katas/02_y/y.cc", submission.ACCEPTED)]
    results["tests"] = [
        grading._kata_entry(root, LESSONS[0], ok, configs, root),
        grading._kata_entry(root, LESSONS[1], ok2, configs, root),
    ]
    results["score"] = 5
    results["status"] = "fail"
    return results


class ReportsTest(unittest.TestCase):
    def test_results_match_the_schema(self):
        results = sample_results()
        jsonschema.validate(results, SCHEMA)
        self.assertEqual([t["score"] for t in results["tests"]], [5, 0])
        self.assertEqual(results["tests"][1]["status"], "error")
        self.assertEqual(results["tests"][1]["configs"]["tsan"]["status"], "skipped")

    def test_error_results_match_the_schema(self):
        jsonschema.validate(grading.error_results("/s", LESSONS, SETTINGS, "no bazel", 0), SCHEMA)

    def test_junit_is_well_formed_whatever_the_learner_printed(self):
        root = ElementTree.fromstring(reports.junit(sample_results()))
        self.assertEqual(root.tag, "testsuites")
        self.assertEqual(root.get("errors"), "2")
        self.assertEqual(len(root.findall("testsuite")), 2)

    def test_no_report_holds_a_control_character_of_the_learners(self):
        results = sample_results()
        for text in (reports.junit(results), reports.markdown(results), json.dumps(results)):
            self.assertNotRegex(text, "[\x00-\x08\x0b-\x1f\x7f-\x9f]")
        self.assertIn("S.U\\x01\\x1b[2J", reports.junit(results))
        self.assertEqual(grading.display_name("a\x1b[2Jb"), "a\\x1b[2Jb")

    def test_markdown_lists_every_kata(self):
        text = reports.markdown(sample_results())
        self.assertIn("5 / 15", text)
        self.assertIn("crash", text)

    def test_batch_table(self):
        with tempfile.TemporaryDirectory() as temp:
            rows = [reports.batch_row("alice", sample_results())]
            reports.write_batch(temp, rows, LESSONS)
            with open(pathlib.Path(temp) / "grades.csv", encoding="utf-8") as handle:
                table = list(csv.reader(handle))
            self.assertEqual(
                table[0], ["submission", "status", "score", "max_score", "duration", "01", "02"]
            )
            self.assertEqual(table[1][0:4], ["alice", "fail", "5", "15"])
            self.assertEqual(table[1][5:], ["pass", "crash"])

    def test_batch_table_cells_never_become_formulas(self):
        with tempfile.TemporaryDirectory() as temp:
            names = ["=1+1", "+cmd", "-2", "@SUM(A1)", "plain"]
            rows = [reports.batch_row(name, sample_results()) for name in names]
            reports.write_batch(temp, rows, LESSONS)
            with open(pathlib.Path(temp) / "grades.csv", encoding="utf-8") as handle:
                cells = [row[0] for row in list(csv.reader(handle))[1:]]
            self.assertEqual(cells, ["'=1+1", "'+cmd", "'-2", "'@SUM(A1)", "plain"])


class MistakesTest(unittest.TestCase):
    """A kata that fails like a curated mutant names it; a batch counts them."""

    def setUp(self):
        temp = tempfile.TemporaryDirectory()
        self.addCleanup(temp.cleanup)
        self.root = pathlib.Path(temp.name)
        folder = self.root / "tests/02_y/mutants"
        folder.mkdir(parents=True)
        (folder / "derefs_null.patch").write_text("Mutant: reads through a null pointer\nHint: 3\n")
        mistakes.save(
            self.root,
            LESSONS[1],
            {"derefs_null": {"key": "k", "marks": [{"verdict default crash", "check S.T"}]}},
        )

    def test_a_kata_that_fails_like_a_mutant_names_it_and_its_hint(self):
        results = sample_results(self.root)
        jsonschema.validate(results, SCHEMA)
        self.assertNotIn("mistake", results["tests"][0], "a passing kata names no mistake")
        self.assertEqual(
            results["tests"][1]["mistake"]["mutants"],
            [{"name": "derefs_null", "description": "reads through a null pointer", "hint": 3}],
        )

    def test_a_batch_counts_the_class_s_mistakes(self):
        with tempfile.TemporaryDirectory() as temp:
            rows = [reports.batch_row(n, sample_results(self.root)) for n in ("a", "b")]
            rows.append(reports.batch_row("c", sample_results()))
            descriptions = {("02", "derefs_null"): ("reads through a null pointer", 3)}
            reports.write_batch(temp, rows, LESSONS, descriptions)
            text = (pathlib.Path(temp) / "mistakes.md").read_text(encoding="utf-8")
        self.assertIn("| 02 | reads through a null pointer | 2 | 3 |", text)
        self.assertIn("Over 3 submissions", text)


if __name__ == "__main__":
    unittest.main()
