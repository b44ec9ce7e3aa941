// Lesson 11 tests: an executor whose workers are processes, fed through pipes.

#include "katas/11_process_pool/process_pool.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <future>
#include <iterator>
#include <map>
#include <new>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "tests/11_process_pool/kept_streams/kept_streams.h"
#include "tests/11_process_pool/quiet_fork/quiet_fork.h"
#include "tests/support/blocking_call/blocking_call.h"
#include "tests/support/concurrency_gauge.h"
#include "tests/support/deadline.h"
#include "tests/support/hammer.h"
#include "tests/support/idle_meter.h"
#include "tests/support/interleave/interleave.h"
#include "tests/support/property.h"
#include "tests/support/thread_census.h"
#include "tests/support/time_unit.h"

namespace threadkata {
namespace {

using testing::ConcurrencyGauge;
using testing::Duration;
using testing::FinishesWithin;
using testing::Hammer;
using testing::IdleMeter;
using testing::NeverWaitedWithATimeout;
using testing::Stopwatch;
using testing::ThreadCensus;
using testing::TookLessThan;
using testing::Units;

// Counts the tasks running in all worker processes at once. It lives in a page shared with
// every process forked after it was mapped: that is before main(), so before any pool.
ConcurrencyGauge* const shared_gauge = [] {
  void* page = ::mmap(nullptr, sizeof(ConcurrencyGauge), PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) std::abort();
  return new (page) ConcurrencyGauge;
}();

ConcurrencyGauge& FreshGauge() { return *new (shared_gauge) ConcurrencyGauge; }

// A pool that writes to a dead worker's socket without MSG_NOSIGNAL gets SIGPIPE, whose
// default action ends this program without a word. This says why, in the test program alone
// (a worker inherits the handler), then dies of the signal all the same: SA_RESETHAND restores
// the default action, and the signal raised here is delivered once the handler returns.
pid_t test_program = 0;

void ExplainSigpipe(int) {
  static constexpr char kMessage[] =
      "\nthreadkata: this test program was killed by SIGPIPE: the pool wrote to the socket of a "
      "worker that had died. Write with send(fd, data, size, MSG_NOSIGNAL), which fails with "
      "EPIPE instead, and treat that failure as the worker's death.\n";
  if (::getpid() == test_program) {
    [[maybe_unused]] const ssize_t out = ::write(STDOUT_FILENO, kMessage, sizeof kMessage - 1);
    [[maybe_unused]] const ssize_t err = ::write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
  }
  ::raise(SIGPIPE);
}

[[maybe_unused]] const bool sigpipe_explained = [] {
  test_program = ::getpid();
  struct sigaction action = {};
  action.sa_handler = ExplainSigpipe;
  action.sa_flags = SA_RESETHAND;
  return ::sigaction(SIGPIPE, &action, nullptr) == 0;
}();

// The registered tasks. They run in the workers.

std::string Echo(const std::string& argument) { return argument; }

std::string Reverse(const std::string& argument) { return {argument.rbegin(), argument.rend()}; }

std::string Pid(const std::string&) { return std::to_string(::getpid()); }

std::string ParentPid(const std::string&) { return std::to_string(::getppid()); }

// "<units> <text>": sleeps that many units, counted by the shared gauge, then returns <text>.
std::string SleepThenEcho(const std::string& argument) {
  const auto space = argument.find(' ');
  const auto counted = shared_gauge->Enter();
  std::this_thread::sleep_for(Units(std::stod(argument.substr(0, space))));
  return argument.substr(space + 1);
}

// "<units>": sleeps that many units, counted by the shared gauge, then returns its pid.
std::string Sleep(const std::string& units) {
  const auto counted = shared_gauge->Enter();
  std::this_thread::sleep_for(Units(std::stod(units)));
  return std::to_string(::getpid());
}

// "<file>\t<token>": appends the token as one line to the file, so the test can count runs.
std::string Append(const std::string& argument) {
  const auto tab = argument.find('\t');
  const std::string path = argument.substr(0, tab);
  const std::string line = argument.substr(tab + 1) + "\n";
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
  if (fd < 0 || ::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
    throw std::runtime_error("cannot append to " + path);
  }
  ::close(fd);
  return std::to_string(::getpid());
}

// "<file>\t<token>": throws "refused <token>" for a token that starts with "throw", else
// appends like Append: a map() over it fails at some arguments and counts the others' runs.
std::string ThrowOrAppend(const std::string& argument) {
  const std::string token = argument.substr(argument.find('\t') + 1);
  if (token.starts_with("throw")) throw std::runtime_error("refused " + token);
  return Append(argument);
}

// "<file>\t<token>": appends like Append, then crashes its worker: a task that dies halfway.
std::string AppendThenAbort(const std::string& argument) {
  Append(argument);
  std::abort();
}

std::string Throw(const std::string& argument) {
  throw std::runtime_error("cannot handle " + argument);
}

// "<units> <text>": sleeps that many units, then throws "cannot handle <text>".
std::string SleepThenThrow(const std::string& argument) {
  const auto space = argument.find(' ');
  std::this_thread::sleep_for(Units(std::stod(argument.substr(0, space))));
  throw std::runtime_error("cannot handle " + argument.substr(space + 1));
}

// Throws what no catch (const std::exception&) catches.
std::string ThrowInt(const std::string&) { throw 42; }

// Throws a std::exception that is no std::runtime_error.
std::string ThrowLogicError(const std::string& argument) {
  throw std::invalid_argument("no such record: " + argument);
}

// Writes out what the worker's stdio holds: its copy of the parent's buffers, if the parent
// did not flush them before the fork.
std::string FlushStdout(const std::string&) {
  std::fflush(stdout);
  return "";
}

// Writes out every stdio stream the worker holds (fflush(nullptr)): its copies of the parent's
// buffers, if the parent did not flush them all before the fork.
std::string FlushAll(const std::string&) {
  std::fflush(nullptr);
  return "";
}

std::string Abort(const std::string&) { std::abort(); }

std::string Kill(const std::string&) {
  ::raise(SIGKILL);
  return "still alive";
}

std::string Terminate(const std::string&) {
  ::raise(SIGTERM);
  return "still alive";
}

std::string Exit(const std::string&) { ::_exit(3); }

// Ends its worker before replying, with the status of a process that succeeded.
std::string ExitZero(const std::string&) { ::_exit(0); }

// Closes every descriptor of its worker, so the pool reads end of file at once, and ends the
// worker only a while later: until then the pool's worker is no zombie yet.
std::string CloseThenExitLater(const std::string&) {
  ::close_range(3, ~0U, 0);
  std::this_thread::sleep_for(Units(2));
  ::_exit(5);
}

TaskRegistry Tasks() {
  TaskRegistry tasks;
  tasks.add("echo", Echo)
      .add("reverse", Reverse)
      .add("pid", Pid)
      .add("parent_pid", ParentPid)
      .add("sleep_then_echo", SleepThenEcho)
      .add("sleep", Sleep)
      .add("append", Append)
      .add("append_then_abort", AppendThenAbort)
      .add("throw_or_append", ThrowOrAppend)
      .add("throw", Throw)
      .add("sleep_then_throw", SleepThenThrow)
      .add("throw_int", ThrowInt)
      .add("throw_logic_error", ThrowLogicError)
      .add("flush_stdout", FlushStdout)
      .add("flush_all", FlushAll)
      .add("terminate", Terminate)
      .add("abort", Abort)
      .add("kill", Kill)
      .add("exit", Exit)
      .add("exit_zero", ExitZero)
      .add("close_then_exit_later", CloseThenExitLater);
  return tasks;
}

// What a future finally held: a value, or the what() of an exception.
struct Outcome {
  bool ok;
  std::string text;
};

// For a future that hangs once a worker has died.
constexpr char kHangHint[] =
    "Does the pool notice when a worker dies (its end of the pipe reads end of file) and fail "
    "that task's future, instead of waiting for a reply that will never come? The pool's end "
    "reads end of file only once no process holds the worker's end: close the child's end in "
    "the parent right after fork()";

// For a future that hangs with no worker waiting to be reaped.
constexpr char kLostTaskHint[] =
    "No worker has ended unnoticed (none waits to be reaped), so most likely the task never "
    "reached a worker or its reply never reached the future. Is the task pushed onto the queue "
    "under the mutex, and a waiting thread notified after the push (a notification sent before "
    "it is lost)? Does the reply set the promise of the task its worker ran? And if a worker "
    "did die: was it reaped without failing its task's future?";

// For a shutdown() that hangs while workers are alive.
constexpr char kShutdownHint[] =
    "shutdown() waits for the queued tasks, then for each worker process to end. A worker "
    "ends when its socket reads end of file, which happens only once no process holds a copy "
    "of the pool's end: does each new worker close the pool's ends of every worker made "
    "before it, and are the socket made and the fork done under one mutex, so that no worker "
    "is forked between another's socketpair() and that end's entry in the list?";

// For a task that throws: a worker that lets it escape hangs rather than dies.
constexpr char kEscapedHint[] =
    "Does the worker catch everything a task throws? An exception that leaves the worker's "
    "loop does not end the child process: it unwinds into the code that forked it (a copy of "
    "the pool, or of this test program) and goes on running there. Catch std::exception and "
    "then (...) in the worker, reply with an error, and end the child only with _exit()";

// For a shutdown() that hangs with no worker left alive.
constexpr char kDriversHangHint[] =
    "Every worker has ended, so shutdown() is waiting for a thread of the pool: does it set "
    "the stop flag under the mutex and then notify_all(), so that every thread waiting for a "
    "task wakes, sees the flag and returns? Does it join each thread once, and never from that "
    "thread itself?";

// The child processes of this program as they are now, read from /proc without reaping any.
struct Children {
  int alive = 0;
  int ended = 0;  // Zombies: ended, not yet waited for.
};

Children CountChildren() {
  Children children;
  DIR* listing = ::opendir("/proc");
  if (listing == nullptr) return children;
  const std::string parent = std::to_string(::getpid());
  while (const dirent* entry = ::readdir(listing)) {
    if (entry->d_name[0] < '1' || entry->d_name[0] > '9') continue;
    std::ifstream stat(std::string("/proc/") + entry->d_name + "/stat");
    std::string line;
    std::getline(stat, line);
    // "pid (command) state ppid ...": the command may hold spaces and parentheses.
    const std::size_t command_end = line.rfind(')');
    if (command_end == std::string::npos) continue;
    std::istringstream fields(line.substr(command_end + 1));
    char state = 0;
    std::string ppid;
    if (!(fields >> state >> ppid) || ppid != parent) continue;
    ++(state == 'Z' ? children.ended : children.alive);
  }
  ::closedir(listing);
  return children;
}

std::string DescribeChildren(const Children& children) {
  return "This test program has " + std::to_string(children.alive) +
         " live child process(es) and " + std::to_string(children.ended) +
         " that ended and were not waited for. ";
}

// The hint for a task's future that hangs: the one for a worker that died unnoticed if one
// waits to be reaped; else `hint` if the test named a likely mistake, or the one for a lost
// task.
std::string ExplainHungFuture(const char* hint) {
  const Children children = CountChildren();
  if (children.ended > 0) {
    hint = kHangHint;
  } else if (hint == kHangHint) {
    hint = kLostTaskHint;
  }
  return DescribeChildren(children) + hint;
}

std::string ExplainHungShutdown() {
  const Children children = CountChildren();
  return DescribeChildren(children) + (children.alive > 0 ? kShutdownHint : kDriversHangHint);
}

// Waits on this thread, with no helper thread (unlike FinishesWithin): a thread that ends while
// the pool forks can leave a lock of ThreadSanitizer's runtime held in the child (GCC 12's
// libtsan does not take its allocator's locks around fork), and the worker then hangs in its
// first malloc.
//
// The error is read through a shared_future that outlives the reading. std::future::get()
// lets go of the shared state before the caller's catch block reads the exception, and the
// last reference to that exception is counted inside libstdc++, which ThreadSanitizer does not
// see: if the pool's thread dropped it last, TSan would report a race that cannot happen.
Outcome Wait(std::future<std::string>& future, const char* hang_hint = kHangHint) {
  if (!future.valid()) return {false, "submit() returned a future without a shared state"};
  const std::shared_future<std::string> shared = future.share();
  const Duration limit = Units(50);
  if (shared.wait_for(limit) != std::future_status::ready) {
    testing::AbortHungTest(limit, "a task's future", ExplainHungFuture(hang_hint));
  }
  try {
    return {true, shared.get()};
  } catch (const std::exception& error) {
    return {false, error.what()};
  }
}

std::string Value(std::future<std::string>&& future, const char* hang_hint = kHangHint) {
  const Outcome outcome = Wait(future, hang_hint);
  EXPECT_TRUE(outcome.ok) << "the task failed: " << outcome.text;
  return outcome.ok ? outcome.text : "";
}

std::string Error(std::future<std::string>&& future, const char* hang_hint = kHangHint) {
  const Outcome outcome = Wait(future, hang_hint);
  EXPECT_FALSE(outcome.ok) << "the task should have failed, but returned \"" << outcome.text
                           << "\"";
  return outcome.ok ? "" : outcome.text;
}

// The file descriptors this process has open now.
std::set<int> OpenDescriptors() {
  std::set<int> open;
  DIR* listing = ::opendir("/proc/self/fd");
  if (listing == nullptr) return open;
  while (const dirent* entry = ::readdir(listing)) {
    const int fd = std::atoi(entry->d_name);
    if (entry->d_name[0] != '.' && fd != ::dirfd(listing)) open.insert(fd);
  }
  ::closedir(listing);
  return open;
}

// The sockets (their inodes, "socket:[123]") that process PID has open: "self" for this one.
std::set<std::string> OpenSockets(const std::string& pid) {
  std::set<std::string> sockets;
  const std::string folder = "/proc/" + pid + "/fd";
  DIR* listing = ::opendir(folder.c_str());
  if (listing == nullptr) return sockets;
  while (const dirent* entry = ::readdir(listing)) {
    char target[64] = {};
    const std::string link = folder + "/" + entry->d_name;
    if (::readlink(link.c_str(), target, sizeof target - 1) > 0 &&
        std::string_view(target).starts_with("socket:")) {
      sockets.insert(target);
    }
  }
  ::closedir(listing);
  return sockets;
}

// Every child process of the test that is still there, running or zombie, reaped now so
// that one test's leftovers do not fail the next.
std::string UnreapedChildren() {
  std::string found;
  for (;;) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
      found += "a zombie (pid " + std::to_string(pid) + ") ";
      continue;
    }
    if (pid == 0) found += "a child still running";
    return found;
  }
}

