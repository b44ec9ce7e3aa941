#include "tests/11_process_pool/quiet_fork/quiet_fork.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <mutex>

#include "tests/support/interleave/interleave.h"

namespace threadkata::testing {
namespace {

// Guards last_report; held by fork() from before the other threads are stopped until they go
// on, so that forks happen one at a time.
std::mutex fork_mutex;
QuietForkReport last_report;

// Whether a RefusedForks is alive, and the forks it refused.
constinit std::atomic<bool> refusing{false};
constinit std::atomic<int> refused{0};

// The fork() of the C library, or of the sanitizer runtime.
pid_t RealFork() {
  static const auto real = NextDefinition<pid_t (*)()>("fork");
  return real();
}

}  // namespace

QuietForkReport LastQuietFork() {
  std::lock_guard lock(fork_mutex);
  return last_report;
}

RefusedForks::RefusedForks() {
  refused.store(0);
  refusing.store(true);
}

RefusedForks::~RefusedForks() { refusing.store(false); }

int RefusedForks::Refused() const { return refused.load(); }

}  // namespace threadkata::testing

#if defined(__SANITIZE_THREAD__)

#include <dirent.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <sys/syscall.h>

#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <thread>
#include <vector>

namespace threadkata::testing {
namespace {

using Clock = std::chrono::steady_clock;

// Whether a fork() is stopping the other threads now.
constinit std::atomic<bool> stopping{false};
// Counts the forks that have let the other threads go on. A futex word.
constinit std::atomic<std::uint32_t> generation{0};

// How often fork() looks at the other threads, and sends the signal again to those still
// running (a signal that reached a thread before ThreadSanitizer had set it up is lost).
constexpr std::chrono::microseconds kLook{200};
constexpr std::chrono::milliseconds kSignalAgain{10};

int StopSignal() { return SIGRTMAX - 2; }

std::uint32_t* FutexWord() { return reinterpret_cast<std::uint32_t*>(&generation); }

// The handler: async-signal-safe (atomics and the futex system call), errno kept.
void WaitWhileForking(int) {
  const int saved_errno = errno;
  // Read the generation before the flag: a fork that ends in between clears the flag first,
  // so this handler then returns instead of waiting for the next fork.
  const std::uint32_t seen = generation.load();
  if (stopping.load()) {
    while (generation.load() == seen) {
      ::syscall(SYS_futex, FutexWord(), FUTEX_WAIT_PRIVATE, seen, nullptr, nullptr, 0);
    }
  }
  errno = saved_errno;
}

void InstallHandler() {
  struct sigaction action {};
  action.sa_handler = WaitWhileForking;
  action.sa_flags = SA_RESTART;
  sigemptyset(&action.sa_mask);
  if (::sigaction(StopSignal(), &action, nullptr) != 0) {
    std::perror("threadkata: quiet_fork: sigaction");
    std::abort();
  }
}

std::vector<pid_t> OtherThreads(pid_t self) {
  std::vector<pid_t> threads;
  DIR* tasks = ::opendir("/proc/self/task");
  if (tasks == nullptr) return threads;
  while (const dirent* entry = ::readdir(tasks)) {
    const pid_t tid = static_cast<pid_t>(std::atoi(entry->d_name));
    if (tid > 0 && tid != self) threads.push_back(tid);
  }
  ::closedir(tasks);
  return threads;
}

// Whether the thread is running or ready to run (state R in /proc). A thread that has ended
// meanwhile is not.
bool Running(pid_t tid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/self/task/%d/stat", static_cast<int>(tid));
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char stat[512];
  const ssize_t size = ::read(fd, stat, sizeof stat - 1);
  ::close(fd);
  if (size <= 0) return false;
  stat[size] = '\0';
  // "tid (name) S ...": the name may hold spaces and parentheses, the state follows the last ')'.
  const char* end_of_name = std::strrchr(stat, ')');
  return end_of_name != nullptr && end_of_name[1] == ' ' && end_of_name[2] == 'R';
}

// Sends the signal to the other threads until none of them runs, or until kSettleLimit.
QuietForkReport StopOtherThreads() {
  const pid_t self = static_cast<pid_t>(::syscall(SYS_gettid));
  const pid_t process = ::getpid();
  const Clock::time_point give_up = Clock::now() + kSettleLimit;
  std::map<pid_t, Clock::time_point> signalled;
  QuietForkReport report;
  int still_looks = 0;
  for (;;) {
    const std::vector<pid_t> threads = OtherThreads(self);
    report.other_threads = static_cast<int>(threads.size());
    bool none_running = true;
    for (const pid_t tid : threads) {
      const bool running = Running(tid);
      none_running = none_running && !running;
      const auto sent = signalled.find(tid);
      if (sent == signalled.end() || (running && Clock::now() - sent->second >= kSignalAgain)) {
        ::syscall(SYS_tgkill, process, tid, StopSignal());
        signalled[tid] = Clock::now();
      }
    }
    // Two looks in a row, so that a thread woken just before the first one is seen running.
    still_looks = none_running ? still_looks + 1 : 0;
    if (still_looks == 2) {
      report.settled = true;
      return report;
    }
    if (Clock::now() >= give_up) return report;
    std::this_thread::sleep_for(kLook);
  }
}

void LetOtherThreadsGoOn() {
  stopping.store(false);
  generation.fetch_add(1);
  ::syscall(SYS_futex, FutexWord(), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
}

}  // namespace
}  // namespace threadkata::testing

namespace threadkata::testing {
namespace {

pid_t Fork() {
  static std::once_flag installed;
  std::call_once(installed, InstallHandler);
  std::lock_guard lock(fork_mutex);
  stopping.store(true);
  const QuietForkReport report = StopOtherThreads();
  const pid_t pid = RealFork();
  if (pid != 0) last_report = report;
  LetOtherThreadsGoOn();
  return pid;
}

}  // namespace
}  // namespace threadkata::testing

#else

namespace threadkata::testing {
namespace {

pid_t Fork() { return RealFork(); }

}  // namespace
}  // namespace threadkata::testing

#endif  // __SANITIZE_THREAD__

extern "C" __attribute__((weak)) pid_t fork() noexcept {
  using namespace threadkata::testing;
  if (refusing.load()) {
    refused.fetch_add(1);
    errno = EAGAIN;
    return -1;
  }
  return Fork();
}
