// Tests of the interleaving scopes: each does what it promises, and nothing once it is gone.

#include "tests/support/interleave/interleave.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

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

// How long a wait of `wait` on a thread created now took, and a lock of a free mutex.
struct Timings {
  Duration wait;
  Duration lock;
};

Timings TimeAWaitAndALockOnANewThread(Duration wait) {
  Timings timings;
  std::thread thread([wait, &timings] {
    std::mutex mutex;
    std::condition_variable cv;
    Stopwatch stopwatch;
    std::unique_lock lock(mutex);
    timings.lock = stopwatch.Elapsed();
    stopwatch = Stopwatch();
    cv.wait_for(lock, wait);
    timings.wait = stopwatch.Elapsed();
  });
  thread.join();
  return timings;
}

TEST(SlowSynchronisation, SleepsBeforeEachLockAndWaitOfTheNextThreads) {
  {
    const SlowSynchronisation slow(Units(1), 1);
    const Timings slowed = TimeAWaitAndALockOnANewThread(Units(0.1));
    EXPECT_TRUE(TookAtLeast(slowed.lock, Units(1)));
    // The deadline is set before the sleep, which outlasts it: the wait then returns at once.
    EXPECT_TRUE(TookAtLeast(slowed.wait, Units(1)));
    EXPECT_EQ(slow.Steps(), 2);
    const Timings next = TimeAWaitAndALockOnANewThread(Units(0.1));
    EXPECT_TRUE(TookLessThan(next.lock + next.wait, Units(1))) << "only one thread was to be slow";
  }
  const Timings after = TimeAWaitAndALockOnANewThread(Units(0.1));
  EXPECT_TRUE(TookLessThan(after.lock + after.wait, Units(1))) << "the scope outlived itself";
}

TEST(SlowSynchronisation, LeavesOlderThreadsAlone) {
  const SlowSynchronisation slow(Units(1), 1);
  std::mutex mutex;
  std::condition_variable cv;
  const Stopwatch stopwatch;
  std::unique_lock lock(mutex);
  cv.wait_for(lock, Units(0.1));
  EXPECT_TRUE(TookLessThan(stopwatch.Elapsed(), Units(1)));
  EXPECT_EQ(slow.Steps(), 0);
}

TEST(SpuriousWakeups, EndsTheNextWaitsOfItsThreadAtOnce) {
  std::mutex mutex;
  std::condition_variable never_notified;
  std::unique_lock lock(mutex);
  const SpuriousWakeups spurious(2);
  for (int i = 0; i < 2; ++i) {
    const Stopwatch stopwatch;
    EXPECT_EQ(never_notified.wait_for(lock, Units(10)), std::cv_status::no_timeout);
    EXPECT_TRUE(TookLessThan(stopwatch.Elapsed(), Units(5)));
  }
  EXPECT_EQ(spurious.Woken(), 2);
  const Stopwatch stopwatch;
  EXPECT_FALSE(never_notified.wait_for(lock, Units(1), [] { return false; }))
      << "the third wait waits";
  EXPECT_TRUE(TookAtLeast(stopwatch.Elapsed(), Units(1)));
  EXPECT_EQ(spurious.Woken(), 2);
}

TEST(SpuriousWakeups, LeavesOtherThreadsAlone) {
  const SpuriousWakeups spurious(1);
  std::thread other([] {
    std::mutex mutex;
    std::condition_variable never_notified;
    std::unique_lock lock(mutex);
    EXPECT_EQ(never_notified.wait_for(lock, Units(1)), std::cv_status::timeout);
  });
  other.join();
  EXPECT_EQ(spurious.Woken(), 0);
}

TEST(SpuriousWakeups, EndsTheFirstWaitsOfEachNewThreadAtOnce) {
  std::cv_status first{};
  std::cv_status second{};
  {
    const SpuriousWakeups spurious(1, SpuriousWakeups::Threads::kNewOnes);
    std::thread created([&] {
      std::mutex mutex;
      std::condition_variable never_notified;
      std::unique_lock lock(mutex);
      first = never_notified.wait_for(lock, Units(10));
      second = never_notified.wait_for(lock, Units(1));
    });
    created.join();
    EXPECT_EQ(spurious.Woken(), 1);
  }
  EXPECT_EQ(first, std::cv_status::no_timeout) << "the new thread's first wait ends at once";
  EXPECT_EQ(second, std::cv_status::timeout) << "its second wait waits";
}

