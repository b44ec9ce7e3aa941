#ifndef THREADKATA_TESTS_SUPPORT_INTERLEAVE_INTERLEAVE_H_
#define THREADKATA_TESTS_SUPPORT_INTERLEAVE_INTERLEAVE_H_

// Scopes that make a rare interleaving certain, so that a test catches a mistake in every run
// instead of once in a while. They act through a pthread_create, pthread_mutex_lock and
// pthread_cond_*wait defined in the test executable (interleave.cc), which libstdc++'s std::thread,
// std::jthread, std::async and condition variables reach too: the code under test is not asked to
// cooperate.
//
// Each scope changes the whole process while it is alive. One scope at a time: a second one
// alive at once ends the program with a message. The scopes themselves are not thread-safe.

#include <pthread.h>
#include <time.h>

#include <functional>

#include "tests/support/time_unit.h"

namespace threadkata::testing {

// While alive, every new thread waits, before it runs its task, until Release() or until
// `give_up` has passed since its creation; then it runs the task as usual. A call that must
// return "without waiting for the task to begin" returns while its thread is held; one that
// waits for its task to begin returns only after the thread gave up, which GaveUp() counts.
class HeldThreadStarts {
 public:
  explicit HeldThreadStarts(Duration give_up);
  // Releases the threads still held.
  ~HeldThreadStarts();

  HeldThreadStarts(const HeldThreadStarts&) = delete;
  HeldThreadStarts& operator=(const HeldThreadStarts&) = delete;

  // Lets every held thread run its task; threads created from now on run theirs at once.
  void Release();

  // Threads that waited `give_up` without a Release(), since construction.
  int GaveUp() const;
};

// While alive, pthread_create returns to its caller only once the new thread has begun and
// `delay` has passed since: whatever the caller does just after starting a thread (such as
// reading a clock) happens `delay` after the thread began, never in the same instant.
class LateThreadCreateReturns {
 public:
  explicit LateThreadCreateReturns(Duration delay);
  ~LateThreadCreateReturns();

  LateThreadCreateReturns(const LateThreadCreateReturns&) = delete;
  LateThreadCreateReturns& operator=(const LateThreadCreateReturns&) = delete;
};

// While alive, the first `succeed` new threads start, and every later pthread_create fails
// with EAGAIN, as when the system runs out of threads: std::thread's constructor then throws
// std::system_error with std::errc::resource_unavailable_try_again.
class FailingThreadCreation {
 public:
  explicit FailingThreadCreation(int succeed);
  ~FailingThreadCreation();

  FailingThreadCreation(const FailingThreadCreation&) = delete;
  FailingThreadCreation& operator=(const FailingThreadCreation&) = delete;

  // Thread creations refused since construction.
  int Refused() const;
};

// While alive, the next `threads` threads created are slowed down: each of them sleeps `delay`
// before every mutex lock (before trying to take the mutex) and before every wait on a
// condition variable (holding the mutex, its predicate just found false). A notify sent in
// such a sleep by a thread that does not hold the right mutex reaches no waiter: a lost
// wake-up, made certain. Steps() counts the sleeps begun, so a test can act during the n-th
// one. Other threads (the test's own, a watchdog, later threads) lock and wait as usual.
class SlowSynchronisation {
 public:
  SlowSynchronisation(Duration delay, int threads);
  ~SlowSynchronisation();

  SlowSynchronisation(const SlowSynchronisation&) = delete;
  SlowSynchronisation& operator=(const SlowSynchronisation&) = delete;

