#include "tools/kata_cli/hints.h"

#include <algorithm>
#include <sstream>

namespace threadkata::kata {
namespace {

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

std::string Trimmed(const std::string& text) {
  const size_t begin = text.find_first_not_of('\n');
  if (begin == std::string::npos) return "";
  const size_t end = text.find_last_not_of('\n');
  return text.substr(begin, end - begin + 1);
}

}  // namespace

std::vector<std::string> ParseHints(std::string_view readme) {
  std::vector<std::string> hints;
  std::istringstream lines{std::string(readme)};
  std::string line;
  bool in_hints = false;
  bool in_code = false;
  std::string* current = nullptr;
  while (std::getline(lines, line)) {
    // A "#" inside a fenced code block is code, not a heading.
    if (StartsWith(line, "```")) in_code = !in_code;
    if (!in_code && StartsWith(line, "## ")) {
      in_hints = line.substr(3).find("Hints") == 0;
      current = nullptr;
      continue;
    }
    if (!in_hints) continue;
    if (!in_code && StartsWith(line, "### ")) {
      hints.emplace_back();
      current = &hints.back();
      continue;
    }
    if (current) *current += line + "\n";
  }
  for (std::string& hint : hints) hint = Trimmed(hint);
  return hints;
}

HintToShow NextHint(const std::vector<std::string>& hints, int already_shown) {
  HintToShow shown;
  shown.total = static_cast<int>(hints.size());
  if (hints.empty()) return shown;
  shown.new_hint = already_shown < shown.total;
  shown.number = shown.new_hint ? std::max(already_shown, 0) + 1 : shown.total;
  shown.text = hints[shown.number - 1];
  return shown;
}

}  // namespace threadkata::kata
