"""Timelines of a lesson's threads, drawn in the terminal and as SVG.

The `*_trace` test targets (tools/kata.bzl) link the thread tracer of tests/support/trace,
which writes what every thread did as Chrome Trace Event JSON (Perfetto and chrome://tracing
open it too). This module runs such a target, reads the trace and draws one test of it: one
lane per thread, one column per slice of time.

    tools/timeline 05                       the learner's kata, the first failing test
    tools/timeline 05 StartsEveryTask --solution
    tools/timeline 05 --mutant joins_inside_the_start_loop --svg loop.svg
"""

import argparse
import json
import re
import sys
import zipfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.text import Text

from threadkata import bazel as bazel_module
from threadkata import classify, lessons, mistakes

ROOT = Path(__file__).resolve().parents[2]
TRACE_NAME = "threadkata_trace.json"
WIDTH = 100
LABEL_WIDTH = 11
MAX_LANES = 24
MAX_LOG_LINES = 12
MAX_RACES = 2  # different data races described under a timeline

RUNNING = "running"
STARTING = "starting"
SLEEP = "sleep"
JOIN = "join"
WAIT = "wait"
MUTEX = "blocked on a mutex"

# state -> (character, terminal style, SVG colour, legend); the characters alone tell the
# states apart, so the drawing reads without colour (NO_COLOR).
STATES = {
    RUNNING: ("█", "green", "#3a9d5d", "running"),
    SLEEP: ("▓", "cyan", "#5aa9d6", "sleeping"),
    JOIN: ("░", "red", "#d9534f", "in join()"),
    WAIT: ("▒", "yellow", "#e0a526", "waiting (condition variable, latch, future)"),
    MUTEX: ("▚", "magenta", "#9b59b6", "blocked on a mutex"),
    STARTING: ("·", "dim", "#cccccc", "created, not started yet"),
}
# Which state a column shows when two share it equally.
PRIORITY = [MUTEX, JOIN, WAIT, SLEEP, RUNNING, STARTING]


@dataclass
class Lane:
    number: int
    name: str
    created: float | None = None
    started: float | None = None
    finished: float | None = None
    spans: list = field(default_factory=list)  # (state, begin, end)
    os_tid: int | None = None  # the kernel's id of its thread, as ThreadSanitizer names it


@dataclass
class Test:
    name: str
    begin: float
    end: float
    passed: bool


@dataclass
class Trace:
    lanes: dict
    tests: list
    logs: list  # (ts, lane, text)
    end: float
    noise_seed: int | None
    races: list = field(default_factory=list)  # classify.Race, from the run's log


def load(path):
    """Reads a trace written by tests/support/trace (a .json file, or Bazel's outputs.zip)."""
    path = Path(path)
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            data = json.loads(archive.read(TRACE_NAME))
    else:
        data = json.loads(path.read_text())
    return parse(data)


