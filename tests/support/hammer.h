#ifndef THREADKATA_TESTS_SUPPORT_HAMMER_H_
#define THREADKATA_TESTS_SUPPORT_HAMMER_H_

#include <functional>

namespace threadkata::testing {

// "Thread-safe" claims get concurrent callers: starts `threads` threads that each call
// `call(i)` (i = 0..threads-1) `repeats` times, all released at the same moment together with
// the calling thread, which runs `meanwhile` (e.g. shuts the object down) and then joins them.
// Run it under --config=tsan: a check-then-act outside the lock shows up as a race report.
//
// `call` and `meanwhile` must not throw: what they throw is reported as a test failure, naming
// the thread. Use a FinishesWithin (deadline.h) around it where a deadlock is a likely mistake.
void Hammer(
    int threads, int repeats, const std::function<void(int)>& call,
    const std::function<void()>& meanwhile = [] {});

}  // namespace threadkata::testing

#endif  // THREADKATA_TESTS_SUPPORT_HAMMER_H_
