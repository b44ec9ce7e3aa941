"""Turns what one run of a lesson's tests left behind (Bazel's status, the test log and XML,
the compiler's output) into a verdict, with one precedence order:

    refused > compile_error > sanitizer > crash > timeout > fail > pass

- refused: the gate refused the file before it was built (tools/threadkata/gate.py); nothing of
  it was compiled into a test or run.
- compile_error: the learner's code (or the lesson) did not build.
- sanitizer: a sanitizer found a bug (a race, a leak, a use after free...), even after a failed
  assertion: the race is the deeper mistake.
- crash: the program died on its own (a signal, std::terminate, exit() mid-test, a sanitizer's
  deadly signal): a run that did not report every expected test as run is never a pass.
- timeout: the harness stopped it: Bazel's time limit, the test main's watchdog, or the output
  limit (a program printing without end).
- fail: every test ran and some assertion failed.
- pass: every expected test ran and passed, and the program exited 0.

Everything read here was written by, or next to, untrusted code: it is read with caps, and the
only line trusted to be the harness's own is the limiter's last line (limit_output.sh).
"""

import dataclasses
import re
import xml.etree.ElementTree as ElementTree

from . import explain
from . import markers

COMPILE_ERROR = "compile_error"
REFUSED = "refused"
SANITIZER = "sanitizer"
CRASH = "crash"
TIMEOUT = "timeout"
FAIL = "fail"
PASS = "pass"
PRECEDENCE = (REFUSED, COMPILE_ERROR, SANITIZER, CRASH, TIMEOUT, FAIL, PASS)

LOG_CAP = 4 * 1024 * 1024  # bytes of test.log read at most (the limiter caps it before that)
XML_CAP = 4 * 1024 * 1024
MESSAGE_CAP = 2000
COMPILER_LINES = 60

_RUN = re.compile(r"^\[ RUN      \] (\S+)$", re.M)
_ENDED = re.compile(r"^\[ +(OK|FAILED|SKIPPED) +\] (\S+) \((\d+) ms\)$", re.M)
# "memory limit of N MiB exceeded" or "process limit of N exceeded", without the prefix.
_RESOURCE_LIMIT = re.compile(
    "^"
    + re.escape(markers.LIMITER_PREFIX)
    + "((?:"
    + "|".join(
        re.escape(m.removeprefix(markers.LIMITER_PREFIX))
        for m in (markers.LIMITER_MEMORY_LIMIT, markers.LIMITER_THREAD_LIMIT)
    )
    + ").*)$",
    re.M,
)
_EXIT = re.compile(r"^" + re.escape(markers.LIMITER_EXIT) + r"(\d+)$", re.M)
_SANITIZER_TITLE = re.compile(
    r"^(?:==\d+==)?(?:WARNING|ERROR): (ThreadSanitizer|AddressSanitizer|LeakSanitizer): (.*)$",
    re.M,
)
_UBSAN = re.compile(r"^(\S+:\d+):\d+: runtime error: (.*)$", re.M)
# A stack frame's location: the last word before the binary's "(module+0x...)", if any.
_MODULE_SUFFIX = re.compile(r" \([^()]*\+0x[0-9a-f]+\)$")
_FRAME_LOCATION = re.compile(r"(\S+?):(\d+)(?::\d+)?")
# A log line longer than this is cut before any pattern reads it: the test's output is the
# learner's, and a pattern's time may grow faster than the line.
LONGEST_LINE = 1000
_FRAME_START = re.compile(r"^\s+#\d+ ")
_GLOBAL = re.compile(r"Location is global '([^']*)'")
_LOCATION = re.compile(r"^(\S+):(\d+)$")
_THROWN = re.compile(
    r"^terminate called after throwing an instance of '([^']*)'\n(?:\s*what\(\):\s*(.*))?", re.M
)


@dataclasses.dataclass
class Run:
    """What one run of one lesson's tests under one configuration left behind."""

    status: str  # Bazel's test status (PASSED, FAILED, TIMEOUT...), "" when it was not built
    log: str = ""
    xml: str = ""
    build_output: str = ""  # the failed compile and link actions' output, when not built
    duration: float = 0.0
    cached: bool = False


@dataclasses.dataclass
class Case:
    name: str
    status: str  # pass, fail, error (did not finish) or skipped
    message: str = ""
    location: str = ""  # file:line of the first failure
    duration: float = 0.0