// How many times LINE stands in the file at PATH, which is then removed.
std::size_t CopiesInFileThenRemoveIt(const std::string& path, const std::string& line) {
  std::ifstream in(path);
  const std::string written((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  in.close();
  std::remove(path.c_str());
  std::size_t copies = 0;
  for (auto at = written.find(line); at != std::string::npos; at = written.find(line, at + 1)) {
    ++copies;
  }
  return copies;
}

TEST(ProcessPool, RejectsZeroWorkers) {
  EXPECT_THROW(ProcessPool(0, Tasks()), std::invalid_argument)
      << "a pool with no worker could never run anything: throw std::invalid_argument";
}

// Pins "The pool fork()s its workers, each when it is first needed": a pool that has had no
// task yet has no child process.
TEST(ProcessPool, ForksNoWorkerBeforeATaskNeedsOne) {
  ASSERT_EQ(UnreapedChildren(), "") << "children of the test existed before this test began";
  ProcessPool pool(3, Tasks());
  std::this_thread::sleep_for(Units(1));
  EXPECT_EQ(UnreapedChildren(), "")
      << "a pool that has not been given a task yet already has worker processes: fork a "
         "worker when a task first needs one, not when the pool or its threads start";
}

// Pins "fork()s its workers, each when it is first needed": one task on a pool of three makes one
// worker, not three.
TEST(ProcessPool, ForksOneWorkerForOneTask) {
  ASSERT_EQ(UnreapedChildren(), "") << "children of the test existed before this test began";
  ProcessPool pool(3, Tasks());
  EXPECT_EQ(Value(pool.submit("echo", "one")), "one");
  std::this_thread::sleep_for(Units(1));
  EXPECT_EQ(CountChildren().alive, 1)
      << "one task on a pool of three made another number of worker processes than one: fork "
         "a worker when a task needs one and no worker is free, not every worker at the first "
         "task";
}

// Pins submit()'s "Queues `task` with `argument` and returns at once": with the only worker
// busy, more tasks are queued without waiting for room.
TEST(ProcessPool, SubmitReturnsAtOnceWhileTheWorkerIsBusy) {
  ProcessPool pool(1, Tasks());
  std::vector<std::future<std::string>> results;
  results.push_back(pool.submit("sleep", "5"));
  const Stopwatch stopwatch;
  for (int i = 0; i < 4; ++i) results.push_back(pool.submit("echo", std::to_string(i)));
  const Duration queued_in = stopwatch.Elapsed();
  EXPECT_TRUE(TookLessThan(queued_in, Units(2)))
      << "submit() took " << testing::DescribeDuration(queued_in)
      << " to queue 4 tasks behind a busy worker: it must queue the task and return at once, "
         "however many tasks wait, never block until a worker or room is free";
  for (auto& result : results) Value(std::move(result));
}

TEST(ProcessPool, SubmitReturnsTheTaskResult) {
  ProcessPool pool(2, Tasks());
  EXPECT_EQ(Value(pool.submit("reverse", "abc")), "cba")
      << "submit(\"reverse\", \"abc\") must run the task registered as \"reverse\" on \"abc\"";
  const std::string bytes("a\0b\nc", 5);
  EXPECT_EQ(Value(pool.submit("echo", bytes)), bytes)
      << "arguments and results are bytes: send the length first, then the bytes, and do "
         "not stop at a '\\0' or a newline";
  EXPECT_EQ(Value(pool.submit("echo", "")), "") << "an empty argument is still an argument";
}

TEST(ProcessPool, RunsTasksInWorkerProcessesItForked) {
  ProcessPool pool(2, Tasks());
  EXPECT_NE(Value(pool.submit("pid", "")), std::to_string(::getpid()))
      << "the task ran in the test's own process: a process pool must hand it to a worker "
         "process through its pipe";
  EXPECT_EQ(Value(pool.submit("parent_pid", "")), std::to_string(::getpid()))
      << "the worker's parent must be the process that made the pool: fork() the workers";
}

TEST(ProcessPool, CarriesArgumentsAndResultsLargerThanAPipe) {
  std::string big(1 << 20, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7 % 251);
  ProcessPool pool(1, Tasks());
  const std::string result = Value(
      pool.submit("echo", big),
      "A 1 MiB argument or result does not fit in one read() or write() of a socket: do the pool "
      "and the worker loop until every byte of a frame is through? One recv() returns what "
      "has arrived so far, and the reader then waits for bytes that were already read");
  EXPECT_EQ(result.size(), big.size())
      << "a pipe carries a few kilobytes per read() or write(): loop until every byte is through";
  EXPECT_TRUE(result == big) << "the 1 MiB result differs from the argument it echoes";
}

// Pins submit()'s argument and result of any length: 17 MiB, more than the 16 MiB a pool might
// set to refuse a garbled frame.
TEST(ProcessPool, CarriesArgumentsAndResultsOfAnyLength) {
  std::string huge(17 << 20, 'x');
  for (std::size_t i = 0; i < huge.size(); i += 4096) huge[i] = static_cast<char>(i / 4096 % 251);
  ProcessPool pool(1, Tasks());
  const std::string result = Value(
      pool.submit("echo", huge),
      "A 17 MiB argument never came back: does the pool or the worker refuse, or cut, a frame "
      "longer than some limit? A frame's length may be anything a std::string holds");
  EXPECT_EQ(result.size(), huge.size())
      << "a 17 MiB argument came back as " << result.size() << " bytes: a frame's length is "
      << "whatever the string's is, with no upper limit";
  EXPECT_TRUE(result == huge) << "the 17 MiB result differs from the argument it echoes";
}

TEST(ProcessPool, MapReturnsResultsInArgumentOrder) {
  ProcessPool pool(4, Tasks());
  const std::vector<std::string> results =
      pool.map("sleep_then_echo", {"1.5 first", "0.5 second", "1 third", "0 fourth"});
  EXPECT_EQ(results, (std::vector<std::string>{"first", "second", "third", "fourth"}))
      << "map must return the results in the order of the arguments, not in the order the "
         "tasks finished";
  // The four workers were forked at about the same time.
  FinishesWithin(Units(50), "shutdown() after a map() on four workers", ExplainHungShutdown,
                 [&] { pool.shutdown(); });
}

// Pins "if a task failed, rethrows the error of the first failed one (in argument order)":
// the first argument's task fails last in time.
// Pins "rethrows the first failure in argument order without waiting for the tasks after it":
// the first task fails at once, the second one takes 20 units.
TEST(ProcessPool, MapRethrowsTheFirstFailureWithoutWaitingForLaterTasks) {
  ProcessPool pool(2, Tasks());
  const Stopwatch stopwatch;
  Duration rethrown_after{};
  std::exception_ptr failure;
  try {
    pool.map("sleep_then_throw", {"0 first", "20 second"});
  } catch (...) {
    rethrown_after = stopwatch.Elapsed();
    failure = std::current_exception();
  }
  // Read once the pool's threads are joined (see MapRethrowsTheFirstFailureInArgumentOrder).
  pool.shutdown();
  ASSERT_TRUE(failure) << "map returned although every task threw";
  EXPECT_TRUE(TookLessThan(rethrown_after, Units(10)))
      << "the first task failed at once, but map rethrew its error only once the second task "
         "had ended too: get() the futures in argument order and let the first error out at "
         "once, without waiting for the tasks after it";
}

// The lines of the file at PATH, which is then removed.
std::vector<std::string> LinesThenRemove(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream file(path);
  for (std::string line; std::getline(file, line);) lines.push_back(line);
  std::remove(path.c_str());
  return lines;
}

// Pins map()'s "without waiting for the tasks after it (they still run)": every argument is
// submitted, so the tasks after the first failed one run, also when map() has long returned.
TEST(ProcessPool, MapStillRunsTheTasksAfterAFailure) {
  const std::string path = ::testing::TempDir() + "process_pool_map_" + std::to_string(::getpid());
  {
    ProcessPool pool(1, Tasks());
    EXPECT_THROW(
        pool.map("throw_or_append", {path + "\tthrow", path + "\tb", path + "\tc", path + "\td"}),
        std::runtime_error);
    pool.shutdown();
  }
  EXPECT_EQ(LinesThenRemove(path), (std::vector<std::string>{"b", "c", "d"}))
      << "after the first task failed, the tasks of the later arguments did not all run: map() "
         "submits every argument's task first, then gets the results in order; the error of "
         "the first failed one leaves map(), but the others still run";
}

// Pins "first submitted, first started": with the only worker busy, the tasks queued behind it
// start in the order they were submitted.
TEST(ProcessPool, StartsTasksInSubmissionOrder) {
  const std::string path =
      ::testing::TempDir() + "process_pool_order_" + std::to_string(::getpid());
  const std::vector<std::string> tokens = {"a", "b", "c", "d", "e"};
  {
    ProcessPool pool(1, Tasks());
    std::vector<std::future<std::string>> results;
    results.push_back(pool.submit("sleep", "2"));
    for (const std::string& token : tokens) {
      results.push_back(pool.submit("append", path + "\t" + token));
    }
    for (auto& result : results) Value(std::move(result));
  }
  EXPECT_EQ(LinesThenRemove(path), tokens)
      << "the tasks queued behind a busy worker started in another order than they were "
         "submitted: take the oldest job, from the front of a queue (std::deque: push_back, "
         "front, pop_front), not the newest from the back";
}

TEST(ProcessPool, MapRethrowsTheFirstFailureInArgumentOrder) {
  ProcessPool pool(3, Tasks());
  std::exception_ptr failure;
  try {
    pool.map("sleep_then_throw", {"4 first", "0 second", "1 third"});
  } catch (...) {
    failure = std::current_exception();
  }
  // The error is read once the pool's threads are joined: its message's storage is shared with
  // copies they held, counted inside libstdc++ where ThreadSanitizer does not see it (as in
  // Wait() above).
  pool.shutdown();
  ASSERT_TRUE(failure) << "map returned although every task threw: it must rethrow a task's "
                          "error, like future::get() does";
  try {
    std::rethrow_exception(failure);
  } catch (const std::runtime_error& error) {
    const std::string what = error.what();
    const bool names_another =
        what.find("second") != std::string::npos || what.find("third") != std::string::npos;
    EXPECT_EQ(what, "cannot handle first")
        << (names_another
                ? "map must rethrow the error of the first failed task in argument order, not "
                  "the one that failed first in time or last: get() the futures in argument "
                  "order and let the first error out"
                : "map rethrew the first task's error, but its what() is not the task's own: "
                  "pass the what() of the exception the task threw through unchanged, with "
                  "nothing added");
  }
  ProcessPool other(1, Tasks());
  EXPECT_TRUE(other.map("echo", {}).empty()) << "no arguments, no results";
}

TEST(ProcessPool, RunsEveryTaskExactlyOnce) {
  const std::string path = ::testing::TempDir() + "process_pool_runs_" + std::to_string(::getpid());
  constexpr int kTasks = 24;
  std::vector<std::future<std::string>> results;
  {
    ProcessPool pool(3, Tasks());
    for (int i = 0; i < kTasks; ++i) {
      results.push_back(pool.submit("append", path + "\ttask " + std::to_string(i)));
    }
    for (auto& result : results) Value(std::move(result));
  }
  std::map<std::string, int> runs;
  std::ifstream file(path);
  for (std::string line; std::getline(file, line);) ++runs[line];
  std::remove(path.c_str());
  for (int i = 0; i < kTasks; ++i) {
    EXPECT_EQ(runs["task " + std::to_string(i)], 1)
        << "task " << i << " must run exactly once: is a request sent to two workers, or "
        << "sent again after its reply?";
  }
  EXPECT_EQ(runs.size(), static_cast<std::size_t>(kTasks));
}

TEST(ProcessPool, RunsAtMostMaxWorkersAtOnceAndReachesIt) {
  ConcurrencyGauge& gauge = FreshGauge();
  std::set<std::string> pids;
  {
    ProcessPool pool(3, Tasks());
    for (const std::string& pid : pool.map("sleep", std::vector<std::string>(7, "2"))) {
      pids.insert(pid);
    }
  }
  EXPECT_LE(gauge.HighWaterMark(), 3)
      << "more than max_workers tasks ran at once: make max_workers workers, no more";
  EXPECT_EQ(gauge.HighWaterMark(), 3)
      << "7 waiting tasks never kept all 3 workers busy: does each worker get its own "
         "request while the others are still running?";
  EXPECT_LE(pids.size(), 3u) << "the tasks ran in " << pids.size()
                             << " processes: reuse the max_workers workers, task after task, "
                                "instead of forking one process per task";
}

TEST(ProcessPool, AnExceptionInATaskReachesGet) {
  ProcessPool pool(1, Tasks());
  EXPECT_EQ(Error(pool.submit("throw", "x"), kEscapedHint), "cannot handle x")
      << "catch the task's exception in the worker, send its what() back as an error, and "
         "throw it from the future as std::runtime_error";
  EXPECT_EQ(Value(pool.submit("echo", "after")), "after")
      << "a task that throws must not stop its worker from running the next one";
}

// Pins "whose what() is the what() of the exception the task threw" for any std::exception,
// not only the std::runtime_error the other tasks throw.
TEST(ProcessPool, AnyStdExceptionsMessageReachesGet) {
  ProcessPool pool(1, Tasks());
  EXPECT_EQ(Error(pool.submit("throw_logic_error", "42"), kEscapedHint), "no such record: 42")
      << "the task threw std::invalid_argument, a std::exception that is no "
         "std::runtime_error: catch const std::exception& in the worker, so that every "
         "standard exception's what() reaches get()";
}

TEST(ProcessPool, ACrashFailsOnlyItsOwnFuture) {
  ProcessPool pool(2, Tasks());
  auto before = pool.submit("sleep_then_echo", "1 before");
  auto crash = pool.submit("abort", "");
  auto after = pool.submit("sleep_then_echo", "1 after");
  const std::string error = Error(std::move(crash));
  EXPECT_NE(error.find("died (signal 6, SIGABRT) while running task 'abort'"), std::string::npos)
      << "got \"" << error << "\". waitpid() the dead worker and describe its end: \"worker "
      << "process <pid> died (signal 6, SIGABRT) while running task 'abort'\"";
  EXPECT_EQ(Value(std::move(before)), "before")
      << "a crash in one worker must not disturb the task running in another";
  EXPECT_EQ(Value(std::move(after)), "after")
      << "the pool must go on after a crash: fork a new worker in place of the dead one";
}

TEST(ProcessPool, ReportsHowTheWorkerEndedAndWaitsForIt) {
  ProcessPool pool(1, Tasks());
  const std::regex killed(R"(worker process ([0-9]+) died \(signal 9, SIGKILL\) )"
                          R"(while running task 'kill')");
  const std::regex terminated(R"(worker process ([0-9]+) died \(signal 15, SIGTERM\) )"
                              R"(while running task 'terminate')");
  const std::regex exited(R"(worker process ([0-9]+) exited \(status 3\) )"
                          R"(while running task 'exit')");
  const std::regex exited_zero(R"(worker process ([0-9]+) exited \(status 0\) )"
                               R"(while running task 'exit_zero')");
  // Each task, how it ends its worker, and the signal's number as the message writes it.
  const std::tuple<const char*, std::regex, const char*> ends[] = {
      {"kill", killed, "(signal 9, "},
      {"terminate", terminated, "(signal 15, "},
      {"exit", exited, nullptr},
      {"exit_zero", exited_zero, nullptr},
  };
  for (const auto& [task, expected, number] : ends) {
    const std::string error = Error(pool.submit(task, ""));
    std::smatch match;
    if (!std::regex_match(error, match, expected)) {
      ADD_FAILURE() << "task '" << task << "' ended its worker, and the future said \"" << error
                    << "\". "
                    << (error.empty()
                            ? "The worker ended before it replied, so its task failed whatever "
                              "its exit status: a reply cut short by the end of the socket is a "
                              "death to report, never an empty result"
                        : number != nullptr && error.find(number) != std::string::npos
                            ? "The signal's number is right and its name is not: name every "
                              "signal, not only those you listed (sigabbrev_np() gives the "
                              "abbreviation of any signal)"
                            : "Use WIFSIGNALED/WTERMSIG or WEXITSTATUS on the status waitpid() "
                              "gives, in the format of process_pool.h");
      continue;
    }
    const pid_t pid = std::stoi(match[1]);
    EXPECT_NE(pid, ::getpid());
    EXPECT_TRUE(::kill(pid, 0) != 0 && errno == ESRCH)
        << "worker process " << pid << " still exists (a zombie) when its task's future "
        << "fails: waitpid() it before reporting the crash";
  }
}

// Pins "the pool waits for the dead process (no zombie), closes its end of the dead worker's
// pipe and forks a replacement": crash after crash, the pool holds as many descriptors as with
// its one worker. One left open per crash runs the process out of descriptors in the end.
TEST(ProcessPool, ACrashLeavesNoDescriptorOpen) {
  ProcessPool pool(1, Tasks());
  ASSERT_EQ(Value(pool.submit("echo", "first")), "first");
  const std::size_t with_one_worker = OpenDescriptors().size();
  constexpr int kCrashes = 5;
  for (int i = 0; i < kCrashes; ++i) {
    Error(pool.submit("abort", ""));
    ASSERT_EQ(Value(pool.submit("echo", "again")), "again");
  }
  const std::size_t after = OpenDescriptors().size();
  EXPECT_EQ(after, with_one_worker)
      << "after " << kCrashes << " crashes, each followed by a task in a new worker, this "
      << "process has " << after << " descriptors open, " << with_one_worker
      << " with its one worker before: close your end of the dead worker's socket when it "
         "dies (and take it off the list of descriptors new workers close), then waitpid it";
}

// Pins "Each submitted task runs exactly once" for a task that crashes its worker: the crash
// fails the task's own future, and the task is never sent again (it may have done part of its
// work before it died, as this one has).
TEST(ProcessPool, ACrashedTaskIsNeverRunAgain) {
  const std::string path =
      ::testing::TempDir() + "process_pool_crashed_" + std::to_string(::getpid());
  std::remove(path.c_str());
  {
    ProcessPool pool(2, Tasks());
    Error(pool.submit("append_then_abort", path + "\tcrashed"));
    EXPECT_EQ(Value(pool.submit("echo", "after")), "after");
  }
  int runs = 0;
  std::ifstream file(path);
  for (std::string line; std::getline(file, line);) ++runs;
  std::remove(path.c_str());
  EXPECT_EQ(runs, 1) << "the task that crashed its worker ran " << runs << " times: a crash "
                     << "fails that task's future with the worker's death, and the pool never "
                     << "sends the task again (to a replacement or to another worker)";
}

TEST(ProcessPool, ReplacesACrashedWorker) {
  ProcessPool pool(1, Tasks());
  const std::string first = Value(pool.submit("pid", ""));
  Error(pool.submit("abort", ""));
  const std::string second = Value(pool.submit("pid", ""));
  EXPECT_NE(first, second) << "the pool's only worker died, yet the next task ran in the same "
                              "process: the new worker must be a new fork()";
  EXPECT_NE(second, std::to_string(::getpid()))
      << "after a crash the task ran in the test's process: fork a replacement worker";
}

// Pins "a worker that dies while it waits for work fails at most the next task sent to it":
// sending to a worker whose process has ended fails (EPIPE); a send loop that goes on after a
// failed send() never returns, and a pool that does not replace the dead worker fails every
// later task. With "the pool waits for the dead process (no zombie)": a pool that forgets a
// worker whose send failed leaves it a zombie.
TEST(ProcessPool, AWorkerKilledWhileIdleFailsAtMostTheNextTask) {
  ProcessPool pool(1, Tasks());
  const pid_t worker = std::stoi(Value(pool.submit("pid", "")));
  ASSERT_EQ(::kill(worker, SIGKILL), 0);
  std::this_thread::sleep_for(Units(1));
  auto next = pool.submit("echo", "next");
  Wait(next);  // a value, or the death of the worker: either, but no hang
  EXPECT_EQ(Value(pool.submit("echo", "later")), "later")
      << "after its worker was killed while idle, the pool must fork a replacement";
  pool.shutdown();
  EXPECT_EQ(UnreapedChildren(), "")
      << "the worker killed while idle was never waited for: when sending to a worker fails, "
         "the pool must waitpid() it, as after a crash while it runs a task";
}

TEST(ProcessPool, KeepsMaxWorkersBusyAfterACrash) {
  ProcessPool pool(2, Tasks());
  Error(pool.submit("kill", ""));
  ConcurrencyGauge& gauge = FreshGauge();
  pool.map("sleep", std::vector<std::string>(4, "2"));
  EXPECT_EQ(gauge.HighWaterMark(), 2)
      << "after one worker died, the pool ran fewer than max_workers tasks at once: replace "
         "the dead worker instead of running on with fewer";
}

TEST(ProcessPool, RejectsUnknownTasksAndSubmitAfterShutdown) {
  ProcessPool pool(1, Tasks());
  EXPECT_THROW(pool.submit("no such task", ""), std::invalid_argument)
      << "a task name that is not in the registry must be refused by submit()";
  pool.shutdown();
  EXPECT_THROW(pool.submit("echo", ""), std::runtime_error)
      << "like Python's executor, submit() after shutdown() must throw";
}

TEST(ProcessPool, ShutdownFinishesEveryQueuedTask) {
  ProcessPool pool(2, Tasks());
  std::vector<std::future<std::string>> results;
  for (int i = 0; i < 4; ++i) results.push_back(pool.submit("sleep", "1"));
  FinishesWithin(Units(50), "shutdown()", ExplainHungShutdown, [&] { pool.shutdown(); });
  for (auto& result : results) {
    ASSERT_TRUE(result.valid());
    EXPECT_EQ(result.wait_for(std::chrono::seconds(0)), std::future_status::ready)
        << "shutdown() returned before a queued task finished: it must wait for all of them";
  }
}

TEST(ProcessPool, DestructorFinishesEveryQueuedTask) {
  std::vector<std::future<std::string>> results;
  {
    ProcessPool pool(2, Tasks());
    for (int i = 0; i < 4; ++i) results.push_back(pool.submit("sleep", "1"));
  }
  for (auto& result : results) {
    ASSERT_TRUE(result.valid());
    EXPECT_EQ(result.wait_for(std::chrono::seconds(0)), std::future_status::ready)
        << "the pool was destroyed before a queued task finished: the destructor must call "
           "shutdown(), which waits for every task";
  }
}

TEST(ProcessPool, LeavesNoChildProcessBehind) {
  ASSERT_EQ(UnreapedChildren(), "") << "children of the test existed before this test began";
  ProcessPool pool(3, Tasks());
  pool.map("sleep", std::vector<std::string>(5, "0.5"));
  Error(pool.submit("abort", ""));
  pool.shutdown();
  EXPECT_EQ(UnreapedChildren(), "")
      << "after shutdown() every worker must be gone: close its pipe so that it reads end of "
         "file and exits, then waitpid() it, or it stays a zombie until the program ends";
}

// Pins "If the operating system refuses a pipe or a process, the future holds that
// std::system_error": for a moment the process may open no more file descriptors (its limit is
// lowered to the lowest free one), so a pool that makes a worker's pipe when the worker is
// first needed cannot make it.
TEST(ProcessPool, APipeTheSystemRefusesFailsTheFutureWithItsSystemError) {
  ProcessPool pool(1, Tasks());
  rlimit old_limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &old_limit), 0);
  const int lowest_free = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(lowest_free, 0);
  ::close(lowest_free);
  rlimit no_more = old_limit;
  no_more.rlim_cur = static_cast<rlim_t>(lowest_free);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &no_more), 0);
  std::future<std::string> future = pool.submit("echo", "no pipe");
  // Read through a shared_future that outlives the reading (see Wait()).
  const std::shared_future<std::string> shared =
      future.valid() ? future.share() : std::shared_future<std::string>();
  const bool ready = shared.valid() && shared.wait_for(Units(50)) == std::future_status::ready;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &old_limit), 0);
  ASSERT_TRUE(ready) << "the task's future was not ready although no worker could be made: "
                        "does the thread that failed to make the pipe fail the job's future?";
  try {
    // A pool that made this worker's pipe before the limit was lowered runs the task.
    EXPECT_EQ(shared.get(), "no pipe");
  } catch (const std::system_error& error) {
    EXPECT_EQ(error.code().value(), EMFILE)
        << "the std::system_error must carry the errno of the call that failed (EMFILE: too "
           "many open files), not another: "
        << error.what();
  } catch (const std::exception& error) {
    ADD_FAILURE() << "the future holds an exception that is no std::system_error: \""
                  << error.what()
                  << "\". When socketpair(), pipe() or fork() fails, throw "
                     "std::system_error(errno, std::generic_category(), \"socketpair\") so "
                     "that the caller can read which error the system gave";
  }
  EXPECT_EQ(Value(pool.submit("echo", "again")), "again")
      << "once descriptors are free again, the pool must make a worker for the next task";
}

