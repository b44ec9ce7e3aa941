// close() for lesson 11's test programs: descriptors 0, 1 and 2 stay open.
//
// Lesson 11's file may call close(), for its workers' sockets. A test program whose descriptor
// 1 or 2 is closed hands that number to the next file it opens, and GoogleTest opens its
// results file last: the learner's writes to stdout or stderr would then land in the results,
// which a file could forge so. Defined in the test executable, this close() is the one the
// learner's code reaches; GoogleTest's and the C library's own closes are not affected. It
// fails on the standard streams with EBADF, as a close of a descriptor the program does not
// own, and closes every other descriptor through the C library's.

#include <dlfcn.h>
#include <errno.h>
#include <unistd.h>

extern "C" __attribute__((weak)) int close(int fd) {
  static const auto real = reinterpret_cast<int (*)(int)>(dlsym(RTLD_NEXT, "close"));
  if (fd >= STDIN_FILENO && fd <= STDERR_FILENO) {
    errno = EBADF;
    return -1;
  }
  return real(fd);
}
