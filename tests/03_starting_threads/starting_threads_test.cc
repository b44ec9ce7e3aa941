// Lesson 03 tests: start() returns at once with a thread the caller must join; say() keeps the
// lines of threads printing at the same time whole.

#include "katas/03_starting_threads/starting_threads.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstring>
#include <latch>
#include <memory>
#include <set>
#include <sstream>
#include <streambuf>
#include <string>
#include <string_view>
#include <syncstream>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/support/concurrency_gauge.h"
#include "tests/support/event_log.h"
#include "tests/support/interleave/interleave.h"
#include "tests/support/property.h"
#include "tests/support/rendezvous.h"
#include "tests/support/thread_census.h"
#include "tests/support/time_unit.h"

namespace threadkata::starting_threads {
namespace {

using testing::ConcurrencyGauge;
using testing::Duration;
using testing::EventLog;
using testing::HeldThreadStarts;
using testing::LingerAtThreadExit;
using testing::Rendezvous;
using testing::Stopwatch;
using testing::ThreadCensus;
using testing::TookAtLeast;
using testing::TookLessThan;
using testing::Units;

constexpr char kNotJoinable[] =
    "start() must return the running thread, joinable, for the caller to join: did you join() "
    "or detach() it inside start(), or return a default-constructed std::thread?";

// A stream buffer that keeps every write it receives as one piece, so a test can tell a line
// written whole from one written in parts. Deliberately unsynchronised: writes that nothing
// keeps apart race here and ThreadSanitizer reports them. Pieces live in fixed-size storage,
// so such a race garbles or loses a piece but never corrupts memory or hangs the test.
// It also notices two calls in progress at once, writes or flushes. Each lingers a moment, so
// that calls nothing keeps apart overlap in practically every run, not only when the schedule is
// unlucky.
class PieceRecorder : public std::streambuf {
 public:
  bool SawTwoWritesAtOnce() const { return calls_.HighWaterMark() > 1; }

  std::vector<std::string> Pieces() const {
    std::vector<std::string> pieces;
    for (std::size_t i = 0; i < std::min(count_, kCapacity); ++i) {
      pieces.emplace_back(slots_[i].text.data(), slots_[i].length);
    }
    return pieces;
  }

 protected:
  std::streamsize xsputn(const char* text, std::streamsize n) override {
    Store(std::string_view(text, static_cast<std::size_t>(n)));
    return n;
  }

  int sync() override {
    const auto call = calls_.Enter();
    Linger();
    return 0;
  }

  int_type overflow(int_type c) override {
    if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
    const char one = traits_type::to_char_type(c);
    Store(std::string_view(&one, 1));
    return c;
  }

 private:
  static constexpr std::size_t kCapacity = 4096;
  static constexpr std::size_t kPieceChars = 64;
  struct Slot {
    std::array<char, kPieceChars> text{};
    std::size_t length = 0;
  };

  static void Linger() { std::this_thread::sleep_for(std::chrono::microseconds(20)); }

  void Store(std::string_view piece) {
    const auto call = calls_.Enter();
    Linger();
    const std::size_t i = count_;
    if (i < kCapacity) {
      count_ = i + 1;
      slots_[i].length = std::min(piece.size(), kPieceChars);
      std::memcpy(slots_[i].text.data(), piece.data(), slots_[i].length);
    }
  }

