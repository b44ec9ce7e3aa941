"""Takes a learner's editable files out of a submission, and nothing else.

A submission is untrusted: every path component is opened without following symlinks, relative
to the directory before it, so a link anywhere on the way (or a file swapped for one while we
read) is refused rather than followed; the file must be a regular file under the size cap.
"""

import dataclasses
import errno
import os
import stat

ACCEPTED = "accepted"
MISSING = "missing"
REJECTED = "rejected"


@dataclasses.dataclass
class FileOutcome:
    path: str  # as in the allow-list, e.g. katas/01_sequential/sequential.cc
    state: str  # ACCEPTED, MISSING or REJECTED
    reason: str = ""
    content: bytes = b""


def layout_prefix(submission):
    """How the allow-listed paths map into SUBMISSION: a copy of the whole repository has
    katas/ inside; a copy of the katas/ folder alone has the lesson folders at its top."""
    if os.path.isdir(os.path.join(submission, "katas")) and not os.path.islink(
        os.path.join(submission, "katas")
    ):
        return ""
    return "katas/"


def _open_dir(parent_fd, name):
    return os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=parent_fd)


def read_editable(submission, path, max_bytes):
    """The outcome of taking allow-listed PATH out of SUBMISSION."""
    prefix = layout_prefix(submission)
    relative = path[len(prefix) :] if prefix and path.startswith(prefix) else path
    parts = relative.split("/")
    fds = []
    try:
        try:
            fds.append(os.open(submission, os.O_RDONLY | os.O_DIRECTORY))
            for part in parts[:-1]:
                fds.append(_open_dir(fds[-1], part))
        except OSError as error:
            if error.errno == errno.ENOENT:
                return FileOutcome(path, MISSING, "not in the submission")
            return FileOutcome(path, REJECTED, "a folder on its path is a symlink or not a folder")
        name = parts[-1]
        try:
            info = os.stat(name, dir_fd=fds[-1], follow_symlinks=False)
        except FileNotFoundError:
            return FileOutcome(path, MISSING, "not in the submission")
        if stat.S_ISLNK(info.st_mode):
            return FileOutcome(path, REJECTED, "is a symlink (symlinks are never followed)")
        if not stat.S_ISREG(info.st_mode):
            return FileOutcome(path, REJECTED, "is not a regular file")
        try:
            fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=fds[-1])
        except OSError:
            return FileOutcome(path, REJECTED, "cannot be opened without following a symlink")
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return FileOutcome(path, REJECTED, "is not a regular file")
            content = handle.read(max_bytes + 1)
        if len(content) > max_bytes:
            return FileOutcome(path, REJECTED, f"is larger than the limit of {max_bytes} bytes")
        return FileOutcome(path, ACCEPTED, content=content)
    finally:
        for fd in fds:
            os.close(fd)


def collect(submission, lessons, max_bytes):
    """Lesson id -> the outcomes of its editable files."""
    return {
        lesson.id: [read_editable(submission, path, max_bytes) for path in lesson.editable]
        for lesson in lessons
    }
