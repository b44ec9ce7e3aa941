// Fixture: a "test" edited to pass whatever the kata does. The grader must not take it.

#include "gtest/gtest.h"

TEST(Everything, Passes) { SUCCEED(); }
