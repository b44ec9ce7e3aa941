#include "katas/demo_support/seed_output.h"

#include <cstdio>

namespace threadkata::demo {

std::string FinishedLine(std::chrono::duration<double> elapsed) {
  char number[32];
  std::snprintf(number, sizeof number, "%.2f", elapsed.count());
  std::string shown = number;
  if (shown.back() == '0') shown.pop_back();
  return "Finished in " + shown + " second(s)";
}

}  // namespace threadkata::demo
