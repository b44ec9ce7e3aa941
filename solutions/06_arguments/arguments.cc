#include "katas/06_arguments/arguments.h"

#include <cstddef>
#include <thread>
#include <utility>

namespace threadkata {

namespace {

// A thread's entry point. std::thread copies every argument it is given, so `result`, a slot
// of the caller's vector, reaches it only through std::ref.
void call_into(const std::function<std::string(Seconds)>& f, Seconds arg, std::string& result) {
  result = f(arg);
}

void join_all(std::vector<std::thread>& threads) {
  for (auto& thread : threads) thread.join();
}

}  // namespace

std::vector<std::string> run_each(const std::function<std::string(Seconds)>& f,
                                  const std::vector<Seconds>& args) {
  // Sized before any thread starts: each thread writes only its own element, so the threads
  // share nothing they write, and no lock is needed.
  std::vector<std::string> results(args.size());
  std::vector<std::thread> threads;
  threads.reserve(args.size());
  for (std::size_t i = 0; i < args.size(); ++i) {
    threads.emplace_back(call_into, std::cref(f), args[i], std::ref(results[i]));
  }
  join_all(threads);
  return results;
}

std::vector<long> run_each_owning(const std::function<long(std::vector<int>)>& f,
                                  std::vector<std::vector<int>> batches) {
  std::vector<long> results(batches.size());
  std::vector<std::thread> threads;
  threads.reserve(batches.size());
  for (std::size_t i = 0; i < batches.size(); ++i) {
    // Moved in, the thread takes over the batch's buffer; `batches[i]` alone would copy it.
    threads.emplace_back(
        [&f, &result = results[i]](std::vector<int> batch) { result = f(std::move(batch)); },
        std::move(batches[i]));
  }
  join_all(threads);
  return results;
}

}  // namespace threadkata
