#ifndef THREADKATA_KATAS_07_JOIN_TIMEOUT_JOIN_TIMEOUT_H_
#define THREADKATA_KATAS_07_JOIN_TIMEOUT_JOIN_TIMEOUT_H_

// Lesson 07: join with a timeout, which std::thread does not have.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace threadkata {

// Seconds as a floating-point count, like Python's join(timeout=2.5).
using Seconds = std::chrono::duration<double>;

// Python: t = threading.Thread(target=work); t.start(); t.join(timeout=2); t.is_alive().
//
// A thread that can be waited for with a time limit. std::thread::join() cannot give up, so
// the thread announces its own end: after `work` returns it sets a flag under `mutex_` and
// notifies `done_changed_`; waiting for that flag with a time limit is join_for().
//
// Thread-compatible: one owner at a time calls join_for(), join() and the destructor;
// running() may be called from any thread.
class TimedThread {
 public:
  // Starts `work` on a new thread and returns at once. `work` must not throw.
  explicit TimedThread(std::function<void()> work);

  // Blocks, with no time limit, until `work` has returned, like join(). It never ends the program:
  // a std::thread that is destroyed while it can still be joined calls std::terminate. Waiting
  // instead is what Python does at exit, where the interpreter waits for every non-daemon thread.
  ~TimedThread();

  TimedThread(const TimedThread&) = delete;
  TimedThread& operator=(const TimedThread&) = delete;

  // Python: t.join(timeout).
  // Blocks until `work` has returned or `timeout` has passed, whichever comes first.
  // Returns true as soon as the work has returned (at once if it already had), having joined
  // the thread: like std::thread::join(), a true join_for() means the thread has ended, and
  // everything it did, down to destroying its copy of `work`, is visible to the caller.
  // Returns false no earlier than `timeout`, and the work goes on running. A timeout of zero
  // or less only checks. `timeout` must be shorter than a year: std::condition_variable::wait_for
  // adds it to the clock's reading, and far longer ones overflow.
  bool join_for(Seconds timeout);

  // Python: t.join().
  // Blocks, with no time limit, until `work` has returned and the thread has ended; everything
  // the thread did is then visible to the caller. Returns at once if it already had, however
  // often it is called.
  void join();

  // Python: t.is_alive().
  // True from construction until `work` has returned, false from then on, whether or not
  // anyone joined. Never waits for the work.
  bool running() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable done_changed_;
  bool done_ = false;  // Guarded by mutex_: set once `work` has returned.
  // Declared last so that the thread starts after the members it uses exist.
  std::thread thread_;
};

}  // namespace threadkata

#endif  // THREADKATA_KATAS_07_JOIN_TIMEOUT_JOIN_TIMEOUT_H_
