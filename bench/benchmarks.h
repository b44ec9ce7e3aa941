#ifndef THREADKATA_BENCH_BENCHMARKS_H_
#define THREADKATA_BENCH_BENCHMARKS_H_

// The benchmark families; main registers them all so that one run measures every runner on the
// same machine under the same load, which is what makes their ratios fair.

#include <functional>
#include <string>

#include "benchmark/benchmark.h"

namespace threadkata::bench {

// Registers "task_cost/<runner>/<size>" for each task size: one benchmark iteration runs a
// batch of kBatch tasks on the runner and waits for all of them. `run_batch(micros)` must
// return only when every task has finished. Reported with items_per_second = tasks per second.
void RegisterTaskCost(const std::string& runner,
                      std::function<std::function<void(int)>()> make_runner);

// Thread per task, std::async, oneTBB task_group, asio::thread_pool; thread create+join.
void RegisterPeers();

// The lesson-09 reference executor.
void RegisterExecutor();

// join_for overshoot (lesson 07) and daemon stop latency (lesson 10), as p50/p99/max counters.
void RegisterLatency();

}  // namespace threadkata::bench

#endif  // THREADKATA_BENCH_BENCHMARKS_H_
