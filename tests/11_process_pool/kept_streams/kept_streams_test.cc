// Tests of kept_streams.cc: close() leaves the standard streams open and closes the rest.

#include "tests/11_process_pool/kept_streams/kept_streams.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>

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

TEST(LateCloses, ACloseReturnsLateOnlyWhileOneIsAlive) {
  using std::chrono::steady_clock;
  int ends[2];
  ASSERT_EQ(pipe(ends), 0);
  {
    const threadkata::testing::LateCloses late(std::chrono::milliseconds(200));
    const auto before = steady_clock::now();
    EXPECT_EQ(close(ends[0]), 0);
    EXPECT_GE(steady_clock::now() - before, std::chrono::milliseconds(200));
    EXPECT_EQ(fcntl(ends[0], F_GETFD), -1) << "close() left the descriptor open";
    EXPECT_EQ(late.Closed(), 1);
  }
  const auto before = steady_clock::now();
  EXPECT_EQ(close(ends[1]), 0);
  EXPECT_LT(steady_clock::now() - before, std::chrono::milliseconds(200));
}

}  // namespace
