// main() of the tool's unit tests (the lessons' test main adds a watchdog and RapidCheck
// settings that these do not need).

#include "gtest/gtest.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
