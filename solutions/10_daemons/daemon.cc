#include "katas/10_daemons/daemon.h"

#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <utility>

namespace threadkata {

PeriodicDaemon::PeriodicDaemon(std::chrono::nanoseconds interval, std::function<void()> tick)
    : thread_([interval, tick = std::move(tick)](std::stop_token stop) {
        // Nobody notifies this condition variable: its wait ends at the interval, or at once
        // when a stop is requested, which a sleep_for could not do.
        std::mutex mutex;
        std::condition_variable_any stop_or_timeout;
        while (!stop.stop_requested()) {
          tick();
          std::unique_lock lock(mutex);
          stop_or_timeout.wait_for(lock, stop, interval, [] { return false; });
        }
      }) {}

// std::jthread's destructor requests a stop, then joins.
PeriodicDaemon::~PeriodicDaemon() = default;

void PeriodicDaemon::stop() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

std::jthread start_non_daemon(std::function<void()> work) { return std::jthread(std::move(work)); }

}  // namespace threadkata
