// Lesson 06: passing arguments and getting results. This file is yours: make the lesson's tests
// pass. The contract of every function is in arguments.h; README.md teaches what you need.
// Check your work with: tools/kata check 06

#include "katas/06_arguments/arguments.h"

namespace threadkata {

std::vector<std::string> run_each(const std::function<std::string(Seconds)>& f,
                                  const std::vector<Seconds>& args) {
  return {};
}

std::vector<long> run_each_owning(const std::function<long(std::vector<int>)>& f,
                                  std::vector<std::vector<int>> batches) {
  return {};
}

}  // namespace threadkata
