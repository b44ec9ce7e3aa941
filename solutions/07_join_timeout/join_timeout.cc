#include "katas/07_join_timeout/join_timeout.h"

#include <utility>

namespace threadkata {

TimedThread::TimedThread(std::function<void()> work)
    : thread_([this, work = std::move(work)] {
        work();
        std::lock_guard lock(mutex_);
        done_ = true;
        done_changed_.notify_all();
      }) {}

TimedThread::~TimedThread() { join(); }

bool TimedThread::join_for(Seconds timeout) {
  {
    std::unique_lock lock(mutex_);
    // The predicate is checked before waiting: a notification sent before this call is not
    // lost, and a spurious wake-up does not end the wait early.
    if (!done_changed_.wait_for(lock, timeout, [this] { return done_; })) return false;
  }
  // The work has returned; the thread only has to exit, which takes no time worth waiting for.
  join();
  return true;
}

void TimedThread::join() {
  if (thread_.joinable()) thread_.join();
}

bool TimedThread::running() const {
  std::lock_guard lock(mutex_);
  return !done_;
}

}  // namespace threadkata
