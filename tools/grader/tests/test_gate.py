"""The gate's rules on source tokens and symbol names (tools/threadkata/gate.py); the compiling
half is exercised by the hostile fixtures of tests/grade_fixtures."""

import collections
import os
import pathlib
import tempfile
import time
import types
import unittest

from threadkata import gate, lessons

NAMESPACES = {"threadkata", "threadkata::when_threads_pay"}


def refused(source):
    found = gate.check_tokens(gate.tokens(source), NAMESPACES, gate._RESERVED_ALLOWED, raw=True)
    return [refusal.construct for refusal in found]


class SourceRulesTest(unittest.TestCase):
    def test_a_plain_kata_is_admitted(self):
        source = """#include "katas/01_sequential/sequential.h"
#include <thread>
#define UNITS 3
namespace threadkata {
namespace {
[[nodiscard]] int twice(int x) { return 2 * x; }  // __attribute__ in a comment is fine
}  // namespace
namespace chrono = std::chrono;
const char* text = "__asm__ in a string is fine";
const char* raw = R"x(#ifdef in a raw string)x";
}  // namespace threadkata
namespace threadkata::when_threads_pay {}
"""
        self.assertEqual(refused(source), [])

    def test_directives_but_include_and_define(self):
        for source in ("#ifdef X\n#endif\n", "#if 1\n#endif\n", "#pragma GCC optimize(0)\n"):
            with self.subTest(source=source):
                self.assertTrue(refused(source))

    def test_a_computed_include(self):
        found = gate.check_tokens(
            gate.tokens("#define H <cstdio>\n#include H\n"),
            NAMESPACES,
            gate._RESERVED_ALLOWED,
            raw=True,
        )
        self.assertIn("literally", " ".join(refusal.message for refusal in found))

    def test_includes_come_before_any_code_and_any_macro(self):
        # A macro or a declaration before an #include rewrites what the header says: a macro
        # named after one of its names, or a ::nanosleep of the file's own that sleep_for calls.
        for source in (
            "#define high_resolution_clock x\n#include <chrono>\n",
            "#undef NDEBUG\n#include <cassert>\n",
            "static int nanosleep(timespec*, timespec*) { return 0; }\n#include <thread>\n",
            "namespace threadkata {\n#include <vector>\n}\n",
        ):
            with self.subTest(source=source):
                self.assertEqual(refused(source), ["#include"])
        self.assertEqual(
            refused("// a comment\n#include <chrono>\n#include <thread>\n#define N 3\nint x;\n"),
            [],
        )

    def test_a_using_directive_opens_no_namespace(self):
        self.assertEqual(refused("using namespace std::chrono_literals;"), [])
        self.assertEqual(refused("using namespace std;"), [])

    def test_reserved_identifiers_asm_and_attributes(self):
        cases = {
            "__attribute__((constructor)) void f() {}": "__attribute__",
            "int f() { return __builtin_expect(1, 1); }": "__builtin_expect",
            'void f() { asm("syscall"); }': "asm",
            "[[gnu::weak]] void f() {}": "[[gnu]]",
            "[[using gnu: constructor]] void f() {}": "[[using]]",
            "int x = __SANITIZE_THREAD__;": "__SANITIZE_THREAD__",
            '_Pragma("GCC optimize 0")': "_Pragma",
        }
        for source, construct in cases.items():
            with self.subTest(source=source):
                self.assertIn(construct, refused(source))

    def test_names_the_compiler_reads_otherwise(self):
        self.assertEqual(refused('#define X $R"q(\n#ifdef Y\n'), ["$", "#ifdef"])
        self.assertEqual(refused("int \\u00C0x = 1;"), ["\\"])

    def test_attributes_take_no_arguments_but_a_message(self):
        self.assertEqual(
            refused('[[nodiscard("why")]] int f(); [[maybe_unused, likely]] int g;'), []
        )
        self.assertEqual(
            refused('[[carries_dependency("x")]] int f();'), ["[[carries_dependency(...)]]"]
        )
        self.assertEqual(refused("[[nodiscard]] int f(); [[ int g;"), ["[[unclosed]]"])

    def test_digraphs_are_refused_but_a_template_of_a_global_name_is_not(self):
        self.assertEqual(refused('%:line 1 "/etc/passwd"\n'), ["%:"])
        self.assertEqual(refused("%:%:"), ["%:%:"])
        self.assertEqual(refused("int a<:1:> = <%1%>;"), ["<:", ":>", "<%", "%>"])
        self.assertEqual(refused("std::vector<::std::string> v;"), [])

    def test_compiler_messages_about_a_host_file_are_left_out(self):
        def foreign(path):
            return path == "/etc/passwd"

        mine = "katas/01_x/x.cc:3:1: error: expected ';'\n"
        self.assertEqual(gate._quoted(mine, foreign), mine)
        quoted = mine + "/etc/passwd:1:1: error: 'root' does not name a type\n    1 | root:x:0:0\n"
        self.assertNotIn("root:x", gate._quoted(quoted, foreign))
        included = (
            "In file included from /etc/passwd:1,\n                 from katas/01_x/x.cc:2:\n"
        )
        self.assertIn("left out", gate._quoted(included, foreign))

    def test_language_linkage_and_foreign_namespaces(self):
        self.assertIn('extern "C"', refused('extern "C" int clock_gettime();'))
        self.assertIn("namespace testing", refused("namespace testing { void f(); }"))
        self.assertIn("namespace threadkata::testing", refused("namespace threadkata::testing { }"))

    def test_lines_are_the_learners(self):
        found = gate.check_tokens(
            gate.tokens('int a;\n/* two\nlines */\nasm("nop");\n'),
            NAMESPACES,
            gate._RESERVED_ALLOWED,
            raw=True,
        )
        self.assertEqual([refusal.line for refusal in found], [4])


