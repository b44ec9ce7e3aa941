// Lesson 05 tests: start every thread in one loop, join them all in a second loop.

#include "katas/05_thread_loops/thread_loops.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <iomanip>
#include <latch>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <streambuf>
#include <string>
#include <syncstream>
#include <thread>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "tests/support/concurrency_gauge.h"
#include "tests/support/deadline.h"
#include "tests/support/event_log.h"
#include "tests/support/idle_meter.h"
#include "tests/support/output_recorder.h"
#include "tests/support/property.h"
#include "tests/support/thread_census.h"
#include "tests/support/thread_identity.h"
#include "tests/support/time_unit.h"
#include "tests/support/wall_clock/wall_clock.h"

namespace threadkata {
namespace {

using testing::ConcurrencyGauge;
using testing::CurrentThreadId;
using testing::EventLog;
using testing::FinishesWithin;
using testing::IdleMeter;
using testing::LingerAtThreadExit;
using testing::OutputRecorder;
using testing::SleepsAFractionOfAMillisecond;
using testing::Stopwatch;
using testing::ThreadCensus;
using testing::ThreadIdentities;
using testing::TookAtLeast;
using testing::TookLessThan;
using testing::Units;

// More tasks than this machine has cores, and never fewer than 16: a run_all that starts only
// hardware_concurrency() threads at a time must fail here on any machine.
int ManyTasks() {
  return std::max(16, 2 * static_cast<int>(std::thread::hardware_concurrency()) + 1);
}

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
  // Wide: starting ten threads under ThreadSanitizer on a loaded machine can take units. The
  // latch in RunsAllTasksAtOnce proves that the tasks overlap without reading the clock.
  EXPECT_TRUE(TookLessThan(elapsed, Units(5)))
      << "10 tasks of 1 unit ran one after another (that takes 10 units): did you join() each "
         "thread inside the loop that starts them? Start them all first, then join them all";
}

// The tasks' state lives in a shared_ptr each task holds, here and below: threads that run_all
// failed to wait for then fail the checks instead of writing into a test that has ended.
TEST(RunAll, RunsEveryTaskExactlyOnce) {
  constexpr int kTasks = 7;
  const auto runs = std::make_shared<std::vector<std::atomic<int>>>(kTasks);
  std::vector<std::function<void()>> tasks;
  for (int i = 0; i < kTasks; ++i) tasks.push_back([runs, i] { ++(*runs)[i]; });
  run_all(tasks);
  for (int i = 0; i < kTasks; ++i) {
    EXPECT_EQ((*runs)[i].load(), 1) << "task " << i << " of " << kTasks
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

// Pins "all at the same time" with tasks of different lengths: no task waits for a long one to
// end before it starts, as it does when the threads are started in groups and each group is
// joined before the next is started.
TEST(RunAll, NoTaskWaitsForALongOneToEndBeforeStarting) {
  constexpr int kTasks = 7;
  constexpr int kLong = 1;
  std::vector<testing::Duration> durations(kTasks, Units(0.5));
  durations[kLong] = Units(4);
  const auto log = std::make_shared<EventLog>();
  run_all(LoggingTasks(durations, log));
  const auto long_ended = log->IndexOf("finish " + std::to_string(kLong));
  ASSERT_TRUE(long_ended.has_value())
      << "run_all returned before its 4-unit task had ended: join every thread; log: "
      << log->ToString();
  for (int i = 0; i < kTasks; ++i) {
    const auto started = log->IndexOf("start " + std::to_string(i));
    EXPECT_TRUE(started.has_value() && *started < *long_ended)
        << "task " << i << " started only after the 4-unit task " << kLong << " had ended: the "
        << "start loop waited for a group of threads (a batch of hardware_concurrency() threads "
        << "joined before the next batch?). Start every thread, then join them all; log: "
        << log->ToString();
  }
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

// Promise: "Blocks until every task has returned; no thread is left running."
TEST(RunAll, NoThreadIsLeftRunningWhenItReturns) {
  // Each thread stays alive one unit after its task: join() waits for that, nothing else does.
  std::vector<std::function<void()>> tasks(6, [] { LingerAtThreadExit(Units(1)); });
  const ThreadCensus census;
  run_all(tasks);
  EXPECT_TRUE(census.NoThreadLeftRunning("run_all"));
}

// Promise: "Runs every task of `tasks` on a std::thread of its own", a lone task and the last
// task included: never on the caller's thread, and never two tasks on one thread.
TEST(RunAll, RunsEveryTaskOnAThreadOfItsOwn) {
  for (const int count : {1, 2, ManyTasks()}) {
    struct Shared {
      explicit Shared(int count) : all_running(count) {}
      std::optional<ThreadIdentities> identities;
      // The tasks wait for each other, so all their threads are alive at once.
      std::latch all_running;
    };
    const auto shared = std::make_shared<Shared>(count);
    std::vector<std::function<void()>> tasks;
    for (int i = 0; i < count; ++i) {
      tasks.push_back([shared, i] {
        shared->identities->Ran(i);
        shared->all_running.arrive_and_wait();
      });
    }
    FinishesWithin(Units(20), "run_all of tasks that wait for each other", kSerialisedHint, [&] {
      shared->identities.emplace();
      run_all(tasks);
    });
    EXPECT_TRUE(shared->identities->EachRanOnceOnItsOwnThread(count))
        << "run_all of " << count << " task(s): every task, a lone one and the last one too, "
        << "gets a std::thread of its own, never the caller's";
  }
}

// 300 tasks: more than any cap on threads a loop might set (16, 32, 64, 128, 256), so "all at
// once" means every task, not every task up to a cap.
TEST(RunAll, RunsAllTasksAtOnce) {
  const int kTasks = std::max(ManyTasks(), 300);
  struct Shared {
    explicit Shared(int count) : all_running(count) {}
    ConcurrencyGauge gauge;
    // Nobody leaves the latch until all are in it: only every task running at once gets past.
    std::latch all_running;
  };
  const auto shared = std::make_shared<Shared>(kTasks);
  std::vector<std::function<void()>> tasks(kTasks, [shared] {
    const auto running = shared->gauge.Enter();
    shared->all_running.arrive_and_wait();
  });
  FinishesWithin(Units(20), "run_all of tasks that wait for each other", kSerialisedHint,
                 [&] { run_all(tasks); });
  EXPECT_EQ(shared->gauge.HighWaterMark(), kTasks)
      << "at most " << shared->gauge.HighWaterMark() << " of " << kTasks
      << " tasks ran at the same time: start a thread for every task before joining any";
}

THREADKATA_PROP(RunAll, RunsEachTaskOnceAndWaitsForTheLongest, ()) {
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

  RC_LOG() << "log: " << log->ToString() << "\n";
  if (log->CountWithPrefix("start ") != count) {
    RC_FAIL("not every task started exactly once: one thread per task, for every task");
  }
  const std::size_t returned = *log->IndexOf("run_all returned");
  for (std::size_t i = 0; i < count; ++i) {
    const auto finish = log->IndexOf("finish " + std::to_string(i));
    if (!finish.has_value() || *finish > returned) {
      RC_FAIL("run_all returned before task " + std::to_string(i) +
              " had finished: join every thread before returning");
    }
  }
  if (elapsed < longest) {
    RC_FAIL("run_all returned before its longest task could have ended: join every thread");
  }
}

// A stream buffer that keeps each write it receives as one chunk and notices when two writes
// overlap in time. Each write lingers a little so that unsynchronised writers do overlap.
// Thread-safe, so a wrong solution fails an assertion instead of corrupting memory.
class ChunkRecorder : public std::streambuf {
 public:
  explicit ChunkRecorder(testing::Duration linger = Units(0.05)) : linger_(linger) {}

  std::vector<std::string> Chunks() const {
    std::lock_guard lock(mutex_);
    return chunks_;
  }
  bool Overlapped() const { return overlapped_.load(); }
  // Blocks until a write has begun.
  void WaitForAWrite() const { began_.wait(false); }

 protected:
  std::streamsize xsputn(const char* text, std::streamsize size) override {
    if (writers_.fetch_add(1) > 0) overlapped_ = true;
    began_ = true;
    began_.notify_all();
    std::this_thread::sleep_for(linger_);
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
  const testing::Duration linger_;
  mutable std::mutex mutex_;
  std::vector<std::string> chunks_;
  std::atomic<int> writers_{0};
  std::atomic<bool> overlapped_{false};
  std::atomic<bool> began_{false};
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

// Promise: "blocks the calling thread for `seconds`", below a millisecond too.
// Pins "blocks the calling thread": blocked means asleep, as in time.sleep(). A loop that reads
// the clock until the time is up also returns on time, but burns a core the whole while.
// Pins "blocks the calling thread for `seconds`" whatever the wall clock does: it is set back
// an hour during the sleep (tests/support/wall_clock). A sleep until a time on system_clock
// lasts that hour more.
TEST(DoSomething, SleepsOnTheSteadyClock) {
  std::ostringstream out;
  const testing::Duration took = testing::TimeWhileTheWallClockIsSetBack(
      Units(0.5), Units(30), "do_something(2 units)", [&out] { do_something(Units(2), out); });
  EXPECT_TRUE(TookAtLeast(took, Units(2)) && TookLessThan(took, Units(10)))
      << "do_something(2 units) took " << testing::DescribeDuration(took)
      << " while the wall clock was set back an hour: sleep on std::chrono::steady_clock";
}

TEST(DoSomething, SleepsWithoutUsingTheCpu) {
  std::ostringstream out;
  const IdleMeter meter({CurrentThreadId()});
  do_something(Units(3), out);
  EXPECT_TRUE(meter.StayedAsleep("the thread that called do_something"))
      << "do_something kept the CPU busy instead of sleeping: a loop that checks the clock "
         "until the time is up (with or without yield()) wastes a core that other threads "
         "could use. Call std::this_thread::sleep_for, which sleeps in the kernel";
}

TEST(DoSomething, SleepsForAFractionOfAMillisecondToo) {
  std::ostringstream out;
  EXPECT_TRUE(SleepsAFractionOfAMillisecond(
      "do_something", [&out](Seconds seconds) { do_something(seconds, out); }));
}

// Promise: "Writes "Sleeping ..." to `out`, blocks the calling thread for `seconds`, then
// writes "Done Sleeping..."": each line reaches the stream when it is written, the first one
// before the sleep.
TEST(DoSomething, WritesTheSleepingLineBeforeItSleeps) {
  OutputRecorder recorder;
  do_something(Units(3), recorder.stream());
  const auto sleeping = recorder.FirstContaining("Sleeping");
  const auto done = recorder.FirstContaining("Done Sleeping");
  ASSERT_TRUE(sleeping.has_value() && done.has_value())
      << "do_something must write both lines to `out`; it wrote: \"" << recorder.Text() << "\"";
  EXPECT_TRUE(TookLessThan(sleeping->at, Units(1)))
      << "the Sleeping line reached the stream only after the 3-unit sleep: write it before "
         "sleep_for, with a std::osyncstream that is destroyed (and so hands the line over) "
         "at the end of its own statement, not one kept alive across the sleep";
  EXPECT_TRUE(TookAtLeast(done->at, Units(3)))
      << "the Done line reached the stream before the sleep was over: write it after sleep_for";
}

// Promise: "<seconds> is written the way an std::ostream writes a double by default", also for
// values with more significant digits than that default shows, and whatever format `out` was
// set to.
TEST(DoSomething, WritesSecondsTheWayAStreamWritesADoubleByDefault) {
  for (const double seconds : {0.00123456789, 1e-07, 0.0005, 0.000125}) {
    std::ostringstream expected;
    expected << "Sleeping " << seconds << " second(s)...\nDone Sleeping...\n";
    std::ostringstream out;
    do_something(Seconds(seconds), out);
    EXPECT_EQ(out.str(), expected.str())
        << "seconds = " << std::setprecision(12) << seconds << " must be written as the stream "
        << "writes a double by default (6 significant digits, an exponent when small): write "
        << "seconds.count() to the stream, do not convert it yourself (std::to_string and "
        << "std::format write other digits)";
  }
  std::ostringstream out;
  out << std::fixed << std::setprecision(2);
  do_something(Seconds(0.00123456789), out);
  EXPECT_EQ(out.str(), "Sleeping 0.00123457 second(s)...\nDone Sleeping...\n")
      << "`out` was set to std::fixed with precision 2, and that must not change how seconds "
         "is written: write through a std::osyncstream(out), whose format starts from the "
         "defaults, rather than straight to `out`";
}

// Pins "in a single write that no other thread's write overlaps (std::osyncstream)" beside
// another thread's own std::osyncstream on the same stream: its line is being handed over (and
// lingers 2 units in the stream's buffer) when do_something is called, which must wait for it.
// std::osyncstream(out) waits, since every osyncstream on `out` takes the same lock; a mutex of
// the kata's own keeps only do_something calls apart.
TEST(DoSomething, WaitsForAnotherThreadsOsyncstreamLine) {
  ChunkRecorder recorder(Units(2));
  std::ostream out(&recorder);
  std::jthread other([&out] { std::osyncstream(out) << "a line of another thread\n"; });
  recorder.WaitForAWrite();
  do_something(Seconds(0), out);
  other.join();
  EXPECT_FALSE(recorder.Overlapped())
      << "do_something wrote to the stream while another thread's std::osyncstream was handing "
         "its line over: write each line through std::osyncstream(out), whose lock every "
         "osyncstream on `out` shares (a std::mutex of your own keeps out only other "
         "do_something calls)";
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