def parse(data):
    """The lanes, tests and EventLog records of a Chrome Trace Event JSON document."""
    events = [e for e in data["traceEvents"] if e.get("ph") != "M"]
    events.sort(key=lambda e: e["ts"])
    meta = {e["tid"]: e["args"] for e in data["traceEvents"] if e.get("ph") == "M"}
    # A test still open when the trace was written (a hang the watchdog ended) lasts until then.
    end = data.get("otherData", {}).get("written_at", events[-1]["ts"] if events else 0.0)
    lanes = {}
    stacks = {}
    state_since = {}
    tests, logs, open_tests = [], [], {}

    def lane(tid):
        if tid not in lanes:
            args = meta.get(tid, {})
            lanes[tid] = Lane(tid, args.get("name", f"thread {tid}"), os_tid=args.get("os_tid"))
            stacks[tid] = [RUNNING] if tid == 0 else []
            state_since[tid] = 0.0
        return lanes[tid]

    def change(tid, ts, update):
        before = stacks[tid][-1] if stacks[tid] else None
        update(stacks[tid])
        after = stacks[tid][-1] if stacks[tid] else None
        if before != after:
            if before is not None and ts > state_since[tid]:
                lanes[tid].spans.append((before, state_since[tid], ts))
            state_since[tid] = ts

    for e in events:
        kind, ts = e["args"]["kind"], e["ts"]
        this = lane(e["tid"])
        if kind == "create":
            child = lane(e["args"]["other"])
            child.created = ts
            if child.started is None:
                change(child.number, ts, lambda s: s.append(STARTING))
        elif kind == "start":
            this.started = ts
            change(this.number, ts, lambda s: s.__setitem__(slice(None), [RUNNING]))
        elif kind == "finish":
            this.finished = ts
            change(this.number, ts, lambda s: s.clear())
        elif kind.endswith("_begin"):
            state = {"join": JOIN, "sleep": SLEEP, "wait": WAIT, "futex": WAIT, "mutex": MUTEX}[
                kind[:-6]
            ]
            change(this.number, ts, lambda s: s.append(state))
        elif kind.endswith("_end") and kind != "test_end":
            change(this.number, ts, lambda s: s.pop() if len(s) > 1 else None)
        elif kind == "log":
            logs.append((ts, this.number, e["args"]["text"]))
        elif kind == "test_start":
            open_tests[e["args"]["text"]] = ts
        elif kind == "test_end":
            name = e["args"]["text"]
            tests.append(Test(name, open_tests.pop(name, 0.0), ts, e["args"]["other"] == 1))
    for name, begin in open_tests.items():  # the run ended inside this test (a crash)
        tests.append(Test(name, begin, end, False))
    for tid, stack in stacks.items():
        if stack:
            lanes[tid].spans.append((stack[-1], state_since[tid], end))
    seed = data.get("otherData", {}).get("noise_seed")
    return Trace(lanes, tests, logs, end, seed)


def lanes_of(trace, test):
    """Main and every thread created during `test` (or started then, if its creation was not
    seen)."""

    def during(ts):
        return ts is not None and test.begin <= ts <= test.end

    return [
        lane
        for number, lane in sorted(trace.lanes.items())
        if number == 0 or during(lane.created) or (lane.created is None and during(lane.started))
    ]


def display_names(lanes):
    """Lane number -> "main", "thread 1", "thread 2"... in the order the test created them."""
    return {
        lane.number: "main" if lane.number == 0 else f"thread {i}" for i, lane in enumerate(lanes)
    }


def most_at_once(lanes):
    """The largest number of threads (main aside) whose tasks were running at one moment."""
    edges = []
    for lane in lanes:
        if lane.number != 0 and lane.started is not None:
            edges += [(lane.started, 1), (lane.finished or float("inf"), -1)]
    running = best = 0
    for _, step in sorted(edges, key=lambda e: (e[0], e[1])):
        running += step
        best = max(best, running)
    return best


def columns(lane, begin, end, count):
    """The state each of `count` columns of [begin, end] shows for `lane` (None: not alive)."""
    width = (end - begin) / count
    cover = [dict() for _ in range(count)]
    for state, a, b in lane.spans:
        a, b = max(a, begin), min(b, end)
        if b <= a:
            continue
        first, last = int((a - begin) / width), min(int((b - begin) / width), count - 1)
        for i in range(first, last + 1):
            lo, hi = begin + i * width, begin + (i + 1) * width
            overlap = min(b, hi) - max(a, lo)
            if overlap > 0:
                cover[i][state] = cover[i].get(state, 0.0) + overlap
    return [max(c, key=lambda s: (c[s], -PRIORITY.index(s))) if c else None for c in cover]


RACE_MARK = "✖"


def races_of(trace, test):
    """The data races ThreadSanitizer reported while TEST ran."""
    return [race for race in trace.races if race.test == test.name]


def race_lanes(lanes, race):
    """The lane number of each access of RACE (None when no lane of LANES ran its thread). The
    kernel reuses the id of a thread that ended: then it is the later lane's."""
    by_tid = {lane.os_tid: lane.number for lane in lanes if lane.os_tid}
    return [by_tid.get(access.tid) for access in race.accesses]


