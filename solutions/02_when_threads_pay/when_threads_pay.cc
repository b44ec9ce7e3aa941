#include "katas/02_when_threads_pay/when_threads_pay.h"

#include <sstream>
#include <syncstream>
#include <thread>

namespace threadkata::when_threads_pay {

std::string do_something(Seconds seconds, std::ostream& out) {
  std::ostringstream shown;
  shown << seconds.count();
  std::osyncstream(out) << "Sleeping " << shown.str() << " second(s)...\n";
  std::this_thread::sleep_for(seconds);
  return "Done Sleeping..." + shown.str();
}

void run_concurrently(const std::vector<std::function<void()>>& tasks) {
  // Start them all first; a std::jthread joins its thread when destroyed, so leaving this scope
  // waits for every one (also if starting a later thread throws).
  std::vector<std::jthread> threads;
  threads.reserve(tasks.size());
  for (const auto& task : tasks) threads.emplace_back(task);
}

std::vector<std::string> run_on_threads(const std::vector<Seconds>& durations, std::ostream& out) {
  // One slot per task, sized before any thread starts: each thread writes only its own slot,
  // so no two threads touch the same object and the order is the input's.
  std::vector<std::string> results(durations.size());
  std::vector<std::function<void()>> tasks;
  tasks.reserve(durations.size());
  for (std::size_t i = 0; i < durations.size(); ++i) {
    tasks.emplace_back([&, i] { results[i] = do_something(durations[i], out); });
  }
  run_concurrently(tasks);
  return results;
}

}  // namespace threadkata::when_threads_pay
