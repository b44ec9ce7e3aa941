#ifndef THREADKATA_TESTS_SUPPORT_THREAD_IDENTITY_H_
#define THREADKATA_TESTS_SUPPORT_THREAD_IDENTITY_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace threadkata::testing {

// Which thread ran each task: a task calls Ran(i) with its index, from whatever thread runs it.
// Pins "on the calling thread", "on a thread of its own", "never on the caller's thread" and
// "exactly once" for every task, the lone one and the last one included.
//
// Thread-safe: Ran() may be called from any number of threads at once.
class ThreadIdentities {
 public:
  // Remembers the calling thread as the caller: construct it on the thread that makes the call.
  ThreadIdentities();

  // Records that task `task` is running on the calling thread.
  void Ran(int task);

  std::thread::id Caller() const { return caller_; }

  // Every thread that ran task `task`, in the order of its runs (empty if it never ran).
  std::vector<std::thread::id> ThreadsOf(int task) const;

  // Number of different threads that ran any task (told apart even when a thread started
  // after another was joined got the joined one's std::thread::id).
  int DistinctThreads() const;

  // Each of tasks 0..tasks-1 ran exactly once, on the caller's thread.
  ::testing::AssertionResult EachRanOnceOnCaller(int tasks) const;

  // Each of tasks 0..tasks-1 ran exactly once, not on the caller's thread.
  ::testing::AssertionResult EachRanOnceOffCaller(int tasks) const;

  // Each of tasks 0..tasks-1 ran exactly once, not on the caller's thread, and no two of them
  // on the same thread. A thread started after another was joined counts as another thread,
  // even when it gets the joined one's std::thread::id: tasks run one after another on threads
  // of their own pass this (their timing is for other checks to judge).
  ::testing::AssertionResult EachRanOnceOnItsOwnThread(int tasks) const;

 private:
  ::testing::AssertionResult EachRanOnce(int tasks) const;

  const std::thread::id caller_;
  mutable std::mutex mutex_;
  std::map<int, std::vector<std::thread::id>> runs_;
  std::map<int, std::vector<std::uint64_t>> serials_;  // a number per thread, never reused
};

}  // namespace threadkata::testing

#endif  // THREADKATA_TESTS_SUPPORT_THREAD_IDENTITY_H_