def marked_lanes(trace, test, lanes):
    """The lanes of LANES that took part in a data race during TEST."""
    return {n for race in races_of(trace, test) for n in race_lanes(lanes, race) if n is not None}


def race_lines(trace, test, lanes):
    """In words, the data races reported during TEST (the first MAX_RACES different ones): who
    touched the memory, how and where."""
    names = display_names(lanes)
    shown, lines = [], []
    races = races_of(trace, test)
    for race in races:
        accesses = []
        for access, number in zip(race.accesses, race_lanes(lanes, race)):
            who = names[number] if number is not None else access.thread
            where = re.sub(r"^bazel-out/[^/]+/bin/", "", access.location)
            when = "earlier" if access.previous else "then"
            accesses.append(f"  {when:<7} {who:<10} {access.what:<12} {where}")
        if accesses in shown:
            continue
        shown.append(accesses)
        if len(shown) > MAX_RACES:
            break
        lines.append(
            f"{RACE_MARK} ThreadSanitizer: a data race (no lock, join or atomic orders these two):"
        )
        lines += accesses
    if len(shown) > MAX_RACES:
        lines.append(f"  … and other races: {len(races)} reports in this test in all")
    return lines


def passed(trace, test):
    """Every assertion held and no data race was reported."""
    return test.passed and not races_of(trace, test)


def ms(us):
    return f"{us / 1000:.0f} ms" if us >= 10000 else f"{us / 1000:.1f} ms"


def describe(trace, test, lanes):
    threads = len(lanes) - 1
    at_once = most_at_once(lanes)
    outcome = "passed" if test.passed else "FAILED"
    if races_of(trace, test):
        outcome += ", data race"
    return (
        f"{test.name}: {outcome} · {threads} thread(s) · "
        f"at most {at_once} at once · {ms(test.end - test.begin)}"
    )


def render_text(trace, test, width=WIDTH):
    """The timeline of one test, as rich Text lines that fit `width` columns."""
    lanes = lanes_of(trace, test)
    bar = width - LABEL_WIDTH
    span = max(test.end - test.begin, 1.0)
    lines = [Text(describe(trace, test, lanes), style="bold")]
    axis = f"0 ms (1 column = {ms(span / bar)})"
    lines.append(Text(" " * LABEL_WIDTH + axis + ms(span).rjust(bar - len(axis))))
    names = display_names(lanes)
    marked = marked_lanes(trace, test, lanes)
    for lane in lanes[:MAX_LANES]:
        label = names[lane.number].ljust(LABEL_WIDTH - 1)[: LABEL_WIDTH - 1]
        line = Text(label[:-1] if lane.number in marked else label)
        if lane.number in marked:
            line.append(RACE_MARK, style="bold red")
        line.append(" ")
        for state in columns(lane, test.begin, test.begin + span, bar):
            if state is None:
                line.append(" ")
            else:
                line.append(STATES[state][0], style=STATES[state][1])
        lines.append(line)
    if len(lanes) > MAX_LANES:
        lines.append(Text(f"… and {len(lanes) - MAX_LANES} more thread(s)"))
    lines.append(Text(""))
    legend = Text()
    for state in [RUNNING, SLEEP, JOIN, WAIT, MUTEX, STARTING]:
        char, style, _, label = STATES[state]
        entry = Text(char, style=style) + Text(f" {label}")
        if len(legend) > 0 and len(legend) + 2 + len(entry) > width:
            lines.append(legend)
            legend = Text()
        legend += Text("  " if len(legend) > 0 else "") + entry
    lines.append(legend)
    lines += [Text(line[:width], style="red") for line in race_lines(trace, test, lanes)]
    logs = [entry for entry in trace.logs if test.begin <= entry[0] <= test.end]
    if logs:
        lines.append(Text("The test's event log, on the same clock:"))
        for ts, lane, message in logs[:MAX_LOG_LINES]:
            name = names.get(lane, "other")
            lines.append(Text(f"  {ms(ts - test.begin):>9}  {name:<10} {message}"[:width]))
        if len(logs) > MAX_LOG_LINES:
            lines.append(Text(f"  … {len(logs) - MAX_LOG_LINES} more"))
    return lines


