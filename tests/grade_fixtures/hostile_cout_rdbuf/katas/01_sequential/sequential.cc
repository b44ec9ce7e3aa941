#include "katas/01_sequential/sequential.h"

#include <cstdio>
#include <iostream>
#include <sstream>
#include <streambuf>
#include <string>
#include <thread>

namespace threadkata {

namespace {

std::string format_seconds(Seconds seconds) {
  std::ostringstream text;
  text << seconds.count();
  return text.str();
}

// Runs after main: std::ios_base::Init's destructor flushes std::cout, which calls sync() on
// whatever stream buffer std::cout has then.
class AfterMain : public std::streambuf {
 protected:
  int sync() override {
    std::fputs("[  AFTER MAIN  ] learner code running after main() returned\n", stderr);
    return 0;
  }
};

void install() {
  static const bool installed = [] {
    std::cout.rdbuf(new AfterMain);
    return true;
  }();
  (void)installed;
}

}  // namespace

std::string do_something(Seconds seconds, std::ostream& out) {
  install();
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
