#ifndef THREADKATA_KATAS_04_JOIN_JOIN_H_
#define THREADKATA_KATAS_04_JOIN_JOIN_H_

// Lesson 04: join. Wait for the threads you started before you measure what they did.

#include <chrono>
#include <functional>

namespace threadkata::joining {

// Seconds as a floating-point count, like the seed's finish - start.
using Seconds = std::chrono::duration<double>;

// Python:
//   start = time.perf_counter()
//   t1 = threading.Thread(target=first); t2 = threading.Thread(target=second)
//   t1.start(); t2.start()
//   t1.join(); t2.join()
//   return time.perf_counter() - start
//
// Runs `first` and `second` at the same time, each on a new thread of its own, and returns only
// once both have returned. Blocks for about as long as the longer task, not the sum of both.
// Returns the time from just before the first thread started to just after both were joined,
// measured on std::chrono::steady_clock. Everything the tasks did is visible to the caller when
// run_both returns. The tasks must not throw.
Seconds run_both(std::function<void()> first, std::function<void()> second);

}  // namespace threadkata::joining

#endif  // THREADKATA_KATAS_04_JOIN_JOIN_H_
