#ifndef THREADKATA_TESTS_SUPPORT_PROPERTY_H_
#define THREADKATA_TESTS_SUPPORT_PROPERTY_H_

#include <string_view>
#include <utility>

#include "gtest/gtest.h"
#include "rapidcheck.h"

namespace threadkata::testing {

// The number of cases a property must pass: max_success in the RC_PARAMS environment variable
// (RapidCheck's own default, 100, when it names none), or 0 when RC_PARAMS replays one case
// (reproduce=). Read once, with no C++ stream: RapidCheck parses its settings through the
// streams, so a locale or facet installed by the program could make it read another number.
int RequiredCases();

// max_success in `params`, RC_PARAMS's text ("seed=1 max_success=20"), or 100 if it has none;
// 0 if it replays a case (reproduce=).
int RequiredCasesIn(std::string_view params);

// Fails the current test unless `result` is a success with at least `required` passed cases:
// RapidCheck's failure message for a falsified property, and for a pass with fewer cases, what
// made RapidCheck run fewer.
void ExpectEveryCasePassed(const rc::detail::TestResult& result, int required);

// Runs `property` as RapidCheck's RC_GTEST_PROP does, then ExpectEveryCasePassed.
template <class Property>
void CheckProperty(Property&& property) {
  const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
  rc::detail::TestMetadata metadata;
  metadata.id = std::string(test->test_suite_name()) + "/" + test->name();
  metadata.description = test->name();
  ExpectEveryCasePassed(rc::detail::checkTestable(std::forward<Property>(property), metadata),
                        RequiredCases());
}

}  // namespace threadkata::testing

// RapidCheck's RC_GTEST_PROP(Suite, Name, (args)), except that a property passes only when it
// ran every case RC_PARAMS asks for: a property that ran none, or fewer, fails.
#define THREADKATA_PROP(Suite, Name, ArgList)                                   \
  void ThreadkataProperty_##Suite##_##Name ArgList;                             \
  TEST(Suite, Name) {                                                           \
    ::threadkata::testing::CheckProperty(&ThreadkataProperty_##Suite##_##Name); \
  }                                                                             \
  void ThreadkataProperty_##Suite##_##Name ArgList

#endif  // THREADKATA_TESTS_SUPPORT_PROPERTY_H_
