#include "katas/05_thread_loops/thread_loops.h"

#include <syncstream>
#include <thread>

namespace threadkata {

void run_all(const std::vector<std::function<void()>>& tasks) {
  std::vector<std::thread> threads;
  threads.reserve(tasks.size());
  for (const auto& task : tasks) threads.emplace_back(task);
  // A join inside the loop above would wait for each task before starting the next one.
  for (auto& thread : threads) thread.join();
}

void do_something(Seconds seconds, std::ostream& out) {
  // Each osyncstream collects one line and hands it to out's buffer in one locked write when
  // it is destroyed, so lines of different threads never interleave.
  std::osyncstream(out) << "Sleeping " << seconds.count() << " second(s)...\n";
  std::this_thread::sleep_for(seconds);
  std::osyncstream(out) << "Done Sleeping...\n";
}

}  // namespace threadkata
