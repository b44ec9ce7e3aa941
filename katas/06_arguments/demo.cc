// The seed's "passing arguments" snippet: ten threads of do_something(1.5), started in one loop
// and joined in another.
// bazel run //solutions/06_arguments:demo        (the reference)
// bazel run //katas/06_arguments:demo            (your implementation)
// An optional argument sets the seconds per thread: bazel run ... -- 0.2

#include <chrono>
#include <iostream>
#include <string>
#include <syncstream>
#include <thread>
#include <vector>

#include "katas/06_arguments/arguments.h"
#include "katas/demo_support/seed_output.h"

namespace {

using threadkata::Seconds;

// The seed's do_something(seconds). One osyncstream per line keeps the threads' lines whole.
std::string DoSomething(Seconds seconds) {
  std::osyncstream(std::cout) << "Sleeping " << seconds.count() << " second(s)...\n";
  std::this_thread::sleep_for(seconds);
  std::osyncstream(std::cout) << "Done Sleeping...\n";
  return "Done Sleeping...";
}

}  // namespace

int main(int argc, char** argv) {
  const Seconds each = argc > 1 ? Seconds(std::stod(argv[1])) : Seconds(1.5);

  const auto start = std::chrono::steady_clock::now();
  threadkata::run_each(DoSomething, std::vector<Seconds>(10, each));
  const Seconds elapsed = std::chrono::steady_clock::now() - start;
  std::cout << threadkata::demo::FinishedLine(elapsed) << "\n";
}
