#ifndef THREADKATA_TESTS_SUPPORT_DETACH_COUNTER_H_
#define THREADKATA_TESTS_SUPPORT_DETACH_COUNTER_H_

#include <cstdint>

namespace threadkata::testing {

// How many threads this process has detached so far (std::thread::detach() or a direct
// pthread_detach()), counted by a pthread_detach defined in the test executable
// (detach_counter.cc), which libstdc++'s calls reach too. Never decreases.
std::uint64_t DetachesSoFar();

// Counts one detach. Called by the pthread_detach of detach_counter.cc, and by any other
// pthread_detach the test executable defines instead (tests/support/trace), so that the
// count stays right whichever definition the linker picks.
void NoteDetach();

}  // namespace threadkata::testing

#endif  // THREADKATA_TESTS_SUPPORT_DETACH_COUNTER_H_
