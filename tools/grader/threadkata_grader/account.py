"""Who a submission's builds and tests run as.

Started as root, the grader runs the submission's Bazel, and so every compile and every test,
as an unprivileged user (nobody, unless --run-as names another). Root inside Bazel's sandbox
would keep root's rights over every file the sandbox shows (/etc/shadow, other users' homes)
and the capabilities to undo the sandbox's read-only mounts; an unprivileged user has neither,
and the kernel's per-user process limit applies to it. What that user must reach is set up and
checked here, before anything is graded."""

import dataclasses
import os
import pathlib
import pwd
import subprocess

from threadkata import bazel as bazel_module

DEFAULT_USER = "nobody"
# What Bazel's linux-sandbox creates for each action; an unprivileged user needs the kernel's
# leave for each (unprivileged user namespaces).
_SANDBOX_NAMESPACES = ["--user", "--map-root-user", "--mount", "--pid", "--net", "--fork"]


class AccountError(Exception):
    """The grader cannot run the tests as the chosen user: it says why and what to change."""


@dataclasses.dataclass(frozen=True)
class Account:
    name: str
    uid: int
    gid: int


def choose(name):
    """The account the submission's Bazel runs as, or None to stay the grader's own user: when
    the grader does not run as root, or NAME is root. NAME None means the default."""
    if os.geteuid() != 0:
        if name:
            raise AccountError("--run-as needs the grader to start as root")
        return None
    chosen = name or DEFAULT_USER
    try:
        entry = pwd.getpwnam(chosen)
    except KeyError:
        said = f"--run-as {name}" if name else f"the default of --run-as, {chosen},"
        raise AccountError(f"{said} is no user on this machine") from None
    if entry.pw_uid == 0:
        return None
    return Account(chosen, entry.pw_uid, entry.pw_gid)


def _as(account, command):
    """True when COMMAND succeeds run as ACCOUNT."""
    return (
        subprocess.run(
            bazel_module.run_as_command(account.uid, account.gid) + command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        ).returncode
        == 0
    )


def reachable(account, paths):
    """Those of PATHS that ACCOUNT can reach. The others need no hiding from it, and Bazel's
    sandbox, which runs as the account, could not mount over them."""
    if not paths:
        return ()
    found = subprocess.run(
        bazel_module.run_as_command(account.uid, account.gid)
        + ["sh", "-c", 'for p; do [ -e "$p" ] && printf "%s\\0" "$p"; done; true', "sh"]
        + list(paths),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        check=True,
    ).stdout
    seen = set(found.decode("utf-8", "surrogateescape").split("\0"))
    return tuple(p for p in paths if p in seen)


def prepare(account, cache_dir, disk_cache):
    """Makes CACHE_DIR reachable by ACCOUNT (the submission's Bazel keeps its state in a folder
    of its own below it; the grader's trusted build stays closed to it) and checks that ACCOUNT
    can run Bazel's sandbox. Returns the disk cache the account's builds may use: DISK_CACHE if
    it can read it (it writes there only if the folder is its own), else None. Raises
    AccountError."""
    if not _as(account, ["unshare"] + _SANDBOX_NAMESPACES + ["true"]):
        raise AccountError(
            f"the kernel does not let {account.name} create the namespaces of Bazel's sandbox: "
            "allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, "
            "user.max_user_namespaces above 0, on Ubuntu "
            "kernel.apparmor_restrict_unprivileged_userns=0), start the grader as a user other "
            "than root, or pass --run-as root to run the tests as root"
        )
    for folder in (cache_dir, cache_dir / "work"):
        if not folder.exists():
            folder.mkdir(parents=True)
            # The account may pass through, not list.
            os.chmod(folder, 0o711)
    trusted = cache_dir / "trusted"
    trusted.mkdir(exist_ok=True)
    # The reference solutions are built there.
    os.chmod(trusted, 0o700)
    for folder in (cache_dir, cache_dir / "work"):
        if not _as(account, ["test", "-x", str(folder)]):
            raise AccountError(
                f"the tests run as {account.name}, who cannot pass through {folder} (it, or a "
                "folder above it, is closed to other users): choose a --cache-dir below folders "
                f"open to all, e.g. {bazel_module.shared_cache_home()}, or open {folder} (chmod o+x)"
            )
    disk_cache = pathlib.Path(disk_cache)
    disk_cache.mkdir(parents=True, exist_ok=True)
    if not _as(account, ["test", "-r", str(disk_cache), "-a", "-x", str(disk_cache)]):
        return None
    return disk_cache
