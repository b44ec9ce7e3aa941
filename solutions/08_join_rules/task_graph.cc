#include "katas/08_join_rules/task_graph.h"

#include <algorithm>
#include <cstddef>
#include <functional>
#include <future>
#include <system_error>
#include <unordered_map>

namespace threadkata {

bool safe_join(std::thread& thread) {
  if (!thread.joinable()) return false;
  if (thread.get_id() == std::this_thread::get_id()) {
    throw std::system_error(std::make_error_code(std::errc::resource_deadlock_would_occur),
                            "a thread cannot join itself");
  }
  thread.join();
  return true;
}

namespace {

// prerequisites[i] holds the positions in `tasks` of the tasks that task i waits for.
using Prerequisites = std::vector<std::vector<std::size_t>>;

Prerequisites resolve_names(const std::vector<Task>& tasks) {
  std::unordered_map<std::string, std::size_t> position;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    if (!position.emplace(tasks[i].name, i).second) {
      throw std::invalid_argument("two tasks are named '" + tasks[i].name + "'");
    }
  }
  Prerequisites prerequisites(tasks.size());
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    for (const std::string& name : tasks[i].prerequisites) {
      const auto found = position.find(name);
      if (found == position.end()) {
        throw std::invalid_argument("task '" + tasks[i].name + "' waits for '" + name +
                                    "', which is not a task");
      }
      prerequisites[i].push_back(found->second);
    }
  }
  return prerequisites;
}

// Depth-first search along the prerequisites. A prerequisite that is still on the current path
// closes a circle: the path from it to here, and back to it.
void reject_cycles(const std::vector<Task>& tasks, const Prerequisites& prerequisites) {
  enum class Mark { kUnseen, kOnPath, kDone };
  std::vector<Mark> marks(tasks.size(), Mark::kUnseen);
  std::vector<std::size_t> path;
  const std::function<void(std::size_t)> visit = [&](std::size_t task) {
    marks[task] = Mark::kOnPath;
    path.push_back(task);
    for (const std::size_t before : prerequisites[task]) {
      if (marks[before] == Mark::kOnPath) {
        std::vector<std::string> cycle;
        for (auto on = std::find(path.begin(), path.end(), before); on != path.end(); ++on) {
          cycle.push_back(tasks[*on].name);
        }
        cycle.push_back(tasks[before].name);
        throw CycleError(std::move(cycle));
      }
      if (marks[before] == Mark::kUnseen) visit(before);
    }
    path.pop_back();
    marks[task] = Mark::kDone;
  };
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    if (marks[i] == Mark::kUnseen) visit(i);
  }
}

}  // namespace

void run_task_graph(const std::vector<Task>& tasks) {
  const Prerequisites prerequisites = resolve_names(tasks);
  reject_cycles(tasks, prerequisites);

  std::vector<std::promise<void>> finishing(tasks.size());
  std::vector<std::shared_future<void>> finished;
  for (auto& promise : finishing) finished.push_back(promise.get_future().share());

  // Each thread waits for its prerequisites' threads to finish, as if it joined them; the
  // check above guarantees that nobody waits in a circle. Destroying a jthread joins it.
  std::vector<std::jthread> threads;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    threads.emplace_back([&, i] {
      for (const std::size_t before : prerequisites[i]) finished[before].wait();
      tasks[i].body();
      finishing[i].set_value();
    });
  }
}

}  // namespace threadkata
