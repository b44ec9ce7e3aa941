// The verdicts on fixtures recorded from real runs of lesson 01's kata_test (testdata/) and on
// small hand-written outputs.

#include "tools/kata_cli/verdict.h"

#include <fstream>
#include <sstream>

#include "gtest/gtest.h"

namespace threadkata::kata {
namespace {

constexpr char kTarget[] = "//tests/01_sequential:kata_test";
const std::vector<std::string> kLearnerFiles = {"katas/01_sequential/sequential.cc"};

std::string Fixture(const std::string& name) {
  std::ifstream in("tools/kata_cli/testdata/" + name);
  EXPECT_TRUE(in) << "missing fixture " << name;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Summary(const std::string& status) {
  return std::string("INFO: Found 1 test target...\n") + kTarget + "    " + status + "\n";
}

TEST(ParseBazelStatus, ReadsTheTargetsSummaryLine) {
  EXPECT_EQ(ParseBazelStatus(Summary("PASSED in 0.4s"), kTarget), BazelStatus::kPassed);
  EXPECT_EQ(ParseBazelStatus(Summary("(cached) PASSED in 0.4s"), kTarget), BazelStatus::kPassed);
  EXPECT_EQ(ParseBazelStatus(Summary("FAILED in 0.4s"), kTarget), BazelStatus::kFailed);
  EXPECT_EQ(ParseBazelStatus(Summary("FLAKY, failed in 1 out of 2"), kTarget),
            BazelStatus::kFailed);
  EXPECT_EQ(ParseBazelStatus(Fixture("timeout.bazel.txt"), kTarget), BazelStatus::kTimedOut);
  EXPECT_EQ(ParseBazelStatus(Fixture("compile_error.bazel.txt"), kTarget),
            BazelStatus::kFailedToBuild);
}

TEST(ParseBazelStatus, IgnoresOtherTargetsAndMissingLines) {
  EXPECT_EQ(ParseBazelStatus(std::string(kTarget) + "_other   PASSED in 1s\n", kTarget),
            BazelStatus::kUnknown);
  EXPECT_EQ(ParseBazelStatus("INFO: Elapsed time: 1s\n", kTarget), BazelStatus::kUnknown);
  EXPECT_EQ(ParseBazelStatus("ERROR: no such package 'tests/02_x'\nFAILED: Build did NOT complete "
                             "successfully (0 packages loaded)\n",
                             kTarget),
            BazelStatus::kFailedToBuild);
}

TEST(SplitFailureText, SeparatesTheAuthorsMessageFromExpectedEquality) {
  std::string message, detail;
  SplitFailureText(
      "Expected equality of these values:\n  f()\n    Which is: \"\"\n  \"x\"\nf must return x",
      &message, &detail);
  EXPECT_EQ(message, "f must return x");
  EXPECT_EQ(detail, "Expected equality of these values:\n  f()\n    Which is: \"\"\n  \"x\"");
}

TEST(SplitFailureText, SkipsADiffBlock) {
  std::string message, detail;
  SplitFailureText(
      "Expected equality of these values:\n  out\n    Which is: \"\"\n  \"a\\nb\"\n"
      "With diff:\n@@ -1,1 +1,2 @@\n-\"\"\n+a\n+b\n\nprint each line",
      &message, &detail);
  EXPECT_EQ(message, "print each line");
  EXPECT_NE(detail.find("+b"), std::string::npos);
}

TEST(SplitFailureText, HandlesBooleansComparisonsAndFail) {
  std::string message, detail;
  SplitFailureText(
      "Value of: TookAtLeast(e, Units(2))\n  Actual: false (took 0 units)\n"
      "Expected: true\nyou forgot to sleep",
      &message, &detail);
  EXPECT_EQ(message, "you forgot to sleep");
  EXPECT_EQ(detail.substr(0, 10), "Value of: ");

  SplitFailureText("Expected: (a) < (b), actual: 3 vs 2\ntoo many threads at once", &message,
                   &detail);
  EXPECT_EQ(message, "too many threads at once");
  EXPECT_EQ(detail, "Expected: (a) < (b), actual: 3 vs 2");

  SplitFailureText("Failed\nthe worker never started", &message, &detail);
  EXPECT_EQ(message, "the worker never started");
  EXPECT_EQ(detail, "Failed");
}

TEST(SplitFailureText, KeepsARapidCheckReportWhole) {
  std::string message, detail;
  SplitFailureText("Falsifiable after 3 tests\n\nstd::tuple<int>:\n(2)\n\nRC_ASSERT(x < 2)",
                   &message, &detail);
  EXPECT_EQ(message, "");
  EXPECT_NE(detail.find("RC_ASSERT(x < 2)"), std::string::npos);
}

TEST(SplitFailureText, DropsTheFailedLineBeforeARapidCheckReport) {
  std::string message, detail;
  SplitFailureText("Failed\nFalsifiable after 6 tests\n\nRC_ASSERT(elapsed >= total)", &message,
                   &detail);
  EXPECT_EQ(message, "");
  EXPECT_EQ(detail, "Falsifiable after 6 tests\n\nRC_ASSERT(elapsed >= total)");
}

TEST(SplitFailureText, TakesAnUnknownShapeAsTheMessage) {
  std::string message, detail;
  SplitFailureText("the pool ran 3 tasks at once, at most 2 allowed", &message, &detail);
  EXPECT_EQ(message, "the pool ran 3 tasks at once, at most 2 allowed");
  EXPECT_EQ(detail, "");
}

TEST(ParseGoogleTestXml, ListsEachFailureWithItsTeachingMessage) {
  const std::optional<TestReport> report = ParseGoogleTestXml(Fixture("stub_failures.xml"));
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->total, 10);
  EXPECT_EQ(report->failed, 8);
  ASSERT_GE(report->failures.size(), 2u);
  const Failure& first = report->failures[0];
  EXPECT_EQ(first.test, "DoSomething.ReturnsDoneSleepingWithTheSeconds");
  EXPECT_EQ(first.location, "tests/01_sequential/sequential_test.cc:31");
  EXPECT_EQ(first.message.rfind("do_something must return \"Done Sleeping...\"", 0), 0u)
      << first.message;
  EXPECT_EQ(first.detail.rfind("Expected equality of these values:", 0), 0u) << first.detail;
  // The second expectation of the same test has no message of its own.
  EXPECT_EQ(report->failures[1].test, first.test);
  EXPECT_EQ(report->failures[1].message, "");
}

TEST(ParseGoogleTestXml, PlacesAPropertyFailureAtThePropertysLine) {
  const std::string xml = R"(<?xml version="1.0"?>
<testsuites name="AllTests"><testsuite name="RunSequentially">
<testcase name="TimeAddsUp" status="run" result="completed" classname="RunSequentially">
<failure message="m"><![CDATA[external/rapidcheck/include/rapidcheck/gtest.h:29
Failed
Falsifiable after 6 tests

tests/01_sequential/sequential_test.cc:138:
RC_ASSERT(elapsed >= total)]]></failure></testcase></testsuite></testsuites>)";
  const std::optional<TestReport> report = ParseGoogleTestXml(xml);
  ASSERT_TRUE(report.has_value());
  ASSERT_EQ(report->failures.size(), 1u);
  EXPECT_EQ(report->failures[0].location, "tests/01_sequential/sequential_test.cc:138");
  EXPECT_EQ(report->failures[0].detail.rfind("Falsifiable after 6 tests", 0), 0u);
}

TEST(ParseGoogleTestXml, RejectsBazelsStandInReportAndGarbage) {
  EXPECT_FALSE(ParseGoogleTestXml(Fixture("crash.xml")).has_value());
  EXPECT_FALSE(ParseGoogleTestXml("not xml <").has_value());
}

TEST(FindSanitizerReport, ExplainsADataRaceAndPointsAtTheLearnersLines) {
  const std::optional<SanitizerReport> report =
      FindSanitizerReport(Fixture("race_tsan.log"), kLearnerFiles);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->tool, "ThreadSanitizer");
  EXPECT_EQ(report->kind, "data race");
  EXPECT_EQ(report->explanation.rfind("a data race: two threads touched the same memory without "
                                      "synchronisation",
                                      0),
            0u);
  EXPECT_NE(report->explanation.find("The variable: calls."), std::string::npos);
  EXPECT_EQ(report->locations, (std::vector<std::string>{"katas/01_sequential/sequential.cc:26",
                                                         "katas/01_sequential/sequential.cc:25"}));
  EXPECT_EQ(report->test, "DoSomething.ReturnsDoneSleepingWithTheSeconds");
}

