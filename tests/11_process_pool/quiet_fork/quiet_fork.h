#ifndef THREADKATA_TESTS_11_PROCESS_POOL_QUIET_FORK_QUIET_FORK_H_
#define THREADKATA_TESTS_11_PROCESS_POOL_QUIET_FORK_QUIET_FORK_H_

// fork() from a multithreaded program, under ThreadSanitizer, without a hung child; and a
// fork() that the test can make fail.
//
// A forked child keeps only the thread that called fork(). Any lock another thread held at
// that instant stays locked in the child for ever. glibc takes care of its own locks, and so
// does ThreadSanitizer for its thread registry, but the runtime of GCC 12 (libtsan.so.2) does
// not take its allocator's or its stack depot's locks around fork(): if another thread is
// inside that runtime (in a malloc, a mutex lock, a thread start) when a worker is forked,
// the worker can hang in its first malloc. A correct process pool would then time out, about
// once in a few hundred runs of lesson 11's tests under load.
//
// Linked into lesson 11's test programs, quiet_fork.cc defines fork() in the executable, ahead
// of the runtime's. Under ThreadSanitizer it first brings every other thread of the process
// to a stop outside the runtime, forks, then lets them go on:
// - it sends each of them a signal. ThreadSanitizer delivers a signal to a thread only where
//   the thread holds none of its runtime's locks (at the end of an intercepted call, or at
//   once inside a blocking one), and there the handler waits until the fork is done;
// - a thread that is blocked (in the kernel: a lock, a wait, a read) stays where it is: it
//   holds none of those locks either, and only the forking thread could wake it;
// - it forks once no other thread is running, or after kSettleLimit if one keeps running
//   where no signal reaches it (a loop that calls nothing, not even an atomic operation; a
//   thread that blocks signals): the fork then happens as it would have without this file.
// Without ThreadSanitizer, fork() is the C library's, untouched, except while a RefusedForks
// is alive.
//
// The signal interrupts the other threads' blocking calls. Those that restart (read, write,
// waitpid, lock and condition waits, sleeps: libstdc++ sleeps again for the rest) go on as
// if nothing happened; poll, select and epoll_wait return EINTR.

#include <chrono>

namespace threadkata::testing {

// How long fork() waits for the other threads to stop before it forks anyway.
inline constexpr std::chrono::milliseconds kSettleLimit{500};

// What the last fork() of this process (from any thread) found. All zero and false without
// ThreadSanitizer, where fork() is not touched.
struct QuietForkReport {
  // Threads of the process besides the one that forked.
  int other_threads = 0;
  // Whether none of them was running when the process forked (false: kSettleLimit passed).
  bool settled = false;
};

// Thread-safe.
QuietForkReport LastQuietFork();

// While alive, every fork() of this process, from any thread, fails with EAGAIN, as when the
// system refuses a process (RLIMIT_NPROC could make that certain only for a user other than
// root). The scope itself is not thread-safe: make and destroy it on the test's thread.
class RefusedForks {
 public:
  RefusedForks();
  // fork() works again.
  ~RefusedForks();

  RefusedForks(const RefusedForks&) = delete;
  RefusedForks& operator=(const RefusedForks&) = delete;

  // fork() calls refused since construction.
  int Refused() const;
};

}  // namespace threadkata::testing

#endif  // THREADKATA_TESTS_11_PROCESS_POOL_QUIET_FORK_QUIET_FORK_H_
