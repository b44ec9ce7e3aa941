"""The kata pattern: one lesson's sources and tests become a handful of Bazel targets.

A lesson NN_name has three folders, and every label follows from the folder's name:
  katas/NN_name/      README.md, the API header (*.h), the learner's file (*.cc), demo.cc
  solutions/NN_name/  the reference implementation of the same header, under the same name
  tests/NN_name/      the tests (*_test.cc), stub/ (the learner's file as shipped) and mutants/
                      (wrong implementations the tests must reject)

Each folder's BUILD file calls one macro: `lesson_kata()`, `lesson_solution()` and
`lesson_tests()`, the last with only what is special about the lesson.
"""

load("@rules_cc//cc:defs.bzl", "cc_binary", "cc_library", "cc_test")

# The compiler's checks of array indexes, for each implementation of a lesson: a failed one
# executes an illegal instruction (no runtime library needed). explain.OUT_OF_BOUNDS says so.
BOUNDS_CHECKS = ["-fsanitize=bounds-strict", "-fsanitize-undefined-trap-on-error"]

def _lesson_folder():
    """NN_name, from the package katas/NN_name, solutions/NN_name or tests/NN_name."""
    return native.package_name().split("/")[-1]

def _only(files, what):
    if len(files) != 1:
        fail("%s: expected exactly one %s, found %s" % (native.package_name(), what, files))
    return files[0]

def _implementation(name, src, api):
    """One implementation of a lesson's API, and the lesson's demo program linked against it."""
    cc_library(
        name = name,
        srcs = [src],
        # An index out of an array's bounds, even into the next field of the same object, stops
        # the program (SIGILL) instead of reading or writing a neighbour; AddressSanitizer's
        # build reports it through UBSan instead.
        copts = select({
            "//tests/support:asan": [],
            "//conditions:default": BOUNDS_CHECKS,
        }),
        deps = [api],
        visibility = ["//visibility:public"],
    )
    cc_binary(
        name = "demo",
        srcs = ["//katas/%s:demo.cc" % _lesson_folder()],
        deps = [
            ":" + name,
            "//katas/demo_support",
        ],
    )

# buildifier: disable=unnamed-macro
def lesson_kata():
    """The learner's side of a lesson, in katas/NN_name.

    Builds `:api` (the header), the learner's file as a library named after it (e.g.
    `:join_timeout` for join_timeout.cc) and `:demo` (bazel run) linked against it.
    """
    editable = _only(native.glob(["*.cc"], exclude = ["demo.cc"]), "editable .cc besides demo.cc")
    native.exports_files(
        ["demo.cc", editable],
        visibility = ["//visibility:public"],
    )
    cc_library(
        name = "api",
        hdrs = [_only(native.glob(["*.h"]), "header")],
        visibility = ["//visibility:public"],
    )
    _implementation(editable[:-len(".cc")], editable, ":api")

# buildifier: disable=unnamed-macro
def lesson_solution():
    """The reference side of a lesson, in solutions/NN_name.

    Builds the reference file as a library of the same name as the kata's, and `:demo` linked
    against it.
    """
    src = _only(native.glob(["*.cc"]), "reference .cc")
    native.exports_files([src], visibility = ["//visibility:public"])
    _implementation(src[:-len(".cc")], src, "//katas/%s:api" % _lesson_folder())

def _lesson_test(name, implementation, data, shard_count, tags):
    cc_test(
        name = name,
        size = "small",
        data = data,
        # The sanitizers read __tsan_default_options() and friends (tests/support) only from
        # the executable itself, not from a shared library it loads.
        linkstatic = True,
        shard_count = shard_count,
        tags = tags,
        deps = [
            ":tests_lib",
            implementation,
            "//tests/support:main",
        ],
    )

def _lesson_trace_tests(implementations, data):
    """The lesson's tests with the thread tracer and scheduling noise linked in.

    `:X_trace` for each implementation that `:X_test` links, with //tests/support/trace added
    (tools/timeline, tools/flake). Manual, so the graded targets and `bazel test //...` are
    unchanged.

    Args:
      implementations: test name prefix ("solution", "kata", "mutant_X") -> implementation.
      data: files the tests read at run time.
    """
    for prefix, implementation in implementations.items():
        cc_test(
            name = prefix + "_trace",
            size = "small",
            data = data,
            linkstatic = True,
            tags = ["manual"],
            deps = [
                ":tests_lib",
                implementation,
                "//tests/support:main",
                "//tests/support/trace",
            ],
        )

def _rejection_check(name, what, test, data, extra_args = [], compatible = None, tags = []):
    native.sh_test(
        name = name,
        # Medium (300 s): a mutant that serialises work can pass slow tests before one fails
        # (30 s under tsan on an idle machine); expect_rejection.sh stops the run at 240 s.
        size = "medium",
        srcs = ["//tools:expect_rejection.sh"],
        args = ["'%s'" % what, "$(location :%s)" % test] + extra_args,
        data = [":" + test] + data,
        tags = tags,
        target_compatible_with = compatible,
    )

