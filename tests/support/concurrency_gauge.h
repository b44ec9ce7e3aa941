#ifndef THREADKATA_TESTS_SUPPORT_CONCURRENCY_GAUGE_H_
#define THREADKATA_TESTS_SUPPORT_CONCURRENCY_GAUGE_H_

#include <atomic>

namespace threadkata::testing {

// Counts the tasks running right now and remembers the most that ever ran at once (the
// high-water mark). Proves concurrency ("all 10 ran together") and limits ("never more than
// max_workers").
//
// Thread-safe.
class ConcurrencyGauge {
 public:
  // Counts the calling task as running for the lifetime of the scope.
  class [[nodiscard]] Scope {
   public:
    explicit Scope(ConcurrencyGauge& gauge);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    ConcurrencyGauge& gauge_;
  };

  Scope Enter() { return Scope(*this); }

  // Tasks inside a Scope right now.
  int Running() const;

  // The most tasks that were ever inside a Scope at the same time.
  int HighWaterMark() const;

 private:
  std::atomic<int> running_{0};
  std::atomic<int> high_water_mark_{0};
};

}  // namespace threadkata::testing

#endif  // THREADKATA_TESTS_SUPPORT_CONCURRENCY_GAUGE_H_
