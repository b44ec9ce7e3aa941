#include "tests/support/detach_counter.h"

#include <dlfcn.h>
#include <pthread.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>

namespace threadkata::testing {
namespace {

constinit std::atomic<std::uint64_t> detaches{0};

}  // namespace

std::uint64_t DetachesSoFar() { return detaches.load(); }

void NoteDetach() { detaches.fetch_add(1); }

}  // namespace threadkata::testing

// Defined in the test executable, so the dynamic linker binds libstdc++'s std::thread::detach()
// to it; forwards to the next definition (the sanitizer runtime's, or libc's). Weak: the thread
// tracer (tests/support/trace) defines its own, which counts through NoteDetach() too.
extern "C" __attribute__((weak)) int pthread_detach(pthread_t thread) {
  using Detach = int (*)(pthread_t);
  static const auto real_detach = reinterpret_cast<Detach>(dlsym(RTLD_NEXT, "pthread_detach"));
  if (real_detach == nullptr) {
    std::fprintf(stderr, "threadkata: dlsym(RTLD_NEXT, pthread_detach) failed\n");
    std::abort();
  }
  threadkata::testing::NoteDetach();
  return real_detach(thread);
}
