#include "tests/support/idle_meter.h"

#include <fstream>
#include <string>

namespace threadkata::testing {
namespace {

constexpr double kMaxCpuFraction = 0.05;
constexpr double kCpuFloorUnits = 0.05;
constexpr long kSpareWakeups = 3;

std::string TaskFile(pid_t tid, const char* name) {
  return "/proc/self/task/" + std::to_string(tid) + "/" + name;
}

}  // namespace

std::optional<ThreadActivity> ActivityOf(pid_t tid) {
  std::ifstream schedstat(TaskFile(tid, "schedstat"));
  long long cpu_ns = 0;
  if (!(schedstat >> cpu_ns)) return std::nullopt;
  std::ifstream status(TaskFile(tid, "status"));
  long wakeups = -1;
  for (std::string line; std::getline(status, line);) {
    constexpr std::string_view kKey = "voluntary_ctxt_switches:";
    if (line.starts_with(kKey)) wakeups = std::stol(line.substr(kKey.size()));
  }
  if (wakeups < 0) return std::nullopt;
  return ThreadActivity{std::chrono::nanoseconds(cpu_ns), wakeups};
}

IdleMeter::IdleMeter(std::set<pid_t> threads) {
  for (const pid_t tid : threads) {
    if (const auto activity = ActivityOf(tid)) before_.emplace(tid, *activity);
  }
}

::testing::AssertionResult IdleMeter::StayedAsleep(std::string_view who,
                                                   long allowed_wakeups) const {
  const Duration elapsed = since_construction_.Elapsed();
  if (before_.empty()) {
    return ::testing::AssertionFailure()
           << "no thread to watch for " << who << ": it had already ended. ";
  }
  const Duration max_cpu =
      Units(kCpuFloorUnits) + std::chrono::duration_cast<Duration>(kMaxCpuFraction * elapsed);
  const long max_wakeups =
      allowed_wakeups + kSpareWakeups + static_cast<long>(elapsed / TimeUnit());
  for (const auto& [tid, before] : before_) {
    const auto after = ActivityOf(tid);
    if (!after) continue;
    const Duration cpu = after->cpu - before.cpu;
    const long wakeups = after->wakeups - before.wakeups;
    if (cpu >= max_cpu) {
      return ::testing::AssertionFailure()
             << who << " (thread " << tid << ") used " << DescribeDuration(cpu) << " of CPU in "
             << DescribeDuration(elapsed) << " while it had nothing to do, more than "
             << DescribeDuration(max_cpu)
             << ": it is spinning (a loop on yield(), on an atomic or on try_lock) instead of "
                "sleeping until it is woken. Wait on a std::condition_variable (or a "
                "std::future, a join()) instead. ";
    }
    if (wakeups > max_wakeups) {
      return ::testing::AssertionFailure()
             << who << " (thread " << tid << ") woke up " << wakeups << " times in "
             << DescribeDuration(elapsed) << " while it had nothing to do, more than "
             << max_wakeups
             << ": it is polling (a loop of short sleeps, or of wait_for with a short timeout, "
                "that checks whether there is something to do) instead of sleeping until it "
                "is woken. Wait on a std::condition_variable with a predicate, and have the "
                "thread that changes the state notify it. ";
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace threadkata::testing
