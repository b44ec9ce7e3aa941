#include "tests/support/interleave/interleave.h"

#include <dlfcn.h>
#include <pthread.h>
#include <time.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace threadkata::testing {
namespace {

// What the scope alive now asks for. A duration of 0 means "off".
constinit std::atomic<bool> scope_alive{false};
constinit std::atomic<bool> holding{false};
constinit std::atomic<std::int64_t> hold_give_up_ns{0};
constinit std::atomic<int> gave_up{0};
constinit std::atomic<std::int64_t> late_return_ns{0};
constinit std::atomic<bool> failing{false};
constinit std::atomic<int> creations_left{0};
constinit std::atomic<int> refused{0};
constinit std::atomic<std::int64_t> slow_ns{0};
constinit std::atomic<int> slow_threads_left{0};
constinit std::atomic<int> steps{0};
constinit std::atomic<int> woken{0};
constinit std::atomic<int> spurious_per_new_thread{0};
constinit std::atomic<std::int64_t> spurious_after_per_new_thread{0};
constinit std::atomic<bool> failing_try_locks{false};
constinit std::atomic<int> try_locks_failed{0};
// Whether this thread is one a SlowSynchronisation slows down.
thread_local bool slowed = false;
// This thread's condition waits still to end with nobody having notified, and after how long
// (SpuriousWakeups; 0: at once).
thread_local int spurious_left = 0;
thread_local std::int64_t spurious_after = 0;
// Whether this thread's next try_lock fails under a SpuriousTryLockFailures.
thread_local bool fail_next_try_lock = true;

constexpr std::int64_t kNanosPerSecond = 1'000'000'000;

// A short pause of the hooks' own polling loops.
constexpr std::chrono::microseconds kPoll{200};

void BeginScope(const char* kind) {
  if (scope_alive.exchange(true)) {
    std::fprintf(stderr, "threadkata: a %s began while another interleaving scope was alive\n",
                 kind);
    std::abort();
  }
}

// What a thread started under a scope runs first. Owned by the new thread, and also by its
// creator while that waits for it to begin; the last owner deletes it.
struct Start {
  void* (*routine)(void*);
  void* arg;
  bool held;
  bool slowed;
  int spurious;
  std::int64_t spurious_after;
  Clock::time_point give_up_at;
  std::atomic<bool> begun{false};
  std::atomic<int> owners;
};

void Drop(Start* start) {
  if (start->owners.fetch_sub(1) == 1) delete start;
}

void* RunStart(void* raw) {
  auto* start = static_cast<Start*>(raw);
  while (start->held && holding.load()) {
    if (Clock::now() >= start->give_up_at) {
      gave_up.fetch_add(1);
      break;
    }
    std::this_thread::sleep_for(kPoll);
  }
  slowed = start->slowed;
  spurious_left = start->spurious;
  spurious_after = start->spurious_after;
  void* (*routine)(void*) = start->routine;
  void* arg = start->arg;
  start->begun.store(true);
  Drop(start);
  return routine(arg);
}

void SlowStep() {
  if (!slowed) return;
  const Duration delay{slow_ns.load()};
  if (delay == Duration::zero()) return;
  steps.fetch_add(1);
  std::this_thread::sleep_for(delay);
}

}  // namespace

void* NextDefinition(const char* name) {
  void* next = dlsym(RTLD_NEXT, name);
  if (next == nullptr) {
    std::fprintf(stderr, "threadkata: dlsym(RTLD_NEXT, %s) failed\n", name);
    std::abort();
  }
  return next;
}

HeldThreadStarts::HeldThreadStarts(Duration give_up) {
  BeginScope("HeldThreadStarts");
  hold_give_up_ns.store(give_up.count());
  gave_up.store(0);
  holding.store(true);
}

HeldThreadStarts::~HeldThreadStarts() {
  Release();
  scope_alive.store(false);
}

void HeldThreadStarts::Release() { holding.store(false); }

int HeldThreadStarts::GaveUp() const { return gave_up.load(); }

LateThreadCreateReturns::LateThreadCreateReturns(Duration delay) {
  BeginScope("LateThreadCreateReturns");
  late_return_ns.store(delay.count());
}

LateThreadCreateReturns::~LateThreadCreateReturns() {
  late_return_ns.store(0);
  scope_alive.store(false);
}

