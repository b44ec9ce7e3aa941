#ifndef THREADKATA_TESTS_11_PROCESS_POOL_KEPT_STREAMS_KEPT_STREAMS_H_
#define THREADKATA_TESTS_11_PROCESS_POOL_KEPT_STREAMS_KEPT_STREAMS_H_

#include <chrono>

namespace threadkata::testing {

// While one is alive, every close() of a descriptor above 2 that this process makes (its
// forked children are not affected) returns `delay` after the descriptor is closed. The number
// is free again at once, so another thread's socketpair() can get it back before the closing
// thread goes on (to take the number off a list of its own, say): the window in which a close
// and the bookkeeping after it are not one step is `delay` wide. One at a time.
class LateCloses {
 public:
  explicit LateCloses(std::chrono::nanoseconds delay);
  ~LateCloses();

  LateCloses(const LateCloses&) = delete;
  LateCloses& operator=(const LateCloses&) = delete;

  // How many closes returned late so far.
  int Closed() const;
};

}  // namespace threadkata::testing

#endif  // THREADKATA_TESTS_11_PROCESS_POOL_KEPT_STREAMS_KEPT_STREAMS_H_
