#ifndef THREADKATA_TESTS_SUPPORT_BLOCKING_CALL_BLOCKING_CALL_H_
#define THREADKATA_TESTS_SUPPORT_BLOCKING_CALL_BLOCKING_CALL_H_

#include <sys/types.h>

#include <atomic>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "gtest/gtest.h"
#include "tests/support/time_unit.h"

namespace threadkata::testing {

// The system call a thread of this process is blocked in, as the kernel shows it
// (/proc/self/task/TID/syscall): what the thread waits for, whatever the code above it.
struct BlockingCall {
  long number = -1;  // the system call's number
  std::string name;  // "futex", "clock_nanosleep"..., or "system call N"
  // The call ends by itself once a time has passed: a sleep (sleep_for, sleep_until), or a wait
  // given a timeout (wait_for or wait_until on a condition variable, a future or a semaphore,
  // try_lock_for, poll with a timeout). A wait with no timeout (wait(lock, predicate), join(),
  // a future's get()) ends only when another thread wakes it.
  bool has_timeout = false;
};

// The kernel's ids of the threads of this process now (/proc/self/task).
std::set<pid_t> ThreadsOfThisProcess();

// The call thread `tid` of this process is blocked in, or nullopt while it is running or
// runnable, or once it has ended.
std::optional<BlockingCall> BlockingCallOf(pid_t tid);

// Waits until thread `tid` of this process is blocked in the system call named `call` (such as
// "futex": a lock, a condition variable, a join, a latch), reading /proc every millisecond, or
// until `limit` has passed; returns whether it was seen blocked so. A tid of 0 (a thread that
// has not said its id yet) is read again until it changes.
bool WaitUntilBlockedIn(const std::atomic<pid_t>& tid, std::string_view call, Duration limit);

// "An idle thread sleeps until it is woken": watches `threads` for `window`, reading every
// millisecond or so which call each is blocked in, and succeeds if none was ever found in a call
// with a timeout. A thread that polls, however long its period, spends nearly all its time in
// such a call (its sleep, or its wait_for); one that waits to be notified never does. Spinning
// is the IdleMeter's to see (idle_meter.h): a running thread is not judged here. Fails, too, if
// the kernel does not show the calls. `who` names the threads in the message, e.g. "an idle
// executor worker".
//
// Thread-compatible.
::testing::AssertionResult NeverWaitedWithATimeout(const std::set<pid_t>& threads,
                                                   std::string_view who, Duration window);

}  // namespace threadkata::testing

#endif  // THREADKATA_TESTS_SUPPORT_BLOCKING_CALL_BLOCKING_CALL_H_
