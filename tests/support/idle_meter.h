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
  Duration cpu{0};        // time it ran on a CPU (first field of /proc/self/task/TID/schedstat)
  Duration run_queue{0};  // time it was ready to run but waited for a CPU (second field)
  long times_run = 0;     // times the scheduler switched it onto a CPU (third field)
  long wakeups = 0;       // times it went to sleep and was woken (voluntary context switches)
};

// The activity of thread `tid` of this process (see ProcessThreadIds() and CurrentThreadId()
// in thread_census.h), or nullopt if it has ended.
std::optional<ThreadActivity> ActivityOf(pid_t tid);

// "Idle means asleep": where a thread should be waiting (an idle worker, a join_for, a daemon
// between ticks), it sleeps in the kernel until it is woken: it is neither running nor waiting
// for a CPU. A thread that spins (a loop on std::this_thread::yield() or on an atomic) is
// runnable all the time: on an idle machine it burns a core; on a loaded one it gets little
// CPU but waits for it in the run queue. How often a thread is switched onto a CPU is no
// measure: a sleeping thread that yields now and then, or is preempted on a loaded machine,
// is switched as often as a spinner that gets little CPU. A thread that
// polls (a loop of short sleeps) wakes up dozens or hundreds of times a second. Watch the
// threads over a window of several units in which nothing happens, and check all of it.
//
// Thread-compatible.
class IdleMeter {
 public:
  // Starts watching `threads` (kernel thread ids), e.g. {CurrentThreadId()} around a call that
  // blocks the caller, or ThreadCensus::NewThreads() for the workers an object started.
  explicit IdleMeter(std::set<pid_t> threads);

  // Succeeds if, since construction, each watched thread
  // - was woken at most `allowed_wakeups` times, plus one per elapsed unit and a few more
  //   (else it is polling: a 5 ms loop wakes 20 times per unit, a 1 ms one 100 times);
  // - was runnable (running, or waiting for a CPU) less than a tenth of the elapsed time plus a
  //   quarter of a unit, and used less than 5% of it in CPU (else it is spinning: runnable the
  //   whole time).
  // `who` names the waiting thread in the message, e.g. "an idle executor worker".
  ::testing::AssertionResult StayedAsleep(std::string_view who, long allowed_wakeups = 0) const;

 private:
  const Stopwatch since_construction_;
  std::map<pid_t, ThreadActivity> before_;
};

}  // namespace threadkata::testing

#endif  // THREADKATA_TESTS_SUPPORT_IDLE_METER_H_
