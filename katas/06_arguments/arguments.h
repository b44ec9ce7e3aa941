#ifndef THREADKATA_KATAS_06_ARGUMENTS_ARGUMENTS_H_
#define THREADKATA_KATAS_06_ARGUMENTS_ARGUMENTS_H_

// Lesson 06: passing arguments to threads, and getting each thread's result back.

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace threadkata {

// Seconds as a floating-point count, like Python's time.sleep(1.5).
using Seconds = std::chrono::duration<double>;

// Python:  for a in args: t = threading.Thread(target=f, args=[a]); ...; t.start()
//          for t in threads: t.join()
// Calls f(args[i]) for every i, each call on a std::thread of its own, all at the same time
// (every thread is started before the first join), and returns the results in argument order:
// results[i] == f(args[i]), whatever order the threads finish in. Takes about as long as the
// slowest call, not the sum of them.
//
// Blocks until every call has returned; no thread is left running. `f` itself is called, never
// a copy of it (std::thread copies every argument it is given), from many threads at once, so it
// must be thread-safe, and must not throw (an exception escaping a std::thread calls
// std::terminate). `f` and `args` must stay unchanged during the call.
std::vector<std::string> run_each(const std::function<std::string(Seconds)>& f,
                                  const std::vector<Seconds>& args);

// Python: threading.Thread(target=f, args=[batch]) gives the thread the very same list.
// std::thread copies every argument it is given unless the argument is moved in.
// Calls f(batch) for every batch of `batches`, each call on a std::thread of its own, all at the
// same time, and returns the results in batch order: results[i] == f(batches[i]).
//
// Each batch is moved into its thread and from there into f, never copied: f receives the very
// buffer the caller allocated (the same data()). Blocks until every call has returned. `f`
// itself is called, never a copy of it, from many threads at once: it must be thread-safe and
// must not throw.
std::vector<long> run_each_owning(const std::function<long(std::vector<int>)>& f,
                                  std::vector<std::vector<int>> batches);

}  // namespace threadkata

#endif  // THREADKATA_KATAS_06_ARGUMENTS_ARGUMENTS_H_
