#include "tests/support/event_log.h"

#include <algorithm>
#include <utility>

// Defined only by the thread tracer (tests/support/trace), which the `*_trace` test targets
// link in: there each record also reaches the timeline, on the same clock as the threads.
extern "C" void threadkata_trace_log(const char* text, std::size_t length) __attribute__((weak));

namespace threadkata::testing {

void EventLog::Record(std::string event) {
  std::lock_guard lock(mutex_);
  if (threadkata_trace_log != nullptr) threadkata_trace_log(event.data(), event.size());
  events_.push_back(std::move(event));
}

std::vector<std::string> EventLog::Events() const {
  std::lock_guard lock(mutex_);
  return events_;
}

std::optional<std::size_t> EventLog::IndexOf(std::string_view event) const {
  std::lock_guard lock(mutex_);
  const auto it = std::find(events_.begin(), events_.end(), event);
  if (it == events_.end()) return std::nullopt;
  return static_cast<std::size_t>(it - events_.begin());
}

std::size_t EventLog::CountWithPrefix(std::string_view prefix) const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(
      std::count_if(events_.begin(), events_.end(),
                    [&](const std::string& e) { return std::string_view(e).starts_with(prefix); }));
}

std::string EventLog::ToString() const {
  std::lock_guard lock(mutex_);
  std::string text = "[";
  for (std::size_t i = 0; i < events_.size(); ++i) {
    if (i > 0) text += ", ";
    text += events_[i];
  }
  return text + "]";
}

}  // namespace threadkata::testing
