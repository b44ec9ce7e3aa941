// Lesson 07 tests: TimedThread, a thread handle with join_for(timeout), running() and a
// destructor that waits instead of ending the program.

#include "katas/07_join_timeout/join_timeout.h"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <future>
#include <latch>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "tests/support/blocking_call/blocking_call.h"
#include "tests/support/deadline.h"
#include "tests/support/idle_meter.h"
#include "tests/support/interleave/interleave.h"
#include "tests/support/property.h"
#include "tests/support/thread_census.h"
#include "tests/support/time_unit.h"
#include "tests/support/wall_clock/wall_clock.h"

namespace threadkata {
namespace {

using testing::FinishesWithin;
using testing::Stopwatch;
using testing::TookAtLeast;
using testing::TookLessThan;
using testing::Units;

constexpr char kBlockedHint[] =
    "join_for must give up at its timeout: wait with condition_variable::wait_for, not wait() "
    "or std::thread::join(), and do not let the work's thread hold mutex_ while work() runs "
    "(lock it only to set done_, after work() has returned)";

constexpr char kJoinedTwiceHint[] =
    "a second join must not join the std::thread again: std::thread::join() on a thread that was "
    "already joined throws std::system_error (\"Invalid argument\"). Join only while "
    "thread_.joinable()";

// Runs `wait`, a call that should block its thread for `waits`, and checks from the kernel's
// counts that the thread slept through it rather than spinning or polling.
void ExpectSleepsWhileWaiting(const char* what, testing::Duration waits,
                              const std::function<void()>& wait) {
  const auto asleep = FinishesWithin(waits + Units(30), what, kBlockedHint, [&] {
    const testing::IdleMeter meter({testing::CurrentThreadId()});
    wait();
    return meter.StayedAsleep(what);
  });
  EXPECT_TRUE(asleep)
      << "waiting must sleep, not loop around yield() or a short sleep: join_for sleeps in "
         "wait_for(lock, timeout, predicate) until the thread notifies the condition variable, "
         "join() in std::thread::join()";
}

// Runs `wait`, a call that should block its thread with no time limit until the work has
// returned, while another thread reads from the kernel which call this one is blocked in for
// `window`: a wait with a timeout (join_for with a long timeout, a wait_for loop) gives up or
// wakes up by itself, which "blocks until `work` has returned, like join()" never does.
void ExpectWaitsWithoutATimeout(const char* what, testing::Duration window,
                                const std::function<void()>& wait) {
  const auto untimed = FinishesWithin(window + Units(30), what, kBlockedHint, [&] {
    const pid_t waiter = testing::CurrentThreadId();
    std::future<::testing::AssertionResult> watched = std::async(std::launch::async, [&] {
      return testing::NeverWaitedWithATimeout({waiter}, what, window);
    });
    wait();
    return watched.get();
  });
  EXPECT_TRUE(untimed) << what
                       << " must wait with no time limit until the work has returned, as "
                          "std::thread::join() does: a join_for with a long timeout, or a loop "
                          "of them, gives up or wakes up by itself. Wait on the condition "
                          "variable without a timeout, or join the std::thread";
}

// Waits, without joining, until running() says the work has returned (it must within 30 units).
void WaitUntilTheWorkHasReturned(const TimedThread& thread) {
  const Stopwatch stopwatch;
  while (thread.running() && stopwatch.Elapsed() < Units(30)) {
    std::this_thread::sleep_for(Units(0.05));
  }
  ASSERT_FALSE(thread.running()) << "work that returns at once still runs after 30 units, as "
                                    "running() says: set the flag when the work returns";
}

// Calls join_for(`timeout`), a timeout of zero or less, on work that waits for the test, and
// checks that it says false at once. Ten checks together take far less than a unit, even on a
// loaded machine; a join_for that waits for anything (a default timeout, a whole unit) cannot
// fit them in two.
void ExpectOnlyChecks(Seconds timeout) {
  constexpr int kChecks = 10;
  const testing::Duration patience = Units(2);
  std::promise<void> gate;
  TimedThread thread([go = gate.get_future().share()] { go.wait(); });
  const auto [checks, joined] = FinishesWithin(
      Units(30), "join_for(0 or less) on work that waits for the test", kBlockedHint, [&] {
        const Stopwatch stopwatch;
        int made = 0;
        bool any_true = false;
        while (made < kChecks && stopwatch.Elapsed() < patience) {
          any_true = thread.join_for(timeout) || any_true;
          ++made;
        }
        return std::pair(made, any_true);
      });
  EXPECT_FALSE(joined) << "the work is still waiting: join_for(" << timeout.count()
                       << " s) is false";
  EXPECT_EQ(checks, kChecks) << "only " << checks << " of " << kChecks << " calls of join_for("
                             << timeout.count() << " s) fitted in "
                             << testing::DescribeDuration(patience)
                             << ": a timeout of zero or less must only check whether the work "
                                "has ended, not wait (it is not a default timeout)";
  gate.set_value();
}

TEST(JoinFor, ReturnsTrueAsSoonAsTheWorkEnds) {
  int effect = 0;
  TimedThread thread([&] {
    std::this_thread::sleep_for(Units(1));
    effect = 42;
  });
  const Stopwatch stopwatch;
  const bool joined = FinishesWithin(Units(30), "join_for(10 units) on 1 unit of work",
                                     kBlockedHint, [&] { return thread.join_for(Units(10)); });
  const auto elapsed = stopwatch.Elapsed();
  ASSERT_TRUE(joined) << "the work ended after 1 unit, well before the 10-unit timeout, so "
                         "join_for must return true: does the thread set the done flag and "
                         "notify the condition variable when the work returns?";
  EXPECT_TRUE(TookLessThan(elapsed, Units(3)))
      << "join_for kept waiting after the work had ended: notify the condition variable when "
         "the work returns, and wait with a predicate on the done flag";
  EXPECT_EQ(effect, 42) << "join_for returned true, but what the work did is not visible: set "
                           "the done flag under the mutex, after the work has returned";
}

TEST(JoinFor, ReturnsFalseAtTheTimeoutWhileTheWorkGoesOn) {
  int effect = 0;
  const Stopwatch since_start;
  TimedThread thread([&] {
    std::this_thread::sleep_for(Units(5));
    effect = 42;
  });
  const Stopwatch stopwatch;
  const bool joined = FinishesWithin(Units(30), "join_for(1 unit) on 5 units of work", kBlockedHint,
                                     [&] { return thread.join_for(Units(1)); });
  const auto elapsed = stopwatch.Elapsed();
  if (joined && elapsed >= Units(4.5)) {
    ADD_FAILURE() << "join_for(1 unit) said true after " << testing::DescribeDuration(elapsed)
                  << ", when the 5-unit work had ended: it waited without a time limit (wait() "
                     "or std::thread::join() instead of wait_for), or for mutex_ while the work's "
                     "thread held it (lock mutex_ only to set done_, after work() has returned)";
  } else {
    EXPECT_FALSE(joined) << "the work takes 5 units and the timeout is 1 unit, so join_for must "
                            "return false: did you return true without waiting for the flag?";
  }
  EXPECT_TRUE(TookAtLeast(elapsed, Units(1)))
      << "join_for must wait the whole timeout before it gives up: did you return at once, or "
         "wait for less than the timeout?";
  EXPECT_TRUE(TookLessThan(elapsed, Units(3)))
      << "join_for must return soon after its timeout, not when the work ends: did you wait "
         "without a time limit?";
  EXPECT_TRUE(thread.running())
      << "after join_for gave up the work is still going, so running() must be true";

  FinishesWithin(Units(30), "join() after join_for gave up",
                 "join() must wait for the work to end, then join the std::thread",
                 [&] { thread.join(); });
  EXPECT_TRUE(TookAtLeast(since_start.Elapsed(), Units(5)))
      << "join() returned before the 5-unit work ended: it must block until the work returns";
  EXPECT_EQ(effect, 42) << "after join() everything the work did must be visible";
  EXPECT_FALSE(thread.running()) << "after join() the work has ended: running() must be false";
}

// Pins "Returns false no earlier than `timeout`" through a spurious wake-up: the first wait of
// join_for ends at once with nobody having notified (tests/support/interleave), which POSIX and
// the C++ standard allow. A single wait_for without a predicate, followed by one look at the flag,
// gives up then; a predicate (or a loop until the deadline) waits again.
TEST(JoinFor, ASpuriousWakeUpDoesNotEndTheWait) {
  std::promise<void> gate;
  TimedThread thread([go = gate.get_future().share()] { go.wait(); });
  testing::Duration elapsed{};
  int woken = 0;
  const bool joined =
      FinishesWithin(Units(30), "join_for(1 unit) on work that is waiting", kBlockedHint, [&] {
        const testing::SpuriousWakeups spurious(1);
        const Stopwatch stopwatch;
        const bool result = thread.join_for(Units(1));
        elapsed = stopwatch.Elapsed();
        woken = spurious.Woken();
        return result;
      });
  gate.set_value();
  thread.join();
  EXPECT_FALSE(joined) << "the work was waiting for the test, yet join_for said it had ended";
  EXPECT_EQ(woken, 1) << "join_for did not wait on a condition variable";
  EXPECT_TRUE(TookAtLeast(elapsed, Units(1)))
      << "join_for(1 unit) gave up after " << testing::DescribeDuration(elapsed)
      << ", when its wait woke up with nobody having notified (a spurious wake-up, which any "
         "wait may have): check the flag again and wait again until the timeout, e.g. with "
         "wait_for(lock, timeout, predicate)";
}

// Pins "Blocks until `work` has returned or `timeout` has passed, whichever comes first" (and no
// longer) when a wait wakes up late with nobody having notified. Each of join_for's first two waits
// that would last longer than 0.9 unit ends then (tests/support/interleave). Waiting until one
// deadline (wait_for with a predicate, or wait_until) returns at 1 unit; a fresh
// wait_for(timeout) after each wake-up restarts the whole timeout and returns at 2.8 units at the
// earliest, since a wait never ends early.
TEST(JoinFor, ALateSpuriousWakeUpDoesNotRestartTheTimeout) {
  std::promise<void> gate;
  TimedThread thread([go = gate.get_future().share()] { go.wait(); });
  testing::Duration elapsed{};
  int woken = 0;
  const bool joined =
      FinishesWithin(Units(30), "join_for(1 unit) on work that is waiting", kBlockedHint, [&] {
        const testing::SpuriousWakeups spurious(2, testing::SpuriousWakeups::Threads::kThisOne,
                                                Units(0.9));
        const Stopwatch stopwatch;
        const bool result = thread.join_for(Units(1));
        elapsed = stopwatch.Elapsed();
        woken = spurious.Woken();
        return result;
      });
  gate.set_value();
  thread.join();
  EXPECT_FALSE(joined) << "the work was waiting for the test, yet join_for said it had ended";
  EXPECT_GE(woken, 1) << "join_for did not wait on a condition variable";
  EXPECT_TRUE(TookLessThan(elapsed, Units(2.5)))
      << "join_for(1 unit) took " << testing::DescribeDuration(elapsed)
      << " when its wait woke up after 0.9 unit with nobody having notified (a spurious "
         "wake-up): it waited the whole timeout again from there. Compute the deadline once and "
         "wait until it (wait_for(lock, timeout, predicate) does), not wait_for(timeout) in a "
         "loop";
}

// Pins "Returns false no earlier than `timeout`" below a millisecond: the fraction is waited
// for too.
TEST(JoinFor, WaitsAFractionOfAMillisecondToo) {
  std::promise<void> gate;
  TimedThread thread([go = gate.get_future().share()] { go.wait(); });
  const Seconds timeout(0.0009);
  testing::Duration elapsed{};
  const bool joined =
      FinishesWithin(Units(30), "join_for(0.0009 s) on work that is waiting", kBlockedHint, [&] {
        const Stopwatch stopwatch;
        const bool result = thread.join_for(timeout);
        elapsed = stopwatch.Elapsed();
        return result;
      });
  gate.set_value();
  thread.join();
  EXPECT_FALSE(joined) << "the work was waiting for the test, yet join_for said it had ended";
  EXPECT_TRUE(TookAtLeast(elapsed, std::chrono::duration_cast<testing::Duration>(timeout)))
      << "join_for(0.0009 s) gave up before 0.9 ms had passed: a timeout cast to whole "
         "milliseconds (or seconds) loses the fraction. Hand `timeout` to wait_for as it is";
}

TEST(JoinFor, GivingUpLeavesTheWorkRunningUntilAJoinSucceeds) {
  std::promise<void> gate;
  std::atomic<bool> work_ended = false;
  int effect = 0;
  TimedThread thread([&, go = gate.get_future().share()] {
    go.wait();
    effect = 42;
    work_ended = true;
  });
  EXPECT_FALSE(FinishesWithin(Units(30), "join_for(1 unit) on work that waits for the test",
                              kBlockedHint, [&] { return thread.join_for(Units(1)); }))
      << "the work cannot end before the test lets it, so join_for must return false";
  EXPECT_FALSE(work_ended) << "join_for must not stop, skip or finish the work: it only waits";
  EXPECT_TRUE(thread.running()) << "the work is still waiting, so running() must be true";

  gate.set_value();
  EXPECT_TRUE(FinishesWithin(Units(30), "join_for(10 units) after the work was let go",
                             kBlockedHint, [&] { return thread.join_for(Units(10)); }))
      << "a later join_for must return true once the work has ended: a timeout is not final";
  EXPECT_EQ(effect, 42) << "after a successful join_for everything the work did is visible";
}

TEST(JoinFor, ReturnsAtOnceWhenTheWorkHasAlreadyEnded) {
  TimedThread thread([] {});
  ASSERT_TRUE(FinishesWithin(Units(30), "join_for(5 units) on work that does nothing", kBlockedHint,
                             [&] { return thread.join_for(Units(5)); }))
      << "work that does nothing ends before a 5-unit timeout: join_for must return true";
  const Stopwatch stopwatch;
  bool joined_again = false;
  EXPECT_NO_THROW(joined_again = thread.join_for(Units(10))) << kJoinedTwiceHint;
  EXPECT_TRUE(joined_again) << "joining a thread that has ended must return true again, as "
                               "Python's join has no further effect";
  EXPECT_TRUE(TookLessThan(stopwatch.Elapsed(), Units(3)))
      << "join_for waited though the work had already ended: check the done flag before "
         "waiting (wait_for with a predicate does), or the notification sent earlier is lost";
  const Stopwatch second_join;
  EXPECT_NO_THROW(thread.join()) << kJoinedTwiceHint;
  EXPECT_TRUE(TookLessThan(second_join.Elapsed(), Units(3)))
      << "join() on a thread that was already joined must return at once";
}

// What the tests' work captures: destroying it, which the thread does after the work has
// returned and before it ends, takes `delay` and then sets `*destroyed`.
class SlowToDestroy {
 public:
  SlowToDestroy(testing::Duration delay, std::atomic<bool>* destroyed)
      : delay_(delay), destroyed_(destroyed) {}
  SlowToDestroy(const SlowToDestroy&) = delete;
  SlowToDestroy& operator=(const SlowToDestroy&) = delete;
  ~SlowToDestroy() {
    std::this_thread::sleep_for(delay_);
    destroyed_->store(true);
  }

