"""The pristine tree a submission is graded in: the grader's own repository without solutions/,
with only the learner's accepted editable files written over the stubs."""

import os
import pathlib
import shutil
import stat

# Never copied: the reference solutions (learner code must not be able to include them), the
# grader's fixtures, version control, Bazel's convenience links and local settings.
_TOP_LEVEL_EXCLUDED = {".git", "solutions", ".threadkata", "user.bazelrc"}
_NESTED_EXCLUDED = {"tests/grade_fixtures"}


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


def _desired(grader_root, outcomes, excluded):
    """Relative path -> (content, mode) or ("link", target): what the tree must hold."""
    root = pathlib.Path(grader_root).resolve()
    ignore = _ignore(root, excluded)
    files = {}
    for directory, dirs, names in os.walk(root):
        skipped = ignore(directory, dirs + names)
        dirs[:] = [
            d for d in dirs if d not in skipped and not os.path.islink(os.path.join(directory, d))
        ]
        links = [d for d in os.listdir(directory) if os.path.islink(os.path.join(directory, d))]
        for name in sorted(set(names + links) - skipped):
            path = pathlib.Path(directory) / name
            relative = path.relative_to(root).as_posix()
            if path.is_symlink():
                files[relative] = ("link", os.readlink(path))
            elif path.is_file():
                # Readable by all, writable by none but the grader: a grader started as root
                # builds the tree as another user.
                mode = (path.stat().st_mode & 0o755) | 0o444
                mode |= 0o111 if mode & 0o100 else 0
                files[relative] = (path.read_bytes(), mode)
    for outcome_list in outcomes.values():
        for outcome in outcome_list:
            if outcome.state == "accepted":
                files[outcome.path] = (outcome.content, 0o644)
    return files


def _matches(path, want):
    if want[0] == "link":
        return path.is_symlink() and os.readlink(path) == want[1]
    if path.is_symlink() or not path.is_file():
        return False
    return path.read_bytes() == want[0] and (path.stat().st_mode & 0o777) == want[1]


def prepare(grader_root, tree, outcomes, excluded=()):
    """Makes TREE a copy of GRADER_ROOT, without the paths in EXCLUDED (the grader's own cache
    and reports, when they are inside it), with the accepted files of OUTCOMES (lesson id ->
    FileOutcome list) written over the stubs.

    An existing TREE is brought up to date file by file rather than laid anew: files that did
    not change keep their identity, so Bazel keeps its analysis of the packages around them
    and a submission costs only what it changed."""
    tree = pathlib.Path(tree)
    desired = _desired(grader_root, outcomes, tuple(excluded) + (tree,))
    if tree.exists():
        for directory, dirs, names in os.walk(tree, topdown=False):
            for name in names + [d for d in dirs if os.path.islink(os.path.join(directory, d))]:
                path = pathlib.Path(directory) / name
                if path.relative_to(tree).as_posix() not in desired:
                    path.unlink()
            for name in dirs:
                path = pathlib.Path(directory) / name
                if not path.is_symlink() and not any(path.iterdir()):
                    path.rmdir()
    for relative, want in desired.items():
        path = tree / relative
        if _matches(path, want):
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.is_symlink() or path.exists():
            path.unlink()
        if want[0] == "link":
            path.symlink_to(want[1])
        else:
            path.write_bytes(want[0])
            os.chmod(path, want[1])
    # Folders open to all whatever the umask, for the same reason as the files' modes.
    for directory, _, _ in os.walk(tree):
        if stat.S_IMODE(os.stat(directory).st_mode) != 0o755:
            os.chmod(directory, 0o755)
    return tree
