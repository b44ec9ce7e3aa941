#include "tests/support/output_recorder.h"

#include <utility>

namespace threadkata::testing {

OutputRecorder::OutputRecorder() = default;

std::vector<OutputRecorder::Piece> OutputRecorder::Pieces() const {
  std::lock_guard lock(mutex_);
  return pieces_;
}

std::string OutputRecorder::Text() const {
  std::lock_guard lock(mutex_);
  std::string text;
  for (const Piece& piece : pieces_) text += piece.text;
  return text;
}

std::optional<OutputRecorder::Piece> OutputRecorder::FirstContaining(
    std::string_view needle) const {
  std::lock_guard lock(mutex_);
  for (const Piece& piece : pieces_) {
    if (piece.text.find(needle) != std::string::npos) return piece;
  }
  return std::nullopt;
}

void OutputRecorder::Store(std::string text) {
  Piece piece{std::move(text), std::this_thread::get_id(), since_construction_.Elapsed()};
  std::lock_guard lock(mutex_);
  pieces_.push_back(std::move(piece));
}

std::streamsize OutputRecorder::Buffer::xsputn(const char* text, std::streamsize n) {
  owner_.Store(std::string(text, static_cast<std::size_t>(n)));
  return n;
}

OutputRecorder::Buffer::int_type OutputRecorder::Buffer::overflow(int_type c) {
  if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
  owner_.Store(std::string(1, traits_type::to_char_type(c)));
  return c;
}

}  // namespace threadkata::testing
