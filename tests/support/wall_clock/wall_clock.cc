#include "tests/support/wall_clock/wall_clock.h"

#include <dlfcn.h>
#include <time.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "tests/support/deadline.h"

namespace threadkata::testing {
namespace {

constexpr std::int64_t kNanosecondsPerSecond = 1'000'000'000;

constinit std::atomic<bool> alive{false};
constinit std::atomic<std::int64_t> offset_ns{0};

}  // namespace

SettableWallClock::SettableWallClock() {
  if (alive.exchange(true)) {
    std::fprintf(stderr, "threadkata: a SettableWallClock began while another was alive\n");
    std::abort();
  }
  offset_ns.store(0);
}

SettableWallClock::~SettableWallClock() {
  offset_ns.store(0);
  alive.store(false);
}

void SettableWallClock::Set(Duration step) { offset_ns.fetch_add(step.count()); }

Duration TimeWhileTheWallClockIsSetBack(Duration after, Duration limit, std::string_view what,
                                        const std::function<void()>& fn) {
  SettableWallClock wall;
  const std::jthread setter([&wall, after] {
    std::this_thread::sleep_for(after);
    wall.Set(-std::chrono::hours(1));
  });
  return FinishesWithin(
      limit, what,
      "The wall clock was set back an hour meanwhile: a sleep or a wait timed on it "
      "(std::chrono::system_clock, or high_resolution_clock, the same clock in libstdc++) "
      "lasts that hour longer. Time sleeps and waits on std::chrono::steady_clock: sleep_for, "
      "wait_for, or sleep_until and wait_until with a steady_clock time",
      [&fn] {
        const Stopwatch stopwatch;
        fn();
        return stopwatch.Elapsed();
      });
}

}  // namespace threadkata::testing

// Defined in the test executable, so the dynamic linker binds libstdc++'s calls to it; it
// forwards to the next definition (the sanitizer runtime's, or libc's) and moves CLOCK_REALTIME.
extern "C" int clock_gettime(clockid_t clock, timespec* time) {
  using Real = int (*)(clockid_t, timespec*);
  static const auto real = [] {
    void* next = dlsym(RTLD_NEXT, "clock_gettime");
    if (next == nullptr) {
      std::fprintf(stderr, "threadkata: dlsym(RTLD_NEXT, clock_gettime) failed\n");
      std::abort();
    }
    return reinterpret_cast<Real>(next);
  }();
  const int result = real(clock, time);
  const std::int64_t offset = threadkata::testing::offset_ns.load(std::memory_order_relaxed);
  if (result != 0 || clock != CLOCK_REALTIME || offset == 0) return result;
  std::int64_t ns = time->tv_sec * threadkata::testing::kNanosecondsPerSecond + time->tv_nsec;
  ns += offset;
  time->tv_sec = ns / threadkata::testing::kNanosecondsPerSecond;
  time->tv_nsec = ns % threadkata::testing::kNanosecondsPerSecond;
  return result;
}
