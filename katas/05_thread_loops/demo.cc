// The seed's loop: ten threads of do_something(), all started in one loop, joined in another.
// bazel run //solutions/05_thread_loops:demo        (the reference)
// bazel run //katas/05_thread_loops:demo            (your implementation)
// An optional argument sets the seconds per thread: bazel run ... -- 0.2

#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "katas/05_thread_loops/thread_loops.h"

namespace {

// Python's f'{round(seconds, 2)}': two decimals at most, one at least ("1.0", "1.51").
std::string Rounded(double seconds) {
  char number[32];
  std::snprintf(number, sizeof number, "%.2f", seconds);
  std::string shown = number;
  if (shown.back() == '0') shown.pop_back();
  return shown;
}

}  // namespace

int main(int argc, char** argv) {
  using threadkata::Seconds;
  const Seconds each = argc > 1 ? Seconds(std::stod(argv[1])) : Seconds(1);

  const auto start = std::chrono::steady_clock::now();
  std::vector<std::function<void()>> tasks(10,
                                           [each] { threadkata::do_something(each, std::cout); });
  threadkata::run_all(tasks);
  const Seconds elapsed = std::chrono::steady_clock::now() - start;
  std::cout << "Finished in " << Rounded(elapsed.count()) << " second(s)\n";
}
