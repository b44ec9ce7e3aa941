#include "tests/support/deadline.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/support/markers.h"

namespace threadkata::testing {

void AbortHungTest(Duration limit, std::string_view what, std::string_view hint) {
  const std::string message =
      kWatchdogMarker + std::string(what) + " did not finish within " + DescribeDuration(limit) +
      ": probably a deadlock or a thread never joined. " + std::string(hint) + "\n";
  std::fputs(message.c_str(), stdout);
  std::fflush(stdout);
  std::fputs(message.c_str(), stderr);
  std::_Exit(1);
}

}  // namespace threadkata::testing
