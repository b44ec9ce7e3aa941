// Lesson 01 tests: do_something, a stopwatch, and running tasks one after another.

#include "katas/01_sequential/sequential.h"

#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "rapidcheck/gtest.h"
#include "tests/support/time_unit.h"

namespace threadkata {
namespace {

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
      {3.0, "3.0"},   {1.0, "1.0"},   {0.0, "0.0"},    {1.514, "1.51"},
      {2.999, "3.0"}, {1.5, "1.5"},   {0.004, "0.0"},  {10.257, "10.26"},
      {1.1, "1.1"},   {0.05, "0.05"}, {12.34, "12.34"}};
  for (const auto& [seconds, shown] : cases) {
    EXPECT_EQ(finished_message(Seconds(seconds)), "Finished in " + shown + " second(s)")
        << "for " << seconds << " s: Python prints round(x, 2) with at least one decimal "
        << "(3.0, not 3 or 3.00)";
  }
}

RC_GTEST_PROP(RunSequentially, ResultsFollowTheInputAndTimeAddsUp, ()) {
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

  RC_ASSERT(results.size() == durations.size());
  for (std::size_t i = 0; i < durations.size(); ++i) {
    RC_ASSERT(results[i] == "Done Sleeping..." + Shown(durations[i]));
  }
  RC_ASSERT(elapsed >= total);
}

}  // namespace
}  // namespace threadkata
