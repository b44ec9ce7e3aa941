// The benchmark program tools/bench runs: calibrates the task workload, then runs every family.

#include <string>

#include "bench/benchmarks.h"
#include "bench/workload.h"

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  auto per_us = threadkata::bench::Calibrate();
  benchmark::AddCustomContext("spin_iterations_per_us", std::to_string(per_us));
  benchmark::AddCustomContext("tasks_per_batch", std::to_string(threadkata::bench::kBatch));
  threadkata::bench::RegisterPeers();
  threadkata::bench::RegisterExecutor();
  threadkata::bench::RegisterLatency();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
}