// Pins "the descriptors opened for the worker that could not start are closed" wherever the
// system stops: with 1, 2 or 3 descriptors still free, a pool that needs more than that for one
// worker gets the first ones and is refused the next. Whether it then ran the task or failed
// its future, nothing it opened stays open once it is gone.
TEST(ProcessPool, ADescriptorRefusedHalfwayLeavesNoneOpen) {
  const std::set<int> open_before = OpenDescriptors();
  for (const int free : {1, 2, 3}) {
    {
      ProcessPool pool(1, Tasks());
      rlimit old_limit{};
      ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &old_limit), 0);
      const int lowest_free = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      ASSERT_GE(lowest_free, 0);
      ::close(lowest_free);
      rlimit few = old_limit;
      few.rlim_cur = static_cast<rlim_t>(lowest_free + free);
      ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &few), 0);
      std::future<std::string> future = pool.submit("echo", "few");
      // Read through a shared_future that outlives the reading (see Wait()).
      const std::shared_future<std::string> shared =
          future.valid() ? future.share() : std::shared_future<std::string>();
      const bool ready = shared.valid() && shared.wait_for(Units(50)) == std::future_status::ready;
      ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &old_limit), 0);
      ASSERT_TRUE(ready) << "with " << free << " descriptor(s) free, the task's future was not "
                         << "ready: does the thread that failed to make the worker fail the "
                            "job's future?";
    }
    std::string left_open;
    for (const int fd : OpenDescriptors()) {
      if (!open_before.contains(fd)) left_open += " " + std::to_string(fd);
    }
    EXPECT_EQ(left_open, "")
        << "with " << free << " descriptor(s) free when the pool made its worker, descriptors "
        << "it opened stayed open after it was gone: when a call that opens descriptors "
           "(socketpair, pipe) is refused, close what the earlier calls for that worker opened";
  }
}

