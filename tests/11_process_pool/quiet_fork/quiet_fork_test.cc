#include "tests/11_process_pool/quiet_fork/quiet_fork.h"

#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/support/time_unit.h"

namespace threadkata::testing {
namespace {

// Waits up to `limit` for the child to end; a child still running then is killed and counted
// as hung.
bool EndsWithin(pid_t child, Duration limit) {
  const Stopwatch waiting;
  for (;;) {
    int status = 0;
    const pid_t ended = ::waitpid(child, &status, WNOHANG);
    if (ended == child) return WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (waiting.Elapsed() >= limit) {
      ::kill(child, SIGKILL);
      ::waitpid(child, &status, 0);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

// What a worker does first: allocates, in many sizes.
[[noreturn]] void AllocateAndExit() {
  std::vector<std::unique_ptr<char[]>> blocks;
  for (std::size_t size = 1; size < (1u << 20); size = size * 3 / 2 + 1) {
    blocks.push_back(std::make_unique<char[]>(size));
  }
  ::_exit(0);
}

// Threads that allocate, lock and unlock without pause, and one blocked on a condition
// variable, until the object goes out of scope.
class BusyThreads {
 public:
  BusyThreads() {
    for (int i = 0; i < 3; ++i) {
      busy_.emplace_back([this, i] {
        std::mutex mutex;
        while (!stop_.load()) {
          std::lock_guard lock(mutex);
          std::string text(static_cast<std::size_t>(16 + i * 100), 'x');
          auto block = std::make_unique<int[]>(static_cast<std::size_t>(64 << i));
          block[0] = static_cast<int>(text.size());
        }
      });
    }
    busy_.emplace_back([this] {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stop_.load(); });
    });
  }
  ~BusyThreads() {
    {
      std::lock_guard lock(mutex_);
      stop_.store(true);
    }
    wake_.notify_all();
    for (std::thread& thread : busy_) thread.join();
  }
  int count() const { return static_cast<int>(busy_.size()); }

 private:
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<std::thread> busy_;
};

TEST(QuietFork, RefusesEveryForkWhileARefusedForksIsAlive) {
  {
    const RefusedForks refusing;
    for (int attempt = 1; attempt <= 3; ++attempt) {
      errno = 0;
      const pid_t child = ::fork();
      if (child == 0) ::_exit(0);
      EXPECT_EQ(child, -1) << "attempt " << attempt << ": fork() was not refused";
      EXPECT_EQ(errno, EAGAIN) << "attempt " << attempt;
      EXPECT_EQ(refusing.Refused(), attempt);
    }
  }
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0) << "fork() still fails after the RefusedForks ended";
  EXPECT_TRUE(EndsWithin(child, Units(100)));
}

#if defined(__SANITIZE_THREAD__)

TEST(QuietFork, StopsEveryOtherThreadBeforeItForks) {
  const BusyThreads threads;
  for (int fork_number = 0; fork_number < 30; ++fork_number) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0) << "fork failed";
    if (child == 0) AllocateAndExit();
    const QuietForkReport report = LastQuietFork();
    ASSERT_TRUE(EndsWithin(child, Units(100)))
        << "fork " << fork_number << ": the child did not end (or failed): it hung in a lock "
        << "another thread held when the process forked";
    // The runtime's own background thread counts too.
    EXPECT_GE(report.other_threads, threads.count()) << "fork " << fork_number;
    ASSERT_TRUE(report.settled) << "fork " << fork_number << ": " << report.other_threads
                                << " other threads were not all stopped within the limit";
  }
}

// A running thread that blocks every signal cannot be stopped: fork() waits kSettleLimit, then
// forks as it would have without quiet_fork.
TEST(QuietFork, ForksAnywayWhenAThreadCannotBeStopped) {
  std::atomic<bool> stop{false};
  std::atomic<long> spins{0};
  std::thread spinner([&] {
    sigset_t all;
    sigfillset(&all);
    ::pthread_sigmask(SIG_BLOCK, &all, nullptr);
    while (!stop.load()) spins.fetch_add(1);
  });
  while (spins.load() == 0) std::this_thread::yield();
  const Stopwatch forking;
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  const Duration took = forking.Elapsed();
  const QuietForkReport report = LastQuietFork();
  stop.store(true);
  spinner.join();
  ASSERT_GE(child, 0) << "fork failed";
  EXPECT_TRUE(EndsWithin(child, Units(100)));
  EXPECT_FALSE(report.settled) << "a thread that blocks every signal cannot have been stopped";
  EXPECT_TRUE(TookAtLeast(took, kSettleLimit));
  EXPECT_TRUE(TookLessThan(took, kSettleLimit + Units(20)));
}

#else

TEST(QuietFork, LeavesForkAloneWithoutThreadSanitizer) {
  const BusyThreads threads;
  const pid_t child = ::fork();
  ASSERT_GE(child, 0) << "fork failed";
  if (child == 0) AllocateAndExit();
  EXPECT_TRUE(EndsWithin(child, Units(100)));
  const QuietForkReport report = LastQuietFork();
  EXPECT_EQ(report.other_threads, 0) << "fork() stopped threads without ThreadSanitizer";
  EXPECT_FALSE(report.settled);
}

#endif

}  // namespace
}  // namespace threadkata::testing
