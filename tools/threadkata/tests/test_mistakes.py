import pathlib
import tempfile
import unittest

from threadkata import classify, lessons, mistakes

LESSON = lessons.Lesson("05", "05_x", "X", ("katas/05_x/x.cc",), 5)
REPOSITORY = pathlib.Path(__file__).resolve().parents[3]


def verdict(kind, failed=(), test="", explanation="", message=""):
    cases = [classify.Case(name, classify.FAIL, message, location) for name, location in failed]
    cases.append(classify.Case("S.Passes", classify.PASS))
    return classify.Verdict(kind=kind, cases=cases, test=test, explanation=explanation)


class Tree:
    """A repository with lesson 05_x: a solution, a test source and PATCHES (name -> hint)."""

    def __init__(self, patches):
        self.temp = tempfile.TemporaryDirectory()
        self.root = pathlib.Path(self.temp.name)
        (self.root / "solutions/05_x").mkdir(parents=True)
        (self.root / "solutions/05_x/x.cc").write_text("int f() { return 1; }\n")
        (self.root / "tests/05_x/mutants").mkdir(parents=True)
        (self.root / "tests/05_x/x_test.cc").write_text("TEST(S, T) {}\n")
        for name, hint in patches.items():
            self.patch(name, f"Mutant: {name} described\nHint: {hint}\n\n--- a/x\n+++ b/x\n")

    def patch(self, name, text):
        (self.root / f"tests/05_x/mutants/{name}.patch").write_text(text)

    def record(self, signatures):
        mutants = mistakes.curated(self.root, LESSON)
        mistakes.save(
            self.root,
            LESSON,
            {
                name: {
                    "key": mistakes.source_key(self.root, LESSON, mutants[name]),
                    # One run's signature (a set), or several runs' (a list of sets).
                    "marks": [marks] if isinstance(marks, set) else marks,
                }
                for name, marks in signatures.items()
            },
        )

    def close(self):
        self.temp.cleanup()


class SignatureTest(unittest.TestCase):
    def test_says_nothing_of_a_pass_a_compile_error_or_a_refusal(self):
        for kind in (classify.PASS, classify.COMPILE_ERROR, classify.REFUSED):
            self.assertIsNone(mistakes.signature("default", verdict(kind)))

    def test_marks_each_failing_check_and_where_it_failed(self):
        marks = mistakes.signature(
            "default", verdict(classify.FAIL, [("S.A", "t.cc:4")], message="msg")
        )
        says = mistakes.signature(
            "default", verdict(classify.FAIL, [("S.A", "")], message="msg")
        ) - {
            "verdict default fail",
            "check S.A",
        }
        self.assertEqual(len(says), 1)
        self.assertEqual(
            marks,
            {"verdict default fail", "check S.A", "at S.A t.cc:4"} | says,
            "passing checks not",
        )

    def test_a_message_counts_by_its_words_not_its_numbers(self):
        def says(message):
            case = classify.Case("S.A", classify.FAIL, message)
            found = classify.Verdict(kind=classify.FAIL, cases=[case])
            return {m for m in mistakes.signature("default", found) if m.startswith("says ")}

        took = "took 4.5e-06 units (0 ms) at 0x7ffe12 in thread 140234; the workers are spinning"
        self.assertEqual(says(took), says(took.replace("4.5e-06", "2.25").replace("0 ms", "7 ms")))
        self.assertNotEqual(says(took), says(took.replace("spinning", "polling")))

    def test_marks_where_a_race_was_and_what_the_sanitizer_found(self):
        marks = mistakes.signature(
            "tsan",
            verdict(
                classify.SANITIZER,
                test="S.B",
                explanation="ThreadSanitizer: data race. The variable: counter.",
            ),
        )
        self.assertIn("sanitizer in S.B", marks)
        self.assertIn("finding ThreadSanitizer: data race.", marks)
        self.assertIn("verdict tsan sanitizer", marks)

    def test_the_plain_verdict_decides_unless_it_passed(self):
        plain, tsan = verdict(classify.FAIL), verdict(classify.SANITIZER)
        self.assertEqual(mistakes.deciding(plain, None), ("default", plain))
        self.assertEqual(mistakes.deciding(verdict(classify.PASS), tsan), ("tsan", tsan))


