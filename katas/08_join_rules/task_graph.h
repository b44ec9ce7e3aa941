#ifndef THREADKATA_KATAS_08_JOIN_RULES_TASK_GRAPH_H_
#define THREADKATA_KATAS_08_JOIN_RULES_TASK_GRAPH_H_

// Lesson 08: the rules of join. Joining twice, joining yourself, and threads that wait for
// each other in a circle.

#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace threadkata {

// Python: t.join(), which has no effect on a thread that has already finished.
// Joins `thread` if it can be joined and returns true; everything the thread did is then
// visible to the caller. Returns false and does nothing if there is nothing to join: `thread`
// was already joined, or never started. (std::thread::join() would throw std::system_error
// with std::errc::invalid_argument.)
// A thread that joins itself would wait forever: if `thread` is the calling thread, throws
// std::system_error with std::errc::resource_deadlock_would_occur at once.
bool safe_join(std::thread& thread);

// One task of a graph: `body` runs once, after every task named in `prerequisites` finished
// (a name listed twice is waited for all the same).
struct Task {
  std::string name;
  std::vector<std::string> prerequisites;
  std::function<void()> body;  // Must not throw.
};

// Thrown by run_task_graph for tasks that wait for each other in a circle.
class CycleError : public std::invalid_argument {
 public:
  // `cycle` as cycle() returns it: {"a", "b", "a"} for a waiting for b and b for a.
  explicit CycleError(std::vector<std::string> cycle)
      : std::invalid_argument(Describe(cycle)), cycle_(std::move(cycle)) {}

  // The tasks on the cycle: each one waits for the next, and the last is the first again.
  // A task that waits for itself gives {"a", "a"}.
  const std::vector<std::string>& cycle() const { return cycle_; }

 private:
  static std::string Describe(const std::vector<std::string>& cycle) {
    std::string text = "the tasks wait for each other in a circle, which would deadlock: ";
    for (std::size_t i = 0; i < cycle.size(); ++i) text += (i == 0 ? "" : " -> ") + cycle[i];
    return text;
  }

  std::vector<std::string> cycle_;
};

// Runs every task in `tasks` exactly once, each on its own thread, and returns when all have
// finished. A task starts only after all its prerequisites have finished, however long they
// take (it waits for them with no time limit); tasks that do not wait for each other run at the
// same time.
//
// Checks the whole graph before it starts any thread, in time proportional to the number of
// tasks and prerequisites, so a graph that cannot run runs nothing:
// throws CycleError if tasks wait for each other in a circle (a task that lists itself
// included), and std::invalid_argument naming the task if two tasks have the same name or a
// prerequisite is not the name of a task.
void run_task_graph(const std::vector<Task>& tasks);

}  // namespace threadkata

#endif  // THREADKATA_KATAS_08_JOIN_RULES_TASK_GRAPH_H_