// Pins map()'s "rethrows the error of the first failed one": that very exception, so a process
// the system refuses reaches map()'s caller as the std::system_error the task's future holds,
// not as a std::runtime_error made from its what(). A pool that forked its worker before
// fork() was refused runs the task instead.
TEST(ProcessPool, MapRethrowsTheFailureItself) {
  ProcessPool pool(1, Tasks());
  std::exception_ptr failure;
  int refused = 0;
  {
    const testing::RefusedForks no_process;
    try {
      pool.map("echo", {"no process"});
    } catch (...) {
      failure = std::current_exception();
    }
    refused = no_process.Refused();
  }
  // Read once the pool's threads are joined (see MapRethrowsTheFirstFailureInArgumentOrder).
  pool.shutdown();
  if (refused == 0) {
    EXPECT_FALSE(failure) << "map() threw although its worker was forked before fork() failed";
    return;
  }
  ASSERT_TRUE(failure) << "map() returned a value although fork() failed " << refused
                       << " times and no worker could run its task";
  try {
    std::rethrow_exception(failure);
  } catch (const std::system_error& error) {
    EXPECT_EQ(error.code().value(), EAGAIN) << error.what();
  } catch (const std::exception& error) {
    ADD_FAILURE() << "map() threw \"" << error.what() << "\", which is no std::system_error, "
                  << "while the task's future held one: let the future's own exception out "
                  << "(future.get() rethrows it), rather than a new exception made from its "
                  << "what()";
  }
}

