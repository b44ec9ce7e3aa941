#include "tests/support/blocking_call/blocking_call.h"

#include <dirent.h>
#include <sys/syscall.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

namespace threadkata::testing {
namespace {

// Where a call's timeout is among its arguments (1-based), and how it says "none".
enum class Timeout { kPointer, kMilliseconds, kAlways };
struct TimedCall {
  long number;
  const char* name;
  int argument;  // 0 for kAlways
  Timeout kind;
};

// The calls that can end by themselves after a time, on this architecture. A futex wait, a
// condition variable's or a semaphore's, passes its timeout as the fourth argument, NULL for
// none.
constexpr TimedCall kTimedCalls[] = {
    {SYS_futex, "futex", 4, Timeout::kPointer},
    {SYS_futex_waitv, "futex_waitv", 4, Timeout::kPointer},
    {SYS_nanosleep, "nanosleep", 0, Timeout::kAlways},
    {SYS_clock_nanosleep, "clock_nanosleep", 0, Timeout::kAlways},
    {SYS_poll, "poll", 3, Timeout::kMilliseconds},
    {SYS_ppoll, "ppoll", 3, Timeout::kPointer},
    {SYS_select, "select", 5, Timeout::kPointer},
    {SYS_pselect6, "pselect6", 5, Timeout::kPointer},
    {SYS_epoll_wait, "epoll_wait", 4, Timeout::kMilliseconds},
    {SYS_epoll_pwait, "epoll_pwait", 4, Timeout::kMilliseconds},
    {SYS_epoll_pwait2, "epoll_pwait2", 4, Timeout::kPointer},
    {SYS_rt_sigtimedwait, "rt_sigtimedwait", 3, Timeout::kPointer},
    {SYS_semtimedop, "semtimedop", 4, Timeout::kPointer},
    {SYS_recvmmsg, "recvmmsg", 5, Timeout::kPointer},
};

bool HasTimeout(const TimedCall& call, const std::vector<std::uint64_t>& arguments) {
  if (call.kind == Timeout::kAlways) return true;
  const std::uint64_t value = arguments.at(call.argument - 1);
  if (call.kind == Timeout::kPointer) return value != 0;
  return static_cast<std::int32_t>(value) >= 0;  // -1 waits for ever
}

std::string Describe(const BlockingCall& call) {
  if (call.number == SYS_nanosleep || call.number == SYS_clock_nanosleep) {
    return "sleeping (" + call.name +
           ": sleep_for or sleep_until), which ends by itself after a time";
  }
  if (call.number == SYS_futex) {
    return "waiting with a timeout (futex: wait_for or wait_until on a condition variable, a "
           "future or a semaphore, or try_lock_for), which ends by itself after a time";
  }
  return "blocked in " + call.name + " with a timeout, which ends by itself after a time";
}

}  // namespace

std::set<pid_t> ThreadsOfThisProcess() {
  std::set<pid_t> threads;
  DIR* listing = ::opendir("/proc/self/task");
  if (listing == nullptr) return threads;
  while (const dirent* entry = ::readdir(listing)) {
    if (entry->d_name[0] != '.') threads.insert(std::atoi(entry->d_name));
  }
  ::closedir(listing);
  return threads;
}

std::optional<BlockingCall> BlockingCallOf(pid_t tid) {
  std::ifstream file("/proc/self/task/" + std::to_string(tid) + "/syscall");
  std::string line;
  if (!std::getline(file, line)) return std::nullopt;
  std::istringstream fields(line);
  long number = -1;
  // "running", or a negative number for a thread stopped outside a system call.
  if (!(fields >> number) || number < 0) return std::nullopt;
  std::vector<std::uint64_t> arguments;
  for (std::string field; arguments.size() < 6 && fields >> field;) {
    arguments.push_back(std::stoull(field, nullptr, 16));
  }
  if (arguments.size() < 6) return std::nullopt;
  BlockingCall call{number, "system call " + std::to_string(number), false};
  for (const TimedCall& timed : kTimedCalls) {
    if (timed.number == number) {
      call.name = timed.name;
      call.has_timeout = HasTimeout(timed, arguments);
    }
  }
  return call;
}

bool WaitUntilBlockedIn(const std::atomic<pid_t>& tid, std::string_view call, Duration limit) {
  const Stopwatch stopwatch;
  while (stopwatch.Elapsed() < limit) {
    const pid_t id = tid.load();
    const auto blocked = id == 0 ? std::nullopt : BlockingCallOf(id);
    if (blocked && blocked->name == call) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

::testing::AssertionResult NeverWaitedWithATimeout(const std::set<pid_t>& threads,
                                                   std::string_view who, Duration window) {
  if (threads.empty()) {
    return ::testing::AssertionFailure() << "no thread to watch for " << who << ". ";
  }
  if (!std::ifstream("/proc/self/task/" + std::to_string(*threads.begin()) + "/syscall")) {
    return ::testing::AssertionFailure()
           << "this kernel does not show which call a thread is blocked in "
              "(/proc/self/task/TID/syscall), so whether "
           << who << " polls cannot be checked here. ";
  }
  const Stopwatch stopwatch;
  long samples = 0;
  while (stopwatch.Elapsed() < window) {
    for (const pid_t tid : threads) {
      const auto call = BlockingCallOf(tid);
      if (call && call->has_timeout) {
        return ::testing::AssertionFailure()
               << who << " (thread " << tid << ") was " << Describe(*call)
               << ": a call with a timeout gives up, or wakes up to look again (it polls), however "
                  "long the timeout, instead of sleeping until another thread wakes it. ";
      }
    }
    ++samples;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return ::testing::AssertionSuccess() << samples << " samples";
}

}  // namespace threadkata::testing