@dataclasses.dataclass
class Verdict:
    kind: str
    explanation: str = ""  # in plain words, from explain.py
    test: str = ""  # the test running when it happened
    cases: list = dataclasses.field(default_factory=list)
    report: str = ""  # the evidence: sanitizer report, compiler errors, watchdog line
    locations: list = dataclasses.field(default_factory=list)  # learner's file:line first
    refusals: list = dataclasses.field(default_factory=list)  # the gate's, as gate.Refusal.to_json
    missing: list = dataclasses.field(default_factory=list)  # expected tests that never ran
    duration: float = 0.0
    cached: bool = False

    @property
    def failed(self):
        return [case for case in self.cases if case.status in (FAIL, "error")]


def normalize_path(path):
    """Paths in reports are relative to Bazel's execution root, sometimes spelled through it."""
    for marker in ("/proc/self/cwd/", "/execroot/threadkata/"):
        at = path.find(marker)
        if at >= 0:
            path = path[at + len(marker) :]
    return path


def _is_library(path):
    return path.startswith(("/", "external/", "..", "<", "bazel-out/", "tests/support/"))


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
        failures = [(f.text or f.get("message") or "") for f in element.findall("failure")]
        if element.get("status") == "notrun" or element.get("result") == "skipped":
            status = "skipped"
        elif failures:
            status = FAIL
        else:
            status = PASS
        case = Case(name=f"{classname}.{element.get('name')}", status=status)
        try:
            case.duration = float(element.get("time", "0"))
        except ValueError:
            pass
        if failures:
            case.location, case.message = _split_location(failures[0])
            if len(failures) > 1:
                case.message += "\n\n" + "\n\n".join(failures[1:])
        cases.append(case)
    return cases or None


def _split_location(text):
    first, _, rest = text.partition("\n")
    match = _LOCATION.match(first.strip())
    if not match:
        return "", text.strip()
    location = f"{normalize_path(match.group(1))}:{match.group(2)}"
    if _is_library(location):
        # RapidCheck reports from its own header; the property's line is in its report.
        inner = re.search(r"(?:^|\n)([^\s:]+):(\d+):(?:\n|$)", rest)
        if inner:
            location = f"{normalize_path(inner.group(1))}:{inner.group(2)}"
    return location, rest.strip()


def _printed(text):
    """What the test program printed, without the limiter's own lines."""
    lines = text.splitlines()
    return "\n".join(l for l in lines if not l.startswith(markers.LIMITER_PREFIX)).strip()


def log_cases(log):
    """Per-test results from GoogleTest's console output: what a program that died logged
    before, failures included; a test that started and never ended has status "error"."""
    cases = []
    runs = list(_RUN.finditer(log))
    for index, run in enumerate(runs):
        name = run.group(1)
        end = runs[index + 1].start() if index + 1 < len(runs) else len(log)
        body = log[run.end() : end]
        ended = next((m for m in _ENDED.finditer(body) if m.group(2) == name), None)
        if ended is None:
            cases.append(Case(name, "error", _printed(body)[-MESSAGE_CAP:]))
            continue
        status = {"OK": PASS, "FAILED": FAIL, "SKIPPED": "skipped"}[ended.group(1)]
        case = Case(name, status, duration=int(ended.group(3)) / 1000)
        if status == FAIL:
            text = _printed(body[: ended.start()])
            # GoogleTest prints "file:line: Failure" before each failure.
            match = re.match(r"(\S+):(\d+): Failure\n", text)
            if match:
                case.location = f"{normalize_path(match.group(1))}:{match.group(2)}"
                text = text[match.end() :]
            case.message = text.strip()
        cases.append(case)
    return cases


def _agreed(xml_cases, logged):
    """XML_CASES with a pass taken back where GoogleTest's printed output LOGGED disagrees.
    Both come from GoogleTest, and the program's own code can write to either: a results file
    forged from inside the program (the gate refuses every way the reviewers found) does not
    take back the failures GoogleTest printed before. A check counts as passed only where the
    log shows it passing too; where it shows nothing of it, the check did not finish."""
    said = {case.name: case for case in logged}
    for case in xml_cases:
        other = said.get(case.name)
        if case.status != PASS or (other is not None and other.status in (PASS, "error")):
            # "error" in the log: started, its end line not found as printed (another
            # thread's output can cut into it); the results file stands.
            continue
        if other is not None and other.status in (FAIL, "skipped"):
            case.status, case.message, case.location = other.status, other.message, other.location
        else:
            case.status, case.message = "error", explain.RESULTS_DISAGREE
    return xml_cases


def _limiter_lines(log):
    """The limiter's own lines: those at the very end of the log, after everything the program
    printed. A line of the same text that the program printed itself is not among them."""
    lines = log.rstrip("\n").split("\n")
    end = len(lines)
    while end and lines[end - 1].startswith(markers.LIMITER_PREFIX):
        end -= 1
    return "\n".join(lines[end:])


