#include "bench/workload.h"

#include <algorithm>
#include <thread>

#include "benchmark/benchmark.h"

namespace threadkata::bench {
namespace {

// Written once by Calibrate before any thread starts, read by every task.
std::int64_t iterations_per_us = 0;

void Loop(std::int64_t iterations) {
  std::uint64_t x = 88172645463325252ULL;
  for (std::int64_t i = 0; i < iterations; ++i) {
    // xorshift: a dependency chain the compiler cannot fold or vectorise.
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    benchmark::DoNotOptimize(x);
  }
}

}  // namespace

unsigned Workers() { return std::max(1u, std::thread::hardware_concurrency()); }

void Spin(int micros) {
  if (micros > 0) Loop(iterations_per_us * micros);
}

std::int64_t Calibrate() {
  constexpr std::int64_t kProbe = 2'000'000;
  auto best = std::chrono::nanoseconds::max();
  // The fastest of several probes: on a shared machine the slower ones were preempted.
  for (int i = 0; i < 10; ++i) {
    auto start = std::chrono::steady_clock::now();
    Loop(kProbe);
    best = std::min(best, std::chrono::steady_clock::now() - start);
  }
  iterations_per_us = std::max<std::int64_t>(1, kProbe * 1000 / best.count());
  return iterations_per_us;
}

std::string SizeName(int micros) {
  switch (micros) {
    case 0:
      return "tiny";
    case 1:
      return "short";
    default:
      return "medium";
  }
}

Percentiles Summarize(std::vector<std::chrono::nanoseconds>& samples) {
  std::sort(samples.begin(), samples.end());
  auto at = [&](double q) {
    auto index = static_cast<std::size_t>(q * static_cast<double>(samples.size() - 1));
    return static_cast<double>(samples[index].count()) / 1000.0;
  };
  return {at(0.50), at(0.99), at(1.0)};
}

}  // namespace threadkata::bench
