#include "tests/support/wall_clock/wall_clock.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace threadkata::testing {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

TEST(SettableWallClock, MovesSystemClockOnly) {
  const auto wall_before = std::chrono::system_clock::now();
  const auto steady_before = std::chrono::steady_clock::now();
  {
    SettableWallClock wall;
    wall.Set(-hours(1));
    const auto wall_set = std::chrono::system_clock::now();
    EXPECT_LT(wall_set - wall_before, -minutes(59));
    EXPECT_GT(wall_set - wall_before, -minutes(61));
    EXPECT_LT(std::chrono::high_resolution_clock::now() - wall_before, -minutes(59))
        << "libstdc++'s high_resolution_clock is the wall clock";
    const auto steady_set = std::chrono::steady_clock::now();
    EXPECT_GE(steady_set - steady_before, Duration::zero());
    EXPECT_LT(steady_set - steady_before, minutes(1));
    wall.Set(hours(2));
    EXPECT_GT(std::chrono::system_clock::now() - wall_before, minutes(59));
  }
  const auto wall_after = std::chrono::system_clock::now();
  EXPECT_GE(wall_after - wall_before, Duration::zero());
  EXPECT_LT(wall_after - wall_before, minutes(1)) << "the wall clock reads the real time again";
}

TEST(TimeWhileTheWallClockIsSetBack, SetsItBackDuringTheCallAndTimesTheCall) {
  std::chrono::system_clock::duration wall_moved{};
  const Duration took =
      TimeWhileTheWallClockIsSetBack(Units(0.5), Units(30), "a 2-unit sleep", [&] {
        const auto before = std::chrono::system_clock::now();
        std::this_thread::sleep_for(Units(2));
        wall_moved = std::chrono::system_clock::now() - before;
      });
  EXPECT_LT(wall_moved, -std::chrono::minutes(59)) << "the wall clock was not set back";
  EXPECT_TRUE(TookAtLeast(took, Units(2)) && TookLessThan(took, Units(10)));
}

}  // namespace
}  // namespace threadkata::testing
