"""Runs Bazel and reads back what happened to each target from the Build Event Protocol (JSON),
never from Bazel's human-readable output.

One output base per configuration (plain, tsan): switching one server between them would throw
its analysis cache away at every switch. A run is interruptible: Ctrl-C (KeyboardInterrupt)
interrupts the Bazel client, which cancels the server's work, and waits for the client to end,
so no client is left behind holding the server's lock."""

import dataclasses
import hashlib
import json
import os
import pathlib
import signal
import subprocess
import time
import urllib.parse

CONFIGS = ("default", "tsan")
# The learner's limits (tools/kata, and tools/mistakes, which records what a learner's check
# shows). A kata's tests may hang; Bazel ends them after this long. The test main's watchdog
# ends a single hung test sooner (200 time units) and names it.
LEARNER_TEST_TIMEOUT = {"default": 60, "tsan": 180}
LEARNER_OUTPUT_LIMIT = 1024 * 1024
# Mounted empty and private in every sandboxed action of a strict run: what lies below them
# on the host cannot be seen.
PRIVATE_TMPFS = ("/tmp", "/dev/shm")
LIMITER_LABEL = "//tools/threadkata:limit_output"

# Bazel's exit codes that still mean "the build and tests ran": 0 all passed, 1 some target
# failed to build, 3 some test failed, 4 no test to run.
_RAN_EXIT_CODES = {0, 1, 3, 4}
_STDERR_CAP = 64 * 1024
_INTERRUPT_GRACE = 20  # seconds the client gets to stop after Ctrl-C before it is killed


class BazelError(Exception):
    """Bazel itself could not run or finish: there is no verdict to give."""


@dataclasses.dataclass
class FailedAction:
    label: str
    kind: str
    stderr: str
    # Set when Bazel's sandbox, not the command, failed: Bazel's message.
    sandbox_failure: str = ""


@dataclasses.dataclass
class TargetRun:
    """What Bazel reported for one target."""

    label: str
    built: bool = False
    status: str = ""  # Bazel's test status: PASSED, FAILED, TIMEOUT, ... ("" if it never ran)
    log_path: str = ""
    xml_path: str = ""
    outputs: list = dataclasses.field(default_factory=list)  # files a build-only target made
    duration_ms: int = 0
    failure: str = ""  # why the target did not build, when it did not
    cached: bool = False


@dataclasses.dataclass
class TestAttempt:
    """One run of one test target (of --runs_per_test), as the Build Event Protocol reports it."""

    label: str
    run: int = 1
    status: str = ""  # Bazel's test status: PASSED, FAILED, TIMEOUT, ...
    log_path: str = ""
    xml_path: str = ""
    duration_ms: int = 0
    cached: bool = False  # served from a cache, not run


@dataclasses.dataclass
class Invocation:
    runs: dict  # label -> TargetRun
    failed_actions: list  # FailedAction, with their stderr read
    log_path: str


@dataclasses.dataclass
class Settings:
    """How Bazel runs. The learner's mode and the grading mode differ only here."""

    cache_dir: pathlib.Path  # output bases, event files, logs
    test_timeout: dict  # config -> seconds
    output_limit: int
    disk_cache: pathlib.Path = None
    memory_limit_mib: int = None  # None: the limiter's own (limit_output.sh)
    invocation_timeout: int = None  # seconds; None: no limit
    strict_sandbox: bool = False  # hostile code: linux-sandbox only, no network
    blocked_paths: tuple = ()
    extra_args: tuple = ()
    # (uid, gid): Bazel, and so every action and test it runs, as this user instead of the one
    # running the tool (the grader started as root). CACHE_DIR is then made theirs.
    run_as: tuple = None

    def output_base(self, config):
        return self.cache_dir / f"output_base-{config}"

    def gate_cache(self):
        """Where the gate's verdicts are kept: never in a folder of the user Bazel runs as,
        which could forge them."""
        if self.run_as:
            return self.cache_dir.parent / f"gate-{self.cache_dir.name}"
        return self.cache_dir / "gate"


