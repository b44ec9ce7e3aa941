"""The timeline drawing, on traces made here in the tracer's format."""

import json
import tempfile
import unittest
import xml.etree.ElementTree as ET
from pathlib import Path

from threadkata import classify, flake, timeline


def event(kind, tid, ts, **args):
    phase = {"start": "B", "finish": "E", "test_start": "B", "test_end": "E"}.get(kind, "i")
    if kind.endswith("_begin"):
        phase = "B"
    elif kind.endswith("_end") and kind != "test_end":
        phase = "E"
    return {
        "name": kind,
        "ph": phase,
        "pid": 1,
        "tid": tid,
        "ts": ts,
        "args": {"kind": kind, **args},
    }


def run_all(overlapping, tasks=4, task_us=100_000):
    """The trace of a test in which main starts `tasks` sleeping threads and joins them: all at
    once, or each joined before the next starts."""
    events = [event("test_start", 0, 0, text="RunAll.Overlap")]
    now = 10.0
    for lane in range(1, tasks + 1):
        events.append(event("create", 0, now, other=lane))
        begin = now + 5
        events += [
            event("start", lane, begin),
            event("log", lane, begin + 1, text=f"start {lane}"),
            event("sleep_begin", lane, begin + 2),
            event("sleep_end", lane, begin + 2 + task_us),
            event("finish", lane, begin + 3 + task_us),
        ]
        if not overlapping:
            events += [event("join_begin", 0, now + 1, other=lane)]
            events += [event("join_end", 0, begin + 4 + task_us, other=lane)]
            now = begin + 5 + task_us
        else:
            now += 20
    end = max(e["ts"] for e in events) + 10
    if overlapping:
        events.append(event("join_begin", 0, now, other=1))
        events.append(event("join_end", 0, end - 5, other=1))
    events.append(event("test_end", 0, end, text="RunAll.Overlap", other=1))
    names = [
        {"name": "thread_name", "ph": "M", "pid": 1, "tid": lane, "args": {"name": f"t{lane}"}}
        for lane in range(tasks + 1)
    ]
    return {"traceEvents": names + events, "otherData": {"written_at": end + 1}}


class TimelineTest(unittest.TestCase):
    def test_overlapping_threads_run_at_once_and_a_joining_loop_runs_one(self):
        overlapping = timeline.parse(run_all(overlapping=True))
        serial = timeline.parse(run_all(overlapping=False))
        for trace, expected in [(overlapping, 4), (serial, 1)]:
            test = trace.tests[0]
            self.assertEqual(timeline.most_at_once(timeline.lanes_of(trace, test)), expected)

    def test_the_serial_lanes_share_a_column_only_where_one_hands_over_to_the_next(self):
        trace = timeline.parse(run_all(overlapping=False))
        test = trace.tests[0]
        lanes = [lane for lane in timeline.lanes_of(trace, test) if lane.number != 0]
        cells = [timeline.columns(lane, test.begin, test.end, 89) for lane in lanes]
        sleeping_at_once = [
            sum(1 for lane in cells if lane[i] == timeline.SLEEP) for i in range(89)
        ]
        shared = [count for count in sleeping_at_once if count > 1]
        self.assertLessEqual(len(shared), len(lanes) - 1, sleeping_at_once)
        self.assertLessEqual(max(sleeping_at_once), 2)
        self.assertTrue(all(lane.count(timeline.SLEEP) > 10 for lane in cells))

    def test_the_drawing_fits_100_columns_and_shows_every_lane_and_the_log(self):
        trace = timeline.parse(run_all(overlapping=True))
        lines = [line.plain for line in timeline.render_text(trace, trace.tests[0])]
        self.assertTrue(all(len(line) <= timeline.WIDTH for line in lines), lines)
        self.assertEqual(sum(1 for line in lines if line.startswith("thread ")), 4)
        self.assertTrue(any("start 3" in line for line in lines))
        self.assertIn("at most 4 at once", lines[0])

    def test_a_test_that_never_ended_lasts_until_the_trace_was_written(self):
        data = run_all(overlapping=True)
        data["traceEvents"] = [
            e for e in data["traceEvents"] if e["args"].get("kind") != "test_end"
        ]
        trace = timeline.parse(data)
        self.assertFalse(trace.tests[0].passed)
        self.assertEqual(trace.tests[0].end, data["otherData"]["written_at"])

    def test_the_svg_is_well_formed_and_has_a_bar_per_state_span(self):
        trace = timeline.parse(run_all(overlapping=True))
        svg = ET.fromstring(timeline.render_svg(trace, trace.tests[0], "title"))
        titles = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}title")]
        self.assertEqual(sum(1 for t in titles if "sleeping" in t), 4)

    def test_a_data_race_marks_the_lanes_of_its_two_threads_and_says_where(self):
        data = run_all(overlapping=True)
        for meta in data["traceEvents"][:5]:
            meta["args"]["os_tid"] = 100 + meta["tid"]
        trace = timeline.parse(data)
        trace.races = [
            classify.Race(
                test="RunAll.Overlap",
                accesses=[
                    classify.Access("write", False, 103, "thread T3", "katas/x/x.cc:12"),
                    classify.Access("read", True, 100, "main thread", "katas/x/x.cc:30"),
                ],
            )
        ]
        test = trace.tests[0]
        self.assertEqual(timeline.choose(trace, None), [test], "a race fails the test")
        lines = [line.plain for line in timeline.render_text(trace, test)]
        self.assertIn("data race", lines[0])
        marked = [line.split()[0:2] for line in lines if timeline.RACE_MARK in line[1:11]]
        self.assertEqual(marked, [["main", timeline.RACE_MARK], ["thread", "3"]])
        said = "\n".join(lines)
        self.assertRegex(said, r"then +thread 3 +write +katas/x/x.cc:12")
        self.assertRegex(said, r"earlier +main +read +katas/x/x.cc:30")
        svg = ET.fromstring(timeline.render_svg(trace, test, "title"))
        texts = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
        self.assertEqual(texts.count(timeline.RACE_MARK), 2)

    def test_a_trace_file_and_bazels_outputs_zip_both_load(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / timeline.TRACE_NAME
            path.write_text(json.dumps(run_all(overlapping=True)))
            self.assertEqual(len(timeline.load(path).tests), 1)


class FlakeVerdictTest(unittest.TestCase):
    def test_the_sentence_says_how_often(self):
        self.assertIn("about 6% of the time", flake.verdict(47, 50, "your code", "noise"))
        self.assertIn("passed 100 of 100", flake.verdict(100, 100, "your code", "noise"))
        self.assertIn("not a flake", flake.verdict(0, 20, "your code", "noise"))


if __name__ == "__main__":
    unittest.main()