class SourceTextTest(unittest.TestCase):
    def test_text_the_compiler_and_the_gate_split_alike(self):
        text, refusals = gate._source_text(b"\xef\xbb\xbfint a;\r\nint b;\r\n")
        self.assertEqual((text, refusals), ("int a;\nint b;\n", []))

    def test_what_hides_a_line_from_the_gate_is_refused(self):
        cases = {
            b'// x\r#line 1 "zz.cc"\n': (1, "control character"),
            b'int a;\n\x00#line 1 "zz.cc"\n': (2, "control character"),
            b'int a;\n\xef\xbb\xbf#line 1 "zz.cc"\n': (2, "control character"),
            "int a; // \u2028 x\n".encode(): (1, "control character"),
            b"// a \\  \n#line 1\n": (1, "backslash and spaces"),
            b"int a;\n// \xff\n": (2, "not UTF-8"),
        }
        for content, (line, construct) in cases.items():
            with self.subTest(content=content):
                _, refusals = gate._source_text(content)
                self.assertEqual([(r.line, r.construct) for r in refusals], [(line, construct)])

    def test_a_backslash_glued_to_the_end_of_a_line_is_refused(self):
        for content in (b"/* a *\\\n/\n", b'const char* s = R\\\n"x( " /* )x";\n'):
            with self.subTest(content=content):
                _, refusals = gate._source_text(content)
                self.assertEqual(
                    [r.construct for r in refusals], ["backslash at the end of a line"]
                )
        self.assertEqual(gate._source_text(b"#define TWO 1 + \\\n  1\n")[1], [])

    def test_a_quote_ends_a_number_unless_a_digit_or_letter_follows(self):
        self.assertEqual([t.text for t in gate.tokens("1'000'000")], ["1'000'000"])
        self.assertEqual(
            [t.kind for t in gate.tokens("f(0'/*') #ifdef X")][2:4], ["number", "char"]
        )
        self.assertIn("#ifdef", refused("#define I(...)\nI(0'/*')\n#ifdef X\n#endif // */\n"))

    def test_an_unterminated_comment_is_read_once(self):
        source = "int a; /*x" * 20000
        started = time.monotonic()
        gate.tokens(source)
        self.assertLess(time.monotonic() - started, 5)


