"""Turns what Bazel reported for one kata under one configuration into a verdict:
pass, fail, compile_error, timeout, crash or sanitizer, with per-test results and messages.

Everything read here was written by, or next to, untrusted code: files are read with caps, and
the only line trusted to be the grader's own is the wrapper's last line (limit_output.sh).
"""

import dataclasses
import re
import signal
import xml.etree.ElementTree as ElementTree

PASS = "pass"
FAIL = "fail"
COMPILE_ERROR = "compile_error"
TIMEOUT = "timeout"
CRASH = "crash"
SANITIZER = "sanitizer"

MESSAGE_CAP = 2000  # characters of one test's failure message
KATA_MESSAGE_CAP = 4000  # characters of a kata's message (e.g. compiler errors)
OUTPUT_CAP = 500  # characters of output, as Exercism's test runners cap it
_LOG_CAP = 4 * 1024 * 1024  # bytes of test.log read at most (the wrapper caps it before that)
_XML_CAP = 4 * 1024 * 1024

_MARKER_PREFIX = "[threadkata-grader] "
_MARKER_EXIT = re.compile(r"^\[threadkata-grader\] exit (\d+)$", re.M)
_MARKER_LIMIT = "[threadkata-grader] output limit of"
_RUN = re.compile(r"^\[ RUN      \] (\S+)$", re.M)
_ENDED = re.compile(r"^\[ +(OK|FAILED|SKIPPED) +\] (\S+) \((\d+) ms\)$", re.M)
_GTEST_PASSED = re.compile(r"^\[  PASSED  \] \d+ tests?\.$", re.M)
_WATCHDOG = re.compile(r"^\[  TIMEOUT \] .*$", re.M)
_TSAN_REPORT = "WARNING: ThreadSanitizer:"
_DEADLY = re.compile(r"(ERROR: \w+Sanitizer: [^\n]*|\w+Sanitizer:DEADLYSIGNAL)")


def cap(text, limit):
    """TEXT cut to LIMIT characters, saying so when it was cut."""
    if text is None or len(text) <= limit:
        return text
    note = f"\n... [{len(text) - limit} more characters cut]"
    return text[: max(0, limit - len(note))] + note


@dataclasses.dataclass
class Case:
    name: str
    status: str  # pass, fail, error or skipped
    message: str = None
    duration: float = 0.0

    def to_json(self):
        return {
            "name": self.name,
            "status": self.status,
            "message": cap(self.message, MESSAGE_CAP),
            "duration": round(self.duration, 3),
        }


@dataclasses.dataclass
class ConfigResult:
    status: str  # a verdict above, or "skipped" (not run because the plain run did not pass)
    message: str = None
    output: str = None
    duration: float = 0.0
    cached: bool = False
    cases: list = dataclasses.field(default_factory=list)

    def to_json(self):
        return {
            "status": self.status,
            "message": cap(self.message, KATA_MESSAGE_CAP),
            "output": cap(self.output, OUTPUT_CAP),
            "duration": round(self.duration, 3),
            "cached": self.cached,
            "tests": [case.to_json() for case in self.cases],
        }


def _read(path, limit):
    if not path:
        return ""
    try:
        with open(path, "rb") as handle:
            return handle.read(limit).decode("utf-8", "replace")
    except OSError:
        return ""


def _read_tail(path, size=8192):
    try:
        with open(path, "rb") as handle:
            handle.seek(0, 2)
            handle.seek(max(0, handle.tell() - size))
            return handle.read().decode("utf-8", "replace")
    except OSError:
        return ""


def gtest_cases(xml_text):
    """Per-test results from GoogleTest's XML, or None if GoogleTest did not write it (a
    program that ended early leaves Bazel's stand-in, which has no classname)."""
    try:
        root = ElementTree.fromstring(xml_text)
    except ElementTree.ParseError:
        return None
    cases = []
    for element in root.iter("testcase"):
        classname = element.get("classname")
        if classname is None:
            return None
        failures = [f.get("message") or (f.text or "") for f in element.findall("failure")]
        if failures:
            status = FAIL
        elif element.get("result") == "skipped" or element.get("status") == "notrun":
            status = "skipped"
        else:
            status = PASS
        try:
            duration = float(element.get("time", "0"))
        except ValueError:
            duration = 0.0
        cases.append(
            Case(
                name=f"{classname}.{element.get('name')}",
                status=status,
                message="\n\n".join(failures) or None,
                duration=duration,
            )
        )
    return cases if cases else None


def _printed(text):
    """What the test program printed, without the grader wrapper's own lines."""
    lines = text.splitlines()
    return "\n".join(line for line in lines if not line.startswith(_MARKER_PREFIX)).strip()


def log_cases(log, unfinished_message):
    """Per-test results from GoogleTest's console output; a test that started and never ended
    gets UNFINISHED_MESSAGE followed by what it printed."""
    cases = []
    runs = list(_RUN.finditer(log))
    for index, run in enumerate(runs):
        name = run.group(1)
        end = runs[index + 1].start() if index + 1 < len(runs) else len(log)
        body = log[run.end() : end]
        ended = next((m for m in _ENDED.finditer(body) if m.group(2) == name), None)
        if ended is None:
            cases.append(Case(name, "error", (unfinished_message + "\n" + _printed(body)).strip()))
            continue
        status = {"OK": PASS, "FAILED": FAIL, "SKIPPED": "skipped"}[ended.group(1)]
        message = _printed(body[: ended.start()]) if status == FAIL else None
        cases.append(Case(name, status, message or None, int(ended.group(3)) / 1000))
    return cases


