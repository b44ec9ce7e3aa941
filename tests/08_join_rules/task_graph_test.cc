// Lesson 08 tests: safe_join (joining twice, joining yourself) and a task graph that runs each
// task after its prerequisites and rejects a circle of waits before anything starts.

#include "katas/08_join_rules/task_graph.h"

#include <sys/types.h>

#include <algorithm>
#include <cstddef>
#include <future>
#include <latch>
#include <numeric>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "tests/support/blocking_call/blocking_call.h"
#include "tests/support/deadline.h"
#include "tests/support/event_log.h"
#include "tests/support/property.h"
#include "tests/support/thread_census.h"
#include "tests/support/thread_identity.h"
#include "tests/support/time_unit.h"

namespace threadkata {
namespace {

using testing::EventLog;
using testing::FinishesWithin;
using testing::LingerAtThreadExit;
using testing::Stopwatch;
using testing::ThreadCensus;
using testing::ThreadIdentities;
using testing::TookAtLeast;
using testing::TookLessThan;
using testing::Units;

// Joins a thread the test started if the code under test left it joinable, so that a wrong
// safe_join fails an expectation instead of ending the program with std::terminate.
class JoinAtExit {
 public:
  explicit JoinAtExit(std::thread& thread) : thread_(thread) {}
  ~JoinAtExit() {
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::thread& thread_;
};

TEST(SafeJoin, JoinsARunningThreadAndSeesWhatItDid) {
  int effect = 0;
  const Stopwatch stopwatch;
  std::thread thread([&] {
    std::this_thread::sleep_for(Units(1));
    effect = 42;
  });
  JoinAtExit cleanup(thread);
  const bool joined = FinishesWithin(Units(30), "safe_join on a running thread",
                                     "safe_join must return once the thread has ended",
                                     [&] { return safe_join(thread); });
  EXPECT_TRUE(joined) << "the thread was running, so safe_join must join it and return true";
  ASSERT_FALSE(thread.joinable()) << "safe_join left the thread joinable: call thread.join()";
  EXPECT_TRUE(TookAtLeast(stopwatch.Elapsed(), Units(1)))
      << "safe_join returned before the thread ended: join() waits for it, detach() does not";
  EXPECT_EQ(effect, 42) << "after safe_join everything the thread did must be visible: join it";
}

TEST(SafeJoin, JoiningTwiceReturnsFalseWhereStdThreadThrows) {
  std::thread thread([] {});
  JoinAtExit cleanup(thread);
  ASSERT_TRUE(safe_join(thread)) << "a started thread that nobody joined must be joined: "
                                    "safe_join must return true";
  bool joined_again = true;
  EXPECT_NO_THROW(joined_again = safe_join(thread))
      << "std::thread::join() on a thread that was already joined throws std::system_error "
         "(invalid_argument): check thread.joinable() before joining";
  EXPECT_FALSE(joined_again) << "there was nothing left to join, so safe_join must return false";

  std::thread never_started;
  bool joined_nothing = true;
  EXPECT_NO_THROW(joined_nothing = safe_join(never_started))
      << "a default-constructed std::thread has no thread to join: check joinable() first";
  EXPECT_FALSE(joined_nothing) << "a std::thread that never started has nothing to join";
}

TEST(SafeJoin, JoiningItselfIsReportedInsteadOfWaitingForever) {
  std::promise<std::thread*> handle;
  std::optional<std::error_code> reported;
  std::thread thread([&reported, self = handle.get_future()]() mutable {
    try {
      safe_join(*self.get());
    } catch (const std::system_error& error) {
      reported = error.code();
    }
  });
  handle.set_value(&thread);
  FinishesWithin(Units(30), "a thread calling safe_join on its own std::thread",
                 "a thread that joins itself waits for itself forever: compare thread.get_id() "
                 "with std::this_thread::get_id() before waiting",
                 [&] { thread.join(); });
  ASSERT_TRUE(reported.has_value())
      << "safe_join on the calling thread's own std::thread must throw std::system_error, not "
         "return: nothing can be joined, and waiting would never end";
  EXPECT_TRUE(*reported == std::errc::resource_deadlock_would_occur)
      << "a self-join must be reported as std::errc::resource_deadlock_would_occur, got: "
      << reported->message();
}

// A task that records "start <name>" and "finish <name>" on `log`, busy for `work` between.
Task Recorded(EventLog& log, const std::string& name, std::vector<std::string> prerequisites,
              testing::Duration work = Units(0.05)) {
  return Task{name, std::move(prerequisites), [&log, name, work] {
                log.Record("start " + name);
                std::this_thread::sleep_for(work);
                log.Record("finish " + name);
              }};
}

// A task that records its start, waits at `meeting` until the other tasks of the meeting have
// arrived too, then records its finish.
Task Meeting(EventLog& log, std::latch& meeting, const std::string& name,
             std::vector<std::string> prerequisites) {
  return Task{name, std::move(prerequisites), [&log, &meeting, name] {
                log.Record("start " + name);
                meeting.arrive_and_wait();
                log.Record("finish " + name);
              }};
}

// Runs the graph on a helper thread and ends the test program with a message if it hangs.
void RunGuarded(const std::vector<Task>& tasks) {
  FinishesWithin(Units(60), "run_task_graph",
                 "Tasks that wait for each other in a circle (check for cycles before any thread "
                 "starts), a prerequisite that never finishes, tasks that must meet run one "
                 "after another, or a finished task that woke only one of the tasks waiting for "
                 "it (notify_one where several wait: notify_all)?",
                 [&] { run_task_graph(tasks); });
}

// What is wrong with the order of `log`, or "" if every task started once, finished once, and
// started only after all its prerequisites had finished.
std::string OrderProblem(const std::vector<Task>& tasks, const EventLog& log) {
  const std::vector<std::string> events = log.Events();
  const auto position = [&](const std::string& event) {
    return std::find(events.begin(), events.end(), event) - events.begin();
  };
  for (const Task& task : tasks) {
    for (const std::string what : {"start ", "finish "}) {
      const auto times = std::count(events.begin(), events.end(), what + task.name);
      if (times != 1) {
        return "task " + task.name + " ran " + std::to_string(times) +
               " times: every task must run exactly once";
      }
    }
    for (const std::string& before : task.prerequisites) {
      if (position("finish " + before) > position("start " + task.name)) {
        return "task " + task.name + " started before its prerequisite " + before +
               " finished: a task must wait for all its prerequisites";
      }
    }
  }
  return "";
}

// What is wrong with the cycle `error` reports for `tasks`, or "" if it is a real one.
std::string CycleProblem(const std::vector<Task>& tasks, const CycleError& error) {
  const std::vector<std::string>& cycle = error.cycle();
  if (cycle.size() < 2 || cycle.front() != cycle.back()) {
    return "cycle() must list the tasks on the circle and end with the first one again";
  }
  for (std::size_t i = 0; i + 1 < cycle.size(); ++i) {
    const auto task =
        std::find_if(tasks.begin(), tasks.end(), [&](const Task& t) { return t.name == cycle[i]; });
    if (task == tasks.end() ||
        std::count(task->prerequisites.begin(), task->prerequisites.end(), cycle[i + 1]) == 0) {
      return cycle[i] + " does not wait for " + cycle[i + 1] +
             ": each task in cycle() must wait for the next one";
    }
    if (std::string_view(error.what()).find(cycle[i]) == std::string_view::npos) {
      return "the message does not name " + cycle[i] + ": throw CycleError(cycle)";
    }
  }
  return "";
}

TEST(TaskGraph, RunsEachTaskAfterItsPrerequisites) {
  EventLog log;
  // a, then b and c, then d; listed backwards, so running them in list order is wrong.
  const std::vector<Task> tasks = {Recorded(log, "d", {"b", "c"}), Recorded(log, "c", {"a"}),
                                   Recorded(log, "b", {"a"}), Recorded(log, "a", {})};
  RunGuarded(tasks);
  EXPECT_EQ(OrderProblem(tasks, log), "") << "events: " << log.ToString();
}

// Pins "`body` runs once, after every task named in `prerequisites` finished": finished as
// after a join, so everything a prerequisite's body wrote is visible to the bodies that waited
// for it. Each task of a chain reads a plain value the one before it wrote, and the last task
// reads all of them; nothing but run_task_graph orders the two. A wait that does not
// synchronise (a flag stored and loaded with std::memory_order_relaxed) reads a stale value,
// or races, which ThreadSanitizer reports.
TEST(TaskGraph, ATaskSeesEverythingItsPrerequisitesWrote) {
  constexpr int kChain = 8;
  std::vector<long> written(kChain, 0);
  std::vector<long> seen(kChain + 1, -1);
  std::vector<Task> tasks;
  std::vector<std::string> all;
  for (int i = 0; i < kChain; ++i) {
    std::vector<std::string> before;
    if (i > 0) before.push_back("t" + std::to_string(i - 1));
    tasks.push_back(Task{"t" + std::to_string(i), before, [&written, &seen, i] {
                           seen[i] = i > 0 ? written[i - 1] : 0;
                           written[i] = seen[i] + 1;
                         }});
    all.push_back("t" + std::to_string(i));
  }
  tasks.push_back(Task{"last", all, [&written, &seen] {
                         long sum = 0;
                         for (const long value : written) sum += value;
                         seen[kChain] = sum;
                       }});
  RunGuarded(tasks);
  for (int i = 0; i < kChain; ++i) {
    EXPECT_EQ(seen[i], i) << "task t" << i << " read " << seen[i] << " where its prerequisite t"
                          << i - 1 << " had written " << i << ": what a task wrote must be "
                          << "visible to the tasks that waited for it (a relaxed flag is not "
                          << "enough: release it and acquire it, or wait on a future)";
  }
  EXPECT_EQ(seen[kChain], kChain * (kChain + 1) / 2)
      << "the task waiting for all of the chain did not see every value they wrote";
}

TEST(TaskGraph, TasksThatDoNotWaitForEachOtherRunAtTheSameTime) {
  EventLog log;
  std::latch meeting(2);
  const std::vector<Task> tasks = {Recorded(log, "a", {}), Meeting(log, meeting, "b", {"a"}),
                                   Meeting(log, meeting, "c", {"a"}),
                                   Recorded(log, "d", {"b", "c"})};
  FinishesWithin(Units(60), "a graph whose tasks b and c wait for each other at a latch",
                 "b and c both wait only for a, so they must run at the same time: start every "
                 "task on its own thread, and let each one wait for its own prerequisites",
                 [&] { run_task_graph(tasks); });
  EXPECT_EQ(OrderProblem(tasks, log), "") << "events: " << log.ToString();
}

// Pins "tasks that do not wait for each other run at the same time" across depths: a (no
// prerequisite) and c (after b) meet at a latch. Running the graph in waves, each level's
// threads joined before the next level starts, keeps c from starting while a waits for it.
TEST(TaskGraph, TasksAtDifferentDepthsRunAtTheSameTime) {
  EventLog log;
  std::latch meeting(2);
  const std::vector<Task> tasks = {Meeting(log, meeting, "a", {}), Recorded(log, "b", {}),
                                   Meeting(log, meeting, "c", {"b"})};
  FinishesWithin(Units(60), "a graph whose tasks a and c (after b) wait for each other at a latch",
                 "a waits for nothing and c only for b, so once b has finished they must run at "
                 "the same time: start every task on its own thread and let each one wait for "
                 "its own prerequisites, rather than run the graph level by level (a wave's "
                 "threads joined before the next wave starts)",
                 [&] { run_task_graph(tasks); });
  EXPECT_EQ(OrderProblem(tasks, log), "") << "events: " << log.ToString();
}

// Pins "after every task named in prerequisites finished" for a prerequisite named twice: the
// task waits for it once, and runs once.
TEST(TaskGraph, APrerequisiteNamedTwiceIsWaitedForOnce) {
  EventLog log;
  const std::vector<Task> tasks = {Recorded(log, "a", {}), Recorded(log, "b", {"a", "a"})};
  FinishesWithin(Units(60), "a graph where b names its prerequisite a twice",
                 "b names a twice: does b wait for a count of finished prerequisites that a "
                 "reaches only once (a set of dependents, or a latch counted per name)? Count "
                 "the names b lists, or wait for each name's task to have finished",
                 [&] { run_task_graph(tasks); });
  EXPECT_EQ(OrderProblem(tasks, log), "") << "events: " << log.ToString();
}

// More tasks than this machine has cores, and never fewer than 16.
int ManyTasks() {
  return std::max(16, 2 * static_cast<int>(std::thread::hardware_concurrency()) + 1);
}

// Promise: "tasks that do not wait for each other run at the same time", each "on its own
// thread": many independent tasks meet at a latch, which only all of them at once can pass.
TEST(TaskGraph, IndependentTasksAllRunAtOnceEachOnItsOwnThread) {
  const int count = ManyTasks();
  std::optional<ThreadIdentities> identities;
  std::latch all_running(count);
  std::vector<Task> tasks;
  for (int i = 0; i < count; ++i) {
    tasks.push_back(Task{"t" + std::to_string(i), {}, [&, i] {
                           identities->Ran(i);
                           all_running.arrive_and_wait();
                         }});
  }
  FinishesWithin(Units(20), "run_task_graph of independent tasks that wait for each other",
                 "tasks that do not wait for each other must all run at the same time, each on "
                 "its own thread: start a thread for every task before waiting for any",
                 [&] {
                   identities.emplace();
                   run_task_graph(tasks);
                 });
  EXPECT_TRUE(identities->EachRanOnceOnItsOwnThread(count))
      << "every task of the graph gets a thread of its own, never the caller's";
}

// Promise: every task runs "on its own thread", also a lone task and tasks at the end of a
// chain, which could be run on the caller's thread once their prerequisites are done.
// Pins "A task starts only after all its prerequisites have finished", however long they take:
// while a prerequisite is held, every thread run_task_graph started waits with no time limit. A
// wait with a timeout, however long, lets the tasks after it start once it has passed.
TEST(TaskGraph, ATaskWaitsForItsPrerequisitesWithNoTimeLimit) {
  const std::set<pid_t> before = testing::ThreadsOfThisProcess();
  std::latch slow_began(1);
  std::latch release(1);
  const std::vector<Task> tasks = {
      {"slow",
       {},
       [&] {
         slow_began.count_down();
         release.wait();
       }},
      {"after", {"slow"}, [] {}},
      {"last", {"after", "slow"}, [] {}},
  };
  auto running = std::async(std::launch::async, [&] { run_task_graph(tasks); });
  slow_began.wait();
  // Time for the tasks after "slow" to begin waiting.
  std::this_thread::sleep_for(Units(0.5));
  std::set<pid_t> started;
  for (const pid_t thread : testing::ThreadsOfThisProcess()) {
    if (!before.contains(thread)) started.insert(thread);
  }
  const ::testing::AssertionResult untimed = testing::NeverWaitedWithATimeout(
      started, "the threads of run_task_graph while a prerequisite runs", Units(2));
  release.count_down();
  FinishesWithin(Units(30), "run_task_graph once its slow task is released",
                 "Does every task wait for its prerequisites, and each one finish?",
                 [&] { running.get(); });
  EXPECT_TRUE(untimed)
      << "a task waited for its prerequisites with a time limit: however long, it lets the task "
         "start before its prerequisites have finished once it has passed. Wait with no "
         "timeout (a latch's wait(), a future's wait(), join())";
}

TEST(TaskGraph, NoTaskRunsOnTheCallersThread) {
  for (const int length : {1, 3}) {
    std::optional<ThreadIdentities> identities;
    std::vector<Task> tasks;
    for (int i = 0; i < length; ++i) {
      std::vector<std::string> before;
      if (i > 0) before.push_back("t" + std::to_string(i - 1));
      tasks.push_back(Task{"t" + std::to_string(i), before, [&, i] { identities->Ran(i); }});
    }
    FinishesWithin(Units(60), "run_task_graph of a chain of tasks",
                   "a chain must run: each task waits for the one before it", [&] {
                     identities.emplace();
                     run_task_graph(tasks);
                   });
    EXPECT_TRUE(identities->EachRanOnceOffCaller(length))
        << "a chain of " << length << " task(s): run each task on a thread of its own, never on "
        << "the thread that called run_task_graph";
  }
}

// Promise: "returns when all have finished": no thread of the call is left running.
TEST(TaskGraph, NoThreadIsLeftRunningWhenItReturns) {
  // Each thread stays alive one unit after its task: join() waits for that, nothing else does.
  const auto linger = [] { LingerAtThreadExit(Units(1)); };
  const std::vector<Task> tasks = {Task{"a", {}, linger}, Task{"b", {"a"}, linger},
                                   Task{"c", {"a"}, linger}, Task{"d", {"b", "c"}, linger}};
  const ThreadCensus census;
  RunGuarded(tasks);
  EXPECT_TRUE(census.NoThreadLeftRunning("run_task_graph"));
}

TEST(TaskGraph, RunsNothingForNoTasks) {
  const ThreadCensus census;
  RunGuarded({});
  EXPECT_TRUE(census.NoThreadLeftRunning("run_task_graph of no tasks"));
}

// Pins "checks the whole graph ... in time proportional to the number of tasks and
// prerequisites": 80 tasks, each waiting for the two before it, can be reached along about
// 10^16 paths. A check that marks a task done and skips it from then on visits each task once;
// one that walks a task again each time it is reached never ends.
TEST(TaskGraph, ChecksALargeGraphVisitingEachTaskOnce) {
  constexpr int kTasks = 80;
  EventLog log;
  std::vector<Task> tasks;
  for (int i = 0; i < kTasks; ++i) {
    std::vector<std::string> before;
    for (int j = std::max(0, i - 2); j < i; ++j) before.push_back("t" + std::to_string(j));
    tasks.push_back(
        Recorded(log, "t" + std::to_string(i), std::move(before), testing::Duration::zero()));
  }
  FinishesWithin(Units(60), "run_task_graph on 80 tasks, each waiting for the two before it",
                 "Does the cycle check walk a task again each time it is reached? Mark a task "
                 "done once its prerequisites are checked, and skip it from then on.",
                 [&] { run_task_graph(tasks); });
  EXPECT_EQ(OrderProblem(tasks, log), "") << "events: " << log.ToString();
}

// Pins "in time proportional to the number of tasks and prerequisites" against a check that
// searches afresh from every task: 6000 tasks, each waiting for the 20 after it, with a circle
// of two at the far end. One search finds the circle after about 120,000 steps; a search per
// task ("does it lead back to itself?") takes about 360 million.
TEST(TaskGraph, ChecksALargeGraphInOneSearchNotOnePerTask) {
  constexpr int kTasks = 6000;
  constexpr int kAfter = 20;
  EventLog log;
  std::vector<Task> tasks;
  for (int i = 0; i < kTasks; ++i) {
    std::vector<std::string> before;
    for (int j = i + 1; j <= std::min(kTasks - 1, i + kAfter); ++j) {
      before.push_back("t" + std::to_string(j));
    }
    if (i == kTasks - 1) before.push_back("t" + std::to_string(kTasks - 2));
    tasks.push_back(Recorded(log, "t" + std::to_string(i), std::move(before)));
  }
  const Stopwatch stopwatch;
  bool rejected = false;
  FinishesWithin(Units(60), "run_task_graph on 6000 tasks with a circle at the far end",
                 "Does the cycle check search again from every task? One depth-first search "
                 "that marks each task done visits every task once.",
                 [&] {
                   try {
                     run_task_graph(tasks);
                   } catch (const CycleError&) {
                     rejected = true;
                   }
                 });
  const auto elapsed = stopwatch.Elapsed();
  EXPECT_TRUE(rejected) << "the last two tasks wait for each other: run_task_graph must throw "
                           "CycleError";
  EXPECT_EQ(log.ToString(), "[]") << "the graph was rejected, so no task may run";
  EXPECT_TRUE(TookLessThan(elapsed, Units(5)))
      << "checking 6000 tasks with 120,000 prerequisites took far longer than one pass over "
         "them: does the cycle check start a new search from every task (mark each task done "
         "once all its prerequisites are checked, and never search from or through it again), "
         "or look each prerequisite up by scanning the list of tasks (index them by name in a "
         "map first)?";
}

TEST(TaskGraph, RejectsTwoTasksThatWaitForEachOtherBeforeRunningAnything) {
  EventLog log;
  // y leads to the circle but is not on it.
  const std::vector<Task> tasks = {Recorded(log, "y", {"a"}), Recorded(log, "x", {}),
                                   Recorded(log, "a", {"b"}), Recorded(log, "b", {"a"})};
  try {
    RunGuarded(tasks);
    ADD_FAILURE() << "a waits for b and b waits for a, the seed's circular join: "
                     "run_task_graph must throw CycleError instead of running or skipping them";
  } catch (const CycleError& error) {
    EXPECT_EQ(CycleProblem(tasks, error), "") << "reported: " << error.what();
  }
  EXPECT_EQ(log.ToString(), "[]") << "the graph was rejected, so no task may run, not even x: "
                                     "check the whole graph before you start any thread";
}

// After the circle of two: a graph without any cycle check hangs there first, so a check
// that only misses self-loops is told apart from one that is missing (tools/mistakes).
TEST(TaskGraph, RejectsATaskThatWaitsForItselfBeforeRunningAnything) {
  EventLog log;
  const std::vector<Task> tasks = {Recorded(log, "x", {}), Recorded(log, "a", {"a"})};
  try {
    RunGuarded(tasks);
    ADD_FAILURE() << "a task that lists itself as a prerequisite would wait for itself "
                     "forever: run_task_graph must throw CycleError";
  } catch (const CycleError& error) {
    EXPECT_EQ(error.cycle(), (std::vector<std::string>{"a", "a"}))
        << "a task waiting for itself is the cycle {a, a}";
  }
  EXPECT_EQ(log.ToString(), "[]") << "the graph was rejected, so no task may run: check the "
                                     "whole graph before you start any thread";
}

// Promise: "std::invalid_argument naming the task if ... a prerequisite is not the name of a
// task": the message names the task that waits, and what it waits for.
TEST(TaskGraph, RejectsAPrerequisiteThatIsNotATask) {
  EventLog log;
  const std::vector<Task> tasks = {Recorded(log, "download", {}),
                                   Recorded(log, "write_report", {"download", "resize_photos"})};
  try {
    RunGuarded(tasks);
    ADD_FAILURE() << "write_report waits for 'resize_photos', which is not a task: throw "
                     "std::invalid_argument";
  } catch (const CycleError& error) {
    ADD_FAILURE() << "an unknown prerequisite is not a cycle: " << error.what();
  } catch (const std::invalid_argument& error) {
    const std::string_view what = error.what();
    EXPECT_NE(what.find("write_report"), std::string_view::npos)
        << "the message must name the task that waits for an unknown prerequisite "
           "(write_report), got: "
        << what;
    EXPECT_NE(what.find("resize_photos"), std::string_view::npos)
        << "the message must name the unknown prerequisite (resize_photos), got: " << what;
  } catch (const std::exception& error) {
    ADD_FAILURE() << "run_task_graph threw \"" << error.what()
                  << "\", which is not a std::invalid_argument: look each prerequisite up with "
                     "find() (at() throws std::out_of_range) and throw std::invalid_argument "
                     "naming the task and the prerequisite";
  }
  EXPECT_EQ(log.ToString(), "[]") << "the graph was rejected, so no task may run";
}

// Promise: "std::invalid_argument naming the task if two tasks have the same name", wherever
// the two stand in the list: side by side, or with another task between them.
TEST(TaskGraph, RejectsTwoTasksWithTheSameName) {
  for (const bool side_by_side : {true, false}) {
    EventLog log;
    std::vector<Task> tasks = {Recorded(log, "download", {}), Recorded(log, "resize", {}),
                               Recorded(log, "resize", {"download"})};
    if (!side_by_side) std::swap(tasks[0], tasks[1]);
    const char* const where = side_by_side ? "side by side" : "with another task between them";
    try {
      RunGuarded(tasks);
      ADD_FAILURE() << "two tasks are named resize (" << where << "): a prerequisite "
                    << "\"resize\" could mean either, so throw std::invalid_argument. Compare "
                    << "each name with every name before it (a std::set of the names seen), "
                    << "not only with its neighbour";
    } catch (const CycleError& error) {
      ADD_FAILURE() << "two tasks with one name are not a cycle: " << error.what();
    } catch (const std::invalid_argument& error) {
      EXPECT_NE(std::string_view(error.what()).find("resize"), std::string_view::npos)
          << "the message must name the task whose name is taken twice (resize), got: "
          << error.what();
    }
    EXPECT_EQ(log.ToString(), "[]") << "the graph was rejected, so no task may run";
  }
}

// A random graph without a cycle: task i may wait only for tasks numbered below i.
std::vector<std::vector<int>> GenerateAcyclic(int size) {
  std::vector<std::vector<int>> prerequisites(size);
  for (int i = 1; i < size; ++i) {
    const auto waits = *rc::gen::container<std::vector<bool>>(i, rc::gen::arbitrary<bool>());
    for (int j = 0; j < i; ++j) {
      if (waits[j]) prerequisites[i].push_back(j);
    }
  }
  return prerequisites;
}

// The tasks, listed to run_task_graph in a random order so that list order is no hint.
std::vector<Task> MakeTasks(EventLog& log, const std::vector<std::vector<int>>& prerequisites) {
  const int size = static_cast<int>(prerequisites.size());
  const auto keys = *rc::gen::container<std::vector<int>>(size, rc::gen::arbitrary<int>());
  std::vector<int> order(size);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return keys[a] < keys[b]; });
  const auto name = [](int i) { return "t" + std::to_string(i); };
  std::vector<Task> tasks;
  for (const int i : order) {
    std::vector<std::string> names;
    for (const int j : prerequisites[i]) names.push_back(name(j));
    tasks.push_back(Recorded(log, name(i), std::move(names)));
  }
  return tasks;
}

THREADKATA_PROP(TaskGraph, EveryTaskRunsOnceAfterAllItsPrerequisites, ()) {
  const int size = *rc::gen::inRange(1, 9);
  const auto prerequisites = GenerateAcyclic(size);
  EventLog log;
  const std::vector<Task> tasks = MakeTasks(log, prerequisites);
  RunGuarded(tasks);
  const std::string problem = OrderProblem(tasks, log);
  if (!problem.empty()) RC_FAIL(problem + "; events: " + log.ToString());
}

THREADKATA_PROP(TaskGraph, EveryCycleIsRejectedBeforeAnyTaskRuns, ()) {
  const int size = *rc::gen::inRange(1, 9);
  auto prerequisites = GenerateAcyclic(size);
  // Close a circle through the chosen tasks c0 < c1 < ... < ck: each waits for the one before
  // it and c0 waits for ck. A single chosen task waits for itself.
  const auto chosen = *rc::gen::suchThat(
      rc::gen::container<std::vector<bool>>(size, rc::gen::arbitrary<bool>()),
      [](const std::vector<bool>& c) { return std::count(c.begin(), c.end(), true) > 0; });
  std::vector<int> circle;
  for (int i = 0; i < size; ++i) {
    if (chosen[i]) circle.push_back(i);
  }
  const auto wait = [&](int task, int before) {
    auto& list = prerequisites[task];
    if (std::find(list.begin(), list.end(), before) == list.end()) list.push_back(before);
  };
  for (std::size_t k = 1; k < circle.size(); ++k) wait(circle[k], circle[k - 1]);
  wait(circle.front(), circle.back());

  EventLog log;
  const std::vector<Task> tasks = MakeTasks(log, prerequisites);
  try {
    RunGuarded(tasks);
    RC_FAIL("the graph has a cycle, but run_task_graph returned instead of throwing CycleError");
  } catch (const CycleError& error) {
    const std::string problem = CycleProblem(tasks, error);
    if (!problem.empty()) RC_FAIL(problem + "; reported: " + error.what());
  }
  if (!log.Events().empty()) {
    RC_FAIL(
        "the graph has a cycle, yet some tasks ran: check the whole graph before you start "
        "any thread; events: " +
        log.ToString());
  }
}

}  // namespace
}  // namespace threadkata
