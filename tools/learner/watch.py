"""Waiting for the learner: a save of the lesson's files (watchdog's file events, which also
see editors that save by renaming), a line typed on stdin, or Ctrl-C."""

import pathlib
import queue
import threading
import time

import watchdog.events
import watchdog.observers

SAVE = "save"
LINE = "line"
CLOSED = "closed"
# Editors often write a file in several steps: let them finish.
SETTLE_SECONDS = 0.15
_REMOTE = ("nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "vboxsf", "virtiofs", "fuse")


class _Handler(watchdog.events.FileSystemEventHandler):
    def __init__(self, files, events):
        self.files = {str(pathlib.Path(f).resolve()) for f in files}
        self.events = events

    def on_any_event(self, event):
        if event.event_type not in ("modified", "created", "moved", "closed"):
            return
        paths = [getattr(event, "src_path", ""), getattr(event, "dest_path", "")]
        if any(p and str(pathlib.Path(p).resolve()) in self.files for p in paths):
            self.events.put((SAVE, ""))


class Waiter:
    """Queues saves of FILES (unless MANUAL) and stdin's lines."""

    def __init__(self, files, manual):
        self.events = queue.Queue()
        self.observer = None
        self.error = ""
        if not manual:
            try:
                observer = watchdog.observers.Observer()
                for folder in {pathlib.Path(f).parent for f in files}:
                    observer.schedule(_Handler(files, self.events), str(folder))
                observer.start()
                self.observer = observer
            except OSError as error:
                self.error = str(error)
        self.stdin_open = True
        threading.Thread(target=self._read_stdin, daemon=True).start()

    def _read_stdin(self):
        try:
            for line in iter(input, None):
                self.events.put((LINE, line.strip()))
        except (EOFError, OSError, ValueError):
            pass
        self.events.put((CLOSED, ""))

    def next(self):
        """(SAVE, "") or (LINE, text), or None when nothing more can come."""
        while True:
            if self.observer is None and not self.stdin_open:
                return None
            try:
                kind, text = self.events.get(timeout=0.2)
            except queue.Empty:
                continue
            if kind == CLOSED:
                self.stdin_open = False
                continue
            if kind == SAVE:
                time.sleep(SETTLE_SECONDS)
                self.drain_saves()
            return kind, text

    def drain_saves(self):
        kept = []
        while True:
            try:
                item = self.events.get_nowait()
            except queue.Empty:
                break
            if item[0] != SAVE:
                kept.append(item)
        for item in kept:
            self.events.put(item)

    def stop(self):
        if self.observer is not None:
            self.observer.stop()
            self.observer.join(timeout=2)


def remote_file_system(folder):
    """The type of FOLDER's file system if saves made elsewhere may raise no event there."""
    best, kind = "", ""
    try:
        with open("/proc/mounts", encoding="utf-8") as mounts:
            for line in mounts:
                parts = line.split()
                if len(parts) < 3:
                    continue
                mount = parts[1].replace("\\040", " ")
                if str(folder).startswith(mount.rstrip("/") + "/") and len(mount) > len(best):
                    best, kind = mount, parts[2]
    except OSError:
        return ""
    return kind if kind.startswith(_REMOTE) else ""