def render_svg(trace, test, title):
    """The timeline of one test as an SVG document (a string)."""
    lanes = lanes_of(trace, test)[:MAX_LANES]
    label, chart, lane_h, top = 90, 780, 20, 54
    races = race_lines(trace, test, lanes_of(trace, test))
    height = top + lane_h * len(lanes) + 60 + 16 * len(races)
    span = max(test.end - test.begin, 1.0)
    svg = ET.Element(
        "svg",
        xmlns="http://www.w3.org/2000/svg",
        width=str(label + chart + 20),
        height=str(height),
        style="font-family: sans-serif; font-size: 12px",
    )
    ET.SubElement(svg, "rect", width="100%", height="100%", fill="white")
    ET.SubElement(svg, "text", x="8", y="18", style="font-weight: bold").text = title
    ET.SubElement(svg, "text", x="8", y="36").text = describe(trace, test, lanes_of(trace, test))

    def x(ts):
        return label + (ts - test.begin) / span * chart

    names = display_names(lanes)
    marked = marked_lanes(trace, test, lanes)
    for row, lane in enumerate(lanes):
        y = top + row * lane_h
        ET.SubElement(svg, "text", x="8", y=str(y + 14)).text = names[lane.number]
        if lane.number in marked:
            ET.SubElement(
                svg, "text", x=str(label - 18), y=str(y + 14), fill="#d9534f"
            ).text = RACE_MARK
        for state, a, b in lane.spans:
            a, b = max(a, test.begin), min(b, test.end)
            if b <= a:
                continue
            rect = ET.SubElement(
                svg,
                "rect",
                x=f"{x(a):.1f}",
                y=str(y + 3),
                width=f"{max(x(b) - x(a), 0.5):.1f}",
                height=str(lane_h - 6),
                fill=STATES[state][2],
            )
            ET.SubElement(
                rect, "title"
            ).text = f"{names[lane.number]}: {STATES[state][3]}, {ms(a - test.begin)} to {ms(b - test.begin)}"
    axis_y = top + lane_h * len(lanes) + 14
    for i in range(5):
        ts = test.begin + span * i / 4
        ET.SubElement(
            svg, "text", x=f"{x(ts):.1f}", y=str(axis_y), **{"text-anchor": "middle"}
        ).text = ms(ts - test.begin)
    legend_x = 8
    for state in [RUNNING, SLEEP, JOIN, WAIT, MUTEX, STARTING]:
        _, _, colour, text = STATES[state]
        ET.SubElement(
            svg,
            "rect",
            x=str(legend_x),
            y=str(axis_y + 14),
            width="12",
            height="12",
            fill=colour,
        )
        ET.SubElement(svg, "text", x=str(legend_x + 16), y=str(axis_y + 24)).text = text
        legend_x += 24 + 6.5 * len(text)
    for row, line in enumerate(races):
        ET.SubElement(svg, "text", x="8", y=str(axis_y + 46 + 16 * row), fill="#d9534f").text = line
    ET.indent(svg)
    return ET.tostring(svg, encoding="unicode") + "\n"


