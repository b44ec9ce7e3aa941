#ifndef THREADKATA_TOOLS_KATA_CLI_HINTS_H_
#define THREADKATA_TOOLS_KATA_CLI_HINTS_H_

// A lesson's hints: the "### Hint N" sections under "## Hints" in its README.md, revealed
// one at a time.

#include <string>
#include <string_view>
#include <vector>

namespace threadkata::kata {

// The text of each hint, in order, without its heading and surrounding blank lines.
std::vector<std::string> ParseHints(std::string_view readme);

struct HintToShow {
  int number = 0;  // 1-based; 0 when the lesson has no hints
  int total = 0;
  std::string text;
  bool new_hint = false;  // false when every hint was already shown: this repeats the last
};

// The hint after the `already_shown` first ones; once all are shown, the last one again.
HintToShow NextHint(const std::vector<std::string>& hints, int already_shown);

}  // namespace threadkata::kata

#endif  // THREADKATA_TOOLS_KATA_CLI_HINTS_H_
