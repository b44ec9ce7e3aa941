#ifndef THREADKATA_TESTS_SUPPORT_IDLE_METER_H_
#define THREADKATA_TESTS_SUPPORT_IDLE_METER_H_

#include <sys/types.h>

#include <map>
#include <optional>
#include <set>
#include <string_view>

#include "gtest/gtest.h"
#include "tests/support/time_unit.h"

namespace threadkata::testing {

// What a thread of this process has done so far, as the kernel counts it.
struct ThreadActivity {
  Duration cpu{0};   // CPU time it has used (/proc/self/task/TID/schedstat)
  long wakeups = 0;  // times it went to sleep and was woken (voluntary context switches)
};

// The activity of thread `tid` of this process (see ProcessThreadIds() and CurrentThreadId()
// in thread_census.h), or nullopt if it has ended.
std::optional<ThreadActivity> ActivityOf(pid_t tid);

// "Idle means asleep": where a thread should be waiting (an idle worker, a join_for, a daemon
// between ticks), it sleeps in the kernel until it is woken, and burns next to no CPU. A thread
// that spins (a loop on std::this_thread::yield() or on an atomic) burns CPU all the time; one
// that polls (a loop of short sleeps) wakes up hundreds of times a second. Watch the threads
// over a window of several units in which nothing happens, and check both.
//
// Thread-compatible.
class IdleMeter {
 public:
  // Starts watching `threads` (kernel thread ids), e.g. {CurrentThreadId()} around a call that
  // blocks the caller, or ThreadCensus::NewThreads() for the workers an object started.
  explicit IdleMeter(std::set<pid_t> threads);

  // Succeeds if, since construction, each watched thread used less than 5% of the elapsed time
  // in CPU (plus a floor for start-up), and was woken at most `allowed_wakeups` times plus one
  // per elapsed unit and a few more. A condition variable waited on without a timeout wakes
  // once per notification; a 10 ms polling loop wakes 10 times per unit, a 1 ms one 100 times.
  // `who` names the waiting thread in the message, e.g. "an idle executor worker".
  ::testing::AssertionResult StayedAsleep(std::string_view who, long allowed_wakeups = 0) const;

 private:
  const Stopwatch since_construction_;
  std::map<pid_t, ThreadActivity> before_;
};

}  // namespace threadkata::testing

#endif  // THREADKATA_TESTS_SUPPORT_IDLE_METER_H_
