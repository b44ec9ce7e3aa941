#include "tools/kata_cli/verdict.h"

#include <algorithm>
#include <cstdlib>
#include <regex>
#include <sstream>

#include "pugixml.hpp"

namespace threadkata::kata {
namespace {

std::vector<std::string> Lines(std::string_view text) {
  std::vector<std::string> lines;
  std::istringstream in{std::string(text)};
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
  }
  return lines;
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

std::string Join(const std::vector<std::string>& lines, size_t begin, size_t end) {
  // Blank lines at either end carry nothing.
  while (begin < end && lines[begin].find_first_not_of(" \t") == std::string::npos) ++begin;
  while (end > begin && lines[end - 1].find_first_not_of(" \t") == std::string::npos) --end;
  std::string text;
  for (size_t i = begin; i < end; ++i) text += (i > begin ? "\n" : "") + lines[i];
  return text;
}

bool Indented(const std::string& line) { return StartsWith(line, " ") || StartsWith(line, "\t"); }

// Paths in reports are relative to Bazel's execution root, sometimes spelled through it.
std::string NormalizePath(std::string path) {
  for (const std::string_view marker : {"/proc/self/cwd/", "/execroot/threadkata/"}) {
    if (const size_t at = path.find(marker); at != std::string::npos) {
      path = path.substr(at + marker.size());
    }
  }
  return path;
}

// Code the learner neither wrote nor needs to read: system and external libraries, and the
// tests' shared main and helpers.
bool IsLibraryPath(std::string_view path) {
  return StartsWith(path, "/") || StartsWith(path, "external/") || StartsWith(path, "..") ||
         StartsWith(path, "<") || StartsWith(path, "bazel-out/") ||
         StartsWith(path, "tests/support/");
}

bool IsLearnerFile(std::string_view path, const std::vector<std::string>& learner_files) {
  return std::find(learner_files.begin(), learner_files.end(), path) != learner_files.end();
}

struct Explained {
  std::string_view kind;
  std::string_view words;
};

// What each sanitizer report means for someone who has just met threads. Longer kinds first:
// the first kind that the report's title starts with wins.
constexpr Explained kExplanations[] = {
    {"data race on vptr",
     "an object was destroyed while another thread was still using it: join the thread (or "
     "stop using the object) before the object goes away."},
    {"data race",
     "a data race: two threads touched the same memory without synchronisation, and at least "
     "one of them wrote. Nothing orders the two accesses (no mutex held by both, no atomic, no "
     "join in between), so the result can change from run to run even when every check "
     "passes."},
    {"lock-order-inversion",
     "a potential deadlock: two threads take the same locks in opposite orders. If they run at "
     "the wrong moment each holds one lock and waits forever for the other. Take locks in one "
     "fixed order everywhere, or take them together with std::scoped_lock."},
    {"thread leak",
     "a thread leak: a thread was started and never joined or detached. Every std::thread "
     "needs a join() (or detach()) before the program ends; std::jthread joins by itself."},
    {"heap-use-after-free",
     "memory was used after it was freed: often a thread still running after the object it "
     "works on was destroyed. Join threads before destroying what they use."},
    {"stack-use-after-return",
     "a thread used a local variable of a function that had already returned: a lambda "
     "captured it by reference ([&]) and outlived it. Capture by value, or join first."},
    {"stack-use-after-scope",
     "a local variable was used after its scope ended: a thread captured it by reference and "
     "outlived it. Capture by value, or join before the scope ends."},
    {"destroy of a locked mutex",
     "a mutex was destroyed while still locked: unlock it first (std::lock_guard and "
     "std::unique_lock do this for you)."},
    {"unlock of an unlocked mutex",
     "a mutex was unlocked that was not locked, or by a thread that did not lock it."},
    {"double lock of a mutex",
     "a thread locked a mutex it already holds: std::mutex is not recursive, so this "
     "deadlocks."},
    {"signal-unsafe call", "a function that is not safe in a signal handler was called from one."},
    {"heap-buffer-overflow", "a read or write past the end of a heap allocation."},
    {"stack-buffer-overflow", "a read or write past the end of a local array."},
    {"SEGV", "a bad memory access (segmentation fault)."},
    {"detected memory leaks", "memory was allocated and never freed."},
};

std::string ExplainSanitizerKind(std::string_view kind) {
  for (const Explained& entry : kExplanations) {
    if (StartsWith(kind, entry.kind)) return std::string(entry.words);
  }
  return "the sanitizer found a bug (" + std::string(kind) + ").";
}

}  // namespace

BazelStatus ParseBazelStatus(std::string_view bazel_output, std::string_view target) {
  bool build_failed = false;
  for (const std::string& line : Lines(bazel_output)) {
    if (StartsWith(line, "FAILED: Build did NOT complete successfully") ||
        StartsWith(line, "ERROR: Build did NOT complete successfully")) {
      build_failed = true;
    }
    if (!StartsWith(line, target) || line.size() == target.size() ||
        !std::isspace(static_cast<unsigned char>(line[target.size()]))) {
      continue;
    }
    std::string_view rest = line;
    rest.remove_prefix(std::min(rest.find_first_not_of(' ', target.size()), rest.size()));
    if (StartsWith(rest, "(cached) ")) rest.remove_prefix(9);
    if (StartsWith(rest, "PASSED")) return BazelStatus::kPassed;
    if (StartsWith(rest, "FAILED TO BUILD")) return BazelStatus::kFailedToBuild;
    if (StartsWith(rest, "TIMEOUT")) return BazelStatus::kTimedOut;
    if (StartsWith(rest, "FAILED") || StartsWith(rest, "FLAKY")) return BazelStatus::kFailed;
  }
  return build_failed ? BazelStatus::kFailedToBuild : BazelStatus::kUnknown;
}

void SplitFailureText(std::string_view text, std::string* message, std::string* detail) {
  const std::vector<std::string> lines = Lines(text);
  size_t i = 0;
  const auto at = [&](std::string_view prefix) {
    return i < lines.size() && StartsWith(lines[i], prefix);
  };
  // RapidCheck fails its properties with FAIL(): "Failed", then its own report.
  const bool rapidcheck_after_failed =
      at("Failed") && i + 1 < lines.size() &&
      (StartsWith(lines[i + 1], "Falsifiable") || StartsWith(lines[i + 1], "Gave up"));
  if (rapidcheck_after_failed) ++i;
  if (at("Falsifiable") || at("Gave up") || at("Exception thrown")) {
    // RapidCheck's report is one piece: the counterexample and the failed RC_ASSERT.
    *message = "";
    *detail = Join(lines, i, lines.size());
    return;
  }
  if (at("Expected equality of these values:")) {
    for (++i; i < lines.size() && Indented(lines[i]);) ++i;
  } else if (at("Value of: ") || at("Expected: ") || at("Actual: ") || at("  Actual: ")) {
    for (++i; i < lines.size() &&
              (Indented(lines[i]) || StartsWith(lines[i], "Expected:") ||
               StartsWith(lines[i], "Actual:") || StartsWith(lines[i], "Which is:"));) {
      ++i;
    }
  } else if (at("The difference between ")) {
    while (i < lines.size() && (StartsWith(lines[i], "The difference between ") ||
                                Contains(lines[i], " evaluates to "))) {
      ++i;
    }
  } else if (at("Failed")) {
    ++i;
  } else if (at("Death test:")) {
    for (++i; i < lines.size() && Indented(lines[i]);) ++i;
  }
  if (at("With diff:")) {
    while (i < lines.size() && !lines[i].empty()) ++i;
  }
  *detail = Join(lines, 0, i);
  *message = Join(lines, i, lines.size());
}

std::optional<TestReport> ParseGoogleTestXml(std::string_view xml) {
  pugi::xml_document document;
  if (!document.load_buffer(xml.data(), xml.size())) return std::nullopt;
  const pugi::xml_node root = document.child("testsuites");
  if (!root) return std::nullopt;
  TestReport report;
  bool from_googletest = false;
  for (const pugi::xml_node suite : root.children("testsuite")) {
    for (const pugi::xml_node test : suite.children("testcase")) {
      // Bazel's stand-in report has no class names: only GoogleTest's counts.
      if (!test.attribute("classname")) continue;
      from_googletest = true;
      if (std::string_view(test.attribute("status").value()) != "run") continue;
      if (std::string_view(test.attribute("result").value()) == "skipped") continue;
      ++report.total;
      const std::string name =
          std::string(test.attribute("classname").value()) + "." + test.attribute("name").value();
      bool failed = false;
      for (const pugi::xml_node failure : test.children("failure")) {
        failed = true;
        std::string text = failure.child_value();
        if (text.empty()) text = failure.attribute("message").value();
        Failure entry;
        entry.test = name;
        const size_t newline = text.find('\n');
        const std::string first = text.substr(0, newline);
        if (std::regex_match(first, std::regex(R"(\S+:\d+)"))) {
          entry.location = NormalizePath(first);
          text = newline == std::string::npos ? "" : text.substr(newline + 1);
        }
        SplitFailureText(text, &entry.message, &entry.detail);
        // RapidCheck reports from its own header; the property's line is in its report.
        static const std::regex kReportedAt(R"((?:^|\n)([^\s:]+):(\d+):(?:\n|$))");
        std::smatch at;
        if (IsLibraryPath(entry.location) && std::regex_search(text, at, kReportedAt)) {
          entry.location = at[1].str() + ":" + at[2].str();
        }
        report.failures.push_back(std::move(entry));
      }
      if (failed) ++report.failed;
    }
  }
  if (!from_googletest) return std::nullopt;
  return report;
}

std::string UnfinishedTest(std::string_view log) {
  std::string running;
  for (const std::string& line : Lines(log)) {
    if (StartsWith(line, "[ RUN      ] ")) {
      running = line.substr(13);
    } else if (StartsWith(line, "[       OK ] ") || StartsWith(line, "[  FAILED  ] ") ||
               StartsWith(line, "[  SKIPPED ] ")) {
      running.clear();
    }
  }
  return running;
}

std::optional<SanitizerReport> FindSanitizerReport(std::string_view log,
                                                   const std::vector<std::string>& learner_files) {
  static const std::regex kTitle(
      R"((?:WARNING|ERROR): (ThreadSanitizer|AddressSanitizer|LeakSanitizer|MemorySanitizer): (.*))");
  static const std::regex kUndefined(R"((\S+:\d+):\d+: runtime error: (.*))");
  static const std::regex kFrameStart(R"(^\s+#\d+ )");
  static const std::regex kFrame(R"(^\s+#\d+ .* ([^\s:]+):(\d+)(?::\d+)? \()");
  static const std::regex kGlobal(R"(Location is global '(?:.*::)?([^':]+)')");
  const std::vector<std::string> lines = Lines(log);
  std::string test;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (StartsWith(lines[i], "[ RUN      ] ")) test = lines[i].substr(13);
    std::smatch match;
    SanitizerReport report;
    report.test = test;
    if (std::regex_search(lines[i], match, kUndefined)) {
      report.tool = "UndefinedBehaviorSanitizer";
      report.kind = match[2];
      report.explanation = "undefined behaviour: " + report.kind + ".";
      report.locations.push_back(NormalizePath(match[1]));
      report.report = lines[i];
      return report;
    }
    if (!std::regex_search(lines[i], match, kTitle)) continue;
    report.tool = match[1];
    report.kind = match[2];
    for (const std::string_view tail : {" (pid=", " on address", " on unknown address"}) {
      if (const size_t cut = report.kind.find(tail); cut != std::string::npos) {
        report.kind.resize(cut);
      }
    }
    report.explanation = ExplainSanitizerKind(report.kind);
    // Each stack's first frame in the project's code, learner's files first; the stacks of
    // the accesses first, where threads were created only if there is nothing else.
    std::vector<std::string> buckets[2][2];  // [created][learner]
    bool stack_has_location = false;
    bool creation_stack = false;
    size_t end = i + 1;
    for (; end < lines.size(); ++end) {
      const std::string& line = lines[end];
      if (StartsWith(line, "SUMMARY: ") || StartsWith(line, "==================")) break;
      if (!std::regex_search(line, kFrameStart)) {
        // A line that is not a frame starts the next stack ("Previous write ... by thread T2:").
        stack_has_location = false;
        creation_stack = Contains(line, " created by ");
        if (std::regex_search(line, match, kGlobal)) {
          report.explanation += " The variable: " + match[1].str() + ".";
        }
        continue;
      }
      if (!std::regex_search(line, match, kFrame)) continue;
      const std::string path = NormalizePath(match[1]);
      if (stack_has_location || IsLibraryPath(path)) continue;
      stack_has_location = true;
      const std::string location = path + ":" + match[2].str();
      std::vector<std::string>& bucket =
          buckets[creation_stack ? 1 : 0][IsLearnerFile(path, learner_files) ? 0 : 1];
      if (std::find(bucket.begin(), bucket.end(), location) == bucket.end()) {
        bucket.push_back(location);
      }
    }
    const int kind = buckets[0][0].empty() && buckets[0][1].empty() ? 1 : 0;
    report.locations = buckets[kind][0];
    report.locations.insert(report.locations.end(), buckets[kind][1].begin(),
                            buckets[kind][1].end());
    // The report without the frames of libraries and the binaries' addresses.
    static const std::regex kAddress(R"( \([^()]*\+0x[0-9a-f]+\)$)");
    std::vector<std::string> shown;
    for (size_t k = i; k < std::min(end + 1, lines.size()); ++k) {
      if (std::regex_search(lines[k], kFrameStart) &&
          (!std::regex_search(lines[k], match, kFrame) || IsLibraryPath(NormalizePath(match[1])))) {
        continue;
      }
      shown.push_back(std::regex_replace(lines[k], kAddress, ""));
    }
    report.report = Join(shown, 0, shown.size());
    return report;
  }
  return std::nullopt;
}

