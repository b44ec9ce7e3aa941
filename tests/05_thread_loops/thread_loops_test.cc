// Lesson 05 tests: start every thread in one loop, join them all in a second loop.

#include "katas/05_thread_loops/thread_loops.h"

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <functional>
#include <latch>
#include <memory>
#include <mutex>
#include <sstream>
#include <streambuf>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "rapidcheck/gtest.h"
#include "tests/support/concurrency_gauge.h"
#include "tests/support/deadline.h"
#include "tests/support/event_log.h"
#include "tests/support/time_unit.h"

namespace threadkata {
namespace {

using testing::ConcurrencyGauge;
using testing::EventLog;
using testing::FinishesWithin;
using testing::Stopwatch;
using testing::TookAtLeast;
using testing::TookLessThan;
using testing::Units;

constexpr char kSerialisedHint[] =
    "The tasks never all ran at once: did you join() inside the loop that starts the threads, "
    "or leave some task unstarted?";

// Tasks that sleep for `durations[i]` and log "start i" and "finish i". The log is shared
// with the tasks, so a thread that outlives run_all() (one that was never joined) still writes
// to a live log and the test can report it instead of crashing.
std::vector<std::function<void()>> LoggingTasks(const std::vector<testing::Duration>& durations,
                                                const std::shared_ptr<EventLog>& log) {
  std::vector<std::function<void()>> tasks;
  for (std::size_t i = 0; i < durations.size(); ++i) {
    tasks.push_back([log, i, d = durations[i]] {
      log->Record("start " + std::to_string(i));
      std::this_thread::sleep_for(d);
      log->Record("finish " + std::to_string(i));
    });
  }
  return tasks;
}

TEST(RunAll, TenTasksOfOneUnitTakeAboutOneUnit) {
  const auto log = std::make_shared<EventLog>();
  const auto tasks = LoggingTasks(std::vector<testing::Duration>(10, Units(1)), log);
  const Stopwatch stopwatch;
  run_all(tasks);
  const auto elapsed = stopwatch.Elapsed();
  EXPECT_TRUE(TookAtLeast(elapsed, Units(1)))
      << "run_all returned before its tasks were done: join every thread in a second loop";
  EXPECT_TRUE(TookLessThan(elapsed, Units(3)))
      << "10 tasks of 1 unit ran one after another (that takes 10 units): did you join() each "
         "thread inside the loop that starts them? Start them all first, then join them all";
}

TEST(RunAll, RunsEveryTaskExactlyOnce) {
  constexpr int kTasks = 7;
  std::vector<std::atomic<int>> runs(kTasks);
  std::vector<std::function<void()>> tasks;
  for (int i = 0; i < kTasks; ++i) tasks.push_back([&runs, i] { ++runs[i]; });
  run_all(tasks);
  for (int i = 0; i < kTasks; ++i) {
    EXPECT_EQ(runs[i].load(), 1) << "task " << i << " of " << kTasks
                                 << " did not run exactly once: start one thread per task, for "
                                    "every task of the list (check the loop's bounds)";
  }
}

TEST(RunAll, StartsEveryTaskBeforeAnyFinishes) {
  constexpr std::size_t kTasks = 10;
  const auto log = std::make_shared<EventLog>();
  run_all(LoggingTasks(std::vector<testing::Duration>(kTasks, Units(2)), log));
  const std::vector<std::string> events = log->Events();
  ASSERT_EQ(log->CountWithPrefix("start "), kTasks)
      << "every task must start exactly once; log: " << log->ToString();
  const auto first_finish = std::find_if(
      events.begin(), events.end(), [](const std::string& e) { return e.starts_with("finish "); });
  const auto starts_after = std::count_if(
      first_finish, events.end(), [](const std::string& e) { return e.starts_with("start "); });
  EXPECT_EQ(starts_after, 0)
      << starts_after << " task(s) started only after another task had finished: the start loop "
      << "waited for a thread. join() belongs in a second loop, after every thread is started; "
      << "log: " << log->ToString();
}

TEST(RunAll, ReturnsOnlyAfterEveryTaskFinished) {
  constexpr int kTasks = 6;
  // The slow task sits first, then last, so a thread left unjoined at either end is noticed.
  for (const int slow : {0, kTasks - 1}) {
    std::vector<testing::Duration> durations(kTasks, Units(0.1));
    durations[slow] = Units(2);
    const auto log = std::make_shared<EventLog>();
    run_all(LoggingTasks(durations, log));
    log->Record("run_all returned");
    const std::size_t returned = *log->IndexOf("run_all returned");
    for (int i = 0; i < kTasks; ++i) {
      const auto finish = log->IndexOf("finish " + std::to_string(i));
      EXPECT_TRUE(finish.has_value() && *finish < returned)
          << "run_all returned while task " << i << " was still running (or before it ran): join() "
          << "every thread, a detached or unjoined one is not waited for; log: " << log->ToString();
    }
  }
}

TEST(RunAll, RunsAllTasksAtOnce) {
  constexpr int kTasks = 10;
  ConcurrencyGauge gauge;
  // Nobody leaves the latch until all ten are in it: only ten threads running at once get past.
  std::latch all_running(kTasks);
  std::vector<std::function<void()>> tasks(kTasks, [&] {
    const auto running = gauge.Enter();
    all_running.arrive_and_wait();
  });
  FinishesWithin(Units(20), "run_all of 10 tasks that wait for each other", kSerialisedHint,
                 [&] { run_all(tasks); });
  EXPECT_EQ(gauge.HighWaterMark(), kTasks)
      << "at most " << gauge.HighWaterMark() << " of " << kTasks
      << " tasks ran at the same time: start a thread for every task before joining any";
}

RC_GTEST_PROP(RunAll, RunsEachTaskOnceAndWaitsForTheLongest, ()) {
  const auto count = *rc::gen::inRange<std::size_t>(0, 9);
  const auto quarters = *rc::gen::container<std::vector<int>>(count, rc::gen::inRange(0, 5));
  std::vector<testing::Duration> durations;
  testing::Duration longest{};
  for (const int q : quarters) {
    durations.push_back(Units(q * 0.25));
    longest = std::max(longest, durations.back());
  }

  const auto log = std::make_shared<EventLog>();
  const Stopwatch stopwatch;
  run_all(LoggingTasks(durations, log));
  const auto elapsed = stopwatch.Elapsed();
  log->Record("run_all returned");

  RC_ASSERT(log->CountWithPrefix("start ") == count);
  RC_ASSERT(log->CountWithPrefix("finish ") == count);
  const std::size_t returned = *log->IndexOf("run_all returned");
  for (std::size_t i = 0; i < count; ++i) {
    const auto finish = log->IndexOf("finish " + std::to_string(i));
    RC_ASSERT(finish.has_value() && *finish < returned);
  }
  RC_ASSERT(elapsed >= longest);
}

// A stream buffer that keeps each write it receives as one chunk and notices when two writes
// overlap in time. Each write lingers a little so that unsynchronised writers do overlap.
// Thread-safe, so a wrong solution fails an assertion instead of corrupting memory.
class ChunkRecorder : public std::streambuf {
 public:
  std::vector<std::string> Chunks() const {
    std::lock_guard lock(mutex_);
    return chunks_;
  }
  bool Overlapped() const { return overlapped_.load(); }

