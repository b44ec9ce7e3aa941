#ifndef THREADKATA_TESTS_SUPPORT_DEADLINE_H_
#define THREADKATA_TESTS_SUPPORT_DEADLINE_H_

#include <future>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>

#include "tests/support/time_unit.h"

namespace threadkata::testing {

// Prints "[  TIMEOUT ] <what> ... <hint>" and ends the test program with exit status 1.
[[noreturn]] void AbortHungTest(Duration limit, std::string_view what, std::string_view hint);

// Runs `fn` on a helper thread and waits at most `limit` for it, then returns what `fn`
// returned (or rethrows what it threw).
//
// If `fn` is still running at `limit`, the test cannot go on: a thread blocked forever can
// neither be joined nor destroyed. The program then ends at once with a TIMEOUT message naming
// `what` and the most likely mistake, `hint`, so a deadlock becomes a readable failure
// instead of a silent hang. `hint` is a string, or a function that works the hint out from
// what the test can see once the limit has passed.
template <class Hint, class F>
std::invoke_result_t<F> FinishesWithin(Duration limit, std::string_view what, Hint&& hint, F&& fn) {
  std::packaged_task<std::invoke_result_t<F>()> task(std::forward<F>(fn));
  auto result = task.get_future();
  std::thread runner(std::move(task));
  if (result.wait_for(limit) != std::future_status::ready) {
    if constexpr (std::is_invocable_v<Hint>) {
      AbortHungTest(limit, what, hint());
    } else {
      AbortHungTest(limit, what, hint);
    }
  }
  runner.join();
  return result.get();
}

}  // namespace threadkata::testing

#endif  // THREADKATA_TESTS_SUPPORT_DEADLINE_H_