def _uri_path(uri):
    parsed = urllib.parse.urlparse(uri)
    return urllib.parse.unquote(parsed.path) if parsed.scheme == "file" else ""


def _read_uri(uri, cap):
    path = _uri_path(uri)
    if not path:
        return ""
    try:
        with open(path, "rb") as handle:
            return handle.read(cap).decode("utf-8", "replace")
    except OSError:
        return ""


def parse_events(lines, labels):
    """Reads BEP JSON LINES into per-label TargetRuns and the failed actions."""
    runs = {label: TargetRun(label) for label in labels}
    files = {}  # named set id -> (file uris, nested set ids)
    failed = []
    for line in lines:
        line = line.strip()
        if not line:
            continue
        event = json.loads(line)
        ident = event.get("id", {})
        if "namedSet" in ident:
            named = event.get("namedSetOfFiles", {})
            files[ident["namedSet"]["id"]] = (
                [f.get("uri", "") for f in named.get("files", [])],
                [s.get("id") for s in named.get("fileSets", [])],
            )
        elif "targetCompleted" in ident:
            label = ident["targetCompleted"].get("label")
            if label in runs:
                completed = event.get("completed", {})
                runs[label].built = bool(completed.get("success"))
                runs[label].failure = completed.get("failureDetail", {}).get("message", "")
                if "aborted" in event:
                    runs[label].failure = event["aborted"].get("description", "aborted")
                for group in completed.get("outputGroup", []):
                    if group.get("name") == "default":
                        for file_set in group.get("fileSets", []):
                            runs[label].outputs += _expand(files, file_set.get("id"))
        elif "targetConfigured" in ident and "aborted" in event:
            label = ident["targetConfigured"].get("label")
            if label in runs:
                runs[label].failure = event["aborted"].get("description", "aborted")
        elif "testResult" in ident:
            attempt = _test_attempt(event)
            if attempt.label in runs:
                run = runs[attempt.label]
                run.status = attempt.status
                run.duration_ms = attempt.duration_ms
                run.cached = attempt.cached
                run.log_path = attempt.log_path
                run.xml_path = attempt.xml_path
        elif "actionCompleted" in ident and "action" in event:
            action = event["action"]
            if not action.get("success", False):
                stderr = action.get("stderr", {}).get("uri", "")
                stdout = action.get("stdout", {}).get("uri", "")
                text = _read_uri(stderr, _STDERR_CAP) if stderr else ""
                if stdout:
                    text += _read_uri(stdout, _STDERR_CAP)
                detail = action.get("failureDetail", {})
                failed.append(
                    FailedAction(
                        label=action.get("label", ident["actionCompleted"].get("label", "")),
                        kind=action.get("type", ""),
                        stderr=text,
                        sandbox_failure=detail.get("message", "") if "sandbox" in detail else "",
                    )
                )
    return runs, failed


def _test_attempt(event):
    ident = event["id"]["testResult"]
    result = event.get("testResult", {})
    execution = result.get("executionInfo", {})
    attempt = TestAttempt(
        label=ident.get("label", ""),
        run=int(ident.get("run", 1)),
        status=result.get("status", ""),
        duration_ms=int(result.get("testAttemptDurationMillis", 0)),
        cached=bool(result.get("cachedLocally"))
        or bool(execution.get("cachedRemotely"))
        or execution.get("strategy") == "remote-cache",
    )
    for output in result.get("testActionOutput", []):
        if output.get("name") == "test.log":
            attempt.log_path = _uri_path(output.get("uri", ""))
        elif output.get("name") == "test.xml":
            attempt.xml_path = _uri_path(output.get("uri", ""))
    return attempt


