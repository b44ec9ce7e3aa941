#ifndef THREADKATA_TOOLS_KATA_CLI_VERDICT_H_
#define THREADKATA_TOOLS_KATA_CLI_VERDICT_H_

// Turns what a `bazel test` of a kata left behind (Bazel's output, the GoogleTest XML and the
// test log) into a verdict a learner can read: the failing checks with their teaching
// messages, a sanitizer report or a crash in plain words, a timeout, or compiler errors in
// the learner's file. Pure functions of their inputs, so they are tested on fixtures.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace threadkata::kata {

// How Bazel summed up the test target.
enum class BazelStatus { kPassed, kFailed, kTimedOut, kFailedToBuild, kUnknown };

// Reads the summary line of `target` ("//tests/x:kata_test  (cached) PASSED in 0.4s").
BazelStatus ParseBazelStatus(std::string_view bazel_output, std::string_view target);

// One failed expectation of a test.
struct Failure {
  std::string test;      // "Suite.Name"
  std::string location;  // "tests/01_sequential/sequential_test.cc:31"
  std::string message;   // what the test's author wrote for the learner; may be empty
  std::string detail;    // what GoogleTest printed: expected and actual values
};

struct TestReport {
  int total = 0;   // tests that ran
  int failed = 0;  // tests with at least one failure
  std::vector<Failure> failures;
};

// The GoogleTest XML report. nullopt when the XML is not GoogleTest's (Bazel writes its own
// when the binary died before GoogleTest could write one) or cannot be parsed.
std::optional<TestReport> ParseGoogleTestXml(std::string_view xml);

// Splits a GoogleTest failure text (without its first "file:line" line) into the author's
// message and GoogleTest's description of the values.
void SplitFailureText(std::string_view text, std::string* message, std::string* detail);

struct SanitizerReport {
  std::string tool;                    // "ThreadSanitizer", "AddressSanitizer", ...
  std::string kind;                    // "data race", "heap-use-after-free", ...
  std::string explanation;             // the kind in plain words, for someone new to threads
  std::vector<std::string> locations;  // "file:line" of each access, learner's files first
  std::string test;                    // the test running when it was reported, if known
  std::string report;                  // the report itself, shortened
};

// The first sanitizer report in a test log. Locations in `learner_files` come first.
std::optional<SanitizerReport> FindSanitizerReport(std::string_view log,
                                                   const std::vector<std::string>& learner_files);

// The test that was running when the log ends (a "[ RUN ]" without its result), if any.
std::string UnfinishedTest(std::string_view log);

// Compiler diagnostics from Bazel's output. Those about `learner_files` when there are any
// (`in_learner_files` is then true), else the first errors of the build.
std::vector<std::string> CompilerErrors(std::string_view bazel_output,
                                        const std::vector<std::string>& learner_files,
                                        bool* in_learner_files);

enum class Outcome { kPassed, kFailed, kTimedOut, kCrashed, kSanitizer, kBuildFailed, kNoResult };

struct Verdict {
  Outcome outcome = Outcome::kNoResult;
  TestReport tests;                          // kFailed (and counts whenever known)
  std::optional<SanitizerReport> sanitizer;  // kSanitizer
  std::string test;                          // kTimedOut, kCrashed: the test that hung or died
  std::string explanation;                   // kTimedOut, kCrashed, kNoResult: in plain words
  std::vector<std::string> compiler_errors;  // kBuildFailed
  bool errors_in_learner_files = false;      // kBuildFailed
};

struct RunArtifacts {
  std::string bazel_output;
  std::string target;
  std::optional<std::string> xml;  // absent when Bazel wrote none (or an old one)
  std::optional<std::string> log;
};

Verdict Judge(const RunArtifacts& run, const std::vector<std::string>& learner_files);

}  // namespace threadkata::kata

#endif  // THREADKATA_TOOLS_KATA_CLI_VERDICT_H_
