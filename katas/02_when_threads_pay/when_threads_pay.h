#ifndef THREADKATA_KATAS_02_WHEN_THREADS_PAY_WHEN_THREADS_PAY_H_
#define THREADKATA_KATAS_02_WHEN_THREADS_PAY_WHEN_THREADS_PAY_H_

// Lesson 02: when threads pay. Tasks that wait (I/O-bound) overlap when each has a thread.

#include <chrono>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace threadkata::when_threads_pay {

// Seconds as a floating-point count, like Python's time.sleep(1.5).
using Seconds = std::chrono::duration<double>;

// Given (already written in when_threads_pay.cc): lesson 01's do_something.
// Writes "Sleeping <seconds> second(s)...\n" to `out`, blocks the calling thread for `seconds`,
// returns "Done Sleeping...<seconds>". Safe to call from several threads at once with the same
// `out`: each line reaches `out` whole, never mixed with another thread's.
std::string do_something(Seconds seconds, std::ostream& out);

// Runs every task at the same time, each on a thread of its own, and returns once every one has
// returned. Blocks for about as long as the longest task, not the sum of all of them, and
// sleeps while it waits: the calling thread does not spin. Every task runs exactly once; each
// may run on any thread but the caller's. Tasks must not throw.
void run_concurrently(const std::vector<std::function<void()>>& tasks);

// Calls do_something(d, out) for every d in `durations`, all at the same time (through
// run_concurrently), and returns once all have finished. results[i] is the result for
// durations[i], exactly what a sequential run would return, in the same order. The Sleeping
// lines reach `out` in whatever order the threads print them.
std::vector<std::string> run_on_threads(const std::vector<Seconds>& durations, std::ostream& out);

}  // namespace threadkata::when_threads_pay

#endif  // THREADKATA_KATAS_02_WHEN_THREADS_PAY_WHEN_THREADS_PAY_H_