# The pictures in docs/timelines (tools/timeline --docs): for each lesson, one test drawn for
# the reference solution and for the mutant that makes the lesson's classic mistake.
DOC_PAIRS = {
    "01_sequential": ("TakesAtLeastTheSumOfTheDurations", "runs_tasks_concurrently"),
    "02_when_threads_pay": ("SleepingTasksOverlap", "runs_on_the_callers_thread"),
    "03_starting_threads": ("ThreadsStartedOneAfterAnother", "joins_before_returning"),
    "04_join": ("TakesTheLongerTaskNotTheSum", "joins_the_first_before_starting_the_second"),
    "05_thread_loops": ("TenTasksOfOneUnit", "joins_inside_the_start_loop"),
    "06_arguments": ("TenCallsLikeTheSeedsOverlap", "joins_inside_the_start_loop"),
    "07_join_timeout": ("ReturnsFalseAtTheTimeout", "join_for_blocks_until_the_work_ends"),
    "08_join_rules": (
        "TasksThatDoNotWaitForEachOther",
        "runs_tasks_one_after_another_in_list_order",
    ),
    "09_executor": (
        "RunsUpToMaxWorkersTasksAtOnceAndNeverMore/2",
        "runs_tasks_under_the_lock",
    ),
    "10_daemons": ("StopInterruptsTheWait", "sleeps_through_stop"),
    "11_process_pool": ("RunsAtMostMaxWorkersAtOnce", "runs_tasks_in_parent"),
}
DOCS = ROOT / "docs/timelines"


def write_docs(bazel, console, only=None):
    """Runs each DOC_PAIRS test (of lesson `only`, if given) on the solution and its mutant and
    writes their SVGs."""
    for folder, (test, mutant) in DOC_PAIRS.items():
        if only and folder != only:
            continue
        mistake = mistakes.read_mutant(ROOT / "tests" / folder / "mutants" / f"{mutant}.patch")
        for which, target, title in [
            ("solution", "solution_trace", f"lesson {folder}: the reference solution"),
            (mutant, f"mutant_{mutant}_trace", f"lesson {folder}: {mistake.description}"),
        ]:
            _, path, _ = run_traced(bazel, folder, target, test)
            trace = load(path) if path else None
            tests = choose(trace, test) if trace else []
            if not tests:
                console.print(f"{folder} {which}: no trace of {test}")
                return 1
            out = DOCS / f"{folder}_{which}.svg"
            out.write_text(render_svg(trace, tests[0], title))
            console.print(
                f"{out.relative_to(ROOT)}: {describe(trace, tests[0], lanes_of(trace, tests[0]))}"
            )
    return 0


def find_lesson(query):
    """The lesson folder ("05_thread_loops") that `query` ("05", "5", "thread_loops") names."""
    every = lessons.load(ROOT)
    lesson = lessons.find(every, query)
    if lesson is None:
        raise SystemExit(f"no lesson '{query}': one of {', '.join(l.folder for l in every)}")
    return lesson.folder


def tracing_bazel():
    """The engine's Bazel for the traced targets (tools/timeline, tools/kata timeline,
    tools/flake): output bases of their own, so that the servers of the checks keep their
    analysis and their event files."""
    return bazel_module.local_bazel(ROOT, bazel_module.user_cache_dir("trace", ROOT))


def test_filter(test):
    return test if "." in test or "*" in test else f"*{test}*"


def run_traced(bazel, folder, target, test, config="default", env=()):
    """Runs //tests/FOLDER:TARGET once with BAZEL, the engine's (only `test`, if given); returns
    (passed, trace path, test log path), the paths None when the tests never ran.

    `env` is extra (NAME, VALUE) pairs for the test, e.g. the noise seed. Under ThreadSanitizer
    a race does not end the run (halt_on_error=0): the test goes on, its threads are drawn, and
    the race is marked on them. Raises bazel.BazelError when Bazel itself fails."""
    label = f"//tests/{folder}:{target}"
    if config == "tsan":
        env = [*env, ("TSAN_OPTIONS", "halt_on_error=0")]
    flags = ["--nocache_test_results", "--test_output=summary", "--test_sharding_strategy=disabled"]
    flags += [f"--test_env={name}={value}" for name, value in env]
    if test:
        flags.append(f"--test_filter={test_filter(test)}")
    log = bazel.settings.cache_dir / "logs" / f"{target}-{config}.log"
    run = bazel.run("test", config, [label], log, flags=flags).runs[label]
    if not run.log_path:
        return False, None, None
    outputs = Path(run.log_path).parent / "test.outputs"
    trace = next((p for p in (outputs / "outputs.zip", outputs / TRACE_NAME) if p.exists()), None)
    return run.status == "PASSED", trace, Path(run.log_path)


