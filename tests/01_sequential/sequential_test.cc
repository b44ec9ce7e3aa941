// Lesson 01 tests: do_something, a stopwatch, and running tasks one after another.

#include "katas/01_sequential/sequential.h"

#include <chrono>
#include <iomanip>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/support/idle_meter.h"
#include "tests/support/output_recorder.h"
#include "tests/support/property.h"
#include "tests/support/thread_census.h"
#include "tests/support/time_unit.h"
#include "tests/support/wall_clock/wall_clock.h"

namespace threadkata {
namespace {

using testing::CurrentThreadId;
using testing::DescribeDuration;
using testing::IdleMeter;
using testing::OutputRecorder;
using testing::SleepsAFractionOfAMillisecond;
using testing::Stopwatch;
using testing::TookAtLeast;
using testing::TookLessThan;
using testing::Units;

// The contract's way to write a number of seconds: as std::ostream writes a double.
std::string Shown(Seconds seconds) {
  std::ostringstream text;
  text << seconds.count();
  return text.str();
}

// Fails the RapidCheck property with `lesson`, what the learner most likely did wrong.
void Require(bool ok, const std::string& lesson) {
  if (!ok) RC_FAIL(lesson);
}

TEST(DoSomething, ReturnsDoneSleepingWithTheSeconds) {
  std::ostringstream out;
  EXPECT_EQ(do_something(Seconds(0.05), out), "Done Sleeping...0.05")
      << "do_something must return \"Done Sleeping...\" followed by the seconds, "
         "like the seed's f'Done Sleeping...{seconds}'";
  EXPECT_EQ(do_something(Seconds(0.01), out), "Done Sleeping...0.01");
}

TEST(DoSomething, PrintsOneSleepingLineToTheGivenStream) {
  std::ostringstream out;
  do_something(Seconds(0.05), out);
  EXPECT_EQ(out.str(), "Sleeping 0.05 second(s)...\n")
      << "do_something must write exactly one line, \"Sleeping <seconds> second(s)...\", "
         "ending in a newline, to the stream it is given (not to std::cout)";
}

// Pins "<seconds> is written the way an std::ostream writes a double by default": six
// significant digits, scientific notation for small numbers, no trailing zeros.
TEST(DoSomething, WritesTheSecondsAsAStreamWritesADouble) {
  const std::vector<std::pair<double, std::string>> cases = {
      {0.0123456789, "0.0123457"}, {0.0333333333, "0.0333333"},
      {0.00001, "1e-05"},          {0.007, "0.007"},
      {0.0105, "0.0105"},          {0.0, "0"}};
  for (const auto& [seconds, shown] : cases) {
    std::ostringstream out;
    const std::string result = do_something(Seconds(seconds), out);
    EXPECT_EQ(out.str(), "Sleeping " + shown + " second(s)...\n")
        << "write the seconds with `out << seconds.count()` and nothing else: std::to_string "
           "writes six decimals (0.012346), std::format writes every digit (0.0123456789), a "
           "fixed precision pads with zeros";
    EXPECT_EQ(result, "Done Sleeping..." + shown)
        << "the result shows the seconds exactly as the Sleeping line does (format them once, "
           "with an std::ostringstream, and use that text in both)";
  }
}

// Pins "the way an std::ostream writes a double by default" whatever format `out` was set to:
// the caller's stream settings are not do_something's.
TEST(DoSomething, WritesTheSecondsTheDefaultWayWhateverFormatOutHas) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(1);
  const std::string result = do_something(Seconds(0.0125), out);
  EXPECT_EQ(out.str(), "Sleeping 0.0125 second(s)...\n")
      << "`out` was set to std::fixed with precision 1, and that must not change how the "
         "seconds are written: format them in an std::ostringstream of your own (its format "
         "starts from the defaults) and write that text to `out`";
  EXPECT_EQ(result, "Done Sleeping...0.0125");
}

// Pins "blocks the calling thread for `seconds`" below a millisecond: the fraction is slept too.
TEST(DoSomething, SleepsForAFractionOfAMillisecondToo) {
  std::ostringstream out;
  EXPECT_TRUE(SleepsAFractionOfAMillisecond(
      "do_something", [&out](Seconds seconds) { do_something(seconds, out); }));
}

// Pins "Writes ... to `out`, then blocks": the line goes out before the sleep, not after it.
TEST(DoSomething, WritesTheSleepingLineBeforeItSleeps) {
  OutputRecorder recorder;
  do_something(Units(3), recorder.stream());
  const auto line = recorder.FirstContaining("Sleeping");
  ASSERT_TRUE(line) << "do_something wrote no Sleeping line to `out`: " << recorder.Text();
  EXPECT_LT(line->at, Units(1.5)) << "the Sleeping line came " << DescribeDuration(line->at)
                                  << " into a 3-unit call: write it first, then sleep, like the "
                                     "seed's print() before time.sleep()";
}

TEST(DoSomething, BlocksForTheWholeDuration) {
  std::ostringstream out;
  const Stopwatch stopwatch;
  do_something(Units(2), out);
  const auto elapsed = stopwatch.Elapsed();
  EXPECT_TRUE(TookAtLeast(elapsed, Units(2)))
      << "do_something must sleep for the whole duration: did you forget "
         "std::this_thread::sleep_for, or cast the duration to whole seconds?";
  EXPECT_TRUE(TookLessThan(elapsed, Units(10)))
      << "do_something slept far longer than asked: is the duration in the right unit?";
}

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
      << "do_something(2 units) took " << DescribeDuration(took)
      << " while the wall clock was set back an hour: sleep on std::chrono::steady_clock";
}

