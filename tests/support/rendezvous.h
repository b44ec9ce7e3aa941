#ifndef THREADKATA_TESTS_SUPPORT_RENDEZVOUS_H_
#define THREADKATA_TESTS_SUPPORT_RENDEZVOUS_H_

#include <condition_variable>
#include <mutex>

#include "tests/support/time_unit.h"

namespace threadkata::testing {

// A meeting point for `expected` tasks: each waits there until all of them have arrived, which
// proves they were running at the same time without reading the clock.
//
// Unlike std::latch, a task waits at most `patience`: an implementation that runs the tasks one
// after another then fails with a message instead of deadlocking (the first task would wait
// forever for the others, which cannot start until it returns).
//
// Thread-safe.
class Rendezvous {
 public:
  explicit Rendezvous(int expected);

  // Counts the caller as arrived and blocks until `expected` tasks have arrived or `patience`
  // has passed. Returns true if they all arrived.
  bool ArriveAndWait(Duration patience);

  // Tasks arrived so far.
  int Arrived() const;

 private:
  const int expected_;
  mutable std::mutex mutex_;
  std::condition_variable all_arrived_;
  int arrived_ = 0;
};

}  // namespace threadkata::testing

#endif  // THREADKATA_TESTS_SUPPORT_RENDEZVOUS_H_