 private:
  const testing::Duration delay_;
  std::atomic<bool>* const destroyed_;
};

// Pins "Returns true ... having joined the thread: ... everything it did, down to destroying its
// copy of `work`, is visible" and the same of join(): the work's capture takes 2 units to be
// destroyed after the work has returned. A join_for() or a join() that returns at the done flag
// without joining leaves the thread running on after it said the thread was done.
TEST(JoinFor, TrueMeansTheThreadHasEnded) {
  for (const bool with_join_for : {true, false}) {
    std::atomic<bool> destroyed{false};
    TimedThread thread([capture = std::make_shared<SlowToDestroy>(Units(2), &destroyed)] {});
    const char* const call = with_join_for ? "join_for(30 units)" : "join()";
    if (with_join_for) {
      ASSERT_TRUE(thread.join_for(Units(30)))
          << "work that does nothing ended: " << call << " must say true";
    } else {
      thread.join();
    }
    EXPECT_TRUE(destroyed.load())
        << call << " returned while the thread was still running (destroying the work's "
        << "captures, after the done flag was set): once the flag is seen, join the "
        << "std::thread before returning. A join that returns has joined";
  }
}

// Pins the same for "A timeout of zero or less only checks": a true join_for(0) has joined too.
// The work has returned (running() is false) while its capture still takes 2 units to be
// destroyed: a join_for that answers a zero timeout from the done flag alone returns at once.
TEST(JoinFor, ATrueFromAZeroOrNegativeTimeoutHasJoinedToo) {
  for (const Seconds timeout : {Seconds(0), Seconds(-1)}) {
    std::atomic<bool> destroyed{false};
    TimedThread thread([capture = std::make_shared<SlowToDestroy>(Units(2), &destroyed)] {});
    const Stopwatch waiting;
    while (thread.running() && waiting.Elapsed() < Units(10)) {
      std::this_thread::sleep_for(Units(0.05));
    }
    ASSERT_FALSE(thread.running()) << "work that does nothing never ended: running() stays true";
    ASSERT_TRUE(thread.join_for(timeout))
        << "the work has returned, so join_for(" << timeout.count() << " s) must say true";
    EXPECT_TRUE(destroyed.load())
        << "join_for(" << timeout.count() << " s) said true while the thread was still running "
        << "(destroying the work's captures): a timeout of zero or less only spares the wait "
           "for the flag; once the flag is seen, join the std::thread before saying true. Did "
           "you return the flag itself for such a timeout?";
  }
}

// Pins "Returns false no earlier than `timeout`" and as soon as it has passed, whatever the
// wall clock does: it is set back an hour during the wait (tests/support/wall_clock). A
// deadline on system_clock then lies an hour ahead.
TEST(JoinFor, TimesOutOnTheSteadyClock) {
  std::promise<void> gate;
  TimedThread thread([go = gate.get_future().share()] { go.wait(); });
  bool joined = true;
  const testing::Duration took = testing::TimeWhileTheWallClockIsSetBack(
      Units(0.5), Units(30), "join_for(2 units) on work that waits for the test",
      [&] { joined = thread.join_for(Units(2)); });
  gate.set_value();
  EXPECT_FALSE(joined) << "the work was still waiting for the test: join_for must say false";
  EXPECT_TRUE(TookAtLeast(took, Units(2)) && TookLessThan(took, Units(10)))
      << "join_for(2 units) took " << testing::DescribeDuration(took)
      << " while the wall clock was set back an hour: time the wait on "
         "std::chrono::steady_clock (wait_for, or wait_until with a steady_clock deadline)";
}

TEST(JoinFor, ZeroTimeoutOnlyChecks) { ExpectOnlyChecks(Seconds(0)); }

// Promise: "A timeout of zero or less only checks", also after the work has returned, and
// "Returns true ... at once if it already had".
TEST(JoinFor, ZeroOrNegativeTimeoutAfterTheWorkEndedSaysTrue) {
  for (const Seconds timeout : {Seconds(0), Seconds(-1)}) {
    TimedThread thread([] {});
    const Stopwatch waiting;
    while (thread.running() && waiting.Elapsed() < Units(10)) {
      std::this_thread::sleep_for(Units(0.05));
    }
    ASSERT_FALSE(thread.running()) << "work that does nothing never ended: running() stays true";
    EXPECT_TRUE(thread.join_for(timeout))
        << "the work has returned (nobody joined yet), so join_for(" << timeout.count()
        << " s) must say true: a timeout of zero or less still checks the done flag. Did you "
           "return false for such a timeout before looking at the flag?";
    bool joined_again = false;
    EXPECT_NO_THROW(joined_again = thread.join_for(timeout)) << kJoinedTwiceHint;
    EXPECT_TRUE(joined_again) << "the work has returned and was joined, so join_for("
                              << timeout.count() << " s) must say true again";
  }
}

// Promise: "A timeout of zero or less only checks": while the work runs, it says false at once.
TEST(JoinFor, NegativeTimeoutWhileTheWorkRunsSaysFalseAtOnce) { ExpectOnlyChecks(Seconds(-1)); }

// Promise (README): join_for waits asleep on the condition variable, neither spinning nor
// polling.
TEST(JoinFor, SleepsWhileItWaits) {
  std::promise<void> gate;
  TimedThread thread([go = gate.get_future().share()] { go.wait(); });
  ExpectSleepsWhileWaiting("join_for(5 units) on work that goes on", Units(5),
                           [&] { EXPECT_FALSE(thread.join_for(Units(5))); });
  gate.set_value();
}

// Promise: join() "Blocks until `work` has returned", asleep like std::thread::join().
TEST(Join, SleepsWhileItWaits) {
  TimedThread thread([] { std::this_thread::sleep_for(Units(5)); });
  ExpectSleepsWhileWaiting("join() on 5 units of work", Units(5), [&] { thread.join(); });
}

// Promise: join() "Blocks, with no time limit, until `work` has returned".
TEST(Join, WaitsWithoutATimeout) {
  TimedThread thread([] { std::this_thread::sleep_for(Units(3)); });
  ExpectWaitsWithoutATimeout("join() on 3 units of work", Units(2), [&] { thread.join(); });
}

// Promise: the destructor "Blocks, with no time limit, until `work` has returned".
TEST(Destructor, WaitsWithoutATimeout) {
  auto thread = std::make_unique<TimedThread>([] { std::this_thread::sleep_for(Units(3)); });
  ExpectWaitsWithoutATimeout("the destructor, on 3 units of work", Units(2),
                             [&] { thread.reset(); });
}

// Promise: the constructor "Starts `work` on a new thread and returns at once".
TEST(Constructor, StartsTheWorkOnANewThreadAndReturnsAtOnce) {
  std::promise<std::thread::id> ran_on;
  std::promise<void> gate;
  const Stopwatch stopwatch;
  TimedThread thread([&ran_on, go = gate.get_future().share()] {
    ran_on.set_value(std::this_thread::get_id());
    go.wait();
  });
  EXPECT_TRUE(TookLessThan(stopwatch.Elapsed(), Units(5)))
      << "the constructor waited for the work: it must start the thread and return";
  gate.set_value();
  auto id = ran_on.get_future();
  ASSERT_EQ(id.wait_for(Units(30)), std::future_status::ready) << "the work never started";
  EXPECT_NE(id.get(), std::this_thread::get_id())
      << "the work ran on the thread that constructed the TimedThread: start a std::thread";
}

// Promise: "running() may be called from any thread": several threads ask while the work ends
// (under ThreadSanitizer, a flag read without the mutex is a data race).
TEST(Running, MayBeCalledFromManyThreadsWhileTheWorkEnds) {
  constexpr int kAskers = 4;
  std::latch asking(kAskers + 1);
  TimedThread thread([&asking] { asking.arrive_and_wait(); });
  std::vector<std::jthread> askers;
  for (int i = 0; i < kAskers; ++i) {
    askers.emplace_back([&] {
      asking.arrive_and_wait();
      const Stopwatch stopwatch;
      while (thread.running() && stopwatch.Elapsed() < Units(10)) std::this_thread::yield();
    });
  }
  askers.clear();
  EXPECT_FALSE(thread.running()) << "the work has returned, so running() must be false";
}

// Promise: running() is "false from then on [once `work` has returned]" for every caller, and
// "may be called from any thread": many threads asking at once all hear false. A running()
// that only tries the mutex (try_lock) and guesses "still running" when another thread holds
// it answers true to some of them.
TEST(Running, IsFalseForEveryCallerOnceTheWorkHasReturned) {
  // Eight askers for 2 units: even on a loaded machine, an asker that loses its processor while
  // it holds the mutex keeps the others' try_lock() failing at times.
  constexpr int kAskers = 8;
  TimedThread thread([] {});
  WaitUntilTheWorkHasReturned(thread);
  std::latch asking(kAskers);
  std::atomic<long> asked{0};
  std::atomic<long> said_running{0};
  {
    std::vector<std::jthread> askers;
    for (int i = 0; i < kAskers; ++i) {
      askers.emplace_back([&] {
        asking.arrive_and_wait();
        const Stopwatch stopwatch;
        while (stopwatch.Elapsed() < Units(2)) {
          if (thread.running()) ++said_running;
          ++asked;
        }
      });
    }
  }
  EXPECT_EQ(said_running, 0)
      << "running() said true " << said_running << " times in " << asked << " calls from "
      << kAskers << " threads at once, after the work had returned: lock the mutex and read "
      << "the flag (std::lock_guard), do not try_lock() and guess when another thread holds it";
}

// Promise: running() is "false from then on" for every caller, whatever another thread does
// with the mutex. A try_lock may fail even on a free mutex (the standard allows it), and here
// every caller's first one does: a running() that reads a failed try_lock as "the work is
// still running" is caught in every run, not only when two callers happen to meet.
TEST(Running, DoesNotGuessWhenTryLockFails) {
  TimedThread thread([] {});
  WaitUntilTheWorkHasReturned(thread);
  bool said_running = false;
  const testing::SpuriousTryLockFailures failures;
  std::thread([&] { said_running = thread.running(); }).join();
  EXPECT_FALSE(said_running) << "running() said true after the work had returned"
                             << (failures.Failed() > 0
                                     ? ", when its try_lock() failed: a failed try_lock() does not "
                                       "mean the work is still running"
                                     : "")
                             << ": lock the mutex and read the flag (std::lock_guard)";
}

// Promise: running() "Never waits for the work": asked while the work runs (it waits for the
// test), it answers at once. A thread that holds mutex_ while work() runs makes running() wait
// for the whole work, here forever.
TEST(Running, NeverWaitsForTheWork) {
  std::latch started(1);
  std::promise<void> gate;
  TimedThread thread([&started, go = gate.get_future().share()] {
    started.count_down();
    go.wait();
  });
  started.wait();
  const bool running = FinishesWithin(
      Units(30), "running() while the work runs",
      "running() waited for the work: does the thread hold mutex_ while work() runs? Lock it "
      "only to set done_, after work() has returned",
      [&] { return thread.running(); });
  gate.set_value();
  EXPECT_TRUE(running) << "the work was still waiting for the test: running() must say true";
}

// Promise: running() "Never waits for the work", nor for a join() or join_for() in progress on
// another thread. Those wait for the thread to end, down to destroying the work's captures
// (here 20 units); one that holds mutex_ while it joins makes running() wait as long.
TEST(Running, NeverWaitsForAJoinInProgress) {
  for (const bool with_join_for : {true, false}) {
    std::atomic<bool> destroyed{false};
    TimedThread thread([capture = std::make_shared<SlowToDestroy>(Units(20), &destroyed)] {});
    WaitUntilTheWorkHasReturned(thread);
    std::atomic<pid_t> joiner_tid{0};
    std::jthread joiner([&] {
      joiner_tid = gettid();
      if (with_join_for) {
        EXPECT_TRUE(thread.join_for(Units(100))) << "the work had returned";
      } else {
        thread.join();
      }
    });
    ASSERT_TRUE(testing::WaitUntilBlockedIn(joiner_tid, "futex", Units(10)))
        << "the thread calling " << (with_join_for ? "join_for" : "join") << " never blocked";
    const auto asked =
        FinishesWithin(Units(50), "running() during a join", "running() waited for a join", [&] {
          const Stopwatch stopwatch;
          const bool running = thread.running();
          return std::pair(running, stopwatch.Elapsed());
        });
    EXPECT_FALSE(asked.first) << "the work had returned: running() must say false";
    EXPECT_TRUE(TookLessThan(asked.second, Units(5)))
        << "running() waited for the " << (with_join_for ? "join_for()" : "join()")
        << " in progress on another thread: does it hold mutex_ while it joins the std::thread? "
           "Let go of the mutex once the done flag is seen, then join";
  }
}

TEST(Running, IsTrueWhileTheWorkRunsAndFalseOnceItEnds) {
  std::promise<void> gate;
  TimedThread thread([go = gate.get_future().share()] { go.wait(); });
  EXPECT_TRUE(thread.running()) << "running() must be true from construction until the work "
                                   "returns: did you start the work in the constructor?";
  gate.set_value();
  const Stopwatch stopwatch;
  while (thread.running() && stopwatch.Elapsed() < Units(10)) {
    std::this_thread::sleep_for(Units(0.05));
  }
  EXPECT_FALSE(thread.running())
      << "the work returned 10 units ago and nobody joined: running() must turn false when "
         "the work returns (std::thread::joinable() stays true until a join, so it cannot "
         "answer is_alive())";
}

TEST(Destructor, WaitsForWorkThatIsStillRunning) {
  auto ended = std::make_shared<std::atomic<bool>>(false);
  const Stopwatch stopwatch;
  {
    TimedThread thread([ended] {
      std::this_thread::sleep_for(Units(2));
      *ended = true;
    });
  }
  EXPECT_TRUE(TookAtLeast(stopwatch.Elapsed(), Units(2)))
      << "the destructor must wait for the work (join), not detach it";
  EXPECT_TRUE(*ended) << "the destructor returned before the work ended: join in the destructor";
}

// Promise: the destructor "Blocks until `work` has returned", also after join_for gave up.
TEST(Destructor, WaitsForTheWorkAfterJoinForGaveUp) {
  auto ended = std::make_shared<std::atomic<bool>>(false);
  {
    TimedThread thread([ended] {
      std::this_thread::sleep_for(Units(3));
      *ended = true;
    });
    EXPECT_FALSE(thread.join_for(Units(1))) << "3 units of work, 1 unit of timeout: false";
  }
  EXPECT_TRUE(*ended) << "the destructor returned before the work ended: after join_for gave "
                         "up, the std::thread must still be joinable, and the destructor must "
                         "join it (did join_for detach the thread when it gave up?)";
}

// Promise: the destructor "Blocks until `work` has returned, like join()": it joins also when
// the work has already ended. A detached thread still unlocks the mutex and notifies after it
// sets the flag, so it would use the object after the destructor returned.
TEST(Destructor, JoinsWhenTheWorkHasAlreadyEnded) {
  const testing::ThreadCensus census;
  {
    TimedThread thread([] {});
    WaitUntilTheWorkHasReturned(thread);
  }
  EXPECT_TRUE(census.NoThreadLeftRunning("~TimedThread"))
      << "the destructor must join the std::thread, also once the work has ended: detaching it "
         "leaves a thread that still unlocks the mutex and notifies the condition variable of "
         "an object that is gone";
}

TEST(DestructorDeathTest, WaitsAndNeverEndsTheProgram) {
  // Exit status 0: the destructor waited for the work; 1: it returned before the work ended.
  const auto destroy_while_running = [] {
    std::atomic<bool> ended = false;
    {
      TimedThread thread([&ended] {
        std::this_thread::sleep_for(Units(1));
        ended = true;
      });
    }
    std::_Exit(ended ? 0 : 1);
  };
  EXPECT_EXIT(destroy_while_running(), ::testing::ExitedWithCode(0), "")
      << "destroying a TimedThread whose work is running must wait for the work: an exit "
         "status of 1 means the destructor returned first (did you detach?), an abort means it "
         "left the std::thread joinable, and a joinable std::thread's destructor calls "
         "std::terminate";
  const auto destroy_when_done = [] {
    {
      TimedThread thread([] {});
      thread.join_for(Units(5));
    }
    std::_Exit(0);
  };
  EXPECT_EXIT(destroy_when_done(), ::testing::ExitedWithCode(0), "")
      << "destroying a TimedThread whose work has ended ended the program: a finished "
         "std::thread is still joinable until someone joins it";
}

// Whichever comes first, the work's end or the timeout, decides join_for's answer and how
// long it takes. The two are at least 2 units apart so that scheduling noise cannot swap them.
THREADKATA_PROP(TimedThread, JoinForAnswersWhicheverComesFirst, ()) {
  const int work = *rc::gen::inRange(0, 5);
  const int timeout =
      *rc::gen::suchThat(rc::gen::inRange(0, 5), [work](int t) { return std::abs(t - work) >= 2; });
  const Stopwatch since_start;
  TimedThread thread([work] { std::this_thread::sleep_for(Units(work)); });
  const Stopwatch stopwatch;
  const bool joined = thread.join_for(Units(timeout));
  const auto elapsed = stopwatch.Elapsed();
  const auto work_took = since_start.Elapsed();

  RC_LOG() << "work " << work << " units, timeout " << timeout << " units, join_for said " << joined
           << " after " << testing::DescribeDuration(elapsed) << "\n";
  if (joined != (work < timeout)) {
    RC_FAIL(work < timeout ? "the work ended before the timeout, so join_for must say true: "
                             "does the thread set the flag and notify when the work returns?"
                           : "the timeout came first, so join_for must say false");
  }
  if (joined && work_took < Units(work)) {
    RC_FAIL("join_for said true before the work had returned: set the done flag after work()");
  }
  if (!joined && elapsed < Units(timeout)) {
    RC_FAIL("join_for gave up before its timeout had passed");
  }
  // Halfway between the two: the right answer comes well before it, the wrong one well after.
  if (elapsed >= Units((work + timeout) / 2.0)) {
    RC_FAIL(joined ? "join_for kept waiting after the work had ended: wait with a predicate, "
                     "and when the work returns set the flag under the mutex, then notify (a "
                     "notification sent before the flag is set wakes the waiter too early: it "
                     "sees no flag and sleeps on until its timeout)"
                   : "join_for kept waiting after its timeout: wait with wait_for, not wait()");
  }
  try {
    thread.join();
  } catch (const std::system_error& error) {
    RC_FAIL(std::string(kJoinedTwiceHint) + " (join() after join_for said " +
            (joined ? "true" : "false") + " threw: " + error.what() + ")");
  }
}

}  // namespace
}  // namespace threadkata