 protected:
  std::streamsize xsputn(const char* text, std::streamsize size) override {
    if (writers_.fetch_add(1) > 0) overlapped_ = true;
    std::this_thread::sleep_for(Units(0.05));
    {
      std::lock_guard lock(mutex_);
      chunks_.emplace_back(text, size);
    }
    writers_.fetch_sub(1);
    return size;
  }

  int_type overflow(int_type ch) override {
    if (traits_type::eq_int_type(ch, traits_type::eof())) return traits_type::not_eof(ch);
    const char c = traits_type::to_char_type(ch);
    xsputn(&c, 1);
    return ch;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> chunks_;
  std::atomic<int> writers_{0};
  std::atomic<bool> overlapped_{false};
};

TEST(DoSomething, PrintsSleepingThenDoneAndBlocks) {
  std::ostringstream out;
  const Stopwatch stopwatch;
  do_something(Units(1), out);
  const auto elapsed = stopwatch.Elapsed();
  std::ostringstream seconds;
  seconds << std::chrono::duration<double>(Units(1)).count();
  EXPECT_EQ(out.str(), "Sleeping " + seconds.str() + " second(s)...\nDone Sleeping...\n")
      << "do_something prints two lines, like the seed's: the Sleeping line before it sleeps "
         "and \"Done Sleeping...\" after";
  EXPECT_TRUE(TookAtLeast(elapsed, Units(1))) << "do_something must sleep for `seconds`";
  EXPECT_TRUE(TookLessThan(elapsed, Units(5))) << "do_something slept far longer than asked";
}

TEST(DoSomething, LinesFromManyThreadsDoNotInterleave) {
  constexpr int kThreads = 8;
  ChunkRecorder recorder;
  std::ostream out(&recorder);
  {
    std::latch together(kThreads);
    std::vector<std::jthread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&] {
        together.arrive_and_wait();
        do_something(Seconds(0), out);
      });
    }
  }
  int sleeping = 0, done = 0;
  for (const std::string& chunk : recorder.Chunks()) {
    sleeping += chunk == "Sleeping 0 second(s)...\n";
    done += chunk == "Done Sleeping...\n";
    EXPECT_TRUE(chunk == "Sleeping 0 second(s)...\n" || chunk == "Done Sleeping...\n")
        << "a line reached the stream in pieces (this piece: \"" << chunk << "\"), so lines of "
        << "threads printing at once get mixed up: write each line through its own "
        << "std::osyncstream(out), which hands the whole line over in one write";
  }
  EXPECT_EQ(sleeping, kThreads) << "each of the " << kThreads << " calls prints one Sleeping line";
  EXPECT_EQ(done, kThreads) << "each of the " << kThreads << " calls prints one Done line";
  EXPECT_FALSE(recorder.Overlapped())
      << "two threads wrote to the same stream at the same time, a data race on the stream: "
         "std::osyncstream(out) takes a lock around each line it hands over";
}

}  // namespace
}  // namespace threadkata
