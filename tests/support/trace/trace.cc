// The thread tracer and scheduling noise of the `*_trace` test targets (tools/kata.bzl).
//
// It defines, in the test executable, the pthread entry points that std::thread, std::mutex,
// std::condition_variable and std::this_thread::sleep_for reach, and forwards each call to the
// real one (dlsym(RTLD_NEXT)). The dynamic linker binds libstdc++.so's calls to the
// executable's definitions, so what the library does on the learner's behalf is seen too.
//
// Tracing: every thread gets a lane (0 = main). What each lane did (created, started its task,
// blocked on a mutex or a condition variable, notified, slept, finished, joined, detached),
// the tests' EventLog records and each test's start and end are written as Chrome Trace Event
// JSON (Perfetto, chrome://tracing, tools/timeline) to $THREADKATA_TRACE, or else to
// threadkata_trace.json in $TEST_UNDECLARED_OUTPUTS_DIR. The file is rewritten after every
// test, and when the program aborts or the watchdog ends it (std::_Exit), so a test that
// hangs or terminates is drawn too. Each lane's name comes with its thread's kernel id
// (os_tid), which ThreadSanitizer's reports name ("tid="): tools/timeline runs the tests with
// halt_on_error=0, so a race is reported and the run goes on to the end of its test.
//
// Waits on a futex (std::latch, std::barrier, std::future, atomic wait) are seen through
// syscall(); other blocking system calls (read, waitpid, poll) are not.
//
// Noise: with THREADKATA_NOISE_SEED=S set, a random yield or short sleep is injected at thread
// start, before a lock, after an unlock, before a wait and before a notify, from a
// per-thread generator seeded by S and the lane. The same seed gives every lane the same
// choices again; the operating system's own scheduling is not replayed.

#include <dlfcn.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cinttypes>
#include <csignal>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <string>

#include "gtest/gtest.h"
#include "tests/support/detach_counter.h"
#include "tests/support/interleave/interleave.h"

