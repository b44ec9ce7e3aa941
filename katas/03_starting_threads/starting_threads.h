#ifndef THREADKATA_KATAS_03_STARTING_THREADS_STARTING_THREADS_H_
#define THREADKATA_KATAS_03_STARTING_THREADS_STARTING_THREADS_H_

// Lesson 03: starting a thread. The caller goes on at once while the work runs elsewhere.

#include <functional>
#include <ostream>
#include <string_view>
#include <thread>

namespace threadkata::starting_threads {

// Python: print(line), from any thread.
// Writes `line` and a newline to `out` in one piece: lines said by threads at the same time
// never interleave, and the calls do not race on `out`. Thread-safe, as long as everything
// written to `out` meanwhile goes through say (or std::osyncstream).
void say(std::ostream& out, std::string_view line);

// Python: t = threading.Thread(target=task); t.start()
// Starts `task` on a new thread and returns at once, waiting neither for the task to begin
// nor to end. The caller owns the returned thread, which is joinable, and must join() it before
// it is destroyed: destroying a joinable std::thread calls std::terminate. Whatever the task
// did is visible to the caller once join() has returned.
[[nodiscard]] std::thread start(std::function<void()> task);

}  // namespace threadkata::starting_threads

#endif  // THREADKATA_KATAS_03_STARTING_THREADS_STARTING_THREADS_H_
