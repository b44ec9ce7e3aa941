"""The gate: what a learner's file is, checked before anything of it is built into a test or run.

Everything here is an allow-list. A file is admitted only if
- it is UTF-8 text that the compiler and the gate split into the same lines (no control
  characters, no carriage return but before a newline, no byte-order mark but the first
  character, no backslash followed by spaces at the end of a line);
- its own source uses no directive but #include and #define/#undef, no reserved identifier
  (__attribute__, __asm__, __builtin_*, __has_include, __SANITIZE_THREAD__, _Pragma...), no
  `asm`, no attribute but the standard ones, no language linkage (extern "C"), and opens no
  namespace but the lesson's own and anonymous ones;
- it includes only its lesson's header and standard headers (read from the compiler's -H
  output), and preprocesses within a time limit to the same lines in every configuration,
  with the same rules on what the macros expanded to; the preprocessor's line markers follow
  the files it opened (a #line that renames the file, however it slipped through, is refused);
- it has no namespace-scope object with a dynamic initialiser or an exit-time destructor
  (clang's -Wglobal-constructors and -Wexit-time-destructors, through libclang), and defines
  nothing that belongs to another namespace than the lesson's (no out-of-class definition or
  specialisation of a part of the standard library, which the linker would take over the
  library's own for every caller);
- its object file, compiled with the flags of every configuration of .bazelrc, defines only the
  lesson's API and what the compiler generates (template and inline instances, local statics,
  functions with internal linkage), references only allowed symbols, and under ThreadSanitizer
  every function it defines that touches memory or calls out is instrumented.

Usage: tools/gate LESSON FILE   (exit status 0 admitted, 1 refused, 2 wrong usage)
"""

import argparse
import bisect
import collections
import concurrent.futures
import ctypes
import dataclasses
import hashlib
import json
import os
import pathlib
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from . import lessons as lessons_module

ROOT = pathlib.Path(__file__).resolve().parents[2]
COMPILER = "g++"
PREPROCESS_TIME_LIMIT = 30  # seconds: a file that includes a device or a pipe hangs the compiler
COMPILE_TIME_LIMIT = 180
# What one tool the gate runs may use: address space, and bytes written to its output files.
TOOL_MEMORY_LIMIT = 4 << 30
TOOL_OUTPUT_LIMIT = 64 << 20
CONFIGS = ("default", "tsan", "asan")
CONFIG_NAMES = {
    "default": "the plain build",
    "tsan": "ThreadSanitizer",
    "asan": "ASan+UBSan",
}

ADMITTED = "admitted"
REFUSED = "refused"
COMPILE_ERROR = "compile_error"

# Standard C headers a kata may include by their C name (the C++ ones live in libstdc++'s own
# folders and are allowed whole).
_C_HEADERS = {
    "assert.h",
    "ctype.h",
    "errno.h",
    "float.h",
    "inttypes.h",
    "limits.h",
    "math.h",
    "stdarg.h",
    "stdbool.h",
    "stddef.h",
    "stdint.h",
    "stdio.h",
    "stdlib.h",
    "string.h",
    "time.h",
}

# What a kata's object may reference outside the C++ standard library (std::, the C++ runtime
# and the sanitizers' instrumentation), for every lesson. Each name is a C symbol.
_C_SYMBOLS = {
    # The C++ runtime: exceptions, statics, the stack protector.
    "__gxx_personality_v0",
    "_Unwind_Resume",
    "__cxa_allocate_exception",
    "__cxa_begin_catch",
    "__cxa_end_catch",
    "__cxa_free_exception",
    "__cxa_init_primary_exception",
    "__cxa_pure_virtual",
    "__cxa_rethrow",
    "__cxa_throw",
    "__cxa_throw_bad_array_new_length",  # new T[n] (std::barrier's)
    "__cxa_guard_acquire",
    "__cxa_guard_release",
    "__cxa_guard_abort",
    "__cxa_atexit",  # only for <iostream>'s own static: the file may define none (see above)
    "__dso_handle",
    "__stack_chk_fail",
    "_GLOBAL_OFFSET_TABLE_",
    "__assert_fail",
    "__errno_location",
    "__libc_single_threaded",
    # Memory and strings.
    "memcpy",
    "memmove",
    "memset",
    "memcmp",
    "memchr",
    "strlen",
    "strcmp",
    "strncmp",
    "strchr",
    "strerror",
    "snprintf",
    "vsnprintf",  # std::to_string of a floating-point number
    "sprintf",
    "strtod",
    "strtol",
    "strtoul",
    "strtoll",
    "strtoull",
    # Output to the standard streams only (a FILE* can come from nothing else: fopen, fdopen,
    # freopen and tmpfile are not allowed).
    "printf",
    "puts",
    "putchar",
    "fputs",
    "fputc",
    "fwrite",
    "fprintf",
    "fflush",
    "stdout",
    "stderr",
    # Threads, as the standard library's inline code reaches them, and time.
    "nanosleep",
    "sched_yield",
    "pthread_self",
    "pthread_equal",
    "pthread_once",
    "pthread_mutex_lock",
    "pthread_mutex_trylock",
    "pthread_mutex_unlock",
    "pthread_mutex_timedlock",
    "pthread_mutex_clocklock",
    "pthread_cond_wait",
    "pthread_cond_timedwait",
    "pthread_cond_clockwait",
    "pthread_cond_signal",
    "pthread_cond_broadcast",
    "pthread_cond_destroy",
    "pthread_rwlock_rdlock",  # std::shared_mutex and std::shared_timed_mutex
    "pthread_rwlock_tryrdlock",
    "pthread_rwlock_timedrdlock",
    "pthread_rwlock_clockrdlock",
    "pthread_rwlock_wrlock",
    "pthread_rwlock_trywrlock",
    "pthread_rwlock_timedwrlock",
    "pthread_rwlock_clockwrlock",
    "pthread_rwlock_unlock",
    "pthread_rwlock_destroy",
    "__once_proxy",
    "abort",
    # Arithmetic.
    "abs",
    "labs",
    "llabs",
    "fabs",
    "sqrt",
    "pow",
    "floor",
    "ceil",
    "round",
    "lround",
    "llround",
    "trunc",
    "fmod",
    "exp",
    "log",
    "log2",
    "log10",
}

# The symbols that are allowed only when the standard library's inline code references them,
# never when the learner's file names them itself (libstdc++'s std::atomic<T>::wait makes the
# futex system call with syscall()).
_ONLY_THROUGH_STD = {"syscall"}

# What to do instead of calling a C function the gate refuses and learners reach for, added to
# its refusal: symbol -> advice, for every lesson (a lesson's own "advice" below comes first).
# Ending the program is never a kata's job.
_EXIT_FAMILY = ("exit", "_Exit", "quick_exit", "atexit", "at_quick_exit")
_ADVICE = {
    name: "a kata's functions return to their caller, and ending the program is the test's "
    "business"
    for name in _EXIT_FAMILY
}

# Per-lesson allowances, in one place: lesson folder -> extra headers (as included, relative to
# a system include folder), extra C symbols, and advice for symbols refused to the lesson.
# Lesson 11 runs workers in processes; it may not signal them (no kill: a worker ends when its
# socket closes), since a kill(-1, ...) would reach the limiter that watches the test's memory
# and threads. It talks to its workers over sockets only: send() and recv() fail on any other
# descriptor (ENOTSOCK), so the file GoogleTest writes its results to stays out of reach, which
# read() and write() would not leave it. A forked worker ends without running the parent's
# exit code.
LESSON_ALLOWANCES = {
    "11_process_pool": {
        "headers": {
            "unistd.h",
            "signal.h",
            "poll.h",
            "sys/types.h",
            "sys/wait.h",
            "sys/socket.h",
        },
        "symbols": {
            "fork",
            "waitpid",
            "wait",
            "_exit",
            "getpid",
            "socketpair",
            "send",
            "recv",
            "close",
            "shutdown",
            "poll",
            "strsignal",
            "sigabbrev_np",
        },
        "advice": {
            **{
                name: "end a forked worker with _exit(): exit() would run, in the child, the "
                "parent's atexit handlers and static destructors (which may join threads the "
                "child does not have) and write the parent's unflushed stdio buffers a second "
                "time"
                for name in _EXIT_FAMILY
            },
            **{
                name: "a worker that died makes send() fail with EPIPE instead of raising "
                "SIGPIPE when you pass MSG_NOSIGNAL: send(fd, data, size, MSG_NOSIGNAL); the "
                "program's signal handlers are the test's"
                for name in ("signal", "sigaction", "bsd_signal", "sysv_signal")
            },
            **{
                name: "talk to a worker over a socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, "
                "0, ends) with send(..., MSG_NOSIGNAL) and recv(), as the README does (write() "
                "to a worker that died raises SIGPIPE, which ends the whole program)"
                for name in ("read", "write", "pipe", "pipe2")
            },
        },
    },
}

# Families of the standard library that reach files; the handlers that hand out or install
# the code run when the program ends or runs out of memory; and the calls that put the file's
# own code inside the streams of the whole program, the tests' and GoogleTest's included (a
# global locale, a locale or stream buffer imbued or swapped in, a facet of its own, a stream
# callback; classes derived from the library's streams are _stream_hooks' to refuse): a kata
# has no business there.
_FACETS = (
    "num_get|num_put|numpunct|moneypunct|money_get|money_put|time_get|time_put|codecvt|collate"
    "|messages|ctype"
)
_STD_DENIED = re.compile(
    r"basic_[io]?fstream|basic_filebuf|__basic_file|filesystem"
    r"|\b[gs]et_(terminate|unexpected|new_handler)\b"
    r"|\blocale::global\b|\b_M_install_facet\b|\bbasic_ios<.*>::imbue\b|\bios_base::imbue\b"
    r"|\bpubimbue\b|\bregister_callback\b|\brdbuf\(std::basic_streambuf"
    rf"|\b(?P<facet>{_FACETS})(_byname)?<.*>::(?P=facet)(_byname)?\("
)
# The wall clock: no lesson has a use for it, and timing with it is a classic mistake.
_WALL_CLOCK = re.compile(r"\bsystem_clock::now\(")
_WALL_CLOCK_MESSAGE = (
    "your file uses {} ({}): the wall clock jumps when the time is set (by NTP, by hand, at a "
    "leap second), so a wait or a measurement on it can end early, late or negative. Time "
    "waits and durations on std::chrono::steady_clock (here high_resolution_clock is "
    "system_clock too)"
)


# What to write instead of a function of the standard library the gate refuses, by its name.
_STD_ADVICE = (
    (
        re.compile(r"\bimbue\b"),
        "a stream of your own already has the classic locale (no kata changes the global one), "
        "so it writes numbers the same everywhere without imbue()",
    ),
)


def _advice(name, lesson, pretty=""):
    """What to write instead of NAME (PRETTY, demangled), a symbol refused to LESSON, or ''."""
    own = LESSON_ALLOWANCES.get(lesson.folder, {}).get("advice", {})
    library = next((text for pattern, text in _STD_ADVICE if pattern.search(pretty)), "")
    return own.get(name, _ADVICE.get(name, library))


