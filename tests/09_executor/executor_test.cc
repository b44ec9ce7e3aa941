// Lesson 09 tests: an executor that runs each task once, on at most max_workers threads, and
// carries results and exceptions back through futures.

#include "katas/09_executor/executor.h"

#include <sys/types.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <future>
#include <latch>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/support/blocking_call/blocking_call.h"
#include "tests/support/concurrency_gauge.h"
#include "tests/support/deadline.h"
#include "tests/support/event_log.h"
#include "tests/support/hammer.h"
#include "tests/support/idle_meter.h"
#include "tests/support/interleave/interleave.h"
#include "tests/support/property.h"
#include "tests/support/thread_census.h"
#include "tests/support/time_unit.h"

namespace threadkata {
namespace {

using testing::ConcurrencyGauge;
using testing::CurrentThreadId;
using testing::DescribeDuration;
using testing::Duration;
using testing::EventLog;
using testing::FailingThreadCreation;
using testing::FinishesWithin;
using testing::Hammer;
using testing::IdleMeter;
using testing::LingerAtThreadExit;
using testing::NeverWaitedWithATimeout;
using testing::SlowSynchronisation;
using testing::Stopwatch;
using testing::ThreadCensus;
using testing::TookAtLeast;
using testing::TookLessThan;
using testing::Units;

// What a test throws when a task's result never comes: the failure is already recorded.
struct ResultLost : std::runtime_error {
  ResultLost() : std::runtime_error("the task's result never came (see the failure above)") {}
};

// The failure a lesson's task throws on purpose.
struct TaskFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// future.get(), with the two ways a broken pool loses a task turned into messages.
template <class T>
T ResultOf(std::future<T>& future) {
  if (future.wait_for(Units(20)) != std::future_status::ready) {
    ADD_FAILURE() << "a submitted task had not run after 20 units: does enqueue() wake a worker "
                     "(notify_one after pushing), and does a worker take tasks from the queue?";
    throw ResultLost();
  }
  try {
    return future.get();
  } catch (const std::future_error& error) {
    if (error.code() != std::future_errc::broken_promise) throw;
    ADD_FAILURE() << "a submitted task was destroyed without ever running (broken promise): "
                     "enqueue() must keep every task until a worker has called it, also at "
                     "shutdown()";
    throw ResultLost();
  }
}

// executor.map(...), with a lost task turned into a message.
template <class F, class T>
auto MapOf(Executor& executor, F f, const std::vector<T>& inputs) {
  try {
    return executor.map(f, inputs);
  } catch (const std::future_error& error) {
    if (error.code() != std::future_errc::broken_promise) throw;
    ADD_FAILURE() << "map(): a task was destroyed without ever running (broken promise): "
                     "enqueue() must keep every task until a worker has called it";
    throw ResultLost();
  }
}

// Holds tasks until `expected` of them are waiting at once, so that a test can tell that the
// pool really runs that many together. Gives up after `limit`, and then lets everyone through
// at once, so that a pool with fewer workers fails the test quickly instead of hanging.
class Rendezvous {
 public:
  Rendezvous(int expected, Duration limit) : expected_(expected), limit_(limit) {}

  void ArriveAndWait() {
    std::unique_lock lock(mutex_);
    ++arrived_;
    all_here_.notify_all();
    if (!all_here_.wait_for(lock, limit_, [this] { return arrived_ >= expected_ || gave_up_; })) {
      gave_up_ = true;
      all_here_.notify_all();
    }
  }

 private:
  const int expected_;
  const Duration limit_;
  std::mutex mutex_;
  std::condition_variable all_here_;
  int arrived_ = 0;
  bool gave_up_ = false;
};

int Add(int a, int b) { return a + b; }

TEST(Executor, RejectsZeroWorkers) {
  EXPECT_THROW(Executor(0), std::invalid_argument)
      << "a pool without workers could never run a task: throw std::invalid_argument";
}

// While alive, a std::terminate prints `hint` before the program aborts: for a test in which
// the likely mistake ends the program instead of failing an assertion.
class TerminateHint {
 public:
  explicit TerminateHint(const char* hint) : previous_(std::set_terminate(Print)) {
    current_hint = hint;
  }
  ~TerminateHint() { std::set_terminate(previous_); }

  TerminateHint(const TerminateHint&) = delete;
  TerminateHint& operator=(const TerminateHint&) = delete;

 private:
  static void Print() {
    std::fprintf(stderr, "[  HINT    ] %s\n", current_hint);
    std::abort();
  }

