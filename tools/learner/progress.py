"""The learner's state, in one place: .threadkata/progress.json.

The current lesson is the one chosen last (check LESSON, watch LESSON, go LESSON), solved or
not, else the first unsolved lesson; the file always records it, so `list`, the file and
`watch` agree. A solved lesson stays solved: a later failing check (the learner experimenting)
does not take it back; reset does."""

import datetime
import json
import os
import pathlib

VERSION = 1


class Progress:
    def __init__(self, path, lessons):
        self.path = pathlib.Path(path)
        self.lessons = lessons
        self.solved = {}
        self.hints_shown = {}
        self.chosen = ""
        self.fresh = True
        self.warning = ""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self.solved = {str(k): str(v) for k, v in dict(data.get("solved", {})).items()}
            self.hints_shown = {
                str(k): int(v) for k, v in dict(data.get("hints_shown", {})).items()
            }
            self.chosen = str(data.get("current", ""))
            self.fresh = False
        except FileNotFoundError:
            pass
        except (OSError, ValueError, TypeError, AttributeError) as error:
            self.warning = f"{self.path} could not be read ({error}); starting afresh"

    def is_solved(self, lesson_id):
        return lesson_id in self.solved

    def current(self):
        """The lesson the learner is on, or None when every lesson is solved and none chosen."""
        chosen = next((l for l in self.lessons if l.id == self.chosen), None)
        if chosen:
            return chosen
        return next((l for l in self.lessons if not self.is_solved(l.id)), None)

    def choose(self, lesson_id):
        self.chosen = lesson_id

    def mark_solved(self, lesson_id):
        """Records LESSON_ID solved; if it was the current one, the next unsolved becomes
        current."""
        if lesson_id not in self.solved:
            self.solved[lesson_id] = datetime.datetime.now(datetime.timezone.utc).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            )
        if self.chosen == lesson_id:
            ids = [l.id for l in self.lessons]
            later = ids[ids.index(lesson_id) + 1 :] + ids[: ids.index(lesson_id)]
            self.chosen = next((i for i in later if not self.is_solved(i)), lesson_id)

    def forget(self, lesson_id):
        """Reset: the lesson is unsolved again, its hints start over."""
        self.solved.pop(lesson_id, None)
        self.hints_shown.pop(lesson_id, None)

    def solved_count(self):
        return sum(self.is_solved(l.id) for l in self.lessons)

    def solved_points(self):
        return sum(l.points for l in self.lessons if self.is_solved(l.id))

    def save(self):
        current = self.current()
        data = {
            "version": VERSION,
            "solved": self.solved,
            "hints_shown": self.hints_shown,
            "current": current.id if current else "",
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        os.replace(temporary, self.path)
        self.fresh = False
