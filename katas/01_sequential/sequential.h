#ifndef THREADKATA_KATAS_01_SEQUENTIAL_SEQUENTIAL_H_
#define THREADKATA_KATAS_01_SEQUENTIAL_SEQUENTIAL_H_

// Lesson 01: the sequential baseline. Everything later is measured against this.

#include <chrono>
#include <ostream>
#include <string>
#include <vector>

namespace threadkata {

// Seconds as a floating-point count, like Python's time.sleep(1.5).
using Seconds = std::chrono::duration<double>;

// Python: do_something(seconds).
// Writes "Sleeping <seconds> second(s)...\n" to `out`, then blocks the calling thread for
// `seconds` (asleep, using no CPU, like time.sleep), then returns "Done Sleeping...<seconds>".
// <seconds> is written the way an std::ostream writes a double by default: 1 -> "1", 1.5 -> "1.5",
// 0.25 -> "0.25", whatever formats `out` was set to (std::fixed, a precision, std::showpos),
// and `out`'s own settings are left as they were.
std::string do_something(Seconds seconds, std::ostream& out);

// Calls do_something(d, out) for each d in `durations`, one after another on the calling
// thread, and returns the results in call order. Blocks for at least the sum of `durations`.
std::vector<std::string> run_sequentially(const std::vector<Seconds>& durations, std::ostream& out);

// Python: start = time.perf_counter() ... finish - start.
// Measures the time since construction on std::chrono::steady_clock, a clock that never jumps
// (std::chrono::system_clock jumps when the wall clock is set). Thread-compatible.
class Stopwatch {
 public:
  Stopwatch();

  // Time since construction. Never negative, never decreases.
  Seconds elapsed() const;

 private:
  std::chrono::steady_clock::time_point start_;
};

// Python: f'Finished in {round(finish - start, 2)} second(s)'.
// Rounds to two decimals and writes the number as Python writes a float, with at least one
// decimal: 3.0 -> "Finished in 3.0 second(s)", 1.514 -> "Finished in 1.51 second(s)".
std::string finished_message(Seconds elapsed);

}  // namespace threadkata

#endif  // THREADKATA_KATAS_01_SEQUENTIAL_SEQUENTIAL_H_
