#include "tools/kata_cli/hints.h"

#include "gtest/gtest.h"

namespace threadkata::kata {
namespace {

constexpr char kReadme[] = R"(# 01 · A lesson

## Your task

### Not a hint
Text.

## Hints

### Hint 1
Use `std::thread`.

### Hint 2
Join it:

```cpp
### this is code, not a heading
t.join();
```

## Afterwards
Not a hint either.
)";

TEST(ParseHints, ReadsOnlyTheHintsSectionInOrder) {
  const std::vector<std::string> hints = ParseHints(kReadme);
  ASSERT_EQ(hints.size(), 2u);
  EXPECT_EQ(hints[0], "Use `std::thread`.");
  EXPECT_EQ(hints[1], "Join it:\n\n```cpp\n### this is code, not a heading\nt.join();\n```");
}

TEST(ParseHints, FindsNoneWithoutAHintsSection) {
  EXPECT_TRUE(ParseHints("# Title\n\n## Your task\n### Hint 1\nno\n").empty());
}

TEST(NextHint, RevealsOneAtATimeThenRepeatsTheLast) {
  const std::vector<std::string> hints = {"one", "two"};
  HintToShow first = NextHint(hints, 0);
  EXPECT_EQ(first.number, 1);
  EXPECT_EQ(first.total, 2);
  EXPECT_EQ(first.text, "one");
  EXPECT_TRUE(first.new_hint);
  HintToShow second = NextHint(hints, 1);
  EXPECT_EQ(second.number, 2);
  EXPECT_TRUE(second.new_hint);
  HintToShow again = NextHint(hints, 2);
  EXPECT_EQ(again.number, 2);
  EXPECT_EQ(again.text, "two");
  EXPECT_FALSE(again.new_hint);
}

TEST(NextHint, HasNothingForALessonWithoutHints) {
  const HintToShow none = NextHint({}, 0);
  EXPECT_EQ(none.number, 0);
  EXPECT_EQ(none.total, 0);
}

}  // namespace
}  // namespace threadkata::kata