  static inline const char* current_hint = "";
  const std::terminate_handler previous_;
};

// Pins "If a worker cannot be started, joins the workers already started and lets
// std::thread's std::system_error through": the third std::thread of four fails to start
// (tests/support/interleave), as when the system runs out of threads. The destructor does not
// run after a constructor throws, so the constructor must clean up itself: workers left
// joinable call std::terminate, workers never told to stop wait for tasks forever.
TEST(Executor, AWorkerThatCannotStartLeavesNoOtherBehind) {
  const ThreadCensus census;
  FinishesWithin(
      Units(30), "Executor's constructor, when its third worker cannot start",
      "Does the constructor tell the workers it started to stop (as shutdown() does) before it "
      "joins them? They wait for tasks forever otherwise.",
      [] {
        const TerminateHint hint(
            "std::terminate while the constructor was leaving by the exception of a worker that "
            "could not start: a std::thread still joinable was destroyed. Catch the exception, "
            "stop and join the workers already started, then rethrow it.");
        const FailingThreadCreation third_fails(2);
        try {
          const Executor executor(4);
          ADD_FAILURE() << "Executor(4) returned although its third worker could not start: let "
                           "std::thread's std::system_error out of the constructor";
        } catch (const std::system_error& error) {
          EXPECT_EQ(error.code(), std::errc::resource_unavailable_try_again)
              << "the constructor threw another std::system_error than std::thread's: "
              << error.what();
        }
        EXPECT_EQ(third_fails.Refused(), 1)
            << "the third worker was never refused: did the constructor start its workers?";
      });
  EXPECT_TRUE(census.NoThreadLeftRunning("Executor's constructor, when its third worker failed"))
      << "catch the exception of a worker that cannot start, join the workers already started "
         "(after telling them to stop), then rethrow it";
}

// Pins max_workers(): "The number of worker threads, as given to the constructor", also after
// shutdown() has joined them.
TEST(Executor, ReportsItsMaxWorkers) {
  Executor executor(3);
  EXPECT_EQ(executor.max_workers(), 3u) << "max_workers() must return the constructor's argument";
  executor.shutdown();
  EXPECT_EQ(executor.max_workers(), 3u)
      << "after shutdown() max_workers() changed: it returns the constructor's argument, not "
         "the number of threads still in the vector (keep the argument in a member of its own)";
}

TEST(Submit, ReturnsAFutureOfTheTasksResult) {
  Executor executor(2);
  auto sum = executor.submit(Add, 2, 3);
  auto text = executor.submit([](const std::string& s, int n) { return s + std::to_string(n); },
                              std::string("Done Sleeping..."), 1);
  auto moved = executor.submit([](std::unique_ptr<int> p) { return *p; }, std::make_unique<int>(7));
  EXPECT_EQ(ResultOf(sum), 5) << "submit(f, args...) must return a future of f(args...)";
  EXPECT_EQ(ResultOf(text), "Done Sleeping...1");
  EXPECT_EQ(ResultOf(moved), 7);
}

TEST(Submit, WakesAnIdleWorker) {
  Executor executor(1);
  // Gives the worker time to find the queue empty and wait: now only a notification wakes it.
  std::this_thread::sleep_for(Units(1));
  auto sum = executor.submit(Add, 1, 2);
  EXPECT_EQ(ResultOf(sum), 3);
}

TEST(Submit, RunsTheTaskOnAWorkerThread) {
  Executor executor(2);
  auto id = executor.submit([] { return std::this_thread::get_id(); });
  EXPECT_NE(ResultOf(id), std::this_thread::get_id())
      << "the task ran on the thread that called submit(): enqueue() must hand the task to a "
         "worker, not call it";
}

TEST(Submit, ReturnsBeforeTheTaskEnds) {
  Executor executor(1);
  const Stopwatch stopwatch;
  auto slow = executor.submit([] { std::this_thread::sleep_for(Units(5)); });
  EXPECT_TRUE(TookLessThan(stopwatch.Elapsed(), Units(1)))
      << "submit() waited for its 5-unit task: it must only queue the task and return, like "
         "Python's executor.submit()";
  ResultOf(slow);
}

// Pins that workers run tasks at the same time, not in turns: with two workers, two tasks that
// wait for each other both run. Placed before the checks a pool that takes turns hangs in.
TEST(Submit, TwoWorkersRunTwoTasksTogether) {
  Executor executor(2);
  Rendezvous both_running(2, Units(5));
  std::atomic<int> met{0};
  const auto meet = [&] {
    const Stopwatch waited;
    both_running.ArriveAndWait();
    if (waited.Elapsed() < Units(5)) ++met;
  };
  auto first = executor.submit(meet);
  auto second = executor.submit(meet);
  ResultOf(first);
  ResultOf(second);
  EXPECT_EQ(met.load(), 2)
      << "two tasks on a pool of two workers could not run at the same time: the workers took "
         "turns. Does a worker keep the mutex locked while its task runs? Unlock it before "
         "calling the task and lock it again after";
}

// Pins submit() "returns at once, without waiting for it to start": with the only worker
// busy, a second task waits in the queue, and submit() does not wait for a worker to take it.
TEST(Submit, ReturnsWithoutWaitingForAFreeWorker) {
  Executor executor(1);
  std::promise<void> release;
  auto busy = executor.submit([held = release.get_future()] { held.wait_for(Units(20)); });
  auto queued = FinishesWithin(
      Units(10), "submit() while every worker is busy",
      "Does enqueue() wait for a worker to take the task? It must only queue it and return.",
      [&] { return executor.submit(Add, 2, 2); });
  release.set_value();
  ResultOf(busy);
  EXPECT_EQ(ResultOf(queued), 4);
}

TEST(Submit, CarriesTheTasksExceptionToGet) {
  Executor executor(1);
  auto failing = executor.submit([]() -> int { throw TaskFailed("out of coffee"); });
  try {
    ResultOf(failing);
    ADD_FAILURE() << "get() returned although the task threw: the future must carry the "
                     "exception";
  } catch (const TaskFailed& error) {
    EXPECT_STREQ(error.what(), "out of coffee");
  }
  auto after = executor.submit(Add, 1, 1);
  EXPECT_EQ(ResultOf(after), 2) << "a task that threw must not take its worker down with it";
}

TEST(Submit, ThrowsAfterShutdown) {
  Executor executor(2);
  executor.shutdown();
  EXPECT_THROW(executor.submit(Add, 1, 2), std::runtime_error)
      << "after shutdown() no worker is left to run a task: enqueue() must throw "
         "std::runtime_error instead of queueing a task that never runs";
}

// Pins "Throws std::runtime_error after shutdown() has begun" with "each task runs exactly
// once" for a shutdown() that begins while submit() is under way: the submitting thread sleeps
// before each mutex lock (tests/support/interleave), and shutdown() runs in the sleep before a
// second lock if submit() takes one. A submit() that checks the flag under one lock and pushes
// the task under another then queues it after the workers have left: accepted, never run.
TEST(Submit, AShutdownBetweenTheCheckAndThePushLosesNoTask) {
  Executor executor(1);
  std::atomic<int> ran{0};
  std::future<void> result;
  bool refused = false;
  testing::DuringTheSecondLock(
      Units(3),
      [&] {
        try {
          result = executor.submit([&ran] { ++ran; });
        } catch (const std::runtime_error&) {
          refused = true;
        }
      },
      [&] {
        FinishesWithin(Units(30), "shutdown() while submit() is under way",
                       "did shutdown() wait for a task that submit() had not queued yet?",
                       [&] { executor.shutdown(); });
      });
  if (refused) return;  // shutdown() had begun: refused, as promised
  ASSERT_TRUE(result.valid());
  EXPECT_EQ(result.wait_for(Units(10)), std::future_status::ready)
      << "submit() accepted a task while shutdown() began, and the task never ran: it checked "
         "the shutdown flag under one lock and queued the task under another, after the workers "
         "had left. Check the flag and push the task under one lock";
  EXPECT_EQ(ran.load(), 1);
}

// Pins "Throws std::runtime_error after shutdown() has begun" with "each task runs exactly
// once": a task whose submit() threw was never accepted, so it never runs, not even when a
// worker is still emptying the queue for shutdown(). One worker is kept busy while the owner's
// shutdown() waits for it; tasks submitted meanwhile are accepted until shutdown() has begun,
// and the first refused one must not be in the queue the worker empties once it is released.
TEST(Submit, RefusedWhileShutdownWaitsNeverRuns) {
  Executor executor(1);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  executor.submit([released] { released.wait(); });
  std::mutex mutex;
  std::vector<int> ran;  // guarded by mutex
  std::thread owner([&] { executor.shutdown(); });
  int accepted = 0;
  int refused = -1;
  Stopwatch waiting;
  for (int i = 0; refused < 0 && waiting.Elapsed() < Units(30); ++i) {
    try {
      executor.submit([&, i] {
        std::lock_guard lock(mutex);
        ran.push_back(i);
      });
      ++accepted;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    } catch (const std::runtime_error&) {
      refused = i;
    }
  }
  release.set_value();
  owner.join();
  ASSERT_GE(refused, 0) << "submit() went on accepting tasks for 30 units while shutdown() was "
                           "waiting for a busy worker: shutdown() must set its \"shutting down\" "
                           "flag (under the mutex) before it waits for the queue and the workers";
  std::lock_guard lock(mutex);
  EXPECT_EQ(std::count(ran.begin(), ran.end(), refused), 0)
      << "a task whose submit() threw std::runtime_error still ran: enqueue() pushed it before "
         "checking the \"shutting down\" flag. Check the flag first, then push, in one locked "
         "section";
  EXPECT_EQ(static_cast<int>(ran.size()) - std::count(ran.begin(), ran.end(), refused), accepted)
      << "every task that submit() accepted must run before shutdown() returns";
}

TEST(Executor, RunsEveryTaskExactlyOnce) {
  constexpr int kTasks = 200;
  std::vector<std::atomic<int>> runs(kTasks);
  {
    Executor executor(4);
    for (int i = 0; i < kTasks; ++i) executor.submit([&runs, i] { runs[i].fetch_add(1); });
  }
  for (int i = 0; i < kTasks; ++i) {
    ASSERT_EQ(runs[i].load(), 1) << "task " << i << " of " << kTasks << " ran " << runs[i].load()
                                 << " times: pop each task off the queue as you take it, and "
                                    "keep every task until it has run";
  }
}

TEST(Executor, StartsTasksInSubmissionOrder) {
  EventLog log;
  std::promise<void> release;
  std::vector<std::future<void>> done;
  Executor executor(1);
  // Keeps the only worker busy until all eight tasks wait in the queue.
  done.push_back(executor.submit([queued = release.get_future()] { queued.wait_for(Units(20)); }));
  for (int i = 0; i < 8; ++i) {
    done.push_back(executor.submit([&log, i] { log.Record("task " + std::to_string(i)); }));
  }
  release.set_value();
  for (auto& d : done) ResultOf(d);
  const std::vector<std::string> expected = {"task 0", "task 1", "task 2", "task 3",
                                             "task 4", "task 5", "task 6", "task 7"};
  EXPECT_EQ(log.Events(), expected)
      << "a single worker ran the tasks out of submission order: take tasks from the front of "
         "the queue (first in, first out), like Python's executor";
}

// Pins "first submitted first started" with more than one worker: queued tasks wait in one line
// that every free worker takes the front of. Both workers are kept busy while six tasks are
// queued; then one is freed, and it alone must run all six, in submission order, while the
// other is still busy. A queue per worker (tasks dealt to the workers in turn) leaves half of
// them behind the busy worker; a worker that empties its own queue before taking another's
// runs them out of order.
TEST(Executor, AFreeWorkerStartsTheOldestQueuedTask) {
  EventLog log;
  std::latch both_busy(2);
  std::promise<void> release_first;
  std::promise<void> release_second;
  Executor executor(2);
  auto first = executor.submit([&both_busy, held = release_first.get_future()] {
    both_busy.count_down();
    held.wait_for(Units(40));
  });
  auto second = executor.submit([&both_busy, held = release_second.get_future()] {
    both_busy.count_down();
    held.wait_for(Units(40));
  });
  const Stopwatch waiting;
  while (!both_busy.try_wait() && waiting.Elapsed() < Units(10)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const bool were_both_busy = both_busy.try_wait();
  std::vector<std::future<void>> queued;
  for (int i = 0; i < 6; ++i) {
    queued.push_back(executor.submit([&log, i] { log.Record("task " + std::to_string(i)); }));
  }
  release_first.set_value();
  const auto deadline = std::chrono::steady_clock::now() + Units(10);
  bool all_ran = true;
  for (auto& task : queued) {
    all_ran = task.wait_until(deadline) == std::future_status::ready && all_ran;
  }
  const std::vector<std::string> order = log.Events();
  release_second.set_value();
  ResultOf(first);
  ResultOf(second);
  for (auto& task : queued) ResultOf(task);
  ASSERT_TRUE(were_both_busy) << "two tasks on a pool of two workers never ran at once";
  ASSERT_TRUE(all_ran)
      << "one worker was free and the other busy, yet the queued tasks did not all run within "
         "10 units: they waited for the busy worker. Keep one queue that every worker takes "
         "from, not a queue per worker with tasks dealt to the workers in turn";
  EXPECT_EQ(order,
            (std::vector<std::string>{"task 0", "task 1", "task 2", "task 3", "task 4", "task 5"}))
      << "the only free worker started the queued tasks out of submission order: every worker "
         "takes the oldest task of the one queue they share (first in, first out)";
}

class MaxWorkers : public ::testing::TestWithParam<int> {};

TEST_P(MaxWorkers, RunsUpToMaxWorkersTasksAtOnceAndNeverMore) {
  const int max_workers = GetParam();
  ConcurrencyGauge gauge;
  Rendezvous all_workers_busy(max_workers, Units(10));
  std::vector<std::future<void>> done;
  Executor executor(max_workers);
  for (int i = 0; i < 3 * max_workers; ++i) {
    done.push_back(executor.submit([&] {
      const auto running = gauge.Enter();
      all_workers_busy.ArriveAndWait();
      std::this_thread::sleep_for(Units(0.5));
    }));
  }
  for (auto& d : done) ResultOf(d);
  EXPECT_LE(gauge.HighWaterMark(), max_workers)
      << gauge.HighWaterMark() << " tasks ran at once with max_workers = " << max_workers
      << ": the pool ignores its limit. Start max_workers threads once, in the constructor, "
         "and let them take tasks from a queue; do not start a thread per task";
  EXPECT_EQ(gauge.HighWaterMark(), max_workers)
      << "only " << gauge.HighWaterMark() << " of " << max_workers
      << " workers ever ran tasks together: start max_workers threads, and unlock the mutex "
         "while a task runs so that the others can take tasks meanwhile";
}

// More workers than this machine has cores, whatever the machine.
INSTANTIATE_TEST_SUITE_P(
    Executor, MaxWorkers,
    ::testing::Values(1, 2, 4, 8, static_cast<int>(std::thread::hardware_concurrency()) + 1));

TEST(Shutdown, WaitsForEveryQueuedTask) {
  std::atomic<int> finished{0};
  Executor executor(2);
  const Stopwatch stopwatch;
  for (int i = 0; i < 6; ++i) {
    executor.submit([&finished] {
      std::this_thread::sleep_for(Units(1));
      finished.fetch_add(1);
    });
  }
  FinishesWithin(Units(30), "Executor::shutdown()",
                 "Do the workers leave their loop once shutdown has begun and the queue is empty?",
                 [&] { executor.shutdown(); });
  EXPECT_EQ(finished.load(), 6)
      << "shutdown() returned before every submitted task had run: workers must keep taking "
         "tasks until the queue is empty, and shutdown() must join them";
  EXPECT_TRUE(TookAtLeast(stopwatch.Elapsed(), Units(3)))
      << "six 1-unit tasks on two workers need 3 units, and they ended sooner: more than two "
         "ran at once. Only the workers run tasks; shutdown() waits for them and runs none "
         "itself";
}

// Pins "blocks until every task already submitted has run, then joins the workers" for a
// shutdown() that comes while an idle worker is between its check for work and its wait. The
// worker sleeps 1 unit before each mutex lock and before each condition-variable wait
// (tests/support/interleave), and shutdown() comes during the first or the second such sleep: a
// flag set, or a notify sent, without holding the mutex the worker holds while it checks and
// then waits reaches no waiter, in every run, and the worker sleeps for ever.
// Pins "Each task runs exactly once, on a worker thread" for the tasks still queued when
// shutdown() begins: the workers run them, not the owner's thread that waits in shutdown().
TEST(Shutdown, LeavesTheQueuedTasksToTheWorkers) {
  std::vector<std::future<std::thread::id>> ran_on;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  {
    Executor executor(1);
    ran_on.push_back(executor.submit([released] {
      released.wait();
      return std::this_thread::get_id();
    }));
    for (int i = 0; i < 3; ++i) {
      ran_on.push_back(executor.submit([] { return std::this_thread::get_id(); }));
    }
    std::thread releaser([&release] {
      std::this_thread::sleep_for(Units(1));
      release.set_value();
    });
    executor.shutdown();
    releaser.join();
  }
  const std::thread::id worker = ran_on.front().get();
  for (std::size_t i = 1; i < ran_on.size(); ++i) {
    const std::thread::id id = ran_on[i].get();
    EXPECT_NE(id, std::this_thread::get_id())
        << "task " << i << ", queued when shutdown() began, ran on the thread that called "
        << "shutdown(): shutdown() only waits; the workers drain the queue before they leave";
    EXPECT_EQ(id, worker) << "task " << i << " of a pool of one worker ran on another thread";
  }
}

TEST(Shutdown, ReachesAWorkerAboutToWait) {
  for (int step = 1; step <= 2; ++step) {
    std::optional<Executor> executor;
    {
      const SlowSynchronisation slow(Units(1), 1);
      executor.emplace(1);
      // A worker that reached its wait takes no more steps: shut down then, after 5 units.
      const Stopwatch waiting;
      while (slow.Steps() < step && waiting.Elapsed() < Units(5)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      FinishesWithin(Units(20), "Executor::shutdown() while the worker is about to wait",
                     "shutdown() came while the idle worker had checked for work and was about "
                     "to wait: the wake-up was lost. Set the shutdown flag while holding the "
                     "mutex the workers check it under (a std::atomic flag set without that "
                     "mutex is not enough: its store and notify can fall between a worker's "
                     "check and its wait), then notify_all()",
                     [&] { executor->shutdown(); });
    }
  }
}

TEST(Shutdown, CanBeCalledTwice) {
  Executor executor(2);
  auto task = executor.submit(Add, 2, 2);
  FinishesWithin(Units(30), "a second Executor::shutdown()",
                 "The second call must find nothing to do.", [&] {
                   executor.shutdown();
                   executor.shutdown();
                 });
  EXPECT_EQ(ResultOf(task), 4);
}

TEST(Destructor, RunsEveryQueuedTaskFirst) {
  std::atomic<int> finished{0};
  FinishesWithin(Units(30), "~Executor()",
                 "The destructor must call shutdown(), which waits for the queue to empty.", [&] {
                   Executor executor(2);
                   for (int i = 0; i < 6; ++i) {
                     executor.submit([&finished] {
                       std::this_thread::sleep_for(Units(0.5));
                       finished.fetch_add(1);
                     });
                   }
                 });
  EXPECT_EQ(finished.load(), 6)
      << "the Executor was destroyed before its queued tasks had run: like the end of Python's "
         "`with` block, ~Executor() must call shutdown(), which waits for every task";
}

TEST(Map, ReturnsResultsInInputOrder) {
  Executor executor(5);
  // The first input sleeps longest, so the tasks finish in reverse order.
  const std::vector<int> quarters = {4, 3, 2, 1, 0};
  const auto results = MapOf(
      executor,
      [](int q) {
        std::this_thread::sleep_for(Units(0.25 * q));
        return "Done Sleeping..." + std::to_string(q);
      },
      quarters);
  const std::vector<std::string> expected = {"Done Sleeping...4", "Done Sleeping...3",
                                             "Done Sleeping...2", "Done Sleeping...1",
                                             "Done Sleeping...0"};
  EXPECT_EQ(results, expected) << "map() must return results in input order";
}

TEST(Map, ReturnsNothingForNoInputs) {
  Executor executor(2);
  EXPECT_TRUE(MapOf(
                  executor, [](int x) { return x; }, std::vector<int>{})
                  .empty());
}

TEST(Map, RethrowsTheFirstExceptionInInputOrder) {
  Executor executor(8);
  // Input 5 throws first in time; input 2 throws first in input order.
  const auto fail_at = [](int i) {
    if (i == 2) {
      std::this_thread::sleep_for(Units(1));
      throw TaskFailed("input 2");
    }
    if (i == 5) throw TaskFailed("input 5");
    return i;
  };
  try {
    MapOf(executor, fail_at, std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7});
    ADD_FAILURE() << "map() returned although two calls threw";
  } catch (const TaskFailed& error) {
    EXPECT_STREQ(error.what(), "input 2")
        << "map() must rethrow the exception of the first failing input in input order";
  }
}

// Pins: "Starts `max_workers` worker threads" (in the constructor), "each task runs ... on a
// worker thread" (every task: a lone one, those submitted while every worker is busy, the
// last one), and "a fixed pool": no thread is started per task.
TEST(Executor, RunsEveryTaskOnOneOfTheWorkersItStartedUpFront) {
  constexpr int kWorkers = 3;
  const ThreadCensus census;
  Executor executor(kWorkers);
  const std::set<pid_t> workers = census.NewThreads();
  ASSERT_EQ(workers.size(), static_cast<std::size_t>(kWorkers))
      << "the constructor started " << workers.size() << " threads for max_workers = " << kWorkers
      << ": start exactly max_workers worker threads in the constructor, and let "
      << "them wait for tasks (do not start them later, when tasks arrive)";
  const auto where = [] { return CurrentThreadId(); };
  auto lone = executor.submit(where);
  std::vector<pid_t> ran_on = {ResultOf(lone)};
  // Every worker busy: the tasks submitted now wait in the queue.
  std::promise<void> release;
  const std::shared_future<void> released = release.get_future().share();
  std::atomic<int> busy{0};
  std::vector<std::future<pid_t>> batch;
  for (int i = 0; i < kWorkers; ++i) {
    batch.push_back(executor.submit([&busy, released] {
      busy.fetch_add(1);
      released.wait_for(Units(20));
      return CurrentThreadId();
    }));
  }
  const Stopwatch patience;
  while (busy.load() < kWorkers && patience.Elapsed() < Units(20)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  for (int i = 0; i < 30; ++i) batch.push_back(executor.submit(where));
  release.set_value();
  for (auto& future : batch) ran_on.push_back(ResultOf(future));
  for (std::size_t i = 0; i < ran_on.size(); ++i) {
    const pid_t tid = ran_on[i];
    ASSERT_NE(tid, CurrentThreadId())
        << "task " << i << " of " << ran_on.size()
        << " ran on the thread that called submit(): every task must be handed to a worker, "
           "also the first, the last, and those submitted while every worker is busy (they "
           "wait in the queue)";
    ASSERT_TRUE(workers.contains(tid))
        << "task " << i << " ran on a thread the constructor did not start: the pool must "
        << "reuse its max_workers workers, not start a thread for a task";
  }
  EXPECT_EQ(census.NewThreads(), workers)
      << "the pool has other threads than the max_workers it started: never start a thread "
         "per task";
}

// Pins: shutdown() "joins the workers" and the destructor calls it: when either returns, no
// thread of the pool is left running. Each worker lingers a unit at its exit, so a worker that
// was detached, not joined, is still there when shutdown() returns.
TEST(Shutdown, LeavesNoWorkerThreadRunning) {
  for (const bool by_destructor : {false, true}) {
    const ThreadCensus census;
    {
      Executor executor(2);
      Hammer(2, 2, [&executor](int) { executor.submit([] { LingerAtThreadExit(Units(1)); }); });
      if (!by_destructor) {
        FinishesWithin(Units(30), "Executor::shutdown()",
                       "Do the workers leave their loop once shutdown has begun and the queue is "
                       "empty?",
                       [&] { executor.shutdown(); });
        EXPECT_TRUE(census.NoThreadLeftRunning("Executor::shutdown()"))
            << "shutdown() must join() every worker, not detach it or only wait for the "
               "tasks' results";
      }
    }
    if (by_destructor) {
      EXPECT_TRUE(census.NoThreadLeftRunning("~Executor()"))
          << "the destructor must call shutdown(), which joins every worker";
    }
  }
}

// Pins "a worker with nothing to do sleeps until a task is queued or shutdown() begins: it
// neither spins nor polls". A worker that spins (yield) burns a core or is rescheduled at every
// yield. One that polls (a sleep_for, or a wait_for with a timeout, in a loop) spends its idle
// time in a call that ends by itself, whatever its period, and a short period also wakes it
// hundreds of times a second. One worker, alone with its mutex: several spinning workers
// contend for the mutex they share, sleep on it and wake up often, and would look like polling
// in some runs and like spinning in others.
TEST(Executor, AnIdleWorkerSleeps) {
  const ThreadCensus census;
  Executor executor(1);
  const std::set<pid_t> worker = census.NewThreads();
  MapOf(
      executor, [](int x) { return x; }, std::vector<int>{1, 2});
  std::this_thread::sleep_for(Units(0.5));
  const IdleMeter meter(worker);
  EXPECT_TRUE(NeverWaitedWithATimeout(worker, "an idle executor worker", Units(3)))
      << "Wait on the condition variable without a timeout (wait(lock, predicate), not "
         "wait_for); enqueue() and shutdown() notify the worker, so it never needs to look";
  EXPECT_TRUE(meter.StayedAsleep("an idle executor worker"))
      << "Wait on the condition variable without a timeout; enqueue() and shutdown() wake the "
         "worker";
}

// Pins "submit() may be called from any thread": several threads submitting at once lose no
// task and run none twice (under tsan, a push outside the mutex is a reported race).
// Pins "A worker leaves only when shutdown has begun and the queue is empty": bursts of tiny
// tasks from several threads, in which a worker is often woken for a task that another worker,
// back from its own, took first. Afterwards every worker must still take tasks: max_workers
// tasks that wait for each other all run together.
TEST(Executor, EveryWorkerStaysThroughBurstsOfTasks) {
  constexpr int kWorkers = 4;
  constexpr int kThreads = 4;
  constexpr int kRounds = 20;
  constexpr int kEach = 300;
  Executor executor(kWorkers);
  // Each round starts with every worker asleep, when a burst wakes them the most.
  for (int round = 0; round < kRounds; ++round) {
    std::vector<std::vector<std::future<void>>> done(kThreads);
    Hammer(kThreads, kEach, [&](int t) { done[t].push_back(executor.submit([] {})); });
    for (auto& futures : done) {
      for (auto& future : futures) ResultOf(future);
    }
  }
  Rendezvous all_together(kWorkers, Units(10));
  std::atomic<int> met{0};
  std::vector<std::future<void>> meeting;
  for (int i = 0; i < kWorkers; ++i) {
    meeting.push_back(executor.submit([&] {
      const Stopwatch waited;
      all_together.ArriveAndWait();
      if (waited.Elapsed() < Units(10)) ++met;
    }));
  }
  for (auto& future : meeting) ResultOf(future);
  EXPECT_EQ(met.load(), kWorkers)
      << "after bursts of tasks, fewer than " << kWorkers << " workers were left to run tasks "
      << "together: a worker left the pool although shutdown() had not begun. Wait with "
      << "wake.wait(lock, predicate) (or a while loop around wait), never a single if: a worker "
      << "woken for a task another one took first must go back to waiting";
}

TEST(Submit, FromManyThreadsAtOnce) {
  constexpr int kThreads = 4;
  constexpr int kEach = 50;
  std::vector<std::atomic<int>> runs(kThreads * kEach);
  {
    Executor executor(3);
    std::vector<std::atomic<int>> next(kThreads);
    Hammer(kThreads, kEach, [&](int t) {
      executor.submit([&runs, n = t * kEach + next[t]++] { runs[n].fetch_add(1); });
    });
  }
  for (std::size_t n = 0; n < runs.size(); ++n) {
    ASSERT_EQ(runs[n].load(), 1) << "with " << kThreads << " threads submitting at once, task " << n
                                 << " ran " << runs[n].load()
                                 << " times: push onto the queue only while holding the mutex";
  }
}

// Pins "submit() may be called ... also from inside a task".
TEST(Submit, FromInsideATask) {
  Executor executor(2);
  auto outer = executor.submit([&executor] { return executor.submit(Add, 20, 22); });
  std::future<int> inner = FinishesWithin(
      Units(30), "submit() from inside a task",
      "Does a worker hold the mutex while it runs its task? Then the task's own submit() waits "
      "for that mutex forever.",
      [&] { return ResultOf(outer); });
  EXPECT_EQ(ResultOf(inner), 42) << "a task submitted from inside a task must run too";
}

// Pins the workers' wait against spurious wake-ups (the README: "wake-ups can be spurious"): the
// first two waits of each worker end at once with nobody having notified
// (tests/support/interleave). A worker that takes such a wake-up for work, or for shutdown,
// without checking again (an `if` where a loop or a predicate belongs) pops an empty queue or
// leaves; then the tasks submitted later never run.
TEST(Executor, AWorkerWokenForNothingWaitsAgain) {
  std::optional<Executor> executor;
  {
    const testing::SpuriousWakeups spurious(2, testing::SpuriousWakeups::Threads::kNewOnes);
    executor.emplace(2);
  }
  // By now each idle worker has had its wake-ups for nothing.
  std::this_thread::sleep_for(Units(1));
  std::vector<std::future<int>> results;
  for (int i = 0; i < 4; ++i) results.push_back(executor->submit(Add, i, 1));
  FinishesWithin(Units(30), "tasks submitted to workers woken for nothing before",
                 "A worker woke up with nobody having notified (a spurious wake-up, which any "
                 "wait may have): does it wait again while the queue is empty and shutdown has "
                 "not begun? Wait with a predicate, wait(lock, predicate), not a single wait() "
                 "and an `if`",
                 [&] {
                   for (int i = 0; i < 4; ++i) EXPECT_EQ(ResultOf(results[i]), i + 1);
                 });
}

// Pins "Queues fn(args...) and returns at once, without waiting for it to start" for a submit()
// from inside a task: on a pool of one worker, busy with that very task, the inner task can only
// run after the outer one returns. Running it on the spot instead (to spare a task that waits for
// its own pool a deadlock) breaks both that promise and "first submitted, first started".
TEST(Submit, FromInsideATaskQueuesItForLater) {
  EventLog log;
  Executor executor(1);
  std::future<void> inner;
  auto outer = executor.submit([&] {
    inner = executor.submit([&log] { log.Record("the inner task ran"); });
    log.Record("the outer task's submit() returned");
  });
  FinishesWithin(Units(30), "submit() from inside a task on a pool of one worker",
                 "Does a worker hold the mutex while it runs its task? Then the task's own "
                 "submit() waits for that mutex forever.",
                 [&] {
                   outer.get();
                   inner.get();
                 });
  EXPECT_EQ(log.Events(),
            (std::vector<std::string>{"the outer task's submit() returned", "the inner task ran"}))
      << "a task submitted from inside a task ran before that submit() returned: submit() "
         "queues the task and returns at once, also on a worker's thread; the only worker "
         "takes it once the task it runs now has returned";
}

// Pins "submit() ... may be called ... from the destructor of something a task captured": the
// only worker is held busy while a task is queued whose future is dropped at once, so once that
// task has run the worker's copy is its last owner, and what it captured is destroyed on the
// worker. That destructor submits a task. A worker that destroys the finished task after taking
// its mutex again (the task declared outside the loop, or still in scope at lock()) makes that
// submit() wait for the mutex the same thread holds, forever.
TEST(Submit, FromTheDestructorOfWhatATaskCaptured) {
  Executor executor(1);
  std::promise<void> release_worker;
  std::future<void> holds_the_worker =
      executor.submit([worker_released = release_worker.get_future()] { worker_released.wait(); });
  std::promise<std::future<int>> submitted_from_the_destructor;
  std::shared_ptr<void> submits_when_destroyed(nullptr, [&](void*) {
    submitted_from_the_destructor.set_value(executor.submit(Add, 40, 2));
  });
  {
    // The future is dropped here: the queued task, and what it holds, have no other owner.
    std::future<void> dropped = executor.submit([captured = std::move(submits_when_destroyed)] {});
  }
  release_worker.set_value();
  std::future<int> inner = FinishesWithin(
      Units(30), "submit() from the destructor of what a finished task captured",
      "Does the worker destroy its finished task while it holds the mutex (the task declared "
      "outside the loop, or still in scope when the worker locks again)? What a task captured "
      "is destroyed with it, and its destructor called submit(), which then waits for the mutex "
      "its own thread holds. Let the task go (task = nullptr) before locking again",
      [&] { return submitted_from_the_destructor.get_future().get(); });
  EXPECT_EQ(ResultOf(inner), 42)
      << "a task submitted from the destructor of what a finished task captured must run too";
}

// Pins "Throws std::runtime_error after shutdown() has begun" for a submit() from inside a task
// (which the header allows, and which is no exception to that rule): the only worker's task
// waits until shutdown() has begun (a submit() from this thread is refused), then submits.
// Letting the pool's own tasks queue more work while it drains can keep shutdown() from ever
// ending.
TEST(Submit, FromInsideATaskIsRefusedOnceShutdownHasBegun) {
  Executor executor(1);
  std::promise<void> shutting_down;
  std::atomic<bool> inner_refused{false};
  std::atomic<bool> inner_ran{false};
  executor.submit([&, begun = shutting_down.get_future()] {
    begun.wait_for(Units(30));
    try {
      executor.submit([&inner_ran] { inner_ran = true; });
    } catch (const std::runtime_error&) {
      inner_refused = true;
    }
  });
  std::thread owner([&] { executor.shutdown(); });
  const Stopwatch waiting;
  bool refused = false;
  while (!refused && waiting.Elapsed() < Units(30)) {
    try {
      executor.submit([] {});
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    } catch (const std::runtime_error&) {
      refused = true;
    }
  }
  shutting_down.set_value();
  owner.join();
  ASSERT_TRUE(refused) << "submit() went on accepting tasks for 30 units while shutdown() waited";
  EXPECT_TRUE(inner_refused && !inner_ran)
      << "a task submitted from inside a task after shutdown() had begun was "
      << (inner_ran ? "accepted and run" : "accepted")
      << ": once shutdown() has begun, submit() throws std::runtime_error on every thread, "
         "the workers' own included";
}

// Pins "Throws std::runtime_error after shutdown() has begun; a task refused so is never run"
// with "blocks until every task already submitted has run", for a submit() that checks the
// "shutting down" flag and then pushes in two steps: the submitting thread sleeps 3 units before
// each mutex lock (tests/support/interleave), and shutdown() runs to its end in that sleep. A
// check made before the lock (an atomic flag read outside the mutex) lets the task in after the
// workers have left: accepted, and never run.
TEST(Submit, DuringShutdownIsRefusedOrRun) {
  Executor executor(1);
  std::optional<std::future<int>> accepted;
  bool refused = false;
  {
    const SlowSynchronisation slow(Units(3), 1);
    std::thread submitter([&] {
      try {
        accepted = executor.submit(Add, 1, 1);
      } catch (const std::runtime_error&) {
        refused = true;
      }
    });
    const Stopwatch waiting;
    while (slow.Steps() < 1 && waiting.Elapsed() < Units(5)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    FinishesWithin(Units(20), "Executor::shutdown() while another thread is in submit()",
                   "Do the workers leave once shutdown has begun and the queue is empty?",
                   [&] { executor.shutdown(); });
    submitter.join();
  }
  ASSERT_TRUE(refused || accepted) << "submit() neither returned nor threw";
  if (accepted) {
    EXPECT_EQ(accepted->wait_for(Duration::zero()), std::future_status::ready)
        << "submit() accepted a task while shutdown() ran, and no worker was left to run it: "
           "it checked the \"shutting down\" flag before taking the mutex (an atomic flag read "
           "outside the lock). Check the flag and push the task in one locked section";
  }
}

// Pins the thread-safety of submit() against shutdown(): a submit() that races the owner's
// shutdown() either throws std::runtime_error or its task runs before shutdown() returns,
// never a task accepted and then left in the queue (under tsan, a "shutting down" flag read
// outside the mutex is a reported race).
TEST(Submit, RacingShutdownEitherThrowsOrRuns) {
  constexpr int kThreads = 3;
  Executor executor(2);
  std::vector<std::vector<std::future<int>>> accepted(kThreads);
  Hammer(
      kThreads, 2000,
      [&](int t) {
        try {
          accepted[t].push_back(executor.submit(Add, t, 1));
        } catch (const std::runtime_error&) {
          // Refused: shutdown() had begun.
        }
      },
      [&] {
        FinishesWithin(Units(30), "Executor::shutdown() while other threads submit",
                       "Do the workers leave once shutdown has begun and the queue is empty?",
                       [&] { executor.shutdown(); });
      });
  for (int t = 0; t < kThreads; ++t) {
    for (std::future<int>& future : accepted[t]) {
      ASSERT_EQ(future.wait_for(Duration::zero()), std::future_status::ready)
          << "a task that submit() accepted was still queued after shutdown() had returned, "
             "with no worker left to run it: check the \"shutting down\" flag and push the "
             "task in one locked section";
      ASSERT_EQ(ResultOf(future), t + 1);
    }
  }
}

// For random task sets on a random pool: each task runs once, its result comes back, and no
// more than max_workers run at once.
THREADKATA_PROP(ExecutorProperty, RunsRandomTaskSetsWithinItsLimit, ()) {
  const int max_workers = *rc::gen::inRange(1, 5);
  const auto values = *rc::gen::container<std::vector<int>>(*rc::gen::inRange<std::size_t>(0, 13),
                                                            rc::gen::inRange(0, 4));
  ConcurrencyGauge gauge;
  std::vector<std::atomic<int>> runs(values.size());
  const auto task = [&](std::size_t i, int value) {
    const auto running = gauge.Enter();
    runs[i].fetch_add(1);
    std::this_thread::sleep_for(Units(0.05 * value));
    return 10 * value + 1;
  };

  std::vector<int> results;
  {
    Executor executor(max_workers);
    std::vector<std::future<int>> futures;
    for (std::size_t i = 0; i < values.size(); ++i) {
      futures.push_back(executor.submit(task, i, values[i]));
    }
    for (auto& future : futures) {
      if (future.wait_for(Units(20)) != std::future_status::ready) {
        RC_FAIL("a task had not run after 20 units: does enqueue() wake a worker?");
      }
      results.push_back(future.get());
    }
  }

  for (std::size_t i = 0; i < values.size(); ++i) {
    if (runs[i].load() != 1) {
      RC_FAIL("task " + std::to_string(i) + " ran " + std::to_string(runs[i].load()) +
              " times instead of once");
    }
    if (results[i] != 10 * values[i] + 1) {
      RC_FAIL("the future of task " + std::to_string(i) + " holds another task's result");
    }
  }
  if (gauge.HighWaterMark() > max_workers) {
    RC_FAIL(std::to_string(gauge.HighWaterMark()) + " tasks ran at once, more than max_workers");
  }
}

// Pins "submit() ... may be called from any thread": a thread that never synchronised with the
// owner calls submit() after the owner's shutdown() and gets std::runtime_error. Only a sleep
// orders the two calls, and a sleep is no happens-before edge, so under tsan a "shutting down"
// flag read before taking the mutex is a reported race on every run, whatever the timing.
TEST(Submit, FromAnotherThreadAfterShutdownThrows) {
  Executor executor(2);
  const Duration wait_for_shutdown = Units(3);
  const Duration shutdown_limit = Units(30);
  bool refused = false;
  std::thread submitter([&] {
    std::this_thread::sleep_for(wait_for_shutdown);
    try {
      executor.submit(Add, 1, 2);
    } catch (const std::runtime_error&) {
      refused = true;
    }
  });
  FinishesWithin(shutdown_limit, "Executor::shutdown()",
                 "Do the workers leave once shutdown has begun and the queue is empty?",
                 [&] { executor.shutdown(); });
  submitter.join();
  EXPECT_TRUE(refused) << "submit() from another thread after shutdown() must throw "
                          "std::runtime_error: read the \"shutting down\" flag under the mutex "
                          "that shutdown() holds when it sets it, then push the task in the "
                          "same locked section";
}

}  // namespace
}  // namespace threadkata
