"""Runs `bazel test` on the pristine tree and reads back what happened to each test target,
from the Build Event Protocol (JSON) rather than from Bazel's human-readable output."""

import dataclasses
import json
import pathlib
import signal
import subprocess
import urllib.parse

from . import tree as tree_module


class GraderError(Exception):
    """Bazel itself could not run or finish: the grade would be wrong, so there is none."""


# Bazel's exit codes that still mean "the build and tests ran": 0 all passed, 1 some target
# failed to build, 3 some test failed, 4 no test to run.
_GRADED_EXIT_CODES = {0, 1, 3, 4}
_STDERR_CAP = 64 * 1024


@dataclasses.dataclass
class FailedAction:
    label: str
    kind: str
    stderr: str


@dataclasses.dataclass
class TargetRun:
    """What Bazel reported for one test target."""

    label: str
    built: bool = False
    status: str = ""  # Bazel's test status: PASSED, FAILED, TIMEOUT, ... ("" if it never ran)
    log_path: str = ""
    xml_path: str = ""
    duration_ms: int = 0
    failure: str = ""  # why the target did not build, when it did not
    cached: bool = False


@dataclasses.dataclass
class Invocation:
    runs: dict  # label -> TargetRun
    failed_actions: list  # FailedAction, with their stderr read
    log_path: str


@dataclasses.dataclass
class Settings:
    grader_root: pathlib.Path
    cache_dir: pathlib.Path
    disk_cache: pathlib.Path
    test_timeout: int
    output_limit: int
    invocation_timeout: int
    blocked_paths: tuple = ()
    extra_args: tuple = ()

    def output_base(self, config):
        # One Bazel server per configuration: switching one server between them would throw
        # its analysis away for every submission.
        return self.cache_dir / f"output_base-{config}"


def _read_uri(uri, cap):
    parsed = urllib.parse.urlparse(uri)
    if parsed.scheme != "file":
        return ""
    try:
        with open(urllib.parse.unquote(parsed.path), "rb") as handle:
            return handle.read(cap).decode("utf-8", "replace")
    except OSError:
        return ""


def _uri_path(uri):
    parsed = urllib.parse.urlparse(uri)
    return urllib.parse.unquote(parsed.path) if parsed.scheme == "file" else ""


def parse_events(lines, labels):
    """Reads BEP JSON LINES into per-label TargetRuns and the failed actions."""
    runs = {label: TargetRun(label) for label in labels}
    failed = []
    for line in lines:
        line = line.strip()
        if not line:
            continue
        event = json.loads(line)
        ident = event.get("id", {})
        if "targetCompleted" in ident:
            label = ident["targetCompleted"].get("label")
            if label in runs:
                completed = event.get("completed", {})
                runs[label].built = bool(completed.get("success"))
                runs[label].failure = completed.get("failureDetail", {}).get("message", "")
                if "aborted" in event:
                    runs[label].failure = event["aborted"].get("description", "aborted")
        elif "targetConfigured" in ident and "aborted" in event:
            label = ident["targetConfigured"].get("label")
            if label in runs:
                runs[label].failure = event["aborted"].get("description", "aborted")
        elif "testResult" in ident:
            label = ident["testResult"].get("label")
            result = event.get("testResult", {})
            if label in runs:
                run = runs[label]
                run.status = result.get("status", "")
                run.duration_ms = int(result.get("testAttemptDurationMillis", 0))
                run.cached = bool(result.get("cachedLocally")) or bool(
                    result.get("executionInfo", {}).get("cachedRemotely")
                )
                for output in result.get("testActionOutput", []):
                    if output.get("name") == "test.log":
                        run.log_path = _uri_path(output.get("uri", ""))
                    elif output.get("name") == "test.xml":
                        run.xml_path = _uri_path(output.get("uri", ""))
        elif "actionCompleted" in ident and "action" in event:
            action = event["action"]
            if not action.get("success", False):
                stderr = action.get("stderr", {}).get("uri", "")
                stdout = action.get("stdout", {}).get("uri", "")
                text = _read_uri(stderr, _STDERR_CAP) if stderr else ""
                if stdout:
                    text += _read_uri(stdout, _STDERR_CAP)
                failed.append(
                    FailedAction(
                        label=action.get("label", ident["actionCompleted"].get("label", "")),
                        kind=action.get("type", ""),
                        stderr=text,
                    )
                )
    return runs, failed


class Bazel:
    """One Bazel server (output base) and disk cache, shared by every submission graded."""

    def __init__(self, settings, work_dir):
        self.settings = settings
        self.work_dir = pathlib.Path(work_dir)

    def _startup(self, config):
        return [
            "bazel",
            f"--output_base={self.settings.output_base(config)}",
            "--nohome_rc",
            "--max_idle_secs=600",
        ]

    def test(self, tree, config, labels, log_path):
        """Runs LABELS in TREE under CONFIG ("default" or "tsan")."""
        events = self.work_dir / f"bep-{config}.json"
        if events.exists():
            events.unlink()
        settings = self.settings
        command = self._startup(config) + [
            "test",
            "--keep_going",
            "--symlink_prefix=/",
            "--color=no",
            "--curses=no",
            "--show_progress_rate_limit=30",
            "--test_output=summary",
            # Hostile code runs only in the sandbox: no fallback to unsandboxed execution.
            "--spawn_strategy=linux-sandbox",
            "--sandbox_default_allow_network=false",
            # Private /tmp and /dev/shm per action: nothing a test leaves there reaches the next.
            "--sandbox_tmpfs_path=/tmp",
            "--sandbox_tmpfs_path=/dev/shm",
            # A result is never taken from another submission's run.
            "--nocache_test_results",
            f"--test_timeout={settings.test_timeout}",
            f"--test_env=THREADKATA_OUTPUT_LIMIT={settings.output_limit}",
            f"--run_under={tree_module.LIMITER_LABEL}",
            "--experimental_ui_max_stdouterr_bytes=65536",
            f"--disk_cache={settings.disk_cache}",
            f"--build_event_json_file={events}",
        ]
        command += [f"--sandbox_block_path={path}" for path in settings.blocked_paths]
        if config != "default":
            command.append(f"--config={config}")
        command += list(settings.extra_args)
        command += ["--"] + list(labels)
        with open(log_path, "wb") as log:
            try:
                process = subprocess.Popen(
                    command,
                    cwd=tree,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            except OSError as error:
                raise GraderError(f"cannot run bazel: {error}") from error
            try:
                process.wait(timeout=settings.invocation_timeout)
            except subprocess.TimeoutExpired as error:
                # Interrupting the client cancels the server's build too; killing it would not.
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
                raise GraderError(
                    f"bazel test ({config}) did not finish within {settings.invocation_timeout} s"
                ) from error
        if process.returncode not in _GRADED_EXIT_CODES or not events.exists():
            raise GraderError(
                f"bazel test ({config}) failed with exit status {process.returncode}; "
                f"its output: {log_path}\n{_tail(log_path)}"
            )
        with open(events, encoding="utf-8") as lines:
            runs, failed = parse_events(lines, labels)
        return Invocation(runs=runs, failed_actions=failed, log_path=str(log_path))

    def shutdown(self, tree, configs=("default", "tsan")):
        """Stops the Bazel servers (a grader leaves nothing running behind it)."""
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
                cwd=tree,
            )


def _tail(path, lines=30):
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return "".join(handle.readlines()[-lines:])
    except OSError:
        return ""
