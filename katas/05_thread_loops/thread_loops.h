#ifndef THREADKATA_KATAS_05_THREAD_LOOPS_THREAD_LOOPS_H_
#define THREADKATA_KATAS_05_THREAD_LOOPS_THREAD_LOOPS_H_

// Lesson 05: threads in a loop. Start them all in one loop, join them all in a second one.

#include <chrono>
#include <functional>
#include <ostream>
#include <vector>

namespace threadkata {

// Seconds as a floating-point count, like Python's time.sleep(1.5).
using Seconds = std::chrono::duration<double>;

// Python:  for task in tasks: t = threading.Thread(target=task); threads.append(t); t.start()
//          for t in threads: t.join()
// Runs every task of `tasks` on a std::thread of its own, all at the same time: first starts
// one thread per task, then joins them all. Every task is running before the caller blocks in
// the first join, so the call takes about as long as the longest task, not the sum of them.
//
// Blocks until every task has returned; no thread is left running. Each task runs exactly once.
// A task must not throw: an exception escaping a std::thread calls std::terminate.
void run_all(const std::vector<std::function<void()>>& tasks);

// Python: the seed's do_something() in the loop, printing from many threads at once.
// Writes "Sleeping <seconds> second(s)...\n" to `out`, blocks the calling thread for `seconds`
// (asleep, using no CPU), then writes "Done Sleeping...\n". <seconds> is written the way an
// std::ostream writes a double by default: 1 -> "1", 1.5 -> "1.5".
//
// Thread-safe, also when many threads share `out`: each line reaches out's stream buffer whole,
// in a single write that no other thread's write overlaps (std::osyncstream).
void do_something(Seconds seconds, std::ostream& out);

}  // namespace threadkata

#endif  // THREADKATA_KATAS_05_THREAD_LOOPS_THREAD_LOOPS_H_
