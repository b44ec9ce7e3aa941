// The seed's third snippet: two threads started, then both joined before the time is taken.
// bazel run //solutions/04_join:demo        (the reference)
// bazel run //katas/04_join:demo            (your implementation)
// An optional argument sets the seconds each thread sleeps: bazel run ... -- 0.2

#include <chrono>
#include <iostream>
#include <string>
#include <syncstream>
#include <thread>

#include "katas/04_join/join.h"
#include "katas/demo_support/seed_output.h"

namespace {

using threadkata::joining::Seconds;

}  // namespace

int main(int argc, char** argv) {
  const Seconds each = argc > 1 ? Seconds(std::stod(argv[1])) : Seconds(1);
  // Each line goes out whole through its own std::osyncstream (lesson 03).
  const auto do_something = [each] {
    std::osyncstream(std::cout) << "Sleeping " << each.count() << " second(s)...\n";
    std::this_thread::sleep_for(each);
    std::osyncstream(std::cout) << "Done Sleeping...\n";
  };

  const Seconds elapsed = threadkata::joining::run_both(do_something, do_something);
  std::osyncstream(std::cout) << threadkata::demo::FinishedLine(elapsed) << "\n";
}