def _exit_status(log):
    matches = _EXIT.findall(_limiter_lines(log))
    return int(matches[-1]) if matches else None


def _running(log, before=None):
    """The test that was running at offset BEFORE (the end of the log by default)."""
    started = None
    for match in re.finditer(
        r"^\[ (RUN     |      OK|  FAILED|  SKIPPED) \] (\S+)", log[:before], re.M
    ):
        started = match.group(2) if match.group(1).strip() == "RUN" else None
    return started or ""


def _frame(line):
    """(path, line number) of a sanitizer stack frame LINE ("    #0 0x4f in f() x.cc:3:5
    (bin+0x9)"), or None."""
    if not _FRAME_START.match(line):
        return None
    words = _MODULE_SUFFIX.sub("", line[:LONGEST_LINE]).split()
    match = _FRAME_LOCATION.fullmatch(words[-1]) if len(words) >= 2 else None
    return (match.group(1), match.group(2)) if match else None


def _frames(block, learner_files):
    """file:line of the first frame in the project's code of each stack in BLOCK, learner's
    files first."""
    mine, ours = [], []
    stack_done = False
    for line in block.splitlines():
        if not _FRAME_START.match(line):
            stack_done = False
            continue
        frame = _frame(line)
        if stack_done or not frame:
            continue
        path = normalize_path(frame[0])
        if _is_library(path):
            continue
        stack_done = True
        location = f"{path}:{frame[1]}"
        bucket = mine if path in learner_files else ours
        if location not in bucket:
            bucket.append(location)
    return mine + ours


def _innermost_mine(text, learner_files):
    """The innermost frame (the first listed) in the learner's files, in any stack of TEXT."""
    for line in text.splitlines():
        frame = _frame(line)
        if frame and normalize_path(frame[0]) in learner_files:
            return f"{normalize_path(frame[0])}:{frame[1]}"
    return ""


def _shown_report(block):
    """The report without library frames and binaries' addresses."""
    shown = []
    for line in block.splitlines():
        if _FRAME_START.match(line):
            frame = _frame(line)
            if not frame or _is_library(normalize_path(frame[0])):
                continue
        shown.append(_MODULE_SUFFIX.sub("", line))
    return "\n".join(shown).strip()


def _sanitizer(log, learner_files):
    """A sanitizer's finding (not its deadly signal, which is a crash): (kind, verdict)."""
    undefined = _UBSAN.search(log)
    for match in _SANITIZER_TITLE.finditer(log):
        kind = match.group(2)
        if "DEADLYSIGNAL" in kind or kind.startswith(("SEGV", "BUS", "ABRT", "FPE", "ILL")):
            continue
        for tail in (" (pid=", " on address", " on unknown address"):
            kind = kind.split(tail)[0]
        end = log.find("SUMMARY: ", match.end())
        end = log.find("\n", end) if end >= 0 else match.end() + 8000
        block = log[match.start() : end if end >= 0 else len(log)]
        explanation = explain.sanitizer_kind(kind)
        names = [n.split("::")[-1] for n in _GLOBAL.findall(block)]
        named = [n for n in names if n and n != "<null>"]
        if named:
            explanation += f" The variable: {named[0]}."
        elif names and not re.search(r"Location is (stack|heap)", block):
            explanation += " The variable: a global."
        return Verdict(
            kind=SANITIZER,
            explanation=f"{match.group(1)}: {explanation}",
            test=_running(log, match.start()),
            report=_shown_report(block),
            locations=_frames(block, learner_files),
        )
    if undefined:
        return Verdict(
            kind=SANITIZER,
            explanation=f"UndefinedBehaviorSanitizer: undefined behaviour: {undefined.group(2)}.",
            test=_running(log, undefined.start()),
            report=undefined.group(0),
            locations=[normalize_path(undefined.group(1))],
        )
    return None


_RACE_TITLE = re.compile(
    r"^WARNING: ThreadSanitizer: data race(?: on vptr [^(]*\([^)]*\))? \(pid=(\d+)\)$", re.M
)
_ACCESS = re.compile(
    r"^  (Previous )?((?:[Aa]tomic )?(?:[Rr]ead|[Ww]rite)) of size \d+ at \S+ "
    r"by (main thread|thread T(\d+))"
)
_THREAD_TID = re.compile(r"^  Thread T(\d+)(?: '[^']*')? \(tid=(\d+)", re.M)


