// The lesson-09 reference executor, measured the way a learner uses it: submit, keep the
// futures, get them all.

#include "katas/09_executor/executor.h"

#include <future>
#include <memory>
#include <vector>

#include "bench/benchmarks.h"
#include "bench/workload.h"

namespace threadkata::bench {

void RegisterExecutor() {
  RegisterTaskCost("executor", [] {
    auto executor = std::make_shared<Executor>(Workers());
    return [executor](int micros) {
      std::vector<std::future<void>> futures;
      futures.reserve(kBatch);
      for (int i = 0; i < kBatch; ++i) futures.push_back(executor->submit(Spin, micros));
      for (auto& f : futures) f.get();
    };
  });
}

}  // namespace threadkata::bench