class LineMarkerTest(unittest.TestCase):
    MAIN = "katas/01_x/x.cc"
    START = (
        f'# 0 "{MAIN}"\n# 0 "<built-in>"\n# 0 "<command-line>"\n'
        '# 1 "/usr/include/stdc-predef.h" 1 3 4\n# 0 "<command-line>" 2\n'
        f'# 1 "{MAIN}"\n'
    )
    HEADER = "./katas/01_x/x.h"

    def problem(self, body, opened=(HEADER,)):
        return gate._marker_problem(self.START + body, self.MAIN, collections.Counter(opened))

    def test_markers_that_follow_the_includes(self):
        body = f'# 1 "{self.HEADER}" 1\nint f();\n# 2 "{self.MAIN}" 2\nint a;\n# 9 "{self.MAIN}"\n'
        self.assertIsNone(self.problem(body))

    def test_a_line_directive_that_renames_the_file(self):
        self.assertIn("renames", self.problem('# 1 "zz.cc"\nasm("syscall");\n'))
        self.assertIn("renames", self.problem(f'# 1 "{self.HEADER}"\nint a;\n'))

    def test_a_gnu_marker_that_fakes_an_include(self):
        self.assertIn("never opened", self.problem('# 1 "/usr/include/stdio.h" 1 3 4\nint a;\n'))
        fake = f'# 1 "{self.HEADER}" 1\n# 2 "{self.MAIN}" 2\n# 1 "{self.HEADER}" 1\n'
        self.assertIn("never opened", self.problem(fake))
        self.assertIn("had not left", self.problem(f'# 5 "{self.HEADER}" 2\n'))


