#include "tests/support/idle_meter.h"

#include <fstream>
#include <string>

namespace threadkata::testing {
namespace {

constexpr double kMaxCpuFraction = 0.05;
constexpr double kCpuFloorUnits = 0.05;
constexpr double kMaxRunnableFraction = 0.1;
constexpr double kRunnableFloorUnits = 0.25;
constexpr long kSpareWakeups = 3;

std::string TaskFile(pid_t tid, const char* name) {
  return "/proc/self/task/" + std::to_string(tid) + "/" + name;
}

Duration FractionOf(double fraction, Duration elapsed) {
  return std::chrono::duration_cast<Duration>(fraction * elapsed);
}

}  // namespace

std::optional<ThreadActivity> ActivityOf(pid_t tid) {
  std::ifstream schedstat(TaskFile(tid, "schedstat"));
  long long cpu_ns = 0;
  long long run_queue_ns = 0;
  long times_run = 0;
  if (!(schedstat >> cpu_ns >> run_queue_ns >> times_run)) return std::nullopt;
  std::ifstream status(TaskFile(tid, "status"));
  constexpr std::string_view kVoluntary = "voluntary_ctxt_switches:";
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with(kVoluntary)) {
      return ThreadActivity{std::chrono::nanoseconds(cpu_ns),
                            std::chrono::nanoseconds(run_queue_ns), times_run,
                            std::stol(line.substr(kVoluntary.size()))};
    }
  }
  return std::nullopt;
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
  const Duration max_cpu = Units(kCpuFloorUnits) + FractionOf(kMaxCpuFraction, elapsed);
  const Duration max_runnable =
      Units(kRunnableFloorUnits) + FractionOf(kMaxRunnableFraction, elapsed);
  const long max_wakeups =
      allowed_wakeups + kSpareWakeups + static_cast<long>(elapsed / TimeUnit());
  for (const auto& [tid, before] : before_) {
    const auto after = ActivityOf(tid);
    if (!after) continue;
    const Duration cpu = after->cpu - before.cpu;
    const Duration runnable = cpu + after->run_queue - before.run_queue;
    const long times_run = after->times_run - before.times_run;
    const long wakeups = after->wakeups - before.wakeups;
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
    // How often it was switched onto a CPU is shown, not judged: a yield (the scheduling noise
    // of tools/flake injects some, a loaded machine preempts) counts too, while a spinner is
    // runnable the whole time on any machine.
    if (cpu >= max_cpu || runnable >= max_runnable) {
      return ::testing::AssertionFailure()
             << who << " (thread " << tid << ") was running or waiting for a CPU for "
             << DescribeDuration(runnable) << " (" << DescribeDuration(cpu) << " of it running) in "
             << DescribeDuration(elapsed) << " while it had nothing to do (at most "
             << DescribeDuration(max_runnable) << ", and " << DescribeDuration(max_cpu)
             << " running), and was put back on a CPU " << times_run
             << " times: it is spinning (a loop on yield(), on an atomic or on try_lock) instead "
                "of sleeping until it is woken. Wait on a std::condition_variable (or a "
                "std::future, a join()) instead. ";
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace threadkata::testing
