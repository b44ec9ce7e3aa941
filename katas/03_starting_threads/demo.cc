// The seed's second snippet: two threads started, and the time taken without waiting for them.
// bazel run //solutions/03_starting_threads:demo        (the reference)
// bazel run //katas/03_starting_threads:demo            (your implementation)
// An optional argument sets the seconds each thread sleeps: bazel run ... -- 0.2

#include <chrono>
#include <iostream>
#include <latch>
#include <sstream>
#include <string>
#include <thread>

#include "katas/03_starting_threads/starting_threads.h"
#include "katas/demo_support/seed_output.h"

namespace {

using Seconds = std::chrono::duration<double>;

}  // namespace

int main(int argc, char** argv) {
  using threadkata::starting_threads::say;
  using threadkata::starting_threads::start;
  const Seconds each = argc > 1 ? Seconds(std::stod(argv[1])) : Seconds(1);
  std::ostringstream sleeping_line;
  sleeping_line << "Sleeping " << each.count() << " second(s)...";

  // Counted down by each thread once it has said it is sleeping. Only the printing waits for
  // it, so the lines come out in the seed's order; the finish time is taken without waiting.
  std::latch both_sleeping(2);
  const auto do_something = [&] {
    say(std::cout, sleeping_line.str());
    both_sleeping.count_down();
    std::this_thread::sleep_for(each);
    say(std::cout, "Done Sleeping...");
  };

  const auto start_time = std::chrono::steady_clock::now();
  std::thread t1 = start(do_something);
  std::thread t2 = start(do_something);
  const Seconds elapsed = std::chrono::steady_clock::now() - start_time;

  if (!t1.joinable() || !t2.joinable()) {
    std::cerr << "start() did not return a running, joinable thread: see the lesson's README\n";
    return 1;
  }
  both_sleeping.wait();
  say(std::cout, threadkata::demo::FinishedLine(elapsed));
  // Python lets the program end while the threads run; in C++ each std::thread must be joined
  // (or detached) before it is destroyed, or the program terminates.
  t1.join();
  t2.join();
}
