"""Your code behaves like mistake X: a failing verdict matched against the lesson's curated
mutants, the classic mistakes its tests must reject.

Each curated mutant is a patch of the reference solution, tests/NN_name/mutants/X.patch, that
opens with two lines: "Mutant: what the mistake is" and "Hint: N", the hint of
katas/NN_name/hints.md that addresses it. `tools/mistakes record` (mistakes_tool.py) runs each
mutant's tests through the engine, as a learner's check runs them, and keeps what the learner
would see, its signature, in tests/NN_name/mutants/signatures.json. `closest` compares a
learner's failing verdict with those signatures.

A signature is a set of marks, read off the deciding verdict (the plain one, or the
ThreadSanitizer one when the plain checks pass):
- the configuration and the kind of verdict ("verdict default fail");
- every check that failed or never finished ("check T"), the assertion at which it first
  failed ("at T file:line") and what its message says, numbers left out ("says T <digest>"),
  so that two mistakes failing the same checks at different assertions, or with messages that
  tell different stories ("spinning" or "polling"), stay apart;
- the check a crash, hang or sanitizer report happened in ("timeout in T"), and a sanitizer's
  finding ("finding ThreadSanitizer: data race").
Two signatures are as alike as the share of marks they have in common (Jaccard's index). A
mutant whose failure depends on the schedule (a race, a lost wake-up, a crash in whichever check
meets the damage) shows different signatures in different runs: `record --runs N` keeps each
distinct one. A learner's run is yet another draw, which may mix marks of several recorded runs,
so it is compared with all of them at once (resemblance()): the share of its marks that some
recorded run showed, counting as missing the marks every recorded run showed. For a mutant
recorded with one signature that is Jaccard's index; between mutants that score the same, the
one with a recorded run most like the learner's (by Jaccard's index) is closer.
"""

import dataclasses
import hashlib
import json
import pathlib
import re

from . import classify

