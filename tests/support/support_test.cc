// The contract checks themselves are proven: each must pass the right behaviour and fail the
// wrong one it exists to catch, or a lesson's test built on it could never fail.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <latch>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest-spi.h"
#include "gtest/gtest.h"
#include "tests/support/hammer.h"
#include "tests/support/idle_meter.h"
#include "tests/support/output_recorder.h"
#include "tests/support/property.h"
#include "tests/support/thread_census.h"
#include "tests/support/thread_identity.h"
#include "tests/support/time_unit.h"

namespace threadkata::testing {
namespace {

TEST(ThreadCensus, PassesThreadsThatWereJoined) {
  ThreadCensus census;
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) threads.emplace_back([] { LingerAtThreadExit(Units(0.5)); });
  for (auto& thread : threads) thread.join();
  EXPECT_TRUE(census.NoThreadLeftRunning("the joining code"));
}

TEST(ThreadCensus, CatchesADetachedThreadThatSignalledBeforeItEnded) {
  ThreadCensus census;
  std::latch done(1);
  std::thread([&done] {
    LingerAtThreadExit(Units(2));
    done.count_down();
  }).detach();
  done.wait();
  const auto result = census.NoThreadLeftRunning("the detaching code");
  EXPECT_FALSE(result);
  EXPECT_NE(std::string(result.message()).find("the detaching code"), std::string::npos)
      << result.message();
  std::this_thread::sleep_for(Units(2.5));
}

TEST(ThreadIdentities, TellsTheCallerFromOtherThreads) {
  ThreadIdentities identities;
  identities.Ran(0);
  std::thread([&] { identities.Ran(1); }).join();
  EXPECT_FALSE(identities.EachRanOnceOnCaller(2));
  EXPECT_FALSE(identities.EachRanOnceOffCaller(2));
  EXPECT_EQ(identities.DistinctThreads(), 2);

  ThreadIdentities on_threads;
  std::thread a([&] { on_threads.Ran(0); });
  std::thread b([&] { on_threads.Ran(1); });
  a.join();
  b.join();
  EXPECT_TRUE(on_threads.EachRanOnceOnItsOwnThread(2));
  EXPECT_FALSE(on_threads.EachRanOnceOnItsOwnThread(3)) << "task 2 never ran";

  // Threads one after another: the second may get the first's std::thread::id, but it is
  // another thread.
  ThreadIdentities in_turn;
  std::thread([&] { in_turn.Ran(0); }).join();
  std::thread([&] { in_turn.Ran(1); }).join();
  EXPECT_TRUE(in_turn.EachRanOnceOnItsOwnThread(2));
  EXPECT_EQ(in_turn.DistinctThreads(), 2);

  ThreadIdentities one_thread;
  std::thread([&] {
    one_thread.Ran(0);
    one_thread.Ran(1);
  }).join();
  EXPECT_FALSE(one_thread.EachRanOnceOnItsOwnThread(2));
  EXPECT_EQ(one_thread.DistinctThreads(), 1);
}

TEST(OutputRecorder, RecordsEachPieceWithItsThreadAndTime) {
  OutputRecorder recorder;
  recorder.stream() << "first\n";
  std::this_thread::sleep_for(Units(1));
  std::thread([&] { recorder.stream() << "second\n"; }).join();
  const auto first = recorder.FirstContaining("first");
  const auto second = recorder.FirstContaining("second");
  ASSERT_TRUE(first && second) << recorder.Text();
  EXPECT_EQ(first->thread, std::this_thread::get_id());
  EXPECT_NE(second->thread, std::this_thread::get_id());
  EXPECT_LT(first->at, Units(0.5));
  EXPECT_TRUE(TookAtLeast(second->at, Units(1)));
  EXPECT_EQ(recorder.Text(), "first\nsecond\n");
  EXPECT_FALSE(recorder.FirstContaining("third"));
}

// How busy the machine is while the idle meter watches.
enum class Load { kIdle, kEveryCoreBusy };

// Keeps every core busy with a spinning thread (as other tests and builds do on a loaded CI
// machine) for as long as it lives, if `load` says so.
class CoreHogs {
 public:
  explicit CoreHogs(Load load) {
    if (load == Load::kIdle) return;
    for (unsigned n = 0; n < std::max(1u, std::thread::hardware_concurrency()); ++n) {
      hogs_.emplace_back([this] {
        while (!stop_.load(std::memory_order_relaxed)) {
        }
      });
    }
  }
  ~CoreHogs() {
    stop_ = true;
    for (std::thread& hog : hogs_) hog.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::vector<std::thread> hogs_;
};

// Runs a thread that waits in one of the ways under test until `stop`, watches it for 3 units
// under `load`, and checks the idle meter's verdict on it.
template <class Wait>
void MeasureWaiter(Wait wait, bool expect_asleep, const char* what, Load load) {
  std::atomic<pid_t> tid{0};
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::condition_variable stopped;
  std::thread waiter([&] {
    tid = CurrentThreadId();
    wait(stop, mutex, stopped);
  });
  while (tid.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ::testing::AssertionResult result = ::testing::AssertionSuccess();
  {
    const CoreHogs hogs(load);
    const IdleMeter meter({tid.load()});
    std::this_thread::sleep_for(Units(3));
    result = meter.StayedAsleep(what);
  }
  {
    std::lock_guard lock(mutex);
    stop = true;
  }
  stopped.notify_all();
  waiter.join();
  EXPECT_EQ(static_cast<bool>(result), expect_asleep)
      << what << (load == Load::kIdle ? " on an idle machine: " : " with every core busy: ")
      << result.message();
}

// The same verdict on an idle machine and with every core busy.
template <class Wait>
void ExpectVerdict(Wait wait, bool expect_asleep, const char* what) {
  MeasureWaiter(wait, expect_asleep, what, Load::kIdle);
  MeasureWaiter(wait, expect_asleep, what, Load::kEveryCoreBusy);
}

template <int kMilliseconds>
void PollBySleeping(std::atomic<bool>& stop, std::mutex&, std::condition_variable&) {
  while (!stop) std::this_thread::sleep_for(std::chrono::milliseconds(kMilliseconds));
}

TEST(IdleMeter, PassesAConditionVariableWait) {
  ExpectVerdict(
      [](std::atomic<bool>& stop, std::mutex& mutex, std::condition_variable& stopped) {
        std::unique_lock lock(mutex);
        stopped.wait(lock, [&] { return stop.load(); });
      },
      true, "a condition variable waiter");
}

TEST(IdleMeter, CatchesSpinningOnYield) {
  ExpectVerdict(
      [](std::atomic<bool>& stop, std::mutex&, std::condition_variable&) {
        while (!stop) std::this_thread::yield();
      },
      false, "a yield() spinner");
}

TEST(IdleMeter, CatchesSpinningOnAnAtomic) {
  ExpectVerdict(
      [](std::atomic<bool>& stop, std::mutex&, std::condition_variable&) {
        while (!stop) {
        }
      },
      false, "a busy loop on an atomic");
}

TEST(IdleMeter, CatchesPollingEveryMillisecond) {
  ExpectVerdict(PollBySleeping<1>, false, "a 1 ms poller");
}

TEST(IdleMeter, CatchesPollingEvery5Ms) {
  ExpectVerdict(PollBySleeping<5>, false, "a 5 ms poller");
}

TEST(IdleMeter, CatchesPollingWithAShortWaitFor) {
  ExpectVerdict(
      [](std::atomic<bool>& stop, std::mutex& mutex, std::condition_variable& stopped) {
        std::unique_lock lock(mutex);
        while (!stop) stopped.wait_for(lock, std::chrono::milliseconds(10));
      },
      false, "a 10 ms wait_for poller");
}

TEST(Hammer, ReleasesEveryCallerTogetherWithTheOwner) {
  constexpr int kThreads = 6;
  std::atomic<int> calls{0};
  std::atomic<bool> owner_ran{false};
  Hammer(
      kThreads, 100, [&](int) { calls.fetch_add(1); }, [&] { owner_ran = true; });
  EXPECT_EQ(calls.load(), kThreads * 100);
  EXPECT_TRUE(owner_ran.load());
}

TEST(ThreadCensus, CatchesAThreadDetachedAndJoinedByAHelperThatEndedInTime) {
  ThreadCensus census;
  std::thread worker([] {});
  // Shared: the helper may still be inside count_down() when the wait returns.
  const auto joined = std::make_shared<std::latch>(1);
  // The helper runs no test code that LingerAtThreadExit could slow: it may be gone by the check.
  std::thread([joined, worker = std::move(worker)]() mutable {
    worker.join();
    joined->count_down();
  }).detach();
  joined->wait();
  const auto result = census.NoThreadLeftRunning("the detaching code");
  EXPECT_FALSE(result) << "a detached thread passed the census";
  EXPECT_NE(std::string(result.message()).find("detach"), std::string::npos) << result.message();
  EXPECT_NE(std::string(result.message()).find("the detaching code"), std::string::npos)
      << result.message();
}

TEST(ThreadCensus, CountsADetachOnlyAfterItsConstruction) {
  const auto done = std::make_shared<std::latch>(1);
  std::thread([done] { done->count_down(); }).detach();
  done->wait();
  ThreadCensus census;
  std::thread([] {}).join();
  EXPECT_TRUE(census.NoThreadLeftRunning("the joining code"));
}

TEST(RequiredCases, IsMaxSuccessOrRapidChecksDefault) {
  EXPECT_EQ(RequiredCasesIn("seed=20261125 max_success=20"), 20);
  EXPECT_EQ(RequiredCasesIn("max_success=7 seed=1"), 7);
  EXPECT_EQ(RequiredCasesIn("seed=1"), 100);
  EXPECT_EQ(RequiredCasesIn(""), 100);
  EXPECT_EQ(RequiredCasesIn("max_success=0"), 0);
  EXPECT_EQ(RequiredCasesIn("seed=1 reproduce=BchdlNGdvJ3XzxGbgQ"), 0);
}

TEST(RequiredCases, ComesFromRcParams) {
  const char* params = std::getenv("RC_PARAMS");
  ASSERT_NE(params, nullptr) << "the tests' main() sets RC_PARAMS";
  EXPECT_EQ(RequiredCases(), RequiredCasesIn(params));
  EXPECT_GT(RequiredCases(), 0);
}

TEST(ExpectEveryCasePassed, PassesWhenEveryCasePassed) {
  ExpectEveryCasePassed(rc::detail::SuccessResult{20, {}}, 20);
}

TEST(ExpectEveryCasePassed, FailsAPassWithFewerCases) {
  EXPECT_NONFATAL_FAILURE(ExpectEveryCasePassed(rc::detail::SuccessResult{0, {}}, 20),
                          "RapidCheck passed 0 of the 20 cases");
}

rc::detail::FailureResult Falsified() {
  rc::detail::FailureResult failure;
  failure.numSuccess = 3;
  failure.description = "the counterexample";
  return failure;
}

TEST(ExpectEveryCasePassed, FailsAFalsifiedProperty) {
  EXPECT_FATAL_FAILURE(ExpectEveryCasePassed(Falsified(), 20), "the counterexample");
}

THREADKATA_PROP(ThreadkataProp, RunsAsAGoogleTestProperty, (int value)) {
  RC_ASSERT(value == value);
}

}  // namespace
}  // namespace threadkata::testing
