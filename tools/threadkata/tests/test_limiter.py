"""The output limiter (limit_output.sh, every test program's --run_under) run on small programs
outside Bazel, in a process group of its own as Bazel's test-setup.sh starts it."""

import os
import pathlib
import subprocess
import sys
import time
import unittest

from threadkata import markers

LIMITER = pathlib.Path(__file__).resolve().parents[1] / "limit_output.sh"


def limited(command, **limits):
    """(exit status, output, seconds) of COMMAND under the limiter with LIMITS (env names)."""
    env = dict(os.environ, **{name: str(value) for name, value in limits.items()})
    started = time.monotonic()
    done = subprocess.run(
        ["bash", str(LIMITER), *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        start_new_session=True,
    )
    return done.returncode, done.stdout, time.monotonic() - started


class LimiterTest(unittest.TestCase):
    def test_a_program_within_its_limits_ends_with_its_own_status(self):
        status, output, _ = limited(["sh", "-c", "echo hello; exit 3"])
        self.assertEqual(status, 3)
        self.assertEqual(output.splitlines()[-1], f"{markers.LIMITER_EXIT}3")
        self.assertNotIn("limit of", output)

    def test_too_many_processes_are_all_killed_and_named(self):
        forks = "for i in $(seq 200); do sleep 20 & done; wait"
        status, output, seconds = limited(["bash", "-c", forks], THREADKATA_THREAD_LIMIT=50)
        self.assertIn(f"{markers.LIMITER_THREAD_LIMIT}50 exceeded", output)
        self.assertNotEqual(status, 0)
        self.assertLess(seconds, 15, "the sleeping children were not killed")
        self.assertNotIn("Killed", output, "the shell's notice is no output of the program")

    def test_too_many_threads_are_killed_and_named(self):
        spawn = "import threading, time\n"
        spawn += "for _ in range(300): threading.Thread(target=time.sleep, args=(20,)).start()\n"
        status, output, seconds = limited(
            [sys.executable, "-c", spawn], THREADKATA_THREAD_LIMIT=100
        )
        self.assertIn(f"{markers.LIMITER_THREAD_LIMIT}100 exceeded", output)
        self.assertLess(seconds, 15)

    def test_what_the_program_printed_before_it_was_killed_is_kept(self):
        status, output, _ = limited(
            [
                "bash",
                "-c",
                "echo first line; sleep 0.5; for i in $(seq 100); do sleep 20 & done; wait",
            ],
            THREADKATA_THREAD_LIMIT=50,
        )
        self.assertIn("first line", output)
        self.assertIn(f"{markers.LIMITER_THREAD_LIMIT}50 exceeded", output)

    def test_memory_shared_after_a_fork_counts_once(self):
        share = 'import os, time\nx = b"x" * (150 << 20)\n'
        share += (
            "for _ in range(4):\n    if os.fork() == 0:\n        time.sleep(1.5); os._exit(0)\n"
        )
        share += "time.sleep(1.5)\n"
        status, output, _ = limited([sys.executable, "-c", share], THREADKATA_MEMORY_LIMIT_MIB=400)
        self.assertNotIn("limit of", output, "5 processes sharing 150 MiB use 150 MiB, not 750")
        self.assertEqual(status, 0)

    def test_too_much_memory_is_killed_and_named(self):
        grow = "import time\nx = []\nwhile True:\n    x.append(bytearray(16 << 20))\n"
        grow += "    time.sleep(0.01)\n"
        status, output, seconds = limited(
            [sys.executable, "-c", grow], THREADKATA_MEMORY_LIMIT_MIB=200
        )
        self.assertIn(f"{markers.LIMITER_MEMORY_LIMIT}200 MiB exceeded", output)
        self.assertNotEqual(status, 0)
        self.assertLess(seconds, 30)

    def test_output_past_the_cap_is_cut_and_named(self):
        status, output, _ = limited(["yes"], THREADKATA_OUTPUT_LIMIT=1000)
        self.assertIn(f"{markers.LIMITER_OUTPUT_LIMIT}1000 bytes exceeded", output)
        self.assertNotEqual(status, 0)
        self.assertLess(len(output), 1200)


if __name__ == "__main__":
    unittest.main()