// Pins "If the operating system refuses a pipe or a process, the future holds that
// std::system_error, and the descriptors opened for the worker that could not start are
// closed; the next task that needs a worker tries again": while every fork() fails with EAGAIN
// (as when the user may start no more processes), a pool whose worker is first needed cannot
// start it; once fork() works again, the pool must start a worker for the next task. When the
// pool is gone, no descriptor it opened is left.
TEST(ProcessPool, AProcessTheSystemRefusesFailsTheFutureWithItsSystemError) {
  const std::set<int> open_before = OpenDescriptors();
  std::optional<ProcessPool> pool(std::in_place, 1, Tasks());
  std::shared_future<std::string> shared;
  bool ready = false;
  int refused = 0;
  {
    const testing::RefusedForks no_process;
    try {
      std::future<std::string> future = pool->submit("echo", "no process");
      // Read through a shared_future that outlives the reading (see Wait()).
      if (future.valid()) shared = future.share();
    } catch (const std::exception& error) {
      ADD_FAILURE() << "submit() threw \"" << error.what()
                    << "\" while fork() failed: submit() only queues the task, and the error "
                       "of a worker that cannot be started belongs in the task's future";
    }
    ready = shared.valid() && shared.wait_for(Units(50)) == std::future_status::ready;
    refused = no_process.Refused();
  }
  ASSERT_TRUE(ready) << "the task's future was not ready although fork() failed " << refused
                     << " times: when fork() returns -1, fail the job's future with the error "
                        "instead of waiting for a worker that does not exist (or trying again "
                        "for ever)";
  try {
    // A pool that forked its worker before fork() was refused runs the task.
    const std::string value = shared.get();
    EXPECT_EQ(refused, 0) << "fork() failed " << refused << " times, yet the task returned \""
                          << value << "\": a task runs only in a worker process, never in this one";
  } catch (const std::system_error& error) {
    EXPECT_EQ(error.code().value(), EAGAIN)
        << "the std::system_error must carry the errno of the call that failed (EAGAIN: no "
           "process available), not another: "
        << error.what();
  } catch (const std::exception& error) {
    // A message with the system's text: the failure was seen, and thrown as the wrong type.
    const bool seen =
        std::string_view(error.what()).find(std::strerror(EAGAIN)) != std::string_view::npos;
    ADD_FAILURE() << "the future holds an exception that is no std::system_error: \""
                  << error.what() << "\". "
                  << (seen ? "The text of the error alone loses its code, which the caller "
                             "reads: throw std::system_error(errno, std::generic_category(), "
                             "\"fork\"), which carries both"
                           : "fork() returns -1 when it fails: check for it, and throw "
                             "std::system_error(errno, std::generic_category(), \"fork\") "
                             "before treating the result as a worker's pid");
  }
  EXPECT_EQ(Value(pool->submit("echo", "again")), "again")
      << "once fork() works again, the pool must start a worker for the next task: does the "
         "worker that failed to start still count as one of the max_workers?";
  pool.reset();
  std::string left_open;
  for (const int fd : OpenDescriptors()) {
    if (!open_before.contains(fd)) left_open += " " + std::to_string(fd);
  }
  EXPECT_EQ(left_open, "") << "descriptors still open after the pool was destroyed: when fork() "
                              "fails, close both ends of the socket (or pipes) made for the "
                              "worker that never started, before throwing";
}

// Pins "shutdown() ends the worker processes and waits for each of them" with two pools alive
// at once: the second pool's worker, forked while the first pool's worker runs, must not keep
// that worker's socket open, or the first pool's shutdown waits for a worker that never reads
// end of file.
TEST(ProcessPool, ShutsDownWhileAnotherPoolHasAWorker) {
  ProcessPool first(1, Tasks());
  EXPECT_EQ(Value(first.submit("echo", "first")), "first");
  ProcessPool second(1, Tasks());
  EXPECT_EQ(Value(second.submit("echo", "second")), "second");
  FinishesWithin(Units(50), "shutdown() of one pool while another pool has a worker",
                 "A worker inherits, at its fork, every socket end the program holds, those of "
                 "other pools too: does each new worker close the parent's end of every worker "
                 "of every pool (one list for the whole program, under one mutex), or only "
                 "those of its own pool?",
                 [&] { first.shutdown(); });
  second.shutdown();
}

// Pins "a program this process starts inherits none of the pool's sockets": a program started
// while a worker lives (here /bin/sleep, through posix_spawn) must not hold the pool's end of
// that worker's socket; if it did, the worker would read no end of file while the program runs,
// and shutdown() would wait for it.
TEST(ProcessPool, AProgramThisProcessStartsInheritsNoSocket) {
  ProcessPool pool(1, Tasks());
  EXPECT_EQ(Value(pool.submit("echo", "x")), "x");
  const std::set<std::string> pools_sockets = OpenSockets("self");
  char program_name[] = "/bin/sleep";
  char seconds[] = "60";
  char* arguments[] = {program_name, seconds, nullptr};
  pid_t program = 0;
  ASSERT_EQ(::posix_spawn(&program, program_name, nullptr, nullptr, arguments, environ), 0);
  // posix_spawn returns once the program runs: what it holds now, it inherited.
  std::string inherited;
  for (const std::string& socket : OpenSockets(std::to_string(program))) {
    if (pools_sockets.contains(socket)) inherited += " " + socket;
  }
  EXPECT_EQ(inherited, "")
      << "a program this process started (/bin/sleep) holds the pool's end of a worker's "
         "socket: make the sockets close-on-exec, socketpair(AF_UNIX, SOCK_STREAM | "
         "SOCK_CLOEXEC, 0, ends), so that no program started by system(), popen() or "
         "posix_spawn() keeps a worker from reading end of file";
  FinishesWithin(Units(50), "shutdown() while a program this process started runs",
                 "Does the program this process started hold the pool's end of the worker's "
                 "socket? Then the worker reads no end of file until that program ends: make "
                 "the sockets close-on-exec (SOCK_CLOEXEC)",
                 [&] { pool.shutdown(); });
  ::kill(program, SIGKILL);
  ::waitpid(program, nullptr, 0);
}

