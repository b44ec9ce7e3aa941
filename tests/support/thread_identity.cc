#include "tests/support/thread_identity.h"

#include <atomic>
#include <cstdint>
#include <set>

namespace threadkata::testing {
namespace {

// A number for the calling thread that no other thread of the process ever gets: a
// std::thread::id can be given again to a thread started after its own was joined.
std::uint64_t ThisThreadsSerial() {
  static std::atomic<std::uint64_t> next{1};
  thread_local const std::uint64_t serial = next.fetch_add(1);
  return serial;
}

}  // namespace

ThreadIdentities::ThreadIdentities() : caller_(std::this_thread::get_id()) {}

void ThreadIdentities::Ran(int task) {
  const std::thread::id self = std::this_thread::get_id();
  const std::uint64_t serial = ThisThreadsSerial();
  std::lock_guard lock(mutex_);
  runs_[task].push_back(self);
  serials_[task].push_back(serial);
}

std::vector<std::thread::id> ThreadIdentities::ThreadsOf(int task) const {
  std::lock_guard lock(mutex_);
  const auto it = runs_.find(task);
  if (it == runs_.end()) return {};
  return it->second;
}

int ThreadIdentities::DistinctThreads() const {
  std::lock_guard lock(mutex_);
  std::set<std::uint64_t> threads;
  for (const auto& [task, serials] : serials_) threads.insert(serials.begin(), serials.end());
  return static_cast<int>(threads.size());
}

::testing::AssertionResult ThreadIdentities::EachRanOnce(int tasks) const {
  for (int task = 0; task < tasks; ++task) {
    const std::size_t runs = ThreadsOf(task).size();
    if (runs != 1) {
      return ::testing::AssertionFailure()
             << "task " << task << " of " << tasks << " ran " << runs
             << " times instead of exactly once: "
             << (runs == 0 ? "was it skipped (a loop bound off by one)? "
                           : "was it started twice, or run again by another loop? ");
    }
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult ThreadIdentities::EachRanOnceOnCaller(int tasks) const {
  if (auto once = EachRanOnce(tasks); !once) return once;
  for (int task = 0; task < tasks; ++task) {
    if (ThreadsOf(task).front() != caller_) {
      return ::testing::AssertionFailure()
             << "task " << task << " of " << tasks
             << " ran on another thread, not on the calling thread: this call must not start "
                "threads, even ones it joins at once. ";
    }
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult ThreadIdentities::EachRanOnceOffCaller(int tasks) const {
  if (auto once = EachRanOnce(tasks); !once) return once;
  for (int task = 0; task < tasks; ++task) {
    if (ThreadsOf(task).front() == caller_) {
      return ::testing::AssertionFailure()
             << "task " << task << " of " << tasks
             << " ran on the calling thread: every task must run on a thread started for it, "
                "the only one and the last one too (calling it directly instead of starting a "
                "thread is the usual slip). ";
    }
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult ThreadIdentities::EachRanOnceOnItsOwnThread(int tasks) const {
  if (auto off = EachRanOnceOffCaller(tasks); !off) return off;
  std::map<std::uint64_t, int> first_task_on;
  std::lock_guard lock(mutex_);
  for (int task = 0; task < tasks; ++task) {
    const auto [it, fresh] = first_task_on.emplace(serials_.at(task).front(), task);
    if (!fresh) {
      return ::testing::AssertionFailure()
             << "tasks " << it->second << " and " << task << " of " << tasks
             << " ran on the same thread: each task needs a thread of its own, started for "
                "it, not one thread running several tasks in turn. ";
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace threadkata::testing
