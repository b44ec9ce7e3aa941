// The seed's first snippet: do_something(1) three times, one after another.
// bazel run //solutions/01_sequential:demo        (the reference)
// bazel run //katas/01_sequential:demo            (your implementation)
// An optional argument sets the seconds per call: bazel run ... -- 0.2

#include <iostream>
#include <string>

#include "katas/01_sequential/sequential.h"

int main(int argc, char** argv) {
  using threadkata::Seconds;
  const Seconds each = argc > 1 ? Seconds(std::stod(argv[1])) : Seconds(1);

  const threadkata::Stopwatch stopwatch;
  threadkata::do_something(each, std::cout);
  threadkata::do_something(each, std::cout);
  threadkata::do_something(each, std::cout);
  std::cout << threadkata::finished_message(stopwatch.elapsed()) << "\n";
}