// Pins "whatever formats `out` was set to ... and `out`'s own settings are left as they were":
// the caller's stream asks for a fixed precision, a sign, capitals and a decimal point; the line
// still shows the seconds as a stream shows a double by default, and the stream keeps them.
TEST(DoSomething, WritesTheSecondsTheDefaultWayWhateverTheStreamIsSetTo) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(2) << std::showpos << std::uppercase << std::showpoint;
  const std::ios_base::fmtflags flags = out.flags();
  const std::streamsize precision = out.precision();
  do_something(Seconds(0.00001), out);
  EXPECT_EQ(out.str(), "Sleeping 1e-05 second(s)...\n")
      << "the seconds must look the same whatever the caller set `out` to: format them once "
         "into a std::ostringstream of your own (a new stream has the default format), and "
         "write that text";
  EXPECT_TRUE(out.flags() == flags && out.precision() == precision)
      << "do_something changed the formats the caller had set on `out`: leave the caller's "
         "stream as it was, and format the seconds in a std::ostringstream of your own";
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

TEST(RunSequentially, ReturnsResultsInCallOrder) {
  std::ostringstream out;
  const std::vector<std::string> results =
      run_sequentially({Seconds(0.03), Seconds(0.01), Seconds(0.02)}, out);
  EXPECT_EQ(results, (std::vector<std::string>{"Done Sleeping...0.03", "Done Sleeping...0.01",
                                               "Done Sleeping...0.02"}))
      << "run_sequentially must return one result per duration, in the order given";
  EXPECT_EQ(out.str(),
            "Sleeping 0.03 second(s)...\nSleeping 0.01 second(s)...\nSleeping 0.02 second(s)...\n")
      << "each task prints its Sleeping line when it starts, in the order given";
}

