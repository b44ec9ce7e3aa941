#include "tests/support/wall_clock/wall_clock.h"

#include <dlfcn.h>
#include <time.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

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
