import os
import pathlib
import pwd
import stat
import subprocess
import tempfile
import unittest

from threadkata import bazel as bazel_module
from threadkata_grader import account

ROOT_ONLY = unittest.skipUnless(os.geteuid() == 0, "the grader changes user only when root")


class ChooseTest(unittest.TestCase):
    @ROOT_ONLY
    def test_root_runs_the_tests_as_nobody_by_default(self):
        chosen = account.choose(None)
        self.assertEqual(chosen.name, "nobody")
        self.assertEqual(chosen.uid, pwd.getpwnam("nobody").pw_uid)

    @ROOT_ONLY
    def test_run_as_root_keeps_root(self):
        self.assertIsNone(account.choose("root"))

    @ROOT_ONLY
    def test_an_unknown_user(self):
        with self.assertRaisesRegex(account.AccountError, "is no user on this machine"):
            account.choose("no-such-user-here")

    @unittest.skipIf(os.geteuid() == 0, "as root, --run-as is allowed")
    def test_run_as_needs_root(self):
        self.assertIsNone(account.choose(None))
        with self.assertRaisesRegex(account.AccountError, "needs the grader to start as root"):
            account.choose("nobody")


@ROOT_ONLY
class PrepareTest(unittest.TestCase):
    def setUp(self):
        self.nobody = account.choose("nobody")

    def test_the_cache_is_passable_and_the_trusted_build_closed(self):
        with tempfile.TemporaryDirectory(dir="/var/tmp") as temp:
            os.chmod(temp, 0o755)
            cache = pathlib.Path(temp) / "cache"
            disk = account.prepare(self.nobody, cache, cache / "disk-cache")
            self.assertEqual(disk, cache / "disk-cache")
            self.assertEqual(stat.S_IMODE(cache.stat().st_mode), 0o711)
            self.assertEqual(stat.S_IMODE((cache / "trusted").stat().st_mode), 0o700)
            as_nobody = bazel_module.run_as_command(self.nobody.uid, self.nobody.gid)
            listed = subprocess.run(as_nobody + ["ls", str(cache / "trusted")], check=False)
            self.assertNotEqual(listed.returncode, 0, "nobody lists the trusted build")

    def test_a_cache_below_a_closed_folder_is_refused(self):
        with tempfile.TemporaryDirectory(dir="/var/tmp") as temp:
            os.chmod(temp, 0o700)
            with self.assertRaisesRegex(account.AccountError, "cannot pass through"):
                account.prepare(self.nobody, pathlib.Path(temp) / "cache", pathlib.Path(temp))

    def test_an_existing_closed_cache_is_named_not_changed(self):
        with tempfile.TemporaryDirectory(dir="/var/tmp") as temp:
            os.chmod(temp, 0o755)
            cache = pathlib.Path(temp) / "cache"
            cache.mkdir(mode=0o700)
            with self.assertRaisesRegex(account.AccountError, f"pass through {cache} "):
                account.prepare(self.nobody, cache, cache / "disk-cache")
            self.assertEqual(stat.S_IMODE(cache.stat().st_mode), 0o700)

    def test_a_disk_cache_nobody_cannot_read_is_left_out(self):
        with tempfile.TemporaryDirectory(dir="/var/tmp") as temp, tempfile.TemporaryDirectory(
            dir="/var/tmp"
        ) as closed:
            os.chmod(temp, 0o755)
            os.chmod(closed, 0o700)
            disk = account.prepare(
                self.nobody, pathlib.Path(temp) / "cache", pathlib.Path(closed) / "disk"
            )
            self.assertIsNone(disk)

    def test_only_what_the_account_can_reach_is_hidden(self):
        with tempfile.TemporaryDirectory(dir="/var/tmp") as closed:
            os.chmod(closed, 0o700)
            inside = os.path.join(closed, "submission")
            os.mkdir(inside)
            paths = ("/etc/shadow", inside, "/nonexistent", "/var/cache")
            self.assertEqual(account.reachable(self.nobody, paths), ("/etc/shadow", "/var/cache"))


class StartupTest(unittest.TestCase):
    def test_bazel_runs_as_the_account_with_its_own_install_base(self):
        with tempfile.TemporaryDirectory(dir="/var/tmp") as temp:
            settings = bazel_module.Settings(
                cache_dir=pathlib.Path(temp) / "bazel",
                test_timeout={},
                output_limit=1,
                run_as=(os.geteuid(), os.getegid()),
            )
            command = bazel_module.Bazel(temp, settings)._startup("tsan")
        self.assertEqual(
            command[:5],
            ["setpriv", f"--reuid={os.geteuid()}", f"--regid={os.getegid()}", "--clear-groups"]
            + ["--"],
        )
        self.assertIn(f"HOME={pathlib.Path(temp) / 'bazel'}", command[: command.index("bazel")])
        self.assertIn(f"--output_user_root={pathlib.Path(temp) / 'bazel' / 'user_root'}", command)


if __name__ == "__main__":
    unittest.main()
