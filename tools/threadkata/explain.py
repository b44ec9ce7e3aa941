"""The teaching texts: what each verdict most likely means for someone who has just met threads.
Both tools show these words; nothing else explains a verdict."""

import signal

# What each sanitizer report means. Longer kinds first: the first kind that the report's title
# starts with wins.
SANITIZER_KINDS = (
    (
        "data race on vptr",
        "an object was destroyed while another thread was still using it: join the thread (or "
        "stop using the object) before the object goes away.",
    ),
    (
        "data race",
        "a data race: two threads touched the same memory without synchronisation, and at "
        "least one of them wrote. Nothing orders the two accesses (no mutex held by both, no "
        "atomic, no join in between), so the result can change from run to run even when "
        "every check passes.",
    ),
    (
        "lock-order-inversion",
        "a potential deadlock: two threads take the same locks in opposite orders. If they run "
        "at the wrong moment each holds one lock and waits forever for the other. Take locks "
        "in one fixed order everywhere, or take them together with std::scoped_lock.",
    ),
    (
        "thread leak",
        "a thread leak: a thread was started and never joined or detached. Every std::thread "
        "needs a join() (or detach()) before the program ends; std::jthread joins by itself.",
    ),
    (
        "heap-use-after-free",
        "memory was used after it was freed: often a thread still running after the object it "
        "works on was destroyed. Join threads before destroying what they use.",
    ),
    (
        "stack-use-after-return",
        "a thread used a local variable of a function that had already returned: a lambda "
        "captured it by reference ([&]) and outlived it. Capture by value, or join first.",
    ),
    (
        "stack-use-after-scope",
        "a local variable was used after its scope ended: a thread captured it by reference "
        "and outlived it. Capture by value, or join before the scope ends.",
    ),
    (
        "destroy of a locked mutex",
        "a mutex was destroyed while still locked: unlock it first (std::lock_guard and "
        "std::unique_lock do this for you).",
    ),
    (
        "unlock of an unlocked mutex",
        "a mutex was unlocked that was not locked, or by a thread that did not lock it.",
    ),
    (
        "double lock of a mutex",
        "a thread locked a mutex it already holds: std::mutex is not recursive, so this "
        "deadlocks.",
    ),
    ("heap-buffer-overflow", "a read or write past the end of a heap allocation."),
    ("stack-buffer-overflow", "a read or write past the end of a local array."),
    ("detected memory leaks", "memory was allocated and never freed."),
)


def sanitizer_kind(kind):
    for prefix, words in SANITIZER_KINDS:
        if kind.startswith(prefix):
            return words
    return f"the sanitizer found a bug ({kind})."


TERMINATE = (
    "std::terminate was called: a std::thread was destroyed (or assigned to) while still "
    "joinable. Every std::thread must be joined or detached before its destructor runs; "
    "std::jthread joins by itself."
)
SEGV = (
    "a segmentation fault (a bad memory access): often a thread using a reference or pointer "
    "to something that no longer exists, such as a local captured by [&]."
)
# tools/kata.bzl's BOUNDS_CHECKS: the compiler checks every array index of a lesson's file.
OUT_OF_BOUNDS = (
    "an index out of an array's bounds in your file (the lessons' builds check every array "
    "index, and stop the program at the first one past the end, SIGILL): look for a loop that "
    "goes one step too far (<= where < belongs) or an index computed from the wrong size."
)
ABORT = "the program aborted (an assert, std::abort, or heap corruption from a dangling [&])."
EXITED_EARLY = (
    "the test program ended before all its tests had run: exit() or quick_exit() called "
    "from your code, or a thread that ended the process? A lesson's code must return, never "
    "end the program."
)
RESULTS_DISAGREE = (
    "GoogleTest's results file says this check passed, but the test program's printed output "
    "never shows it passing: something other than GoogleTest wrote the results."
)
AFTER_TESTS = (
    "every check passed, but the test program then failed: something went wrong after the last "
    "test, such as a thread still running at exit."
)


# What a std::system_error that ends a test program most likely means, by its what() text
# (libstdc++ gives the errno's strerror).
_SYSTEM_ERROR_CAUSES = {
    "Invalid argument": (
        "join() or detach() was called on a std::thread that is not joinable: one joined or "
        "detached already (a second shutdown() or stop(), or a destructor after one, that joins "
        "the same threads again?), moved from, or never started. Join each thread once: clear "
        "the vector after joining, or check joinable()."
    ),
    "Resource deadlock avoided": (
        "a thread called join() on itself (a stop(), shutdown() or destructor that ran on the "
        "very thread it joins), or locked a std::mutex it already held."
    ),
    "Operation not permitted": (
        "unlock() of a std::unique_lock that does not hold its mutex: unlocked twice, or never "
        "locked."
    ),
    "Resource temporarily unavailable": (
        "a new thread could not be started: too many threads at once (one thread per task?)."
    ),
}


def thrown(type_name, what):
    """The cause of a program ended by an exception of TYPE_NAME with WHAT (may be empty)."""
    cause = _SYSTEM_ERROR_CAUSES.get(what) if type_name == "std::system_error" else None
    if cause:
        return f"a std::system_error ({what}) escaped: most likely {cause}"
    shown = type_name + (f": {what}" if what else "")
    return (
        f"an exception escaped: {shown}. An exception leaving a thread's function (or a "
        "destructor) ends the whole program."
    )


def died(status):
    """How the program ended, from its exit status (as the limiter saw it), without a full stop."""
    if status is None:
        return "the test program died"
    if status > 128:
        try:
            return f"the test program was killed by {signal.Signals(status - 128).name}"
        except ValueError:
            pass
    return f"the test program died (exit status {status})"


def timeout_limit(seconds):
    return (
        f"timed out: the tests did not finish within {seconds} s and were stopped. Probably a "
        "deadlock, a join() that never returns, or a loop without end."
    )


WATCHDOG = "timed out: probably a deadlock or a thread never joined."


def output_limit(limit_line):
    return (
        f"stopped: the tests printed too much ({limit_line}). Output in a loop that never " "ends?"
    )


def resource_limit(limit_line):
    return (
        f"stopped: the tests and the processes they started were killed ({limit_line}). "
        "Threads or processes started in a loop that never ends, or memory that is never freed?"
    )


REFUSED = (
    "your file uses something a kata may not (the gate checks it before building anything): "
    "change the lines below."
)
COMPILE_MINE = "your code does not compile:"
COMPILE_ELSEWHERE = "the lesson does not build (the error is not in your file):"
UNDER_TSAN = (
    "these failed only under ThreadSanitizer, which runs slower: a timing assumption or a race"
)
