// The seed's points to note about join(), in C++: joining a finished thread, joining twice,
// a thread joining itself, and threads that would join each other in a circle.
// bazel run //solutions/08_join_rules:demo        (the reference)
// bazel run //katas/08_join_rules:demo            (your implementation)
// An optional argument sets the seconds each task of the graph works: bazel run ... -- 0.1

#include <chrono>
#include <future>
#include <iostream>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>

#include "katas/08_join_rules/task_graph.h"

int main(int argc, char** argv) {
  const std::chrono::duration<double> work(argc > 1 ? std::stod(argv[1]) : 1.0);
  std::cout << std::boolalpha;

  std::thread finished([] {});
  finished.join();
  std::cout << "join() on a finished thread: returned at once\n";
  try {
    finished.join();
  } catch (const std::system_error& error) {
    std::cout << "join() on it again: std::system_error: " << error.what() << "\n";
  }
  std::cout << "safe_join() on it again: " << threadkata::safe_join(finished) << "\n";

  std::promise<std::thread*> handle;
  std::thread self([me = handle.get_future()]() mutable {
    try {
      threadkata::safe_join(*me.get());
    } catch (const std::system_error& error) {
      std::cout << "a thread joining itself: std::system_error: " << error.what() << "\n";
    }
  });
  handle.set_value(&self);
  self.join();

  try {
    threadkata::run_task_graph({{"A", {"B"}, [] {}}, {"B", {"A"}, [] {}}});
  } catch (const threadkata::CycleError& error) {
    std::cout << "A joins B while B joins A: CycleError: " << error.what() << "\n";
  }

  std::mutex out;
  const auto task = [&](std::string name) {
    return [&out, work, name] {
      {
        std::lock_guard lock(out);
        std::cout << name << " started\n";
      }
      std::this_thread::sleep_for(work);
      std::lock_guard lock(out);
      std::cout << name << " finished\n";
    };
  };
  threadkata::run_task_graph({{"report", {"download", "resize"}, task("report")},
                              {"resize", {"download"}, task("resize")},
                              {"download", {}, task("download")},
                              {"index", {}, task("index")}});
}
