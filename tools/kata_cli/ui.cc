#include "tools/kata_cli/ui.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "fmt/color.h"
#include "fmt/core.h"

namespace threadkata::kata {

Terminal Terminal::FromEnvironment(bool no_colour_flag) {
  const bool tty = isatty(STDOUT_FILENO) != 0;
  const char* no_color = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  const bool dumb = term != nullptr && std::string_view(term) == "dumb";
  const bool colour = tty && !no_colour_flag && !(no_color && *no_color) && !dumb;
  return Terminal(tty && !dumb, colour);
}

std::string Terminal::Paint(const fmt::text_style& style, std::string_view text) const {
  if (!colour_) return std::string(text);
  return fmt::format(style, "{}", text);
}

std::string Terminal::Bold(std::string_view text) const { return Paint(fmt::emphasis::bold, text); }
std::string Terminal::Dim(std::string_view text) const { return Paint(fmt::emphasis::faint, text); }
std::string Terminal::Red(std::string_view text) const {
  return Paint(fmt::fg(fmt::terminal_color::red) | fmt::emphasis::bold, text);
}
std::string Terminal::Green(std::string_view text) const {
  return Paint(fmt::fg(fmt::terminal_color::green) | fmt::emphasis::bold, text);
}
std::string Terminal::Yellow(std::string_view text) const {
  return Paint(fmt::fg(fmt::terminal_color::yellow), text);
}
std::string Terminal::Cyan(std::string_view text) const {
  return Paint(fmt::fg(fmt::terminal_color::cyan), text);
}

std::string Terminal::Code(std::string_view markdown) const {
  if (!colour_) return std::string(markdown);
  std::string out;
  size_t at = 0;
  for (size_t open; (open = markdown.find('`', at)) != std::string_view::npos;) {
    const size_t close = markdown.find('`', open + 1);
    if (close == std::string_view::npos) break;
    out += markdown.substr(at, open - at);
    out += Cyan(markdown.substr(open + 1, close - open - 1));
    at = close + 1;
  }
  out += markdown.substr(at);
  return out;
}

void Terminal::Status(std::string_view text) const {
  if (!interactive_) return;
  fmt::print("\r\033[K{}", colour_ ? Dim(text) : std::string(text));
  std::fflush(stdout);
}

void Terminal::ClearStatus() const {
  if (!interactive_) return;
  fmt::print("\r\033[K");
  std::fflush(stdout);
}

std::string ProgressBar(int done, int total, int width) {
  const int filled = total > 0 ? done * width / total : 0;
  std::string bar = "[";
  for (int i = 0; i < width; ++i) bar += i < filled ? "█" : "░";
  return bar + "]";
}

}  // namespace threadkata::kata
