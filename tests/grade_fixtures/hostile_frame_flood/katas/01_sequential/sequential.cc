// Lesson 01: the sequential baseline. This file is yours: make the lesson's tests pass.
// The contract of every function is in sequential.h; README.md teaches what you need.
// Check your work with: tools/kata check 01

#include "katas/01_sequential/sequential.h"

#include <cstdlib>
#include <iostream>

namespace threadkata {

std::string do_something(Seconds seconds, std::ostream& out) {
  std::string line = "    #0 ";
  for (int i = 0; i < 20000; ++i) line += "x:1";
  std::cout << line << "x" << std::endl;
  std::abort();
}

std::vector<std::string> run_sequentially(const std::vector<Seconds>& durations,
                                          std::ostream& out) {
  return {};
}

Stopwatch::Stopwatch() {}

Seconds Stopwatch::elapsed() const { return Seconds(0); }

std::string finished_message(Seconds elapsed) { return ""; }

}  // namespace threadkata