  std::vector<Slot> slots_ = std::vector<Slot>(kCapacity);
  std::size_t count_ = 0;
  ConcurrencyGauge calls_;
};

TEST(Say, WritesTheLineAndANewline) {
  std::ostringstream out;
  say(out, "Sleeping 1 second(s)...");
  say(out, "Done Sleeping...");
  EXPECT_EQ(out.str(), "Sleeping 1 second(s)...\nDone Sleeping...\n")
      << "say(out, line) writes the line and then '\\n' to `out`";
}

// Pins "Writes `line` and a newline": always one more, whatever the line ends with, like
// Python's print("done\n"), which prints two.
TEST(Say, AddsANewlineAlsoToALineThatEndsWithOne) {
  std::ostringstream out;
  say(out, "done\n");
  say(out, "\n");
  EXPECT_EQ(out.str(), "done\n\n\n\n")
      << "say must write the line, then '\\n', every time: a line that already ends with a "
         "newline gets one more, as print() gives it in Python";
}

// Pins "Writes `line`": exactly the characters of the view, which need not end in '\0': a
// view cut from a longer string, or holding a '\0' of its own.
TEST(Say, WritesExactlyTheViewItIsGiven) {
  const std::string text = "Sleeping 1 second(s)...and the rest of a longer string";
  std::ostringstream out;
  say(out, std::string_view(text).substr(0, 23));
  say(out, std::string_view("a\0b", 3));
  say(out, "");
  using std::string_literals::operator""s;
  EXPECT_EQ(out.str(), "Sleeping 1 second(s)...\na\0b\n\n"s)
      << "say must write the view's size() characters, no more, no fewer: a std::string_view "
         "is not a C string. `out << line.data()` (or std::string(line.data())) reads on to the "
         "next '\\0', past the end of the view; `out << line` is right";
}

TEST(Say, HandsTheStreamEachLineInOnePiece) {
  PieceRecorder recorder;
  std::ostream out(&recorder);
  say(out, "Sleeping 1 second(s)...");
  EXPECT_EQ(recorder.Pieces(), std::vector<std::string>{"Sleeping 1 second(s)...\n"})
      << "the line and its newline reached the stream in several writes, and another thread's "
         "line can land between them: write the whole line through one "
         "std::osyncstream(out) statement, not with plain `out << ...`";
}

TEST(Say, LinesFromThreadsSayingThingsAtOnceStayWhole) {
  constexpr int kThreads = 6;
  constexpr int kLines = 200;
  PieceRecorder recorder;
  std::ostream out(&recorder);
  std::latch go(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&out, &go, t] {
      go.arrive_and_wait();
      for (int i = 0; i < kLines; ++i) {
        say(out, "thread " + std::to_string(t) + " says line " + std::to_string(i));
      }
    });
  }
  for (auto& thread : threads) thread.join();

  ASSERT_FALSE(recorder.SawTwoWritesAtOnce())
      << "two threads' say calls wrote to (or flushed) the stream at the same time: nothing kept "
         "them apart. "
         "One std::osyncstream(out) statement per line hands it over whole, under a lock shared "
         "by every osyncstream on that stream";
  std::vector<std::string> expected;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kLines; ++i) {
      expected.push_back("thread " + std::to_string(t) + " says line " + std::to_string(i) + "\n");
    }
  }
  std::vector<std::string> pieces = recorder.Pieces();
  std::sort(pieces.begin(), pieces.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(pieces, expected)
      << "lines said by several threads at once came out mixed or lost: the threads must not "
         "write to the stream at the same time. One std::osyncstream(out) statement per line "
         "hands it over whole, under a lock shared by every osyncstream on that stream";
}

