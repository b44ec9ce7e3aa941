// close() for lesson 11's test programs: descriptors 0, 1 and 2 stay open, and a close can be
// made to return late (LateCloses).
//
// Lesson 11's file may call close(), for its workers' sockets. A test program whose descriptor
// 1 or 2 is closed hands that number to the next file it opens, and GoogleTest opens its
// results file last: the learner's writes to stdout or stderr would then land in the results,
// which a file could forge so. Defined in the test executable, this close() is the one the
// learner's code reaches; GoogleTest's and the C library's own closes are not affected. It
// fails on the standard streams with EBADF, as a close of a descriptor the program does not
// own, and closes every other descriptor through the C library's.

#include "tests/11_process_pool/kept_streams/kept_streams.h"

#include <dlfcn.h>
#include <errno.h>
#include <unistd.h>

#include <atomic>
#include <thread>

namespace threadkata::testing {
namespace {

// LateCloses' settings: the delay (0 while none is alive), the process it applies to, and the
// count of closes it delayed.
std::atomic<long long> late_delay_ns{0};
std::atomic<pid_t> late_process{0};
std::atomic<int> late_closed{0};

}  // namespace

LateCloses::LateCloses(std::chrono::nanoseconds delay) {
  late_closed.store(0);
  late_process.store(::getpid());
  late_delay_ns.store(delay.count());
}

LateCloses::~LateCloses() { late_delay_ns.store(0); }

int LateCloses::Closed() const { return late_closed.load(); }

}  // namespace threadkata::testing

extern "C" __attribute__((weak)) int close(int fd) {
  static const auto real = reinterpret_cast<int (*)(int)>(dlsym(RTLD_NEXT, "close"));
  if (fd >= STDIN_FILENO && fd <= STDERR_FILENO) {
    errno = EBADF;
    return -1;
  }
  const int result = real(fd);
  const long long delay = threadkata::testing::late_delay_ns.load();
  if (delay > 0 && result == 0 && ::getpid() == threadkata::testing::late_process.load()) {
    const int saved = errno;
    threadkata::testing::late_closed.fetch_add(1);
    std::this_thread::sleep_for(std::chrono::nanoseconds(delay));
    errno = saved;
  }
  return result;
}