std::vector<std::string> CompilerErrors(std::string_view bazel_output,
                                        const std::vector<std::string>& learner_files,
                                        bool* in_learner_files) {
  static const std::regex kDiagnostic(R"(^(\S+?):(?:\d+:\d+: |\s*In |\s*At ).*)");
  const std::vector<std::string> lines = Lines(bazel_output);
  // Compiler output: the lines after "ERROR: ... Compiling x failed", up to Bazel's next own
  // line.
  std::vector<std::string> compiler;
  std::vector<std::string> bazel_errors;
  bool in_compiler = false;
  for (const std::string& line : lines) {
    const bool bazel_line = StartsWith(line, "INFO:") || StartsWith(line, "ERROR:") ||
                            StartsWith(line, "FAILED:") || StartsWith(line, "Target ") ||
                            StartsWith(line, "//") || StartsWith(line, "[") ||
                            StartsWith(line, "Executed ") || StartsWith(line, "WARNING:");
    if (StartsWith(line, "Use --sandbox_debug")) continue;
    if (bazel_line) {
      in_compiler = StartsWith(line, "ERROR:") && Contains(line, "Compiling ");
      if (StartsWith(line, "ERROR:") && !Contains(line, "Build did NOT complete") && !in_compiler) {
        bazel_errors.push_back(line);
      }
      continue;
    }
    if (in_compiler && !line.empty()) compiler.push_back(line);
  }
  std::vector<std::string> mine;
  bool keep = false;
  for (const std::string& line : compiler) {
    std::smatch match;
    if (!Indented(line) && std::regex_match(line, match, kDiagnostic)) {
      keep = IsLearnerFile(NormalizePath(match[1]), learner_files);
    }
    if (keep) mine.push_back(line);
  }
  constexpr size_t kMaxLines = 40;
  *in_learner_files = !mine.empty();
  std::vector<std::string>& chosen = !mine.empty()       ? mine
                                     : !compiler.empty() ? compiler
                                                         : bazel_errors;
  if (chosen.size() > kMaxLines) chosen.resize(kMaxLines);
  return chosen;
}

