#ifndef THREADKATA_TESTS_SUPPORT_OUTPUT_RECORDER_H_
#define THREADKATA_TESTS_SUPPORT_OUTPUT_RECORDER_H_

#include <mutex>
#include <optional>
#include <ostream>
#include <streambuf>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tests/support/time_unit.h"

namespace threadkata::testing {

// An std::ostream for APIs that take one, which remembers when and from which thread each piece
// of output was written: pins "writes X, then blocks", "in one piece", "from the task's thread".
// The stream has no buffer of its own, so every write the code under test makes reaches the
// recorder at once, as one piece.
//
// Thread-safe as a stream buffer: concurrent writes are recorded whole and never race here
// (lines written with `out << a << b` from two threads can still interleave: that is recorded).
class OutputRecorder {
 public:
  struct Piece {
    std::string text;
    std::thread::id thread;
    Duration at;  // since the recorder was constructed
  };

  OutputRecorder();
  OutputRecorder(const OutputRecorder&) = delete;
  OutputRecorder& operator=(const OutputRecorder&) = delete;

  // The stream to hand to the code under test.
  std::ostream& stream() { return stream_; }

  // Every piece written so far, in the order they arrived.
  std::vector<Piece> Pieces() const;

  // Everything written so far, as one string.
  std::string Text() const;

  // The first piece whose text contains `needle`, if any.
  std::optional<Piece> FirstContaining(std::string_view needle) const;

 private:
  class Buffer : public std::streambuf {
   public:
    explicit Buffer(OutputRecorder& owner) : owner_(owner) {}

   protected:
    std::streamsize xsputn(const char* text, std::streamsize n) override;
    int_type overflow(int_type c) override;

   private:
    OutputRecorder& owner_;
  };

  void Store(std::string text);

  const Stopwatch since_construction_;
  mutable std::mutex mutex_;
  std::vector<Piece> pieces_;
  Buffer buffer_{*this};
  std::ostream stream_{&buffer_};
};

}  // namespace threadkata::testing

#endif  // THREADKATA_TESTS_SUPPORT_OUTPUT_RECORDER_H_
