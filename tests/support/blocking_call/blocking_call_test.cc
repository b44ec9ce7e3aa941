// Tests of BlockingCallOf() and NeverWaitedWithATimeout(): each way of waiting the lessons meet
// is told apart, plain and under the sanitizers.

#include "tests/support/blocking_call/blocking_call.h"

#include <atomic>
#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <semaphore>
#include <set>
#include <thread>

#include "gtest/gtest.h"
#include "tests/support/thread_census.h"
#include "tests/support/time_unit.h"

namespace threadkata::testing {
namespace {

// A condition variable no one notifies but the waiters' own release.
std::mutex mutex;
std::condition_variable condition;

// Runs `wait` on a thread until it is destroyed, and reads the call that thread blocks in.
class Waiter {
 public:
  explicit Waiter(std::function<void(const std::atomic<bool>& released)> wait)
      : thread_([this, wait = std::move(wait)] {
          tid_ = CurrentThreadId();
          wait(released_);
        }) {}
  ~Waiter() {
    {
      const std::lock_guard lock(mutex);
      released_ = true;
    }
    condition.notify_all();
    released_.notify_all();
    thread_.join();
  }

  pid_t tid() const { return tid_; }

  // The call the thread is blocked in, once it is blocked (nullopt if it never is).
  std::optional<BlockingCall> Call() const {
    const Stopwatch stopwatch;
    while (stopwatch.Elapsed() < Units(20)) {
      if (const pid_t tid = tid_; tid != 0) {
        if (auto call = BlockingCallOf(tid)) return call;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return std::nullopt;
  }

 private:
  std::atomic<bool> released_{false};
  std::atomic<pid_t> tid_{0};
  std::thread thread_;
};

void WaitOnCondition(const std::atomic<bool>& released) {
  std::unique_lock lock(mutex);
  condition.wait(lock, [&] { return released.load(); });
}

void PollCondition(const std::atomic<bool>& released) {
  std::unique_lock lock(mutex);
  while (!released) condition.wait_for(lock, Units(0.5));
}

void Sleep(const std::atomic<bool>& released) {
  while (!released) std::this_thread::sleep_for(Units(0.5));
}

TEST(ThreadsOfThisProcess, ListsEveryThreadWhileItLives) {
  std::promise<pid_t> started;
  std::promise<void> finish;
  std::thread thread([&] {
    started.set_value(CurrentThreadId());
    finish.get_future().wait();
  });
  const pid_t tid = started.get_future().get();
  const std::set<pid_t> living = ThreadsOfThisProcess();
  finish.set_value();
  thread.join();
  EXPECT_TRUE(living.contains(tid)) << "a living thread is missing";
  EXPECT_TRUE(living.contains(CurrentThreadId())) << "the calling thread is missing";
  EXPECT_FALSE(ThreadsOfThisProcess().contains(tid)) << "a joined thread is still listed";
}

TEST(BlockingCallOf, AConditionVariableWaitHasNoTimeout) {
  const Waiter waiter(WaitOnCondition);
  const auto call = waiter.Call();
  ASSERT_TRUE(call);
  EXPECT_EQ(call->name, "futex");
  EXPECT_FALSE(call->has_timeout);
}

TEST(BlockingCallOf, WaitForHasATimeout) {
  const Waiter waiter(PollCondition);
  const auto call = waiter.Call();
  ASSERT_TRUE(call);
  EXPECT_EQ(call->name, "futex");
  EXPECT_TRUE(call->has_timeout);
}

TEST(BlockingCallOf, WaitUntilHasATimeout) {
  const Waiter waiter([](const std::atomic<bool>& released) {
    std::unique_lock lock(mutex);
    while (!released) condition.wait_until(lock, Clock::now() + Units(0.5));
  });
  const auto call = waiter.Call();
  ASSERT_TRUE(call);
  EXPECT_TRUE(call->has_timeout);
}

TEST(BlockingCallOf, ASleepHasATimeout) {
  const Waiter waiter(Sleep);
  const auto call = waiter.Call();
  ASSERT_TRUE(call);
  EXPECT_TRUE(call->has_timeout) << call->name;
}

TEST(BlockingCallOf, WaitingOnAnAtomicOrAFutureHasNoTimeout) {
  std::promise<void> promise;
  const std::shared_future<void> future = promise.get_future().share();
  const Waiter atomic([](const std::atomic<bool>& released) { released.wait(false); });
  const Waiter waiter([future](const std::atomic<bool>&) { future.wait(); });
  // Destroyed before the waiters, so that the future's waiter can end.
  const struct Fulfil {
    std::promise<void>& promise;
    ~Fulfil() { promise.set_value(); }
  } fulfil{promise};
  for (const Waiter* w : {&atomic, &waiter}) {
    const auto call = w->Call();
    ASSERT_TRUE(call);
    EXPECT_FALSE(call->has_timeout) << call->name;
  }
}

TEST(BlockingCallOf, ASemaphoresTryAcquireForHasATimeout) {
  std::counting_semaphore<1> semaphore(0);
  const Waiter waiter([&semaphore](const std::atomic<bool>& released) {
    while (!released) semaphore.try_acquire_for(Units(0.5));
  });
  const auto call = waiter.Call();
  ASSERT_TRUE(call);
  EXPECT_TRUE(call->has_timeout) << call->name;
}

TEST(BlockingCallOf, ASpinningThreadIsBlockedInNothing) {
  std::atomic<bool> stop{false};
  std::atomic<pid_t> tid{0};
  std::thread spinner([&] {
    tid = CurrentThreadId();
    while (!stop) {
    }
  });
  while (tid == 0) std::this_thread::yield();
  for (int sample = 0; sample < 50; ++sample) {
    EXPECT_FALSE(BlockingCallOf(tid)) << "sample " << sample;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  stop = true;
  spinner.join();
}

TEST(NeverWaitedWithATimeout, PassesAThreadWaitingToBeNotified) {
  const Waiter waiter(WaitOnCondition);
  ASSERT_TRUE(waiter.Call());
  EXPECT_TRUE(NeverWaitedWithATimeout({waiter.tid()}, "a waiter", Units(1)));
}

TEST(NeverWaitedWithATimeout, FailsAPollerWhateverItsPeriod) {
  const Waiter poller(PollCondition);
  const Waiter sleeper(Sleep);
  ASSERT_TRUE(poller.Call());
  ASSERT_TRUE(sleeper.Call());
  for (const Waiter* w : {&poller, &sleeper}) {
    const ::testing::AssertionResult result =
        NeverWaitedWithATimeout({w->tid()}, "a poller", Units(1));
    EXPECT_FALSE(result);
    EXPECT_NE(std::string(result.message()).find("it polls"), std::string::npos)
        << result.message();
  }
}

}  // namespace
}  // namespace threadkata::testing
