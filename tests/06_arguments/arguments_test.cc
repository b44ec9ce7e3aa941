// Lesson 06 tests: arguments into threads, one result out of each, in argument order.

#include "katas/06_arguments/arguments.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iomanip>
#include <latch>
#include <memory>
#include <mutex>
#include <numeric>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/support/concurrency_gauge.h"
#include "tests/support/deadline.h"
#include "tests/support/event_log.h"
#include "tests/support/property.h"
#include "tests/support/thread_census.h"
#include "tests/support/thread_identity.h"
#include "tests/support/time_unit.h"

namespace threadkata {
namespace {

using testing::ConcurrencyGauge;
using testing::EventLog;
using testing::FinishesWithin;
using testing::LingerAtThreadExit;
using testing::Stopwatch;
using testing::ThreadCensus;
using testing::ThreadIdentities;
using testing::TookAtLeast;
using testing::TookLessThan;
using testing::Units;

// More calls than this machine has cores, and never fewer than 16: an implementation that
// starts only hardware_concurrency() threads at a time must fail on any machine.
int ManyCalls() {
  return std::max(16, 2 * static_cast<int>(std::thread::hardware_concurrency()) + 1);
}

constexpr char kSerialisedHint[] =
    "The calls never all ran at once: did you join() inside the loop that starts the threads, "
    "start only a few threads at a time, or call f on the calling thread?";

// The result the tests' f returns for `arg`: it names the argument, so a result that landed
// in the wrong slot, or came from another call's argument, shows.
std::string Named(Seconds arg) {
  std::ostringstream text;
  text << "f(" << arg.count() << ")";
  return text.str();
}

// f(arg): sleeps for `arg`, then returns Named(arg).
std::string SleepThenName(Seconds arg) {
  std::this_thread::sleep_for(arg);
  return Named(arg);
}

std::vector<std::string> NamesOf(const std::vector<Seconds>& args) {
  std::vector<std::string> names;
  for (const Seconds arg : args) names.push_back(Named(arg));
  return names;
}

TEST(RunEach, ReturnsEachResultInItsArgumentsPlace) {
  // The first argument finishes last and the last finishes first.
  const std::vector<Seconds> args = {Units(1.5), Units(1), Units(0.5), Units(0)};
  const std::vector<std::string> results = run_each(SleepThenName, args);
  EXPECT_EQ(results, NamesOf(args))
      << "results[i] must be f(args[i]), whatever order the threads finish in: give each "
         "thread its own slot of a vector sized before the threads start (pass it with "
         "std::ref), rather than appending results as they come";
}

TEST(RunEach, TenCallsLikeTheSeedsOverlap) {
  // The seed: ten threads of do_something(1.5) finish in about 1.5 s, not 15.
  const std::vector<Seconds> args(10, Units(1.5));
  ConcurrencyGauge gauge;
  const Stopwatch stopwatch;
  const std::vector<std::string> results = run_each(
      [&gauge](Seconds arg) {
        const auto running = gauge.Enter();
        return SleepThenName(arg);
      },
      args);
  const auto elapsed = stopwatch.Elapsed();
  EXPECT_EQ(results, NamesOf(args)) << "one result per argument, each f(args[i])";
  EXPECT_TRUE(TookAtLeast(elapsed, Units(1.5)))
      << "run_each returned before its calls were done: join every thread before returning";
  // Wide: starting ten threads under ThreadSanitizer on a loaded machine can take units. The
  // latch in RunsAllCallsAtOnce proves that the calls overlap without reading the clock.
  EXPECT_TRUE(TookLessThan(elapsed, Units(7.5)))
      << (gauge.HighWaterMark() == 1
              ? "ten calls of 1.5 units ran one after another (15 units): a join() inside the "
                "loop that starts the threads waits for each call before the next starts. Start "
                "every thread in one loop, then join them all in a second loop"
              : "the ten calls of 1.5 units ran a few at a time, in groups, not all at once: "
                "start a thread for every argument before joining any, whatever the number of "
                "cores (threads that sleep do not need a core each)");
}

TEST(RunEach, CallsFOnceWithEachArgument) {
  const std::vector<Seconds> args = {Units(0.1), Units(0.2), Units(0.3), Units(0.4), Units(0.5)};
  const auto log = std::make_shared<EventLog>();
  run_each(
      [log](Seconds arg) {
        log->Record(Named(arg));
        return Named(arg);
      },
      args);
  for (const std::string& name : NamesOf(args)) {
    EXPECT_EQ(log->CountWithPrefix(name), 1u)
        << "f was not called exactly once with the argument of " << name << ": pass each "
        << "thread its own argument by value (a lambda capturing the loop variable by "
        << "reference reads it after the loop has moved on); calls: " << log->ToString();
  }
}

// Answers with the address of the object it is called on.
struct WhereAmI {
  std::string operator()(Seconds) const {
    std::ostringstream address;
    address << static_cast<const void*>(this);
    return address.str();
  }
};

// Pins "`f` itself is called, never a copy of it": std::function keeps a small target inside
// itself, so a copy of f calls a target at another address.
TEST(RunEach, CallsTheCallersFunctionNotACopyOfIt) {
  const std::function<std::string(Seconds)> f = WhereAmI{};
  std::ostringstream callers;
  callers << static_cast<const void*>(f.target<WhereAmI>());
  const std::vector<std::string> results = run_each(f, std::vector<Seconds>(4, Seconds(0)));
  ASSERT_EQ(results.size(), 4u) << "run_each must return one result per argument";
  for (const std::string& address : results) {
    EXPECT_EQ(address, callers.str())
        << "f was called on a copy of the caller's function: std::thread copies every argument "
           "it is given, so pass f with std::cref(f) (or capture it by reference); a copy per "
           "thread copies f's state and calls something other than the caller's f";
  }
}

// Promise: "results[i] == f(args[i])": each call gets its argument itself, every digit of it.
TEST(RunEach, HandsEachArgumentOverExactly) {
  const std::vector<Seconds> args = {Seconds(1.0 / 3), Seconds(0.1), Seconds(0.002000001)};
  const auto exact = [](Seconds arg) {
    std::ostringstream text;
    text << std::setprecision(17) << arg.count();
    return text.str();
  };
  std::vector<std::string> expected;
  for (const Seconds arg : args) expected.push_back(exact(arg));
  EXPECT_EQ(run_each(exact, args), expected)
      << "f got another value than args[i] (its 17 significant digits are shown): hand each "
         "thread the Seconds as they are; a float, or a count of whole milliseconds or "
         "microseconds, drops digits on the way";
}

// Promise: "Blocks until every call has returned; no thread is left running."
TEST(RunEach, NoThreadIsLeftRunningWhenItReturns) {
  const std::vector<Seconds> args = {Units(0.1), Units(0), Units(0.2), Units(0), Units(0.1)};
  const ThreadCensus census;
  const std::vector<std::string> results = run_each(
      [](Seconds arg) {
        // The thread stays alive one unit after f: join() waits for that, nothing else does.
        LingerAtThreadExit(Units(1));
        return SleepThenName(arg);
      },
      args);
  EXPECT_TRUE(census.NoThreadLeftRunning("run_each"));
  EXPECT_EQ(results, NamesOf(args)) << "results[i] must be f(args[i])";
}

// Promise: "each call on a std::thread of its own, all at the same time": a lone call and the
// last call too, never on the caller's thread, never two calls on one thread.
TEST(RunEach, RunsEveryCallOnAThreadOfItsOwn) {
  for (const int count : {1, 2, ManyCalls()}) {
    std::optional<ThreadIdentities> identities;
    // The calls wait for each other, so all their threads are alive at once.
    std::latch all_running(count);
    std::vector<Seconds> args;
    for (int i = 0; i < count; ++i) args.push_back(Seconds(i));
    const auto f = [&](Seconds arg) {
      identities->Ran(static_cast<int>(arg.count()));
      all_running.arrive_and_wait();
      return Named(arg);
    };
    FinishesWithin(Units(20), "run_each of calls that wait for each other", kSerialisedHint, [&] {
      identities.emplace();
      run_each(f, args);
    });
    EXPECT_TRUE(identities->EachRanOnceOnItsOwnThread(count))
        << "run_each of " << count << " argument(s) (task i is the call with argument i): every "
        << "call, a lone one and the last one too, gets a std::thread of its own, never the "
        << "caller's";
  }
}

// A hundred calls: more than any cap on threads a loop might set (16, 32, 64), so "all at the
// same time" means every call, not every call up to a cap.
TEST(RunEach, RunsAllCallsAtOnce) {
  const int kCalls = std::max(ManyCalls(), 100);
  ConcurrencyGauge gauge;
  // Nobody leaves the latch until every call is in it: only all calls at once get past.
  std::latch all_running(kCalls);
  const auto f = [&](Seconds arg) {
    const auto running = gauge.Enter();
    all_running.arrive_and_wait();
    return Named(arg);
  };
  FinishesWithin(Units(20), "run_each of calls that wait for each other", kSerialisedHint,
                 [&] { run_each(f, std::vector<Seconds>(kCalls, Seconds(0))); });
  EXPECT_EQ(gauge.HighWaterMark(), kCalls)
      << "at most " << gauge.HighWaterMark() << " of " << kCalls
      << " calls ran at the same time: one thread per argument, all started before any join";
}

TEST(RunEach, ReturnsNothingForNoArguments) {
  EXPECT_TRUE(run_each(SleepThenName, {}).empty()) << "no arguments, no results";
}

THREADKATA_PROP(RunEach, ResultIIsFOfArgIAndTimeIsTheLongest, ()) {
  const auto count = *rc::gen::inRange<std::size_t>(0, 9);
  const auto halves = *rc::gen::container<std::vector<int>>(count, rc::gen::inRange(0, 5));
  std::vector<Seconds> args;
  testing::Duration longest{};
  for (const int h : halves) {
    args.push_back(Units(h * 0.5));
    longest = std::max(longest, Units(h * 0.5));
  }

  const Stopwatch stopwatch;
  const std::vector<std::string> results = run_each(SleepThenName, args);
  const auto elapsed = stopwatch.Elapsed();

  RC_LOG() << "args: " << ::testing::PrintToString(NamesOf(args))
           << "\nresults: " << ::testing::PrintToString(results) << "\n";
  if (results != NamesOf(args)) {
    RC_FAIL(
        "results[i] must be f(args[i]), in argument order: give thread i its own slot "
        "results[i] of a vector sized before the threads start, and its own argument");
  }
  if (elapsed < longest) {
    RC_FAIL("run_each returned before its longest call could have ended: join every thread");
  }
}

// Batches of `sizes[i]` elements 1, 2, ..., sizes[i].
std::vector<std::vector<int>> Batches(const std::vector<int>& sizes) {
  std::vector<std::vector<int>> batches;
  for (const int size : sizes) {
    batches.emplace_back(size);
    std::iota(batches.back().begin(), batches.back().end(), 1);
  }
  return batches;
}

long Sum(std::vector<int> batch) { return std::accumulate(batch.begin(), batch.end(), 0L); }

TEST(RunEachOwning, ReturnsEachBatchsResultInItsPlace) {
  const std::vector<long> results = run_each_owning(Sum, Batches({4, 1, 10, 0, 3}));
  EXPECT_EQ(results, (std::vector<long>{10, 1, 55, 0, 6}))
      << "results[i] must be f(batches[i]): each thread writes its own slot";
}

// Pins "results[i] == f(batches[i])" for results that need every bit of a long: a result kept
// on the way in an int, or any narrower type, comes back cut.
TEST(RunEachOwning, ReturnsResultsAsLongAsALong) {
  constexpr long kBig = 1L << 40;
  const auto f = [](std::vector<int> batch) { return kBig + static_cast<long>(batch.size()); };
  EXPECT_EQ(run_each_owning(f, Batches({2, 1})), (std::vector<long>{kBig + 2, kBig + 1}))
      << "results beyond the range of an int came back cut: keep each result as the long f "
         "returns, from f's call to the vector run_each_owning returns (no int on the way)";
}

// Promise: "results[i] == f(batches[i])", whatever order the calls finish in.
TEST(RunEachOwning, ReturnsResultsInBatchOrderWhateverOrderTheyFinishIn) {
  // The first batch finishes last, the last one first.
  const auto f = [](std::vector<int> batch) {
    std::this_thread::sleep_for(Units(0.3 * (5 - static_cast<double>(batch.size()))));
    return Sum(std::move(batch));
  };
  EXPECT_EQ(run_each_owning(f, Batches({1, 2, 3, 4, 5})), (std::vector<long>{1, 3, 6, 10, 15}))
      << "results[i] must be f(batches[i]), not in the order the calls finish: give thread i "
         "its own slot results[i] of a vector sized before the threads start";
}

// Promise: "Blocks until every call has returned"; no thread is left running.
TEST(RunEachOwning, NoThreadIsLeftRunningWhenItReturns) {
  const ThreadCensus census;
  const std::vector<long> results = run_each_owning(
      [](std::vector<int> batch) {
        LingerAtThreadExit(Units(1));
        return Sum(std::move(batch));
      },
      Batches({3, 1, 2}));
  EXPECT_TRUE(census.NoThreadLeftRunning("run_each_owning"));
  EXPECT_EQ(results, (std::vector<long>{6, 1, 3})) << "results[i] must be f(batches[i])";
}

// Promise: "each call on a std::thread of its own, all at the same time".
TEST(RunEachOwning, RunsEveryCallOnAThreadOfItsOwn) {
  for (const int count : {1, 2, ManyCalls()}) {
    std::optional<ThreadIdentities> identities;
    std::latch all_running(count);
    std::vector<int> sizes(count);
    std::iota(sizes.begin(), sizes.end(), 0);
    const auto f = [&](std::vector<int> batch) {
      identities->Ran(static_cast<int>(batch.size()));
      all_running.arrive_and_wait();
      return Sum(std::move(batch));
    };
    FinishesWithin(Units(20), "run_each_owning of calls that wait for each other", kSerialisedHint,
                   [&] {
                     identities.emplace();
                     run_each_owning(f, Batches(sizes));
                   });
    EXPECT_TRUE(identities->EachRanOnceOnItsOwnThread(count))
        << "run_each_owning of " << count << " batch(es) (task i is the batch of size i): every "
        << "call, a lone one and the last one too, gets a std::thread of its own, never the "
        << "caller's";
  }
}

TEST(RunEachOwning, HandsEachBatchOverWithoutCopying) {
  std::vector<std::vector<int>> batches = Batches({3, 5, 7, 9});
  std::set<const int*> allocated;
  for (const auto& batch : batches) allocated.insert(batch.data());

  std::mutex mutex;
  std::set<const int*> received;
  run_each_owning(
      [&](std::vector<int> batch) {
        std::lock_guard lock(mutex);
        received.insert(batch.data());
        return Sum(std::move(batch));
      },
      std::move(batches));
  EXPECT_EQ(received, allocated)
      << "f received copies of the batches, not the buffers the caller allocated: std::thread "
         "copies what it is given, so hand each batch over with std::move(batches[i]), and "
         "move it on into f. A std::move that copies all the same: of a const object, such as "
         "a lambda's by-value capture (its operator() is const unless the lambda is mutable), "
         "or into a parameter taken by const reference";
}

// Answers with the address of the object it is called on, as a number.
struct WhereAmIOwning {
  long operator()(std::vector<int>) const {
    return static_cast<long>(reinterpret_cast<std::uintptr_t>(this));
  }
};

// Pins run_each_owning's "`f` itself is called, never a copy of it": std::function keeps a small
// target inside itself, so a copy of f calls a target at another address.
TEST(RunEachOwning, CallsTheCallersFunctionNotACopyOfIt) {
  const std::function<long(std::vector<int>)> f = WhereAmIOwning{};
  const long callers =
      static_cast<long>(reinterpret_cast<std::uintptr_t>(f.target<WhereAmIOwning>()));
  const std::vector<long> results = run_each_owning(f, std::vector<std::vector<int>>(4, {1}));
  ASSERT_EQ(results.size(), 4u) << "run_each_owning must return one result per batch";
  for (const long address : results) {
    EXPECT_EQ(address, callers)
        << "f was called on a copy of the caller's function: a lambda that captures f by value "
           "(or std::thread given f itself) copies it; capture f by reference ([&f]), since it "
           "outlives every thread";
  }
}

TEST(RunEachOwning, ReturnsNothingForNoBatches) {
  EXPECT_TRUE(run_each_owning(Sum, {}).empty()) << "no batches, no results";
}

TEST(RunEachOwning, RunsAllCallsAtOnce) {
  const int kCalls = ManyCalls();
  ConcurrencyGauge gauge;
  std::latch all_running(kCalls);
  const auto f = [&](std::vector<int> batch) {
    const auto running = gauge.Enter();
    all_running.arrive_and_wait();
    return Sum(std::move(batch));
  };
  FinishesWithin(Units(20), "run_each_owning of calls that wait for each other", kSerialisedHint,
                 [&] { run_each_owning(f, Batches(std::vector<int>(kCalls, 2))); });
  EXPECT_EQ(gauge.HighWaterMark(), kCalls) << "one thread per batch, all started before any join";
}

}  // namespace
}  // namespace threadkata