TEST(DuringTheSecondLock, RunsBetweenTheCallsFirstAndSecondLock) {
  std::mutex mutex;
  std::vector<std::string> order;  // guarded by mutex
  const auto note = [&](const char* what) {
    std::lock_guard lock(mutex);
    order.push_back(what);
  };
  DuringTheSecondLock(
      Units(1), [&] { note("check"), note("act"); }, [&] { note("meanwhile"); });
  EXPECT_EQ(order, (std::vector<std::string>{"check", "meanwhile", "act"}));
  order.clear();
  DuringTheSecondLock(
      Units(1), [&] { note("once"); }, [&] { note("meanwhile"); });
  EXPECT_EQ(order, (std::vector<std::string>{"once", "meanwhile"}));
}

TEST(SpuriousTryLockFailures, FailsEveryOtherTryLockOfEachThreadBeginningWithItsFirst) {
  std::mutex mutex;
  bool answers[4] = {};
  {
    const SpuriousTryLockFailures failures;
    std::thread thread([&] {
      for (bool& answer : answers) {
        answer = mutex.try_lock();
        if (answer) mutex.unlock();
      }
    });
    thread.join();
    EXPECT_EQ(failures.Failed(), 2);
  }
  EXPECT_FALSE(answers[0]) << "the thread's first try_lock must fail";
  EXPECT_TRUE(answers[1]) << "its second must take the free mutex";
  EXPECT_FALSE(answers[2]);
  EXPECT_TRUE(answers[3]);
}

TEST(SpuriousTryLockFailures, LeavesTryLockAloneOnceGone) {
  { const SpuriousTryLockFailures failures; }
  std::mutex mutex;
  EXPECT_TRUE(mutex.try_lock());
  mutex.unlock();
  EXPECT_TRUE(mutex.try_lock());
  mutex.unlock();
}

TEST(SpuriousWakeups, EndsAWaitLateWhenGivenADelay) {
  std::mutex mutex;
  std::condition_variable never_notified;
  std::unique_lock lock(mutex);
  const SpuriousWakeups spurious(1, SpuriousWakeups::Threads::kThisOne, Units(1));
  const Stopwatch stopwatch;
  EXPECT_EQ(never_notified.wait_for(lock, Units(10)), std::cv_status::no_timeout);
  EXPECT_TRUE(TookAtLeast(stopwatch.Elapsed(), Units(1)));
  EXPECT_TRUE(TookLessThan(stopwatch.Elapsed(), Units(5)));
  EXPECT_EQ(spurious.Woken(), 1);
}

TEST(SpuriousWakeups, LeavesAWaitAloneWhoseDeadlineComesFirst) {
  std::mutex mutex;
  std::condition_variable never_notified;
  std::unique_lock lock(mutex);
  const SpuriousWakeups spurious(1, SpuriousWakeups::Threads::kThisOne, Units(2));
  EXPECT_EQ(never_notified.wait_for(lock, Units(0.5)), std::cv_status::timeout);
  EXPECT_EQ(spurious.Woken(), 0);
  const Stopwatch stopwatch;
  EXPECT_EQ(never_notified.wait_for(lock, Units(10)), std::cv_status::no_timeout)
      << "the count is kept for a wait that lasts longer than the delay";
  EXPECT_TRUE(TookAtLeast(stopwatch.Elapsed(), Units(2)));
  EXPECT_EQ(spurious.Woken(), 1);
}

TEST(SpuriousWakeups, LetsANotifyEndALateWaitFirst) {
  std::mutex mutex;
  std::condition_variable cv;
  bool ready = false;
  std::unique_lock lock(mutex);
  const SpuriousWakeups spurious(1, SpuriousWakeups::Threads::kThisOne, Units(10));
  std::thread notifier([&] {
    std::this_thread::sleep_for(Units(0.5));
    const std::lock_guard guard(mutex);
    ready = true;
    cv.notify_all();
  });
  const Stopwatch stopwatch;
  EXPECT_TRUE(cv.wait_for(lock, Units(30), [&] { return ready; }));
  EXPECT_TRUE(TookLessThan(stopwatch.Elapsed(), Units(5)));
  lock.unlock();
  notifier.join();
  EXPECT_EQ(spurious.Woken(), 0);
}

TEST(InterleaveDeathTest, OneScopeAtATime) {
  EXPECT_DEATH(
      {
        const FailingThreadCreation fail(1);
        const HeldThreadStarts held(Units(1));
      },
      "another interleaving scope was alive");
}

}  // namespace
}  // namespace threadkata::testing
