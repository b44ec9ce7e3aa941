#include "katas/03_starting_threads/starting_threads.h"

#include <syncstream>
#include <utility>

namespace threadkata::starting_threads {

void say(std::ostream& out, std::string_view line) {
  // The osyncstream collects the line in a buffer of its own and, when it is destroyed at the
  // end of the statement, hands it to `out` in one piece, under a lock that every osyncstream
  // writing to `out` shares.
  std::osyncstream(out) << line << '\n';
}

std::thread start(std::function<void()> task) {
  // Returning the std::thread moves it: the new owner is the caller, who must join it.
  return std::thread(std::move(task));
}

}  // namespace threadkata::starting_threads
