"""The output limiter (limit_output.sh, every test program's --run_under) run on small programs
outside Bazel, in a process group of its own as Bazel's test-setup.sh starts it."""

import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

from threadkata import markers

LIMITER = pathlib.Path(__file__).resolve().parents[1] / "limit_output.sh"


def limited(command, limiter=("bash", str(LIMITER)), cwd=None, **limits):
    """(exit status, output, seconds) of COMMAND under the LIMITER command line with LIMITS (env
    names), in CWD."""
    env = dict(os.environ, **{name: str(value) for name, value in limits.items()})
    started = time.monotonic()
    done = subprocess.run(
        [*limiter, *command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        start_new_session=True,
    )
    return done.returncode, done.stdout, time.monotonic() - started


def _namespaces_work():
    """Whether this process may make PID and mount namespaces and mount a tmpfs (root, with the
    capabilities a container may withhold)."""
    if os.geteuid() != 0:
        return False
    with tempfile.TemporaryDirectory() as folder:
        probe = ["unshare", "--pid", "--fork", "--mount-proc", "--mount", "mount", "-t", "tmpfs"]
        done = subprocess.run([*probe, "none", folder], capture_output=True, timeout=30)
    return done.returncode == 0


NAMESPACES = _namespaces_work()


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

    @unittest.skipUnless(NAMESPACES, "runs the limiter as nobody in a PID namespace: root only")
    def test_a_program_at_the_kernels_process_limit_is_killed_too(self):
        # The kernel's limit counts every process of the user, the limiter's own included: one
        # that shared it could not start its samples once the program had used it up.
        bomb = "import os, time\nwhile True:\n    try:\n        pid = os.fork()\n"
        bomb += "    except OSError:\n        break\n    if pid == 0:\n"
        bomb += "        time.sleep(30); os._exit(0)\ntime.sleep(30)\n"
        with tempfile.TemporaryDirectory() as folder:
            limiter = pathlib.Path(folder, "limit_output.sh")
            shutil.copy(LIMITER, limiter)
            os.chmod(folder, 0o755)
            os.chmod(limiter, 0o755)
            # In a PID namespace of its own, as in Bazel's sandbox, whose first process reaps
            # the killed processes: left to this machine's, they could still count against the
            # next run's limit.
            sandbox = ["unshare", "--pid", "--fork", "--mount-proc", "setsid"]
            nobody = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
            status, output, seconds = limited(
                [sys.executable, "-c", bomb],
                limiter=[*sandbox, *nobody, "bash", str(limiter)],
                cwd=folder,
                THREADKATA_PROCESS_LIMIT=120,
                THREADKATA_THREAD_LIMIT=60,
            )
        self.assertIn(f"{markers.LIMITER_THREAD_LIMIT}60 exceeded", output)
        self.assertNotEqual(status, 0)
        self.assertLess(seconds, 20, "the limiter stopped sampling at the process limit")

    @unittest.skipUnless(NAMESPACES, "mounts a tmpfs in a mount namespace: root only")
    def test_files_in_a_private_tmpfs_count_as_memory(self):
        # The grader's sandbox gives each test a /tmp of its own in memory: a program that
        # fills it holds memory no process's size shows.
        with tempfile.TemporaryDirectory() as folder:
            # In files under the limiter's 64 MiB per file.
            fill = f"for i in 1 2 3 4 5; do head -c 60M /dev/zero > {folder}/$i; done; sleep 20"
            status, output, seconds = limited(
                ["sh", "-c", fill],
                limiter=[
                    "unshare",
                    "--mount",
                    "sh",
                    "-c",
                    f'mount -t tmpfs none {folder} && exec bash "$0" "$@"',
                    str(LIMITER),
                ],
                THREADKATA_MEMORY_LIMIT_MIB=200,
                THREADKATA_PRIVATE_TMPFS=folder,
            )
        self.assertIn(f"{markers.LIMITER_MEMORY_LIMIT}200 MiB exceeded", output)
        self.assertNotEqual(status, 0)
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
