// Lesson 02 tests: tasks that wait overlap when each has a thread of its own.
//
// The CPU-bound and overhead claims of the lesson are shown by the demo, not tested here: on two
// shared cores their timings are too noisy for a pass/fail bound.

#include "katas/02_when_threads_pay/when_threads_pay.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <latch>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/support/concurrency_gauge.h"
#include "tests/support/deadline.h"
#include "tests/support/idle_meter.h"
#include "tests/support/output_recorder.h"
#include "tests/support/property.h"
#include "tests/support/rendezvous.h"
#include "tests/support/thread_census.h"
#include "tests/support/thread_identity.h"
#include "tests/support/time_unit.h"

namespace threadkata::when_threads_pay {
namespace {

using testing::ConcurrencyGauge;
using testing::CurrentThreadId;
using testing::DescribeDuration;
using testing::FinishesWithin;
using testing::IdleMeter;
using testing::LingerAtThreadExit;
using testing::OutputRecorder;
using testing::Rendezvous;
using testing::Stopwatch;
using testing::ThreadCensus;
using testing::ThreadIdentities;
using testing::TookAtLeast;
using testing::TookLessThan;
using testing::Units;

// How long a task waits at a rendezvous for the others: far longer than starting a few threads
// takes, even under a sanitizer on a loaded machine.
constexpr double kPatienceUnits = 5;

// More tasks than the machine has cores, whatever the machine: an implementation that runs them
// in batches of std::thread::hardware_concurrency() cannot pass by luck of the core count.
int ManyTasks() { return 2 * static_cast<int>(std::thread::hardware_concurrency()) + 3; }

// Fails the RapidCheck property with `lesson`, what the learner most likely did wrong.
void Require(bool ok, const std::string& lesson) {
  if (!ok) RC_FAIL(lesson);
}

// The contract's way to write a number of seconds: as std::ostream writes a double.
std::string Shown(Seconds seconds) {
  std::ostringstream text;
  text << seconds.count();
  return text.str();
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// What do_something prints and returns for each duration, in the durations' order.
std::vector<std::string> ExpectedResults(const std::vector<Seconds>& durations) {
  std::vector<std::string> results;
  for (const Seconds d : durations) results.push_back("Done Sleeping..." + Shown(d));
  return results;
}

std::vector<std::string> ExpectedLinesSorted(const std::vector<Seconds>& durations) {
  std::vector<std::string> lines;
  for (const Seconds d : durations) lines.push_back("Sleeping " + Shown(d) + " second(s)...");
  std::sort(lines.begin(), lines.end());
  return lines;
}

// The state tasks share lives in a shared_ptr that each task holds: an implementation that
// returns before its threads finish (detach) then fails the test instead of letting the
// threads write into a test that has already ended.
// The counts are plain ints, each written by its own task: only run_concurrently's waiting for
// the tasks makes them visible to the caller (ThreadSanitizer reports anything less).
struct Counters {
  explicit Counters(int n) : runs(static_cast<std::size_t>(n), 0) {}
  std::vector<int> runs;
};

TEST(RunConcurrently, RunsEveryTaskExactlyOnce) {
  constexpr int kTasks = 8;
  const auto counters = std::make_shared<Counters>(kTasks);
  std::vector<std::function<void()>> tasks;
  for (int i = 0; i < kTasks; ++i) tasks.push_back([counters, i] { ++counters->runs[i]; });

  run_concurrently(tasks);

  for (int i = 0; i < kTasks; ++i) {
    EXPECT_EQ(counters->runs[i], 1)
        << "task " << i << " must have run exactly once by the time run_concurrently returns: "
        << "did you start a thread for every task, and wait for all of them (join) before "
           "returning?";
  }
}

// Pins "Runs every task at the same time", with more tasks than cores.
TEST(RunConcurrently, RunsAllTasksAtTheSameTime) {
  const int kTasks = ManyTasks();
  const auto meeting = std::make_shared<Rendezvous>(kTasks);
  const auto all_met = std::make_shared<std::atomic<int>>(0);
  std::vector<std::function<void()>> tasks(kTasks, [meeting, all_met] {
    if (meeting->ArriveAndWait(Units(kPatienceUnits))) ++*all_met;
  });

  run_concurrently(tasks);

  EXPECT_EQ(meeting->Arrived(), kTasks) << "not every task ran before run_concurrently returned";
  EXPECT_EQ(all_met->load(), kTasks)
      << "each task waited for the others to be running at the same time, and not all of them "
         "were: the tasks ran one after another. Start every thread first, and only then wait "
         "for them (a std::jthread destroyed inside the loop that starts it waits right there)";
}

TEST(RunConcurrently, RunsTheTasksOffTheCallersThread) {
  const auto caller = std::this_thread::get_id();
  const auto ran_on_caller = std::make_shared<std::atomic<int>>(0);
  std::vector<std::function<void()>> tasks(3, [caller, ran_on_caller] {
    if (std::this_thread::get_id() == caller) ++*ran_on_caller;
  });

  run_concurrently(tasks);

  EXPECT_EQ(ran_on_caller->load(), 0)
      << "a task ran on the thread that called run_concurrently: give every task a thread of "
         "its own";
}

// Pins "each may run on any thread but the caller's", for a lone task, the last task and
// every task, and "every task runs exactly once".
TEST(RunConcurrently, RunsEveryTaskOffTheCallersThreadTheLoneOneAndTheLastOneToo) {
  for (const int count : {1, 2, ManyTasks()}) {
    const auto identities = std::make_shared<ThreadIdentities>();
    std::vector<std::function<void()>> tasks;
    for (int i = 0; i < count; ++i) tasks.push_back([identities, i] { identities->Ran(i); });
    run_concurrently(tasks);
    EXPECT_TRUE(identities->EachRanOnceOffCaller(count)) << "with " << count << " task(s)";
  }
}

// Pins "each on a thread of its own": no thread runs two of the tasks, even one after another.
TEST(RunConcurrently, RunsEachTaskOnAThreadOfItsOwn) {
  const int kTasks = ManyTasks();
  const auto identities = std::make_shared<ThreadIdentities>();
  std::vector<std::function<void()>> tasks;
  for (int i = 0; i < kTasks; ++i) tasks.push_back([identities, i] { identities->Ran(i); });
  run_concurrently(tasks);
  EXPECT_TRUE(identities->EachRanOnceOnItsOwnThread(kTasks))
      << "one thread ran several of the tasks: start a std::thread (or std::jthread) per task, "
         "not one worker that calls them in turn";
}

// Pins "While it waits, the calling thread sleeps": the caller blocks in join(), it does not
// loop on a counter of finished tasks. The kernel's counts of the caller's thread tell.
TEST(RunConcurrently, TheCallerSleepsWhileTheTasksRun) {
  std::vector<std::function<void()>> tasks(2, [] { std::this_thread::sleep_for(Units(4)); });
  const IdleMeter meter({CurrentThreadId()});
  run_concurrently(tasks);
  EXPECT_TRUE(meter.StayedAsleep("the thread that called run_concurrently"))
      << "run_concurrently kept its caller busy while the tasks ran: a loop on an atomic count "
         "(with or without yield()) burns a core that the tasks could use. Wait in join(), "
         "which sleeps until the thread has ended";
}

// Pins "returns once every one has returned": no thread it started is still running. Each
// task's thread lingers a unit after the task (as a thread destroying a large task would), so
// an implementation that detaches its threads and waits on a counter, a latch or futures the
// threads fill leaves threads behind.
TEST(RunConcurrently, LeavesNoThreadRunningWhenItReturns) {
  const int kTasks = ManyTasks();
  std::vector<std::function<void()>> tasks(kTasks, [] { LingerAtThreadExit(Units(1)); });
  const ThreadCensus census;
  const Stopwatch stopwatch;
  run_concurrently(tasks);
  const auto elapsed = stopwatch.Elapsed();
  EXPECT_TRUE(census.NoThreadLeftRunning("run_concurrently"));
  EXPECT_TRUE(TookAtLeast(elapsed, Units(1)))
      << "run_concurrently returned before its threads had ended: join() every thread (a "
         "std::jthread joins when destroyed); a latch or counter the tasks signal says only "
         "that the task returned, not that its thread is done";
}

// Pins "Runs every task at the same time, each on a thread of its own" through run_on_threads,
// for one call, two and many: every Sleeping line comes from another thread than the caller's,
// no two from the same one, and all of them at the start, not one task's duration after another.
TEST(RunOnThreads, EachCallRunsAtOnceOnAThreadOfItsOwn) {
  for (const int tasks : {1, 2, ManyTasks()}) {
    SCOPED_TRACE(std::to_string(tasks) + " durations");
    const std::vector<Seconds> durations(tasks, Units(tasks > 2 ? 3 : 2));
    OutputRecorder recorder;
    run_on_threads(durations, recorder.stream());

    std::vector<OutputRecorder::Piece> lines;
    for (const auto& piece : recorder.Pieces()) {
      if (piece.text.find("Sleeping") != std::string::npos) lines.push_back(piece);
    }
    ASSERT_EQ(lines.size(), durations.size())
        << "one Sleeping line per duration: " << recorder.Text();
    std::set<std::thread::id> threads;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      EXPECT_NE(lines[i].thread, std::this_thread::get_id())
          << "a do_something call ran on the caller's thread (of " << tasks
          << "): run_on_threads runs every call through run_concurrently, each on a thread of "
             "its own, the only one too";
      EXPECT_LT(lines[i].at, Units(1.5))
          << "Sleeping line " << i << " came " << DescribeDuration(lines[i].at)
          << " after the start, when all " << tasks << " calls should have started at "
          << "once: were they started one after another, or in batches?";
      threads.insert(lines[i].thread);
    }
    EXPECT_EQ(threads.size(), lines.size())
        << "several calls ran on the same thread: each needs a thread of its own";
  }
}

TEST(RunOnThreads, SleepingTasksOverlap) {
  constexpr int kTasks = 8;
  const std::vector<Seconds> durations(kTasks, Units(1));
  std::ostringstream out;
  const Stopwatch stopwatch;
  run_on_threads(durations, out);
  const auto elapsed = stopwatch.Elapsed();

  EXPECT_TRUE(TookAtLeast(elapsed, Units(1)))
      << "run_on_threads must wait until every task has finished: did it return before "
         "joining its threads?";
  EXPECT_TRUE(TookLessThan(elapsed, Units(3)))
      << "8 tasks sleeping 1 unit each, run at the same time, take about 1 unit; one after "
         "another they take 8. Did you wait for each thread right after starting it?";
}

TEST(RunOnThreads, ReturnsTheSequentialResultsInInputOrder) {
  // The longest task comes first: results collected as tasks finish would come out reordered.
  const std::vector<Seconds> durations = {Units(1.5), Units(0.5), Units(1)};
  std::ostringstream out;
  const std::vector<std::string> results = run_on_threads(durations, out);

  std::ostringstream sequential_out;
  std::vector<std::string> sequential;
  for (const Seconds d : durations) sequential.push_back(do_something(d, sequential_out));

  EXPECT_EQ(results, ExpectedResults(durations))
      << "results[i] must be do_something(durations[i]): store each result in its own slot "
         "(by index), not in the order the threads finish";
  EXPECT_EQ(results, sequential) << "the threaded run must return what the sequential run does";
}

TEST(RunOnThreads, PrintsEverySleepingLineOnce) {
  const std::vector<Seconds> durations = {Units(0.2), Units(0.1), Units(0.3), Units(0.1)};
  std::ostringstream out;
  run_on_threads(durations, out);

  std::vector<std::string> lines = Lines(out.str());
  std::sort(lines.begin(), lines.end());
  EXPECT_EQ(lines, ExpectedLinesSorted(durations))
      << "every task prints its one Sleeping line to the stream it is given (in any order)";
}

TEST(RunOnThreads, ReturnsNothingForNoTasks) {
  std::ostringstream out;
  EXPECT_TRUE(run_on_threads({}, out).empty());
  EXPECT_EQ(out.str(), "");
}

THREADKATA_PROP(RunConcurrently, EveryTaskRunsOnceAndAllRunTogether, ()) {
  const int count = *rc::gen::inRange(0, 9);
  const auto counters = std::make_shared<Counters>(count);
  const auto meeting = std::make_shared<Rendezvous>(count);
  const auto all_met = std::make_shared<std::atomic<int>>(0);
  const auto identities = std::make_shared<ThreadIdentities>();
  std::vector<std::function<void()>> tasks;
  for (int i = 0; i < count; ++i) {
    tasks.push_back([counters, meeting, all_met, identities, i] {
      ++counters->runs[i];
      identities->Ran(i);
      if (meeting->ArriveAndWait(Units(kPatienceUnits))) ++*all_met;
    });
  }

  run_concurrently(tasks);

  for (int i = 0; i < count; ++i) {
    Require(counters->runs[i] == 1,
            "task " + std::to_string(i) + " of " + std::to_string(count) + " ran " +
                std::to_string(counters->runs[i]) +
                " times by the time run_concurrently returned: start one thread per task, and "
                "join every one before returning");
  }
  Require(identities->EachRanOnceOffCaller(count),
          identities->EachRanOnceOffCaller(count).message());
  Require(all_met->load() == count,
          "only " + std::to_string(all_met->load()) + " of " + std::to_string(count) +
              " tasks were running at the same time: start every thread before joining any");
}

// Pins "Runs every task at the same time" for 300 tasks: more than any cap on threads a loop
// might set (16, 32, 64, 128, 256). The tasks wait in a latch until all of them are in it; a cap
// leaves the first group waiting there for good, so the test ends on a deadline instead.
TEST(RunConcurrently, RunsThreeHundredTasksAtTheSameTime) {
  constexpr int kTasks = 300;
  struct Shared {
    ConcurrencyGauge gauge;
    std::latch all_running{kTasks};
  };
  const auto shared = std::make_shared<Shared>();
  std::vector<std::function<void()>> tasks(kTasks, [shared] {
    const auto running = shared->gauge.Enter();
    shared->all_running.arrive_and_wait();
  });
  FinishesWithin(Units(20), "run_concurrently of 300 tasks that wait for each other",
                 "Not all 300 tasks were running at once: does run_concurrently start the "
                 "threads in groups of a fixed size, or one after another? Start a thread for "
                 "every task before waiting for any",
                 [&] { run_concurrently(tasks); });
  EXPECT_EQ(shared->gauge.HighWaterMark(), kTasks);
}

THREADKATA_PROP(RunOnThreads, ResultsFollowTheInputAndTheLongestTaskSetsTheTime, ()) {
  const auto count = *rc::gen::inRange<std::size_t>(0, 9);
  const auto quarters = *rc::gen::container<std::vector<int>>(count, rc::gen::inRange(0, 5));
  std::vector<Seconds> durations;
  testing::Duration longest{};
  for (const int q : quarters) {
    durations.push_back(Units(q * 0.25));
    longest = std::max(longest, Units(q * 0.25));
  }

  std::ostringstream out;
  const Stopwatch stopwatch;
  const std::vector<std::string> results = run_on_threads(durations, out);
  const auto elapsed = stopwatch.Elapsed();

  Require(results == ExpectedResults(durations),
          "results[i] must be do_something(durations[i])'s result, in the durations' order: "
          "give each task its own slot, by index");
  std::vector<std::string> lines = Lines(out.str());
  std::sort(lines.begin(), lines.end());
  Require(lines == ExpectedLinesSorted(durations),
          "every call prints its one Sleeping line to `out`; got:\n" + out.str());
  Require(elapsed >= longest, "run_on_threads took " + DescribeDuration(elapsed) +
                                  ", less than its longest task, " + DescribeDuration(longest) +
                                  ": it returned before every thread was joined");
}

}  // namespace
}  // namespace threadkata::when_threads_pay
