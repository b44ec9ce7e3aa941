#ifndef THREADKATA_KATAS_DEMO_SUPPORT_SEED_OUTPUT_H_
#define THREADKATA_KATAS_DEMO_SUPPORT_SEED_OUTPUT_H_

// The demos' shared printing, so that their output can be held beside the seed's. Lesson 01
// asks you to write the same thing yourself (finished_message): solve it before reading on.

#include <chrono>
#include <string>

namespace threadkata::demo {

// Python: f'Finished in {round(finish - start, 2)} second(s)'. Rounds to two decimals and
// keeps at least one, as Python prints a float: "Finished in 1.0 second(s)", "... 1.51 ...".
std::string FinishedLine(std::chrono::duration<double> elapsed);

}  // namespace threadkata::demo

#endif  // THREADKATA_KATAS_DEMO_SUPPORT_SEED_OUTPUT_H_
