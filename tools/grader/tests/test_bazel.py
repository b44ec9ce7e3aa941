import json
import pathlib
import tempfile
import unittest

from threadkata_grader import bazel

LABEL = "//tests/01_x:kata_test"
OTHER = "//tests/02_y:kata_test"


def event(**fields):
    return json.dumps(fields)


class ParseEventsTest(unittest.TestCase):
    def test_reads_test_results_and_failed_actions(self):
        with tempfile.TemporaryDirectory() as temp:
            stderr = pathlib.Path(temp) / "stderr-3"
            stderr.write_text("y.cc:1: error: expected ';'")
            lines = [
                event(
                    id={"targetCompleted": {"label": LABEL}},
                    completed={"success": True},
                ),
                event(
                    id={"testResult": {"label": LABEL, "run": 1}},
                    testResult={
                        "status": "FAILED",
                        "testAttemptDurationMillis": "279",
                        "testActionOutput": [
                            {"name": "test.log", "uri": "file:///o/test.log"},
                            {"name": "test.xml", "uri": "file:///o/test.xml"},
                        ],
                    },
                ),
                event(
                    id={"actionCompleted": {"label": "//katas/02_y:y"}},
                    action={
                        "success": False,
                        "label": "//katas/02_y:y",
                        "type": "CppCompile",
                        "stderr": {"uri": f"file://{stderr}"},
                    },
                ),
                event(
                    id={"targetCompleted": {"label": OTHER}},
                    completed={"success": False, "failureDetail": {"message": "gcc failed"}},
                ),
                "",
            ]
            runs, failed = bazel.parse_events(lines, [LABEL, OTHER])
        self.assertEqual(runs[LABEL].status, "FAILED")
        self.assertEqual(runs[LABEL].duration_ms, 279)
        self.assertEqual(runs[LABEL].log_path, "/o/test.log")
        self.assertEqual(runs[LABEL].xml_path, "/o/test.xml")
        self.assertEqual(runs[OTHER].status, "")
        self.assertFalse(runs[OTHER].built)
        self.assertEqual(failed[0].label, "//katas/02_y:y")
        self.assertIn("expected ';'", failed[0].stderr)


if __name__ == "__main__":
    unittest.main()
