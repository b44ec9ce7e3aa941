#include "katas/09_executor/executor.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace threadkata {

struct Executor::State {
  // Each worker takes tasks until shutdown has begun and the queue is empty.
  void work() {
    std::unique_lock lock(mutex);
    for (;;) {
      wake.wait(lock, [this] { return shutting_down || !queue.empty(); });
      if (queue.empty()) return;
      std::function<void()> task = std::move(queue.front());
      queue.pop_front();
      // Run without the lock, or the workers would take turns instead of running together.
      lock.unlock();
      task();
      // Let it go before locking again: what it captured may call submit() as it is destroyed.
      task = nullptr;
      lock.lock();
    }
  }

  const std::size_t max_workers;
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<std::function<void()>> queue;  // Guarded by mutex.
  bool shutting_down = false;               // Guarded by mutex.
  std::vector<std::thread> workers;         // Only the owner's thread touches it.
};

Executor::Executor(std::size_t max_workers) {
  if (max_workers == 0) throw std::invalid_argument("an Executor needs at least one worker");
  state_ = std::make_unique<State>(max_workers);
  state_->workers.reserve(max_workers);
  try {
    for (std::size_t i = 0; i < max_workers; ++i) {
      state_->workers.emplace_back([state = state_.get()] { state->work(); });
    }
  } catch (...) {
    // The destructor does not run after a constructor throws: join the workers started so far.
    shutdown();
    throw;
  }
}

Executor::~Executor() { shutdown(); }

void Executor::shutdown() {
  {
    std::lock_guard lock(state_->mutex);
    state_->shutting_down = true;
  }
  state_->wake.notify_all();
  for (std::thread& worker : state_->workers) worker.join();
  state_->workers.clear();
}

std::size_t Executor::max_workers() const { return state_->max_workers; }

void Executor::enqueue(std::function<void()> task) {
  {
    std::lock_guard lock(state_->mutex);
    if (state_->shutting_down) throw std::runtime_error("submit() after Executor::shutdown()");
    state_->queue.push_back(std::move(task));
  }
  state_->wake.notify_one();
}

}  // namespace threadkata
