import json
import pathlib
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

from threadkata import bazel


class ParseEventsTest(unittest.TestCase):
    def test_test_results_failed_actions_and_outputs_are_read(self):
        with tempfile.TemporaryDirectory() as temp:
            stderr = pathlib.Path(temp) / "stderr"
            stderr.write_text("katas/01_x/x.cc:3:1: error: expected ';'\n")
            events = [
                {
                    "id": {"namedSet": {"id": "0"}},
                    "namedSetOfFiles": {"files": [{"uri": "file:///b/solution_test"}]},
                },
                {
                    "id": {"targetCompleted": {"label": "//tests/01_x:solution_test"}},
                    "completed": {
                        "success": True,
                        "outputGroup": [{"name": "default", "fileSets": [{"id": "0"}]}],
                    },
                },
                {
                    "id": {"testResult": {"label": "//tests/01_x:kata_test"}},
                    "testResult": {
                        "status": "FAILED",
                        "testAttemptDurationMillis": "1500",
                        "testActionOutput": [
                            {"name": "test.log", "uri": "file:///l/test.log"},
                            {"name": "test.xml", "uri": "file:///l/test.xml"},
                        ],
                    },
                },
                {
                    "id": {"actionCompleted": {"label": "//katas/02_y:y"}},
                    "action": {
                        "success": False,
                        "label": "//katas/02_y:y",
                        "type": "CppCompile",
                        "stderr": {"uri": f"file://{stderr}"},
                        "failureDetail": {"spawn": {"code": "NON_ZERO_EXIT"}},
                    },
                },
                {
                    "id": {"actionCompleted": {"label": "//katas/03_z:z"}},
                    "action": {
                        "success": False,
                        "label": "//katas/03_z:z",
                        "type": "CppCompile",
                        "failureDetail": {
                            "message": "Mount target '/root/x' does not exist.",
                            "sandbox": {"code": "MOUNT_TARGET_DOES_NOT_EXIST"},
                        },
                    },
                },
            ]
            runs, failed = bazel.parse_events(
                [json.dumps(e) for e in events],
                ["//tests/01_x:solution_test", "//tests/01_x:kata_test"],
            )
        self.assertEqual(runs["//tests/01_x:solution_test"].outputs, ["/b/solution_test"])
        kata = runs["//tests/01_x:kata_test"]
        self.assertEqual(
            (kata.status, kata.duration_ms, kata.log_path), ("FAILED", 1500, "/l/test.log")
        )
        self.assertEqual(failed[0].label, "//katas/02_y:y")
        self.assertIn("expected ';'", failed[0].stderr)
        self.assertEqual(failed[0].sandbox_failure, "")
        self.assertEqual(failed[1].sandbox_failure, "Mount target '/root/x' does not exist.")


class TestListTest(unittest.TestCase):
    def test_suites_names_and_parameters(self):
        text = (
            "threadkata: time unit 1 units (100 ms)\n"
            "Join.\n  WaitsForTheThread\n  DISABLED_Slow\n"
            "Pool/Sizes.  # TypeParam = int\n  Runs/0  # GetParam() = 1\n"
            "DISABLED_Suite.\n  Anything\n"
        )
        # A first line that is not a suite is GoogleTest's caller's own output: it has no
        # indented names after it, so it names nothing.
        self.assertEqual(
            bazel.parse_test_list(text), ["Join.WaitsForTheThread", "Pool/Sizes.Runs/0"]
        )


class InterruptTest(unittest.TestCase):
    # A shell that starts a job in the background (cmd &) starts it with Ctrl-C ignored, and
    # its children inherit that: these tests put the default behaviour back, in both.
    def setUp(self):
        previous = signal.signal(signal.SIGINT, signal.default_int_handler)
        self.addCleanup(signal.signal, signal.SIGINT, previous)

    def test_ctrl_c_interrupts_the_child_and_waits_for_it(self):
        # A child that, like Bazel's client, needs a moment to stop after SIGINT.
        child = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import os,signal,time\n"
                "signal.signal(signal.SIGINT, lambda *a: (time.sleep(0.3), os._exit(8)))\n"
                "time.sleep(60)",
            ],
            start_new_session=True,
        )
        time.sleep(0.5)
        timer = threading.Timer(0.2, lambda: signal.raise_signal(signal.SIGINT))
        timer.start()
        with self.assertRaises(KeyboardInterrupt):
            bazel.wait_interruptibly(child)
        self.assertEqual(child.returncode, 8, "the child was not interrupted, or not waited for")

    def test_a_time_limit_interrupts_the_child(self):
        child = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import signal,time\n"
                "signal.signal(signal.SIGINT, signal.SIG_DFL)\n"
                "time.sleep(60)",
            ],
            stderr=subprocess.DEVNULL,
        )
        started = time.monotonic()
        self.assertFalse(bazel.wait_interruptibly(child, timeout=0.5))
        self.assertIsNotNone(child.returncode)
        self.assertLess(time.monotonic() - started, 15)


if __name__ == "__main__":
    unittest.main()


class SandboxTest(unittest.TestCase):
    def test_a_strict_run_hides_the_other_configurations_build(self):
        with tempfile.TemporaryDirectory() as cache:
            settings = bazel.Settings(
                cache_dir=pathlib.Path(cache),
                test_timeout={"default": 60, "tsan": 180},
                output_limit=1 << 20,
                strict_sandbox=True,
            )
            settings.output_base("tsan").mkdir()
            runner = bazel.Bazel(pathlib.Path(cache), settings)
            plain = runner._common("default", pathlib.Path(cache) / "events.json")
            tsan = runner._common("tsan", pathlib.Path(cache) / "events.json")
        self.assertIn(f"--sandbox_block_path={settings.output_base('tsan')}", plain)
        self.assertFalse(any(str(settings.output_base("tsan")) in flag for flag in tsan))
