"""The lines that test programs and the output limiter print, declared once for Python.

The C++ side declares its own in tests/support/markers.h; the limiter in limit_output.sh;
GoogleTest's are GoogleTest's. tests/test_markers.py checks that every side agrees."""

# Printed by tools/threadkata/limit_output.sh, the program's --run_under wrapper: its last line
# is always the exit status, which the program cannot print after.
LIMITER_PREFIX = "[threadkata-grader] "
LIMITER_EXIT = LIMITER_PREFIX + "exit "
LIMITER_OUTPUT_LIMIT = LIMITER_PREFIX + "output limit of "
# The program and the processes it started were killed for using too much memory, or too many
# threads (those of every process it started).
LIMITER_MEMORY_LIMIT = LIMITER_PREFIX + "memory limit of "
LIMITER_THREAD_LIMIT = LIMITER_PREFIX + "thread limit of "

# Printed by the test main's watchdog (tests/support/deadline.cc) before it ends the program.
WATCHDOG = "[  TIMEOUT ] "

# GoogleTest's console lines.
GTEST_RUN = "[ RUN      ] "
GTEST_OK = "[       OK ] "
GTEST_FAILED = "[  FAILED  ] "
GTEST_SKIPPED = "[  SKIPPED ] "
GTEST_PASSED = "[  PASSED  ] "

# Sanitizers.
TSAN_WARNING = "WARNING: ThreadSanitizer: "
SANITIZER_ERROR = "ERROR: "
DEADLY_SIGNAL = "Sanitizer:DEADLYSIGNAL"