class ClosestTest(unittest.TestCase):
    def setUp(self):
        self.tree = Tree({"joins_in_loop": 2, "detaches": 3, "asan_only": 4})
        self.addCleanup(self.tree.close)
        self.tree.record(
            {
                "joins_in_loop": {"verdict default fail", "check S.A", "at S.A t.cc:4"},
                "detaches": {"verdict default fail", "check S.A", "at S.A t.cc:9"},
                "asan_only": None,
            }
        )

    def closest(self, found, config="default"):
        return mistakes.closest(self.tree.root, LESSON, config, found)

    def test_names_the_mutant_that_failed_the_same_assertion(self):
        (match,) = self.closest(verdict(classify.FAIL, [("S.A", "t.cc:9")]))
        self.assertEqual(match.mutant.name, "detaches")
        self.assertEqual(match.mutant.hint, 3)
        self.assertEqual(match.mutant.description, "detaches described")
        self.assertEqual(match.likeness, 1.0)
        self.assertEqual(match.shared_checks, ("S.A",))

    def test_names_every_mutant_of_a_tie(self):
        matches = self.closest(verdict(classify.FAIL, [("S.A", "")]))
        self.assertEqual([m.mutant.name for m in matches], ["detaches", "joins_in_loop"])

    def test_names_nothing_when_the_code_fails_in_its_own_way(self):
        self.assertEqual(self.closest(verdict(classify.FAIL, [("S.Z", "t.cc:1")])), [])
        partly = verdict(classify.FAIL, [("S.A", "t.cc:5"), ("S.C", "t.cc:6")])
        self.assertEqual(self.closest(partly), [], "2 marks of 6 in common is not alike")
        self.assertEqual(self.closest(verdict(classify.PASS)), [])
        self.assertEqual(self.closest(verdict(classify.FAIL, [("S.A", "t.cc:7")]), "tsan"), [])

    def test_a_mutant_recorded_with_several_signatures_is_matched_by_its_most_alike(self):
        self.tree.record(
            {
                "joins_in_loop": {"verdict default fail", "check S.A", "at S.A t.cc:4"},
                "detaches": [
                    {"verdict default fail", "check S.A", "at S.A t.cc:9"},
                    {"verdict default timeout", "timeout in S.C"},
                ],
            }
        )
        (match,) = self.closest(verdict(classify.TIMEOUT, test="S.C"))
        self.assertEqual(match.mutant.name, "detaches")
        self.assertEqual(match.likeness, 1.0)
        (match,) = self.closest(verdict(classify.FAIL, [("S.A", "t.cc:9")]))
        self.assertEqual(match.mutant.name, "detaches")

    def test_a_run_that_mixes_marks_of_several_recorded_runs_is_named(self):
        # A detached thread crashes whichever check meets the damage: each recorded run fails
        # S.A, and then one more check, a different one each time.
        self.tree.record(
            {
                "joins_in_loop": {"verdict default fail", "check S.A", "at S.A t.cc:4"},
                "detaches": [
                    {"verdict default crash", "check S.A", "check S.B", "crash in S.B"},
                    {"verdict default crash", "check S.A", "check S.C", "crash in S.C"},
                    {"verdict default crash", "check S.A", "check S.D", "crash in S.D"},
                ],
            }
        )
        runs = mistakes.load(self.tree.root, LESSON)["detaches"]
        learner = verdict(classify.CRASH, [("S.A", ""), ("S.B", ""), ("S.D", "")], test="S.D")
        marks = mistakes.signature("default", learner)
        self.assertLess(max(mistakes.likeness(marks, run) for run in runs), 1.0)
        (match,) = self.closest(learner)
        self.assertEqual(match.mutant.name, "detaches")
        self.assertEqual(match.likeness, 1.0)
        # What no recorded run showed counts against it, and so does what every run showed:
        # 3 of {crash, S.B, S.E, crash in S.E} + {S.A}.
        other = verdict(classify.CRASH, [("S.B", ""), ("S.E", "")], test="S.E")
        self.assertEqual(mistakes.resemblance(mistakes.signature("default", other), runs)[0], 2 / 5)
        self.assertEqual(self.closest(other), [])

    def test_of_two_mutants_alike_in_every_recorded_run_the_one_with_an_equal_run_is_closer(self):
        self.tree.record(
            {
                "joins_in_loop": {"verdict default fail", "check S.A"},
                "detaches": [
                    {"verdict default fail", "check S.A", "check S.B"},
                    {"verdict default fail"},
                ],
            }
        )
        (match,) = self.closest(verdict(classify.FAIL, [("S.A", "")]))
        self.assertEqual(match.mutant.name, "joins_in_loop")

    def test_distinct_keeps_each_signature_once_the_most_frequent_first(self):
        a, b = frozenset({"a"}), frozenset({"b"})
        self.assertEqual(mistakes.distinct([a, b, b, None]), [b, a])
        self.assertEqual(mistakes.distinct([a, b]), [a, b])
        self.assertIsNone(mistakes.distinct([None, None]))

    def test_as_json_gives_what_results_json_holds(self):
        entry = mistakes.as_json(self.closest(verdict(classify.FAIL, [("S.A", "t.cc:4")])))
        self.assertEqual(
            entry,
            {
                "likeness": 1.0,
                "mutants": [
                    {"name": "joins_in_loop", "description": "joins_in_loop described", "hint": 2}
                ],
                "shared_checks": ["S.A"],
            },
        )
        self.assertIsNone(mistakes.as_json([]))


