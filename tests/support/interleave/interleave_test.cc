// Tests of the interleaving scopes: each does what it promises, and nothing once it is gone.

#include "tests/support/interleave/interleave.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <system_error>
#include <thread>

#include "gtest/gtest.h"
#include "tests/support/time_unit.h"

namespace threadkata::testing {
namespace {

TEST(HeldThreadStarts, HoldsANewThreadUntilReleased) {
  std::atomic<bool> ran{false};
  HeldThreadStarts held(Units(50));
  std::thread thread([&ran] { ran = true; });
  std::this_thread::sleep_for(Units(1));
  EXPECT_FALSE(ran) << "a held thread ran its task before Release()";
  held.Release();
  thread.join();
  EXPECT_TRUE(ran);
  EXPECT_EQ(held.GaveUp(), 0);
}

TEST(HeldThreadStarts, GivesUpAfterItsPatience) {
  HeldThreadStarts held(Units(1));
  const Stopwatch stopwatch;
  std::thread thread([] {});
  thread.join();
  EXPECT_TRUE(TookAtLeast(stopwatch.Elapsed(), Units(1)));
  EXPECT_EQ(held.GaveUp(), 1);
}

TEST(LateThreadCreateReturns, ReturnsTheDelayAfterTheThreadBegan) {
  std::atomic<Clock::rep> began{0};
  Clock::time_point returned;
  {
    const LateThreadCreateReturns late(Units(1));
    std::thread thread([&began] { began = Clock::now().time_since_epoch().count(); });
    returned = Clock::now();
    thread.join();
  }
  EXPECT_TRUE(TookAtLeast(returned - Clock::time_point(Clock::duration(began.load())), Units(1)));
  const Stopwatch stopwatch;
  std::thread([] {}).join();
  EXPECT_TRUE(TookLessThan(stopwatch.Elapsed(), Units(1))) << "the scope outlived itself";
}

TEST(FailingThreadCreation, RefusesEveryThreadAfterTheFirstN) {
  {
    const FailingThreadCreation fail(1);
    std::thread first([] {});
    first.join();
    try {
      std::thread second([] {});
      second.join();
      ADD_FAILURE() << "the second thread started";
    } catch (const std::system_error& error) {
      EXPECT_EQ(error.code(), std::errc::resource_unavailable_try_again);
    }
    EXPECT_EQ(fail.Refused(), 1);
  }
  std::thread after([] {});
  after.join();
}

// A wait of `wait` on a thread created now, and how long it took.
Duration TimeAWaitOnANewThread(Duration wait) {
  Duration took{};
  std::thread thread([wait, &took] {
    std::mutex mutex;
    std::condition_variable cv;
    std::unique_lock lock(mutex);
    const Stopwatch stopwatch;
    cv.wait_for(lock, wait);
    took = stopwatch.Elapsed();
  });
  thread.join();
  return took;
}

TEST(SlowConditionWaits, SleepsBeforeEachWaitOfANewThread) {
  {
    const SlowConditionWaits slow(Units(1));
    // The deadline is set before the sleep, which outlasts it: the wait then returns at once.
    EXPECT_TRUE(TookAtLeast(TimeAWaitOnANewThread(Units(0.1)), Units(1)));
    EXPECT_EQ(slow.Entered(), 1);
  }
  EXPECT_TRUE(TookLessThan(TimeAWaitOnANewThread(Units(0.1)), Units(1)))
      << "the scope outlived itself";
}

TEST(SlowConditionWaits, LeavesOlderThreadsAlone) {
  const SlowConditionWaits slow(Units(1));
  std::mutex mutex;
  std::condition_variable cv;
  std::unique_lock lock(mutex);
  const Stopwatch stopwatch;
  cv.wait_for(lock, Units(0.1));
  EXPECT_TRUE(TookLessThan(stopwatch.Elapsed(), Units(1)));
  EXPECT_EQ(slow.Entered(), 0);
}

}  // namespace
}  // namespace threadkata::testing
