// The runners the lesson-09 executor is compared with.

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <future>
#include <latch>
#include <memory>
#include <thread>
#include <vector>

#include "bench/benchmarks.h"
#include "bench/workload.h"
#include "oneapi/tbb/task_group.h"

namespace threadkata::bench {
namespace {

void ThreadPerTask(int micros) {
  std::vector<std::thread> threads;
  threads.reserve(kBatch);
  for (int i = 0; i < kBatch; ++i) threads.emplace_back(Spin, micros);
  for (auto& t : threads) t.join();
}

void Async(int micros) {
  std::vector<std::future<void>> futures;
  futures.reserve(kBatch);
  for (int i = 0; i < kBatch; ++i) futures.push_back(std::async(std::launch::async, Spin, micros));
  for (auto& f : futures) f.get();
}

void CreateJoin(benchmark::State& state) {
  for (auto _ : state) {
    std::thread t([] {});
    t.join();
  }
}

}  // namespace

void RegisterTaskCost(const std::string& runner,
                      std::function<std::function<void(int)>()> make_runner) {
  for (int micros : kSizes) {
    benchmark::RegisterBenchmark(("task_cost/" + runner + "/" + SizeName(micros)).c_str(),
                                 [micros, make_runner](benchmark::State& state) {
                                   // Built outside the timed loop: a pool's start-up is paid
                                   // once per program, not per task.
                                   auto run_batch = make_runner();
                                   for (auto _ : state) run_batch(micros);
                                   state.SetItemsProcessed(state.iterations() * kBatch);
                                 })
        ->UseRealTime();
  }
}

void RegisterPeers() {
  RegisterTaskCost("thread_per_task", [] { return ThreadPerTask; });
  RegisterTaskCost("std_async", [] { return Async; });
  RegisterTaskCost("tbb_task_group", [] {
    auto group = std::make_shared<tbb::task_group>();
    return [group](int micros) {
      for (int i = 0; i < kBatch; ++i) group->run([micros] { Spin(micros); });
      group->wait();
    };
  });
  RegisterTaskCost("asio_thread_pool", [] {
    auto pool = std::make_shared<boost::asio::thread_pool>(Workers());
    return [pool](int micros) {
      // asio::thread_pool has no per-batch wait (its wait() ends the pool): count down instead.
      std::latch done(kBatch);
      for (int i = 0; i < kBatch; ++i) {
        boost::asio::post(*pool, [micros, &done] {
          Spin(micros);
          done.count_down();
        });
      }
      done.wait();
    };
  });
  benchmark::RegisterBenchmark("thread/create_join", CreateJoin)->UseRealTime();
}

}  // namespace threadkata::bench
