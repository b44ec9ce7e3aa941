// main() of every lesson's test binary:
// - gives RapidCheck a fixed seed and a small number of cases unless RC_PARAMS says otherwise,
//   and prints them, so every failure can be reproduced;
// - runs death tests in the "threadsafe" style, the only safe one in a threaded program;
// - a watchdog ends a test that hangs with a message instead of a silent test timeout.

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "tests/support/deadline.h"
#include "tests/support/time_unit.h"

namespace threadkata::testing {
namespace {

constexpr char kDefaultRapidCheckParams[] = "seed=20261125 max_success=20";
constexpr double kTestLimitUnits = 200;

class Watchdog : public ::testing::EmptyTestEventListener {
 public:
  Watchdog() : thread_([this](std::stop_token stop) { Watch(stop); }) {}

  void OnTestStart(const ::testing::TestInfo& info) override {
    std::lock_guard lock(mutex_);
    current_ = std::string(info.test_suite_name()) + "." + info.name();
    deadline_ = Clock::now() + Units(kTestLimitUnits);
    changed_.notify_all();
  }

  void OnTestEnd(const ::testing::TestInfo&) override {
    std::lock_guard lock(mutex_);
    current_.clear();
    changed_.notify_all();
  }

 private:
  void Watch(std::stop_token stop) {
    std::unique_lock lock(mutex_);
    while (!stop.stop_requested()) {
      if (current_.empty()) {
        changed_.wait(lock, stop, [&] { return !current_.empty(); });
        continue;
      }
      const std::string test = current_;
      const Clock::time_point deadline = deadline_;
      if (changed_.wait_until(lock, stop, deadline, [&] { return current_ != test; })) {
        continue;
      }
      if (!stop.stop_requested() && current_ == test) {
        AbortHungTest(Units(kTestLimitUnits), "test " + test,
                      "A join() that never returns, a lock taken twice, or a thread "
                      "waiting for a notification nobody sends?");
      }
    }
  }

  std::mutex mutex_;
  std::condition_variable_any changed_;
  std::string current_;
  Clock::time_point deadline_;
  std::jthread thread_;
};

}  // namespace
}  // namespace threadkata::testing

int main(int argc, char** argv) {
  using namespace threadkata::testing;
  setenv("RC_PARAMS", kDefaultRapidCheckParams, /*overwrite=*/0);
  std::printf("threadkata: time unit %s; RC_PARAMS=\"%s\"\n", DescribeDuration(TimeUnit()).c_str(),
              std::getenv("RC_PARAMS"));
  ::testing::InitGoogleTest(&argc, argv);
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ::testing::UnitTest::GetInstance()->listeners().Append(new Watchdog);
  return RUN_ALL_TESTS();
}
