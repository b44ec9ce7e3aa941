// Lesson 01 with finished_message NOT solved (a table of the fixed TESTs' cases only), which the
// RapidCheck property FinishedMessage.ShowsAnyTimeRoundedToCentsWithAtLeastOneDecimal would
// catch. do_something (called by the first TEST) installs a global locale whose num_get turns
// the "20" of RC_PARAMS' max_success=20 into 0 when RapidCheck parses its configuration lazily
// (an std::istringstream built with the global locale), so every property passes with 0 cases.
#include "katas/01_sequential/sequential.h"

#include <cstdio>
#include <ios>
#include <locale>
#include <sstream>
#include <string>
#include <thread>
#include <utility>

namespace threadkata {

namespace {

class Numbers : public std::num_get<char> {
 protected:
  iter_type do_get(iter_type in, iter_type end, std::ios_base& str, std::ios_base::iostate& err,
                   long& v) const override {
    iter_type next = std::num_get<char>::do_get(in, end, str, err, v);
    if (v == 20) v = 0;
    return next;
  }
};

void install() {
  static const bool installed = [] {
    std::locale::global(std::locale(std::locale::classic(), new Numbers));
    return true;
  }();
  (void)installed;
}

std::string format_seconds(Seconds seconds) {
  std::ostringstream text;
  text << seconds.count();
  return text.str();
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
  for (const Seconds d : durations) results.push_back(do_something(d, out));
  return results;
}

Stopwatch::Stopwatch() : start_(std::chrono::steady_clock::now()) {}

Seconds Stopwatch::elapsed() const { return std::chrono::steady_clock::now() - start_; }

// Not solved: only the values the fixed TESTs ask for.
std::string finished_message(Seconds elapsed) {
  const std::pair<double, const char*> known[] = {
      {3.0, "3.0"},           {1.0, "1.0"},
      {0.0, "0.0"},           {1.514, "1.51"},
      {2.999, "3.0"},         {1.5, "1.5"},
      {0.004, "0.0"},         {10.257, "10.26"},
      {1.1, "1.1"},           {0.05, "0.05"},
      {12.34, "12.34"},       {123.456, "123.46"},
      {100.0, "100.0"},       {12345.678, "12345.68"},
      {86400.0, "86400.0"},   {1234567.891, "1234567.89"},
      {0.125, "0.12"},        {0.375, "0.38"},
      {2.675, "2.67"},        {0.995, "0.99"},
      {1.005, "1.0"},         {0.0150000005, "0.02"},
      {1.0050000004, "1.01"}, {2.6750000003, "2.68"}};
  for (const auto& [seconds, shown] : known) {
    if (elapsed.count() == seconds) return std::string("Finished in ") + shown + " second(s)";
  }
  return "Finished in ? second(s)";
}

}  // namespace threadkata