// Pins "Thread-safe, as long as everything written to `out` meanwhile goes through say (or
// std::osyncstream)": say must take the lock that std::osyncstream takes for `out`, not a
// lock of its own, or its lines race with other threads' osyncstream lines
// (ThreadSanitizer reports it on the recorder) and can land inside them.
TEST(Say, LinesStayWholeBesideOtherThreadsOsyncstreamLines) {
  constexpr int kThreads = 6;
  constexpr int kLines = 200;
  PieceRecorder recorder;
  std::ostream out(&recorder);
  std::latch go(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&out, &go, t] {
      go.arrive_and_wait();
      for (int i = 0; i < kLines; ++i) {
        const std::string line = "thread " + std::to_string(t) + " line " + std::to_string(i);
        if (t % 2 == 0) {
          say(out, line);
        } else {
          std::osyncstream(out) << line << '\n';
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();

  ASSERT_FALSE(recorder.SawTwoWritesAtOnce())
      << "say wrote to the stream while another thread's std::osyncstream was handing its line "
         "over: say must hand its line over through std::osyncstream(out) too, whose lock every "
         "osyncstream on `out` shares (a std::mutex of your own excludes only other say calls)";
  std::vector<std::string> expected;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kLines; ++i) {
      expected.push_back("thread " + std::to_string(t) + " line " + std::to_string(i) + "\n");
    }
  }
  std::vector<std::string> pieces = recorder.Pieces();
  std::sort(pieces.begin(), pieces.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(pieces, expected)
      << "lines of say and of other threads' std::osyncstream came out mixed or lost: say must "
         "hand its line over through std::osyncstream(out) too, whose lock every osyncstream "
         "on `out` shares (a std::mutex of your own excludes only other say calls)";
}

// What a start() that returned a thread that is not joinable did with the task, told apart by
// where the task ran and whether it had ended when start() returned.
std::string WhyNotJoinable(bool ran_on_the_caller, bool ended_before_start_returned) {
  if (ran_on_the_caller) {
    return "start() ran the task itself, on the caller's thread, and returned an empty "
           "std::thread: construct a std::thread that runs the task and return that thread";
  }
  if (ended_before_start_returned) {
    return "start() ran the task on a thread and waited for it to end before returning (a "
           "join() inside start()): return the thread while the task runs; the caller joins it";
  }
  return "start() let the task run on a thread it gave up (a detach(), or a std::thread "
         "moved somewhere else) and returned another, empty std::thread: return the very "
         "thread that runs the task, still joinable";
}

// Pins "returns at once, waiting neither for the task to begin nor to end" and "the returned
// thread, which is joinable"; when it is not joinable, says what start() did instead.
TEST(Start, ReturnsAtOnceWhileTheTaskGoesOn) {
  const auto finished = std::make_shared<std::atomic<bool>>(false);
  const auto on_the_caller = std::make_shared<std::atomic<bool>>(false);
  const Stopwatch stopwatch;
  std::thread thread = start([finished, on_the_caller, caller = std::this_thread::get_id()] {
    *on_the_caller = std::this_thread::get_id() == caller;
    std::this_thread::sleep_for(Units(10));
    *finished = true;
  });
  const auto start_took = stopwatch.Elapsed();
  ASSERT_TRUE(thread.joinable()) << kNotJoinable
                                 << " What happened: " << WhyNotJoinable(*on_the_caller, *finished);
  EXPECT_TRUE(TookLessThan(start_took, Units(2)))
      << "start() waited for the 10-unit task: it must return as soon as the thread is running, "
         "like Python's t.start(). Did you call join() inside start()?";
  thread.join();
  EXPECT_TRUE(TookAtLeast(stopwatch.Elapsed(), Units(10)))
      << "join() on the thread start() returned did not wait for the task: is it the thread "
         "that runs the task?";
  EXPECT_TRUE(*finished) << "the task had not finished when join() on its thread returned";
}

// Pins "waiting neither for the task to begin": the new thread is held before it runs the task
// (tests/support/interleave), so a start() that waits for a sign of life from its task (a
// latch, a promise, a flag) returns only once the hold gives up, however the system schedules.
TEST(Start, ReturnsBeforeTheTaskHasBegun) {
  const auto began = std::make_shared<std::atomic<bool>>(false);
  std::thread thread;
  {
    HeldThreadStarts held(Units(30));
    thread = start([began] { *began = true; });
    EXPECT_EQ(held.GaveUp(), 0)
        << "start() returned only after its task had begun: it waited for a sign from the "
           "task (a latch, a promise, a flag set by the task). Like Python's t.start(), it must "
           "return as soon as the thread exists, whether or not the task has begun yet";
    EXPECT_FALSE(*began && held.GaveUp() == 0)
        << "the task ran although its thread was held before it: did start() run the task "
           "itself, on the caller's thread?";
  }
  ASSERT_TRUE(thread.joinable()) << kNotJoinable;
  thread.join();
  EXPECT_TRUE(*began) << "the task never ran on the thread start() returned";
}

// Creating a thread takes tens of microseconds in the plain build, and milliseconds under a
// sanitizer, whose runtime sets up every new thread.
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr double kThreadCreationUnits = 0.1;
#else
constexpr double kThreadCreationUnits = 0.01;
#endif

// Pins the same promise against a start() that waits a little anyway: for a sign from its task
// with a timeout (a wait_for on a latch, a promise or a flag), or a short sleep "to let the
// thread get going". It returns when its timeout or sleep ends, still before the hold gives up.
// The quickest of ten start() calls, each with its thread held, must take less than the time
// creating a thread can take (0.01 unit, 1 ms, in the plain build; measured: under 0.05 ms
// with a load of 16 on 2 cores); the quickest, so that calls slowed down by a busy machine do
// not count.
TEST(Start, ReturnsAtOnceWhileItsTaskIsHeld) {
  Duration quickest = Duration::max();
  for (int i = 0; i < 10; ++i) {
    std::thread thread;
    {
      HeldThreadStarts held(Units(2));
      const Stopwatch starting;
      thread = start([] {});
      quickest = std::min(quickest, starting.Elapsed());
    }
    ASSERT_TRUE(thread.joinable()) << kNotJoinable;
    thread.join();
  }
  EXPECT_TRUE(TookLessThan(quickest, Units(kThreadCreationUnits)))
      << "with its task not begun yet, start() did not return at once: it waited a little "
         "anyway, for a sign from the task with a timeout (wait_for) or in a short sleep to "
         "let the thread get going. Like Python's t.start(), it must return as soon as the "
         "thread exists, without waiting at all";
}

TEST(Start, RunsTheTaskOnTheThreadItReturns) {
  const auto task_thread = std::make_shared<std::thread::id>();
  std::thread thread = start([task_thread] { *task_thread = std::this_thread::get_id(); });
  ASSERT_TRUE(thread.joinable()) << kNotJoinable;
  const std::thread::id returned = thread.get_id();
  thread.join();
  EXPECT_NE(*task_thread, std::this_thread::get_id())
      << "the task ran on the caller's thread: start() must run it on a new std::thread";
  EXPECT_EQ(*task_thread, returned) << "the task ran on another thread than the one returned";
}

TEST(Start, WhatTheTaskDidIsVisibleAfterJoin) {
  // A plain int, not an atomic: join() is what makes the task's write visible (ThreadSanitizer
  // reports a race if anything else is relied on).
  const auto log = std::make_shared<EventLog>();
  const auto value = std::make_shared<int>(0);
  std::thread thread = start([log, value] {
    std::this_thread::sleep_for(Units(1));
    *value = 42;
    log->Record("task finished");
  });
  ASSERT_TRUE(thread.joinable()) << kNotJoinable;
  thread.join();
  log->Record("join returned");
  EXPECT_LT(log->IndexOf("task finished").value_or(99), log->IndexOf("join returned").value())
      << "join() returned before the task finished: " << log->ToString();
  EXPECT_EQ(*value, 42);
}

TEST(Start, ThreadsStartedOneAfterAnotherRunAtTheSameTime) {
  const auto meeting = std::make_shared<Rendezvous>(2);
  const auto met = std::make_shared<std::atomic<int>>(0);
  const auto task = [meeting, met] {
    if (meeting->ArriveAndWait(Units(5))) ++*met;
  };
  std::thread first = start(task);
  std::thread second = start(task);
  ASSERT_TRUE(first.joinable() && second.joinable()) << kNotJoinable;
  first.join();
  second.join();
  EXPECT_EQ(met->load(), 2)
      << "the second task could not start until the first had finished: start() must return "
         "while its task is still running";
}

// Pins "The caller owns the returned thread": joining it is all it takes for no thread of
// start() to be left running. The task's thread lingers a unit after the task, so a thread
// that is not the returned one (a detached thread, a std::async) is still there.
TEST(Start, JoiningTheReturnedThreadLeavesNoThreadRunning) {
  const ThreadCensus census;
  std::thread thread = start([] { LingerAtThreadExit(Units(1)); });
  ASSERT_TRUE(thread.joinable()) << kNotJoinable;
  thread.join();
  EXPECT_TRUE(census.NoThreadLeftRunning("start() and a join() of the thread it returned"))
      << "the task ran on a thread the caller does not own: start() must return the very "
         "std::thread that runs the task, not a thread that waits for another one";
}

TEST(StartDeathTest, DroppingAJoinableThreadTerminatesTheProgram) {
  // Python lets a started thread's handle go; C++ does not: the std::thread's destructor calls
  // std::terminate if the thread was neither joined nor detached.
  EXPECT_DEATH(
      { const std::thread dropped = start([] { std::this_thread::sleep_for(Units(1)); }); },
      "terminate called")
      << "destroying the std::thread returned by start() without join() must terminate the "
         "program: start() must hand over the thread still joinable, neither joined nor "
         "detached";
}

THREADKATA_PROP(Start, EveryTaskRunsOnceOnAThreadOfItsOwn, ()) {
  const auto count = *rc::gen::inRange(0, 7);
  const auto quarters = *rc::gen::container<std::vector<int>>(count, rc::gen::inRange(0, 3));
  const auto runs = std::make_shared<std::vector<int>>(count, 0);
  const auto ids = std::make_shared<std::vector<std::thread::id>>(count);

  std::vector<std::thread> threads;
  for (int i = 0; i < count; ++i) {
    const auto pause = Units(quarters[i] * 0.25);
    threads.push_back(start([runs, ids, i, pause] {
      std::this_thread::sleep_for(pause);
      ++(*runs)[i];
      (*ids)[i] = std::this_thread::get_id();
    }));
  }
  const bool all_joinable =
      std::all_of(threads.begin(), threads.end(), [](const auto& t) { return t.joinable(); });
  for (auto& thread : threads) {
    if (thread.joinable()) thread.join();
  }
  if (!all_joinable) RC_FAIL(kNotJoinable);

  for (int i = 0; i < count; ++i) {
    if ((*runs)[i] != 1) {
      RC_FAIL("task " + std::to_string(i) + " ran " + std::to_string((*runs)[i]) +
              " times by the time its thread was joined: start() runs its task exactly once, "
              "on the thread it returns");
    }
  }
  const std::set<std::thread::id> distinct(ids->begin(), ids->end());
  if (distinct.count(std::this_thread::get_id()) != 0) {
    RC_FAIL("a task ran on the caller's thread: start() must run it on a new std::thread");
  }
  if (distinct.size() != static_cast<std::size_t>(count)) {
    RC_FAIL(
        "two tasks ran on the same thread although their threads were all alive: each "
        "start() call starts a thread of its own");
  }
}

}  // namespace
}  // namespace threadkata::starting_threads
