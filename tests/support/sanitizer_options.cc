// Default sanitizer options, linked into every test binary so that a report fails the test
// whatever the environment says. The sanitizer runtimes call these hooks at start-up; without
// a sanitizer they are never called.

extern "C" const char* __tsan_default_options() {
  return "halt_on_error=1:second_deadlock_stack=1:history_size=4";
}

extern "C" const char* __asan_default_options() {
  return "detect_stack_use_after_return=1:strict_init_order=1";
}

extern "C" const char* __ubsan_default_options() { return "halt_on_error=1:print_stacktrace=1"; }

// An exception carried by a std::future is freed by whichever thread drops the last reference
// to it, which may be the worker after the waiting thread has caught it and read what(). That
// reference count lives in libstdc++, which is not built with ThreadSanitizer, so TSan cannot
// see that the free is ordered after the read and reports a race that cannot happen. Only the
// library's own frees are suppressed: the exception object's (__cxa_free_exception) and its
// message's (the standard exceptions' destructors). A frame further out, such as
// exception_ptr::_M_release, would also hide any race in the destructor of an exception class
// of the learner's own, which _M_release calls.
extern "C" const char* __tsan_default_suppressions() {
  return "race:__cxa_free_exception\n"
         "race:std::*_error::~*\n"
         "race:std::exception::~exception\n";
}