def test_attempts(lines):
    """Every test run that BEP JSON LINES report (one per run of --runs_per_test)."""
    for line in lines:
        line = line.strip()
        if line:
            event = json.loads(line)
            if "testResult" in event.get("id", {}):
                yield _test_attempt(event)


def _expand(files, set_id, seen=None):
    seen = set() if seen is None else seen
    if set_id in seen or set_id not in files:
        return []
    seen.add(set_id)
    uris, nested = files[set_id]
    paths = [_uri_path(uri) for uri in uris if _uri_path(uri)]
    for child in nested:
        paths += _expand(files, child, seen)
    return paths


def _tail(path, lines=30):
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return "".join(handle.readlines()[-lines:])
    except OSError:
        return ""


def wait_interruptibly(process, timeout=None):
    """Waits for PROCESS; on Ctrl-C (or TIMEOUT) interrupts it as Ctrl-C would and waits for it
    to end, killing it only if it will not. Re-raises KeyboardInterrupt; returns False on a
    timeout."""
    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        while True:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                _stop(process)
                return False
            try:
                process.wait(timeout=0.2 if left is None else min(0.2, left))
                return True
            except subprocess.TimeoutExpired:
                continue
    except KeyboardInterrupt:
        _stop(process)
        raise


def _stop(process):
    # Interrupting the client cancels the server's build too; killing it would not.
    try:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=_INTERRUPT_GRACE)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    except KeyboardInterrupt:
        # A second Ctrl-C: no more patience.
        process.kill()
        process.wait()
        raise


def run_as_command(uid, gid):
    """The prefix that runs a command as UID:GID with no supplementary groups (util-linux)."""
    return ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--"]


def shared_cache_home():
    """Where caches live that another user may have to read: XDG_CACHE_HOME, else ~/.cache; for
    root without XDG_CACHE_HOME, /var/cache, since root's home is closed to other users and the
    grader started as root builds and runs a submission's tests as an unprivileged one. The disk
    cache of tools/test and tools/mutate and the grader's own state live below it."""
    if os.environ.get("XDG_CACHE_HOME"):
        return pathlib.Path(os.environ["XDG_CACHE_HOME"])
    if os.geteuid() == 0:
        return pathlib.Path("/var/cache")
    return pathlib.Path(os.path.expanduser("~/.cache"))