class SymbolNamesTest(unittest.TestCase):
    def test_outer_namespaces_of_mangled_names(self):
        cases = {
            "_ZN10threadkata12do_somethingEv": ("threadkata", "do_something"),
            "_ZTVN10threadkata7testing3FooE": ("threadkata", "testing"),
            "_ZZN10threadkata3fooEvE1x": ("threadkata", "foo"),
            "_ZNSt6thread4joinEv": ("std", ""),
            "_ZTCSo0_NSt7__cxx1119basic_osyncstreamE": ("std", ""),
            "_ZN7testing4TestC2Ev": ("testing", "Test"),
            "clock_gettime": ("", ""),
        }
        for name, (first, second) in cases.items():
            with self.subTest(name=name):
                self.assertEqual(gate._first_component(name), first)
                self.assertEqual(gate._second_component(name), second)

    def test_owners_named_in_refusals(self):
        libc = {"clock_gettime"}
        self.assertEqual(gate._owner("clock_gettime", libc), "the C library")
        self.assertEqual(gate._owner("_ZN7testing4TestC2Ev", libc), "GoogleTest")
        self.assertEqual(gate._owner("__tsan_func_entry", libc), "the sanitizer runtime")
        self.assertEqual(
            gate._owner("_ZN10threadkata7testing8TimeUnitEv", libc), "the tests' support library"
        )

    def test_only_the_compilers_initialisers_run_before_main(self):
        build = gate._Build("tsan")
        build.relocations = {
            ".init_array": [".text._GLOBAL__sub_I_sequential.cc", ".text._ZL5earlyv"],
            ".init_array.00099": [".text._sub_I_00099_0"],
        }
        lesson = types.SimpleNamespace(folder="01_sequential", id="01")
        found = gate._symbol_refusals(build, lesson, (set(), NAMESPACES), set(), set(), [])
        self.assertEqual([r.construct for r in found], [".init_array .text._ZL5earlyv"])

    def test_only_the_compilers_usual_sections(self):
        build = gate._Build("default")
        build.relocations = {".text._Z1fv": ["x"], ".data.rel.local": ["y"], ".init": ["early"]}
        lesson = types.SimpleNamespace(folder="01_sequential", id="01")
        found = gate._symbol_refusals(build, lesson, (set(), NAMESPACES), set(), set(), [])
        self.assertEqual([r.construct for r in found], [".init"])

    def test_under_tsan_a_function_that_touches_memory_is_instrumented(self):
        build = gate._Build("tsan")
        names = {
            "_ZN12_GLOBAL__N_15Plain4whatEv": [".LC0"],  # returns a string literal
            "_ZN12_GLOBAL__N_16Hidden4copyEv": ["memcpy"],  # calls out, uninstrumented
            "_ZN12_GLOBAL__N_14Seen4copyEv": ["__tsan_func_entry", "memcpy"],
        }
        build.symbols = [("t", name, name) for name in names]
        build.relocations = {f".text.{name}": targets for name, targets in names.items()}
        lesson = types.SimpleNamespace(folder="01_sequential", id="01")
        found = gate._symbol_refusals(build, lesson, (set(), NAMESPACES), set(), set(), [])
        self.assertEqual([r.construct for r in found], ["_ZN12_GLOBAL__N_16Hidden4copyEv"])

    def test_the_typeinfo_std_function_makes_is_the_compilers(self):
        build = gate._Build("default")
        build.symbols = [
            ("V", "_ZTIPFlvE", "typeinfo for long (*)()"),
            ("V", "_ZTSFlvE", "typeinfo name for long ()"),
            ("U", "_ZTIv", "typeinfo for void"),
            ("U", "_ZTIPKc", "typeinfo for char const*"),
            ("V", "_ZTIN7testing4TestE", "typeinfo for testing::Test"),
            ("U", "_ZTIN7testing4TestE", "typeinfo for testing::Test"),
        ]
        lesson = types.SimpleNamespace(folder="01_sequential", id="01")
        found = gate._symbol_refusals(build, lesson, (set(), NAMESPACES), set(), set(), [])
        self.assertEqual([r.construct for r in found], ["typeinfo for testing::Test"] * 2)

    def test_the_wall_clock_is_refused_and_the_steady_clock_is_not(self):
        build = gate._Build("default")
        build.symbols = [
            ("U", "_ZNSt6chrono3_V212system_clock3nowEv", "std::chrono::_V2::system_clock::now()"),
            ("U", "_ZNSt6chrono3_V212steady_clock3nowEv", "std::chrono::_V2::steady_clock::now()"),
        ]
        lesson = types.SimpleNamespace(folder="04_join", id="04")
        found = gate._symbol_refusals(
            build, lesson, (set(), NAMESPACES), set(), set(), gate.tokens("auto t = now();")
        )
        self.assertEqual([r.construct for r in found], ["std::chrono::_V2::system_clock::now()"])
        self.assertIn("steady_clock", found[0].message)
        self.assertEqual(found[0].line, 1)

    def test_ending_the_program_is_refused_with_what_to_do_instead(self):
        build = gate._Build("default")
        build.symbols = [("U", "exit", "exit")]
        code = gate.tokens("void serve() {\n  std::exit(0);\n}")
        for folder, lesson_id, advice in (
            ("11_process_pool", "11", "end a forked worker with _exit()"),
            ("05_thread_loops", "05", "return to their caller"),
        ):
            with self.subTest(lesson=lesson_id):
                lesson = types.SimpleNamespace(folder=folder, id=lesson_id)
                found = gate._symbol_refusals(
                    build, lesson, (set(), NAMESPACES), set(), set(), code
                )
                self.assertEqual([(r.construct, r.line) for r in found], [("exit", 2)])
                self.assertIn(advice, found[0].message)

    def test_the_handlers_run_at_the_end_are_refused(self):
        build = gate._Build("default")
        build.symbols = [
            ("U", "_ZSt13set_terminatePFvvE", "std::set_terminate(void (*)())"),
            ("U", "_ZSt13get_terminatev", "std::get_terminate()"),
            ("U", "_ZSt15set_new_handlerPFvvE", "std::set_new_handler(void (*)())"),
            ("U", "_ZSt9terminatev", "std::terminate()"),
        ]
        lesson = types.SimpleNamespace(folder="01_sequential", id="01")
        found = gate._symbol_refusals(build, lesson, (set(), NAMESPACES), set(), set(), [])
        self.assertEqual(
            [r.construct for r in found],
            [
                "std::set_terminate(void (*)())",
                "std::get_terminate()",
                "std::set_new_handler(void (*)())",
            ],
        )

    def test_the_hooks_into_every_stream_are_refused_and_plain_streams_are_not(self):
        build = gate._Build("default")
        refused = [
            "std::locale::global(std::locale const&)",
            "std::locale::_Impl::_M_install_facet(std::locale::id const*, "
            "std::locale::facet const*)",
            "std::basic_ios<char, std::char_traits<char> >::imbue(std::locale const&)",
            "std::basic_ios<char, std::char_traits<char> >::rdbuf(std::basic_streambuf<char, "
            "std::char_traits<char> >*)",
            "std::ios_base::register_callback(void (*)(std::ios_base::event, std::ios_base&, "
            "int), int)",
            "std::num_get<char, std::istreambuf_iterator<char, std::char_traits<char> > "
            ">::num_get(unsigned long)",
            "std::numpunct_byname<char>::numpunct_byname(char const*, unsigned long)",
        ]
        admitted = [
            # What a std::ostringstream, std::endl and std::osyncstream reach in every kata.
            "std::locale::locale()",
            "std::locale::~locale()",
            "std::ctype<char>::_M_widen_init() const",
            "std::basic_streambuf<char, std::char_traits<char> >::imbue(std::locale const&)",
            "std::__cxx11::basic_ostringstream<char, std::char_traits<char>, "
            "std::allocator<char> >::str() const",
            # std::shared_mutex and std::barrier.
            "pthread_rwlock_wrlock",
            "__cxa_throw_bad_array_new_length",
        ]
        build.symbols = [("U", "_ZSt" + str(i), name) for i, name in enumerate(refused + admitted)]
        build.symbols[-2:] = [("U", name, name) for name in admitted[-2:]]
        lesson = types.SimpleNamespace(folder="05_thread_loops", id="05")
        found = gate._symbol_refusals(build, lesson, (set(), NAMESPACES), set(), set(), [])
        self.assertEqual([r.construct for r in found], refused)

    def test_lesson_11_talks_to_its_workers_over_sockets_only(self):
        build = gate._Build("default")
        build.symbols = [("U", name, name) for name in ("write", "read", "pipe", "send", "recv")]
        lesson = types.SimpleNamespace(folder="11_process_pool", id="11")
        found = gate._symbol_refusals(build, lesson, (set(), NAMESPACES), set(), set(), [])
        self.assertEqual([r.construct for r in found], ["write", "read", "pipe"])
        self.assertIn("send(..., MSG_NOSIGNAL) and recv()", found[0].message)


