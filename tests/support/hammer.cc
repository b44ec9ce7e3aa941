#include "tests/support/hammer.h"

#include <exception>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace threadkata::testing {
namespace {

void ReportThrow(const std::string& who, const std::function<void()>& fn) {
  try {
    fn();
  } catch (const std::exception& error) {
    ADD_FAILURE() << who << " threw " << error.what();
  } catch (...) {
    ADD_FAILURE() << who << " threw an exception that is not a std::exception";
  }
}

}  // namespace

void Hammer(int threads, int repeats, const std::function<void(int)>& call,
            const std::function<void()>& meanwhile) {
  std::latch go(threads + 1);
  std::vector<std::thread> callers;
  callers.reserve(static_cast<std::size_t>(threads));
  for (int i = 0; i < threads; ++i) {
    callers.emplace_back([&, i] {
      go.arrive_and_wait();
      ReportThrow("concurrent caller " + std::to_string(i), [&] {
        for (int r = 0; r < repeats; ++r) call(i);
      });
    });
  }
  go.arrive_and_wait();
  ReportThrow("the owner's call made while the others called", meanwhile);
  for (auto& caller : callers) caller.join();
}

}  // namespace threadkata::testing
