// Lesson 01 "solved" without ever sleeping: a fake std::chrono::steady_clock::now() for the
// whole test program (the attack of fixture hostile_define_std_clock, which the gate's
// libclang rule refuses when the definition is written in this file).
// Here the definition is produced by a macro that is expanded inside <bits/chrono.h>, at
// namespace scope in std::chrono::_V2 right after struct steady_clock, so its location is a
// line of the system header: _foreign_definitions skips it, and the object-file rules take the
// weak std:: symbol for a template instance.
#define high_resolution_clock                                       \
  high_resolution_clock = system_clock;                             \
  inline steady_clock::time_point steady_clock::now() noexcept {    \
    return time_point(duration(threadkata::virtual_now_ns.load())); \
  }                                                                 \
  using threadkata_unused_alias
#include <atomic>
namespace threadkata {
inline std::atomic<long> virtual_now_ns{1000000000};
}  // namespace threadkata
#include "katas/01_sequential/sequential.h"
#undef high_resolution_clock

#include <cstdio>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>

namespace threadkata {

namespace {

constinit std::once_flag ticker_started;

// Keeps the fake clock at least as fast as the real one while the tests sleep for real
// (their own std::this_thread::sleep_for calls nanosleep, which the kata cannot fake).
void ensure_ticker() {
  std::call_once(ticker_started, [] {
    std::thread([] {
      for (;;) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        virtual_now_ns += 1'200'000;  // 1.2 ms per real millisecond (or more)
      }
    }).detach();
  });
}

std::string format_seconds(Seconds seconds) {
  std::ostringstream text;
  text << seconds.count();
  return text.str();
}

}  // namespace

std::string do_something(Seconds seconds, std::ostream& out) {
  ensure_ticker();
  const std::string shown = format_seconds(seconds);
  out << "Sleeping " << shown << " second(s)...\n";
  // No sleep: the program-wide clock jumps forward instead.
  virtual_now_ns += static_cast<long>(seconds.count() * 1e9) + 1;
  return "Done Sleeping..." + shown;
}

std::vector<std::string> run_sequentially(const std::vector<Seconds>& durations,
                                          std::ostream& out) {
  std::vector<std::string> results;
  for (const Seconds d : durations) results.push_back(do_something(d, out));
  return results;
}

Stopwatch::Stopwatch() : start_(std::chrono::steady_clock::now()) { ensure_ticker(); }

Seconds Stopwatch::elapsed() const {
  // Taking the address keeps an out-of-line copy of the fake now() in the object under -O1
  // (ThreadSanitizer) too, where the direct calls are inlined.
  std::chrono::steady_clock::time_point (*volatile clock_now)() noexcept =
      &std::chrono::steady_clock::now;
  return clock_now() - start_;
}

std::string finished_message(Seconds elapsed) {
  char number[32];
  std::snprintf(number, sizeof number, "%.2f", elapsed.count());
  std::string shown = number;
  if (shown.back() == '0') shown.pop_back();
  return "Finished in " + shown + " second(s)";
}

}  // namespace threadkata