SIGNATURES = "signatures.json"
# Which marks a signature has (signature()): a change of them makes every recorded one stale.
SCHEME = 2
FORMAT = "threadkata-mistake-signatures"
# Below this likeness a mistake is not named: the learner's code fails in its own way.
THRESHOLD = 0.5
# Verdicts that say nothing of behaviour: nothing to match.
_UNMATCHED = (classify.PASS, classify.COMPILE_ERROR, classify.REFUSED)
# What changes from run to run in a message: numbers (times, counts, ids), addresses, hashes.
_VARYING = re.compile(r"0x[0-9a-fA-F]+|\b[0-9a-f]{8,}\b|[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


class SignatureError(Exception):
    """A lesson's signatures.json is missing, malformed or out of date."""


@dataclasses.dataclass(frozen=True)
class Mutant:
    """One curated mutant: a classic mistake of its lesson."""

    name: str
    description: str
    hint: int
    patch: pathlib.Path


@dataclasses.dataclass(frozen=True)
class Match:
    mutant: Mutant
    likeness: float  # resemblance() to the mutant's recorded runs, 0..1
    shared_checks: tuple  # the failing checks both have


def mutants_folder(root, lesson):
    return pathlib.Path(root) / "tests" / lesson.folder / "mutants"


def read_mutant(patch):
    """The Mutant of PATCH (its first two lines), or a SignatureError that says what is wrong."""
    patch = pathlib.Path(patch)
    lines = patch.read_text(encoding="utf-8").splitlines()[:2] + ["", ""]
    if not lines[0].startswith("Mutant: ") or not lines[1].startswith("Hint: "):
        raise SignatureError(
            f'{patch}: must open with "Mutant: <the mistake>" and "Hint: <number>" lines'
        )
    try:
        hint = int(lines[1].removeprefix("Hint: "))
    except ValueError as error:
        raise SignatureError(f"{patch}: the Hint line needs a hint number") from error
    return Mutant(patch.stem, lines[0].removeprefix("Mutant: ").strip(), hint, patch)


def curated(root, lesson):
    """The lesson's curated mutants, by name."""
    folder = mutants_folder(root, lesson)
    return {patch.stem: read_mutant(patch) for patch in sorted(folder.glob("*.patch"))}


def source_key(root, lesson, mutant):
    """What a recorded signature depends on: the patch, the reference solution it patches, the
    lesson's test sources and tests/support's, and what a signature is made of (SCHEME). A signature recorded
    under another key is out of date."""
    root = pathlib.Path(root)
    digest = hashlib.sha256(f"scheme {SCHEME}\0".encode())
    paths = [mutant.patch]
    paths += [root / lesson.solution(editable) for editable in lesson.editable]
    paths += sorted((root / "tests" / lesson.folder).glob("*_test.cc"))
    # The helpers that write many of the tests' messages.
    paths += sorted((root / "tests" / "support").glob("*.[hc]*"))
    for path in paths:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _digest(message):
    """What MESSAGE says, without what changes from run to run: a short digest."""
    text = " ".join(_VARYING.sub("#", message).split())
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def signature(config, verdict):
    """The marks of VERDICT under CONFIG (a frozenset), or None when it says nothing of
    behaviour (a pass, a compile error, a refusal)."""
    if verdict.kind in _UNMATCHED:
        return None
    marks = {f"verdict {config} {verdict.kind}"}
    for case in verdict.failed:
        marks.add(f"check {case.name}")
        if case.location:
            marks.add(f"at {case.name} {case.location}")
        if case.message:
            marks.add(f"says {case.name} {_digest(case.message)}")
    if verdict.test and verdict.kind in (classify.SANITIZER, classify.CRASH, classify.TIMEOUT):
        marks.add(f"{verdict.kind} in {verdict.test}")
    if verdict.kind == classify.SANITIZER:
        marks.add("finding " + verdict.explanation.split(" The variable")[0])
    return frozenset(marks)


def deciding(plain, tsan):
    """(config, verdict) that decides a check: the plain verdict unless it passed."""
    if plain.kind == classify.PASS and tsan is not None:
        return "tsan", tsan
    return "default", plain


def likeness(a, b):
    return len(a & b) / len(a | b) if a or b else 0.0


def seen_and_always(runs):
    """The marks some of RUNS (a mutant's distinct signatures) showed, and those every one did."""
    return frozenset().union(*runs), frozenset(runs[0]).intersection(*runs[1:])


def resemblance(marks, runs):
    """How much MARKS (a learner's signature) look like one more run of a mutant recorded as
    RUNS (its distinct signatures): (the share of MARKS that some run showed, with the marks
    that every run showed counted in, Jaccard's index with the most alike run), 0..1 each."""
    seen, always = seen_and_always(runs)
    whole = marks | always
    return (len(marks & seen) / len(whole) if whole else 0.0, max(likeness(marks, r) for r in runs))


def entries(root, lesson):
    """The lesson's recorded signatures as written: mutant name -> {"key", "marks" (every
    distinct signature, a list of frozensets, the most frequent first; None for a mutant the
    learner's check cannot see), "note"}. {} when none was recorded."""
    path = mutants_folder(root, lesson) / SIGNATURES
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise SignatureError(f'{path}: not a "{FORMAT}" file')
        return {
            name: {
                "key": entry["key"],
                "marks": (
                    [frozenset(marks) for marks in [entry["marks"]] + entry.get("other_runs", [])]
                    if entry["marks"] is not None
                    else None
                ),
                "note": entry.get("note"),
            }
            for name, entry in data["mutants"].items()
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise SignatureError(f"cannot read {path}: {error}") from error


def load(root, lesson):
    """Mutant name -> its recorded signatures (a tuple of frozensets, the most frequent first,
    or None for a mutant the learner's check cannot see, e.g. one only AddressSanitizer
    rejects). {} when none was recorded."""
    return {
        name: tuple(entry["marks"]) if entry["marks"] is not None else None
        for name, entry in entries(root, lesson).items()
    }


def save(root, lesson, recorded):
    """Writes RECORDED (mutant name -> {"key", "marks", "note"}, where "marks" is None or a list
    of distinct signatures, the most frequent first) as the lesson's signatures."""
    path = mutants_folder(root, lesson) / SIGNATURES
    data = {
        "format": FORMAT,
        "format_version": 1,
        "about": "What a learner's check shows for each curated mutant: tools/mistakes record "
        + lesson.id,
        "mutants": {name: _entry(entry) for name, entry in sorted(recorded.items())},
    }
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _entry(recorded):
    runs = recorded["marks"]
    entry = {"key": recorded["key"], "marks": sorted(runs[0]) if runs else None}
    if runs and len(runs) > 1:
        entry["other_runs"] = [sorted(marks) for marks in runs[1:]]
    entry["note"] = recorded.get("note")
    return entry


def distinct(signatures):
    """The distinct signatures of several runs of one mutant, the most frequent first (the
    earliest seen first among equals); None when no run showed one."""
    seen = [marks for marks in signatures if marks is not None]
    if not seen:
        return None
    order = list(dict.fromkeys(seen))
    return sorted(order, key=lambda marks: -seen.count(marks))


def stale(root, lesson):
    """Why the lesson's recorded signatures do not fit its mutants and tests, one line each."""
    try:
        mutants = curated(root, lesson)
        recorded = entries(root, lesson) if mutants else {}
    except (OSError, SignatureError) as error:
        return [str(error)]
    problems = []
    for name, mutant in mutants.items():
        if name not in recorded:
            problems.append(f"{lesson.folder}: {name} has no recorded signature")
        elif recorded[name].get("key") != source_key(root, lesson, mutant):
            problems.append(
                f"{lesson.folder}: {name}'s signature was recorded before its patch, the "
                "solution or the tests changed"
            )
    problems += [
        f"{lesson.folder}: {name} is recorded but has no patch"
        for name in recorded
        if name not in mutants
    ]
    return problems


def untouched(root, lesson, workspace):
    """Whether LESSON's editable files in WORKSPACE are still its stubs as shipped (kept in ROOT):
    a stub is no mistake, whatever it fails like."""
    root, workspace = pathlib.Path(root), pathlib.Path(workspace)
    try:
        return all(
            (workspace / editable).read_bytes() == (root / lesson.stub(editable)).read_bytes()
            for editable in lesson.editable
        )
    except OSError:
        return False


def closest(root, lesson, config, verdict, table=None):
    """The curated mutants whose signatures are most like VERDICT's under CONFIG (several when
    they tie), if alike enough to name; [] otherwise. TABLE: load()'s, when already read."""
    marks = signature(config, verdict)
    if marks is None:
        return []
    table = load(root, lesson) if table is None else table
    scored = []  # (resemblance, name, the most alike of its signatures)
    for name, runs in table.items():
        if runs is not None:
            run = max(runs, key=lambda run: likeness(marks, run))
            scored.append((resemblance(marks, runs), name, run))
    best = max((score for score, _, _ in scored), default=(0.0, 0.0))
    if best[0] < THRESHOLD:
        return []
    mutants = curated(root, lesson)
    failing = {m for m in marks if m.startswith("check ")}
    return [
        Match(
            mutants[name], score[0], tuple(sorted(m.removeprefix("check ") for m in failing & run))
        )
        for score, name, run in sorted(scored, key=lambda found: found[1])
        if score == best and name in mutants
    ]


def of_check(root, lesson, plain, tsan, workspace):
    """The classic mistakes a check of LESSON looks like, from its PLAIN and TSAN verdicts (TSAN
    None when it did not run), as tools/kata and tools/grade both name them: none for the
    untouched stub in WORKSPACE, none when the recorded signatures cannot be read (the verdict
    then stands alone)."""
    if untouched(root, lesson, workspace):
        return []
    config, verdict = deciding(plain, tsan)
    try:
        return closest(root, lesson, config, verdict)
    except SignatureError:
        return []


def as_json(matches):
    """MATCHES as results.json's "mistake" entry (null when none)."""
    if not matches:
        return None
    return {
        "likeness": round(matches[0].likeness, 3),
        "mutants": [
            {"name": m.mutant.name, "description": m.mutant.description, "hint": m.mutant.hint}
            for m in matches
        ],
        "shared_checks": list(matches[0].shared_checks),
    }
