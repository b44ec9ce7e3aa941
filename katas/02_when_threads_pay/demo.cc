// When threads pay: the seed's claims about I/O-bound work, CPU-bound work and thread overhead,
// measured on this machine.
// bazel run //solutions/02_when_threads_pay:demo        (the reference)
// bazel run //katas/02_when_threads_pay:demo            (your implementation)
// An optional argument sets the seconds each sleeping task takes: bazel run ... -- 0.2

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "katas/02_when_threads_pay/when_threads_pay.h"
#include "katas/demo_support/seed_output.h"

namespace {

using threadkata::when_threads_pay::Seconds;
using Clock = std::chrono::steady_clock;

constexpr int kSleepingTasks = 4;
constexpr std::uint64_t kPrimesBelow = 2'000'000;
constexpr int kTinyTasks = 1000;

Seconds Since(Clock::time_point start) { return Clock::now() - start; }

bool IsPrime(std::uint64_t n) {
  if (n < 2) return false;
  for (std::uint64_t d = 2; d * d <= n; ++d) {
    if (n % d == 0) return false;
  }
  return true;
}

// CPU-bound work: counts the primes in [begin, end) by trial division.
std::uint64_t CountPrimes(std::uint64_t begin, std::uint64_t end) {
  std::uint64_t count = 0;
  for (std::uint64_t n = begin; n < end; ++n) count += IsPrime(n);
  return count;
}

// Splits the counting below kPrimesBelow into `parts` tasks of about equal work: the numbers
// are cut into blocks dealt out in turn, so every task gets as many large (costly) ones.
std::vector<std::function<void()>> PrimeCountingTasks(int parts,
                                                      std::vector<std::uint64_t>& counts) {
  constexpr std::uint64_t kBlock = 10'000;
  counts.assign(parts, 0);
  std::vector<std::function<void()>> tasks;
  for (int i = 0; i < parts; ++i) {
    tasks.emplace_back([&counts, i, parts] {
      std::uint64_t found = 0;
      for (std::uint64_t begin = i * kBlock; begin < kPrimesBelow; begin += parts * kBlock) {
        found += CountPrimes(begin, std::min(begin + kBlock, kPrimesBelow));
      }
      counts[i] = found;
    });
  }
  return tasks;
}

// The shortest of three runs of `run`: the least disturbed by other programs on the machine.
Seconds BestOfThree(const std::function<void()>& run) {
  Seconds best = Seconds::max();
  for (int i = 0; i < 3; ++i) {
    const auto start = Clock::now();
    run();
    best = std::min(best, Since(start));
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  namespace lesson = threadkata::when_threads_pay;
  const Seconds each = argc > 1 ? Seconds(std::stod(argv[1])) : Seconds(1);
  const std::vector<Seconds> durations(kSleepingTasks, each);

  std::cout << "I/O-bound: " << kSleepingTasks << " tasks that each sleep " << each.count()
            << " second(s)\n\none after another:\n";
  auto start = Clock::now();
  for (const Seconds d : durations) lesson::do_something(d, std::cout);
  std::cout << threadkata::demo::FinishedLine(Since(start)) << "\n\non threads:\n";
  start = Clock::now();
  lesson::run_on_threads(durations, std::cout);
  std::cout << threadkata::demo::FinishedLine(Since(start)) << "\n\n";

  const int cores = static_cast<int>(std::max(2u, std::thread::hardware_concurrency()));
  std::cout << "CPU-bound: counting the primes below " << kPrimesBelow << " in " << cores
            << " parts (this machine has " << std::thread::hardware_concurrency() << " cores)\n";
  std::vector<std::uint64_t> counts;
  const auto tasks = PrimeCountingTasks(cores, counts);
  const Seconds sequential = BestOfThree([&] {
    for (const auto& task : tasks) task();
  });
  const Seconds threaded = BestOfThree([&] { lesson::run_concurrently(tasks); });
  std::uint64_t found = 0;
  for (const std::uint64_t c : counts) found += c;
  std::printf("one after another: %.2f s\n", sequential.count());
  std::printf("on %d threads:      %.2f s, %.2fx as fast (%llu primes, best of 3 runs each)\n",
              cores, threaded.count(), sequential / threaded,
              static_cast<unsigned long long>(found));
  std::cout << "(C++ has no GIL: CPU-bound threads run on all cores at once, up to " << cores
            << "x as fast\non an idle machine; less when other programs use the cores. "
               "In CPython the same\nthreads take turns holding the GIL, and the speed-up stays "
               "near 1x.)\n\n";

  std::cout << "Overhead: " << kTinyTasks << " tiny tasks (each adds 1 to a counter)\n";
  std::atomic<long> counter = 0;
  const std::vector<std::function<void()>> tiny(kTinyTasks, [&counter] { ++counter; });
  const Seconds direct = BestOfThree([&] {
    for (const auto& task : tiny) task();
  });
  const Seconds one_thread_each = BestOfThree([&] { lesson::run_concurrently(tiny); });
  std::printf("called directly:  %.6f s\n", direct.count());
  std::printf("one thread each:  %.6f s, about %.0f microseconds per thread\n",
              one_thread_each.count(), one_thread_each.count() * 1e6 / kTinyTasks);
  std::cout << "(A thread costs tens of microseconds to start and join: it pays only for work\n"
               "much longer than that, or work that waits.)\n";
}