@dataclasses.dataclass
class Access:
    """One of the two accesses of a data race ThreadSanitizer reported."""

    what: str  # "read", "write", "atomic write"...
    previous: bool  # the earlier of the two (TSan names the later one first)
    tid: int | None  # the thread's kernel id ("tid=" in the report; main's is the pid)
    thread: str  # as the report names it: "main thread", "thread T2"
    location: str  # file:line of its innermost frame in the project's code (else any frame)


@dataclasses.dataclass
class Race:
    test: str  # the test running when it was reported
    accesses: list  # Access, the later one first


def _rank(path):
    """Which frame names an access best: the project's code, then generated code (a mutant's
    patched file), then the libraries."""
    if not _is_library(path):
        return 0
    return 1 if path.startswith("bazel-out/") else 2


def races(log):
    """Every data race ThreadSanitizer reported in LOG (one run's output), in order."""
    found = []
    for match in _RACE_TITLE.finditer(log):
        end = log.find("SUMMARY: ", match.end())
        block = log[match.start() : end if end >= 0 else len(log)]
        tids = {int(t): int(tid) for t, tid in _THREAD_TID.findall(block)}
        accesses, current = [], None
        for line in block.splitlines():
            access = _ACCESS.match(line)
            if access:
                number = access.group(4)
                tid = int(match.group(1)) if number is None else tids.get(int(number))
                current = Access(
                    what=access.group(2).lower(),
                    previous=bool(access.group(1)),
                    tid=tid,
                    thread=access.group(3),
                    location="",
                )
                accesses.append(current)
            elif current is not None and _FRAME_START.match(line):
                frame = _frame(line)
                if frame:
                    path = normalize_path(frame[0])
                    where = f"{path}:{frame[1]}"
                    if not current.location or _rank(path) < _rank(current.location):
                        current.location = where
            elif not line.startswith("    "):
                current = None
        if accesses:
            found.append(Race(test=_running(log, match.start()), accesses=accesses))
    return found


def _crash_explanation(log, status, exited_early):
    """How the program died, then its most likely cause."""
    if status == 0 and exited_early:
        return explain.EXITED_EARLY
    killed = _RESOURCE_LIMIT.search(_limiter_lines(log))
    if killed:
        return explain.resource_limit(killed.group(1))
    thrown = _THROWN.search(log)
    if "terminate called without an active exception" in log:
        cause = explain.TERMINATE
    elif thrown:
        cause = explain.thrown(thrown.group(1), (thrown.group(2) or "").strip())
    elif status == 132 or "Illegal instruction" in log:
        cause = explain.OUT_OF_BOUNDS
    elif status == 139 or "SEGV" in log or "Segmentation fault" in log:
        cause = explain.SEGV
    elif status == 134:
        cause = explain.ABORT
    else:
        return explain.died(status) + "."
    return f"{explain.died(status)}: {cause}"


def compiler_errors(output, learner_files):
    """(lines, in_learner_files): the diagnostics worth reading. A diagnostic is kept with the
    lines that lead to it ("In instantiation of", "required from here"), so an error inside a
    library header that the learner's file caused (a static assertion) stays, whole."""
    lines = [
        l for l in output.splitlines() if l.strip() and not l.startswith("Use --sandbox_debug")
    ]
    groups, pending, current = [], [], None
    for line in lines:
        diagnostic = re.search(r": (error|warning|note): ", line)
        context = not diagnostic and not line.startswith((" ", "\t"))
        if diagnostic and diagnostic.group(1) != "note" or current is None and not context:
            current = pending + [line]
            pending = []
            groups.append(current)
        elif context and (current is None or not diagnostic):
            if current is not None and not re.search(r"(In |required from|included from)", line):
                current.append(line)
            else:
                pending.append(line)
                current = None
        else:
            (current if current is not None else pending).append(line)

    def mine(group):
        return any(normalize_path(l.split(":")[0].strip()) in learner_files for l in group)

    kept = [line for group in groups if mine(group) for line in group]
    chosen = kept or lines
    return [normalize_path_in_line(l) for l in chosen[:COMPILER_LINES]], bool(kept)


def normalize_path_in_line(line):
    return re.sub(r"\S*/(?:proc/self/cwd|execroot/threadkata)/", "", line)


def refused(editable, refusals):
    """The verdict on a file the gate refused: EDITABLE's REFUSALS (gate.Refusal)."""
    return Verdict(
        kind=REFUSED,
        explanation=explain.REFUSED,
        report="\n".join(f"- {r}" for r in refusals),
        locations=list(dict.fromkeys(f"{editable}:{r.line}" for r in refusals if r.line)),
        refusals=[r.to_json() for r in refusals],
    )


def _cut_lines(log):
    """LOG with every line cut to LONGEST_LINE characters."""
    return "\n".join(line[:LONGEST_LINE] for line in log.split("\n"))


