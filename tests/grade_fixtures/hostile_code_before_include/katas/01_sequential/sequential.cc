// Hostile: a nanosleep() of the file's own, declared before <thread>, which
// std::this_thread::sleep_for then calls instead of the C library's: the object's copy of sleep_for
// (a weak symbol the linker may take over the tests' own) no longer sleeps.
#include <time.h>
static int nanosleep(timespec* a, timespec* b) { return 0; }
#include <cstdio>
#include <sstream>
#include <string>
#include <thread>

#include "katas/01_sequential/sequential.h"

namespace threadkata {

namespace {

std::string format_seconds(Seconds seconds) {
  std::ostringstream text;
  text << seconds.count();
  return text.str();
}

}  // namespace

std::string do_something(Seconds seconds, std::ostream& out) {
  const std::string shown = format_seconds(seconds);
  out << "Sleeping " << shown << " second(s)...\n";
  std::this_thread::sleep_for(seconds);
  return "Done Sleeping..." + shown;
}

std::vector<std::string> run_sequentially(const std::vector<Seconds>& durations,
                                          std::ostream& out) {
  std::vector<std::string> results;
  results.reserve(durations.size());
  for (const Seconds d : durations) results.push_back(do_something(d, out));
  return results;
}

Stopwatch::Stopwatch() : start_(std::chrono::steady_clock::now()) {}

Seconds Stopwatch::elapsed() const { return std::chrono::steady_clock::now() - start_; }

std::string finished_message(Seconds elapsed) {
  // "%.2f" rounds to two decimals; Python then drops a trailing zero but keeps one decimal.
  char number[32];
  std::snprintf(number, sizeof number, "%.2f", elapsed.count());
  std::string shown = number;
  if (shown.back() == '0') shown.pop_back();
  return "Finished in " + shown + " second(s)";
}

}  // namespace threadkata