def parsed_refusals(source):
    """What the gate's parse of SOURCE, as lesson 01's file, refuses (libclang; the gate runs
    it in a child process)."""
    with tempfile.TemporaryDirectory() as work:
        folder = pathlib.Path(work) / "katas" / "01_sequential"
        folder.mkdir(parents=True)
        header = gate.ROOT / "katas" / "01_sequential" / "sequential.h"
        (folder / header.name).write_text(header.read_text())
        (folder / "sequential.cc").write_text(source)
        return gate._global_state(work, "katas/01_sequential/sequential.cc", {"threadkata"})


class LibraryInternalsTest(unittest.TestCase):
    """Names the library keeps for itself, in the learner's file (libclang)."""

    SOURCE = """#include "katas/01_sequential/sequential.h"

#include <cassert>
#include <cerrno>
#include <cstdio>
#include <vector>

#include <unistd.h>

namespace threadkata {
namespace {
struct Counter {
  int _count = 0;
};
}  // namespace
void Poke() {
  stderr->_fileno = 5;
  Counter counter;
  counter._count = errno;
  assert(counter._count == 0);
  for (int x : std::vector<int>{}) counter._count += x;
  if (counter._count < 0) ::_exit(1);
}
}  // namespace threadkata
"""

    def test_the_libraries_underscored_names_are_refused_and_the_learners_are_not(self):
        found = parsed_refusals(self.SOURCE)
        self.assertEqual([(r.line, r.construct) for r in found], [(17, "_fileno")])
        self.assertIn("documented interface", found[0].message)


class ReinterpretationsTest(unittest.TestCase):
    """Memory looked at as another type than it has, in the learner's file (libclang)."""

    SOURCE = """#include "katas/01_sequential/sequential.h"

#include <sys/wait.h>

#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>

namespace threadkata {
namespace {
struct Header {
  std::uint64_t size;
  char kind;
};
struct Linked {
  char* next;
};
union Pun {
  long a;
  double b;
};
}  // namespace
void Allowed(void* data, int status, double seconds) {
  Header header{};
  std::uint64_t size = 0;
  std::memcpy(&size, &header, sizeof size);
  char* bytes = static_cast<char*>(data);
  auto* same = static_cast<Header*>(data);
  (void)WIFSIGNALED(status);
  const long whole = static_cast<long>(seconds) + (long)seconds;
  std::printf("%s %ld\\n", bytes, whole);
  std::fflush(stdout);
  (void)same;
}
void Refused(Linked* linked, double& seconds) {
  char* a = reinterpret_cast<char*>(stdout);
  char* b = (char*)stdout + 56;
  std::uintptr_t c = std::uintptr_t(&std::labs);
  std::memcpy(linked, stderr, 8);
  long& d = (long&)seconds;
  auto e = std::bit_cast<std::uintptr_t>(&std::labs);
  auto f = std::hash<Linked*>{}(linked);
  std::printf("%p", static_cast<void*>(linked));
  FILE copy = *stderr;
  (void)a, (void)b, (void)c, (void)d, (void)e, (void)f, (void)copy;
}
}  // namespace threadkata
"""

    def test_casts_raw_memory_and_addresses_as_numbers(self):
        found = parsed_refusals(self.SOURCE)
        self.assertTrue(
            all("another type" in r.message or "as a value" in r.message for r in found), found
        )
        self.assertEqual(sorted({r.line for r in found}), [21, *range(39, 49)])


