import contextlib
import csv
import io
import os
import pathlib
import socket
import tempfile
import unittest

from threadkata_grader import cli


@contextlib.contextmanager
def outside_tmpfs():
    """A temporary folder where the sandbox can hide paths (not below /tmp or /dev/shm), and
    which the user the tests run as can reach (root's home is closed to nobody)."""
    parent = "/var/cache" if os.geteuid() == 0 else os.path.expanduser("~")
    with tempfile.TemporaryDirectory(dir=parent) as temp:
        os.chmod(temp, 0o755)
        yield temp


class BlockedPathsTest(unittest.TestCase):
    def test_hides_solutions_and_the_submission(self):
        with outside_tmpfs() as temp:
            root = pathlib.Path(temp)
            (root / "grader/solutions").mkdir(parents=True)
            (root / "submission").mkdir()
            blocked = cli._blocked_paths(
                root / "grader", root / "cache", root / "out", root / "submission"
            )
            self.assertEqual(
                blocked[:2],
                (str((root / "grader/solutions").resolve()), str((root / "submission").resolve())),
            )
            self.assertNotIn(str((root / "cache").resolve()), blocked)

    def test_hides_the_curated_mutants(self):
        with outside_tmpfs() as temp:
            root = pathlib.Path(temp)
            (root / "grader/tests/01_sequential/mutants").mkdir(parents=True)
            (root / "submission").mkdir()
            blocked = cli._blocked_paths(
                root / "grader", root / "cache", root / "out", root / "submission"
            )
            self.assertIn(str((root / "grader/tests/01_sequential/mutants").resolve()), blocked)

    def test_does_not_hide_the_grader_working_inside_the_submission(self):
        with outside_tmpfs() as temp:
            root = pathlib.Path(temp)
            (root / "repo/solutions").mkdir(parents=True)
            blocked = cli._blocked_paths(
                root / "repo", root / "cache", root / "repo/out", root / "repo"
            )
            self.assertEqual(blocked[0], str((root / "repo/solutions").resolve()))
            self.assertNotIn(str((root / "repo").resolve()), blocked)

    def test_leaves_out_what_a_private_tmpfs_hides_already(self):
        with outside_tmpfs() as temp, tempfile.TemporaryDirectory(dir="/tmp") as under_tmp:
            (pathlib.Path(under_tmp) / "solutions").mkdir()
            (pathlib.Path(temp) / "submission").mkdir()
            blocked = cli._blocked_paths(
                pathlib.Path(under_tmp),
                pathlib.Path(temp) / "cache",
                pathlib.Path(temp) / "out",
                pathlib.Path(temp) / "submission",
            )
            self.assertNotIn(str((pathlib.Path(under_tmp) / "solutions").resolve()), blocked)
            self.assertIn(str((pathlib.Path(temp) / "submission").resolve()), blocked)

    def test_hides_the_hosts_unix_sockets_and_nothing_twice(self):
        with outside_tmpfs() as temp, socket.socket(socket.AF_UNIX) as server:
            root = pathlib.Path(temp)
            (root / "grader/solutions").mkdir(parents=True)
            (root / "submission/run").mkdir(parents=True)
            server.bind(str(root / "daemon.sock"))
            with socket.socket(socket.AF_UNIX) as inner:
                inner.bind(str(root / "submission/run/inner.sock"))
                blocked = cli._blocked_paths(
                    root / "grader", root / "cache", root / "out", root / "submission"
                )
            self.assertIn(str((root / "daemon.sock").resolve()), blocked)
            self.assertNotIn(str((root / "submission/run/inner.sock").resolve()), blocked)

    def test_reads_socket_paths_with_spaces_and_keeps_only_sockets(self):
        with outside_tmpfs() as temp, socket.socket(socket.AF_UNIX) as server:
            spaced = pathlib.Path(temp) / "a b.sock"
            server.bind(str(spaced))
            (pathlib.Path(temp) / "file").write_text("")
            with tempfile.NamedTemporaryFile("w") as table:
                table.write("Num       RefCount Protocol Flags    Type St Inode Path\n")
                for inode, path in enumerate([spaced, "@abstract", f"{temp}/file", "/gone.sock"]):
                    table.write(f"0000: 00000002 00000000 00010000 0001 01 {inode} {path}\n")
                table.write("0000: 00000003 00000000 00000000 0001 03 13\n")
                table.flush()
                self.assertEqual(cli._host_sockets(table.name), [spaced])


