#include "tests/support/property.h"

#include <cstdlib>
#include <sstream>
#include <string>

namespace threadkata::testing {

namespace {

// RapidCheck's own default for max_success.
constexpr int kRapidCheckDefaultCases = 100;

}  // namespace

int RequiredCasesIn(std::string_view params) {
  int cases = kRapidCheckDefaultCases;
  while (!params.empty()) {
    const std::size_t end = params.find(' ');
    const std::string_view setting = params.substr(0, end);
    params = end == std::string_view::npos ? std::string_view() : params.substr(end + 1);
    const std::size_t equals = setting.find('=');
    const std::string_view key = setting.substr(0, equals);
    if (key == "reproduce") return 0;
    if (key == "max_success" && equals != std::string_view::npos) {
      cases = 0;
      for (const char digit : setting.substr(equals + 1)) {
        if (digit < '0' || digit > '9') break;
        cases = cases * 10 + (digit - '0');
      }
    }
  }
  return cases;
}

int RequiredCases() {
  static const int cases = [] {
    const char* params = std::getenv("RC_PARAMS");
    return RequiredCasesIn(params != nullptr ? params : "");
  }();
  return cases;
}

void ExpectEveryCasePassed(const rc::detail::TestResult& result, int required) {
  rc::detail::SuccessResult success{};
  if (!result.match(success)) {
    std::ostringstream message;
    rc::detail::printResultMessage(result, message);
    FAIL() << message.str();
  }
  EXPECT_GE(success.numSuccess, required)
      << "RapidCheck passed " << success.numSuccess << " of the " << required
      << " cases RC_PARAMS asks for: something in the program changed how RapidCheck reads its "
         "settings (a locale or a facet of its own?), and a property that runs fewer cases "
         "proves less";
}

}  // namespace threadkata::testing