// Pins "one after another on the calling thread": line i is written by the caller, once the
// durations before it have passed and before its own has.
TEST(RunSequentially, RunsEachCallOnTheCallingThreadAfterTheOnesBefore) {
  const std::vector<Seconds> durations = {Units(3), Units(2), Units(2)};
  OutputRecorder recorder;
  run_sequentially(durations, recorder.stream());

  std::vector<OutputRecorder::Piece> lines;
  for (const auto& piece : recorder.Pieces()) {
    if (piece.text.find("Sleeping") != std::string::npos) lines.push_back(piece);
  }
  ASSERT_EQ(lines.size(), durations.size()) << "one Sleeping line per call: " << recorder.Text();
  testing::Duration before{};
  for (std::size_t i = 0; i < durations.size(); ++i) {
    const std::string which = "the Sleeping line of call " + std::to_string(i);
    EXPECT_EQ(lines[i].thread, std::this_thread::get_id())
        << which
        << " was written by another thread: run_sequentially calls do_something "
           "directly on the calling thread, with no thread of any kind (not even one joined at "
           "once)";
    EXPECT_TRUE(TookAtLeast(lines[i].at, before))
        << which
        << " came before the calls ahead of it had finished sleeping: call "
           "do_something for one duration after another, each after the one before returned";
    EXPECT_LT(lines[i].at, before + Units(1.5))
        << which << " came at " << DescribeDuration(lines[i].at) << ", long after the calls "
        << "ahead of it ended (" << DescribeDuration(before)
        << "): write each line before its own sleep, not after it";
    before += std::chrono::duration_cast<testing::Duration>(durations[i]);
  }
}

TEST(RunSequentially, TakesAtLeastTheSumOfTheDurations) {
  std::ostringstream out;
  const Stopwatch stopwatch;
  run_sequentially({Units(1), Units(1), Units(1)}, out);
  EXPECT_TRUE(TookAtLeast(stopwatch.Elapsed(), Units(3)))
      << "three 1-unit tasks run one after another take 3 units: this lesson is the "
         "sequential baseline, so run each task on the calling thread, no threads yet";
}

TEST(RunSequentially, ReturnsNothingForNoTasks) {
  std::ostringstream out;
  EXPECT_TRUE(run_sequentially({}, out).empty());
  EXPECT_EQ(out.str(), "");
}

TEST(Stopwatch, MeasuresTheTimeSinceItWasMade) {
  const threadkata::Stopwatch stopwatch;
  std::this_thread::sleep_for(Units(2));
  const auto elapsed = std::chrono::duration_cast<testing::Duration>(stopwatch.elapsed());
  EXPECT_TRUE(TookAtLeast(elapsed, Units(2)))
      << "Stopwatch::elapsed() must be the time since construction: store "
         "std::chrono::steady_clock::now() in the constructor and subtract it";
  EXPECT_TRUE(TookLessThan(elapsed, Units(20)))
      << "Stopwatch::elapsed() must return seconds: did you return a count of "
         "milliseconds or nanoseconds as if it were seconds?";
}

// Pins "Time since construction" below a millisecond: a reading is never less than the time
// this test measured from just after the stopwatch was made, 1.5, 2.5 and 3.5 ms later. A
// reading cut to whole milliseconds (1, 2 and 3 ms) is less, unless the test is held up for
// about half a millisecond at each of the three, between its own reading and the stopwatch's.
TEST(Stopwatch, KeepsTheFractionOfAMillisecond) {
  for (const int microseconds : {1500, 2500, 3500}) {
    const threadkata::Stopwatch stopwatch;
    const auto made = testing::Clock::now();
    std::this_thread::sleep_for(std::chrono::microseconds(microseconds));
    const testing::Duration at_least = testing::Clock::now() - made;
    const auto read = std::chrono::duration_cast<testing::Duration>(stopwatch.elapsed());
    const auto us = [](testing::Duration d) {
      return std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(d).count()) +
             " µs";
    };
    EXPECT_GE(read + std::chrono::microseconds(1), at_least)
        << "Stopwatch::elapsed() read " << us(read) << " when at least " << us(at_least)
        << " had passed since it was made: it lost the fraction of a millisecond. Return "
           "steady_clock::now() - start_ as it is (Seconds holds fractions); a duration_cast to "
           "milliseconds or seconds cuts them off";
  }
}

