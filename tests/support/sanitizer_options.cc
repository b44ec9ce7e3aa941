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
// library's own frees are suppressed: a future's stored result destroyed with its shared state
// (exception_ptr::_M_release then frees the exception by a tail call to __cxa_free_exception,
// whose frame the report never shows), and the exception and its message freed when a catch
// ends. exception_ptr::_M_release itself is not named: it also calls the destructor of an
// exception class of the learner's own, and would hide any race in it.
extern "C" const char* __tsan_default_suppressions() {
  return "race:std::__future_base::_Result*::_M_destroy\n"
         "race:__cxa_free_exception\n"
         "race:std::*_error::~*\n"
         "race:std::exception::~exception\n";
}
