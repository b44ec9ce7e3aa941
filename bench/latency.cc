// How late the lessons' waits return: join_for's overshoot past its timeout (lesson 07) and
// how long a daemon takes to stop once asked (lesson 10). Each benchmark takes many samples
// in one iteration and reports p50/p99/max as counters, in microseconds.

#include <chrono>
#include <latch>
#include <vector>

#include "bench/benchmarks.h"
#include "bench/workload.h"
#include "katas/07_join_timeout/join_timeout.h"

namespace threadkata::bench {
namespace {

using Clock = std::chrono::steady_clock;

void Report(benchmark::State& state, std::vector<std::chrono::nanoseconds>& samples) {
  auto p = Summarize(samples);
  state.counters["samples"] = static_cast<double>(samples.size());
  state.counters["p50_us"] = p.p50_us;
  state.counters["p99_us"] = p.p99_us;
  state.counters["max_us"] = p.max_us;
}

// A thread that outlives the timeout, so every join_for times out; the overshoot is how much
// later than the timeout it returned.
void JoinForOvershoot(benchmark::State& state) {
  constexpr int kSamples = 1000;
  constexpr auto kTimeout = std::chrono::milliseconds(1);
  std::vector<std::chrono::nanoseconds> samples;
  for (auto _ : state) {
    for (int i = 0; i < kSamples; ++i) {
      std::latch release(1);
      TimedThread thread([&release] { release.wait(); });
      auto start = Clock::now();
      bool joined = thread.join_for(kTimeout);
      samples.push_back(Clock::now() - start - kTimeout);
      release.count_down();
      if (joined) state.SkipWithError("join_for returned true while the work was blocked");
    }
  }
  Report(state, samples);
}

}  // namespace

void RegisterLatency() {
  benchmark::RegisterBenchmark("latency/join_for_overshoot", JoinForOvershoot)
      ->Iterations(1)
      ->Repetitions(1)
      ->UseRealTime();
}

}  // namespace threadkata::bench
