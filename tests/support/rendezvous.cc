#include "tests/support/rendezvous.h"

namespace threadkata::testing {

Rendezvous::Rendezvous(int expected) : expected_(expected) {}

bool Rendezvous::ArriveAndWait(Duration patience) {
  std::unique_lock lock(mutex_);
  if (++arrived_ >= expected_) all_arrived_.notify_all();
  return all_arrived_.wait_for(lock, patience, [&] { return arrived_ >= expected_; });
}

int Rendezvous::Arrived() const {
  std::lock_guard lock(mutex_);
  return arrived_;
}

}  // namespace threadkata::testing
