"""The kata pattern: one lesson's sources and tests become a handful of Bazel targets.

A lesson NN_name has three folders:
  katas/NN_name/      README.md, the API header, the learner's stub, demo.cc
  solutions/NN_name/  the reference implementation of the same header
  tests/NN_name/      the tests, and mutants/ (wrong implementations the tests must reject)

`lesson_library` (in katas/ and solutions/) builds one implementation and its demo;
`lesson_tests` (in tests/) builds the tests once and links them against each implementation.
"""

load("@rules_cc//cc:defs.bzl", "cc_binary", "cc_library", "cc_test")

def lesson_library(name, srcs, api, demo = None, deps = []):
    """One implementation of a lesson's API, and the lesson's demo program linked against it.

    Args:
      name: the library, depended on by the lesson's tests.
      srcs: the implementation sources.
      api: the cc_library with the lesson's header.
      demo: the demo's source (in katas/NN_name); builds `:demo`, for `bazel run`.
      deps: further dependencies of the implementation.
    """
    cc_library(
        name = name,
        srcs = srcs,
        deps = [api] + deps,
        visibility = ["//visibility:public"],
    )
    if demo:
        cc_binary(
            name = "demo",
            srcs = [demo],
            deps = [
                ":" + name,
                "//katas/demo_support",
            ],
        )

def _lesson_test(name, implementation, size, data, tags):
    cc_test(
        name = name,
        size = size,
        data = data,
        # The sanitizers read __tsan_default_options() and friends (tests/support) only from
        # the executable itself, not from a shared library it loads.
        linkstatic = True,
        tags = tags,
        deps = [
            ":tests_lib",
            implementation,
            "//tests/support:main",
        ],
    )

def _lesson_trace_tests(implementations, size, data, tags):
    """The lesson's tests with the thread tracer and scheduling noise linked in.

    `:X_trace` for each implementation that `:X_test` links, with //tests/support/trace added
    (tools/timeline, tools/flake). Manual, so the graded targets and `bazel test //...` are
    unchanged.

    Args:
      implementations: test name prefix ("solution", "kata", "mutant_X") -> implementation.
      size: Bazel test size.
      data: files the tests read at run time.
      tags: tags of every test target.
    """
    for prefix, implementation in implementations.items():
        cc_test(
            name = prefix + "_trace",
            size = size,
            data = data,
            linkstatic = True,
            tags = tags + ["manual"],
            deps = [
                ":tests_lib",
                implementation,
                "//tests/support:main",
                "//tests/support/trace",
            ],
        )

def _rejection_check(name, what, test, size, data, tags, extra_args = [], compatible = None):
    native.sh_test(
        name = name,
        size = size,
        srcs = ["//tools:expect_rejection.sh"],
        args = ["'%s'" % what, "$(location :%s)" % test] + extra_args,
        data = [":" + test] + data,
        tags = tags,
        target_compatible_with = compatible,
    )

def lesson_tests(
        name,
        srcs,
        api,
        kata,
        solution,
        solution_src,
        stub_file,
        stub_sha256,
        mutants = [],
        sanitizer_only_mutants = {},
        deps = [],
        data = [],
        size = "small",
        tags = []):
    """A lesson's tests, against the reference solution, the learner's kata and every mutant.

    Targets:
      :solution_test   the tests against solutions/ (green; part of `bazel test //...`).
      :kata_test       the same tests against the learner's katas/ file (tagged manual: red
                       until the learner solves it; `tools/kata` runs it).
      :stub_rejected   passes while katas/ holds the untouched stub and the tests fail on it.
      :mutant_X_test / :mutant_X_rejected   for each mutants/X.patch: the tests against the
                       patched solution (manual), and a check that they fail.
      :solution_trace, :kata_trace, :mutant_X_trace   the same tests with the thread tracer
                       and scheduling noise linked in (manual; tools/timeline, tools/flake).

    Args:
      name: the lesson's short name, used in messages.
      srcs: the test sources (GoogleTest cases and RapidCheck properties).
      api: the cc_library with the lesson's header.
      kata: the learner's implementation (katas/NN_name).
      solution: the reference implementation (solutions/NN_name).
      solution_src: the reference's source file, as a label; mutants are patches of it.
      stub_file: the learner's editable file, as a label.
      stub_sha256: SHA-256 of the untouched stub; a stub check on an edited file is skipped.
      mutants: patches of `solution_src` (mutants/X.patch), each a wrong implementation that
        the tests must reject under every configuration. The text before the diff says what
        the mistake is; `tools/new_mutant` writes one.
      sanitizer_only_mutants: mutant patch -> the configs ("tsan", "asan") whose sanitizer is
        what rejects it (a data race can pass every assertion); elsewhere it is not checked.
      deps: further dependencies of the tests.
      data: files the tests read at run time (e.g. helper programs).
      size: Bazel test size of every target.
      tags: tags of every test target.
    """
    cc_library(
        name = "tests_lib",
        testonly = True,
        srcs = srcs,
        deps = [
            api,
            "//tests/support",
            "@googletest//:gtest",
            "@rapidcheck",
        ] + deps,
        alwayslink = True,
    )

    _lesson_test("solution_test", solution, size, data, tags)
    _lesson_test("kata_test", kata, size, data, tags + ["manual"])
    _rejection_check(
        "stub_rejected",
        "the untouched stub of lesson %s" % name,
        "kata_test",
        size,
        data + [stub_file],
        tags,
        extra_args = ["$(location %s)" % stub_file, stub_sha256],
    )

    all_mutants = {patch: None for patch in mutants}
    all_mutants.update(sanitizer_only_mutants)
    traced = {"kata": kata, "solution": solution}
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
        _lesson_test("mutant_%s_test" % mutant, ":mutant_%s" % mutant, size, data, tags + ["manual"])
        compatible = None
        if configs:
            branches = {"//tests/support:%s" % config: [] for config in configs}
            branches["//conditions:default"] = ["//tests/support:never_satisfied"]
            compatible = select(branches)
        _rejection_check(
            "mutant_%s_rejected" % mutant,
            "mutant %s of lesson %s (%s)" % (mutant, name, patch),
            "mutant_%s_test" % mutant,
            size,
            data,
            tags,
            compatible = compatible,
        )
    _lesson_trace_tests(traced, size, data, tags)