def _unfinished_output(log):
    """What the last test printed before the program was stopped (its own output)."""
    runs = list(_RUN.finditer(log))
    return _printed(log[runs[-1].end() :] if runs else log)[-OUTPUT_CAP:]


def _exit_status(log_tail):
    matches = _MARKER_EXIT.findall(log_tail)
    return int(matches[-1]) if matches else None


def _describe_exit(status):
    if status is None:
        return "was stopped"
    if status > 128:
        try:
            return f"was killed by {signal.Signals(status - 128).name}"
        except ValueError:
            pass
    return f"exited with status {status}"


def _crash_hint(status):
    """The learner's most likely mistake, from how the program ended."""
    if status is not None and status - 128 in (signal.SIGSEGV, signal.SIGBUS):
        return (
            "a null or dangling pointer or reference, e.g. a thread still using a local "
            "variable of a function that has returned?"
        )
    if status is not None and status - 128 == signal.SIGABRT:
        return (
            "std::terminate: an std::thread destroyed while still joinable (neither joined nor "
            "detached), or an exception that escaped a thread?"
        )
    return "exit() or abort() called from the kata, or a thread that ended the process?"


def _tsan_report(log):
    start = log.find(_TSAN_REPORT)
    end = log.find("SUMMARY: ThreadSanitizer", start)
    end = log.find("\n", end) if end >= 0 else start + MESSAGE_CAP
    return log[start:end].strip()


def _failed_summary(cases):
    failed = [case for case in cases if case.status in (FAIL, "error")]
    lines = [f"{len(failed)} of {len(cases)} tests failed:"]
    lines += [f"- {case.name}" for case in failed[:20]]
    if len(failed) > 20:
        lines.append(f"- and {len(failed) - 20} more")
    lines += ["", f"The first, {failed[0].name}:", cap(failed[0].message, MESSAGE_CAP)]
    return "\n".join(lines)


def classify_build_failure(actions):
    """compile_error from the failed compile or link actions of one kata."""
    text = "\n".join(a.stderr.strip() for a in actions if a.stderr.strip())
    return ConfigResult(
        status=COMPILE_ERROR,
        message="The kata does not compile:\n" + (text or "(the compiler printed nothing)"),
    )


def classify_run(run, test_timeout):
    """The verdict of one test run Bazel reported (a bazel.TargetRun that ran)."""
    log = _read(run.log_path, _LOG_CAP)
    tail = _read_tail(run.log_path)
    xml_cases = gtest_cases(_read(run.xml_path, _XML_CAP))
    exit_status = _exit_status(tail)
    result = ConfigResult(status=PASS, duration=run.duration_ms / 1000, cached=run.cached)

    def unfinished(message):
        result.cases = log_cases(log, message)
        result.output = _unfinished_output(log) or None

    watchdog = _WATCHDOG.search(log)
    if run.status == "TIMEOUT":
        result.status = TIMEOUT
        result.message = (
            f"The tests did not finish within the limit of {test_timeout} s and were stopped: "
            "a deadlock, a join() that never returns, or a loop without end?"
        )
        unfinished("This test was running when the time ran out.")
    elif _MARKER_LIMIT in tail:
        result.status = FAIL
        limit = tail[tail.rfind(_MARKER_LIMIT) :].splitlines()[0]
        result.message = (
            f"The tests printed too much and were stopped ({limit.split('] ', 1)[1]}): "
            "output in a loop that never ends?"
        )
        unfinished("This test was running when the output limit was reached.")
    elif _TSAN_REPORT in log:
        result.cases = xml_cases or log_cases(log, "ThreadSanitizer stopped this test.")
        assertions_failed = any(c.status == FAIL for c in result.cases)
        result.status = FAIL if assertions_failed else SANITIZER
        report = _tsan_report(log)
        kind = report.splitlines()[0].replace(_TSAN_REPORT, "").split("(")[0].strip()
        hint = (
            ": two threads touch the same memory, at least one writes, and nothing orders them"
            if kind == "data race"
            else ""
        )
        result.message = (
            f"ThreadSanitizer reported a {kind}"
            + (
                " (and assertions failed too)"
                if assertions_failed
                else " although every assertion held"
            )
            + hint
            + ".\n"
            + report
        )
        result.output = report
        # The race belongs to the test that was running when it was reported.
        during = [m.group(1) for m in _RUN.finditer(log, 0, log.find(_TSAN_REPORT))]
        for case in result.cases:
            if during and case.name == during[-1] and case.status == PASS:
                case.status = FAIL
                case.message = report
    elif watchdog:
        result.status = TIMEOUT
        result.message = watchdog.group(0)
        unfinished(watchdog.group(0))
    elif (
        run.status == "PASSED"
        and xml_cases
        and all(c.status != FAIL for c in xml_cases)
        and _GTEST_PASSED.search(log)
    ):
        result.cases = xml_cases
    elif xml_cases and any(c.status == FAIL for c in xml_cases):
        result.status = FAIL
        result.cases = xml_cases
        result.message = _failed_summary(xml_cases)
        first = next(c for c in xml_cases if c.status == FAIL)
        result.output = first.message
    else:
        result.status = CRASH
        deadly = _DEADLY.search(log)
        running = [c.name for c in log_cases(log, "") if c.status == "error"]
        result.message = (
            f"The test program {_describe_exit(exit_status)} "
            + (f"during {running[-1]}" if running else "before its tests finished")
            + (f" ({deadly.group(1)})" if deadly else "")
            + ": "
            + _crash_hint(exit_status)
        )
        unfinished(f"The test program {_describe_exit(exit_status)} during this test.")
    return result
