// The seed's ThreadPoolExecutor snippet, switched over to processes as the seed says it can be:
// three do_something(1) tasks submitted to a pool of worker processes.
// bazel run //solutions/11_process_pool:demo        (the reference)
// bazel run //katas/11_process_pool:demo            (your implementation)
// An optional argument sets the seconds per task: bazel run ... -- 0.2

#include <chrono>
#include <iostream>
#include <string>
#include <thread>

#include "katas/11_process_pool/process_pool.h"
#include "katas/demo_support/seed_output.h"

namespace {

// Runs in a worker process. Its output is flushed at once: a worker ends with _exit, which
// would drop whatever it left in a buffer.
std::string do_something(const std::string& seconds) {
  std::cout << "Sleeping " << seconds << " second(s)..." << std::endl;
  std::this_thread::sleep_for(std::chrono::duration<double>(std::stod(seconds)));
  return "Done Sleeping...";
}

}  // namespace

int main(int argc, char** argv) {
  const std::string each = argc > 1 ? argv[1] : "1";
  threadkata::TaskRegistry tasks;
  tasks.add("do_something", do_something);

  const auto start = std::chrono::steady_clock::now();
  {
    threadkata::ProcessPool executor(3, tasks);
    auto f1 = executor.submit("do_something", each);
    auto f2 = executor.submit("do_something", each);
    auto f3 = executor.submit("do_something", each);
    std::cout << f1.get() << std::endl;
    std::cout << f2.get() << std::endl;
    std::cout << f3.get() << std::endl;
  }
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  std::cout << threadkata::demo::FinishedLine(elapsed) << "\n";
}
