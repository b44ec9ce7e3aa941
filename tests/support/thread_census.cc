#include "tests/support/thread_census.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

#include "tests/support/detach_counter.h"

namespace threadkata::testing {
namespace {

constexpr double kReapGraceUnits = 0.3;

// Sleeps for `linger` when the thread that created it exits.
struct ExitLinger {
  Duration linger{0};
  ~ExitLinger() { std::this_thread::sleep_for(linger); }
};

std::set<pid_t> Difference(const std::set<pid_t>& now, const std::set<pid_t>& before) {
  std::set<pid_t> added;
  std::set_difference(now.begin(), now.end(), before.begin(), before.end(),
                      std::inserter(added, added.end()));
  return added;
}

// "1234 (name) S", the thread's name and state for a failure message.
std::string DescribeThread(pid_t tid) {
  std::ifstream stat("/proc/self/task/" + std::to_string(tid) + "/stat");
  std::string line;
  std::getline(stat, line);
  const auto open = line.find('(');
  const auto close = line.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close + 2 >= line.size()) {
    return std::to_string(tid) + " (gone)";
  }
  const char state = line[close + 2];
  const char* meaning = state == 'S' || state == 'D' ? "sleeping" : "running";
  return std::to_string(tid) + " " + line.substr(open, close - open + 1) + " " + meaning;
}

}  // namespace

std::set<pid_t> ProcessThreadIds() {
  std::set<pid_t> ids;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) {
    const std::string name = entry.path().filename().string();
    pid_t tid = 0;
    const auto [end, error] = std::from_chars(name.data(), name.data() + name.size(), tid);
    if (error == std::errc() && end == name.data() + name.size()) ids.insert(tid);
  }
  return ids;
}

pid_t CurrentThreadId() { return static_cast<pid_t>(::syscall(SYS_gettid)); }

void LingerAtThreadExit(Duration linger) {
  thread_local ExitLinger exit_linger;
  exit_linger.linger = linger;
}

ThreadCensus::ThreadCensus() : before_(ProcessThreadIds()), detaches_before_(DetachesSoFar()) {}

std::set<pid_t> ThreadCensus::NewThreads() const { return Difference(ProcessThreadIds(), before_); }

::testing::AssertionResult ThreadCensus::NoThreadLeftRunning(std::string_view what) const {
  const std::uint64_t detached = DetachesSoFar() - detaches_before_;
  if (detached > 0) {
    return ::testing::AssertionFailure()
           << what << " detached " << detached
           << " thread(s): std::thread::detach() leaves a thread running after the call "
              "returns, with nothing to wait for its end (a latch, promise or counter it "
              "signals is not its end); join() every thread you start before returning. ";
  }
  const Clock::time_point give_up = Clock::now() + Units(kReapGraceUnits);
  std::set<pid_t> left = NewThreads();
  while (!left.empty() && Clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    left = NewThreads();
  }
  if (left.empty()) return ::testing::AssertionSuccess();
  auto failure = ::testing::AssertionFailure();
  failure << left.size() << " thread(s) started by " << what << " still running "
          << DescribeDuration(Units(kReapGraceUnits)) << " after it returned [";
  for (const pid_t tid : left) failure << " " << DescribeThread(tid);
  return failure << " ]: " << what
                 << " must join() every thread it starts before returning. A detached thread "
                    "(or one signalling a latch, promise or counter and then left to finish on "
                    "its own) is still running after the call returns. ";
}

}  // namespace threadkata::testing