FailingThreadCreation::FailingThreadCreation(int succeed) {
  BeginScope("FailingThreadCreation");
  creations_left.store(succeed);
  refused.store(0);
  failing.store(true);
}

FailingThreadCreation::~FailingThreadCreation() {
  failing.store(false);
  scope_alive.store(false);
}

int FailingThreadCreation::Refused() const { return refused.load(); }

SlowSynchronisation::SlowSynchronisation(Duration delay, int threads) {
  BeginScope("SlowSynchronisation");
  steps.store(0);
  slow_threads_left.store(threads);
  slow_ns.store(delay.count());
}

SlowSynchronisation::~SlowSynchronisation() {
  slow_ns.store(0);
  slow_threads_left.store(0);
  scope_alive.store(false);
}

int SlowSynchronisation::Steps() const { return steps.load(); }

void DuringTheSecondLock(Duration delay, const std::function<void()>& call,
                         const std::function<void()>& meanwhile) {
  const SlowSynchronisation slow(delay, 1);
  std::atomic<bool> returned{false};
  const std::jthread caller([&] {
    call();
    returned = true;
  });
  const Stopwatch waiting;
  while (!returned && slow.Steps() < 2 && waiting.Elapsed() < Units(30)) {
    std::this_thread::sleep_for(kPoll);
  }
  meanwhile();
}

SpuriousWakeups::SpuriousWakeups(int count, Threads threads, Duration after) {
  BeginScope("SpuriousWakeups");
  woken.store(0);
  if (threads == Threads::kThisOne) {
    spurious_left = count;
    spurious_after = after.count();
  } else {
    spurious_after_per_new_thread.store(after.count());
    spurious_per_new_thread.store(count);
  }
}

SpuriousWakeups::~SpuriousWakeups() {
  spurious_left = 0;
  spurious_after = 0;
  spurious_per_new_thread.store(0);
  spurious_after_per_new_thread.store(0);
  scope_alive.store(false);
}

int SpuriousWakeups::Woken() const { return woken.load(); }

SpuriousTryLockFailures::SpuriousTryLockFailures() {
  BeginScope("SpuriousTryLockFailures");
  try_locks_failed.store(0);
  fail_next_try_lock = true;
  failing_try_locks.store(true);
}

SpuriousTryLockFailures::~SpuriousTryLockFailures() {
  failing_try_locks.store(false);
  scope_alive.store(false);
}

int SpuriousTryLockFailures::Failed() const { return try_locks_failed.load(); }

namespace {

// Whether the try_lock this thread is about to make fails (SpuriousTryLockFailures).
bool TryLockFailsNow() {
  if (!failing_try_locks.load()) return false;
  const bool fails = fail_next_try_lock;
  fail_next_try_lock = !fails;
  if (fails) try_locks_failed.fetch_add(1);
  return fails;
}

}  // namespace

int CreateThread(PthreadCreate real, pthread_t* thread, const pthread_attr_t* attr,
                 void* (*routine)(void*), void* arg) {
  if (failing.load() && creations_left.fetch_sub(1) <= 0) {
    refused.fetch_add(1);
    return EAGAIN;
  }
  const bool held = holding.load();
  const Duration late{late_return_ns.load()};
  const bool slow = slow_ns.load() != 0 && slow_threads_left.fetch_sub(1) > 0;
  const int spurious = spurious_per_new_thread.load();
  if (!held && late == Duration::zero() && !slow && spurious == 0) {
    return real(thread, attr, routine, arg);
  }

  auto* start = new Start{.routine = routine,
                          .arg = arg,
                          .held = held,
                          .slowed = slow,
                          .spurious = spurious,
                          .spurious_after = spurious_after_per_new_thread.load(),
                          .give_up_at = Clock::now() + Duration{hold_give_up_ns.load()},
                          .owners = late == Duration::zero() ? 1 : 2};
  const int error = real(thread, attr, RunStart, start);
  if (error != 0) {
    delete start;
    return error;
  }
  if (late != Duration::zero()) {
    while (!start->begun.load()) std::this_thread::sleep_for(kPoll);
    Drop(start);
    std::this_thread::sleep_for(late);
  }
  return 0;
}

