#ifndef THREADKATA_TESTS_SUPPORT_EVENT_LOG_H_
#define THREADKATA_TESTS_SUPPORT_EVENT_LOG_H_

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace threadkata::testing {

// An ordered record of what happened ("start 3", "finish 3", "join returned"), written from
// any thread. Ordering claims are checked on the log, never on the clock.
//
// Thread-safe: Record() may be called from any number of threads at once.
class EventLog {
 public:
  // Appends `event`; events recorded by one thread keep their order.
  void Record(std::string event);

  // A copy of everything recorded so far, in order.
  std::vector<std::string> Events() const;

  // Position of the first `event` in the log, or nullopt if it was never recorded.
  std::optional<std::size_t> IndexOf(std::string_view event) const;

  // Number of events whose text starts with `prefix`.
  std::size_t CountWithPrefix(std::string_view prefix) const;

  // The log on one line, "[start 0, start 1, finish 0, ...]", for failure messages.
  std::string ToString() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> events_;
};

}  // namespace threadkata::testing

#endif  // THREADKATA_TESTS_SUPPORT_EVENT_LOG_H_