  // Sleeps begun since construction, by every slowed thread together.
  int Steps() const;
};

// Runs `call` on a new thread that sleeps `delay` before each mutex lock (a
// SlowSynchronisation), and `meanwhile` on the calling thread during that thread's sleep before
// its second lock, or once `call` has returned if it took fewer than two. Code that checks a
// condition under one lock and acts on it under another then meets `meanwhile` in between, in
// every run (a shutdown() between a submit()'s check of the flag and its push). Returns once
// both have returned; `meanwhile` runs within 30 units in any case.
void DuringTheSecondLock(Duration delay, const std::function<void()>& call,
                         const std::function<void()>& meanwhile);

// Condition-variable waits that end without anyone having notified, as a spurious wake-up may
// (POSIX and the C++ standard allow it): code that waits must check its condition again, and
// wait again while it is false, until its own deadline and no later. Woken() counts the waits
// ended so.
class SpuriousWakeups {
 public:
  enum class Threads {
    kThisOne,  // the next `count` waits of the thread that makes the scope, while it is alive
    kNewOnes,  // the first `count` waits of each thread created while it is alive
  };
  // Made and destroyed on the same thread. With `after` zero, each of those waits ends at once.
  // Otherwise each ends `after` after it began unless a notify ends it first, and a wait whose
  // own deadline comes before `after` is up is left alone and not counted: code that restarts
  // its whole timeout after a wake-up then waits longer than its timeout.
  explicit SpuriousWakeups(int count, Threads threads = Threads::kThisOne,
                           Duration after = Duration::zero());
  ~SpuriousWakeups();

  SpuriousWakeups(const SpuriousWakeups&) = delete;
  SpuriousWakeups& operator=(const SpuriousWakeups&) = delete;

  // Waits ended with nobody having notified since construction.
  int Woken() const;
};

// While alive, every other try_lock() of each thread (std::mutex::try_lock and the like, through
// pthread_mutex_trylock) fails at once as if the mutex were held, the first one included, as
// the standard allows: "may fail spuriously even if the mutex is not locked". Code that reads a
// failed try_lock as "another thread is in there" answers wrongly in every run, not only when
// two threads happen to meet; code that tries again gets the mutex at its second try. Failed()
// counts the failures made up.
class SpuriousTryLockFailures {
 public:
  SpuriousTryLockFailures();
  ~SpuriousTryLockFailures();

  SpuriousTryLockFailures(const SpuriousTryLockFailures&) = delete;
  SpuriousTryLockFailures& operator=(const SpuriousTryLockFailures&) = delete;

  int Failed() const;
};

// The definition of the C function `name` that the dynamic linker would have bound if the test
// executable did not define its own (the sanitizer runtime's, or libc's). Ends the program with
// a message if there is none.
void* NextDefinition(const char* name);

template <typename F>
F NextDefinition(const char* name) {
  return reinterpret_cast<F>(NextDefinition(name));
}

// For another definition of these pthread functions in the test executable (the thread
// tracer, tests/support/trace): call these so that the scopes above act whichever definition
// the linker picks.
using PthreadCreate = int (*)(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);

// Creates a thread through `real` as the scopes alive now say.
int CreateThread(PthreadCreate real, pthread_t* thread, const pthread_attr_t* attr,
                 void* (*routine)(void*), void* arg);

// What a condition wait does under the scopes alive now.
enum class WaitPlan {
  kWait,     // wait as asked
  kEndNow,   // return 0 at once, without waiting (SpuriousWakeups)
  kEndLate,  // WaitUntilLate instead (SpuriousWakeups with a delay)
};

// Called with the mutex held, just before a thread blocks on a condition variable until
// `deadline` on `clock` (nullptr: until notified). For kEndLate it sets `late`, on `clock`.
WaitPlan BeforeConditionWait(clockid_t clock, const timespec* deadline, timespec* late);

// Waits on `cond` until notified or until `late` on `clock`, through the next definition of
// pthread_cond_clockwait; returns 0 either way, as a wake-up, or the wait's error.
int WaitUntilLate(pthread_cond_t* cond, pthread_mutex_t* mutex, clockid_t clock,
                  const timespec& late);

// A condition wait as the scopes alive now say, called with the mutex held: `wait()` waits as
// asked, until `deadline` on `clock` (nullptr: until notified), and returns its error.
template <typename Wait>
int ConditionWait(pthread_cond_t* cond, pthread_mutex_t* mutex, clockid_t clock,
                  const timespec* deadline, Wait wait) {
  timespec late{};
  switch (BeforeConditionWait(clock, deadline, &late)) {
    case WaitPlan::kEndNow:
      return 0;
    case WaitPlan::kEndLate:
      return WaitUntilLate(cond, mutex, clock, late);
    case WaitPlan::kWait:
      break;
  }
  return wait();
}

// Called just before a thread tries to take a mutex.
void BeforeMutexLock();

}  // namespace threadkata::testing

#endif  // THREADKATA_TESTS_SUPPORT_INTERLEAVE_INTERLEAVE_H_