def target_of(args):
    if args.mutant:
        return f"mutant_{args.mutant}_trace"
    return "solution_trace" if args.solution else "kata_trace"


def choose(trace, test):
    """The tests to draw: those whose name contains `test`, else the first failing one, else
    the one that started the most threads."""
    if test:
        pattern = test.replace("*", "")
        return [t for t in trace.tests if pattern in t.name]
    failed = [t for t in trace.tests if not passed(trace, t)]
    if failed:
        return failed[:1]
    return sorted(trace.tests, key=lambda t: -len(lanes_of(trace, t)))[:1]


def main(argv):
    parser = argparse.ArgumentParser(
        prog="tools/timeline",
        description="Draw what a lesson's threads did during one of its tests.",
    )
    parser.add_argument("lesson", nargs="?", help="lesson number or folder, e.g. 05")
    parser.add_argument(
        "test", nargs="?", help="part of a test's name (default: the first failing one)"
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--solution", action="store_true", help="the reference solution")
    which.add_argument("--mutant", metavar="NAME", help="a mutant of tests/NN_name/mutants/")
    parser.add_argument("--config", default="default", choices=["default", "tsan"])
    parser.add_argument("--seed", type=int, help="add scheduling noise with this seed")
    parser.add_argument("--svg", metavar="FILE", help="also write the timeline as SVG")
    parser.add_argument(
        "--trace", metavar="FILE", help="draw this trace instead of running the tests"
    )
    parser.add_argument(
        "--log",
        metavar="FILE",
        help="with --trace: the same run's output, whose data races are marked on the lanes",
    )
    parser.add_argument("--docs", action="store_true", help="re-draw the SVGs of docs/timelines")
    args = parser.parse_args(argv)
    console = Console(width=WIDTH, highlight=False)
    bazel = tracing_bazel()
    if args.docs:
        return write_docs(bazel, console, args.lesson and find_lesson(args.lesson))
    if args.lesson is None:
        parser.error("which lesson? e.g. tools/timeline 05")
    if args.log and not args.trace:
        parser.error("--log goes with --trace: a run made here reads its own log")
    folder = find_lesson(args.lesson)

    test_log = Path(args.log) if args.log else None
    if args.trace:
        path = Path(args.trace)
    else:
        env = [("THREADKATA_NOISE_SEED", args.seed)] if args.seed is not None else []
        console.print(f"running //tests/{folder}:{target_of(args)} …", style="dim")
        try:
            _, path, test_log = run_traced(
                bazel, folder, target_of(args), args.test, args.config, env
            )
        except bazel_module.BazelError as error:
            console.print(f"Bazel could not run the tests: {error}", markup=False)
            return 1
        if path is None:
            console.print(
                "No trace was written: the tests did not build or did not start "
                f"(bazel test //tests/{folder}:{target_of(args)} shows why)."
            )
            return 1
    trace = load(path)
    if test_log is not None and test_log.exists():
        trace.races = classify.races(test_log.read_text(errors="replace"))
    tests = choose(trace, args.test)
    if not tests:
        names = ", ".join(t.name for t in trace.tests)
        console.print(f"No test matches '{args.test}'. The tests: {names}")
        return 1
    for test in tests:
        for line in render_text(trace, test):
            console.print(line, overflow="crop", no_wrap=True)
        console.print()
    others = [t.name for t in trace.tests if t not in tests]
    if others and not args.test:
        console.print(f"Other tests: tools/timeline {args.lesson} NAME, NAME one of:", style="dim")
        console.print("  " + ", ".join(others), style="dim")
    console.print(
        f"The whole trace (Perfetto, chrome://tracing): {path}", style="dim", soft_wrap=True
    )
    if args.svg:
        title = f"lesson {folder}, {target_of(args).removesuffix('_trace')}"
        Path(args.svg).write_text(render_svg(trace, tests[0], title))
        console.print(f"SVG: {args.svg}", style="dim")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
