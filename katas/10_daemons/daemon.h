#ifndef THREADKATA_KATAS_10_DAEMONS_DAEMON_H_
#define THREADKATA_KATAS_10_DAEMONS_DAEMON_H_

// Lesson 10: background work that must not keep the program alive, and work that must.

#include <chrono>
#include <functional>
#include <thread>

namespace threadkata {

// Python: threading.Thread(target=daemon_task, daemon=True), where daemon_task repeats
// "do something, sleep(interval)" forever.
// C++ has no daemon flag: a thread still running when main() returns is killed mid-step,
// without cleanup. A PeriodicDaemon is the C++ way: a background thread that repeats `tick`
// until its owner stops it, and that stops promptly, also in the middle of its wait.
//
// Thread-compatible: stop() and the destructor belong to the owner; `tick` runs on the
// daemon's own thread, never on two threads at once.
class PeriodicDaemon {
 public:
  // Starts a thread that calls tick() right away, then again `interval` after each call
  // returned, until stopped. `interval` must be shorter than a year: a wait adds it to the
  // clock's reading, and far longer ones overflow.
  PeriodicDaemon(std::chrono::nanoseconds interval, std::function<void()> tick);

  // Stops the daemon, as stop() does.
  ~PeriodicDaemon();

  PeriodicDaemon(const PeriodicDaemon&) = delete;
  PeriodicDaemon& operator=(const PeriodicDaemon&) = delete;

  // Asks the daemon to stop and blocks until its thread has ended. A wait between ticks ends at
  // once, so stop() returns in far less than one interval; a tick already running is finished
  // first, and no tick starts once stop() has been called. Calling it again does nothing.
  void stop();

 private:
  std::jthread thread_;
};

// Python: threading.Thread(target=work).start(), with daemon=False: the program does not end
// before `work` has.
// Runs work() on a new thread. The returned std::jthread joins it when destroyed, so returning
// it from main() (or leaving any scope that owns it) waits until work() has returned.
std::jthread start_non_daemon(std::function<void()> work);

}  // namespace threadkata

#endif  // THREADKATA_KATAS_10_DAEMONS_DAEMON_H_