# buildifier: disable=unnamed-macro
def lesson_tests(sanitizer_only_mutants = {}, deps = [], data = [], shard_count = None):
    """A lesson's tests (*_test.cc), against the reference, the learner's file and each mutant.

    Targets:
      :solution_test   the tests against solutions/ (green; part of `bazel test //...`).
      :kata_test       the same tests against the learner's katas/ file (tagged manual: red
                       until the learner solves it; the learner's tool runs it).
      :stub_rejected   while the learner's file is identical to stub/<its name>, the tests must
                       fail on it; once the learner edits it the check is skipped, unless
                       THREADKATA_REQUIRE_PRISTINE_STUBS=1 (tools/test), which makes it a failure.
      :mutant_X_test / :mutant_X_rejected   for each mutants/X.patch: the tests against the
                       patched solution (manual), and a check that they fail.
      :solution_trace, :kata_trace, :mutant_X_trace   the same tests with the thread tracer
                       and scheduling noise linked in (manual; tools/timeline, tools/flake).

    Args:
      sanitizer_only_mutants: mutant patch -> the configs ("tsan", "asan") whose sanitizer is
        what rejects it (a data race can pass every assertion); elsewhere it is not checked.
        Every other mutants/*.patch is checked under every configuration.
      deps: further dependencies of the tests.
      data: files the tests read at run time (e.g. helper programs).
      shard_count: how many processes share the tests of :solution_test and :kata_test, so
        that tests which mostly sleep overlap. Off by default: on a loaded 2-core machine it
        gained nothing and made tight timing bounds fail (docs/loop.md).
    """
    folder = _lesson_folder()
    stub = _only(native.glob(["stub/*.cc"]), "pristine stub in stub/")
    editable = stub[len("stub/"):]
    library = editable[:-len(".cc")]
    learner_file = "//katas/%s:%s" % (folder, editable)
    solution_src = "//solutions/%s:%s" % (folder, editable)
    api = "//katas/%s:api" % folder

    cc_library(
        name = "tests_lib",
        testonly = True,
        srcs = native.glob(["*_test.cc"]),
        deps = [
            api,
            "//tests/support",
            "//tests/support:property",
            "@googletest//:gtest",
            "@rapidcheck",
        ] + deps,
        alwayslink = True,
    )

    _lesson_test("solution_test", "//solutions/%s:%s" % (folder, library), data, shard_count, [])
    _lesson_test("kata_test", "//katas/%s:%s" % (folder, library), data, shard_count, ["manual"])
    _rejection_check(
        "stub_rejected",
        "the untouched stub of lesson %s" % folder,
        "kata_test",
        data + [learner_file, stub],
        extra_args = ["$(location %s)" % learner_file, "$(location %s)" % stub],
    )

    all_mutants = {patch: None for patch in native.glob(["mutants/*.patch"])}
    for patch in sanitizer_only_mutants:
        if patch not in all_mutants:
            fail("%s: sanitizer_only_mutants names %s, which is not in mutants/" % (native.package_name(), patch))
    all_mutants.update(sanitizer_only_mutants)
    traced = {
        "kata": "//katas/%s:%s" % (folder, library),
        "solution": "//solutions/%s:%s" % (folder, library),
    }
    for patch, configs in all_mutants.items():
        mutant = patch.split("/")[-1].rsplit(".", 1)[0]
        traced["mutant_" + mutant] = ":mutant_" + mutant
        native.genrule(
            name = "mutant_%s_src" % mutant,
            testonly = True,
            srcs = [solution_src, patch],
            outs = ["mutant_%s.cc" % mutant],
            # The sandbox links sources in, and patch refuses to patch a link: patch a copy.
            cmd = ("cat $(location {src}) >$@ && patch --quiet --force --no-backup-if-mismatch " +
                   "--reject-file=- $@ $(location {patch}) >/dev/null || {{ echo '{patch} no " +
                   "longer applies to {src}: re-create it with tools/new_mutant'; exit 1; }}").format(src = solution_src, patch = patch),
        )
        cc_library(
            name = "mutant_%s" % mutant,
            testonly = True,
            srcs = [":mutant_%s_src" % mutant],
            deps = [api],
        )

        # Not sharded: its rejection check runs the whole binary, stopping at the first failure.
        _lesson_test("mutant_%s_test" % mutant, ":mutant_%s" % mutant, data, None, ["manual"])
        compatible = None
        if configs:
            branches = {"//tests/support:%s" % config: [] for config in configs}
            branches["//conditions:default"] = ["//tests/support:never_satisfied"]
            compatible = select(branches)
        _rejection_check(
            "mutant_%s_rejected" % mutant,
            "mutant %s of lesson %s (%s)" % (mutant, folder, patch),
            "mutant_%s_test" % mutant,
            data,
            compatible = compatible,
            # tools/test checks every mutant in the plain build, which rejects it; under a
            # sanitizer only those whose rejection is that sanitizer's (the tag leaves the
            # others out there: a second run of them would tell nothing new).
            tags = [] if configs else ["mutant"],
        )
    _lesson_trace_tests(traced, data)
