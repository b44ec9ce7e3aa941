#include "tests/support/time_unit.h"

#include <cstdlib>
#include <sstream>

namespace threadkata::testing {
namespace {

constexpr long kDefaultUnitMs = 100;

long BaseUnitMs() {
  const char* text = std::getenv("KATA_TIME_UNIT_MS");
  if (text == nullptr || *text == '\0') return kDefaultUnitMs;
  char* end = nullptr;
  const long ms = std::strtol(text, &end, 10);
  if (*end != '\0' || ms <= 0) {
    ADD_FAILURE() << "KATA_TIME_UNIT_MS=" << text
                  << " is not a positive whole number of milliseconds; using " << kDefaultUnitMs;
    return kDefaultUnitMs;
  }
  return ms;
}

}  // namespace

Duration TimeUnit() {
  static const Duration unit =
      std::chrono::milliseconds(BaseUnitMs() * THREADKATA_SANITIZER_TIME_SCALE);
  return unit;
}

Duration Units(double n) { return std::chrono::duration_cast<Duration>(n * TimeUnit()); }

std::string DescribeDuration(Duration d) {
  std::ostringstream out;
  out.precision(3);
  out << std::chrono::duration<double>(d) / TimeUnit() << " units ("
      << std::chrono::duration_cast<std::chrono::milliseconds>(d).count() << " ms)";
  return out.str();
}

Stopwatch::Stopwatch() : start_(Clock::now()) {}

Duration Stopwatch::Elapsed() const { return Clock::now() - start_; }

::testing::AssertionResult TookAtLeast(Duration elapsed, Duration expected) {
  if (elapsed >= expected) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "took " << DescribeDuration(elapsed) << ", less than the " << DescribeDuration(expected)
         << " the work needs at the very least. ";
}

::testing::AssertionResult TookLessThan(Duration elapsed, Duration bound) {
  if (elapsed < bound) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "took " << DescribeDuration(elapsed) << ", not under "
                                       << DescribeDuration(bound) << ". ";
}

::testing::AssertionResult SleepsAFractionOfAMillisecond(
    std::string_view what, const std::function<void(std::chrono::duration<double>)>& sleep) {
  const std::chrono::duration<double> asked(0.0009);
  const Stopwatch stopwatch;
  sleep(asked);
  const Duration elapsed = stopwatch.Elapsed();
  if (elapsed >= std::chrono::duration_cast<Duration>(asked)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << what << "(0.0009 s) did not sleep 0.9 ms (it took " << DescribeDuration(elapsed)
         << "): a duration cast to whole milliseconds (or seconds) loses the fraction. Hand the "
            "seconds to std::this_thread::sleep_for as they are";
}

}  // namespace threadkata::testing
