#include "tests/support/concurrency_gauge.h"

namespace threadkata::testing {

ConcurrencyGauge::Scope::Scope(ConcurrencyGauge& gauge) : gauge_(gauge) {
  const int now = gauge_.running_.fetch_add(1) + 1;
  int seen = gauge_.high_water_mark_.load();
  while (now > seen && !gauge_.high_water_mark_.compare_exchange_weak(seen, now)) {
  }
}

ConcurrencyGauge::Scope::~Scope() { gauge_.running_.fetch_sub(1); }

int ConcurrencyGauge::Running() const { return running_.load(); }

int ConcurrencyGauge::HighWaterMark() const { return high_water_mark_.load(); }

}  // namespace threadkata::testing
