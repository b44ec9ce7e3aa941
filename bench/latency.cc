// How late the lessons' waits return: join_for's overshoot past its timeout (lesson 07) and
// how long a daemon takes to stop once asked (lesson 10). Each benchmark takes many samples
// in one iteration and reports p50/p99/max as counters, in microseconds.

#include <atomic>
#include <chrono>
#include <latch>
#include <thread>
#include <vector>

#include "bench/benchmarks.h"
#include "bench/workload.h"
#include "katas/07_join_timeout/join_timeout.h"
#include "katas/10_daemons/daemon.h"

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

// A daemon waiting between ticks (the interval is far longer than a sample) is stopped; the
// latency is how long stop() takes to return, i.e. until the daemon's thread has ended.
void DaemonStop(benchmark::State& state) {
  constexpr int kSamples = 1000;
  constexpr auto kInterval = std::chrono::seconds(10);
  // Long enough for the daemon to be inside its wait when stop() is called.
  constexpr auto kSettle = std::chrono::milliseconds(1);
  std::vector<std::chrono::nanoseconds> samples;
  for (auto _ : state) {
    for (int i = 0; i < kSamples; ++i) {
      std::latch first_tick(1);
      std::atomic<bool> ticked = false;
      PeriodicDaemon daemon(kInterval, [&] {
        if (!ticked.exchange(true)) first_tick.count_down();
      });
      first_tick.wait();
      std::this_thread::sleep_for(kSettle);
      auto start = Clock::now();
      daemon.stop();
      samples.push_back(Clock::now() - start);
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
  benchmark::RegisterBenchmark("latency/daemon_stop", DaemonStop)
      ->Iterations(1)
      ->Repetitions(1)
      ->UseRealTime();
}

}  // namespace threadkata::bench
