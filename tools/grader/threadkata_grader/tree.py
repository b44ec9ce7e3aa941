"""The pristine tree a submission is graded in: the grader's own repository without solutions/,
with only the learner's accepted editable files written over the stubs."""

import os
import pathlib
import shutil

# Never copied: the reference solutions (learner code must not be able to include them), the
# grader's fixtures, version control, Bazel's convenience links and local settings.
_TOP_LEVEL_EXCLUDED = {".git", "solutions", ".threadkata", "user.bazelrc"}
_NESTED_EXCLUDED = {"tests/grade_fixtures"}

# The output cap wrapper, as a target so that it also reaches remote executors.
_LIMITER_BUILD = """\
# Written by the grader into its pristine tree only.
sh_binary(
    name = "limit_output",
    srcs = ["limit_output.sh"],
    visibility = ["//visibility:public"],
)
"""
LIMITER_LABEL = "//tools/grader:limit_output"


def _ignore(root, excluded):
    root = pathlib.Path(root).resolve()
    excluded = {pathlib.Path(path).resolve() for path in excluded}

    def ignore(directory, names):
        directory = pathlib.Path(directory).resolve()
        relative = directory.relative_to(root).as_posix()
        skipped = set()
        for name in names:
            path = name if relative == "." else f"{relative}/{name}"
            if relative == "." and (name in _TOP_LEVEL_EXCLUDED or name.startswith("bazel-")):
                skipped.add(name)
            elif path in _NESTED_EXCLUDED or name == "__pycache__":
                skipped.add(name)
            elif directory / name in excluded:
                skipped.add(name)
        return skipped

    return ignore


def prepare(grader_root, tree, outcomes, excluded=()):
    """Lays out TREE afresh from GRADER_ROOT, without the paths in EXCLUDED (the grader's own
    cache and reports, when they are inside it), and writes the accepted files of OUTCOMES
    (lesson id -> FileOutcome list) into it."""
    tree = pathlib.Path(tree)
    if tree.exists():
        shutil.rmtree(tree)
    ignore = _ignore(grader_root, tuple(excluded) + (tree,))
    shutil.copytree(grader_root, tree, symlinks=True, ignore=ignore)
    (tree / "tools" / "grader" / "BUILD.bazel").write_text(_LIMITER_BUILD, encoding="utf-8")
    for files in outcomes.values():
        for outcome in files:
            if outcome.state != "accepted":
                continue
            target = tree / outcome.path
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.is_symlink():
                target.unlink()
            target.write_bytes(outcome.content)
            os.chmod(target, 0o644)
    return tree
