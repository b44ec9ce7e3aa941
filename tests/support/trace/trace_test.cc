// The tracer sees what libstdc++ does on a program's behalf: the first test makes threads
// block, wait, get notified, join and detach through the standard library only; the second
// reads the trace written when the first ended. They run in this order (gtest's default).

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <latch>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "tests/support/blocking_call/blocking_call.h"
#include "tests/support/event_log.h"
#include "tests/support/time_unit.h"

namespace threadkata::testing {
namespace {

// The kernel's id of the first test's waiter thread, which its lane must name.
std::atomic<pid_t> waiter_tid{0};

std::string TracePath() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/trace_test.json";
}

TEST(Trace, A_ThreadsDoEverythingThroughTheStandardLibrary) {
  setenv("THREADKATA_TRACE", TracePath().c_str(), /*overwrite=*/1);
  std::remove(TracePath().c_str());
  std::mutex mutex;
  std::condition_variable ready_changed;
  bool ready = false;
  std::thread waiter([&] {
    waiter_tid = gettid();
    std::unique_lock lock(mutex);
    ready_changed.wait(lock, [&] { return ready; });
  });
  // Each block below is traced however late a loaded machine lets its thread run: the test goes
  // on once the thread is blocked in a futex (a mutex, a condition variable or a latch).
  WaitUntilBlockedIn(waiter_tid, "futex", Units(100));
  {
    std::unique_lock lock(mutex);
    std::atomic<pid_t> blocked_tid{0};
    std::thread blocked([&] {
      blocked_tid = gettid();
      std::lock_guard inner(mutex);
    });
    WaitUntilBlockedIn(blocked_tid, "futex", Units(100));
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    lock.unlock();
    blocked.join();
  }
  {
    std::lock_guard lock(mutex);
    ready = true;
  }
  ready_changed.notify_one();
  waiter.join();
  std::latch opened(1);
  std::atomic<pid_t> latched_tid{0};
  std::thread latched([&] {
    latched_tid = gettid();
    opened.wait();
  });
  WaitUntilBlockedIn(latched_tid, "futex", Units(100));
  opened.count_down();
  latched.join();
  std::thread([] {}).detach();
  EventLog log;
  log.Record("hello from the test");
}

TEST(Trace, B_TheFirstTestsTraceShowsWhatItsThreadsDid) {
  std::ifstream file(TracePath());
  ASSERT_TRUE(file) << "no trace at " << TracePath() << ": the tracer did not write one";
  std::stringstream text;
  text << file.rdbuf();
  const std::string trace = text.str();
  for (const char* kind : {"create", "start", "finish", "join_begin", "join_end", "detach",
                           "mutex_begin", "mutex_end", "wait_begin", "wait_end", "futex_begin",
                           "futex_end", "notify_one", "sleep_begin", "sleep_end"}) {
    EXPECT_NE(trace.find(std::string("\"kind\":\"") + kind + "\""), std::string::npos)
        << "no '" << kind << "' event: a pthread call libstdc++ makes is not intercepted";
  }
  EXPECT_NE(trace.find("\"text\":\"hello from the test\""), std::string::npos)
      << "the EventLog record did not reach the trace (tests/support/event_log.cc's hook)";
  EXPECT_NE(trace.find("\"name\":\"Trace.A_ThreadsDoEverythingThroughTheStandardLibrary\""),
            std::string::npos)
      << "the first test's start and end are missing";
  for (const pid_t tid : {getpid(), waiter_tid.load()}) {
    EXPECT_NE(trace.find("\"os_tid\":" + std::to_string(tid) + "}"), std::string::npos)
        << "no lane names the thread with kernel id " << tid
        << ": tools/timeline cannot place a ThreadSanitizer report (tid=" << tid << ") on it";
  }
}

}  // namespace
}  // namespace threadkata::testing
