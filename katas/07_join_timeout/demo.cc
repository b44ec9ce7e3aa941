// The seed's join(timeout=2) snippet: the main thread waits at most 2 seconds for a 5-second
// worker, goes on, and the program still waits for the worker before it ends.
// bazel run //solutions/07_join_timeout:demo        (the reference)
// bazel run //katas/07_join_timeout:demo            (your implementation)
// An optional argument sets the length of the seed's second: bazel run ... -- 0.1

#include <iostream>
#include <string>
#include <thread>

#include "katas/07_join_timeout/join_timeout.h"

int main(int argc, char** argv) {
  using threadkata::Seconds;
  const Seconds second = argc > 1 ? Seconds(std::stod(argv[1])) : Seconds(1);

  threadkata::TimedThread t([second] {
    std::cout << "Thread started" << std::endl;
    std::this_thread::sleep_for(5 * second);
    std::cout << "Thread finished" << std::endl;
  });

  t.join_for(2 * second);

  std::cout << "Main thread continues even if worker is not done" << std::endl;
}