TEST(FindSanitizerReport, PutsTheLearnersFileFirstAndSkipsLibraries) {
  const std::string log =
      "[ RUN      ] Pool.Joins\n"
      "WARNING: ThreadSanitizer: thread leak (pid=7)\n"
      "  Thread T1 (tid=9, finished) created by main thread at:\n"
      "    #0 pthread_create ../../../../src/libsanitizer/tsan/tsan_interceptors_posix.cpp:1001 "
      "(libtsan.so.2+0x1)\n"
      "    #1 Helper() tests/09_executor/helper.cc:12 (x+0x2)\n"
      "  Thread T2 created by main thread at:\n"
      "    #0 Start() /proc/self/cwd/katas/09_executor/executor.cc:40:7 (x+0x3)\n"
      "SUMMARY: ThreadSanitizer: thread leak\n";
  const std::optional<SanitizerReport> report =
      FindSanitizerReport(log, {"katas/09_executor/executor.cc"});
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->kind, "thread leak");
  EXPECT_NE(report->explanation.find("never joined"), std::string::npos);
  EXPECT_EQ(report->locations, (std::vector<std::string>{"katas/09_executor/executor.cc:40",
                                                         "tests/09_executor/helper.cc:12"}));
  EXPECT_EQ(report->test, "Pool.Joins");
}

TEST(FindSanitizerReport, FindsNothingInACleanLog) {
  EXPECT_FALSE(FindSanitizerReport(Fixture("crash.log"), kLearnerFiles).has_value());
}