WaitPlan BeforeConditionWait(clockid_t clock, const timespec* deadline, timespec* late) {
  SlowStep();
  if (spurious_left == 0) return WaitPlan::kWait;
  const std::int64_t after = spurious_after;
  if (after == 0) {
    --spurious_left;
    woken.fetch_add(1);
    return WaitPlan::kEndNow;
  }
  timespec now{};
  clock_gettime(clock, &now);
  const std::int64_t at = now.tv_nsec + after;
  *late = {.tv_sec = now.tv_sec + static_cast<time_t>(at / kNanosPerSecond),
           .tv_nsec = static_cast<long>(at % kNanosPerSecond)};
  const bool deadline_first =
      deadline != nullptr &&
      (deadline->tv_sec < late->tv_sec ||
       (deadline->tv_sec == late->tv_sec && deadline->tv_nsec <= late->tv_nsec));
  if (deadline_first) return WaitPlan::kWait;
  --spurious_left;
  return WaitPlan::kEndLate;
}

int WaitUntilLate(pthread_cond_t* cond, pthread_mutex_t* mutex, clockid_t clock,
                  const timespec& late) {
  static const auto real =
      NextDefinition<decltype(&pthread_cond_clockwait)>("pthread_cond_clockwait");
  const int error = real(cond, mutex, clock, &late);
  if (error != ETIMEDOUT) return error;
  woken.fetch_add(1);
  return 0;
}

void BeforeMutexLock() { SlowStep(); }

}  // namespace threadkata::testing

// Defined in the test executable, so the dynamic linker binds libstdc++'s calls to them; each
// forwards to the next definition (the sanitizer runtime's, or libc's). Weak: the thread tracer
// (tests/support/trace) defines its own, which call CreateThread, BeforeMutexLock and
// ConditionWait too.

extern "C" __attribute__((weak)) int pthread_create(pthread_t* thread, const pthread_attr_t* attr,
                                                    void* (*routine)(void*), void* arg) {
  using threadkata::testing::PthreadCreate;
  static const auto real = threadkata::testing::NextDefinition<PthreadCreate>("pthread_create");
  return threadkata::testing::CreateThread(real, thread, attr, routine, arg);
}

extern "C" __attribute__((weak)) int pthread_mutex_lock(pthread_mutex_t* mutex) {
  static const auto real =
      threadkata::testing::NextDefinition<decltype(&pthread_mutex_lock)>("pthread_mutex_lock");
  threadkata::testing::BeforeMutexLock();
  return real(mutex);
}

extern "C" __attribute__((weak)) int pthread_mutex_trylock(pthread_mutex_t* mutex) {
  static const auto real = threadkata::testing::NextDefinition<decltype(&pthread_mutex_trylock)>(
      "pthread_mutex_trylock");
  return threadkata::testing::TryLockFailsNow() ? EBUSY : real(mutex);
}

extern "C" __attribute__((weak)) int pthread_cond_wait(pthread_cond_t* cond,
                                                       pthread_mutex_t* mutex) {
  static const auto real =
      threadkata::testing::NextDefinition<decltype(&pthread_cond_wait)>("pthread_cond_wait");
  return threadkata::testing::ConditionWait(cond, mutex, CLOCK_MONOTONIC, nullptr,
                                            [&] { return real(cond, mutex); });
}

extern "C" __attribute__((weak)) int pthread_cond_timedwait(pthread_cond_t* cond,
                                                            pthread_mutex_t* mutex,
                                                            const timespec* deadline) {
  static const auto real = threadkata::testing::NextDefinition<decltype(&pthread_cond_timedwait)>(
      "pthread_cond_timedwait");
  return threadkata::testing::ConditionWait(cond, mutex, CLOCK_REALTIME, deadline,
                                            [&] { return real(cond, mutex, deadline); });
}

extern "C" __attribute__((weak)) int pthread_cond_clockwait(pthread_cond_t* cond,
                                                            pthread_mutex_t* mutex, clockid_t clock,
                                                            const timespec* deadline) {
  static const auto real = threadkata::testing::NextDefinition<decltype(&pthread_cond_clockwait)>(
      "pthread_cond_clockwait");
  return threadkata::testing::ConditionWait(cond, mutex, clock, deadline,
                                            [&] { return real(cond, mutex, clock, deadline); });
}
