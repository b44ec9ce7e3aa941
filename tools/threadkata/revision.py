"""The commit a report is written on: the one reading of git for every tool that writes one
(docs/mutation.md, docs/mistakes.md, docs/flake.md)."""

import subprocess


def describe(root, paths, changes="uncommitted changes"):
    """HEAD's short hash, and "(with CHANGES)" when files below PATHS differ from it."""
    head = subprocess.run(
        ["git", "rev-parse", "--short=12", "HEAD"], cwd=root, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", *paths], cwd=root, capture_output=True, text=True
    ).stdout.strip()
    return head + (f" (with {changes})" if dirty else "")