Verdict Judge(const RunArtifacts& run, const std::vector<std::string>& learner_files) {
  Verdict verdict;
  const BazelStatus status = ParseBazelStatus(run.bazel_output, run.target);
  if (status == BazelStatus::kFailedToBuild) {
    verdict.outcome = Outcome::kBuildFailed;
    verdict.compiler_errors =
        CompilerErrors(run.bazel_output, learner_files, &verdict.errors_in_learner_files);
    return verdict;
  }
  const std::string log = run.log.value_or("");
  std::optional<TestReport> report;
  if (run.xml) report = ParseGoogleTestXml(*run.xml);
  if (report) verdict.tests = *report;

  // Line by line: std::regex recurses once per character matched, so never on a whole log.
  static const std::regex kWatchdog(R"(\[  TIMEOUT \] (?:test )?(\S+) did not finish[^:]*: (.*))");
  const std::vector<std::string> log_lines = Lines(log);
  std::smatch watchdog;
  bool watchdog_fired = false;
  for (const std::string& line : log_lines) {
    if (StartsWith(line, "[  TIMEOUT ] ") && std::regex_search(line, watchdog, kWatchdog)) {
      watchdog_fired = true;
      break;
    }
  }
  if (status == BazelStatus::kTimedOut || watchdog_fired) {
    verdict.outcome = Outcome::kTimedOut;
    verdict.test = watchdog_fired ? watchdog[1].str() : UnfinishedTest(log);
    verdict.explanation = "timed out: probably a deadlock or a thread never joined.";
    if (watchdog_fired) {
      std::string hint = watchdog[2].str();
      const std::string said = "probably a deadlock or a thread never joined. ";
      if (StartsWith(hint, said)) hint = hint.substr(said.size());
      if (!hint.empty()) verdict.explanation += " " + hint;
    }
    return verdict;
  }
  if (status == BazelStatus::kFailed || status == BazelStatus::kUnknown) {
    if (std::optional<SanitizerReport> sanitizer = FindSanitizerReport(log, learner_files)) {
      verdict.outcome = Outcome::kSanitizer;
      verdict.sanitizer = std::move(sanitizer);
      return verdict;
    }
  }
  if (report && report->failed > 0) {
    verdict.outcome = Outcome::kFailed;
    return verdict;
  }
  if (status == BazelStatus::kPassed) {
    verdict.outcome = Outcome::kPassed;
    return verdict;
  }
  if (status != BazelStatus::kFailed) {
    verdict.outcome = Outcome::kNoResult;
    verdict.explanation = "Bazel gave no result for the test.";
    return verdict;
  }

  verdict.outcome = Outcome::kCrashed;
  verdict.test = UnfinishedTest(log);
  int exit_code = -1;
  constexpr std::string_view kExited = "exited with error code ";
  if (run.xml) {
    if (const size_t at = run.xml->find(kExited); at != std::string::npos) {
      exit_code = std::atoi(run.xml->c_str() + at + kExited.size());
    }
  }
  // "terminate called after throwing an instance of 'T'" and, on the next line, "what(): ...".
  std::string thrown;
  constexpr std::string_view kThrown = "terminate called after throwing an instance of '";
  for (size_t k = 0; k < log_lines.size(); ++k) {
    if (!StartsWith(log_lines[k], kThrown)) continue;
    const std::string type = log_lines[k].substr(kThrown.size());
    thrown = type.substr(0, type.find('\''));
    if (k + 1 < log_lines.size()) {
      const size_t what = log_lines[k + 1].find("what():");
      if (what != std::string::npos) {
        const size_t text = log_lines[k + 1].find_first_not_of(' ', what + 7);
        thrown += ": " + (text == std::string::npos ? "" : log_lines[k + 1].substr(text));
      }
    }
    break;
  }
  if (Contains(log, "terminate called without an active exception")) {
    verdict.explanation =
        "std::terminate was called: a std::thread was destroyed (or assigned to) while still "
        "joinable. Every std::thread must be joined or detached before its destructor runs; "
        "std::jthread joins by itself.";
  } else if (!thrown.empty()) {
    verdict.explanation = "an exception escaped: " + thrown +
                          ". An exception leaving a thread's function (or a destructor) ends "
                          "the whole program.";
  } else if (exit_code == 139 || Contains(log, "Segmentation fault")) {
    verdict.explanation =
        "a segmentation fault (a bad memory access): often a thread using a reference or "
        "pointer to something that no longer exists, such as a local captured by [&].";
  } else if (exit_code == 134) {
    verdict.explanation = "the program aborted (an assert, or std::abort).";
  } else if (!verdict.test.empty() || !report) {
    verdict.explanation =
        exit_code > 0 ? "the test program died (exit code " + std::to_string(exit_code) + ")."
                      : "the test program died.";
  } else {
    verdict.explanation =
        "every check passed, but the test program then failed" +
        (exit_code > 0 ? " (exit code " + std::to_string(exit_code) + ")" : std::string()) +
        ": something went wrong after the last test, such as a thread still running at exit.";
  }
  return verdict;
}

}  // namespace threadkata::kata