# Reserved identifiers a file may write: everything else that starts with __ or _X is the
# compiler's or the library's business (__attribute__, __asm__, __builtin_*...).
_RESERVED_ALLOWED = {"__func__", "__FILE__", "__LINE__"}
# What the standard library's macros leave in the learner's lines once expanded (assert, errno,
# NULL, INT_MAX...).
_RESERVED_FROM_MACROS = _RESERVED_ALLOWED | {
    "__assert_fail",
    "__errno_location",
    "__extension__",
    "__null",
    "__PRETTY_FUNCTION__",
    "__ASSERT_FUNCTION",
    "__sighandler_t",  # SIG_IGN, SIG_DFL
}
_STANDARD_ATTRIBUTES = {
    "nodiscard",
    "maybe_unused",
    "likely",
    "unlikely",
    "fallthrough",
    "noreturn",
    "deprecated",
    "no_unique_address",
    "carries_dependency",
}
_KEYWORDS = set(
    """alignas alignof and and_eq asm auto bitand bitor bool break case catch char char8_t
    char16_t char32_t class compl concept const consteval constexpr constinit const_cast continue
    co_await co_return co_yield decltype default delete do double dynamic_cast else enum explicit
    export extern false float for friend goto if inline int long mutable namespace new noexcept
    not not_eq nullptr operator or or_eq private protected public register reinterpret_cast
    requires return short signed sizeof static static_assert static_cast struct switch template
    this thread_local throw true try typedef typeid typename union unsigned using virtual void
    volatile wchar_t while xor xor_eq""".split()
)

_TOKEN = re.compile(
    r"""
    (?P<nl>\n)
  | (?P<ws>[ \t\f\v\r]+|\\\n)
  | (?P<comment>//(?:[^\n\\]|\\.)*|/\*(?:.*?\*/|.*))
  | (?P<raw>(?:u8|u|U|L)?R"(?P<delim>[^ ()\\\t\n]{0,16})\((?:.*?\)(?P=delim)"|.*))
  | (?P<string>(?:u8|u|U|L)?"(?:\\.|[^"\\\n])*(?:"|(?=\n)|$))
  | (?P<char>(?:u8|u|U|L)?'(?:\\.|[^'\\\n])*(?:'|(?=\n)|$))
  | (?P<number>\.?[0-9](?:[eEpP][+-]|'(?=[0-9A-Za-z_$])|[\w.$])*)
  | (?P<digraph>%:%:|%:|<%|%>|<:(?!:(?![:>]))|:>)
  | (?P<ident>(?:[A-Za-z_$]|[^\x00-\x7f])(?:[\w$]|[^\x00-\x7f])*)
  | (?P<punct>\[\[|\]\]|::|\#\#|[^\s\w])
    """,
    re.S | re.X,
)
# The file a compiler message is about: "FILE:LINE:COLUMN: error: ...", "In file included from
# FILE:LINE:", "                 from FILE:LINE,".
_DIAGNOSTIC = re.compile(r"^(?:In file included from |\s+from )?([^\s:][^:\n]*):\d+[:,]", re.M)
_DIGRAPHS = {"%:%:": "##", "%:": "#", "<%": "{", "%>": "}", "<:": "[", ":>": "]"}
_LINE_MARKER = re.compile(r'^# (\d+) "((?:\\.|[^"\\])*)"((?: \d+)*)\s*$')
# Characters that the compiler and the gate could split into lines differently, or that hide
# what follows them: C0 and C1 controls but tab and newline, DEL, the Unicode line and
# paragraph separators, and a byte-order mark past the first character.
_STRANGE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff]")
_SPACED_SPLICE = re.compile(r"\\[ \t\f\v]+\n")
# A backslash-newline right after a character: the compiler joins the two lines before it
# reads any token, so `*\` and `/` on the next line end a comment, `R\` and `"x(` start a raw
# string; the gate's tokenizer would read them apart.
_GLUED_SPLICE = re.compile(r"(?<![ \t\n])\\\n")
# (pattern, construct, message) of what _source_text refuses; {code} is the character's code.
_TEXT_RULES = (
    (
        _STRANGE,
        "control character",
        "character U+{code:04X} (a control character, a line separator or a byte-order mark): "
        "the compiler and the gate could read this line differently; keep to plain text, tabs "
        "and newlines",
    ),
    (
        _GLUED_SPLICE,
        "backslash at the end of a line",
        "this line ends in a backslash right after a character: the compiler joins it to the "
        "next line before it reads a token; put a space before the backslash, or do without it",
    ),
    (
        _SPACED_SPLICE,
        "backslash and spaces",
        "a backslash followed by spaces ends this line: the compiler joins it to the next one; "
        "remove the spaces after the backslash (or the backslash)",
    ),
)


@dataclasses.dataclass(frozen=True)
class Refusal:
    line: int  # in the learner's file; 0 when the refusal is about the file as a whole
    construct: str
    message: str

    def __str__(self):
        return f"line {self.line}: {self.message}" if self.line else self.message

    def to_json(self):
        return {
            "line": self.line or None,
            "construct": self.construct,
            "message": self.message,
        }


@dataclasses.dataclass
class Verdict:
    status: str  # ADMITTED, REFUSED or COMPILE_ERROR
    refusals: list = dataclasses.field(default_factory=list)
    compiler_output: str = ""
    seconds: float = 0.0

    def message(self):
        if self.status == COMPILE_ERROR:
            return "The kata does not compile:\n" + self.compiler_output
        if self.status == REFUSED:
            return "Refused by the gate, before anything of it ran:\n" + "\n".join(
                f"- {r}" for r in self.refusals
            )
        return "Admitted by the gate."


@dataclasses.dataclass(frozen=True)
class Token:
    kind: str
    text: str
    line: int
    first: bool  # first token of its (logical) line


def tokens(text):
    """TEXT's preprocessing tokens, without whitespace and comments, with their lines."""
    result = []
    line = 1
    first = True
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup if match.lastgroup != "delim" else "raw"
        if kind == "nl":
            line += 1
            first = True
            continue
        value = match.group(0)
        if kind not in ("ws", "comment"):
            result.append(Token(kind, value, line, first))
            first = False
        line += value.count("\n")
    return result


def _reserved(name):
    return name.startswith("__") or (len(name) > 1 and name[0] == "_" and name[1].isupper())


def check_tokens(toks, namespaces, allowed_reserved, raw):
    """Refusals from one file's tokens (RAW: the learner's source as written, where directives
    are checked; else the preprocessed lines)."""
    refusals = _include_order_refusals(toks) if raw else []
    closing = [i for i, tok in enumerate(toks) if tok.text == "]]"]
    for index, tok in enumerate(toks):
        following = toks[index + 1] if index + 1 < len(toks) else None
        after = toks[index + 2] if index + 2 < len(toks) else None
        if tok.kind == "punct" and tok.text == "#" and tok.first:
            name = following.text if following and following.line == tok.line else ""
            if not raw:
                refusals.append(Refusal(tok.line, f"#{name}", f"`#{name}`: a kata needs no pragma"))
            elif name not in ("include", "define", "undef"):
                refusals.append(
                    Refusal(
                        tok.line,
                        f"#{name}",
                        f"`#{name}`: a kata's file may use #include and #define only; code "
                        "that depends on how it is built (#if, #ifdef...) is not allowed",
                    )
                )
            elif name == "include" and not (
                after and after.line == tok.line and (after.kind == "string" or after.text == "<")
            ):
                refusals.append(
                    Refusal(
                        tok.line,
                        "#include",
                        "an #include must name its header literally",
                    )
                )
            elif name in ("define", "undef") and after and after.kind == "ident":
                if after.text in _KEYWORDS:
                    refusals.append(
                        Refusal(
                            tok.line,
                            f"#define {after.text}",
                            f"`#{name} {after.text}` redefines a C++ keyword",
                        )
                    )
        elif tok.kind == "digraph":
            # %: is #: a directive the rules above would not see (%:line, %:if...).
            refusals.append(
                Refusal(
                    tok.line,
                    tok.text,
                    f"`{tok.text}` is another spelling of "
                    f"`{_DIGRAPHS[tok.text]}`: write `{_DIGRAPHS[tok.text]}` itself",
                )
            )
        elif tok.kind == "punct" and tok.text == "\\":
            refusals.append(
                Refusal(
                    tok.line,
                    "\\",
                    "a backslash outside a string: the compiler reads `\\u` and `\\U` as "
                    "letters of a name; spell names with plain letters",
                )
            )
        elif tok.kind == "ident":
            if "$" in tok.text:
                refusals.append(
                    Refusal(
                        tok.line,
                        "$",
                        f"`{tok.text}`: `$` in a name is a compiler extension, not C++",
                    )
                )
            elif _reserved(tok.text) and tok.text not in allowed_reserved:
                refusals.append(
                    Refusal(
                        tok.line,
                        tok.text,
                        f"`{tok.text}` is reserved to the compiler and the standard library "
                        "(attributes, inline assembly, builtins and build checks are not "
                        "allowed in a kata)",
                    )
                )
            elif tok.text == "asm":
                refusals.append(Refusal(tok.line, "asm", "inline assembly (`asm`) is not allowed"))
            elif tok.text in ("co_await", "co_yield", "co_return"):
                refusals.append(
                    Refusal(
                        tok.line,
                        tok.text,
                        f"`{tok.text}`: a kata needs no coroutine (a coroutine's frame is "
                        "raw memory whose first words are code addresses); use threads",
                    )
                )
            elif tok.text == "extern" and following and following.kind == "string":
                refusals.append(
                    Refusal(
                        tok.line,
                        f"extern {following.text}",
                        f"`extern {following.text}`: a kata declares no C functions of its "
                        "own; include the standard header instead",
                    )
                )
            elif (
                tok.text == "namespace"
                and following
                and following.kind == "ident"
                and not (index and toks[index - 1].text == "using")
            ):
                parts = [following.text]
                at = index + 2
                while at + 1 < len(toks) and toks[at].text == "::" and toks[at + 1].kind == "ident":
                    parts.append(toks[at + 1].text)
                    at += 2
                opened = "::".join(parts)
                if at < len(toks) and toks[at].text != "=" and opened not in namespaces:
                    refusals.append(
                        Refusal(
                            tok.line,
                            f"namespace {opened}",
                            f"`namespace {opened}`: a kata adds only to its lesson's namespaces "
                            f"({', '.join(sorted(namespaces))}) or an anonymous one",
                        )
                    )
        elif tok.kind == "punct" and tok.text == "[[":
            end = closing[bisect.bisect_right(closing, index)] if closing[-1:] > [index] else None
            problem = _attribute_problem(toks, index + 1, end) if end is not None else "unclosed"
            if problem:
                names = [t.text for t in toks[index + 1 : index + 6] if t.kind == "ident"]
                refusals.append(
                    Refusal(
                        tok.line,
                        f"[[{problem or 'unclosed'}]]",
                        f"the attribute `[[{', '.join(names[:5])}]]` is not allowed; only the "
                        "standard ones are (nodiscard, maybe_unused, likely, ...), with no "
                        "argument but a message for deprecated and nodiscard",
                    )
                )
    return refusals


