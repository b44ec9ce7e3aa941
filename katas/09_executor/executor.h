#ifndef THREADKATA_KATAS_09_EXECUTOR_EXECUTOR_H_
#define THREADKATA_KATAS_09_EXECUTOR_EXECUTOR_H_

// Lesson 09: an executor, C++'s concurrent.futures.ThreadPoolExecutor.

#include <cstddef>
#include <functional>
#include <future>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

namespace threadkata {

// Python: concurrent.futures.ThreadPoolExecutor(max_workers).
// A fixed pool of `max_workers` threads that run submitted tasks, first submitted first
// started, never more than `max_workers` at once. Each task runs exactly once, on a worker
// thread, and its result or exception reaches the std::future that submit() returned.
//
// RAII like Python's `with` block: the destructor calls shutdown(), so every submitted task has
// run when the Executor goes out of scope.
//
// Thread-safe: submit() and map() may be called from any thread, also from inside a task or
// from the destructor of something a task captured (a worker lets a finished task go before it
// takes the pool's lock again); but a task that waits for other tasks of the same pool (a
// future's get(), or map()) deadlocks it once every worker is waiting. shutdown() and the
// destructor belong to the owner, and never to a task of this executor.
class Executor {
 public:
  // Starts `max_workers` worker threads, which wait for tasks. A worker with nothing to do
  // sleeps until a task is queued or shutdown() begins: it neither spins nor polls.
  // Throws std::invalid_argument if `max_workers` is 0. If a worker cannot be started, joins
  // the workers already started and lets std::thread's std::system_error through.
  explicit Executor(std::size_t max_workers);

  // Calls shutdown().
  ~Executor();

  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Python: executor.submit(fn, *args).
  // Queues fn(args...) and returns at once, without waiting for it to start. `f` and `args` are
  // copied or moved into the task (std::ref passes a reference). The future's get() blocks
  // until the task has run, then returns its result or rethrows its exception.
  // Throws std::runtime_error after shutdown() has begun; a task refused so is never run.
  template <class F, class... Args>
  std::future<std::invoke_result_t<std::decay_t<F>, std::decay_t<Args>...>> submit(F&& f,
                                                                                   Args&&... args);

  // Python: list(executor.map(fn, inputs)).
  // Runs f(input) for every input on the pool and blocks until all of them have run. Returns
  // the results in input order, whatever order the tasks finished in. If any call threw,
  // rethrows the exception of the first one in input order. The tasks borrow `f` and `inputs`,
  // so none of them outlives the call. Throws std::runtime_error after shutdown() has begun.
  template <class F, class T>
  std::vector<std::invoke_result_t<F&, const T&>> map(F f, const std::vector<T>& inputs);

  // Python: executor.shutdown(wait=True), the end of the `with` block.
  // Stops accepting tasks, blocks until every task already submitted has run, then joins the
  // workers. Calling it again does nothing.
  void shutdown();

  // The number of worker threads, as given to the constructor.
  std::size_t max_workers() const;

 private:
  // What the pool shares with its workers; defined in executor.cc.
  struct State;

  // Queues `task` for a worker, or throws std::runtime_error after shutdown() has begun.
  // `task` never throws: submit() wraps the work in a std::packaged_task, which stores the
  // result or exception in the future instead.
  void enqueue(std::function<void()> task);

  std::unique_ptr<State> state_;
};

template <class F, class... Args>
std::future<std::invoke_result_t<std::decay_t<F>, std::decay_t<Args>...>> Executor::submit(
    F&& f, Args&&... args) {
  using R = std::invoke_result_t<std::decay_t<F>, std::decay_t<Args>...>;
  // std::function must be copyable and std::packaged_task is move-only: share it instead.
  auto task = std::make_shared<std::packaged_task<R()>>(
      [f = std::forward<F>(f), ... args = std::forward<Args>(args)]() mutable -> R {
        return std::invoke(std::move(f), std::move(args)...);
      });
  std::future<R> result = task->get_future();
  enqueue([task = std::move(task)] { (*task)(); });
  return result;
}

template <class F, class T>
std::vector<std::invoke_result_t<F&, const T&>> Executor::map(F f, const std::vector<T>& inputs) {
  using R = std::invoke_result_t<F&, const T&>;
  std::vector<std::future<R>> futures;
  futures.reserve(inputs.size());
  // The tasks hold references to `f` and `inputs`: wait for every one before leaving, also
  // when leaving by an exception.
  const auto wait_for_all = [&futures] {
    for (std::future<R>& future : futures) future.wait();
  };
  try {
    for (const T& input : inputs) {
      futures.push_back(submit([&f, &input]() -> R { return std::invoke(f, input); }));
    }
  } catch (...) {
    wait_for_all();
    throw;
  }
  wait_for_all();
  std::vector<R> results;
  results.reserve(inputs.size());
  for (std::future<R>& future : futures) results.push_back(future.get());
  return results;
}

}  // namespace threadkata

#endif  // THREADKATA_KATAS_09_EXECUTOR_EXECUTOR_H_