// Pins "the time since construction": not since the program started, nor since some other
// stopwatch was made.
// Pins "on std::chrono::steady_clock ... Never negative": the wall clock set back an hour while a
// Stopwatch runs changes nothing in its reading (high_resolution_clock is the wall clock in
// libstdc++).
TEST(Stopwatch, MeasuresOnTheSteadyClock) {
  testing::SettableWallClock wall;
  const threadkata::Stopwatch stopwatch;
  std::this_thread::sleep_for(Units(1));
  wall.Set(-std::chrono::hours(1));
  const auto elapsed = std::chrono::duration_cast<testing::Duration>(stopwatch.elapsed());
  EXPECT_TRUE(TookAtLeast(elapsed, Units(1)) && TookLessThan(elapsed, Units(10)))
      << "Stopwatch::elapsed() read " << DescribeDuration(elapsed)
      << " 1 unit after it was made, once the wall clock had been set back an hour: read "
         "std::chrono::steady_clock::now(), which never jumps (system_clock and "
         "high_resolution_clock follow the wall clock)";
}

// Pins "Thread-compatible": two threads, each with a Stopwatch of its own, read them at once. A
// reading kept outside the Stopwatch (a static, a global) is shared by both threads, which
// ThreadSanitizer reports as a data race.
TEST(Stopwatch, TwoThreadsReadTheirOwnStopwatchesAtOnce) {
  const auto read_own = [] {
    const threadkata::Stopwatch own;
    Seconds last{};
    for (int i = 0; i < 2000; ++i) {
      const Seconds now = own.elapsed();
      EXPECT_GE(now, last) << "a Stopwatch's reading went back";
      last = now;
    }
  };
  std::thread first(read_own);
  std::thread second(read_own);
  first.join();
  second.join();
}

TEST(Stopwatch, StartsAtZeroWhenItIsMade) {
  const threadkata::Stopwatch older;
  std::this_thread::sleep_for(Units(2));
  const threadkata::Stopwatch fresh;
  const auto fresh_elapsed = std::chrono::duration_cast<testing::Duration>(fresh.elapsed());
  const auto older_elapsed = std::chrono::duration_cast<testing::Duration>(older.elapsed());
  EXPECT_TRUE(TookLessThan(fresh_elapsed, Units(0.5)))
      << "a Stopwatch made just now must read about 0: store steady_clock::now() in each "
         "Stopwatch's constructor, not once for the whole program (a static or global start)";
  EXPECT_TRUE(TookAtLeast(older_elapsed, Units(2)))
      << "a Stopwatch made 2 units ago must read at least 2 units: each Stopwatch keeps its own "
         "start time";
}

TEST(Stopwatch, NeverGoesBackwards) {
  const threadkata::Stopwatch stopwatch;
  Seconds previous = stopwatch.elapsed();
  EXPECT_GE(previous.count(), 0.0) << "elapsed() can never be negative";
  for (int i = 0; i < 1000; ++i) {
    const Seconds now = stopwatch.elapsed();
    ASSERT_GE(now, previous) << "elapsed() went backwards: use std::chrono::steady_clock";
    previous = now;
  }
}

TEST(FinishedMessage, RoundsToTwoDecimalsAndKeepsOneLikePython) {
  const std::vector<std::pair<double, std::string>> cases = {
      {3.0, "3.0"},         {1.0, "1.0"},
      {0.0, "0.0"},         {1.514, "1.51"},
      {2.999, "3.0"},       {1.5, "1.5"},
      {0.004, "0.0"},       {10.257, "10.26"},
      {1.1, "1.1"},         {0.05, "0.05"},
      {12.34, "12.34"},     {123.456, "123.46"},
      {100.0, "100.0"},     {12345.678, "12345.68"},
      {86400.0, "86400.0"}, {1234567.891, "1234567.89"}};
  for (const auto& [seconds, shown] : cases) {
    EXPECT_EQ(finished_message(Seconds(seconds)), "Finished in " + shown + " second(s)")
        << "for " << seconds << " s: Python prints round(x, 2) with at least one decimal "
        << "(3.0, not 3 or 3.00)";
  }
}