def _include_order_refusals(toks):
    """An #include after code or a macro, in the source as written. What comes before an
    #include changes the header's text: code (a declaration the header then calls instead of
    its own) or a macro (any of the header's names rewritten, reserved ones pasted together).
    With the includes first, every header reads as it was written."""
    refusals = []
    directive_line = None  # the line of the directive being read
    before_include = None  # "code", "#define" or "#undef": the first thing that came
    for index, tok in enumerate(toks):
        if not (tok.kind == "punct" and tok.text == "#" and tok.first):
            if tok.line != directive_line and before_include is None:
                before_include = "code"
            continue
        directive_line = tok.line
        following = toks[index + 1] if index + 1 < len(toks) else None
        name = following.text if following and following.line == tok.line else ""
        if name == "include" and before_include:
            refusals.append(
                Refusal(
                    tok.line,
                    "#include",
                    f"an #include after {before_include}: put every #include at the top of "
                    "the file, before any code and any #define",
                )
            )
        elif name in ("define", "undef") and before_include is None:
            before_include = f"#{name}"
    return refusals


def _attribute_problem(toks, at, end):
    """What is wrong with TOKS[AT:END], the tokens between [[ and ]], or "": standard attribute
    names, commas between them, and a ("message") after deprecated or nodiscard."""
    if end - at > 64:
        return "too long"
    inside = toks[at:end]
    at = 0
    while at < len(inside):
        name = inside[at]
        if name.kind != "ident" or name.text not in _STANDARD_ATTRIBUTES:
            return name.text
        at += 1
        if at < len(inside) and inside[at].text == "(":
            message = inside[at + 1 : at + 3]
            if (
                name.text not in ("deprecated", "nodiscard")
                or len(message) < 2
                or message[0].kind != "string"
                or message[1].text != ")"
            ):
                return f"{name.text}(...)"
            at += 3
        if at < len(inside):
            if inside[at].text != ",":
                return inside[at].text
            at += 1
    return ""


def config_flags(root, config):
    """The C++ compiler flags of CONFIG, read from ROOT's .bazelrc (the one place they are)."""
    flags = []
    pattern = re.compile(r"^build(?::(\w+))?\s+--(copt|cxxopt)=(\S+)\s*$")
    for line in (pathlib.Path(root) / ".bazelrc").read_text(encoding="utf-8").splitlines():
        match = pattern.match(line.strip())
        if match and match.group(1) in (None, None if config == "default" else config):
            flags.append(match.group(3))
    # Debug information too, though it changes no symbol: what the compiler spends on it is
    # what Bazel will spend, and a file whose types make it huge must meet the gate's limits.
    return flags


