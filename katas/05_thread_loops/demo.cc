// The seed's loop: ten threads of do_something(), all started in one loop, joined in another.
// bazel run //solutions/05_thread_loops:demo        (the reference)
// bazel run //katas/05_thread_loops:demo            (your implementation)
// An optional argument sets the seconds per thread: bazel run ... -- 0.2

#include <chrono>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "katas/05_thread_loops/thread_loops.h"
#include "katas/demo_support/seed_output.h"

int main(int argc, char** argv) {
  using threadkata::Seconds;
  const Seconds each = argc > 1 ? Seconds(std::stod(argv[1])) : Seconds(1);

  const auto start = std::chrono::steady_clock::now();
  std::vector<std::function<void()>> tasks(10,
                                           [each] { threadkata::do_something(each, std::cout); });
  threadkata::run_all(tasks);
  const Seconds elapsed = std::chrono::steady_clock::now() - start;
  std::cout << threadkata::demo::FinishedLine(elapsed) << "\n";
}