namespace threadkata::trace {
namespace {

enum class Kind : std::uint8_t {
  kCreate,     // other = the new lane
  kStart,      // the lane's task begins
  kFinish,     // the lane's task returned
  kJoinBegin,  // other = the lane joined
  kJoinEnd,
  kDetach,      // other = the lane detached
  kMutexBegin,  // blocked: the mutex was taken
  kMutexEnd,
  kWaitBegin,  // condition variable wait
  kWaitEnd,
  kFutexBegin,  // std::latch, std::barrier, std::future, atomic wait (a futex wait)
  kFutexEnd,
  kNotifyOne,
  kNotifyAll,
  kSleepBegin,
  kSleepEnd,
  kLog,        // text = an EventLog record
  kTestStart,  // text = Suite.Test
  kTestEnd,    // text = Suite.Test, other = 1 if it passed
};

struct Event {
  std::atomic<bool> ready;
  Kind kind;
  std::int32_t lane;
  std::int32_t other;
  std::int64_t ns;
  std::uintptr_t object;
  char text[96];
};

constexpr std::size_t kCapacity = 1 << 18;
constexpr std::size_t kMaxThreads = 1 << 14;

constinit Event events[kCapacity];
std::atomic<std::size_t> next_event{0};
std::atomic<std::int32_t> next_lane{1};
thread_local std::int32_t my_lane = -1;

// pthread_t of each lane, for join and detach, which name a thread by its pthread_t.
constinit std::atomic<pthread_t> lane_handles[kMaxThreads];
// The kernel's id of each lane's thread, which ThreadSanitizer's reports name ("tid=").
constinit std::atomic<pid_t> lane_os_tids[kMaxThreads];

// The real functions, looked up on first use (calls can come before static initialisation).
#define THREADKATA_REAL(name) \
  static const auto real_##name = threadkata::testing::NextDefinition<decltype(&::name)>(#name)

std::int64_t Now() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

const std::int64_t start_ns = Now();

std::int32_t Lane() {
  if (my_lane < 0) {
    // The first thread to ask is main (static initialisation); later ones were not made
    // through pthread_create here (a runtime's own helper threads).
    static std::atomic<bool> main_taken{false};
    my_lane = main_taken.exchange(true) ? next_lane.fetch_add(1) : 0;
    if (my_lane < static_cast<std::int32_t>(kMaxThreads)) lane_os_tids[my_lane] = gettid();
  }
  return my_lane;
}

void Record(Kind kind, std::int32_t other = -1, const void* object = nullptr,
            const char* text = nullptr, std::size_t length = 0) {
  const std::size_t i = next_event.fetch_add(1, std::memory_order_relaxed);
  if (i >= kCapacity) return;  // counted as dropped when written
  Event& e = events[i];
  e.kind = kind;
  e.lane = Lane();
  e.other = other;
  e.ns = Now() - start_ns;
  e.object = reinterpret_cast<std::uintptr_t>(object);
  length = text == nullptr ? 0 : std::min(length, sizeof e.text - 1);
  if (length > 0) std::memcpy(e.text, text, length);
  e.text[length] = '\0';
  e.ready.store(true, std::memory_order_release);
}

// ---- noise ----

const char* const noise_seed_text = std::getenv("THREADKATA_NOISE_SEED");
const std::uint64_t noise_seed =
    noise_seed_text == nullptr ? 0 : std::strtoull(noise_seed_text, nullptr, 10);

thread_local std::uint64_t noise_state = 0;

std::uint64_t NextRandom() {
  if (noise_state == 0) {
    // splitmix64 of (seed, lane): every lane its own stream, the same for the same seed.
    std::uint64_t z = noise_seed * 0x9E3779B97F4A7C15ULL + static_cast<std::uint64_t>(Lane()) + 1;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    noise_state = (z ^ (z >> 31)) | 1;
  }
  // xorshift64
  noise_state ^= noise_state << 13;
  noise_state ^= noise_state >> 7;
  noise_state ^= noise_state << 17;
  return noise_state;
}

void RealSleepNs(std::int64_t ns) {
  THREADKATA_REAL(nanosleep);
  const timespec ts{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
  real_nanosleep(&ts, nullptr);
}

// Where the noise goes, and the longest sleep there.
enum class Point { kThreadStart, kLock, kUnlock, kWait, kNotify };

void Noise(Point point) {
  if (noise_seed_text == nullptr) return;
  const std::uint64_t r = NextRandom();
  const unsigned percent = r % 100;
  const std::int64_t max_sleep_ns = point == Point::kThreadStart ? 3'000'000 : 500'000;
  const unsigned sleep_percent = point == Point::kThreadStart ? 50 : 5;
  if (percent < sleep_percent) {
    RealSleepNs(static_cast<std::int64_t>((r >> 8) % static_cast<std::uint64_t>(max_sleep_ns)));
  } else if (percent < sleep_percent + 25) {
    sched_yield();
  }
}

// ---- output ----

void JsonString(std::FILE* out, const char* text) {
  std::fputc('"', out);
  for (const char* c = text; *c != '\0'; ++c) {
    const auto u = static_cast<unsigned char>(*c);
    if (u == '"' || u == '\\') {
      std::fprintf(out, "\\%c", u);
    } else if (u < 0x20) {
      std::fprintf(out, "\\u%04x", u);
    } else {
      std::fputc(u, out);
    }
  }
  std::fputc('"', out);
}

struct Shape {
  const char* name;  // "" = built from the event
  char phase;        // B, E or i
};

Shape ShapeOf(Kind kind) {
  switch (kind) {
    case Kind::kCreate:
      return {"create", 'i'};
    case Kind::kStart:
      return {"task", 'B'};
    case Kind::kFinish:
      return {"task", 'E'};
    case Kind::kJoinBegin:
      return {"join", 'B'};
    case Kind::kJoinEnd:
      return {"join", 'E'};
    case Kind::kDetach:
      return {"detach", 'i'};
    case Kind::kMutexBegin:
      return {"blocked on a mutex", 'B'};
    case Kind::kMutexEnd:
      return {"blocked on a mutex", 'E'};
    case Kind::kWaitBegin:
      return {"wait on a condition variable", 'B'};
    case Kind::kWaitEnd:
      return {"wait on a condition variable", 'E'};
    case Kind::kFutexBegin:
      return {"wait on a latch, barrier, future or atomic", 'B'};
    case Kind::kFutexEnd:
      return {"wait on a latch, barrier, future or atomic", 'E'};
    case Kind::kNotifyOne:
      return {"notify one", 'i'};
    case Kind::kNotifyAll:
      return {"notify all", 'i'};
    case Kind::kSleepBegin:
      return {"sleep", 'B'};
    case Kind::kSleepEnd:
      return {"sleep", 'E'};
    case Kind::kLog:
      return {"", 'i'};
    case Kind::kTestStart:
      return {"", 'B'};
    case Kind::kTestEnd:
      return {"", 'E'};
  }
  return {"?", 'i'};
}

const char* KindName(Kind kind) {
  // In the order of Kind.
  static constexpr const char* kNames[] = {"create",     "start",      "finish",      "join_begin",
                                           "join_end",   "detach",     "mutex_begin", "mutex_end",
                                           "wait_begin", "wait_end",   "futex_begin", "futex_end",
                                           "notify_one", "notify_all", "sleep_begin", "sleep_end",
                                           "log",        "test_start", "test_end"};
  static_assert(std::size(kNames) == static_cast<std::size_t>(Kind::kTestEnd) + 1);
  return kNames[static_cast<int>(kind)];
}

bool InDeathTestChild() {
  // gtest's "threadsafe" death tests re-run this program: the child must not overwrite the
  // parent's trace.
  std::FILE* cmdline = std::fopen("/proc/self/cmdline", "r");
  if (cmdline == nullptr) return false;
  std::string args;
  for (int c; (c = std::fgetc(cmdline)) != EOF;) args.push_back(static_cast<char>(c));
  std::fclose(cmdline);
  return args.find("internal_run_death_test") != std::string::npos;
}

const pid_t traced_pid = getpid();

std::string OutputPath() {
  if (const char* path = std::getenv("THREADKATA_TRACE"); path != nullptr && *path != '\0') {
    return path;
  }
  if (const char* dir = std::getenv("TEST_UNDECLARED_OUTPUTS_DIR"); dir != nullptr) {
    return std::string(dir) + "/threadkata_trace.json";
  }
  return "";
}

void Write() {
  // A forked child (lesson 11's workers) and a death test's child keep the parent's file.
  if (getpid() != traced_pid || InDeathTestChild()) return;
  const std::string path = OutputPath();
  if (path.empty()) return;
  // Lesson 10 runs this program again as a child, with the same environment: each process
  // writes its own partial file, and the last to finish a test renames its own over `path`.
  const std::string partial = path + "." + std::to_string(getpid()) + ".partial";
  std::FILE* out = std::fopen(partial.c_str(), "w");
  if (out == nullptr) {
    std::fprintf(stderr, "threadkata trace: cannot write %s: %s\n", partial.c_str(),
                 std::strerror(errno));
    return;
  }
  const std::size_t recorded = next_event.load();
  const std::size_t count = std::min(recorded, kCapacity);
  std::fprintf(out,
               "{\"displayTimeUnit\":\"ms\",\"otherData\":{\"written_at\":%.3f,"
               "\"dropped_events\":%zu",
               static_cast<double>(Now() - start_ns) / 1000.0, recorded - count);
  if (noise_seed_text != nullptr) std::fprintf(out, ",\"noise_seed\":%" PRIu64, noise_seed);
  std::fprintf(out, "},\"traceEvents\":[\n");
  const std::int32_t lanes = next_lane.load();
  for (std::int32_t lane = 0; lane < lanes; ++lane) {
    std::fprintf(out,
                 "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":%d,"
                 "\"args\":{\"name\":\"%s %d\",\"os_tid\":%d}},\n",
                 lane, lane == 0 ? "main" : "thread", lane,
                 lane < static_cast<std::int32_t>(kMaxThreads) ? lane_os_tids[lane].load() : 0);
  }
  bool first = true;
  for (std::size_t i = 0; i < count; ++i) {
    const Event& e = events[i];
    if (!e.ready.load(std::memory_order_acquire)) continue;  // still being written
    const Shape shape = ShapeOf(e.kind);
    if (!first) std::fputs(",\n", out);
    first = false;
    std::fputs("{\"name\":", out);
    JsonString(out, *shape.name != '\0' ? shape.name : e.text);
    std::fprintf(out, ",\"ph\":\"%c\",\"pid\":1,\"tid\":%d,\"ts\":%.3f", shape.phase, e.lane,
                 static_cast<double>(e.ns) / 1000.0);
    if (shape.phase == 'i') {
      std::fputs(e.kind == Kind::kLog ? ",\"s\":\"t\"" : ",\"s\":\"t\",\"cat\":\"thread\"", out);
    }
    std::fprintf(out, ",\"args\":{\"kind\":\"%s\"", KindName(e.kind));
    if (e.other >= 0) std::fprintf(out, ",\"other\":%d", e.other);
    if (e.object != 0) std::fprintf(out, ",\"object\":\"0x%" PRIxPTR "\"", e.object);
    if (e.text[0] != '\0') {
      std::fputs(",\"text\":", out);
      JsonString(out, e.text);
    }
    std::fputs("}}", out);
  }
  std::fputs("\n]}\n", out);
  std::fclose(out);
  std::rename(partial.c_str(), path.c_str());
}

class TestBoundaries : public ::testing::EmptyTestEventListener {
  void OnTestStart(const ::testing::TestInfo& info) override {
    const std::string name = std::string(info.test_suite_name()) + "." + info.name();
    Record(Kind::kTestStart, -1, nullptr, name.data(), name.size());
  }
  void OnTestEnd(const ::testing::TestInfo& info) override {
    const std::string name = std::string(info.test_suite_name()) + "." + info.name();
    Record(Kind::kTestEnd, info.result()->Passed() ? 1 : 0, nullptr, name.data(), name.size());
    Write();
  }
  void OnTestProgramEnd(const ::testing::UnitTest&) override { Write(); }
};

// std::terminate (a joinable std::thread destroyed, an exception escaping a thread) aborts:
// the trace up to then is the most useful one.
void WriteAndAbort(int signal) {
  Write();
  std::raise(signal);  // the handler was reset: this one ends the program
}

const bool registered = [] {
  Lane();  // main is lane 0
  ::testing::UnitTest::GetInstance()->listeners().Append(new TestBoundaries);
  struct sigaction action {};
  action.sa_handler = WriteAndAbort;
  action.sa_flags = SA_RESETHAND;
  sigaction(SIGABRT, &action, nullptr);
  return true;
}();

struct Trampoline {
  void* (*routine)(void*);
  void* arg;
  std::int32_t lane;
};

void* RunTraced(void* raw) {
  const Trampoline t = *static_cast<Trampoline*>(raw);
  std::free(raw);
  my_lane = t.lane;
  if (t.lane < static_cast<std::int32_t>(kMaxThreads)) lane_os_tids[t.lane] = gettid();
  Noise(Point::kThreadStart);
  Record(Kind::kStart);
  void* result = t.routine(t.arg);
  Record(Kind::kFinish);
  return result;
}

std::int32_t LaneOf(pthread_t thread) {
  const std::int32_t lanes = std::min<std::int32_t>(next_lane.load(), kMaxThreads);
  for (std::int32_t lane = lanes - 1; lane >= 0; --lane) {
    if (pthread_equal(lane_handles[lane].load(), thread)) return lane;
  }
  return -1;
}

}  // namespace
}  // namespace threadkata::trace

using namespace threadkata::trace;

// The EventLog hook (tests/support/event_log.cc calls it when it is linked in).
extern "C" void threadkata_trace_log(const char* text, std::size_t length) {
  Record(Kind::kLog, -1, nullptr, text, length);
}

extern "C" int pthread_create(pthread_t* thread, const pthread_attr_t* attr,
                              void* (*routine)(void*), void* arg) {
  THREADKATA_REAL(pthread_create);
  auto* t = static_cast<Trampoline*>(std::malloc(sizeof(Trampoline)));
  if (t == nullptr) return EAGAIN;
  const std::int32_t lane = next_lane.fetch_add(1);
  *t = {routine, arg, lane};
  // Recorded first: the new thread may start (and record) before pthread_create returns.
  Record(Kind::kCreate, lane);
  // Through the interleaving scopes (tests/support/interleave), which this definition replaces.
  const int error =
      threadkata::testing::CreateThread(real_pthread_create, thread, attr, RunTraced, t);
  if (error != 0) {
    std::free(t);
    return error;
  }
  if (lane < static_cast<std::int32_t>(kMaxThreads)) lane_handles[lane].store(*thread);
  return 0;
}

extern "C" int pthread_join(pthread_t thread, void** result) {
  THREADKATA_REAL(pthread_join);
  const std::int32_t lane = LaneOf(thread);
  Record(Kind::kJoinBegin, lane);
  const int error = real_pthread_join(thread, result);
  Record(Kind::kJoinEnd, lane);
  return error;
}

extern "C" int pthread_detach(pthread_t thread) {
  THREADKATA_REAL(pthread_detach);
  Record(Kind::kDetach, LaneOf(thread));
  threadkata::testing::NoteDetach();  // this definition replaces tests/support's counting one
  return real_pthread_detach(thread);
}

extern "C" int pthread_mutex_lock(pthread_mutex_t* mutex) {
  THREADKATA_REAL(pthread_mutex_lock);
  THREADKATA_REAL(pthread_mutex_trylock);
  Noise(Point::kLock);
  threadkata::testing::BeforeMutexLock();
  // Only a lock that has to wait is worth a mark on the timeline.
  const int tried = real_pthread_mutex_trylock(mutex);
  if (tried != EBUSY) return tried;
  Record(Kind::kMutexBegin, -1, mutex);
  const int error = real_pthread_mutex_lock(mutex);
  Record(Kind::kMutexEnd, -1, mutex);
  return error;
}

extern "C" int pthread_mutex_unlock(pthread_mutex_t* mutex) {
  THREADKATA_REAL(pthread_mutex_unlock);
  const int error = real_pthread_mutex_unlock(mutex);
  Noise(Point::kUnlock);
  return error;
}

extern "C" int pthread_cond_wait(pthread_cond_t* cond, pthread_mutex_t* mutex) {
  THREADKATA_REAL(pthread_cond_wait);
  Noise(Point::kWait);
  return threadkata::testing::ConditionWait(cond, mutex, CLOCK_MONOTONIC, nullptr, [&] {
    Record(Kind::kWaitBegin, -1, cond);
    const int error = real_pthread_cond_wait(cond, mutex);
    Record(Kind::kWaitEnd, -1, cond);
    return error;
  });
}

extern "C" int pthread_cond_timedwait(pthread_cond_t* cond, pthread_mutex_t* mutex,
                                      const timespec* deadline) {
  THREADKATA_REAL(pthread_cond_timedwait);
  Noise(Point::kWait);
  return threadkata::testing::ConditionWait(cond, mutex, CLOCK_REALTIME, deadline, [&] {
    Record(Kind::kWaitBegin, -1, cond);
    const int error = real_pthread_cond_timedwait(cond, mutex, deadline);
    Record(Kind::kWaitEnd, -1, cond);
    return error;
  });
}

extern "C" int pthread_cond_clockwait(pthread_cond_t* cond, pthread_mutex_t* mutex, clockid_t clock,
                                      const timespec* deadline) {
  THREADKATA_REAL(pthread_cond_clockwait);
  Noise(Point::kWait);
  return threadkata::testing::ConditionWait(cond, mutex, clock, deadline, [&] {
    Record(Kind::kWaitBegin, -1, cond);
    const int error = real_pthread_cond_clockwait(cond, mutex, clock, deadline);
    Record(Kind::kWaitEnd, -1, cond);
    return error;
  });
}

extern "C" int pthread_cond_signal(pthread_cond_t* cond) {
  THREADKATA_REAL(pthread_cond_signal);
  Noise(Point::kNotify);
  Record(Kind::kNotifyOne, -1, cond);
  return real_pthread_cond_signal(cond);
}

extern "C" int pthread_cond_broadcast(pthread_cond_t* cond) {
  THREADKATA_REAL(pthread_cond_broadcast);
  Noise(Point::kNotify);
  Record(Kind::kNotifyAll, -1, cond);
  return real_pthread_cond_broadcast(cond);
}

extern "C" int nanosleep(const timespec* duration, timespec* remaining) {
  THREADKATA_REAL(nanosleep);
  Record(Kind::kSleepBegin);
  const int result = real_nanosleep(duration, remaining);
  Record(Kind::kSleepEnd);
  return result;
}

extern "C" int clock_nanosleep(clockid_t clock, int flags, const timespec* time,
                               timespec* remaining) {
  THREADKATA_REAL(clock_nanosleep);
  Record(Kind::kSleepBegin);
  const int result = real_clock_nanosleep(clock, flags, time, remaining);
  Record(Kind::kSleepEnd);
  return result;
}

// std::latch, std::barrier, std::counting_semaphore, std::atomic::wait and std::future wait
// on a futex through syscall(SYS_futex, ...), from inline code and from libstdc++.so alike.
extern "C" long syscall(long number, ...) {
  THREADKATA_REAL(syscall);
  va_list list;
  va_start(list, number);
  long args[6];
  for (long& arg : args) arg = va_arg(list, long);
  va_end(list);
  const int command = static_cast<int>(args[1]) & FUTEX_CMD_MASK;
  const bool futex_wait =
      number == SYS_futex && (command == FUTEX_WAIT || command == FUTEX_WAIT_BITSET);
  if (!futex_wait)
    return real_syscall(number, args[0], args[1], args[2], args[3], args[4], args[5]);
  const auto* word = reinterpret_cast<const void*>(args[0]);
  Noise(Point::kWait);
  Record(Kind::kFutexBegin, -1, word);
  const long result = real_syscall(number, args[0], args[1], args[2], args[3], args[4], args[5]);
  const int error = errno;
  Record(Kind::kFutexEnd, -1, word);
  errno = error;
  return result;
}

// The test main's watchdog ends a hung test with std::_Exit, which runs no exit handler.
extern "C" [[noreturn]] void _Exit(int status) {
  THREADKATA_REAL(_Exit);
  Write();
  real__Exit(status);
  __builtin_unreachable();
}
