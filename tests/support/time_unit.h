#ifndef THREADKATA_TESTS_SUPPORT_TIME_UNIT_H_
#define THREADKATA_TESTS_SUPPORT_TIME_UNIT_H_

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "gtest/gtest.h"

namespace threadkata::testing {

using Clock = std::chrono::steady_clock;
using Duration = std::chrono::nanoseconds;

// The time unit of every test: 100 ms, or KATA_TIME_UNIT_MS, multiplied by 3 under
// ThreadSanitizer and by 2 under AddressSanitizer. Tests express every duration in units so
// that a slow machine can scale them all at once.
Duration TimeUnit();

// `n` time units.
Duration Units(double n);

// `d` written in units and milliseconds, for failure messages: "2.03 units (203 ms)".
std::string DescribeDuration(Duration d);

// Measures elapsed time on the steady clock from construction.
class Stopwatch {
 public:
  Stopwatch();
  Duration Elapsed() const;

 private:
  Clock::time_point start_;
};

// Lower bound on a measured duration. A sleep never returns early on the steady clock, so a
// correct implementation always meets it: `elapsed >= expected`.
::testing::AssertionResult TookAtLeast(Duration elapsed, Duration expected);

// Upper bound on a measured duration: `elapsed < bound`. Choose a bound that separates the
// right behaviour from the wrong one by a wide ratio (see ../shared testing guide), never by a
// few milliseconds.
::testing::AssertionResult TookLessThan(Duration elapsed, Duration bound);

// Checks that `sleep` called with 0.9 ms blocks for at least that long: a duration cast to
// whole milliseconds (or seconds) on its way to the sleep loses the fraction and returns at
// once. `what` names the call in the message, e.g. "do_something".
::testing::AssertionResult SleepsAFractionOfAMillisecond(
    std::string_view what, const std::function<void(std::chrono::duration<double>)>& sleep);

}  // namespace threadkata::testing

#endif  // THREADKATA_TESTS_SUPPORT_TIME_UNIT_H_