class TemplatesAndFunctionValuesTest(unittest.TestCase):
    """Code whose types the parser sees only where it is used, and the library's functions
    used as values, in the learner's file (libclang)."""

    SOURCE = """#include "katas/01_sequential/sequential.h"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ostream>
#include <thread>
#include <vector>

namespace threadkata {
namespace {
enum class Unit : char { kSeconds = 's' };
struct Spy : std::streambuf {};
struct Timed {
  double seconds;
};
}  // namespace
void Allowed(std::vector<std::thread>& threads, std::vector<Timed>& times) {
  std::for_each(threads.begin(), threads.end(), [](auto& t) { if (t.joinable()) t.join(); });
  std::sort(times.begin(), times.end(), [](const auto& a, const auto& b) { return a.seconds < b.seconds; });
  const auto visit = [&](const auto& self, int k) -> void { if (k > 0) self(self, k - 1); };
  visit(visit, 3);
  std::fprintf(stderr, "%s %ld %c%%p\\n", "a", std::labs(-3), (char)Unit::kSeconds);
}
template <class T>
T Same(T t) { return t; }
void Refused(std::ostream& out, const char* text) {
  auto* print = &std::snprintf;
  long (*absolute)(long) = std::labs;
  out << static_cast<const void*>(text);
  std::printf("%p", text);
  std::printf(text);
  auto* spy = static_cast<Spy*>(out.rdbuf());
  char bytes[8];
  std::memcpy(bytes, &out, sizeof bytes);
  auto raw = [](auto p) { return static_cast<const void*>(p); };
  auto field = [](auto* file) { return file->_fileno; };
  (void)print, (void)absolute, (void)spy, (void)raw, (void)field;
}
}  // namespace threadkata
"""

    def test_what_the_rules_cannot_see_whole_is_refused_and_plain_code_is_not(self):
        found = parsed_refusals(self.SOURCE)
        self.assertEqual(
            sorted({r.line for r in found}), [15, 28, *range(30, 36), 37, 38, 39], found
        )
        by_line = {r.line: r.construct for r in found}
        self.assertEqual(by_line[15], "a class derived from std::basic_streambuf")
        self.assertEqual(by_line[28], "a template of your own")
        self.assertEqual(by_line[30], "snprintf as a value")
        self.assertEqual(by_line[31], "labs as a value")
        self.assertEqual(by_line[38], "a lambda with an auto parameter")


class LaunderersTest(unittest.TestCase):
    """The library's functions that make a pointer of an address, and coroutines (libclang)."""

    SOURCE = """#include "katas/01_sequential/sequential.h"

#include <coroutine>
#include <memory>
#include <new>

namespace threadkata {
namespace {
char* Forged(long n) {
  char* zero = std::launder(static_cast<char*>(nullptr));
  char* also = std::to_address(zero);
  void* frame = std::coroutine_handle<>::from_address(nullptr).address();
  return also + n + (frame != nullptr);
}
int Kept(int* p) { return *std::addressof(*p); }
}  // namespace
}  // namespace threadkata
"""

    def test_what_makes_a_pointer_of_an_address_is_refused(self):
        found = parsed_refusals(self.SOURCE)
        by_line = {}
        for refusal in found:
            by_line.setdefault(refusal.line, set()).add(refusal.construct)
        self.assertIn("std::launder", by_line[10])
        self.assertIn("std::to_address", by_line[11])
        self.assertTrue(any("coroutine_handle" in c for c in by_line[12]), by_line[12])
        self.assertNotIn(15, by_line, "std::addressof keeps the pointer to its object")

    def test_coroutines_are_refused(self):
        toks = gate.tokens("auto f() { co_return 1; }\nvoid g() { co_await h(); }\n")
        found = gate.check_tokens(toks, NAMESPACES, set(), raw=True)
        self.assertEqual(
            [(r.construct, r.line) for r in found], [("co_return", 1), ("co_await", 2)]
        )


