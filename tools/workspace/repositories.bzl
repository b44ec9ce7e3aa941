"""Offline repositories built from Debian's packages (see tools/setup).

No rule here downloads anything: each one links files that `tools/setup` installed with apt,
and fails with the package to install when they are missing.
"""

_SETUP_HINT = "run tools/setup (it installs Debian package {package})"

def _require(rctx, path, package):
    p = rctx.path(path)
    if not p.exists:
        fail("threadkata: {} is missing: {}".format(path, _SETUP_HINT.format(package = package)))
    return p

def _debian_rules_cc_impl(rctx):
    # Debian's bazel-rules-cc (0.0.4) targets a newer Bazel: two files load
    # use_cpp_toolchain, which Bazel 4.2.3 lacks. Copy the package and patch those lines.
    src = _require(rctx, rctx.attr.path, "bazel-rules-cc")
    result = rctx.execute(["cp", "-r", str(src) + "/cc", "."])
    if result.return_code != 0:
        fail("threadkata: copying rules_cc failed: " + result.stderr)
    for f in ["cc/private/rules_impl/cc_flags_supplier.bzl", "cc/private/rules_impl/compiler_flag.bzl"]:
        text = rctx.read(f)
        text = text.replace(', "use_cpp_toolchain")', ")")
        text = text.replace("use_cpp_toolchain()", '["@bazel_tools//tools/cpp:toolchain_type"]')
        rctx.file(f, text)
    rctx.file("WORKSPACE", 'workspace(name = "rules_cc")\n')
    rctx.file("BUILD", "")

debian_rules_cc = repository_rule(
    implementation = _debian_rules_cc_impl,
    attrs = {"path": attr.string(mandatory = True)},
    local = True,
)

def _system_library_impl(rctx):
    for src, dest in rctx.attr.links.items():
        rctx.symlink(_require(rctx, src, rctx.attr.package), dest)
    rctx.file("WORKSPACE", 'workspace(name = "{}")\n'.format(rctx.name))
    rctx.symlink(rctx.attr.build_file, "BUILD")

system_library = repository_rule(
    implementation = _system_library_impl,
    attrs = {
        "build_file": attr.label(mandatory = True, allow_single_file = True),
        "links": attr.string_dict(mandatory = True),
        "package": attr.string(mandatory = True),
    },
    local = True,
)

def _no_coverage_tools_impl(rctx):
    # Every test rule depends on these; Bazel would otherwise download them.
    # `bazel coverage` is therefore unavailable (README.md says how to get coverage instead).
    rctx.file("WORKSPACE", 'workspace(name = "remote_coverage_tools")\n')
    rctx.file("BUILD", """package(default_visibility = ["//visibility:public"])

filegroup(name = "coverage_report_generator")

filegroup(name = "lcov_merger")
""")

no_coverage_tools = repository_rule(implementation = _no_coverage_tools_impl)

# buildifier: disable=unnamed-macro
def threadkata_repositories():
    """Declares every external repository of the workspace; WORKSPACE calls it once."""
    debian_rules_cc(name = "rules_cc", path = "/usr/share/bazel/rules/cc")
    native.local_repository(name = "rules_java", path = "/usr/share/bazel/rules/java")
    no_coverage_tools(name = "remote_coverage_tools")
    system_library(
        name = "googletest",
        build_file = "//tools/workspace:googletest.BUILD",
        links = {"/usr/src/googletest": "src"},
        package = "googletest",
    )
    system_library(
        name = "rapidcheck",
        build_file = "//tools/workspace:rapidcheck.BUILD",
        links = {
            "/usr/include/rapidcheck": "include/rapidcheck",
            "/usr/include/rapidcheck.h": "include/rapidcheck.h",
            "/usr/lib/x86_64-linux-gnu/librapidcheck.a": "lib/librapidcheck.a",
        },
        package = "librapidcheck-dev",
    )
    system_library(
        name = "benchmark",
        build_file = "//tools/workspace:benchmark.BUILD",
        links = {
            "/usr/include/benchmark": "include/benchmark",
            "/usr/lib/x86_64-linux-gnu/libbenchmark.so": "lib/libbenchmark.so",
        },
        package = "libbenchmark-dev",
    )
    system_library(
        name = "tbb",
        build_file = "//tools/workspace:tbb.BUILD",
        links = {
            "/usr/include/oneapi": "include/oneapi",
            "/usr/include/tbb": "include/tbb",
            "/usr/lib/x86_64-linux-gnu/libtbb.so": "lib/libtbb.so",
        },
        package = "libtbb-dev",
    )
    system_library(
        name = "boost",
        build_file = "//tools/workspace:boost.BUILD",
        links = {"/usr/include/boost": "include/boost"},
        package = "libboost-dev",
    )