def judge(run, expected, learner_files, limits):
    """The verdict of RUN (a Run). EXPECTED: the test names the trusted build lists;
    LEARNER_FILES: the paths the learner edits; LIMITS: {"test_timeout": seconds}."""
    learner_files = set(learner_files)
    if not run.status and run.build_output is not None:
        errors, in_mine = compiler_errors(run.build_output, learner_files)
        return Verdict(
            kind=COMPILE_ERROR,
            explanation=explain.COMPILE_MINE if in_mine else explain.COMPILE_ELSEWHERE,
            report="\n".join(errors),
            locations=[
                location
                for location in dict.fromkeys(
                    ":".join(l.split(":")[:2])
                    for l in errors
                    if re.search(r": (?:fatal )?error:|required from here", l)
                )
                if location.split(":")[0] in learner_files
            ],
        )
    log, xml = _cut_lines(run.log[:LOG_CAP]), run.xml[:XML_CAP]
    xml_cases = gtest_cases(xml)
    logged = log_cases(log)
    cases = _agreed(xml_cases, logged) if xml_cases is not None else logged
    status = _exit_status(log)
    by_name = {case.name: case for case in cases}
    missing = [
        name for name in expected if name not in by_name or by_name[name].status == "skipped"
    ]
    common = {"duration": run.duration, "cached": run.cached, "missing": missing}

    def verdict(kind, **fields):
        result = Verdict(kind=kind, cases=fields.pop("cases", cases), **common)
        for key, value in fields.items():
            setattr(result, key, value)
        return result

    found = _sanitizer(log, learner_files)
    if found:
        # The race belongs to the test that was running when it was reported.
        for case in cases:
            if case.name == found.test and case.status == PASS:
                case.status = FAIL
                case.message = found.report
        return verdict(
            SANITIZER,
            explanation=found.explanation,
            test=found.test,
            report=found.report,
            locations=found.locations,
        )

    watchdog = next((l for l in log.splitlines() if l.startswith(markers.WATCHDOG)), None)
    limiter = _limiter_lines(log).splitlines()
    limit = next((l for l in limiter if l.startswith(markers.LIMITER_OUTPUT_LIMIT)), None)
    stopped = run.status == "TIMEOUT" or watchdog or limit
    # Died on its own: a signal, an unexpected status, or tests that never ran. Without
    # GoogleTest's own XML (a program that ended early leaves Bazel's stand-in) nothing proves
    # that a test ran, whatever the log says: the program's own code prints the log.
    incomplete = bool(missing) or xml_cases is None or any(case.status == "error" for case in cases)
    died = (
        status is None
        or status not in (0, 1)
        or incomplete
        or (status == 0 and run.status != "PASSED")
    )
    if died and not stopped:
        running = _running(log)
        where = _innermost_mine(log, learner_files)
        killed = _RESOURCE_LIMIT.search(_limiter_lines(log))
        if running or not killed:
            report = _shown_report(
                _printed(log[log.rfind(markers.GTEST_RUN + running) :] if running else log)
            )[:MESSAGE_CAP]
        else:
            report = killed.group(0)
        disagree = any(case.message == explain.RESULTS_DISAGREE for case in cases)
        return verdict(
            CRASH,
            cases=logged if xml_cases is None else cases,
            explanation=(
                explain.RESULTS_DISAGREE
                if disagree
                else _crash_explanation(log, status, incomplete)
            ),
            test=running,
            report=report,
            locations=[where] if where else [],
        )
    if stopped:
        if watchdog:
            explanation = explain.WATCHDOG
            hint = watchdog.split(": probably a deadlock or a thread never joined.")[-1].strip()
            if hint and hint != watchdog.strip():
                explanation += " " + hint
            report = watchdog
        elif limit:
            explanation = explain.output_limit(limit[len(markers.LIMITER_PREFIX) :])
            report = limit
        else:
            explanation = explain.timeout_limit(limits["test_timeout"])
            report = ""
        parts = (watchdog or "").split()
        test = parts[4] if len(parts) > 4 and parts[3] == "test" else _running(log)
        return verdict(TIMEOUT, cases=logged, explanation=explanation, test=test, report=report)
    if any(case.status == FAIL for case in cases):
        return verdict(
            FAIL, explanation=f"{sum(c.status == FAIL for c in cases)} of {len(cases)} checks fail."
        )
    if status == 0 and run.status == "PASSED" and not missing and markers.GTEST_PASSED in log:
        return verdict(PASS)
    return verdict(CRASH, explanation=explain.AFTER_TESTS if not missing else explain.EXITED_EARLY)
