"""The reports of a grading: results.json, JUnit XML and a Markdown summary for one submission;
a CSV and JSON table for a batch."""

import csv
import json
import pathlib
import xml.etree.ElementTree as ElementTree

_GRADE_LABEL = {
    "pass": "✅ pass",
    "fail": "❌ fail",
    "compile_error": "🛠 compile error",
    "timeout": "⏱ timeout",
    "crash": "💥 crash",
    "sanitizer": "⚠ data race (ThreadSanitizer)",
    "missing": "➖ missing",
    "rejected": "⛔ rejected",
    "refused": "🚫 refused by the gate",
}


def write_json(path, data):
    path = pathlib.Path(path)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _xml_text(text):
    """TEXT without the characters XML 1.0 cannot hold (learner output may contain any)."""
    if text is None:
        return ""
    return "".join(
        c
        for c in text
        if c in "\t\n\r"
        or 0x20 <= ord(c) <= 0xD7FF
        or 0xE000 <= ord(c) <= 0xFFFD
        or ord(c) > 0xFFFF
    )


def junit(results):
    """JUnit XML: one testsuite per kata; a `verdict` testcase carries the kata's grade, then one
    testcase per GoogleTest test and configuration."""
    suites = ElementTree.Element("testsuites", name="threadkata")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for kata in results["tests"]:
        suite = ElementTree.SubElement(suites, "testsuite", name=kata["folder"])
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}

        def add(classname, name, status, message, duration):
            case = ElementTree.SubElement(
                suite, "testcase", classname=classname, name=name, time=f"{duration:.3f}"
            )
            counts["tests"] += 1
            if status in ("fail", "error"):
                kind = "failure" if status == "fail" else "error"
                counts["failures" if kind == "failure" else "errors"] += 1
                first_line = _xml_text((message or "").split("\n", 1)[0])
                element = ElementTree.SubElement(case, kind, message=first_line)
                element.text = _xml_text(message)
            elif status == "skipped":
                counts["skipped"] += 1
                ElementTree.SubElement(case, "skipped")

        add(
            kata["folder"],
            "verdict",
            kata["status"],
            f"{kata['grade']}: {kata['message'] or ''}".strip(),
            kata["duration"],
        )
        for config, run in kata["configs"].items():
            for test in run["tests"]:
                add(
                    f"{kata['folder']}.{config}",
                    test["name"],
                    test["status"],
                    test["message"],
                    test["duration"],
                )
        for key, value in counts.items():
            suite.set(key, str(value))
        for key in totals:
            totals[key] += counts[key]
    for key, value in totals.items():
        suites.set(key, str(value))
    suites.set("time", f"{results['duration']:.3f}")
    ElementTree.indent(suites)
    return ElementTree.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _cell(text):
    return (text or "").replace("|", "\\|").replace("\n", " ")


def markdown(results):
    """A summary for a CI job page ($GITHUB_STEP_SUMMARY) or a merge request note."""
    lines = [
        f"## threadkata grade: {results['score']} / {results['max_score']}",
        "",
    ]
    if results["status"] == "error":
        lines += [
            f"**The grader could not grade this submission:** {_cell(results['message'])}",
            "",
        ]
    if results["tests"]:
        lines += ["| # | kata | result | points | time |", "|---|---|---|---|---|"]
        for kata in results["tests"]:
            lines.append(
                f"| {kata['kata']} | {_cell(kata['name'][3:])} | {_GRADE_LABEL[kata['grade']]} "
                f"| {kata['score']} / {kata['max_score']} | {kata['duration']:.1f} s |"
            )
        lines.append("")
    for problem in results["problems"]:
        lines.append(f"- ⛔ {problem}")
    for kata in results["tests"]:
        if kata["grade"] == "pass" or not kata["message"]:
            continue
        lines += [
            "",
            f"<details><summary>{kata['name']}: {kata['grade']}</summary>",
            "",
            "```",
            kata["message"].replace("```", "'''"),
            "```",
            "</details>",
        ]
    return "\n".join(lines) + "\n"


def write_submission(out_dir, results):
    out_dir = pathlib.Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_json(out_dir / "results.json", results)
    (out_dir / "junit.xml").write_text(junit(results), encoding="utf-8")
    (out_dir / "summary.md").write_text(markdown(results), encoding="utf-8")


def batch_row(name, results):
    return {
        "submission": name,
        "status": results["status"],
        "score": results["score"],
        "max_score": results["max_score"],
        "duration": results["duration"],
        "message": results["message"],
        "katas": {kata["kata"]: kata["grade"] for kata in results["tests"]},
        "mistakes": {
            kata["kata"]: [m["name"] for m in kata["mistake"]["mutants"]]
            for kata in results["tests"]
            if kata.get("mistake")
        },
    }


def _csv_cell(value):
    """VALUE as a CSV cell no spreadsheet reads as a formula (a folder may be named "=1+1")."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def common_mistakes(rows, lessons, descriptions):
    """The class's most common mistakes, per lesson, as Markdown: how many submissions behave
    like each curated mutant (a submission like two tied mutants counts for both).
    DESCRIPTIONS: (lesson id, mutant name) -> (what the mistake is, its hint)."""
    lines = [
        "## The class's most common mistakes",
        "",
        f"Over {len(rows)} submissions: how many behave like each classic mistake of a lesson "
        "(its curated mutant in tests/NN_name/mutants/), with the hint that addresses it.",
        "",
        "| lesson | mistake | submissions | hint |",
        "|---|---|---:|---:|",
    ]
    found = False
    for lesson in lessons:
        counts = {}
        for row in rows:
            for name in row.get("mistakes", {}).get(lesson.id, []):
                counts[name] = counts.get(name, 0) + 1
        for name, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
            found = True
            description, hint = descriptions.get((lesson.id, name), (name, "?"))
            lines.append(f"| {lesson.id} | {_cell(description)} | {count} | {hint} |")
    if not found:
        lines.append("| - | no submission behaves like a classic mistake | 0 | - |")
    return "\n".join(lines) + "\n"


def write_batch(out_dir, rows, lessons, descriptions=None):
    out_dir = pathlib.Path(out_dir)
    write_json(
        out_dir / "grades.json",
        {"format": "threadkata-grade-batch", "format_version": 1, "submissions": rows},
    )
    (out_dir / "mistakes.md").write_text(
        common_mistakes(rows, lessons, descriptions or {}), encoding="utf-8"
    )
    with open(out_dir / "grades.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["submission", "status", "score", "max_score", "duration"]
            + [lesson.id for lesson in lessons]
        )
        for row in rows:
            writer.writerow(
                [_csv_cell(row["submission"])]
                + [row["status"], row["score"], row["max_score"], row["duration"]]
                + [row["katas"].get(lesson.id, "") for lesson in lessons]
            )
