// Tests of kept_streams.cc: close() leaves the standard streams open and closes the rest.

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "gtest/gtest.h"

namespace {

TEST(KeptStreams, CloseLeavesTheStandardStreamsOpen) {
  for (const int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) {
    errno = 0;
    EXPECT_EQ(close(fd), -1) << "descriptor " << fd;
    EXPECT_EQ(errno, EBADF) << "descriptor " << fd;
    EXPECT_NE(fcntl(fd, F_GETFD), -1) << "descriptor " << fd << " was closed";
  }
}

TEST(KeptStreams, CloseClosesEveryOtherDescriptor) {
  int ends[2];
  ASSERT_EQ(pipe(ends), 0);
  EXPECT_EQ(close(ends[0]), 0);
  EXPECT_EQ(close(ends[1]), 0);
  EXPECT_EQ(fcntl(ends[0], F_GETFD), -1) << "the pipe's end is still open";
}

}  // namespace