TEST(CompilerErrors, ShowsTheErrorsInTheLearnersFile) {
  bool mine = false;
  const std::vector<std::string> errors =
      CompilerErrors(Fixture("compile_error.bazel.txt"), kLearnerFiles, &mine);
  EXPECT_TRUE(mine);
  ASSERT_FALSE(errors.empty());
  EXPECT_EQ(errors[0].rfind("katas/01_sequential/sequential.cc: In function", 0), 0u) << errors[0];
  bool saw_error = false;
  for (const std::string& line : errors) {
    EXPECT_EQ(line.find("INFO:"), std::string::npos) << "Bazel's own lines stay hidden";
    saw_error |= line.find("sequential.cc:25:3: error: 'undeclared_thing'") != std::string::npos;
  }
  EXPECT_TRUE(saw_error);
}

TEST(CompilerErrors, FallsBackToTheBuildsErrorsElsewhere) {
  bool mine = true;
  const std::vector<std::string> errors =
      CompilerErrors(Fixture("compile_error.bazel.txt"), {"katas/02_x/x.cc"}, &mine);
  EXPECT_FALSE(mine);
  EXPECT_FALSE(errors.empty());
}

TEST(Judge, PassesWhenBazelSaysSo) {
  const Verdict verdict =
      Judge({Summary("(cached) PASSED in 0.2s"), kTarget, std::nullopt, ""}, kLearnerFiles);
  EXPECT_EQ(verdict.outcome, Outcome::kPassed);
}

TEST(Judge, FailsWithTheFailingChecks) {
  const Verdict verdict =
      Judge({Summary("FAILED in 0.4s"), kTarget, Fixture("stub_failures.xml"), ""}, kLearnerFiles);
  EXPECT_EQ(verdict.outcome, Outcome::kFailed);
  EXPECT_EQ(verdict.tests.failed, 8);
}

TEST(Judge, ExplainsARaceEvenWhenEveryCheckPassed) {
  const Verdict verdict = Judge(
      {Summary("FAILED in 4s"), kTarget, std::nullopt, Fixture("race_tsan.log")}, kLearnerFiles);
  ASSERT_EQ(verdict.outcome, Outcome::kSanitizer);
  EXPECT_EQ(verdict.sanitizer->kind, "data race");
}

TEST(Judge, ExplainsADestroyedJoinableThread) {
  const Verdict verdict =
      Judge({Summary("FAILED in 0.1s"), kTarget, Fixture("crash.xml"), Fixture("crash.log")},
            kLearnerFiles);
  EXPECT_EQ(verdict.outcome, Outcome::kCrashed);
  EXPECT_EQ(verdict.test, "DoSomething.ReturnsDoneSleepingWithTheSeconds");
  EXPECT_NE(verdict.explanation.find("joinable"), std::string::npos) << verdict.explanation;
}

TEST(Judge, SaysATimeoutIsProbablyADeadlock) {
  const Verdict verdict = Judge(
      {Fixture("timeout.bazel.txt"), kTarget, std::nullopt, Fixture("timeout.log")}, kLearnerFiles);
  EXPECT_EQ(verdict.outcome, Outcome::kTimedOut);
  EXPECT_EQ(verdict.test, "DoSomething.ReturnsDoneSleepingWithTheSeconds");
  EXPECT_EQ(verdict.explanation.rfind("timed out: probably a deadlock or a thread never joined", 0),
            0u);
}

TEST(Judge, NamesTheTestTheWatchdogEnded) {
  const std::string log =
      "[ RUN      ] Join.WaitsForTheThread\n"
      "[  TIMEOUT ] test Join.WaitsForTheThread did not finish within 200 units (20 s): probably "
      "a deadlock or a thread never joined. A join() that never returns?\n";
  const Verdict verdict =
      Judge({Summary("FAILED in 20s"), kTarget, std::nullopt, log}, kLearnerFiles);
  EXPECT_EQ(verdict.outcome, Outcome::kTimedOut);
  EXPECT_EQ(verdict.test, "Join.WaitsForTheThread");
  EXPECT_NE(verdict.explanation.find("A join() that never returns?"), std::string::npos);
}

TEST(Judge, ShowsCompilerErrors) {
  const Verdict verdict = Judge(
      {Fixture("compile_error.bazel.txt"), kTarget, std::nullopt, std::nullopt}, kLearnerFiles);
  EXPECT_EQ(verdict.outcome, Outcome::kBuildFailed);
  EXPECT_TRUE(verdict.errors_in_learner_files);
}

TEST(Judge, ExplainsAnEscapedException) {
  const std::string log =
      "[ RUN      ] Args.Result\n"
      "terminate called after throwing an instance of 'std::runtime_error'\n"
      "  what():  boom\n";
  const Verdict verdict =
      Judge({Summary("FAILED in 0.1s"), kTarget, std::nullopt, log}, kLearnerFiles);
  EXPECT_EQ(verdict.outcome, Outcome::kCrashed);
  EXPECT_NE(verdict.explanation.find("std::runtime_error: boom"), std::string::npos);
}

}  // namespace
}  // namespace threadkata::kata
