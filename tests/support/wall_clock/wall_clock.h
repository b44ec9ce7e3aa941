#ifndef THREADKATA_TESTS_SUPPORT_WALL_CLOCK_WALL_CLOCK_H_
#define THREADKATA_TESTS_SUPPORT_WALL_CLOCK_WALL_CLOCK_H_

// A wall clock that a test can set, as NTP or an administrator sets the system's: it tells code
// that measures on std::chrono::system_clock (or on high_resolution_clock, the same clock in
// libstdc++) from code that measures on std::chrono::steady_clock, which never jumps. It acts
// through a clock_gettime defined in the test executable (wall_clock.cc), which libstdc++'s
// clocks reach: the code under test is not asked to cooperate.

#include <functional>
#include <string_view>

#include "tests/support/time_unit.h"

namespace threadkata::testing {

// While alive, CLOCK_REALTIME reads the real time plus the sum of the Set() calls so far;
// CLOCK_MONOTONIC and the other clocks read as usual. One at a time: a second one alive at once
// ends the program with a message. Set() may be called from any thread.
class SettableWallClock {
 public:
  SettableWallClock();
  // The wall clock reads the real time again.
  ~SettableWallClock();

  SettableWallClock(const SettableWallClock&) = delete;
  SettableWallClock& operator=(const SettableWallClock&) = delete;

  // Moves the wall clock by `step` (back when negative), at once.
  void Set(Duration step);
};

// Calls `fn` while the wall clock is set back an hour `after` into the call, as NTP or an
// administrator may set it, and returns how long the call took. A sleep or a wait timed on the
// wall clock then lasts an hour longer than asked, or spins: if the call has not returned
// within `limit`, the test program ends with a TIMEOUT naming `what` and the mistake.
Duration TimeWhileTheWallClockIsSetBack(Duration after, Duration limit, std::string_view what,
                                        const std::function<void()>& fn);

}  // namespace threadkata::testing

#endif  // THREADKATA_TESTS_SUPPORT_WALL_CLOCK_WALL_CLOCK_H_
