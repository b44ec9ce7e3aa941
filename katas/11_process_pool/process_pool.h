#ifndef THREADKATA_KATAS_11_PROCESS_POOL_PROCESS_POOL_H_
#define THREADKATA_KATAS_11_PROCESS_POOL_PROCESS_POOL_H_

// Lesson 11: the executor of lesson 09 over worker processes instead of threads.
// Python: concurrent.futures.ProcessPoolExecutor.

#include <cstddef>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace threadkata {

// The functions a ProcessPool can run, by name.
//
// A worker process cannot receive a lambda or a std::function: only bytes cross the pipe
// between two processes. So the parent sends a task's NAME and its argument (a string, which
// is what Python's pickle turns everything into), and the worker, a fork() of the parent that
// holds the same registry, looks the name up. Register every task before making the pool.
//
// Thread-compatible: fill it on one thread, then hand a copy to the pool.
class TaskRegistry {
 public:
  // A task: takes its argument, returns its result, may throw.
  using Task = std::string (*)(const std::string& argument);

  // Registers `task` under `name`. Throws std::invalid_argument if `name` is already taken.
  TaskRegistry& add(std::string name, Task task) {
    if (!tasks_.emplace(std::move(name), task).second) {
      throw std::invalid_argument("TaskRegistry: a task with this name is already registered");
    }
    return *this;
  }

  // The task registered under `name`, or nullptr if there is none.
  Task find(std::string_view name) const {
    const auto it = tasks_.find(name);
    return it == tasks_.end() ? nullptr : it->second;
  }

 private:
  std::map<std::string, Task, std::less<>> tasks_;
};

// Runs registered tasks in up to `max_workers` worker processes.
//
// Tasks start in the order they were submitted (first submitted, first started), as in
// lesson 09. The pool fork()s its workers, each when it is first needed. A worker reads
// requests (task name and argument, each sent as a length and then the bytes) from its pipe,
// runs the task and writes the result, or the message of the exception the task threw, back the
// same way, then waits for the next request: workers are reused, so a pool in which nothing
// crashes starts at most max_workers processes in its whole life. Tasks run in the workers, never
// in the calling process. Output this process had written to stdio (printf, std::cout) but not
// yet flushed when it forks is written once: a worker's copy of the buffers never reaches the
// file.
//
// A task that crashes its worker (std::abort, a segfault, being killed) fails only its own
// future; the pool waits for the dead process (no zombie), closes its end of the dead worker's
// pipe and forks a replacement. This is
// where it differs from Python, whose pool becomes unusable ("BrokenProcessPool"). A worker
// that dies while it waits for work fails at most the next task sent to it.
//
// The pool's pipes are its own: each is close-on-exec, so a program this process starts
// (std::system, popen, posix_spawn) inherits none of them. A blocking call of the pool (a read,
// a write, waitpid) that a signal interrupts (errno EINTR, in a program that handles a signal
// without SA_RESTART) is made again: it is no sign of a dead worker.
//
// While no task is pending, the threads the pool keeps in this process (if any) sleep until
// there is work: they neither spin nor poll.
//
// Thread-safe: submit(), map() and shutdown() may be called from any threads at once.
class ProcessPool {
 public:
  // A pool of up to `max_workers` worker processes, each holding a copy of `tasks`.
  // Throws std::invalid_argument if max_workers is 0.
  ProcessPool(std::size_t max_workers, TaskRegistry tasks);

  // Python: the end of `with ProcessPoolExecutor() as executor:`. Calls shutdown().
  ~ProcessPool();

  ProcessPool(const ProcessPool&) = delete;
  ProcessPool& operator=(const ProcessPool&) = delete;

  // Python: executor.submit(fn, argument).
  // Queues `task` with `argument` and returns at once. The future becomes ready with the
  // task's result, or holds a std::runtime_error:
  // - whose what() is the what() of the exception the task threw in the worker (a task that
  //   throws something that is not a std::exception gets a message that names the task, and
  //   its worker goes on serving); or
  // - "worker process <pid> died (signal <n>, SIG<NAME>) while running task '<task>'" when
  //   the worker was killed by a signal (e.g. "signal 6, SIGABRT"), or
  //   "worker process <pid> exited (status <n>) while running task '<task>'" when it exited.
  //   By then the dead worker has been waited for: it is no zombie.
  // If the operating system refuses a pipe or a process, the future holds that
  // std::system_error, and the descriptors opened for the worker that could not start are
  // closed; the next task that needs a worker tries again. Each submitted task runs exactly once,
  // in one worker, while no more than max_workers run at once. Throws std::invalid_argument if
  // `task` is not registered, and std::runtime_error after shutdown().
  std::future<std::string> submit(std::string_view task, std::string argument);

  // Python: list(executor.map(fn, arguments)).
  // Submits `task` once per argument, then waits for their results one by one in the order of
  // `arguments`. Returns the results in that order, whatever order they finished in; if a task
  // failed, rethrows the error of the first failed one (in argument order) once it is reached,
  // as Python does, without waiting for the tasks after it (they still run).
  std::vector<std::string> map(std::string_view task, const std::vector<std::string>& arguments);

  // Python: executor.shutdown(wait=True).
  // Refuses new tasks, blocks until every task already submitted has finished, then ends the
  // worker processes and waits for each of them, so none is left behind, running or zombie.
  // Idempotent.
  void shutdown();

 private:
  // Whatever the implementation needs (processes, pipes, threads, a queue): yours to define in
  // process_pool.cc.
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace threadkata

#endif  // THREADKATA_KATAS_11_PROCESS_POOL_PROCESS_POOL_H_