def user_cache_dir(tool, checkout, *below):
    """~/.cache/threadkata/TOOL/<a key of CHECKOUT>/BELOW...: where a tool run by a user keeps
    its output bases and logs for one checkout of the project (XDG_CACHE_HOME moves it)."""
    home = pathlib.Path(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"))
    key = hashlib.sha256(str(pathlib.Path(checkout).resolve()).encode()).hexdigest()[:12]
    return home.joinpath("threadkata", tool, key, *below)


def local_bazel(workspace, cache_dir):
    """Bazel as a user's tools run it (tools/kata, tools/mistakes, tools/timeline, tools/flake):
    the learner's limits, state in CACHE_DIR, and the disk cache that THREADKATA_DISK_CACHE
    names, if any."""
    disk_cache = os.environ.get("THREADKATA_DISK_CACHE")
    settings = Settings(
        cache_dir=pathlib.Path(cache_dir),
        test_timeout=LEARNER_TEST_TIMEOUT,
        output_limit=LEARNER_OUTPUT_LIMIT,
        disk_cache=pathlib.Path(disk_cache) if disk_cache else None,
    )
    return Bazel(workspace, settings)


class Bazel:
    """Bazel servers for one workspace, one per configuration."""

    def __init__(self, workspace, settings):
        self.workspace = pathlib.Path(workspace)
        self.settings = settings
        self.settings.cache_dir.mkdir(parents=True, exist_ok=True)
        if settings.run_as:
            os.chown(self.settings.cache_dir, *settings.run_as)

    def _startup(self, config):
        command = [
            "bazel",
            f"--output_base={self.settings.output_base(config)}",
            "--max_idle_secs=900",
        ]
        if self.settings.run_as:
            uid, gid = self.settings.run_as
            # The user's own install base (the default one is below the caller's home).
            command.insert(1, f"--output_user_root={self.settings.cache_dir / 'user_root'}")
            # A home of its own (no ~/.bazelrc of the caller's) and the system's temporary folder.
            environment = ["env", "-u", "TMPDIR", f"HOME={self.settings.cache_dir}"]
            command = run_as_command(uid, gid) + environment + command
        return command

    def _common(self, config, events):
        settings = self.settings
        flags = [
            "--keep_going",
            "--symlink_prefix=/",
            "--color=no",
            "--curses=no",
            "--show_progress_rate_limit=30",
            "--experimental_ui_max_stdouterr_bytes=65536",
            f"--build_event_json_file={events}",
            # Build options too: the same in every command, so that none discards the analysis.
            f"--test_timeout={settings.test_timeout[config]}",
            f"--test_env=THREADKATA_OUTPUT_LIMIT={settings.output_limit}",
            f"--run_under={LIMITER_LABEL}",
        ]
        if settings.memory_limit_mib:
            flags.append(f"--test_env=THREADKATA_MEMORY_LIMIT_MIB={settings.memory_limit_mib}")
        if settings.disk_cache:
            flags.append(f"--disk_cache={settings.disk_cache}")
        if settings.strict_sandbox:
            # Hostile code runs only in the sandbox: no fallback to unsandboxed execution.
            flags += ["--spawn_strategy=linux-sandbox", "--sandbox_default_allow_network=false"]
            # Private /tmp and /dev/shm per action: nothing a test leaves there reaches the next.
            flags += [f"--sandbox_tmpfs_path={path}" for path in PRIVATE_TMPFS]
            # Files there are memory: the limiter counts them against the memory limit.
            flags.append(f"--test_env=THREADKATA_PRIVATE_TMPFS={':'.join(PRIVATE_TMPFS)}")
            flags += [f"--sandbox_block_path={path}" for path in settings.blocked_paths]
            # The other configuration's build holds what earlier submissions compiled.
            flags += [
                f"--sandbox_block_path={settings.output_base(other)}"
                for other in CONFIGS
                if other != config and settings.output_base(other).exists()
            ]
        if config != "default":
            flags.append(f"--config={config}")
        return flags + list(settings.extra_args)

    def run(self, verb, config, labels, log_path, flags=()):
        """Runs `bazel VERB` on LABELS under CONFIG; returns an Invocation."""
        events = self.settings.cache_dir / f"bep-{config}.json"
        if events.exists():
            events.unlink()
        command = (
            self._startup(config)
            + [verb]
            + self._common(config, events)
            + list(flags)
            + ["--"]
            + list(labels)
        )
        log_path = pathlib.Path(log_path)
        log_path.parent.mkdir(parents=True, exist_ok=True)
        # Closed to others: it quotes the tests' output.
        with open(log_path, "wb", opener=lambda path, flags: os.open(path, flags, 0o600)) as log:
            os.fchmod(log.fileno(), 0o600)
            try:
                # A session of its own: the terminal's Ctrl-C reaches us, and we pass it on once.
                process = subprocess.Popen(
                    command,
                    cwd=self.workspace,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            except OSError as error:
                raise BazelError(f"cannot run bazel: {error}") from error
            if not wait_interruptibly(process, self.settings.invocation_timeout):
                raise BazelError(
                    f"bazel {verb} ({config}) did not finish within "
                    f"{self.settings.invocation_timeout} s"
                )
        if process.returncode not in _RAN_EXIT_CODES or not events.exists():
            raise BazelError(
                f"bazel {verb} ({config}) failed with exit status {process.returncode}; "
                f"its output: {log_path}\n{_tail(log_path)}"
            )
        with open(events, encoding="utf-8") as lines:
            runs, failed = parse_events(lines, labels)
        return Invocation(runs=runs, failed_actions=failed, log_path=str(log_path))

    def query(self, expression):
        """The labels `bazel query EXPRESSION` prints, from the plain configuration's server."""
        try:
            result = subprocess.run(
                self._startup("default") + ["query", "--output=label", "--", expression],
                cwd=self.workspace,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
            )
        except OSError as error:
            raise BazelError(f"cannot run bazel: {error}") from error
        if result.returncode != 0:
            raise BazelError(f"bazel query {expression} failed:\n{result.stderr[-2000:]}")
        return result.stdout.split()

    def test(self, config, labels, log_path, fresh=False):
        """Runs the test targets LABELS under CONFIG ("default" or "tsan"), each test program
        under the output limiter; FRESH: never a cached result."""
        # One run, one log and one verdict per kata: a sharded test reports a result per shard,
        # and parse_events keeps one per label.
        flags = ["--test_output=summary", "--test_sharding_strategy=disabled"]
        if self.settings.strict_sandbox or fresh:
            # A result is never taken from another submission's run.
            flags.append("--nocache_test_results")
        return self.run("test", config, labels, log_path, flags=flags)

    def shutdown(self, configs=CONFIGS):
        """Stops the Bazel servers (nothing left running behind us)."""
        for config in configs:
            if not self.settings.output_base(config).exists():
                continue
            subprocess.run(
                self._startup(config) + ["shutdown"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=120,
                check=False,
                cwd=self.workspace,
            )


def _tests_key(root, lesson):
    digest = hashlib.sha256()
    for folder in (f"tests/{lesson.folder}", "tests/support"):
        for path in sorted((pathlib.Path(root) / folder).rglob("*")):
            if path.is_file() and "mutants" not in path.parts:
                digest.update(path.relative_to(root).as_posix().encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()


def parse_test_list(text):
    """The test names `--gtest_list_tests` printed, as Suite.Name (disabled tests left out)."""
    names = []
    suite = None
    for line in text.splitlines():
        if not line.strip():
            continue
        if not line.startswith(" "):
            suite = line.split("#")[0].strip().rstrip(".")
            continue
        name = line.strip().split("#")[0].strip()
        if suite and not suite.startswith("DISABLED_") and not name.startswith("DISABLED_"):
            names.append(f"{suite}.{name}")
    return names


def expected_tests(bazel, root, lessons, cache_file, log_path):
    """Lesson id -> the tests every run must report as run and passed: listed by the lesson's
    tests linked against the reference solution (a trusted build) in ROOT, with BAZEL (a
    Bazel for ROOT). Kept in CACHE_FILE until the lesson's tests change."""
    cache_file = pathlib.Path(cache_file)
    try:
        cache = json.loads(cache_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cache = {}
    keys = {lesson.id: _tests_key(root, lesson) for lesson in lessons}
    stale = [lesson for lesson in lessons if cache.get(lesson.id, {}).get("key") != keys[lesson.id]]
    if stale:
        labels = [lesson.trusted_label for lesson in stale]
        invocation = bazel.run("build", "default", labels, log_path)
        for lesson in stale:
            run = invocation.runs[lesson.trusted_label]
            binaries = [p for p in run.outputs if os.access(p, os.X_OK)]
            if not run.built or not binaries:
                raise BazelError(
                    f"cannot build {lesson.trusted_label} to list the tests: "
                    f"{run.failure or 'no binary'}; see {invocation.log_path}"
                )
            listed = subprocess.run(
                [binaries[0], "--gtest_list_tests"],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=60,
                check=True,
            )
            cache[lesson.id] = {"key": keys[lesson.id], "tests": parse_test_list(listed.stdout)}
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        cache_file.write_text(json.dumps(cache, indent=1), encoding="utf-8")
    return {lesson.id: cache[lesson.id]["tests"] for lesson in lessons}