void IgnoreSignal(int) {}

// Pins "a blocking call that a signal interrupts is made again": while the tasks run and while
// shutdown() waits, every other thread of this process gets a signal whose handler was
// installed without SA_RESTART, so a recv(), send(), read(), write() or waitpid() it interrupts
// fails with EINTR. The pool must make the call again, not take the worker for dead.
TEST(ProcessPool, ASignalThisProcessHandlesFailsNoTask) {
  struct sigaction ignore = {};
  ignore.sa_handler = IgnoreSignal;
  sigemptyset(&ignore.sa_mask);
  ASSERT_EQ(::sigaction(SIGUSR1, &ignore, nullptr), 0);
  std::atomic<bool> done{false};
  std::thread signaller([&done, self = ::gettid()] {
    while (!done.load()) {
      for (const pid_t thread : testing::ThreadsOfThisProcess()) {
        if (thread != self) ::tgkill(::getpid(), thread, SIGUSR1);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  {
    ProcessPool pool(2, Tasks());
    std::vector<std::future<std::string>> results;
    for (int i = 0; i < 4; ++i) {
      results.push_back(pool.submit("sleep_then_echo", "2 task " + std::to_string(i)));
    }
    for (int i = 0; i < 4; ++i) {
      EXPECT_EQ(Value(std::move(results[i])), "task " + std::to_string(i))
          << "a signal interrupted one of the pool's blocking calls (recv, send, read, write), "
             "which then failed with errno EINTR: that is no dead worker. Make the call again "
             "when it fails with EINTR";
    }
    FinishesWithin(Units(50), "shutdown() while this process handles signals",
                   "A signal interrupted waitpid() or a read, which failed with EINTR: make the "
                   "call again when it fails with EINTR",
                   [&] { pool.shutdown(); });
    EXPECT_EQ(UnreapedChildren(), "")
        << "a signal interrupted waitpid(), which failed with EINTR, and the worker was never "
           "waited for: call waitpid() again when it fails with EINTR";
  }
  done.store(true);
  signaller.join();
  // Not the default action back (it ends the program): a signal sent last may still wait to be
  // delivered to its thread (ThreadSanitizer delivers late), and must then find nothing to do.
  ::signal(SIGUSR1, SIG_IGN);
}

// Pins "closes its end of the dead worker's pipe" with "Thread-safe" and "shutdown() ... waits
// for each of them": a closed descriptor's number is free at once, and another thread's
// socketpair() may get it back. Here every close() of this process returns 2 units late
// (tests/11_process_pool/kept_streams), and the second pool forks its first worker while the
// first pool closes a dead worker's end. A pool that closes that end before it takes the number
// off the list of ends new workers close, and not under the list's mutex, lets the new worker's
// end get the number in between: the late removal then takes the new worker's end off the list
// (a later fork inherits it, and that worker never reads end of file), or the new worker closes
// its own end as the dead one's and exits.
TEST(ProcessPool, ANumberClosedWhileAnotherPoolForksStaysItsNewOwners) {
  constexpr char kUnlistHint[] =
      "A descriptor number is free again as soon as close() returns, and another thread's "
      "socketpair() may get it: does the pool close a dead worker's end first and take it off "
      "the list of ends new workers close afterwards, outside the list's mutex? Take it off the "
      "list and close it in one section under that mutex";
  ProcessPool first(1, Tasks());
  ProcessPool second(1, Tasks());
  EXPECT_EQ(Value(first.submit("echo", "first")), "first");
  {
    const testing::LateCloses late(Units(2));
    std::future<std::string> crashed = first.submit("abort", "");
    FinishesWithin(Units(30), "the first pool closing the socket of its dead worker", kHangHint,
                   [&] {
                     while (late.Closed() == 0) std::this_thread::sleep_for(Units(0.05));
                   });
    std::future<std::string> echoed = second.submit("echo", "second");
    Error(std::move(crashed));
    EXPECT_EQ(Value(std::move(echoed), kUnlistHint), "second") << kUnlistHint;
  }
  // The first pool's next worker must close the second pool's worker's end.
  EXPECT_EQ(Value(first.submit("echo", "again")), "again");
  FinishesWithin(Units(50), "shutdown() of a pool whose worker got a number another pool closed",
                 kUnlistHint, [&] { second.shutdown(); });
  first.shutdown();
}

// Pins "Tasks run in the workers, never in the calling process": every task of a map, the
// last one too, ran in a child of this process.
TEST(ProcessPool, RunsEveryTaskInAWorker) {
  ProcessPool pool(2, Tasks());
  const std::vector<std::string> parents = pool.map("parent_pid", std::vector<std::string>(7));
  for (std::size_t i = 0; i < parents.size(); ++i) {
    EXPECT_EQ(parents[i], std::to_string(::getpid()))
        << "task " << i << " of " << parents.size() << " did not run in a worker process this "
        << "pool forked: every task, also the last one, goes through a worker's pipe";
  }
}

// Pins submit(std::string_view task, ...): the name is the view's characters only, also when
// the view is a prefix of a longer string (it is then not followed by a '\0').
TEST(ProcessPool, TakesTheTaskNameFromTheViewOnly) {
  ProcessPool pool(1, Tasks());
  const std::string names = "echoes abortion";
  const std::string_view echo = std::string_view(names).substr(0, 4);
  const std::string_view abort = std::string_view(names).substr(7, 5);
  EXPECT_EQ(Value(pool.submit(echo, "x")), "x")
      << "submit() with a std::string_view \"echo\" that is the start of \"echoes abortion\" "
         "did not run 'echo': a string_view is not NUL-terminated, so build the name from "
         "its data() AND its size(), never from data() alone";
  const std::string error = Error(pool.submit(abort, ""));
  EXPECT_NE(error.find("while running task 'abort'"), std::string::npos)
      << "got \"" << error << "\": the message must name the task, the view's characters only";
}

// Pins the pool's threads' wait against spurious wake-ups: the first two waits of each thread the
// pool starts end at once with nobody having notified (tests/support/interleave), which POSIX
// and the C++ standard allow. A thread that takes such a wake-up for a job, or for shutdown,
// without checking again (an `if` where a loop or a predicate belongs) pops an empty queue or
// leaves, and the tasks submitted later never run.
TEST(ProcessPool, AThreadWokenForNothingWaitsAgain) {
  std::optional<ProcessPool> pool;
  {
    const testing::SpuriousWakeups spurious(2, testing::SpuriousWakeups::Threads::kNewOnes);
    pool.emplace(2, Tasks());
  }
  // By now each idle thread has had its wake-ups for nothing.
  std::this_thread::sleep_for(Units(1));
  constexpr char kHint[] =
      "A pool thread woke up with nobody having notified (a spurious wake-up, which any wait "
      "may have): does it wait again while the queue is empty and the pool is not stopping? "
      "Wait with a predicate, wait(lock, predicate), not a single wait() and an `if`";
  EXPECT_EQ(Value(pool->submit("echo", "a"), kHint), "a");
  EXPECT_EQ(Value(pool->submit("echo", "b"), kHint), "b");
}

// Pins "Queues `task`": the pool keeps its own copy of the name. The only worker is busy while
// the task waits in the queue, and the caller's string changes in the meantime; a job that keeps
// the caller's std::string_view reads the new characters when the task is finally sent.
TEST(ProcessPool, KeepsItsOwnCopyOfAQueuedTasksName) {
  ProcessPool pool(1, Tasks());
  auto busy = pool.submit("sleep", "1");
  std::string name = "reverse";
  auto queued = pool.submit(name, "abc");
  name.assign("xxxxxxx");
  EXPECT_EQ(Value(std::move(queued)), "cba")
      << "the task's name changed in the caller's string after submit() returned, and the "
         "pool ran what the string said then: submit() takes a std::string_view, which is only "
         "a view of the caller's characters; copy it into a std::string of the queued job";
  Value(std::move(busy));
}

// Pins "submit() ... and shutdown() may be called from any threads at once" with "each
// submitted task runs exactly once" for a shutdown() that begins while submit() is under way:
// the submitting thread sleeps before each mutex lock (tests/support/interleave), and
// shutdown() runs in the sleep before a second lock if submit() takes one. A submit() that
// checks the flag under one lock and queues the task under another then queues it after the
// pool's threads have left: accepted, never run.
TEST(ProcessPool, AShutdownBetweenTheCheckAndThePushLosesNoTask) {
  ProcessPool pool(1, Tasks());
  std::future<std::string> result;
  bool refused = false;
  testing::DuringTheSecondLock(
      Units(3),
      [&] {
        try {
          result = pool.submit("echo", "x");
        } catch (const std::runtime_error&) {
          refused = true;
        }
      },
      [&] {
        FinishesWithin(Units(50), "shutdown() while submit() is under way", ExplainHungShutdown,
                       [&] { pool.shutdown(); });
      });
  if (refused) return;  // shutdown() had begun: refused, as promised
  ASSERT_TRUE(result.valid());
  ASSERT_EQ(result.wait_for(Units(10)), std::future_status::ready)
      << "submit() accepted a task while shutdown() began, and the task never ran: it checked "
         "the stop flag under one lock and queued the task under another, after the pool's "
         "threads had left. Check the flag and push the task under one lock";
  EXPECT_EQ(Value(std::move(result)), "x");
}

// Pins "the pool waits for the dead process" and "waits for each of them" for a program with
// children of its own: the pool waits for its workers by their pids. A child of the test, ended
// before the pool starts, must still be there to be waited for once the pool has shut down;
// wait() or waitpid(-1, ...) reaps it instead, and leaves a worker a zombie. The kernel looks
// at the calling thread's own children first, so such a wait() would reap a worker that is
// already a zombie and go unseen: the worker here ends only a while after its socket closed,
// and the pool's wait() finds the test's child the only one ended.
TEST(ProcessPool, WaitsForItsOwnWorkersOnly) {
  ASSERT_EQ(UnreapedChildren(), "") << "children of the test existed before this test began";
  const pid_t other = ::fork();
  if (other == 0) ::_exit(7);
  ASSERT_GT(other, 0) << "fork() failed";
  siginfo_t ended{};
  ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(other), &ended, WEXITED | WNOWAIT), 0);
  {
    ProcessPool pool(1, Tasks());
    EXPECT_EQ(Value(pool.submit("echo", "x")), "x");
    Error(pool.submit("close_then_exit_later", ""));
    EXPECT_EQ(Value(pool.submit("echo", "y")), "y");
    pool.shutdown();
  }
  int status = 0;
  EXPECT_EQ(::waitpid(other, &status, WNOHANG), other)
      << "the pool waited for a child process of the program that was not one of its workers: "
         "wait() and waitpid(-1, ...) reap any child. Wait for each worker by its own pid: "
         "waitpid(worker_pid, &status, 0)";
  EXPECT_EQ(UnreapedChildren(), "") << "a worker of the pool was left a zombie";
}

// Pins "a task that throws something that is not a std::exception gets a message that names
// the task, and its worker goes on serving".
TEST(ProcessPool, ATaskThrowingSomethingElseFailsItsFutureAndItsWorkerGoesOn) {
  ProcessPool pool(1, Tasks());
  const std::string before = Value(pool.submit("pid", ""));
  const std::string error = Error(pool.submit("throw_int", ""), kEscapedHint);
  EXPECT_NE(error.find("throw_int"), std::string::npos)
      << "got \"" << error << "\": a task that throws something that is not a std::exception "
      << "(here an int) must fail its future with a message that names the task: catch (...) "
         "after catch (const std::exception&) in the worker, and reply with an error";
  EXPECT_EQ(Value(pool.submit("pid", "")), before)
      << "after a task threw an int, the next task ran in another process: the worker must "
         "catch everything a task throws and go on serving, not die of an uncaught exception; "
         "and the pool must replace a worker only when it died (its socket read end of file), "
         "not when it replied with an error";
}

// Pins "forks a replacement" whatever descriptor numbers the replacement's pipe gets: the
// kernel hands out the lowest free ones, so after a crash they are often numbers an earlier,
// closed pipe had. A pool that remembers a closed descriptor (to close it in later workers)
// then closes the new worker's own end.
TEST(ProcessPool, AReplacementWorkerServesWhateverDescriptorsItGets) {
  ProcessPool pool(1, Tasks());
  const int hole = ::dup(STDERR_FILENO);
  ASSERT_GE(hole, 0);
  EXPECT_EQ(Value(pool.submit("echo", "first")), "first");
  // A free number below the pool's own descriptors, for the replacement's pipe to take.
  ::close(hole);
  Error(pool.submit("abort", ""));
  EXPECT_EQ(Value(pool.submit("echo", "after the crash")), "after the crash")
      << "the worker forked after a crash could not serve: does the pool keep, in the list of "
         "descriptors each new worker closes, the descriptor of the worker that died? Once "
         "closed, its number goes to the next pipe, and the new worker closes its own end. "
         "Remove a descriptor from that list when you close it";
}

// Sends this program's stdout to PATH until it goes out of scope, also when the code under test
// throws: GoogleTest's own output must reach the log again.
class StdoutToFile {
 public:
  explicit StdoutToFile(const std::string& path) {
    std::fflush(stdout);
    saved_ = ::dup(STDOUT_FILENO);
    const int file = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (saved_ >= 0 && file >= 0) ok_ = ::dup2(file, STDOUT_FILENO) >= 0;
    if (file >= 0) ::close(file);
  }
  ~StdoutToFile() {
    std::fflush(stdout);
    if (ok_) ::dup2(saved_, STDOUT_FILENO);
    if (saved_ >= 0) ::close(saved_);
  }
  StdoutToFile(const StdoutToFile&) = delete;
  StdoutToFile& operator=(const StdoutToFile&) = delete;
  bool ok() const { return ok_; }

 private:
  int saved_ = -1;
  bool ok_ = false;
};

// Pins "Output this process had written to stdio but not yet flushed when it forks is written
// once": the test's stdout goes to a file, a line without a newline waits in stdio's buffer,
// and the worker flushes its own stdout. The line is written after the pool was made and before
// its first worker is forked ("each when it is first needed"): a flush in the constructor alone
// comes too early.
TEST(ProcessPool, OutputBufferedBeforeAForkIsWrittenOnce) {
  const std::string path =
      ::testing::TempDir() + "process_pool_stdout_" + std::to_string(::getpid());
  const char kLine[] = "written by the test before the pool forked";
  std::string outcome;
  {
    const StdoutToFile redirected(path);
    ASSERT_TRUE(redirected.ok()) << "cannot send stdout to " << path;
    ProcessPool pool(1, Tasks());
    std::fputs(kLine, stdout);
    auto flushed = pool.submit("flush_stdout", "");
    const Outcome result = Wait(flushed);
    outcome = result.ok ? "" : result.text;
  }
  const std::size_t copies = CopiesInFileThenRemoveIt(path, kLine);
  ASSERT_EQ(outcome, "") << "the task that flushes stdout failed";
  EXPECT_EQ(copies, 1u)
      << "a line the test wrote with fputs() before the pool forked (no newline, so it still sat "
         "in stdio's buffer) was written "
      << copies
      << " times: fork() copies the buffer into the worker, which writes it again when it "
         "flushes. Call std::fflush(nullptr) just before each fork(), not once in the "
         "constructor: the workers are forked later, when first needed";
}

// Pins "Output this process had written to stdio ... is written once" for a replacement worker:
// the line waits in stdio's buffer when the pool forks the worker that replaces a crashed one,
// so a flush before the pool's first fork only is not enough.
TEST(ProcessPool, OutputBufferedBeforeAReplacementForkIsWrittenOnce) {
  const std::string path =
      ::testing::TempDir() + "process_pool_stdout_again_" + std::to_string(::getpid());
  const char kLine[] = "written by the test before the replacement worker was forked";
  std::string outcome;
  {
    const StdoutToFile redirected(path);
    ASSERT_TRUE(redirected.ok()) << "cannot send stdout to " << path;
    ProcessPool pool(1, Tasks());
    EXPECT_EQ(Value(pool.submit("echo", "first")), "first");
    Error(pool.submit("abort", ""));
    std::fputs(kLine, stdout);
    auto flushed = pool.submit("flush_stdout", "");
    const Outcome result = Wait(flushed);
    outcome = result.ok ? "" : result.text;
  }
  const std::size_t copies = CopiesInFileThenRemoveIt(path, kLine);
  ASSERT_EQ(outcome, "") << "the task that flushes stdout failed";
  EXPECT_EQ(copies, 1u)
      << "a line the test wrote before the pool forked a replacement for a crashed worker was "
         "written "
      << copies
      << " times: fork() copies stdio's buffers into every worker, the replacements too. Call "
         "std::fflush(nullptr) just before each fork(), not only before the first";
}

// Pins "Output this process had written to stdio ... is written once" for every stdio stream,
// not only stdout: a log file opened with fopen() holds a line in its buffer when the pool forks
// (written after the pool was made), and the worker flushes every stream it has.
TEST(ProcessPool, OutputBufferedInAnyStdioStreamBeforeAForkIsWrittenOnce) {
  const std::string path = ::testing::TempDir() + "process_pool_log_" + std::to_string(::getpid());
  const char kLine[] = "written to a log by the test before the pool forked";
  std::FILE* log = std::fopen(path.c_str(), "w");
  ASSERT_NE(log, nullptr) << "cannot open " << path;
  std::string outcome;
  {
    ProcessPool pool(1, Tasks());
    std::fputs(kLine, log);
    auto flushed = pool.submit("flush_all", "");
    const Outcome result = Wait(flushed);
    outcome = result.ok ? "" : result.text;
  }
  std::fclose(log);
  const std::size_t copies = CopiesInFileThenRemoveIt(path, kLine);
  ASSERT_EQ(outcome, "") << "the task that flushes every stdio stream failed";
  EXPECT_EQ(copies, 1u)
      << "a line the test wrote with fputs() to a file it had opened with fopen() (still in "
         "stdio's buffer when the pool forked) was written "
      << copies
      << " times: fork() copies every stdio buffer into the worker, not only stdout's. Call "
         "std::fflush(nullptr), which flushes them all, just before each fork()";
}

// Pins "the future becomes ready with the task's result" whatever the result says: a result that
// begins like an error mark is still a result. A reply that tells a result from an error by
// what its text begins with ("ERROR: ...") turns such results into errors; say which it is
// apart from the text (a byte of its own before the frame).
TEST(ProcessPool, AResultThatLooksLikeAnErrorIsAResult) {
  ProcessPool pool(1, Tasks());
  const std::vector<std::string> results = {"ERROR: disk full",
                                            "Error: x",
                                            "error: x",
                                            "ERROR",
                                            "ERR x",
                                            "E",
                                            "E:x",
                                            "e",
                                            "!x",
                                            "exception: x",
                                            "FAIL x",
                                            "0",
                                            "1",
                                            "-1",
                                            "",
                                            std::string("\0x", 2),
                                            "\x01x",
                                            "\x15x"};
  for (const std::string& result : results) {
    const Outcome outcome = [&] {
      auto future = pool.submit("echo", result);
      return Wait(future);
    }();
    EXPECT_TRUE(outcome.ok && outcome.text == result)
        << "echo of \"" << result << "\" came back as "
        << (outcome.ok ? "the result \"" : "an error: \"") << outcome.text
        << "\": a reply must say whether it is a result or an error apart from its text (a byte "
           "of its own), or a result that begins like your error mark becomes an error";
  }
}

// Pins "Throws std::runtime_error after shutdown()" and "blocks until every task already
// submitted has finished": while shutdown() waits for a busy worker, a submit() that throws
// must not have queued its task (checked and queued in one locked section).
TEST(ProcessPool, SubmitRefusedWhileShutdownWaitsNeverRuns) {
  const std::string path =
      ::testing::TempDir() + "process_pool_refused_" + std::to_string(::getpid());
  std::remove(path.c_str());
  ProcessPool pool(1, Tasks());
  // The worker forked first: no thread of this test starts or ends while the pool forks.
  Value(pool.submit("pid", ""));
  // Busy long enough for the owner's shutdown() to start and for a submit() to be refused.
  auto busy_worker = pool.submit("sleep", "10");
  std::thread owner([&] { pool.shutdown(); });
  std::vector<std::future<std::string>> accepted;
  int refused = -1;
  const Stopwatch waiting;
  for (int i = 0; refused < 0 && waiting.Elapsed() < Units(30); ++i) {
    try {
      accepted.push_back(pool.submit("append", path + "\ttask " + std::to_string(i)));
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    } catch (const std::runtime_error&) {
      refused = i;
    }
  }
  FinishesWithin(Units(50), "shutdown()", ExplainHungShutdown, [&] { owner.join(); });
  std::map<std::string, int> runs;
  std::ifstream file(path);
  for (std::string line; std::getline(file, line);) ++runs[line];
  std::remove(path.c_str());
  ASSERT_GE(refused, 0) << "submit() went on accepting tasks while shutdown() was waiting for a "
                           "busy worker: shutdown() must set its stopping flag (under the mutex) "
                           "before it waits";
  EXPECT_EQ(runs["task " + std::to_string(refused)], 0)
      << "a task whose submit() threw std::runtime_error still ran: submit() queued it before "
         "checking the stopping flag. Check the flag first, then queue, in one locked section";
  EXPECT_EQ(runs.size() - runs.count("task " + std::to_string(refused)), accepted.size())
      << "every task that submit() accepted must run before shutdown() returns";
}

// Pins "Thread-safe: ... shutdown() may be called from any threads at once": both callers
// return only once every queued task has finished and every worker has been waited for.
TEST(ProcessPool, TwoThreadsShuttingDownAtOnceBothWait) {
  ProcessPool pool(2, Tasks());
  std::vector<std::future<std::string>> results;
  for (int i = 0; i < 4; ++i) results.push_back(pool.submit("sleep", "1"));
  std::atomic<int> returned_early{0};
  FinishesWithin(Units(50), "two shutdown() calls at once",
                 "Do both callers join the same std::threads at the same time? A second "
                 "join() of one thread, racing the first, can hang or crash: join under a "
                 "mutex of its own, only the threads that are still joinable()",
                 [&] {
                   Hammer(2, 1, [&](int) {
                     pool.shutdown();
                     for (auto& result : results) {
                       if (result.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
                         returned_early.fetch_add(1);
                         return;
                       }
                     }
                   });
                 });
  EXPECT_EQ(returned_early.load(), 0)
      << "of two threads calling shutdown() at once, one returned before the queued tasks had "
         "finished: a second caller must wait, like the first, until the workers are joined "
         "(join them under a mutex instead of returning when another call is under way)";
  EXPECT_EQ(UnreapedChildren(), "") << "after both shutdown() calls a worker was left behind";
}

// Pins "Thread-safe: submit() ... and shutdown() may be called from any threads at once": a
// submit() racing the owner's shutdown() either throws std::runtime_error or its task
// finishes before shutdown() returns (under tsan, a "stopping" flag read outside the mutex is
// a reported race).
TEST(ProcessPool, SubmitRacingShutdownEitherThrowsOrRuns) {
  constexpr int kThreads = 3;
  ProcessPool pool(2, Tasks());
  std::vector<std::vector<std::future<std::string>>> accepted(kThreads);
  Hammer(
      kThreads, 300,
      [&](int t) {
        try {
          accepted[t].push_back(pool.submit("echo", std::to_string(t)));
        } catch (const std::runtime_error&) {
          // Refused: shutdown() had begun.
        }
      },
      [&] {
        FinishesWithin(Units(50), "shutdown() while other threads submit", ExplainHungShutdown,
                       [&] { pool.shutdown(); });
      });
  for (int t = 0; t < kThreads; ++t) {
    for (auto& result : accepted[t]) {
      ASSERT_EQ(result.wait_for(std::chrono::seconds(0)), std::future_status::ready)
          << "a task that submit() accepted was not finished after shutdown() had returned: "
             "check the stopping flag and queue the job in one locked section";
      ASSERT_EQ(Value(std::move(result)), std::to_string(t));
    }
  }
}

// Pins "Thread-safe: submit() ... and shutdown() may be called from any threads at once": a
// thread that never synchronised with the owner calls submit() after the owner's shutdown()
// and gets std::runtime_error. Only a sleep orders the two calls, and a sleep is no
// happens-before edge, so under tsan a "stopping" flag read before taking the mutex is a
// reported race on every run, whatever the timing (a flag read under the mutex is not).
TEST(ProcessPool, SubmitFromAnotherThreadAfterShutdownThrows) {
  ProcessPool pool(1, Tasks());
  const Duration wait_for_shutdown = Units(3);
  const Duration shutdown_limit = Units(50);
  bool refused = false;
  std::thread submitter([&] {
    std::this_thread::sleep_for(wait_for_shutdown);
    try {
      pool.submit("echo", "late");
    } catch (const std::runtime_error&) {
      refused = true;
    }
  });
  FinishesWithin(shutdown_limit, "shutdown()", ExplainHungShutdown, [&] { pool.shutdown(); });
  submitter.join();
  EXPECT_TRUE(refused) << "submit() from another thread after shutdown() must throw "
                          "std::runtime_error: read the stopping flag under the mutex that "
                          "shutdown() holds when it sets it, then queue the job in the same "
                          "locked section";
}

// Pins shutdown() "ends the worker processes and waits for each of them": the threads the pool
// started in this process are gone too when it returns.
TEST(ProcessPool, ShutdownLeavesNoThreadRunning) {
  const ThreadCensus census;
  ProcessPool pool(3, Tasks());
  pool.map("sleep", std::vector<std::string>(3, "0.5"));
  FinishesWithin(Units(50), "shutdown()", ExplainHungShutdown, [&] { pool.shutdown(); });
  EXPECT_TRUE(census.NoThreadLeftRunning("ProcessPool::shutdown()"))
      << "threads the pool started were still running after shutdown() returned: join every "
         "thread the pool started, do not detach them";
}

// Pins "while no task is pending, the threads the pool keeps in this process sleep until there
// is work: they neither spin nor poll". A thread that polls the queue (a sleep_for, or a wait_for
// with a timeout, in a loop) spends its idle time in a call that ends by itself, whatever its
// period, and a short period also wakes it hundreds of times a second; one that spins (yield)
// is runnable all the time.
TEST(ProcessPool, IdleThreadsSleep) {
  const ThreadCensus census;
  ProcessPool pool(3, Tasks());
  pool.map("sleep", std::vector<std::string>(3, "0.2"));
  const std::set<pid_t> threads = census.NewThreads();
  std::this_thread::sleep_for(Units(0.5));
  const IdleMeter meter(threads);
  EXPECT_TRUE(NeverWaitedWithATimeout(threads, "an idle thread of the pool", Units(3)))
      << "Wait on the condition variable without a timeout (wait(lock, predicate), not "
         "wait_for); submit() and shutdown() notify it, so it never needs to look";
  EXPECT_TRUE(meter.StayedAsleep("an idle thread of the pool"))
      << "Wait on the condition variable without a timeout; submit() and shutdown() notify it";
}

THREADKATA_PROP(ProcessPool, EveryFutureHoldsItsOwnTasksOutcome, ()) {
  const auto workers = *rc::gen::inRange<std::size_t>(1, 5);
  const auto jobs = *rc::gen::container<std::vector<std::pair<int, std::string>>>(
      *rc::gen::inRange<std::size_t>(0, 9),
      rc::gen::pair(rc::gen::inRange(0, 3),
                    rc::gen::container<std::string>(*rc::gen::inRange<std::size_t>(0, 20),
                                                    rc::gen::arbitrary<char>())));
  static const char* const kNames[] = {"echo", "reverse", "throw"};

  ProcessPool pool(workers, Tasks());
  std::vector<std::future<std::string>> results;
  for (const auto& [kind, argument] : jobs) results.push_back(pool.submit(kNames[kind], argument));
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    const auto& [kind, argument] = jobs[i];
    const Outcome outcome = Wait(results[i]);
    if (kind == 2) {
      if (outcome.ok) {
        RC_FAIL("task " + std::to_string(i) + " ('throw') returned \"" + outcome.text +
                "\" instead of failing: send the task's error back and throw it from the future");
      }
      // what() is a C string: the task's message ends at the argument's first '\0'.
      const std::string message = ("cannot handle " + argument).c_str();
      if (outcome.text != message) {
        RC_FAIL("task " + std::to_string(i) + " ('throw') failed with \"" + outcome.text +
                "\" instead of \"" + message +
                "\": its future must hold its own task's error message, every byte of it");
      }
    } else {
      const std::string expected =
          kind == 0 ? argument : std::string(argument.rbegin(), argument.rend());
      if (!outcome.ok) {
        RC_FAIL("task " + std::to_string(i) + " ('" + kNames[kind] + "') failed: " + outcome.text);
      }
      if (outcome.text != expected) {
        RC_FAIL("task " + std::to_string(i) + " ('" + kNames[kind] +
                "') returned another result than its own: does each future get the reply to "
                "its own request, with every byte (arguments may hold '\\0' and newlines)?");
      }
    }
  }
}

}  // namespace
}  // namespace threadkata
