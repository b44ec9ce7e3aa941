#ifndef THREADKATA_TESTS_SUPPORT_THREAD_CENSUS_H_
#define THREADKATA_TESTS_SUPPORT_THREAD_CENSUS_H_

#include <sys/types.h>

#include <cstdint>
#include <set>
#include <string_view>

#include "gtest/gtest.h"
#include "tests/support/time_unit.h"

namespace threadkata::testing {

// The kernel's id of every thread of this process alive right now, read from /proc/self/task:
// counted by the OS, not by the code under test.
std::set<pid_t> ProcessThreadIds();

// The kernel's id of the calling thread.
pid_t CurrentThreadId();

// Makes the calling thread sleep for `linger` when it exits, after whatever it was running
// has returned and been destroyed. A task calls it so that the thread running it stays alive a
// while after the task: join() waits for that, a detached thread is still there to be counted
// when the call that should have joined it returns. Calling it again replaces the duration.
void LingerAtThreadExit(Duration linger);

// "No thread of the call is left running when it returns": take a census before the call, and
// check NoThreadLeftRunning() after it. Compares the threads alive before and after, never an
// absolute count (sanitizer runtimes and the test's own helpers start threads of their own).
// A thread detached in between fails the check too, even one that has ended by then: nothing
// waited for it, so only luck let it end before the call returned.
//
// Thread-compatible.
class ThreadCensus {
 public:
  // Notes the threads alive now and the detaches so far.
  ThreadCensus();

  // Threads alive now that were not alive at construction.
  std::set<pid_t> NewThreads() const;

  // Succeeds if no thread was detached since construction and every thread started since
  // construction has ended. A thread that has been
  // joined can stay listed for a moment until the kernel has reaped it, so new threads get a
  // grace of Units(0.3) to disappear; a thread still running (sleeping, destroying its task,
  // see LingerAtThreadExit) outlives the grace and fails the check. `what` names the call in
  // the message, e.g. "run_concurrently".
  ::testing::AssertionResult NoThreadLeftRunning(std::string_view what) const;

 private:
  std::set<pid_t> before_;
  std::uint64_t detaches_before_;
};

}  // namespace threadkata::testing

#endif  // THREADKATA_TESTS_SUPPORT_THREAD_CENSUS_H_
