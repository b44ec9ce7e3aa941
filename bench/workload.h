#ifndef THREADKATA_BENCH_WORKLOAD_H_
#define THREADKATA_BENCH_WORKLOAD_H_

// What the benchmarks run: tasks of a known CPU cost, and percentiles of latency samples.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace threadkata::bench {

// Workers of every pool: one per core, as a CPU-bound pool should have.
unsigned Workers();

// Tasks per benchmark iteration. Each iteration submits a batch and waits for all of it, so
// the time per task includes getting the results back, as a program would.
inline constexpr int kBatch = 256;

// Burns about `micros` microseconds of CPU on the calling thread (none for 0). The work is a
// loop counted once at start-up (Calibrate), not a clock read, so a preempted task still does
// all of its work. Thread-safe.
void Spin(int micros);

// Measures how many loop iterations make a microsecond on this machine. Call once, before any
// Spin, from main. Returns the count, for the report's context.
std::int64_t Calibrate();

// A task size as the benchmarks name it: 0 -> "tiny", 1 -> "short", 100 -> "medium".
std::string SizeName(int micros);

// The sizes every runner is measured at, in microseconds of CPU per task.
inline const std::vector<int> kSizes = {0, 1, 100};

// Percentiles of samples (nanoseconds), for the latency benchmarks. Sorts `samples`.
struct Percentiles {
  double p50_us;
  double p99_us;
  double max_us;
};
Percentiles Summarize(std::vector<std::chrono::nanoseconds>& samples);

}  // namespace threadkata::bench

#endif  // THREADKATA_BENCH_WORKLOAD_H_
