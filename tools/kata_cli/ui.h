#ifndef THREADKATA_TOOLS_KATA_CLI_UI_H_
#define THREADKATA_TOOLS_KATA_CLI_UI_H_

// Terminal output: colour only on a terminal and without NO_COLOR, and a status line that
// rewrites itself while Bazel works.

#include <string>
#include <string_view>

#include "fmt/color.h"

namespace threadkata::kata {

class Terminal {
 public:
  // Colour and the rewritten status line need a terminal on stdout; `colour` may turn colour
  // off further (NO_COLOR, --no-color).
  Terminal(bool interactive, bool colour) : interactive_(interactive), colour_(colour) {}
  // Decides from the environment: stdout a terminal, NO_COLOR unset, TERM not "dumb".
  static Terminal FromEnvironment(bool no_colour_flag);

  std::string Bold(std::string_view text) const;
  std::string Dim(std::string_view text) const;
  std::string Red(std::string_view text) const;
  std::string Green(std::string_view text) const;
  std::string Yellow(std::string_view text) const;
  std::string Cyan(std::string_view text) const;
  // Markdown's `code` spans in cyan, the backticks dropped when colour shows them.
  std::string Code(std::string_view markdown) const;

  // Shows `text` on a line that the next Status or ClearStatus overwrites; a no-op when not
  // interactive.
  void Status(std::string_view text) const;
  void ClearStatus() const;

  bool interactive() const { return interactive_; }

 private:
  std::string Paint(const fmt::text_style& style, std::string_view text) const;

  bool interactive_;
  bool colour_;
};

// "[██████░░░░░░░░░░░░░░]" for `done` of `total`, `width` cells wide.
std::string ProgressBar(int done, int total, int width);

}  // namespace threadkata::kata

#endif  // THREADKATA_TOOLS_KATA_CLI_UI_H_
