"""A lesson's hints: the `## Hint N` sections of katas/NN_name/hints.md."""

import re

_HEADING = re.compile(r"^## Hint \d+\s*$")
# A hint heading at any level: the README must show none (they belong in hints.md).
ANY_HEADING = re.compile(r"^#+ Hint\b")


def parse(text, heading=_HEADING):
    """The hints of TEXT in order: the text under each heading, up to the next heading of the
    same or a higher level ("#" inside fenced code blocks is code)."""
    hints = []
    current = None
    in_code = False
    level = None
    for line in text.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        if not in_code and heading.match(line):
            level = len(line) - len(line.lstrip("#"))
            current = []
            hints.append(current)
            continue
        if not in_code and line.startswith("#") and level is not None:
            if len(line) - len(line.lstrip("#")) <= level:
                current = None
                continue
        if current is not None:
            current.append(line)
    return ["\n".join(lines).strip() for lines in hints]


def load(root, lesson):
    """LESSON's hints (lessons.Lesson), [] when it has none."""
    path = root / lesson.hints
    if path.is_file():
        return parse(path.read_text(encoding="utf-8"))
    return []