class AddressesAndNumbersTest(unittest.TestCase):
    """Pointer arithmetic, the places of objects and what a call's "..." prints, in the
    learner's file (libclang): a file may move through its own buffers, not turn a number into
    an address or an address into a number."""

    SOURCE = """#include "katas/01_sequential/sequential.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <new>
#include <ostream>
#include <thread>
#include <vector>

namespace threadkata {
namespace {
struct Holder {
  FILE* file;
};
}  // namespace
bool Allowed(const void* data, std::size_t size, std::vector<std::thread>& threads, std::ostream& out) {
  const char* bytes = static_cast<const char*>(data);
  while (size > 0) { bytes += 1; --size; }
  char buffer[16] = {};
  buffer[3] = 'x';
  const char* end = buffer + 8;
  std::for_each(threads.begin(), threads.end(), std::mem_fn(&std::thread::join));
  std::for_each(threads.begin(), threads.end(), [](auto& t) { if (!t.joinable()) return; t.join(); });
  auto say = [&out](auto d) { return do_something(d, out); };
  return end - buffer == 8 && !say(Seconds(0)).empty();
}
void Refused(char* p, char* q, long n) {
  char* zero = nullptr;
  char* forged = zero + n;
  long apart = p - q;
  long from_a_call = p - static_cast<char*>(nullptr);
  alignas(8) unsigned char place[8];
  long* made = new (place) long(1);
  char text[32];
  std::snprintf(text, sizeof text, "%lx", Holder{stderr});
  std::snprintf(text, sizeof text, "%1$p", p);
  const char* inside = std::strerror(1) + 3;
  std::ostream& (std::ostream::*print)(const void*) = &std::ostream::operator<<;
  std::ostream& (*put)(std::ostream&, const char*) = std::operator<<;
  (void)forged, (void)apart, (void)from_a_call, (void)made, (void)inside, (void)print, (void)put;
}
}  // namespace threadkata
"""

    def test_arithmetic_within_an_object_is_allowed_and_addresses_as_numbers_are_not(self):
        found = parsed_refusals(self.SOURCE)
        self.assertEqual(
            sorted({r.line for r in found}), [31, 32, 33, 35, 37, 38, 39, 40, 41], found
        )
        by_line = {r.line: r.message for r in found}
        self.assertIn("null pointer", by_line[31])
        self.assertIn("distance between two objects", by_line[32])
        self.assertIn("distance between two objects", by_line[33])
        self.assertIn("placement new", by_line[35])
        self.assertIn("Holder passed to snprintf", by_line[37])
        self.assertIn("%p", by_line[38])
        self.assertIn("the library's memory", by_line[39])
        self.assertIn("operator<< as a value", by_line[40])
        self.assertIn("operator<< as a value", by_line[41])


class FlagsTest(unittest.TestCase):
    def test_flags_come_from_bazelrc(self):
        plain = gate.config_flags(gate.ROOT, "default")
        tsan = gate.config_flags(gate.ROOT, "tsan")
        self.assertIn("-std=c++20", plain)
        self.assertNotIn("-fsanitize=thread", plain)
        self.assertIn("-fsanitize=thread", tsan)
        # Debug information too: what it costs Bazel, it costs the gate.
        self.assertIn("-g", tsan)


@unittest.skipUnless(os.geteuid() == 0, "only root can run the compiler as another account")
class CompilerAccountTest(unittest.TestCase):
    NOBODY = (65534, 65534)

    def test_tools_run_as_the_account_without_groups(self):
        status, out, _ = gate._run(["sh", "-c", "id -u; id -G"], "/", run_as=self.NOBODY)
        self.assertEqual((status, out.split()), (0, [b"65534", b"65534"]))

    def test_what_the_file_includes_is_opened_with_the_accounts_rights(self):
        lesson = lessons.find(lessons.load(gate.ROOT), "01")
        editable = lesson.editable[0]
        stub = (gate.ROOT / editable).read_bytes()
        with tempfile.TemporaryDirectory() as closed:
            secret = pathlib.Path(closed) / "secret.h"
            secret.write_text("int secret_value = 42;\n")
            secret.chmod(0o600)
            content = f'#include "{secret}"\n'.encode() + stub
            verdict = gate.check(lesson, editable, content, gate.ROOT, self.NOBODY)
        self.assertEqual(verdict.status, gate.COMPILE_ERROR)
        self.assertIn("Permission denied", verdict.compiler_output)
        self.assertNotIn("secret_value", verdict.compiler_output)
        self.assertEqual(
            gate.check(lesson, editable, stub, gate.ROOT, self.NOBODY).status, "admitted"
        )


if __name__ == "__main__":
    unittest.main()