class UntouchedTest(unittest.TestCase):
    def test_only_the_stub_as_shipped_is_untouched(self):
        tree = Tree({})
        self.addCleanup(tree.close)
        (tree.root / "tests/05_x/stub").mkdir()
        (tree.root / "tests/05_x/stub/x.cc").write_text("// your code\n")
        (tree.root / "katas/05_x").mkdir(parents=True)
        learner_file = tree.root / "katas/05_x/x.cc"
        learner_file.write_text("// your code\n")
        self.assertTrue(mistakes.untouched(tree.root, LESSON, tree.root))
        learner_file.write_text("// your code, edited\n")
        self.assertFalse(mistakes.untouched(tree.root, LESSON, tree.root))
        learner_file.unlink()
        self.assertFalse(mistakes.untouched(tree.root, LESSON, tree.root))


class StaleTest(unittest.TestCase):
    def setUp(self):
        self.tree = Tree({"a": 1, "b": 2})
        self.addCleanup(self.tree.close)
        self.tree.record({"a": {"verdict default fail"}, "b": None})

    def test_fresh_signatures_are_not_stale(self):
        self.assertEqual(mistakes.stale(self.tree.root, LESSON), [])

    def test_a_changed_test_source_patch_or_solution_makes_them_stale(self):
        for path in ("tests/05_x/x_test.cc", "tests/05_x/mutants/a.patch", "solutions/05_x/x.cc"):
            with self.subTest(path=path):
                tree = Tree({"a": 1, "b": 2})
                self.addCleanup(tree.close)
                tree.record({"a": {"verdict default fail"}, "b": None})
                file = tree.root / path
                file.write_text(file.read_text() + "// changed\n")
                self.assertTrue(mistakes.stale(tree.root, LESSON))

    def test_a_new_or_removed_patch_is_named(self):
        self.tree.patch("c", "Mutant: c\nHint: 1\n\n")
        (self.tree.root / "tests/05_x/mutants/a.patch").unlink()
        problems = "\n".join(mistakes.stale(self.tree.root, LESSON))
        self.assertIn("c has no recorded signature", problems)
        self.assertIn("a is recorded but has no patch", problems)

    def test_a_patch_without_its_hint_line_is_an_error(self):
        self.tree.patch("a", "Mutant: a\n\n--- a/x\n")
        with self.assertRaises(mistakes.SignatureError):
            mistakes.curated(self.tree.root, LESSON)
        self.assertTrue(mistakes.stale(self.tree.root, LESSON))


class RepositoryTest(unittest.TestCase):
    def test_every_curated_mutant_names_an_existing_hint(self):
        from learner import hints  # the learner's parser of hints.md

        for lesson in lessons.load(REPOSITORY):
            found = len(hints.load(REPOSITORY, lesson))
            for mutant in mistakes.curated(REPOSITORY, lesson).values():
                with self.subTest(mutant=mutant.patch.name):
                    self.assertTrue(1 <= mutant.hint <= found, f"hint {mutant.hint} of {found}")

    def test_every_recorded_signature_fits_its_sources(self):
        problems = [p for l in lessons.load(REPOSITORY) for p in mistakes.stale(REPOSITORY, l)]
        self.assertEqual(problems, [], "record them again: tools/mistakes record LESSON")


if __name__ == "__main__":
    unittest.main()
