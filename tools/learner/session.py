"""What every command shares: the repository, its lessons, the learner's progress, the
terminal, and the engine set up for the learner (its own Bazel servers, one per
configuration, and the learner's time limits)."""

import dataclasses
import pathlib

from threadkata import bazel as bazel_module
from threadkata import classify
from threadkata import lessons as lessons_module
from threadkata import mistakes
from threadkata import run as engine

from . import progress as progress_module
from . import ui

STATE = ".threadkata"


class UsageError(Exception):
    """The learner asked for something that does not exist: exit status 2."""


class AllSolved(Exception):
    """Every lesson is solved and the learner named none."""


@dataclasses.dataclass
class Outcome:
    """One check of one lesson: the plain verdict, and the ThreadSanitizer one if it ran."""

    plain: classify.Verdict
    tsan: classify.Verdict = None

    @property
    def solved(self):
        return self.tsan is not None and self.tsan.kind == classify.PASS

    @property
    def deciding(self):
        return self.tsan if self.plain.kind == classify.PASS and self.tsan else self.plain


class Session:
    def __init__(self, root, no_color=False):
        self.root = pathlib.Path(root)
        self.out = ui.console(no_color)
        self.lessons = lessons_module.load(self.root)
        self.state = self.root / STATE
        self.progress = progress_module.Progress(self.state / "progress.json", self.lessons)
        if self.progress.warning:
            ui.err_console().print(f"tools/kata: {ui.escape(self.progress.warning)}")
        self._bazel = None

    # ------------------------------------------------------------------ lessons

    def lesson(self, name):
        found = lessons_module.find(self.lessons, name)
        if not found:
            names = ", ".join(f"{l.id} ({l.folder})" for l in self.lessons)
            raise UsageError(f'there is no lesson "{name}". The lessons are: {names}.')
        return found

    def chosen_or_current(self, name):
        """The lesson NAME names, else the current one; every lesson solved and none chosen:
        a UsageError that says how to pick one."""
        lesson = self.lesson(name) if name else self.progress.current()
        if lesson is None:
            raise AllSolved()
        return lesson

    def missing_files(self, lesson):
        paths = [lesson.readme, *lesson.editable, f"tests/{lesson.folder}/BUILD.bazel"]
        return [p for p in paths if not (self.root / p).is_file()]

    # ------------------------------------------------------------------ the engine

    @property
    def bazel(self):
        if self._bazel is None:
            self._bazel = bazel_module.local_bazel(
                self.root, bazel_module.user_cache_dir("learner", self.root)
            )
        return self._bazel

    def log(self, lesson, config):
        return (self.state / "logs" / f"{lesson.id}-{config}.test.log").relative_to(self.root)

    def check(self, lesson):
        """Runs LESSON's checks plain, then under ThreadSanitizer if they pass; records a
        solved lesson (a failing check never un-solves one)."""
        logs = self.state / "logs"
        doing = {
            "default": "building and running the checks",
            "tsan": "running the checks again under ThreadSanitizer",
        }

        def stage(config):
            title = f"{lesson.id} {ui.escape(lesson.title)}: {doing[config]}"
            return self.out.status(title, spinner="dots")

        with stage("default"):
            expected = bazel_module.expected_tests(
                self.bazel, self.root, [lesson], self.state / "test-lists.json", logs / "list.log"
            )
        configs = engine.judge_plain_then_tsan(
            self.bazel,
            [lesson],
            expected,
            lambda config: logs / f"{lesson.id}-{config}.bazel.log",
            stage,
        )
        for config, results in configs.items():
            if lesson.id in results:
                run, _ = results[lesson.id]
                # The test program's whole output, for the learner to read in full.
                (logs / f"{lesson.id}-{config}.test.log").write_text(
                    run.log or run.build_output, encoding="utf-8"
                )
        tsan = configs["tsan"].get(lesson.id)
        outcome = Outcome(configs["default"][lesson.id][1], tsan[1] if tsan else None)
        if outcome.solved:
            self.progress.mark_solved(lesson.id)
            self.save()
        return outcome

    def closest_mistakes(self, lesson, outcome):
        """The classic mistakes (mistakes.Match) the failing OUTCOME looks like."""
        return mistakes.of_check(self.root, lesson, outcome.plain, outcome.tsan, self.root)

    def save(self):
        try:
            self.progress.save()
        except OSError as error:
            ui.err_console().print(f"tools/kata: could not save your progress: {error}")
