// The seed's daemon snippet: a background task prints every 2 seconds while the main thread
// sleeps 5 seconds, and the program ends without waiting for the background task.
// bazel run //solutions/10_daemons:demo        (the reference)
// bazel run //katas/10_daemons:demo            (your implementation)
// An optional argument scales every sleep: bazel run ... -- 0.2

#include <chrono>
#include <iostream>
#include <string>
#include <syncstream>
#include <thread>

#include "katas/10_daemons/daemon.h"

int main(int argc, char** argv) {
  using Seconds = std::chrono::duration<double>;
  const double scale = argc > 1 ? std::stod(argv[1]) : 1.0;
  const auto seconds = [scale](double s) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Seconds(s * scale));
  };

  threadkata::PeriodicDaemon daemon_thread(
      seconds(2), [] { std::osyncstream(std::cout) << "Daemon thread is running...\n"; });

  std::this_thread::sleep_for(seconds(5));

  std::osyncstream(std::cout) << "Main program exits, daemon thread will terminate now.\n";
}