def _limit_tool():
    """In the child, before it runs a tool: caps on its memory and on what it writes."""
    resource.setrlimit(resource.RLIMIT_AS, (TOOL_MEMORY_LIMIT, TOOL_MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_FSIZE, (TOOL_OUTPUT_LIMIT, TOOL_OUTPUT_LIMIT))


def _run(command, cwd, timeout=PREPROCESS_TIME_LIMIT, env=None, stdin=None, run_as=None):
    """(exit status or None on timeout, stdout, stderr) of COMMAND, killed whole on timeout.
    Its memory and its output are capped (TOOL_MEMORY_LIMIT, TOOL_OUTPUT_LIMIT): a tool that
    goes past them dies, with a status that is not 0. STDIN: bytes to feed it, if any. RUN_AS:
    (uid, gid) to run it as, with no supplementary groups (the grader's unprivileged account).
    """
    user = dict(user=run_as[0], group=run_as[1], extra_groups=[]) if run_as else {}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        with subprocess.Popen(
            command,
            cwd=cwd,
            # The compiler's messages as Bazel's sandbox prints them: plain ASCII quotes.
            env=dict(os.environ, LC_ALL="C", **(env or {})),
            **user,
            stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE,
            stdout=out,
            stderr=err,
            start_new_session=True,
            preexec_fn=_limit_tool,
        ) as process:
            try:
                process.communicate(stdin, timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.communicate()
                return None, b"", b""
        out.seek(0)
        err.seek(0)
        return process.returncode, out.read(), err.read()


def _system_dirs():
    """The compiler's system include folders, and which of them are the C++ library's."""
    status, _, err = _run([COMPILER, "-xc++", "-E", "-v", "/dev/null"], cwd="/")
    text = err.decode("utf-8", "replace")
    inside = text.split("#include <...> search starts here:", 1)[-1].split("End of search", 1)[0]
    dirs = [pathlib.Path(line.strip()).resolve() for line in inside.splitlines() if line.strip()]
    return dirs, [d for d in dirs if "/c++/" in d.as_posix()]


def _allowed_include(path, lesson_headers, extra_headers, dirs, cxx_dirs, base):
    """PATH as the compiler printed it, relative to BASE, its working folder."""
    if path in lesson_headers:
        return True
    resolved = (pathlib.Path(base) / path).resolve()
    if any(resolved.is_relative_to(d) for d in cxx_dirs):
        return True
    for d in dirs:
        if resolved.is_relative_to(d):
            relative = resolved.relative_to(d).as_posix()
            return relative in _C_HEADERS or relative in extra_headers
    return False


def _learner_lines(preprocessed, name):
    """[(line, text)] of the preprocessed output that comes from the learner's file NAME."""
    lines = []
    current, number = None, 0
    for text in preprocessed.split("\n"):
        marker = _LINE_MARKER.match(text)
        if marker:
            number = int(marker.group(1))
            current = marker.group(2)
            continue
        if current == name and text.strip():
            lines.append((number, text))
        number += 1
    return lines


def _unescaped(name):
    """A file name as a line marker writes it, \\ and \" unescaped."""
    return re.sub(r"\\(.)", r"\1", name)


def _marker_problem(preprocessed, main, opened):
    """Why the line markers of PREPROCESSED (the -E output of MAIN) do not follow the files the
    preprocessor opened (OPENED, a Counter of the paths its -H output lists), or None. A line
    marker a #line or a GNU line marker of the source wrote renames the file its lines come
    from, so that the gate would read them as another file's."""
    stack, started, entered = [], False, collections.Counter()
    for text in preprocessed.split("\n"):
        marker = _LINE_MARKER.match(text)
        if not marker:
            continue
        name, flags = _unescaped(marker.group(2)), marker.group(3).split()
        if "1" in flags:
            if started:
                entered[name] += 1
            stack.append(name)
        elif "2" in flags:
            if len(stack) < 2 or stack[-2] != name:
                return f"the preprocessor returned to {name}, which it had not left"
            stack.pop()
        elif not started:
            if name not in (main, "<built-in>", "<command-line>"):
                return f"a line marker names {name} before your file begins"
            started = name == main and stack[-1:] == ["<command-line>"]
            stack[-1:] = [name]
        elif not stack or stack[-1] != name:
            return f"a line marker renames {stack[-1] if stack else main} to {name}"
    extra = entered - opened
    if extra:
        return f"a line marker enters {sorted(extra)[0]}, which the preprocessor never opened"
    return None


def _source_text(content):
    """(the text of CONTENT as the compiler reads it, refusals). The compiler reads a carriage
    return as a new line, skips a byte-order mark and a NUL, and joins a line that ends in a
    backslash and spaces to the next; the gate reads its tokens line by line, so the file must
    leave no doubt where a line ends."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        return "", [
            Refusal(line, "not UTF-8", "this line is not UTF-8 text: save the file as UTF-8")
        ]
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    refusals = [
        Refusal(
            text.count("\n", 0, match.start()) + 1,
            construct,
            message.format(code=ord(match.group()[0])),
        )
        for pattern, construct, message in _TEXT_RULES
        for match in pattern.finditer(text)
    ]
    return text, _dedupe(refusals)


@dataclasses.dataclass
class _Build:
    config: str
    status: str = ADMITTED
    output: str = ""
    direct_includes: list = dataclasses.field(default_factory=list)
    lines: list = dataclasses.field(default_factory=list)
    symbols: list = dataclasses.field(default_factory=list)  # (type, mangled, demangled)
    relocations: dict = dataclasses.field(default_factory=dict)  # section -> [symbol]
    # It includes a file that is neither allowed nor a system header, or its line markers name
    # one: it was not compiled, and nothing the compiler said is kept (it would quote that file
    # of the host).
    foreign: bool = False
    # Why the gate refused it before compiling it, if it did.
    refusal: Refusal = None


def _quoted(output, foreign):
    """OUTPUT, the compiler's messages, unless one of them is about a file for which FOREIGN is
    true: the compiler quotes the lines it complains about (a #line or an #include naming a
    host file would put that file in the report)."""
    named = {match.group(1) for match in _DIAGNOSTIC.finditer(output)}
    strange = sorted(path for path in named if foreign(path))
    if strange:
        return (
            f"the compiler's messages are left out: they are about {strange[0]}, which is "
            "neither your file nor a header you may include"
        )
    return output


def _build(work, relative, config, flags, foreign, run_as=None):
    """Preprocesses and compiles the learner's file under CONFIG in WORK, unless it includes a
    file for which FOREIGN (path -> bool) is true or its line markers do not add up. The
    compiler, which opens whatever the file includes, runs as RUN_AS (uid, gid) when given.
    """
    build = _Build(config)
    base = [COMPILER] + flags + ["-iquote", ".", "-x", "c++", "-fmax-errors=20"]
    as_user = dict(run_as=run_as, env={"TMPDIR": str(work)})
    # Without the line marker of the working folder that -g adds: only files are marked.
    status, out, err = _run(
        base + ["-fno-working-directory", "-E", "-H", relative], work, **as_user
    )
    if status is None:
        build.refusal = Refusal(
            0,
            "time limit",
            f"your file did not preprocess within {PREPROCESS_TIME_LIMIT} s: does it #include "
            "a device, a pipe or something without end?",
        )
        return build
    text = err.decode("utf-8", "replace")
    # Read before anything else of the output: the files the learner's file opened so far.
    build.direct_includes = [line[2:] for line in text.split("\n") if line.startswith(". ")]
    opened = collections.Counter(
        line.split(" ", 1)[1] for line in text.split("\n") if re.match(r"^\.+ ", line)
    )
    preprocessed = out.decode("utf-8", "replace")
    problem = _marker_problem(preprocessed, relative, opened)
    if any(foreign(include) for include in build.direct_includes) or problem:
        build.foreign = True
        if problem:
            build.refusal = Refusal(0, "line marker", f"{problem}: a kata may not use #line")
        return build
    if status != 0:
        build.status = COMPILE_ERROR
        build.output = _quoted(text, foreign)
        return build
    build.lines = _learner_lines(preprocessed, relative)
    obj = f"gate-{config}.o"
    status, _, err = _run(
        base + ["-c", "-ffunction-sections", "-fdata-sections", relative, "-o", obj],
        work,
        COMPILE_TIME_LIMIT,
        **as_user,
    )
    if status is None:
        build.refusal = Refusal(
            0, "time limit", f"compilation did not finish within {COMPILE_TIME_LIMIT} s"
        )
        return build
    if status != 0:
        build.status = COMPILE_ERROR
        build.output = _quoted(err.decode("utf-8", "replace"), foreign)
        return build
    status, out, _ = _run(["nm", "-P", obj], work, COMPILE_TIME_LIMIT)
    entries = [
        line.split()[:2] for line in out.decode("utf-8", "replace").split("\n") if line.strip()
    ]
    demangled_status, demangled, _ = _run(
        ["c++filt"],
        work,
        COMPILE_TIME_LIMIT,
        stdin="\n".join(name for name, _ in entries).encode(),
    )
    pretty = demangled.decode("utf-8", "replace").split("\n")[: len(entries)]
    relocations_status, relocations, _ = _run(["readelf", "-rW", obj], work, COMPILE_TIME_LIMIT)
    if (status, demangled_status, relocations_status) != (0, 0, 0) or len(pretty) != len(entries):
        build.refusal = Refusal(
            0,
            "object file",
            "the gate could not read the symbols of your compiled file within its limits",
        )
        return build
    build.symbols = [(kind, name, shown) for (name, kind), shown in zip(entries, pretty)]
    section = None
    for line in relocations.decode("utf-8", "replace").split("\n"):
        header = re.match(r"^Relocation section '\.rela(\S+)'", line)
        if header:
            section = header.group(1)
            build.relocations[section] = []
        elif section and re.match(r"^[0-9a-f]{16} ", line):
            fields = line.split()
            if len(fields) >= 5:
                build.relocations[section].append(fields[4])
    return build


# What precedes the entity in a special name: vtable, typeinfo and its name, VTT, construction
# vtable, guard variable, thread-local wrappers, thunks.
_SPECIAL = re.compile(r"^(T[VISTHWC]|G[VR]|Thn?\d+_|Tvn?\d+_n?\d+_)")


def _first_component(mangled):
    """The outermost namespace of an Itanium-mangled name ("std", "threadkata", ...), or "" for
    the global namespace (C symbols and ::f)."""
    name = mangled
    if not name.startswith("_Z"):
        return ""
    name = _SPECIAL.sub("", name[2:])
    while name.startswith("Z"):  # a local entity: the namespace of the function around it
        name = name[1:]
    if name.startswith("N"):
        name = name[1:].lstrip("rVKRO")
    if name.startswith("St") or name[:2] in ("Sa", "Sb", "Ss", "Si", "So", "Sd"):
        return "std"
    match = re.match(r"^(\d+)", name)
    if not match:
        return ""
    length = int(match.group(1))
    return name[len(match.group(1)) : len(match.group(1)) + length]


def _second_component(mangled):
    name = _SPECIAL.sub("", mangled[2:]) if mangled.startswith("_Z") else ""
    match = re.match(r"^Z*N[rVKRO]*(\d+)", name)
    if not match:
        return ""
    rest = name[match.end() + int(match.group(1)) :]
    inner = re.match(r"^(\d+)", rest)
    return rest[len(inner.group(1)) : len(inner.group(1)) + int(inner.group(1))] if inner else ""


def _owner(name, libc):
    """Who a symbol belongs to, for a refusal's message."""
    if name.startswith(("__tsan_", "__asan_", "__ubsan_", "__sanitizer_", "__lsan_")):
        return "the sanitizer runtime"
    first = _first_component(name)
    if first == "testing":
        return "GoogleTest"
    if first == "rc":
        return "RapidCheck"
    if first in ("std", "__gnu_cxx", "__cxxabiv1"):
        return "the C++ standard library"
    if first == "threadkata" and _second_component(name) == "testing":
        return "the tests' support library"
    if name in libc:
        return "the C library"
    return ""


def _api(root, lesson):
    """(qualified names the lesson's header declares, its namespaces, its classes)."""
    import clang.cindex  # pylint: disable=import-outside-toplevel

    names, namespaces, classes = set(), set(), set()
    index = clang.cindex.Index.create()
    for header in sorted((pathlib.Path(root) / "katas" / lesson.folder).glob("*.h")):
        unit = index.parse(str(header), args=["-x", "c++", "-std=c++20", f"-iquote{root}"])

        def walk(cursor, scope):
            for child in cursor.get_children():
                if child.location.file is None or pathlib.Path(child.location.file.name) != header:
                    continue
                kind = child.kind.name
                qualified = "::".join(scope + [child.spelling])
                if kind == "NAMESPACE":
                    namespaces.add(qualified)
                    walk(child, scope + [child.spelling])
                elif kind in ("CLASS_DECL", "STRUCT_DECL", "CLASS_TEMPLATE"):
                    classes.add(qualified)
                    walk(child, scope + [child.spelling])
                elif kind in (
                    "FUNCTION_DECL",
                    "CXX_METHOD",
                    "CONSTRUCTOR",
                    "DESTRUCTOR",
                    "VAR_DECL",
                    "FUNCTION_TEMPLATE",
                    "CONVERSION_FUNCTION",
                ):
                    names.add(qualified)

        walk(unit.cursor, [])
    return names, namespaces, classes


# Declarations that can hold definitions of members: walked into for _foreign_definitions.
_SCOPES = {
    "NAMESPACE",
    "CLASS_DECL",
    "STRUCT_DECL",
    "UNION_DECL",
    "CLASS_TEMPLATE",
    "CLASS_TEMPLATE_PARTIAL_SPECIALIZATION",
    "LINKAGE_SPEC",
}


def _named_namespaces(cursor):
    """The qualified name of the named namespaces around CURSOR's entity ("std::chrono"), the
    anonymous ones left out: where the entity belongs, wherever it is written."""
    names = []
    parent = cursor.semantic_parent
    while parent is not None and parent.kind.name != "TRANSLATION_UNIT":
        if parent.kind.name == "NAMESPACE" and parent.spelling:
            names.append(parent.spelling)
        parent = parent.semantic_parent
    return "::".join(reversed(names))


def _foreign_definitions(unit, relative, namespaces):
    """Refusals for what the learner's file defines that belongs to another namespace than the
    lesson's (or the global one): an out-of-class definition or a specialisation of something
    of the standard library, such as `std::chrono::steady_clock::now()`, is emitted as a weak
    symbol that the linker then takes, for every caller, over the library's own."""
    refusals = []

    def walk(cursor):
        for child in cursor.get_children():
            location = child.location
            if location.file is None or not location.file.name.endswith(relative):
                continue
            if child.kind.name != "NAMESPACE" and child.is_definition():
                owner = _named_namespaces(child)
                if owner and owner not in namespaces:
                    refusals.append(
                        Refusal(
                            location.line,
                            f"definition in {owner}",
                            f"your file defines {child.displayname} of namespace {owner}: a "
                            "kata defines only its lesson's functions and its own helpers "
                            f"({', '.join(sorted(namespaces))} or an anonymous namespace); "
                            "it never replaces a part of the standard library",
                        )
                    )
                    continue
            if child.kind.name in _SCOPES:
                walk(child)

    walk(unit.cursor)
    return refusals


def _learners_cursors(unit, relative):
    """Every cursor of UNIT written in the learner's file RELATIVE, at any depth."""
    todo = [unit.cursor]
    while todo:
        for child in todo.pop().get_children():
            if child.location.file is not None and child.location.file.name.endswith(relative):
                yield child
                todo.append(child)


def _written_at(lines, location, name):
    """Whether NAME is written in LINES (the learner's file, as bytes: clang's columns count
    bytes) where LOCATION points, not made by the compiler there (a comparison rewritten with
    <=> refers to the library's __unspec)."""
    if not 0 < location.line <= len(lines):
        return False
    text = lines[location.line - 1]
    start = location.column - 1
    end = start + len(name.encode())
    after = text[end : end + 1]
    return text[start:end] == name.encode() and not (after.isalnum() or after == b"_")


def _katas_own(declaration):
    """Whether DECLARATION stands in the learner's file or the lesson's header, both under
    katas/ in the gate's work folder: the code whose insides the rules see, and the lesson's
    API, as opposed to the library's."""
    where = declaration.location.file
    return where is not None and "katas/" in where.name


def _library_internals(unit, relative, lines):
    """Refusals for names the learner's file uses that the library keeps for itself: a name
    that starts with an underscore, declared in a header that is not the lesson's (the fields
    of the C library's FILE: `stderr->_fileno = 5` turns stderr into a writer of any open
    file). The source rules already refuse `__x` and `_X`; `_x` is reserved only at global
    scope, so a learner may still name their own members `_count`. The C functions the file
    calls (`_exit`) are left to the rules on the object file's references."""
    refusals = {}
    for cursor in _learners_cursors(unit, relative):
        location, target = cursor.location, cursor.referenced
        if (
            target is not None
            and target.spelling.startswith("_")
            and _written_at(lines, location, target.spelling)
            and target.spelling not in _RESERVED_FROM_MACROS
            # std::placeholders::_1, _2...: std::bind's public interface.
            and not re.fullmatch(r"_[0-9]+", target.spelling)
            # A C function (lesson 11's _exit) is judged by the object file's references.
            and target.kind.name != "FUNCTION_DECL"
            and target.location.file is not None
            and not _katas_own(target)
        ):
            # One use is several cursors (the call, the reference, the conversion).
            refusals[(location.line, target.spelling)] = Refusal(
                location.line,
                target.spelling,
                f"your file uses {target.spelling}, a part of the library's own "
                f"workings (declared in {pathlib.Path(target.location.file.name).name}): "
                "a kata uses only the documented interface of the standard library",
            )
    return list(refusals.values())


# Kinds of canonical types, as libclang names them.
_ARITHMETIC = {
    "BOOL",
    "CHAR_U",
    "UCHAR",
    "CHAR16",
    "CHAR32",
    "USHORT",
    "UINT",
    "ULONG",
    "ULONGLONG",
    "UINT128",
    "CHAR_S",
    "SCHAR",
    "WCHAR",
    "SHORT",
    "INT",
    "LONG",
    "LONGLONG",
    "INT128",
    "FLOAT",
    "DOUBLE",
    "LONGDOUBLE",
    "FLOAT128",
    "HALF",
    "FLOAT16",
    "ENUM",
}
_BYTES = {"CHAR_U", "UCHAR", "CHAR_S", "SCHAR"}
_POINTERS = {
    "POINTER",
    "MEMBERPOINTER",
    "BLOCKPOINTER",
    "FUNCTIONPROTO",
    "FUNCTIONNOPROTO",
}
_REINTERPRETING = (
    "a kata never looks at memory as another type than it has: that is how a file reaches the "
    "insides of the test program (the C library's FILE, GoogleTest's results, a function the "
    "gate does not let it call). send(), recv() and std::memcpy take the address of a number "
    "as it is (send(fd, &size, sizeof size, MSG_NOSIGNAL)); a pointer is printed by nothing"
)


def _canonical(type_):
    return type_.get_canonical()


def _unqualified(type_):
    return _canonical(type_).spelling.removeprefix("const ").removeprefix("volatile ")


def _is_byte(type_):
    type_ = _canonical(type_)
    return type_.kind.name in _BYTES or type_.spelling.removeprefix("const ") == "std::byte"


def _plain_data(type_):
    """Numbers only: arithmetic, an enumeration (std::byte too), an array of plain data, or a
    class with no base, no virtual function and only plain data fields (std::array<char, 8>, a
    learner's frame header). Its bytes hold no address and no pointer to a vtable, so copying
    them as raw memory can neither reveal one nor forge one."""
    type_ = _canonical(type_)
    kind = type_.kind.name
    if kind in _ARITHMETIC:
        return True
    if kind in ("CONSTANTARRAY", "INCOMPLETEARRAY"):
        return _plain_data(type_.element_type)
    if kind != "RECORD":
        return False
    declaration = type_.get_declaration()
    # Only records whose insides the gate sees whole: the learner's own, the lesson's, and
    # std::array. libclang lists no base and no field of some of the library's classes (an
    # explicit instantiation such as std::ostream), which would look plain.
    if not _katas_own(declaration) and not _unqualified(type_).startswith("std::array<"):
        return False
    for member in declaration.get_children():
        if member.kind.name == "CXX_BASE_SPECIFIER" or (
            member.kind.name in ("CXX_METHOD", "DESTRUCTOR") and member.is_virtual_method()
        ):
            return False
    return all(_plain_data(field.type) for field in type_.get_fields())


def _converts(source, target):
    """Whether a cast from SOURCE to TARGET (canonical types) only converts: the same type, one
    number to another (an enumeration is a number), or a pointer to the same type with more
    const."""
    if _unqualified(source) == _unqualified(target):
        return True
    if source.kind.name in _ARITHMETIC and target.kind.name in _ARITHMETIC:
        return True
    if source.kind.name == "POINTER" and target.kind.name == "POINTER":
        source, target = _canonical(source.get_pointee()), _canonical(target.get_pointee())
        return _unqualified(source) == _unqualified(target) and (
            target.is_const_qualified() or not source.is_const_qualified()
        )
    return False


def _to_reference(cast, operand):
    """Whether CAST, a C-style or functional cast, names a reference type (an & before its
    operand)."""
    start = operand.extent.start.offset
    return any(
        token.spelling in ("&", "&&") and token.extent.start.offset < start
        for token in cast.get_tokens()
    )


def _downcast(operand, to):
    """Whether a cast of OPERAND to TO (canonical) goes from a class to another one, through
    pointers or references: derived to base needs no cast, so it is base to derived."""
    if operand is None:
        return False
    source = _canonical(operand.type)
    if to.kind.name in ("POINTER", "LVALUEREFERENCE", "RVALUEREFERENCE"):
        to = _canonical(to.get_pointee())
        if source.kind.name == "POINTER":
            source = _canonical(source.get_pointee())
    return (
        to.kind.name == "RECORD"
        and source.kind.name == "RECORD"
        and _unqualified(source) != _unqualified(to)
    )


def _operand(cursor):
    operands = [child for child in cursor.get_children() if child.kind.is_expression()]
    return operands[-1] if operands else None


def _reinterpretation(cursor):
    """Why CURSOR, an expression of the learner's file, looks at memory as another type than it
    has, or ''."""
    kind = cursor.kind.name
    to = _canonical(cursor.type)
    if kind == "CXX_REINTERPRET_CAST_EXPR":
        return "reinterpret_cast"
    if kind in (
        "CSTYLE_CAST_EXPR",
        "CXX_FUNCTIONAL_CAST_EXPR",
    ) and to.kind.name not in (
        "VOID",
        "RECORD",
    ):
        # Clang writes a cast that only converts, (double)count, as one over an implicit
        # conversion to the same type; what reinterprets ((char*)stdout, (long&)x,
        # std::uintptr_t(&f)) converts an operand of another type itself.
        operand = _operand(cursor)
        if operand is None or not (
            _converts(_canonical(operand.type), to)
            # A cast to a reference, (long&)seconds, has the type it refers to: it converts
            # nothing, it looks at the operand's memory as that type.
            and (
                _unqualified(operand.type) == _unqualified(to) or not _to_reference(cursor, operand)
            )
        ):
            return "a cast that reinterprets (write static_cast<T>(x) for a conversion)"
    if kind == "UNION_DECL":
        return "a union"
    if kind in ("CXX_STATIC_CAST_EXPR", "CSTYLE_CAST_EXPR") and _downcast(_operand(cursor), to):
        return "a cast down to a class the object may not be (use dynamic_cast, or keep its type)"
    if to.spelling.removeprefix("const ") == "_IO_FILE":
        return "a FILE itself (it is opaque: pass stdout or stderr to the stdio functions)"
    operand = _operand(cursor)
    if kind == "CALL_EXPR" and cursor.referenced is not None:
        name = cursor.referenced.spelling
        arguments = list(cursor.get_arguments())
        if name == "bit_cast" and not (
            _plain_data(to) and all(_plain_data(a.type) for a in arguments)
        ):
            return "std::bit_cast of something that is not a number"
        if name in ("as_bytes", "as_writable_bytes") and not all(
            _canonical(a.type).get_num_template_arguments() > 0
            and _plain_data(_canonical(a.type).get_template_argument_type(0))
            for a in arguments
        ):
            return f"std::{name} of something that is not a number"
        if cursor.referenced.type.kind.name == "FUNCTIONPROTO" and (
            cursor.referenced.type.is_function_variadic()
        ):
            fixed = len(cursor.referenced.type.argument_types())
            for argument in arguments[fixed:]:
                type_ = _canonical(argument.type)
                if type_.kind.name in _POINTERS and not _is_byte(type_.get_pointee()):
                    return f"a pointer passed to {name}(...) (which prints it as a number)"
                # A class passed through "..." is its bytes, addresses included.
                if type_.kind.name not in _POINTERS and type_.kind.name not in _ARITHMETIC:
                    return (
                        f"a {argument.type.spelling} passed to {name}(...) (numbers and text only)"
                    )
            if 0 < fixed <= len(arguments):
                why = _format_problem(arguments[fixed - 1])
                if why:
                    return f"{why} in {name}(...)"
        if name == "operator<<" and any(
            _canonical(a.type).kind.name in _POINTERS
            and not _is_byte(_canonical(a.type).get_pointee())
            # A manipulator (std::endl): a function the stream calls.
            and _canonical(_canonical(a.type).get_pointee()).kind.name != "FUNCTIONPROTO"
            for a in arguments
        ):
            return "a pointer written to a stream (which prints its address as a number)"
    if kind == "CXX_NEW_EXPR" and _placement(cursor):
        return "a placement new (an object made in memory that holds another type)"
    why = _pointer_arithmetic(cursor)
    if why:
        return why
    if to.spelling.startswith("std::hash<") and to.get_num_template_arguments() > 0:
        if _canonical(to.get_template_argument_type(0)).kind.name in _POINTERS:
            return "std::hash of a pointer (a pointer's address as a number)"
    if operand is None:
        return ""
    source = _canonical(operand.type)
    if kind in ("UNEXPOSED_EXPR", "CXX_STATIC_CAST_EXPR") and to.kind.name == "POINTER":
        to_pointee = _canonical(to.get_pointee())
        if source.kind.name == "POINTER":
            from_pointee = _canonical(source.get_pointee())
            if to_pointee.kind.name == "VOID" and from_pointee.kind.name != "VOID":
                if not _plain_data(from_pointee):
                    return f"a {source.spelling} used as raw memory (void*: keep its own type)"
            elif from_pointee.kind.name == "VOID" and to_pointee.kind.name != "VOID":
                if not _plain_data(to_pointee):
                    return f"raw memory (void*) used as a {to.spelling}"
    return ""


def _bare(cursor):
    """CURSOR without the implicit conversions and parentheses around it."""
    while cursor.kind.name in ("UNEXPOSED_EXPR", "PAREN_EXPR"):
        inner = [child for child in cursor.get_children() if child.kind.is_expression()]
        if len(inner) != 1:
            break
        cursor = inner[0]
    return cursor


def _is_pointer(cursor):
    return _canonical(cursor.type).kind.name == "POINTER"


_NULLS = {"CXX_NULL_PTR_LITERAL_EXPR", "GNU_NULL_EXPR", "INTEGER_LITERAL"}
_CASTS = {
    "CSTYLE_CAST_EXPR",
    "CXX_STATIC_CAST_EXPR",
    "CXX_FUNCTIONAL_CAST_EXPR",
    "CXX_CONST_CAST_EXPR",
}


def _origin(cursor, depth=0):
    """Where the address in CURSOR, a pointer operand, comes from when no kata's arithmetic may
    start there: "a null pointer" (nullptr, or a variable that starts as one: initialised to
    it, or to nothing), "the library's memory" (what a C function returns: strerror(), &errno),
    or ''. Followed through casts, & and *, and the initialisers of pointer variables.
    """
    bare = _bare(cursor)
    kind = bare.kind.name
    inner = [child for child in bare.get_children() if child.kind.is_expression()]
    if depth > 8:
        return ""
    if kind in _NULLS:
        return "a null pointer"
    if kind in _CASTS or (kind == "UNARY_OPERATOR" and len(inner) == 1):
        return _origin(inner[-1], depth + 1) if inner else ""
    if kind == "CALL_EXPR" and bare.referenced is not None:
        function = bare.referenced
        # The C library's (strerror(), errno's __errno_location()); std::begin(buffer) and the
        # like point into what they are given.
        if (
            function.kind.name == "FUNCTION_DECL"
            and not _katas_own(function)
            and not _qualified(function).startswith("std::")
        ):
            return "the library's memory"
        return ""
    if kind == "DECL_REF_EXPR" and bare.referenced is not None and _is_pointer(bare):
        declaration = bare.referenced
        if declaration.kind.name != "VAR_DECL":
            return ""
        initial = [child for child in declaration.get_children() if child.kind.is_expression()]
        if not initial:
            return "a null pointer"
        value = _bare(initial[-1])
        if value.kind.name == "INIT_LIST_EXPR":
            values = [child for child in value.get_children() if child.kind.is_expression()]
            return _origin(values[0], depth + 1) if values else "a null pointer"
        return _origin(value, depth + 1)
    return ""


def _root(cursor, depth=0):
    """The declaration of the object whose address CURSOR, a pointer expression, computes from
    (buffer in buffer + 4, &buffer[2], or a pointer variable initialised to one), or None.
    """
    bare = _bare(cursor)
    kind = bare.kind.name
    if depth > 8:
        return None
    if kind in ("DECL_REF_EXPR", "MEMBER_REF_EXPR"):
        declaration = bare.referenced
        if declaration is not None and declaration.kind.name == "VAR_DECL" and _is_pointer(bare):
            initial = [child for child in declaration.get_children() if child.kind.is_expression()]
            if initial:
                return _root(initial[-1], depth + 1)
        return declaration
    operands = [child for child in bare.get_children() if child.kind.is_expression()]
    if kind in ("ARRAY_SUBSCRIPT_EXPR", "UNARY_OPERATOR", "BINARY_OPERATOR") and operands:
        pointers = [
            o
            for o in operands
            if _is_pointer(o)
            or _canonical(o.type).kind.name in ("CONSTANTARRAY", "INCOMPLETEARRAY")
        ]
        return _root((pointers or operands)[0], depth + 1)
    return None


def _pointer_arithmetic(cursor):
    """Why CURSOR makes an address of a number or a number of addresses, or ''. From a null
    pointer, pointer arithmetic turns any number into an address; the distance between two
    objects turns an address into a number (or tells one build from another). Moving through
    one object (bytes += sent, buffer[i], end - begin within one array) does neither."""
    kind = cursor.kind.name
    operands = [child for child in cursor.get_children() if child.kind.is_expression()]
    moved = []
    spellings = [token.spelling for token in cursor.get_tokens()]
    if kind in ("ARRAY_SUBSCRIPT_EXPR", "COMPOUND_ASSIGNMENT_OPERATOR") or (
        kind == "UNARY_OPERATOR" and {"++", "--"} & {*spellings[:1], *spellings[-1:]}
    ):
        moved = operands[:1]
    elif kind == "BINARY_OPERATOR" and len(operands) == 2 and _operator_token(cursor) in ("+", "-"):
        left, right = operands
        if _is_pointer(left) and _is_pointer(right):
            roots = (_root(left), _root(right))
            if roots[0] is None or roots[1] is None or roots[0] != roots[1]:
                return "the distance between two objects' addresses (an address as a number)"
            return ""
        moved = operands
    for operand in moved:
        origin = _is_pointer(operand) and _origin(operand)
        if origin:
            return f"arithmetic on {origin} (a number made an address, or a look beyond it)"
    return ""


def _placement(cursor):
    """Whether CURSOR, a new expression, has a place: new (where) T."""
    spellings = [token.spelling for token in cursor.get_tokens()]
    at = spellings.index("new") if "new" in spellings else -1
    return 0 <= at < len(spellings) - 1 and spellings[at + 1] == "("


# A printf conversion: %% is a percent sign; %p prints an address, %n writes through a pointer.
# A positional argument (%1$p) is read the same way.
_CONVERSION = re.compile(r"%%|%[-+ #0'*.0-9hlLqjzt$]*([A-Za-z])")


def _format_problem(argument):
    """Why ARGUMENT, the format of a printf-like call, could turn an address into a number (or
    write through a pointer), or ''."""
    literals = [argument] + list(argument.walk_preorder())
    literal = next((c for c in literals if c.kind.name == "STRING_LITERAL"), None)
    if literal is None:
        return "a format that is not a string literal"
    if any(m.group(1) in ("p", "n") for m in _CONVERSION.finditer(literal.spelling)):
        return "a %p or %n conversion"
    return ""


def _reinterpretations(unit, relative):
    """Refusals for what in the learner's file looks at memory as another type than it has:
    casts that reinterpret, unions, raw memory (void*) of anything but numbers, std::bit_cast,
    std::hash or a variadic function's argument that turns an address into a number, and a
    FILE taken by value. With them a file reads and writes the test program's memory: turns
    stderr into a writer of any open file, reaches a function the gate refuses."""
    refusals = {}
    for cursor in _learners_cursors(unit, relative):
        if cursor.kind.is_expression() or cursor.kind.name == "UNION_DECL":
            why = _reinterpretation(cursor)
            if why:
                line = cursor.location.line
                refusals.setdefault(
                    (line, why),
                    Refusal(line, why, f"your file uses {why}: {_REINTERPRETING}"),
                )
    return list(refusals.values())


_TEMPLATES = {
    "FUNCTION_TEMPLATE",
    "CLASS_TEMPLATE",
    "CLASS_TEMPLATE_PARTIAL_SPECIALIZATION",
    "TYPE_ALIAS_TEMPLATE_DECL",
}


def _dependent(type_):
    """Whether TYPE_ is known only where the template around it is used."""
    canonical = _canonical(type_)
    return canonical.kind.name == "DEPENDENT" or "type-parameter-" in canonical.spelling


def _member_name(cursor):
    tokens = [token.spelling for token in cursor.get_tokens()]
    return tokens[-1] if tokens else ""


def _dependent_use(cursor, parent, lambda_):
    """Why CURSOR, an expression whose type is known only where its generic lambda is used,
    does more than the rules can vouch for without its type, or ''. Such a value may be named,
    have its members called, be compared, and be passed to a call of its own (the lambda's
    `self(self, ...)`); it may not be converted, cast, printed or handed to the library, where
    its type would decide what happens."""
    kind = cursor.kind.name
    if kind == "DECL_REF_EXPR":
        if cursor.referenced is None or cursor.referenced.kind.name not in (
            "PARM_DECL",
            "VAR_DECL",
        ):
            return "a call of the library with it"
    elif kind == "MEMBER_REF_EXPR":
        if _member_name(cursor).startswith("_"):
            return f"its member {_member_name(cursor)}"
    elif kind == "CALL_EXPR":
        callee = next(cursor.get_children(), None)
        if callee is None or not (
            callee.kind.name == "MEMBER_REF_EXPR"
            or (
                callee.kind.name == "DECL_REF_EXPR"
                and callee.referenced is not None
                and callee.referenced.kind.name in ("PARM_DECL", "VAR_DECL")
            )
            or _lessons_own(callee)
        ):
            return "a call of the library with it"
    elif kind == "BINARY_OPERATOR":
        operator = _operator_token(cursor)
        if operator not in ("==", "!=", "<", ">", "<=", ">=", "&&", "||"):
            return f"the operator {operator} on it"
    elif kind == "UNARY_OPERATOR":
        if [token.spelling for token in cursor.get_tokens()][:1] != ["!"]:
            return "an operator on it"
    else:
        return "a cast, a conversion or an operator on it"
    parent_kind = parent.kind.name
    if parent_kind in ("COMPOUND_STMT", "IF_STMT", "WHILE_STMT", "DO_STMT", "FOR_STMT"):
        return ""
    if parent_kind == "VAR_DECL" and _dependent(parent.type):
        return ""
    if parent_kind == "RETURN_STMT" and lambda_ is not None and not _declares_return(lambda_):
        return ""  # its type is the lambda's
    if parent.kind.is_expression() and _dependent(parent.type):
        return ""  # judged in its turn
    return "a conversion of it to a type of its own"


def _overloads(cursor):
    """The declarations an OVERLOADED_DECL_REF cursor names (clang 14's Python binding has no
    call for them)."""
    import clang.cindex  # pylint: disable=import-outside-toplevel

    library = clang.cindex.conf.lib
    count = library.clang_getNumOverloadedDecls
    count.argtypes, count.restype = [clang.cindex.Cursor], ctypes.c_uint
    get = library.clang_getOverloadedDecl
    get.argtypes, get.restype = [
        clang.cindex.Cursor,
        ctypes.c_uint,
    ], clang.cindex.Cursor
    return [get(cursor, i) for i in range(count(cursor))]


def _lessons_own(callee):
    """Whether CALLEE, the function part of a call, names only functions declared in the
    lesson's header or the learner's file (katas/), whatever the argument types pick."""
    names = [callee] + list(callee.get_children())
    declarations = []
    for name in names:
        if name.kind.name == "OVERLOADED_DECL_REF":
            declarations += _overloads(name)
        elif name.kind.name == "DECL_REF_EXPR" and name.referenced is not None:
            if name.referenced.kind.name in _FUNCTIONS:
                declarations.append(name.referenced)
    return bool(declarations) and all(_katas_own(d) for d in declarations)


def _declares_return(lambda_):
    """Whether LAMBDA_ writes its return type (`-> T` before its body)."""
    body = next((c for c in lambda_.get_children() if c.kind.name == "COMPOUND_STMT"), None)
    end = body.extent.start.offset if body is not None else lambda_.extent.end.offset
    return any(
        token.spelling == "->" and token.extent.start.offset < end for token in lambda_.get_tokens()
    )


def _operator_token(cursor):
    """The operator of a binary expression: the first token after its left operand."""
    left = next(cursor.get_children(), None)
    for token in cursor.get_tokens():
        if left is not None and token.extent.start.offset >= left.extent.end.offset:
            return token.spelling
    return ""


def _own_templates(unit, relative):
    """Refusals for templates of the learner's own and for what a generic lambda (one with an
    auto parameter) does with values of a type known only where it is used: the rules above
    check code by its types, so a cast or a library internal there would pass unseen."""
    refusals = {}
    todo = [(child, unit.cursor, None) for child in unit.cursor.get_children()]
    while todo:
        cursor, parent, lambda_ = todo.pop()
        if cursor.location.file is None or not cursor.location.file.name.endswith(relative):
            continue
        inner = cursor if cursor.kind.name == "LAMBDA_EXPR" else lambda_
        todo.extend((child, cursor, inner) for child in cursor.get_children())
        line = cursor.location.line
        if cursor.kind.name in _TEMPLATES:
            todo = [item for item in todo if item[1] != cursor]
            refusals.setdefault(
                line,
                Refusal(
                    line,
                    "a template of your own",
                    "your file declares a template: the gate cannot check code whose types are "
                    "known only where it is used. Write it for the types you use",
                ),
            )
        elif cursor.kind.is_expression() and _dependent(cursor.type):
            why = _dependent_use(cursor, parent, lambda_)
            if why:
                refusals.setdefault(
                    line,
                    Refusal(
                        line,
                        "a lambda with an auto parameter",
                        f"your file's lambda with an auto parameter does {why}: the gate cannot "
                        "check what that does before the lambda is used. Give the parameter its "
                        "type ([](std::thread& t) { t.join(); })",
                    ),
                )
    return list(refusals.values())


_FUNCTIONS = {"FUNCTION_DECL", "CXX_METHOD", "FUNCTION_TEMPLATE", "CONVERSION_FUNCTION"}
# The library's member functions a file may hand on (std::mem_fn(&std::thread::join), a
# projection): each only waits for or lets go of a thread, whatever calls it.
_MEMBERS_AS_VALUES = {
    f"std::{cls}::{member}"
    for cls in ("thread", "jthread")
    for member in ("join", "detach", "joinable", "request_stop")
}


def _qualified(cursor):
    """CURSOR's name with its namespaces and classes: std::thread::join."""
    names = []
    while cursor is not None and cursor.kind.name != "TRANSLATION_UNIT":
        if cursor.spelling:
            names.append(cursor.spelling)
        cursor = cursor.semantic_parent
    return "::".join(reversed(names))


def _functions_as_values(unit, relative):
    """Refusals for the library's functions used other than by calling them: taken by address,
    stored, passed on. Called through a pointer, a function escapes the rules on calls (a
    variadic one prints addresses, std::bit_cast makes a function of a number), and its address
    is a number to compute other functions' from."""
    cursors = list(_learners_cursors(unit, relative))
    called = set()
    for call in cursors:
        if call.kind.name != "CALL_EXPR" or call.referenced is None:
            continue
        # A stream's manipulators (std::endl, std::fixed) are functions handed to << and >>.
        streamed = call.referenced.spelling in ("operator<<", "operator>>")
        for child in call.get_children():
            inner = list(child.get_children()) if child.kind.name == "UNEXPOSED_EXPR" else []
            callee = inner[0] if len(inner) == 1 else child
            if callee.kind.name == "DECL_REF_EXPR" and (
                callee.referenced == call.referenced or streamed
            ):
                called.add((callee.extent.start.offset, callee.extent.end.offset))
    refusals = {}
    for cursor in cursors:
        target = cursor.referenced
        if (
            cursor.kind.name == "DECL_REF_EXPR"
            and target is not None
            and target.kind.name in _FUNCTIONS
            and _qualified(target) not in _MEMBERS_AS_VALUES
            # An operator used as one (a << b) is called where it is written; named, as in
            # &std::ostream::operator<<, it is a value like any function.
            and (
                not target.spelling.startswith("operator")
                or "operator" in (token.spelling for token in cursor.get_tokens())
            )
            and (cursor.extent.start.offset, cursor.extent.end.offset) not in called
            and target.location.file is not None
            and not _katas_own(target)
        ):
            line = cursor.location.line
            refusals.setdefault(
                (line, target.spelling),
                Refusal(
                    line,
                    f"{target.spelling} as a value",
                    f"your file uses the library's {target.spelling} as a value (its address, "
                    "a pointer or a reference to it) instead of calling it: a kata calls the "
                    "library's functions where it needs them. To hand one on, wrap the call in "
                    "a lambda with the function's parameter types, as in "
                    "[](long x) { return std::labs(x); }",
                ),
            )
    return list(refusals.values())


# The library's classes whose virtual functions the program's streams call: a class of the
# file's own derived from one of them runs its code inside the tests' and GoogleTest's output
# and input, once installed.
_STREAM_BASES = re.compile(
    r"^std::(__cxx11::)?(basic_streambuf|basic_stringbuf|basic_syncbuf|basic_ios|ios_base"
    r"|basic_[io]?stream|basic_iostream|basic_[io]?stringstream|basic_osyncstream|locale"
    rf"|{_FACETS})(_byname)?\b"
)


# The library's functions that hand back the pointer they are given, or make one of an
# address: with them a null pointer, or any number, becomes an address that the null-origin
# rule does not follow (std::launder(nullptr) + n), and a coroutine handle calls whatever code
# an address holds (from_address(p).resume()).
_LAUNDERERS = re.compile(
    r"^std::(__n4861::)?(launder|assume_aligned|to_address|start_lifetime_as\w*"
    r"|coroutine_handle|noop_coroutine\w*|coroutine_traits|pointer_traits)\b"
)


def _launderers(unit, relative):
    """Refusals for the library's functions that turn a pointer or an address into another
    pointer the rules cannot follow, used in the learner's file."""
    refusals = {}
    for cursor in _learners_cursors(unit, relative):
        target = cursor.referenced
        if target is None or cursor.kind.name == "CXX_BASE_SPECIFIER":
            continue
        name = _qualified(target)
        if _LAUNDERERS.match(name):
            line = cursor.location.line
            refusals.setdefault(
                (line, name.split("::")[-1]),
                Refusal(
                    line,
                    name,
                    f"your file uses {name}: it makes a pointer of an address without saying "
                    "where it points, which is how a file reaches the insides of the test "
                    "program. A kata keeps each pointer to the object it was taken from",
                ),
            )
    return list(refusals.values())


def _stream_hooks(unit, relative):
    """Refusals for classes of the learner's file derived from the library's streams, stream
    buffers, locales or facets."""
    refusals = {}
    for cursor in _learners_cursors(unit, relative):
        if cursor.kind.name != "CXX_BASE_SPECIFIER":
            continue
        # The class itself, not the alias written (std::streambuf is std::basic_streambuf).
        declaration = cursor.type.get_canonical().get_declaration()
        if declaration is None or not declaration.spelling:
            continue
        base = _qualified(declaration)
        if _STREAM_BASES.match(base):
            line = cursor.location.line
            refusals.setdefault(
                (line, base),
                Refusal(
                    line,
                    f"a class derived from {base}",
                    f"your file derives a class from {base}: the program's streams, the tests' "
                    "and GoogleTest's included, would run its code. Write to the std::ostream "
                    "you are given, or format into a std::ostringstream",
                ),
            )
    return list(refusals.values())


def _global_state(work, relative, namespaces):
    """Refusals for namespace-scope objects built before main or destroyed after it, for
    definitions that belong to another namespace than the lesson's NAMESPACES, for the
    library's internals used by name, for memory looked at as another type, for templates of
    the file's own and for the library's functions used as values."""
    import clang.cindex  # pylint: disable=import-outside-toplevel

    index = clang.cindex.Index.create()
    unit = index.parse(
        relative,
        args=[
            "-x",
            "c++",
            "-std=c++20",
            "-iquote",
            ".",
            "-Wglobal-constructors",
            "-Wexit-time-destructors",
            f"-working-directory={work}",
        ],
    )
    refusals = []
    for diagnostic in unit.diagnostics:
        option = diagnostic.option or ""
        location = diagnostic.location
        if location.file is None or not location.file.name.endswith(relative):
            continue
        if diagnostic.severity >= clang.cindex.Diagnostic.Error:
            # What clang cannot read, it does not check: the file is refused, not admitted
            # unchecked (GCC 12 accepts a few constructs clang 14 does not).
            refusals.append(
                Refusal(
                    location.line,
                    "unparsable",
                    f"the gate's C++ parser (clang) cannot read this line: {diagnostic.spelling}; "
                    "write it another way",
                )
            )
        elif option in ("-Wglobal-constructors", "-Wexit-time-destructors"):
            what = (
                "runs code after main (a destructor at exit)"
                if "destructor" in diagnostic.spelling
                else "runs code before main (a global constructor)"
            )
            refusals.append(
                Refusal(
                    location.line,
                    option[2:],
                    f"{diagnostic.spelling}: this object {what}; keep state inside your "
                    "classes and functions, or make it constinit with a trivial destructor "
                    '(a constant text: constexpr std::string_view kName = "...";)',
                )
            )
    return (
        refusals
        + _foreign_definitions(unit, relative, namespaces)
        + _library_internals(
            unit, relative, (pathlib.Path(work) / relative).read_bytes().split(b"\n")
        )
        + _reinterpretations(unit, relative)
        + _own_templates(unit, relative)
        + _functions_as_values(unit, relative)
        + _stream_hooks(unit, relative)
        + _launderers(unit, relative)
    )


def _global_state_within_limit(work, relative, namespaces):
    """_global_state() in a child process: libclang reads the includes too, under a time limit."""
    status, out, err = _run(
        [
            sys.executable,
            "-B",
            "-m",
            __spec__.name,
            "--global-state",
            relative,
            ",".join(sorted(namespaces)),
        ],
        work,
        COMPILE_TIME_LIMIT,
        env={"PYTHONPATH": str(pathlib.Path(__file__).resolve().parents[1])},
    )
    if status is None:
        return [Refusal(0, "time limit", f"parsing did not finish within {COMPILE_TIME_LIMIT} s")]
    if status != 0:
        # The parse of a file g++ compiled fails only on what the gate cannot vouch for (a crash
        # of libclang on a pathological file, its memory limit): the file is refused.
        return [
            Refusal(
                0,
                "unparsable",
                "the gate's parser (libclang) could not read your file within its limits "
                f"(status {status}): simplify it",
            )
        ]
    return [Refusal(**r) for r in json.loads(out)]


def _symbol_refusals(build, lesson, api, classes, libc, source_tokens):
    """Refusals for what BUILD's object defines and references."""
    refusals = []
    named = {}
    for token in source_tokens:
        if token.kind == "ident":
            # The first mention: C++ declares a name before it uses it.
            named.setdefault(token.text, token.line)
    extra = LESSON_ALLOWANCES.get(lesson.folder, {}).get("symbols", set())
    where = CONFIG_NAMES[build.config]
    defined_functions = set()
    for kind, name, pretty in build.symbols:
        plain = re.sub(r"\[abi:\w+\]", "", pretty).split("(", 1)[0]
        short = re.split(r"::|\s", plain)[-1] if plain else name
        line = named.get(short, named.get(name, 0))
        if kind in ("U", "w", "v") and _WALL_CLOCK.search(pretty):
            refusals.append(Refusal(line, pretty, _WALL_CLOCK_MESSAGE.format(pretty, where)))
            continue
        if kind in ("U", "w", "v"):
            allowed = (
                name in _C_SYMBOLS
                or name in extra
                or (name in _ONLY_THROUGH_STD and name not in named)
                or _FUNDAMENTAL_TYPEINFO.match(name)
                or (build.config == "tsan" and name.startswith("__tsan_"))
                or (build.config == "asan" and name.startswith(("__asan_", "__ubsan_")))
                or re.match(r"^_Z(n[wa]|d[la])", name)
                or (
                    _first_component(name) in ("std", "__gnu_cxx", "__cxxabiv1")
                    and not _STD_DENIED.search(pretty)
                )
                or (_first_component(name) in api[1] and _second_component(name) != "testing")
            )
            if not allowed:
                owner = _owner(name, libc)
                advice = _advice(name, lesson, pretty)
                refusals.append(
                    Refusal(
                        line,
                        pretty,
                        f"your file uses {pretty}"
                        + (f", from {owner}" if owner else "")
                        + f" ({where}): a kata of lesson {lesson.id} may not use it"
                        + (f"; {advice}" if advice else ""),
                    )
                )
            continue
        # Lower case: local to the object (a static function, the anonymous namespace), but for
        # u (a unique global: a static local of an inline function) and i (an ifunc).
        if (kind.islower() and kind not in ("u", "i")) or kind in ("N", "?") or not name:
            if kind == "t":
                defined_functions.add(name)
            continue
        if kind in ("T", "W"):
            defined_functions.add(name)
        first = _first_component(name)
        is_api = (
            first in api[1]
            and _second_component(name) != "testing"
            and (
                plain in api[0]
                # The members of a class the header only declares (an Impl behind a pointer).
                or any(plain.startswith(f"{cls}::") for cls in classes)
                or any(
                    plain.startswith(f"{prefix} {cls}") for cls in classes for prefix in _CLASS_DATA
                )
            )
        )
        compiler_generated = kind in ("W", "V", "u") and (
            name in _PLACEMENT_NEW
            or name.startswith("DW.ref.")
            or _FUNCTION_TYPEINFO.match(name)
            or first in ("std", "__gnu_cxx")
            or (first in api[1] and _second_component(name) != "testing")
        )
        if kind == "i" or not (is_api or compiler_generated):
            owner = _owner(name, libc)
            refusals.append(
                Refusal(
                    line,
                    pretty,
                    f"your file defines {pretty}"
                    + (
                        f", which belongs to {owner}"
                        if owner
                        else ", which is not in the lesson's API"
                    )
                    + f" ({where}); helpers belong in an anonymous namespace",
                )
            )
    for section, targets in build.relocations.items():
        if not _KNOWN_SECTION.match(section):
            refusals.append(
                Refusal(
                    0,
                    section,
                    f"your file puts code or data in the section {section} ({where}): only the "
                    "compiler's usual sections are allowed",
                )
            )
        elif _STARTUP_SECTION.match(section):
            for target in targets:
                if not _COMPILERS_STARTUP.match(target):
                    refusals.append(
                        Refusal(
                            0,
                            f"{section} {target}",
                            f"your file makes {target.removeprefix('.text.')} run before or after "
                            f"main ({section}, {where}): keep code inside the lesson's functions",
                        )
                    )
    if build.config == "tsan":
        for name in sorted(defined_functions):
            # A function that touches no memory has nothing to instrument: one that only
            # returns a string literal refers to the literal alone.
            targets = [
                t
                for t in build.relocations.get(f".text.{name}", [])
                if not re.match(r"^\.(LC\d+|rodata)", t)
            ]
            if targets and not any(t.startswith("__tsan_") for t in targets):
                pretty = next((p for _, n, p in build.symbols if n == name), name)
                refusals.append(
                    Refusal(
                        0,
                        pretty,
                        f"{pretty} is not instrumented by ThreadSanitizer",
                    )
                )
    return refusals


# Tables of functions the loader calls before main or at exit, and what may stand in them: the
# compiler's initialiser of the file's statics (those the gate allows, <iostream>'s) and the
# sanitizers' module constructors and destructors.
# Where a compiler puts what it makes of plain C++ (relocation sections are named after them).
# The debug sections (-g) are never loaded: nothing in them runs or is read by the program.
_KNOWN_SECTION = re.compile(
    r"^\.(text|data|rodata|tdata|eh_frame|gcc_except_table|init_array|fini_array|debug_\w+)"
    r"(\..*)?$"
)
_STARTUP_SECTION = re.compile(r"^\.(init_array|fini_array|preinit_array|ctors|dtors)(\.\d+)?$")
_COMPILERS_STARTUP = re.compile(r"^(\.text\.)?(_GLOBAL__sub_I_\S+|_sub_[ID]_\d+_\d+)$")

# The typeinfo (and its name) of a function type or a pointer to one, which std::function
# makes for its target: the compiler writes it whole, and it names no entity.
_FUNCTION_TYPEINFO = re.compile(r"^_ZT[IS](P|K)*F")
# The typeinfo of a fundamental type (void, int, const char*...), which the C++ runtime defines.
_FUNDAMENTAL_TYPEINFO = re.compile(
    r"^_ZT[IS](P|K)*(v|b|c|a|h|s|t|i|j|l|m|x|y|f|d|e|w|Dn|Ds|Di|Du)$"
)
# <new>'s inline placement forms of operator new and delete (replacing the others is refused).
_PLACEMENT_NEW = {"_ZnwmPv", "_ZnamPv", "_ZdlPvS_", "_ZdaPvS_"}
_CLASS_DATA = ("vtable for", "typeinfo for", "typeinfo name for", "VTT for")


def _libc_symbols():
    status, out, _ = _run(["nm", "-D", "--defined-only", "/lib/x86_64-linux-gnu/libc.so.6"], "/")
    return {line.split()[-1].split("@")[0] for line in out.decode().splitlines() if line.strip()}


def _included_names(toks):
    """[(line, header as written)] of the #include directives among TOKS."""
    found = []
    for index, tok in enumerate(toks[:-2]):
        if tok.text == "#" and tok.first and toks[index + 1].text == "include":
            target = toks[index + 2]
            if target.kind == "string":
                found.append((tok.line, target.text.strip('"')))
            elif target.text == "<":
                name = ""
                for inner in toks[index + 3 :]:
                    if inner.text == ">" or inner.line != tok.line:
                        break
                    name += inner.text
                found.append((tok.line, name))
    return found


def _dedupe(refusals):
    seen, result = set(), []
    for refusal in refusals:
        key = (refusal.line, refusal.construct)
        if key not in seen:
            seen.add(key)
            result.append(refusal)
    return sorted(result, key=lambda r: (r.line or 10**9, r.construct))


def check(lesson, editable, content, root=ROOT, run_as=None):
    """The gate's Verdict on CONTENT (bytes), the learner's EDITABLE file of LESSON. A file
    that makes the gate itself fail is refused: a learner's file never makes the grader fail.
    RUN_AS: (uid, gid) of the account the compiler runs as (the grader's, when it runs as
    root), so that what the file includes is opened with that account's rights only."""
    started = time.monotonic()
    try:
        return _check(lesson, editable, content, root, run_as)
    except Exception as error:  # pylint: disable=broad-except
        return Verdict(
            REFUSED,
            [
                Refusal(
                    0,
                    "unreadable",
                    f"the gate could not check your file ({type(error).__name__}: {error}); "
                    "simplify it, and tell your instructor if it is plain code",
                )
            ],
            seconds=time.monotonic() - started,
        )


def _check(lesson, editable, content, root, run_as):
    started = time.monotonic()
    root = pathlib.Path(root)
    text, unreadable = _source_text(content)
    if unreadable:
        return Verdict(REFUSED, unreadable, seconds=time.monotonic() - started)
    source_tokens = tokens(text)
    names, namespaces, classes = _api(root, lesson)
    refusals = check_tokens(source_tokens, namespaces, _RESERVED_ALLOWED, raw=True)
    # The account must reach the folder: the system's temporary folder, not the caller's TMPDIR.
    with tempfile.TemporaryDirectory(
        prefix="threadkata-gate-", dir="/tmp" if run_as else None
    ) as work:
        folder = pathlib.Path(work) / "katas" / lesson.folder
        folder.mkdir(parents=True)
        lesson_headers = set()
        for header in (root / "katas" / lesson.folder).glob("*.h"):
            shutil.copyfile(header, folder / header.name)
            lesson_headers.add(f"./katas/{lesson.folder}/{header.name}")
            lesson_headers.add(f"katas/{lesson.folder}/{header.name}")
        (pathlib.Path(work) / editable).write_bytes(content)
        if run_as:
            for path in [pathlib.Path(work), *pathlib.Path(work).rglob("*")]:
                os.chown(path, *run_as)
        extra_headers = LESSON_ALLOWANCES.get(lesson.folder, {}).get("headers", set())
        dirs, cxx_dirs = _system_dirs()

        def allowed(include):
            return _allowed_include(
                include, lesson_headers, extra_headers, dirs, cxx_dirs, base=work
            )

        def foreign(path):
            """Neither the learner's file, nor allowed, nor a system header."""
            resolved = (pathlib.Path(work) / path).resolve()
            if resolved == (pathlib.Path(work) / editable).resolve() or allowed(path):
                return False
            return not any(resolved.is_relative_to(d) for d in dirs)

        with concurrent.futures.ThreadPoolExecutor(max_workers=len(CONFIGS)) as pool:
            libc = pool.submit(_libc_symbols)
            builds = list(
                pool.map(
                    lambda config: _build(
                        work,
                        editable,
                        config,
                        config_flags(root, config),
                        foreign,
                        run_as,
                    ),
                    CONFIGS,
                )
            )
            libc = libc.result()
        quoted_host = any(b.foreign for b in builds)
        stopped = [b.refusal for b in builds if b.refusal]
        # Only a file GCC compiles is parsed again by clang: GCC's compile error comes first.
        compiled = all(b.status == ADMITTED for b in builds)
        if not stopped and not quoted_host and compiled:
            refusals += _global_state_within_limit(work, editable, namespaces)
    verdict = Verdict(ADMITTED)
    if stopped:
        verdict.status = REFUSED
        verdict.refusals = _dedupe(refusals + stopped)
        verdict.seconds = time.monotonic() - started
        return verdict
    failed = [b for b in builds if b.status == COMPILE_ERROR]
    if failed and not refusals and not quoted_host:
        verdict.status = COMPILE_ERROR
        verdict.compiler_output = failed[0].output
        verdict.seconds = time.monotonic() - started
        return verdict
    included = _included_names(source_tokens)
    for build in builds:
        if build.status != ADMITTED:
            continue
        for include in build.direct_includes:
            if not allowed(include):
                line = next(
                    (n for n, name in included if include == name or include.endswith("/" + name)),
                    0,
                )
                refusals.append(
                    Refusal(
                        line,
                        f"#include {include}",
                        f"your file includes {include}: a kata of lesson {lesson.id} may include "
                        "its lesson's header and standard library headers only",
                    )
                )
        if build.foreign:
            continue
        # One text, not line by line: a token (a raw string) may span lines.
        numbers = [number for number, _ in build.lines]
        expanded = tokens("\n".join(line for _, line in build.lines))
        refusals += [
            dataclasses.replace(r, line=numbers[r.line - 1] if 0 < r.line <= len(numbers) else 0)
            for r in check_tokens(expanded, namespaces, _RESERVED_FROM_MACROS, raw=False)
        ]
        refusals += _symbol_refusals(
            build, lesson, (names, namespaces), classes, libc, source_tokens
        )
    plain = builds[0]
    for build in builds[1:]:
        if build.status != ADMITTED or plain.status != ADMITTED or quoted_host:
            continue
        if build.lines != plain.lines:
            number = next(
                (a[0] for a, b in zip(plain.lines, build.lines) if a != b),
                (plain.lines or build.lines or [(0, "")])[-1][0],
            )
            refusals.append(
                Refusal(
                    number,
                    "build-dependent code",
                    f"this line preprocesses differently under {CONFIG_NAMES[build.config]} "
                    "than in the plain build: a kata must not ask which build it is in",
                )
            )
        if build.direct_includes != plain.direct_includes:
            refusals.append(
                Refusal(
                    0,
                    "build-dependent includes",
                    f"your file includes other headers under {CONFIG_NAMES[build.config]} than "
                    "in the plain build: a kata must not ask which build it is in",
                )
            )
    if failed and refusals and not quoted_host:
        verdict.compiler_output = failed[0].output
    verdict.refusals = _dedupe(refusals)
    verdict.status = REFUSED if verdict.refusals else ADMITTED
    verdict.seconds = time.monotonic() - started
    return verdict


def cached_check(lesson, editable, content, root, cache_dir, run_as=None):
    """check(), remembered in CACHE_DIR by everything the verdict depends on: this file, the
    flags, the lesson's headers and the learner's bytes (identical stubs cost nothing).
    """
    root = pathlib.Path(root)
    key = hashlib.sha256()
    parts = [pathlib.Path(__file__).read_bytes(), (root / ".bazelrc").read_bytes()]
    parts += [h.read_bytes() for h in sorted((root / "katas" / lesson.folder).glob("*.h"))]
    parts += [lesson.folder.encode(), editable.encode(), content]
    for part in parts:
        key.update(len(part).to_bytes(8, "big") + part)
    path = pathlib.Path(cache_dir) / f"{key.hexdigest()}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Verdict(
            status=data["status"],
            refusals=[
                Refusal(r["line"] or 0, r["construct"], r["message"]) for r in data["refusals"]
            ],
            compiler_output=data["compiler_output"],
        )
    except (OSError, ValueError, KeyError, TypeError):
        pass
    verdict = check(lesson, editable, content, root, run_as)
    # Closed to others: the verdicts quote learners' files and their compiler messages.
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text(
        json.dumps(
            {
                "status": verdict.status,
                "refusals": [r.to_json() for r in verdict.refusals],
                "compiler_output": verdict.compiler_output,
            }
        ),
        encoding="utf-8",
    )
    partial.replace(path)
    return verdict


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--global-state"]:
        found = _global_state(".", argv[1], set(argv[2].split(",")))
        print(json.dumps([dataclasses.asdict(r) for r in found]))
        return 0
    parser = argparse.ArgumentParser(
        prog="tools/gate",
        description="Checks a learner's file the way the grader does before it builds or runs "
        "anything of it. Exit status: 0 admitted, 1 refused (the reasons are printed), "
        "2 wrong usage.",
    )
    parser.add_argument("lesson", help="the lesson: 03, 3 or 03_starting_threads")
    parser.add_argument("file", help="the learner's file for that lesson")
    args = parser.parse_args(argv)
    lessons = lessons_module.load(ROOT)
    wanted = args.lesson.zfill(2) if args.lesson.isdigit() else args.lesson
    lesson = next((l for l in lessons if wanted in (l.id, l.folder)), None)
    if lesson is None:
        parser.error(f"no lesson {args.lesson}")
    try:
        content = pathlib.Path(args.file).read_bytes()
    except OSError as error:
        parser.error(str(error))
    verdict = check(lesson, lesson.editable[0], content)
    print(verdict.message())
    print(f"({verdict.seconds:.1f} s)", file=sys.stderr)
    return 0 if verdict.status == ADMITTED else 1


if __name__ == "__main__":
    sys.exit(main())
