// Lesson 04 tests: run_both starts two threads, joins both, and only then reads the clock.

#include "katas/04_join/join.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "tests/support/event_log.h"
#include "tests/support/interleave/interleave.h"
#include "tests/support/property.h"
#include "tests/support/rendezvous.h"
#include "tests/support/thread_census.h"
#include "tests/support/thread_identity.h"
#include "tests/support/time_unit.h"
#include "tests/support/wall_clock/wall_clock.h"

namespace threadkata::joining {
namespace {

using testing::Clock;
using testing::DescribeDuration;
using testing::Duration;
using testing::EventLog;
using testing::LateThreadCreateReturns;
using testing::LingerAtThreadExit;
using testing::Rendezvous;
using testing::SettableWallClock;
using testing::Stopwatch;
using testing::ThreadCensus;
using testing::ThreadIdentities;
using testing::TookAtLeast;
using testing::TookLessThan;
using testing::Units;

// What the two tasks of a test share. The tasks hold it by shared_ptr, so an implementation
// that returns before its threads finish (detach) fails the test instead of leaving threads
// that write into a test that has already ended. The run counts are plain ints, each written
// by one task: only joining makes them visible to the caller (ThreadSanitizer reports less).
struct Shared {
  EventLog log;
  int first_runs = 0;
  int second_runs = 0;
};

// Fails the RapidCheck property with `lesson`, what the learner most likely did wrong.
void Require(bool ok, const std::string& lesson) {
  if (!ok) RC_FAIL(lesson);
}

// A task that sleeps `pause`, then records "<name> finished".
std::function<void()> Task(std::shared_ptr<Shared> shared, std::string name, Duration pause) {
  return [shared, name, pause] {
    std::this_thread::sleep_for(pause);
    ++(name == "first" ? shared->first_runs : shared->second_runs);
    shared->log.Record(name + " finished");
  };
}

// Runs run_both on tasks of the given lengths and says whether both finished before it
// returned.
::testing::AssertionResult BothFinishedBeforeReturn(Duration first, Duration second) {
  const auto shared = std::make_shared<Shared>();
  run_both(Task(shared, "first", first), Task(shared, "second", second));
  shared->log.Record("run_both returned");

  const auto returned = shared->log.IndexOf("run_both returned");
  for (const char* event : {"first finished", "second finished"}) {
    const auto finished = shared->log.IndexOf(event);
    if (!finished || *finished > *returned) {
      return ::testing::AssertionFailure()
             << "run_both returned before \"" << event << "\": " << shared->log.ToString()
             << ". Join both threads: a thread that is detached, or never started, is not "
                "waited for.";
    }
  }
  return ::testing::AssertionSuccess();
}

TEST(RunBoth, ReturnsOnlyAfterBothTasksFinished) {
  EXPECT_TRUE(BothFinishedBeforeReturn(Units(2), Units(0))) << "(the first task was the longer)";
  EXPECT_TRUE(BothFinishedBeforeReturn(Units(0), Units(2))) << "(the second task was the longer)";
}

TEST(RunBoth, TakesTheLongerTaskNotTheSum) {
  const auto shared = std::make_shared<Shared>();
  const Stopwatch stopwatch;
  run_both(Task(shared, "first", Units(3)), Task(shared, "second", Units(3)));
  const auto elapsed = stopwatch.Elapsed();

  EXPECT_TRUE(TookAtLeast(elapsed, Units(3)))
      << "run_both must not return before both 3-unit tasks have finished: join both threads";
  EXPECT_TRUE(TookLessThan(elapsed, Units(5)))
      << "two 3-unit tasks at the same time take 3 units; one after another they take 6. Start "
         "both threads before you join the first";
}

TEST(RunBoth, ReturnsTheTimeUntilBothFinished) {
  const auto shared = std::make_shared<Shared>();
  const Stopwatch stopwatch;
  const Seconds reported =
      run_both(Task(shared, "first", Units(1)), Task(shared, "second", Units(3)));
  const auto measured = stopwatch.Elapsed();

  EXPECT_TRUE(TookAtLeast(std::chrono::duration_cast<Duration>(reported), Units(3)))
      << "run_both reported less than the 3 units its longer task took: read the clock after "
         "both join() calls, not before them (the seed's \"Finished in 0.0 second(s)\")";
  EXPECT_LE(reported, measured)
      << "run_both reported more time than passed around the call: measure with "
         "std::chrono::steady_clock, from before starting the threads, in seconds";
}

TEST(RunBoth, RunsBothTasksAtTheSameTime) {
  const auto meeting = std::make_shared<Rendezvous>(2);
  const auto met = std::make_shared<std::atomic<int>>(0);
  const auto task = [meeting, met] {
    if (meeting->ArriveAndWait(Units(5))) ++*met;
  };
  run_both(task, task);
  EXPECT_EQ(met->load(), 2) << "each task waited for the other to be running, in vain: the tasks "
                               "ran one after another. Start both threads, then join both";
}

// Pins "each on a new thread of its own": neither on the caller's thread, nor both on one.
TEST(RunBoth, RunsEachTaskOnceOnAThreadOfItsOwn) {
  const auto identities = std::make_shared<ThreadIdentities>();
  const auto meeting = std::make_shared<Rendezvous>(2);
  run_both(
      [identities, meeting] {
        identities->Ran(0);
        meeting->ArriveAndWait(Units(5));
      },
      [identities, meeting] {
        identities->Ran(1);
        meeting->ArriveAndWait(Units(5));
      });
  EXPECT_TRUE(identities->EachRanOnceOnItsOwnThread(2))
      << "(task 0 is `first`, task 1 is `second`)";
}

// Pins "returns only once both have returned", counted by the OS: both threads have ended.
// Each task's thread lingers a unit after the task, so an implementation that detaches a
// thread and waits on a flag, a latch or a future the task fills leaves that thread behind.
TEST(RunBoth, LeavesNoThreadRunningWhenItReturns) {
  const ThreadCensus census;
  run_both([] { LingerAtThreadExit(Units(1)); }, [] { LingerAtThreadExit(Units(1)); });
  EXPECT_TRUE(census.NoThreadLeftRunning("run_both"));
}

// Pins "to just after both were joined": the time includes each thread's end, not only its
// task's (here the tasks return at once and their threads take 2 units to end).
TEST(RunBoth, ReportsTheTimeUntilBothThreadsWereJoined) {
  const Seconds reported =
      run_both([] { LingerAtThreadExit(Units(2)); }, [] { LingerAtThreadExit(Units(2)); });
  EXPECT_TRUE(TookAtLeast(std::chrono::duration_cast<Duration>(reported), Units(2)))
      << "run_both reported less than the 2 units its threads took to end: join() both threads, "
         "then read the clock; a signal the task gives as it returns comes before its thread is "
         "done";
}

// Pins "from just before the first thread started" for the time a thread takes to begin: every
// new thread is held 2 units before it runs its task (tests/support/interleave). A clock started
// inside the threads, as their work begins, misses those 2 units.
TEST(RunBoth, TheClockCountsTheTimeBeforeTheThreadsRun) {
  Seconds reported{};
  {
    const testing::HeldThreadStarts held(Units(2));
    reported = run_both([] {}, [] {});
  }
  const auto took = std::chrono::duration_cast<Duration>(reported);
  EXPECT_TRUE(TookAtLeast(took, Units(2)))
      << "run_both reported " << DescribeDuration(took)
      << ", although its threads only began to run 2 units after they were made: the clock "
         "started inside the threads. Read std::chrono::steady_clock::now() before "
         "constructing the first thread, like the seed's start = time.perf_counter() before "
         "t1.start()";
}

// Pins "from just before the first thread started": each std::thread's constructor returns
// 2 units after its thread began (tests/support/interleave), so a clock read after a thread
// was constructed misses at least the first 2 units of its 4-unit task, in every run.
TEST(RunBoth, TheClockStartsBeforeTheFirstThread) {
  struct Span {
    Clock::time_point began, ended;
  };
  const auto spans = std::make_shared<std::array<Span, 2>>();
  const auto task = [spans](int i) {
    return [spans, i] {
      (*spans)[i].began = Clock::now();
      std::this_thread::sleep_for(Units(4));
      (*spans)[i].ended = Clock::now();
    };
  };
  Seconds reported{};
  {
    const LateThreadCreateReturns late(Units(2));
    reported = run_both(task(0), task(1));
  }
  const auto& [first, second] = *spans;
  const Duration both = std::max(first.ended, second.ended) - std::min(first.began, second.began);
  EXPECT_GE(reported + std::chrono::microseconds(1), both)
      << "run_both reported " << DescribeDuration(std::chrono::duration_cast<Duration>(reported))
      << ", less than its tasks ran from the first one's start to the last one's end ("
      << DescribeDuration(both)
      << "): the clock started after a thread was already running. Read "
         "std::chrono::steady_clock::now() before constructing the first thread, like the "
         "seed's start = time.perf_counter() before t1.start()";
}

// Pins "measured on std::chrono::steady_clock": the wall clock is set back an hour while the
// tasks run (tests/support/wall_clock), as NTP or an administrator may set it. A time measured
// on system_clock, or on high_resolution_clock (the same clock in libstdc++), comes out about an
// hour short: negative.
TEST(RunBoth, MeasuresOnTheSteadyClock) {
  SettableWallClock wall;
  const Seconds reported = run_both(
      [&wall] {
        std::this_thread::sleep_for(Units(1));
        wall.Set(-std::chrono::hours(1));
        std::this_thread::sleep_for(Units(1));
      },
      [] { std::this_thread::sleep_for(Units(1)); });
  const Duration measured = std::chrono::duration_cast<Duration>(reported);
  EXPECT_TRUE(TookAtLeast(measured, Units(2)) && TookLessThan(measured, Units(30)))
      << "run_both reported " << DescribeDuration(measured)
      << " for 2-unit tasks while the wall clock was set back an hour: it measured on the wall "
         "clock (std::chrono::system_clock, or high_resolution_clock, which is the same clock in "
         "libstdc++). Measure on std::chrono::steady_clock, which never jumps";
}

THREADKATA_PROP(RunBoth, BothFinishBeforeItReturnsAndTheLongerSetsTheTime, ()) {
  const int first_quarters = *rc::gen::inRange(0, 9);
  const int second_quarters = *rc::gen::inRange(0, 9);
  const Duration first = Units(first_quarters * 0.25);
  const Duration second = Units(second_quarters * 0.25);

  const auto shared = std::make_shared<Shared>();
  const Stopwatch stopwatch;
  const Seconds reported = run_both(Task(shared, "first", first), Task(shared, "second", second));
  shared->log.Record("run_both returned");
  const auto measured = stopwatch.Elapsed();

  RC_LOG() << "events: " << shared->log.ToString() << "\n";
  Require(shared->first_runs == 1 && shared->second_runs == 1,
          "first ran " + std::to_string(shared->first_runs) + " and second " +
              std::to_string(shared->second_runs) +
              " times by the time run_both returned: start each task once, join both threads");
  const auto returned = shared->log.IndexOf("run_both returned");
  const bool first_before = shared->log.IndexOf("first finished") < returned;
  const bool second_before = shared->log.IndexOf("second finished") < returned;
  Require(first_before && second_before,
          "run_both returned before both tasks had finished: join both threads before "
          "returning");
  Require(std::chrono::duration_cast<Duration>(reported) >= std::max(first, second),
          "run_both reported " + DescribeDuration(std::chrono::duration_cast<Duration>(reported)) +
              ", less than the longer task's " + DescribeDuration(std::max(first, second)) +
              ": read the clock after both join() calls");
  Require(reported <= measured,
          "run_both reported more time than passed around the call: measure on "
          "std::chrono::steady_clock, in seconds, from just before starting the threads");
}

}  // namespace
}  // namespace threadkata::joining