class UsageTest(unittest.TestCase):
    def run_main(self, argv):
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
            try:
                return cli.main(argv), stderr.getvalue()
            except SystemExit as exit:
                return exit.code, stderr.getvalue()

    def test_a_submission_that_is_not_a_folder(self):
        status, message = self.run_main(["/nonexistent/submission"])
        self.assertEqual(status, cli.EXIT_USAGE)
        self.assertIn("not a folder", message)

    def test_submission_and_batch_together(self):
        status, _ = self.run_main(["--batch", "/tmp", "/tmp"])
        self.assertEqual(status, cli.EXIT_USAGE)

    def test_an_unknown_lesson(self):
        with outside_tmpfs() as temp:
            status, message = self.run_main(
                ["--lessons", "99", "--out", temp, "--cache-dir", temp, temp]
            )
        self.assertEqual(status, cli.EXIT_USAGE)
        self.assertIn("unknown lesson", message)

    def test_reports_and_caches_where_the_tests_can_write(self):
        with outside_tmpfs() as temp:
            for option in ("--out", "--cache-dir", "--disk-cache"):
                with self.subTest(option=option):
                    status, message = self.run_main([option, "/dev/shm/grade", temp])
                    self.assertEqual(status, cli.EXIT_USAGE)
                    self.assertIn("which the tests can write", message)

    def test_a_batch_of_any_folder_names(self):
        # Empty submissions: every kata is missing, so nothing is built and the test is quick.
        names = ["grades.csv", "=1+1", "-rf", "@home", os.fsdecode(b"caf\xe9")]
        with outside_tmpfs() as temp:
            batch = pathlib.Path(temp) / "batch"
            for name in names:
                (batch / name).mkdir(parents=True)
            out = pathlib.Path(temp) / "out"
            cache = pathlib.Path(temp) / "cache"
            status, _ = self.run_main(
                ["--batch", str(batch), "--out", str(out), "--cache-dir", str(cache)]
                + ["--lessons", "01"]
            )
            self.assertEqual(status, cli.EXIT_FULL_MARKS)
            with open(out / "grades.csv", encoding="utf-8", newline="") as handle:
                cells = sorted(row[0] for row in list(csv.reader(handle))[1:])
            self.assertEqual(cells, sorted(["grades.csv", "'=1+1", "'-rf", "'@home", "caf\\xe9"]))
            self.assertTrue((out / "grades.csv.d" / "results.json").is_file())

    def test_a_limit_that_is_not_a_positive_number(self):
        for argv in (["--test-timeout", "0", "/tmp"], ["--output-limit", "1MiB", "/tmp"]):
            with self.subTest(argv=argv):
                status, message = self.run_main(argv)
                self.assertEqual(status, cli.EXIT_USAGE)
                self.assertRegex(message, "must be above 0|not a whole number")

    def test_a_shard_that_is_not_i_of_n(self):
        for shard in ("0/2", "3/2", "1", "a/b"):
            with self.subTest(shard=shard):
                status, message = self.run_main(["--batch", "/tmp", "--shard", shard])
                self.assertEqual(status, cli.EXIT_USAGE)
                self.assertRegex(message, "is not I/N|must be from 1 to N")

    def test_a_shard_without_batch(self):
        status, message = self.run_main(["--shard", "1/2", "/tmp"])
        self.assertEqual(status, cli.EXIT_USAGE)
        self.assertIn("--shard goes with --batch", message)


class ShardTest(unittest.TestCase):
    def test_shards_split_the_batch_without_overlap(self):
        with tempfile.TemporaryDirectory() as temp:
            root = pathlib.Path(temp)
            for name in ("e", "a", "d", "b", "c", ".hidden"):
                (root / name).mkdir()
            (root / "file").write_text("")
            shards = [[e.name for e in cli.batch_entries(root, (i, 3))] for i in (1, 2, 3)]
            everything = [e.name for e in cli.batch_entries(root)]
        self.assertEqual(shards, [["a", "d"], ["b", "e"], ["c"]])
        self.assertEqual(everything, ["a", "b", "c", "d", "e"])

    def test_every_entry_not_graded_is_said_so(self):
        with tempfile.TemporaryDirectory() as temp:
            root = pathlib.Path(temp)
            for name in ("alice", ".bob"):
                (root / name).mkdir()
            (root / "carol.zip").write_text("")
            (root / "dave").symlink_to(root / "alice")
            skipped = []
            graded = cli.batch_entries(root, None, lambda e, why: skipped.append((e.name, why)))
        self.assertEqual([e.name for e in graded], ["alice"])
        self.assertEqual([name for name, _ in skipped], [".bob", "carol.zip", "dave"])
        self.assertIn("hidden", skipped[0][1])
        self.assertIn("not a folder", skipped[1][1])
        self.assertIn("symlink", skipped[2][1])

    def test_no_two_submissions_share_a_reports_folder(self):
        with tempfile.TemporaryDirectory() as temp:
            root = pathlib.Path(temp)
            names = ("grades.csv", "grades.csv.d", "mistakes.md", "x")
            for name in names:
                (root / name).mkdir()
            folders = cli.reports_folders([root / name for name in names])
        self.assertEqual(
            folders,
            {
                "grades.csv": "grades.csv.d.d",
                "grades.csv.d": "grades.csv.d",
                "mistakes.md": "mistakes.md.d",
                "x": "x",
            },
        )


class RemoteCacheTest(unittest.TestCase):
    def test_test_actions_never_use_the_remote_cache(self):
        self.assertEqual(
            cli.remote_cache_args("http://127.0.0.1:8090"),
            (
                "--remote_cache=http://127.0.0.1:8090",
                "--modify_execution_info=TestRunner=+no-remote-cache",
            ),
        )


if __name__ == "__main__":
    unittest.main()
