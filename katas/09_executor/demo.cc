// The seed's ThreadPoolExecutor snippet: three do_something(1) submitted to a pool, then their
// results; then a pool's map over [5, 4, 3, 2, 1], the example that follows in the tutorial.
// bazel run //solutions/09_executor:demo        (the reference)
// bazel run //katas/09_executor:demo            (your implementation)
// An optional argument scales every sleep: bazel run ... -- 0.2

#include <algorithm>
#include <chrono>
#include <iostream>
#include <string>
#include <syncstream>
#include <thread>
#include <vector>

#include "katas/09_executor/executor.h"
#include "katas/demo_support/seed_output.h"

namespace {

using Seconds = std::chrono::duration<double>;

double scale = 1.0;

void sleep_seconds(int seconds) {
  // Workers print at the same time: std::osyncstream writes each line in one piece.
  std::osyncstream(std::cout) << "Sleeping " << seconds << " second(s)...\n";
  std::this_thread::sleep_for(Seconds(seconds * scale));
}

// The seed's submit snippet: return 'Done Sleeping...'.
std::string do_something(int seconds) {
  sleep_seconds(seconds);
  return "Done Sleeping...";
}

// The map example: return f'Done Sleeping...{seconds}', as in the seed's first snippet.
std::string do_something_and_tell(int seconds) {
  sleep_seconds(seconds);
  return "Done Sleeping..." + std::to_string(seconds);
}

// Python's default since 3.8: min(32, os.cpu_count() + 4).
std::size_t default_max_workers() {
  return std::min<std::size_t>(32, std::thread::hardware_concurrency() + 4);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1) scale = std::stod(argv[1]);

  auto start = std::chrono::steady_clock::now();
  {
    threadkata::Executor executor(default_max_workers());
    auto f1 = executor.submit(do_something, 1);
    auto f2 = executor.submit(do_something, 1);
    auto f3 = executor.submit(do_something, 1);
    std::cout << f1.get() << "\n";
    std::cout << f2.get() << "\n";
    std::cout << f3.get() << "\n";
  }
  std::cout << threadkata::demo::FinishedLine(std::chrono::steady_clock::now() - start) << "\n\n";

  start = std::chrono::steady_clock::now();
  {
    threadkata::Executor executor(default_max_workers());
    for (const std::string& result :
         executor.map(do_something_and_tell, std::vector{5, 4, 3, 2, 1})) {
      std::cout << result << "\n";
    }
  }
  std::cout << threadkata::demo::FinishedLine(std::chrono::steady_clock::now() - start) << "\n";
}