// Pins "rounds to two decimals" the way Python's round() does: on the double's exact value, so
// 0.125 (exactly half a cent) goes to the even 0.12 and 2.675 (a little below 2.675 in binary)
// to 2.67. Multiplying by 100 and calling std::round gives 0.13 and 2.68.
TEST(FinishedMessage, RoundsTheDoublesExactValueLikePython) {
  const std::vector<std::pair<double, std::string>> cases = {
      {0.125, "0.12"}, {0.375, "0.38"}, {2.675, "2.67"}, {0.995, "0.99"}, {1.005, "1.0"}};
  for (const auto& [seconds, shown] : cases) {
    EXPECT_EQ(finished_message(Seconds(seconds)), "Finished in " + shown + " second(s)")
        << "for " << seconds << " s: Python's round(x, 2) rounds the exact binary value (ties "
        << "to even), which \"%.2f\" does too; std::round(x * 100) / 100 does not";
  }
}

// Pins "rounds to two decimals" on the time given, not on a copy cut to whole microseconds (or
// milliseconds): each time lies a fraction of a microsecond above a half cent, so it rounds up;
// cut to microseconds it is the half cent itself, whose double lies just below it and rounds
// down.
TEST(FinishedMessage, RoundsTheTimeItselfNotACopyCutToATick) {
  const std::vector<std::pair<double, std::string>> cases = {
      {0.0150000005, "0.02"}, {1.0050000004, "1.01"}, {2.6750000003, "2.68"}};
  for (const auto& [seconds, shown] : cases) {
    EXPECT_EQ(finished_message(Seconds(seconds)), "Finished in " + shown + " second(s)")
        << "for " << seconds << " s, a fraction of a microsecond above a half cent: round the "
        << "double you were given (\"%.2f\" does), without first converting it to whole "
        << "microseconds or milliseconds (duration_cast cuts it down)";
  }
}

// Any time: whole cents, nudged by less than a tenth of a cent either way, so the rounding is
// never a tie and the expected text is known without formatting a double.
THREADKATA_PROP(FinishedMessage, ShowsAnyTimeRoundedToCentsWithAtLeastOneDecimal, ()) {
  // Up to a day and more: hours of work are written in full too.
  const int cents = *rc::gen::inRange(0, 10000000);
  const int nudge = *rc::gen::inRange(-9, 10);
  const double seconds = cents / 100.0 + nudge / 10000.0;
  if (seconds < 0) return;
  std::string shown = std::to_string(cents / 100) + "." + std::to_string(cents / 10 % 10);
  if (cents % 10 != 0) shown += std::to_string(cents % 10);
  const std::string message = finished_message(Seconds(seconds));
  RC_LOG() << "finished_message(" << seconds << " s) returned \"" << message << "\"\n";
  Require(message == "Finished in " + shown + " second(s)",
          "expected \"Finished in " + shown +
              " second(s)\": round to two decimals, then drop one trailing zero but keep at least "
              "one decimal, as Python prints round(x, 2)");
}

THREADKATA_PROP(RunSequentially, ResultsFollowTheInputAndTimeAddsUp, ()) {
  const auto count = *rc::gen::inRange<std::size_t>(0, 6);
  const auto quarters = *rc::gen::container<std::vector<int>>(count, rc::gen::inRange(0, 3));
  std::vector<Seconds> durations;
  testing::Duration total{};
  for (const int q : quarters) {
    durations.push_back(Units(q * 0.25));
    total += Units(q * 0.25);
  }

  std::ostringstream out;
  const Stopwatch stopwatch;
  const std::vector<std::string> results = run_sequentially(durations, out);
  const auto elapsed = stopwatch.Elapsed();

  Require(results.size() == durations.size(),
          "run_sequentially returned " + std::to_string(results.size()) + " results for " +
              std::to_string(durations.size()) + " durations: one result per duration");
  for (std::size_t i = 0; i < durations.size(); ++i) {
    Require(results[i] == "Done Sleeping..." + Shown(durations[i]),
            "results[" + std::to_string(i) + "] is \"" + results[i] +
                "\", not do_something(durations[" + std::to_string(i) +
                "])'s result: keep the results in the order of the durations");
  }
  Require(elapsed >= total, "run_sequentially took " + DescribeDuration(elapsed) +
                                ", less than the sum of the durations, " + DescribeDuration(total) +
                                ": each call must sleep in full, "
                                "one after another");
}

}  // namespace
}  // namespace threadkata
