// tools/kata: the learner's tool. Runs a lesson's tests against the learner's file, plain and
// under ThreadSanitizer, and says in plain words what is wrong and what to do next.
// The tools/kata script builds this program and runs it with the repository's root.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "fmt/core.h"
#include "tools/kata_cli/hints.h"
#include "tools/kata_cli/lessons.h"
#include "tools/kata_cli/progress.h"
#include "tools/kata_cli/runner.h"
#include "tools/kata_cli/stub.h"
#include "tools/kata_cli/ui.h"
#include "tools/kata_cli/verdict.h"
#include "tools/kata_cli/watch.h"

namespace threadkata::kata {
namespace {

namespace fs = std::filesystem;

std::atomic<bool> g_interrupted{false};
int g_signal_pipe[2] = {-1, -1};

void OnSignal(int) {
  g_interrupted = true;
  const char byte = 0;
  if (g_signal_pipe[1] >= 0) [[maybe_unused]]
    ssize_t ignored = write(g_signal_pipe[1], &byte, 1);
}

void CatchInterrupts() {
  if (g_signal_pipe[0] < 0 && pipe2(g_signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0) return;
  struct sigaction action {};
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

enum class Config { kPlain, kTsan };

// A kata's tests may hang; Bazel ends them after this long. The test main's watchdog ends a
// single hung test sooner (200 time units) and names it.
int TestTimeoutSeconds(Config config) { return config == Config::kPlain ? 60 : 180; }

struct Context {
  fs::path root;
  Catalogue catalogue;
  Progress progress;
  Terminal term;

  fs::path StateDir() const { return root / ".threadkata"; }
  fs::path LogsDir() const { return StateDir() / "logs"; }

  void Save() {
    try {
      progress.Save(StateDir() / "progress.json");
    } catch (const std::exception& e) {
      fmt::print(stderr, "threadkata: could not save your progress: {}\n", e.what());
    }
  }
};

std::optional<std::string> ReadIfFresh(const fs::path& file, fs::file_time_type since) {
  std::error_code error;
  const fs::file_time_type written = fs::last_write_time(file, error);
  if (error || written < since) return std::nullopt;
  return ReadFile(file);
}

struct TestRun {
  Verdict verdict;
  bool interrupted = false;
  fs::path log;  // a copy of the test's log, for the learner to read in full
};

TestRun RunKataTest(Context& ctx, const Lesson& lesson, Config config) {
  static constexpr const char* kSpinner[] = {"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"};
  const std::string name = config == Config::kPlain ? "plain" : "tsan";
  const std::string what = config == Config::kPlain
                               ? "building and running the checks"
                               : "running the checks again under ThreadSanitizer";
  std::error_code error;
  fs::create_directories(ctx.LogsDir(), error);
  const fs::path bazel_log = ctx.LogsDir() / fmt::format("{}-{}.bazel.log", lesson.id, name);
  std::vector<std::string> argv = {"bazel",
                                   "test",
                                   "--color=no",
                                   "--curses=no",
                                   "--test_output=summary",
                                   "--test_summary=short",
                                   fmt::format("--test_timeout={}", TestTimeoutSeconds(config))};
  if (config == Config::kTsan) argv.push_back("--config=tsan");
  argv.push_back(lesson.TestTarget());

  // File times have a coarser clock than steady_clock: compare against the file clock.
  const fs::file_time_type started = fs::file_time_type::clock::now() - std::chrono::seconds(1);
  int frame = 0;
  const CommandResult result = RunToFile(
      argv, ctx.root, bazel_log,
      [&](double seconds) {
        ctx.term.Status(fmt::format("{} {} {}: {} ({:.0f} s)", kSpinner[frame++ % 10], lesson.id,
                                    lesson.title, what, seconds));
      },
      &g_interrupted);
  ctx.term.ClearStatus();

  TestRun run;
  run.interrupted = result.interrupted;
  RunArtifacts artifacts;
  artifacts.target = lesson.TestTarget();
  artifacts.bazel_output = ReadFile(bazel_log).value_or("");
  if (result.exit_code == 127 && artifacts.bazel_output.empty()) {
    artifacts.bazel_output = "ERROR: bazel could not be started: run tools/setup";
  }
  const fs::path testlogs = ctx.root / "bazel-testlogs/tests" / lesson.folder / "kata_test";
  // A test result served from Bazel's cache keeps its older report: read it anyway.
  const bool cached = artifacts.bazel_output.find("(cached) PASSED") != std::string::npos;
  const fs::file_time_type since = cached ? fs::file_time_type::min() : started;
  artifacts.xml = ReadIfFresh(testlogs / "test.xml", since);
  artifacts.log = ReadIfFresh(testlogs / "test.log", since);
  run.log = ctx.LogsDir() / fmt::format("{}-{}.test.log", lesson.id, name);
  fs::copy_file(testlogs / "test.log", run.log, fs::copy_options::overwrite_existing, error);
  if (error || !artifacts.log) run.log = bazel_log;
  run.verdict = Judge(artifacts, lesson.editable);
  return run;
}

std::string Relative(const Context& ctx, const fs::path& path) {
  return fs::relative(path, ctx.root).string();
}

void PrintIndented(const std::string& text, const std::string& indent, size_t max_lines,
                   const std::function<std::string(std::string_view)>& style) {
  std::istringstream lines(text);
  size_t count = 0;
  for (std::string line; std::getline(lines, line);) {
    if (count++ == max_lines) {
      fmt::print("{}{}\n", indent, style("..."));
      return;
    }
    fmt::print("{}{}\n", indent, style(line));
  }
}

void PrintFailures(const Context& ctx, const Lesson& lesson, const TestReport& report,
                   bool show_all) {
  constexpr size_t kShownTests = 3;
  fmt::print("{} {} of {} {} fail:\n\n", ctx.term.Red("✗"), report.failed, report.total,
             report.total == 1 ? "check" : "checks");
  std::vector<std::string> tests;
  const auto dim = [&](std::string_view text) { return ctx.term.Dim(text); };
  for (const Failure& failure : report.failures) {
    const bool first_of_test = tests.empty() || tests.back() != failure.test;
    if (first_of_test) tests.push_back(failure.test);
    if (!show_all && tests.size() > kShownTests) continue;
    if (first_of_test) fmt::print("  {} {}\n", ctx.term.Red("✗"), ctx.term.Bold(failure.test));
    if (!failure.message.empty()) {
      PrintIndented(failure.message, "    ", 12,
                    [&](std::string_view text) { return ctx.term.Yellow(text); });
    }
    PrintIndented(failure.detail, "      ", failure.message.empty() ? 16 : 8, dim);
    if (!failure.location.empty()) fmt::print("      {}\n", dim("at " + failure.location));
    fmt::print("\n");
  }
  if (!show_all && tests.size() > kShownTests) {
    std::string rest;
    for (size_t i = kShownTests; i < tests.size(); ++i) {
      rest += (i > kShownTests ? ", " : "") + tests[i];
    }
    fmt::print("  ...and {} more: {}\n  {}\n\n", tests.size() - kShownTests, rest,
               ctx.term.Dim("(all of them: tools/kata check " + lesson.id + " --all)"));
  }
}

void PrintVerdict(const Context& ctx, const Lesson& lesson, const TestRun& run, Config config,
                  bool show_all) {
  const Verdict& verdict = run.verdict;
  const std::string log = Relative(ctx, run.log);
  switch (verdict.outcome) {
    case Outcome::kPassed:
      return;
    case Outcome::kFailed:
      PrintFailures(ctx, lesson, verdict.tests, show_all);
      if (config == Config::kTsan) {
        fmt::print("  {}\n\n", ctx.term.Dim("(these failed only under ThreadSanitizer, which runs "
                                            "slower: a timing assumption or a race)"));
      }
      break;
    case Outcome::kSanitizer: {
      const SanitizerReport& report = *verdict.sanitizer;
      fmt::print("{} {} found {}\n\n", ctx.term.Red("✗"), report.tool,
                 ctx.term.Bold(report.explanation));
      if (!report.locations.empty()) {
        std::string where;
        for (const std::string& location : report.locations) {
          where += (where.empty() ? "" : ", ") + location;
        }
        fmt::print("  here: {}\n", ctx.term.Bold(where));
      }
      if (!report.test.empty()) fmt::print("  during the check {}\n", report.test);
      fmt::print("\n  {}\n", ctx.term.Dim("The report begins:"));
      PrintIndented(report.report, "    ", 12, [&](std::string_view t) { return ctx.term.Dim(t); });
      fmt::print("\n");
      break;
    }
    case Outcome::kTimedOut:
      fmt::print("{} {}\n", ctx.term.Red("✗"), ctx.term.Bold(verdict.explanation));
      if (!verdict.test.empty()) fmt::print("  in the check {}\n", verdict.test);
      fmt::print("\n");
      break;
    case Outcome::kCrashed:
      fmt::print("{} the checks crashed{}: {}\n\n", ctx.term.Red("✗"),
                 verdict.test.empty() ? "" : " in " + verdict.test,
                 ctx.term.Bold(verdict.explanation));
      break;
    case Outcome::kBuildFailed:
      if (verdict.errors_in_learner_files) {
        fmt::print("{} {}\n\n", ctx.term.Red("✗"), ctx.term.Bold("your code does not compile:"));
      } else {
        fmt::print("{} {}\n\n", ctx.term.Red("✗"),
                   ctx.term.Bold("the lesson does not build (the error is not in your file):"));
      }
      for (const std::string& line : verdict.compiler_errors) {
        const bool error_line = line.find(": error:") != std::string::npos;
        fmt::print("  {}\n", error_line ? ctx.term.Red(line) : line);
      }
      fmt::print("\n");
      return;
    case Outcome::kNoResult:
      fmt::print("{} {}\n\n", ctx.term.Red("✗"), verdict.explanation);
      break;
  }
  fmt::print("  {}\n", ctx.term.Dim("Full test output: " + log));
}

void PrintMissing(const Context& ctx, const Lesson& lesson,
                  const std::vector<std::string>& missing) {
  std::string files;
  for (const std::string& file : missing) files += (files.empty() ? "" : ", ") + file;
  fmt::print(
      "{} Lesson {} ({}) is listed in katas/lessons.json, but your checkout does not "
      "have it yet: {} missing.\n  Update the repository (git pull), then run tools/kata "
      "again.\n",
      ctx.term.Yellow("!"), lesson.id, lesson.title, files);
}

void PrintWhereToWork(const Context& ctx, const Lesson& lesson) {
  std::string files;
  for (const std::string& file : lesson.editable) files += (files.empty() ? "" : ", ") + file;
  fmt::print("  Edit   {}\n  Read   {}\n  Stuck? {}\n", ctx.term.Bold(files), lesson.Readme(),
             ctx.term.Cyan("tools/kata hint " + lesson.id));
}

enum class CheckResult { kSolved, kUnsolved, kMissing, kInterrupted };

// Runs the lesson's checks, plain and then under ThreadSanitizer, prints the verdict and
// records a solved lesson.
CheckResult Check(Context& ctx, const Lesson& lesson, bool show_all = false) {
  fmt::print("{}\n\n", ctx.term.Bold(fmt::format("── Lesson {} · {} ──", lesson.id, lesson.title)));
  if (const std::vector<std::string> missing = MissingFiles(lesson, ctx.root); !missing.empty()) {
    PrintMissing(ctx, lesson, missing);
    return CheckResult::kMissing;
  }
  const TestRun plain = RunKataTest(ctx, lesson, Config::kPlain);
  if (plain.interrupted) return CheckResult::kInterrupted;
  if (plain.verdict.outcome != Outcome::kPassed) {
    PrintVerdict(ctx, lesson, plain, Config::kPlain, show_all);
    if (ctx.progress.IsSolved(lesson.id)) {
      ctx.progress.MarkUnsolved(lesson.id);
      ctx.Save();
    }
    return CheckResult::kUnsolved;
  }
  const std::string all = plain.verdict.tests.total > 0
                              ? fmt::format("all {} checks pass", plain.verdict.tests.total)
                              : "the checks pass";
  fmt::print("{} {}\n", ctx.term.Green("✓"), all);
  const TestRun tsan = RunKataTest(ctx, lesson, Config::kTsan);
  if (tsan.interrupted) return CheckResult::kInterrupted;
  if (tsan.verdict.outcome != Outcome::kPassed) {
    fmt::print(
        "{} but not under ThreadSanitizer, which watches every memory access of every "
        "thread:\n\n",
        ctx.term.Red("✗"));
    PrintVerdict(ctx, lesson, tsan, Config::kTsan, show_all);
    fmt::print("  A lesson is solved when its checks pass plain and under ThreadSanitizer.\n");
    ctx.progress.MarkUnsolved(lesson.id);
    ctx.Save();
    return CheckResult::kUnsolved;
  }
  fmt::print("{} {} under ThreadSanitizer: no data race, no leaked thread\n\n", ctx.term.Green("✓"),
             all);
  fmt::print("{}\n", ctx.term.Green(fmt::format("Lesson {} solved!", lesson.id)));
  if (!ctx.progress.IsSolved(lesson.id)) {
    ctx.progress.MarkSolved(lesson.id, UtcNow());
    ctx.Save();
  }
  fmt::print("  {}\n",
             ctx.term.Dim("Compare with the reference: tools/kata solution " + lesson.id));
  return CheckResult::kSolved;
}

void PrintProgress(const Context& ctx) {
  const int solved = ctx.progress.SolvedCount(ctx.catalogue);
  const int total = static_cast<int>(ctx.catalogue.lessons().size());
  fmt::print("{} {} {}/{} lessons · {}/{} points\n", ctx.term.Bold("Progress"),
             ctx.term.Green(ProgressBar(solved, total, 22)), solved, total,
             ctx.progress.SolvedPoints(ctx.catalogue), ctx.catalogue.TotalPoints());
}

void PrintList(const Context& ctx) {
  PrintProgress(ctx);
  fmt::print("\n");
  const Lesson* current = ctx.progress.Current(ctx.catalogue);
  for (const Lesson& lesson : ctx.catalogue.lessons()) {
    const bool missing = !MissingFiles(lesson, ctx.root).empty();
    std::string mark = ctx.term.Dim("·");
    std::string note;
    if (ctx.progress.IsSolved(lesson.id)) {
      mark = ctx.term.Green("✓");
    } else if (current == &lesson) {
      mark = ctx.term.Cyan("▶");
      note = ctx.term.Cyan("  ← you are here");
    }
    if (missing) note += ctx.term.Yellow("  (not in your checkout yet)");
    fmt::print("  {} {} {:<40} {:>3} pts{}\n", mark, lesson.id, lesson.title, lesson.points, note);
  }
}

const Lesson* Resolve(const Context& ctx, const std::string& name) {
  const Lesson* lesson = ctx.catalogue.Find(name);
  if (!lesson) {
    fmt::print(stderr, "tools/kata: there is no lesson \"{}\". The lessons are: {}.\n", name,
               ctx.catalogue.Names());
  }
  return lesson;
}

const Lesson* ChosenOrCurrent(Context& ctx, const std::string& name) {
  if (!name.empty()) return Resolve(ctx, name);
  const Lesson* lesson = ctx.progress.Current(ctx.catalogue);
  if (!lesson)
    fmt::print("Every lesson is solved. {}\n",
               ctx.term.Dim("(tools/kata verify re-checks them all)"));
  return lesson;
}

void PrintNext(const Context& ctx) {
  const Lesson* next = ctx.progress.Current(ctx.catalogue);
  if (!next) {
    fmt::print("\n{}\n", ctx.term.Green("Every lesson is solved. Well done! tools/kata verify "
                                        "re-checks them all."));
    return;
  }
  fmt::print("\n{} lesson {}: {}\n", ctx.term.Bold("Next:"), next->id, ctx.term.Bold(next->title));
  if (const std::vector<std::string> missing = MissingFiles(*next, ctx.root); !missing.empty()) {
    PrintMissing(ctx, *next, missing);
    return;
  }
  PrintWhereToWork(ctx, *next);
}

// ---------------------------------------------------------------------------------- commands

int CommandDefault(Context& ctx) {
  if (ctx.progress.fresh()) {
    fmt::print(
        "{}\n\nEach lesson teaches one idea of multithreading in C++. You read its "
        "README, implement a small API in one file, and the lesson's checks tell you what "
        "is still wrong. A lesson is solved when its checks pass, plain and under "
        "ThreadSanitizer.\n\n"
        "  tools/kata          check the lesson you are on (this)\n"
        "  tools/kata watch    re-check on every save and move on when solved\n"
        "  tools/kata hint     the next hint for your lesson\n"
        "  tools/kata list     every lesson  ·  tools/kata --help: everything else\n\n",
        ctx.term.Bold("Welcome to threadkata!"));
    ctx.Save();
  }
  PrintProgress(ctx);
  fmt::print("\n");
  const Lesson* lesson = ctx.progress.Current(ctx.catalogue);
  if (!lesson) {
    PrintNext(ctx);
    return 0;
  }
  const CheckResult result = Check(ctx, *lesson);
  if (result == CheckResult::kSolved) {
    PrintNext(ctx);
    fmt::print("\nRun {} again (or {}) when you are ready.\n", ctx.term.Cyan("tools/kata"),
               ctx.term.Cyan("tools/kata watch"));
    return 0;
  }
  if (result == CheckResult::kUnsolved) {
    fmt::print("\n");
    PrintWhereToWork(ctx, *lesson);
    fmt::print("\nThen run {} again, or {} to re-check on every save.\n",
               ctx.term.Cyan("tools/kata"), ctx.term.Cyan("tools/kata watch"));
  }
  return 1;
}

int CommandCheck(Context& ctx, const std::string& name, bool show_all) {
  const Lesson* lesson = ChosenOrCurrent(ctx, name);
  if (!lesson) return name.empty() ? 0 : 2;
  if (!name.empty() && !ctx.progress.IsSolved(lesson->id)) {
    ctx.progress.Choose(lesson->id);
    ctx.Save();
  }
  const CheckResult result = Check(ctx, *lesson, show_all);
  if (result == CheckResult::kSolved) {
    PrintNext(ctx);
    return 0;
  }
  if (result == CheckResult::kUnsolved) {
    fmt::print("\n");
    PrintWhereToWork(ctx, *lesson);
  }
  return 1;
}

int CommandHint(Context& ctx, const std::string& name) {
  const Lesson* lesson = ChosenOrCurrent(ctx, name);
  if (!lesson) return name.empty() ? 0 : 2;
  const std::optional<std::string> readme = ReadFile(ctx.root / lesson->Readme());
  if (!readme) {
    PrintMissing(ctx, *lesson, {lesson->Readme()});
    return 1;
  }
  const HintToShow hint = NextHint(ParseHints(*readme), ctx.progress.HintsShown(lesson->id));
  if (hint.total == 0) {
    fmt::print("Lesson {} has no hints: its README ({}) is all there is.\n", lesson->id,
               lesson->Readme());
    return 0;
  }
  fmt::print("{}\n\n", ctx.term.Bold(fmt::format("Lesson {} · {} · hint {} of {}", lesson->id,
                                                 lesson->title, hint.number, hint.total)));
  PrintIndented(hint.text, "  ", 1000, [&](std::string_view t) { return ctx.term.Code(t); });
  fmt::print("\n");
  if (hint.new_hint) {
    ctx.progress.SetHintsShown(lesson->id, hint.number);
    ctx.Save();
  }
  if (hint.number < hint.total) {
    fmt::print("{}\n", ctx.term.Dim(fmt::format("Still stuck? tools/kata hint {} gives hint {}.",
                                                lesson->id, hint.number + 1)));
  } else {
    fmt::print("{}\n", ctx.term.Dim(fmt::format(
                           "That is the last hint. The reference solution opens once you solve "
                           "the lesson (or now: tools/kata solution {} --force).",
                           lesson->id)));
  }
  return 0;
}

// The stub of `file`: the version in git's history whose SHA-256 the lesson's tests record,
// else the last committed one.
std::optional<std::string> FindStub(const Context& ctx, const Lesson& lesson,
                                    const std::string& file) {
  const std::optional<std::string> build =
      ReadFile(ctx.root / "tests" / lesson.folder / "BUILD.bazel");
  const std::optional<std::string> sha = build ? StubSha256FromBuild(*build) : std::nullopt;
  int status = 0;
  const std::string commits = Capture({"git", "log", "--format=%H", "--", file}, ctx.root, &status);
  if (status != 0) return std::nullopt;
  std::istringstream lines(commits);
  for (std::string commit; sha && std::getline(lines, commit);) {
    const std::string text = Capture({"git", "show", commit + ":" + file}, ctx.root, &status);
    if (status == 0 && Sha256Hex(text) == *sha) return text;
  }
  const std::string head = Capture({"git", "show", "HEAD:" + file}, ctx.root, &status);
  if (status != 0) return std::nullopt;
  return head;
}

int CommandReset(Context& ctx, const std::string& name, bool yes) {
  const Lesson* lesson = Resolve(ctx, name);
  if (!lesson) return 2;
  // UtcNow() without its separators, for a file name: 20261125T201928Z.
  std::string stamp = UtcNow();
  std::erase_if(stamp, [](char c) { return c == '-' || c == ':'; });
  for (const std::string& file : lesson->editable) {
    const std::optional<std::string> stub = FindStub(ctx, *lesson, file);
    if (!stub) {
      fmt::print(stderr,
                 "tools/kata: cannot find the stub of {} in git's history (reset needs "
                 "the repository's git history).\n",
                 file);
      return 1;
    }
    const auto confirm = [&] {
      if (yes) return true;
      if (!isatty(STDIN_FILENO)) {
        fmt::print(
            "tools/kata: {} has your work in it; run tools/kata reset {} --yes to replace "
            "it with the stub.\n",
            file, lesson->id);
        return false;
      }
      fmt::print(
          "Replace your {} with the lesson's stub? A copy of your version goes to "
          ".threadkata/backup/. [y/N] ",
          file);
      std::fflush(stdout);
      std::string answer;
      std::getline(std::cin, answer);
      return !answer.empty() && (answer[0] == 'y' || answer[0] == 'Y');
    };
    const fs::path backup = ctx.StateDir() / "backup" / lesson->folder;
    switch (ResetFile(ctx.root / file, *stub, backup, stamp, confirm)) {
      case ResetOutcome::kAlreadyStub:
        fmt::print("{} already holds the stub: nothing to reset.\n", file);
        break;
      case ResetOutcome::kDeclined:
        fmt::print("Nothing changed.\n");
        return 1;
      case ResetOutcome::kRestored:
        fmt::print("{} {} is the stub again (your version: {}).\n", ctx.term.Green("✓"), file,
                   Relative(ctx, backup / (fs::path(file).filename().string() + "." + stamp)));
        break;
    }
  }
  ctx.progress.MarkUnsolved(lesson->id);
  ctx.Save();
  return 0;
}

int CommandSolution(Context& ctx, const std::string& name, bool force) {
  const Lesson* lesson = Resolve(ctx, name);
  if (!lesson) return 2;
  if (!MayShowSolution(ctx.progress, *lesson, force)) {
    fmt::print(
        "The reference solution of lesson {} opens once you have solved it (its checks "
        "pass plain and under ThreadSanitizer): working it out is the lesson.\n"
        "  Stuck? {}  ·  Want it anyway? {}\n",
        lesson->id, ctx.term.Cyan("tools/kata hint " + lesson->id),
        ctx.term.Cyan("tools/kata solution " + lesson->id + " --force"));
    return 1;
  }
  for (const std::string& file : lesson->SolutionFiles()) {
    const std::optional<std::string> text = ReadFile(ctx.root / file);
    if (!text) {
      PrintMissing(ctx, *lesson, {file});
      return 1;
    }
    fmt::print("{}\n\n{}\n", ctx.term.Bold("── " + file + " ──"), *text);
  }
  return 0;
}

int CommandList(Context& ctx) {
  PrintList(ctx);
  fmt::print("\n{}\n", ctx.term.Dim("Jump to any lesson: tools/kata check NN (or watch NN)."));
  return 0;
}

int CommandVerify(Context& ctx) {
  CatchInterrupts();
  int solved = 0;
  int total = 0;
  for (const Lesson& lesson : ctx.catalogue.lessons()) {
    ++total;
    if (const std::vector<std::string> missing = MissingFiles(lesson, ctx.root); !missing.empty()) {
      fmt::print("{} {} {}: {}\n", ctx.term.Yellow("!"), lesson.id, lesson.title,
                 ctx.term.Yellow("not in your checkout yet"));
      continue;
    }
    const TestRun plain = RunKataTest(ctx, lesson, Config::kPlain);
    if (plain.interrupted) return 130;
    bool ok = plain.verdict.outcome == Outcome::kPassed;
    std::string why = ok ? "" : "its checks fail";
    if (ok) {
      const TestRun tsan = RunKataTest(ctx, lesson, Config::kTsan);
      if (tsan.interrupted) return 130;
      ok = tsan.verdict.outcome == Outcome::kPassed;
      if (!ok) why = "fails under ThreadSanitizer";
    }
    if (ok) {
      ++solved;
      if (!ctx.progress.IsSolved(lesson.id)) ctx.progress.MarkSolved(lesson.id, UtcNow());
      fmt::print("{} {} {}\n", ctx.term.Green("✓"), lesson.id, lesson.title);
    } else {
      ctx.progress.MarkUnsolved(lesson.id);
      fmt::print("{} {} {}: {} {}\n", ctx.term.Red("✗"), lesson.id, lesson.title, why,
                 ctx.term.Dim("(tools/kata check " + lesson.id + ")"));
    }
    ctx.Save();
  }
  fmt::print("\n");
  PrintProgress(ctx);
  return solved == total ? 0 : 1;
}

// ------------------------------------------------------------------------------------- watch

enum class WaitResult { kRerun, kStop };

// Waits for a save of the watched files, a line on stdin, or Ctrl-C.
WaitResult WaitForSave(Context& ctx, const Lesson& lesson, SaveWatcher* watcher, bool* stdin_open) {
  std::string line;
  for (;;) {
    std::vector<pollfd> fds = {{g_signal_pipe[0], POLLIN, 0}};
    if (watcher) fds.push_back({watcher->fd(), POLLIN, 0});
    if (*stdin_open) fds.push_back({STDIN_FILENO, POLLIN, 0});
    if (fds.size() == 1) return WaitResult::kStop;
    if (poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) return WaitResult::kStop;
    if (g_interrupted) return WaitResult::kStop;
    for (const pollfd& fd : fds) {
      if (!(fd.revents & (POLLIN | POLLHUP))) continue;
      if (watcher && fd.fd == watcher->fd() && watcher->TakeSaves()) {
        // Editors often write a file in several steps: let them finish.
        std::this_thread::sleep_for(std::chrono::milliseconds(150));
        watcher->TakeSaves();
        return WaitResult::kRerun;
      }
      if (fd.fd != STDIN_FILENO) continue;
      char buffer[256];
      const ssize_t n = read(STDIN_FILENO, buffer, sizeof buffer);
      if (n <= 0) {
        *stdin_open = false;
        continue;
      }
      line.append(buffer, static_cast<size_t>(n));
      for (size_t end; (end = line.find('\n')) != std::string::npos;) {
        const std::string command = line.substr(0, end);
        line.erase(0, end + 1);
        if (command.empty() || command == "r") return WaitResult::kRerun;
        if (command == "q" || command == "quit") return WaitResult::kStop;
        if (command == "h" || command == "hint") {
          CommandHint(ctx, lesson.id);
        } else if (command == "l" || command == "list") {
          PrintList(ctx);
        } else {
          fmt::print("Enter: re-check · h: next hint · l: list · q: quit (then Enter)\n");
        }
      }
    }
  }
}

int CommandWatch(Context& ctx, const std::string& name, bool manual) {
  CatchInterrupts();
  const Lesson* lesson = ChosenOrCurrent(ctx, name);
  if (!lesson) return name.empty() ? 0 : 2;
  bool stdin_open = true;
  for (;;) {
    if (!ctx.progress.IsSolved(lesson->id)) {
      ctx.progress.Choose(lesson->id);
      ctx.Save();
    }
    if (const std::vector<std::string> missing = MissingFiles(*lesson, ctx.root);
        !missing.empty()) {
      PrintMissing(ctx, *lesson, missing);
      return 1;
    }
    std::vector<fs::path> files;
    for (const std::string& file : lesson->editable) files.push_back(ctx.root / file);
    std::unique_ptr<SaveWatcher> watcher;
    std::string watch_error;
    if (!manual) watcher = SaveWatcher::Create(files, &watch_error);
    const auto header = [&] {
      PrintProgress(ctx);
      if (watcher) {
        fmt::print("{}\n", ctx.term.Dim("Watching " + lesson->editable.front() +
                                        ": save it to re-check. Enter: re-check · h: hint · "
                                        "q or Ctrl-C: stop"));
      } else {
        fmt::print("{}\n", ctx.term.Dim("Manual mode: press Enter to re-check · h: hint · q or "
                                        "Ctrl-C: stop"));
      }
      fmt::print("\n");
    };
    if (!manual && !watcher) {
      fmt::print("{} File change events are not available here ({}).\n", ctx.term.Yellow("!"),
                 watch_error);
    } else if (const std::optional<std::string> remote =
                   RemoteFileSystem(files.front().parent_path());
               watcher && remote) {
      fmt::print(
          "{} Your files are on {}: saves made from another machine (or the host) may "
          "not be noticed. If nothing happens when you save, press Enter to re-check.\n",
          ctx.term.Yellow("!"), *remote);
    }
    header();
    auto started = std::chrono::steady_clock::now();
    bool timed = false;
    for (;;) {
      const CheckResult result = Check(ctx, *lesson);
      if (timed) {
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        fmt::print("{}\n", ctx.term.Dim(fmt::format("(verdict {:.1f} s after the save)", seconds)));
      }
      if (result == CheckResult::kInterrupted) break;
      if (result == CheckResult::kMissing) return 1;
      if (result == CheckResult::kSolved) break;
      fmt::print("\n");
      PrintWhereToWork(ctx, *lesson);
      if (WaitForSave(ctx, *lesson, watcher.get(), &stdin_open) == WaitResult::kStop) break;
      started = std::chrono::steady_clock::now();
      timed = true;
      if (ctx.term.interactive()) fmt::print("\033[2J\033[H");
      header();
    }
    if (g_interrupted || !ctx.progress.IsSolved(lesson->id)) {
      fmt::print("\nStopped watching. Your progress is saved.\n");
      return 0;
    }
    lesson = ctx.progress.Current(ctx.catalogue);
    if (!lesson) {
      PrintNext(ctx);
      return 0;
    }
    fmt::print("\n{} lesson {}: {}\n\n", ctx.term.Bold("On to"), lesson->id,
               ctx.term.Bold(lesson->title));
  }
}

// The repository root: --root, or where `bazel run` was started, or the first folder upwards
// with katas/lessons.json.
std::optional<fs::path> FindRoot(const std::string& given) {
  if (!given.empty()) return fs::absolute(given);
  if (const char* workspace = std::getenv("BUILD_WORKSPACE_DIRECTORY")) return fs::path(workspace);
  for (fs::path dir = fs::current_path();; dir = dir.parent_path()) {
    if (fs::exists(dir / "katas/lessons.json")) return dir;
    if (dir == dir.root_path()) return std::nullopt;
  }
}

int Main(int argc, char** argv) {
  static const std::vector<std::string> kCommands = {"list",  "check",    "watch", "hint",
                                                     "reset", "solution", "verify"};
  CLI::App app(
      "threadkata's learner tool: work through the lessons in order, with checks on "
      "every save, hints when stuck, and your progress kept in .threadkata/.\nWithout "
      "a command: show your progress and check the lesson you are on.",
      "tools/kata");
  app.footer(
      "LESSON is a number (3, 03) or a folder (03_starting_threads). Each command has "
      "--help.\nColour only on a terminal; NO_COLOR or --no-color turns it off.");
  std::string root_option;
  bool no_colour = false;
  app.add_option("--root", root_option, "the repository (tools/kata passes it)")->group("");
  app.add_flag("--no-color", no_colour, "no colours");
  app.require_subcommand(0, 1);

  std::string lesson_name;
  bool flag_all = false;
  bool flag_manual = false;
  bool flag_yes = false;
  bool flag_force = false;
  app.add_subcommand("list", "every lesson with its status, and your progress");
  CLI::App* check = app.add_subcommand(
      "check",
      "run a lesson's checks (plain, then under ThreadSanitizer); LESSON also makes it "
      "the lesson you are on");
  check->add_option("LESSON", lesson_name, "the lesson (default: the one you are on)");
  check->add_flag("--all", flag_all, "show every failing check, not just the first ones");
  CLI::App* watch = app.add_subcommand(
      "watch", "re-check the lesson each time you save its file; move on when it is solved");
  watch->add_option("LESSON", lesson_name,
                    "the lesson to start with (default: the one you are on)");
  watch->add_flag("--manual", flag_manual, "re-check when you press Enter instead of on save");
  CLI::App* hint = app.add_subcommand("hint", "the next hint of a lesson, one at a time");
  hint->add_option("LESSON", lesson_name, "the lesson (default: the one you are on)");
  CLI::App* reset = app.add_subcommand(
      "reset",
      "put the lesson's stub back in your file (your version is kept in .threadkata/backup)");
  reset->add_option("LESSON", lesson_name, "the lesson")->required();
  reset->add_flag("-y,--yes", flag_yes, "do not ask");
  CLI::App* solution =
      app.add_subcommand("solution", "show a lesson's reference solution, once you have solved it");
  solution->add_option("LESSON", lesson_name, "the lesson")->required();
  solution->add_flag("--force", flag_force, "show it even though the lesson is not solved yet");
  app.add_subcommand("verify", "re-check every lesson (for the end), and update your progress");

  // CLI11 would call an unknown command an unexpected argument: name the valid ones instead.
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--root") {
      ++i;
      continue;
    }
    if (arg.rfind("-", 0) == 0) continue;
    if (std::find(kCommands.begin(), kCommands.end(), arg) == kCommands.end()) {
      fmt::print(stderr,
                 "tools/kata: unknown command \"{}\". The commands are: list, check, "
                 "watch, hint, reset, solution, verify (tools/kata --help).\n",
                 arg);
      return 2;
    }
    break;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  const std::optional<fs::path> root = FindRoot(root_option);
  if (!root) {
    fmt::print(stderr,
               "tools/kata: run it inside the threadkata repository (no katas/lessons.json "
               "found here or above).\n");
    return 2;
  }
  Context ctx{*root, Catalogue(), Progress(), Terminal::FromEnvironment(no_colour)};
  try {
    ctx.catalogue = Catalogue::Load(ctx.root);
  } catch (const std::exception& e) {
    fmt::print(stderr, "tools/kata: {}\n", e.what());
    return 2;
  }
  std::string warning;
  ctx.progress = Progress::Load(ctx.StateDir() / "progress.json", &warning);
  if (!warning.empty()) fmt::print(stderr, "tools/kata: {}\n", warning);

  if (app.got_subcommand("list")) return CommandList(ctx);
  if (app.got_subcommand("check")) return CommandCheck(ctx, lesson_name, flag_all);
  if (app.got_subcommand("watch")) return CommandWatch(ctx, lesson_name, flag_manual);
  if (app.got_subcommand("hint")) return CommandHint(ctx, lesson_name);
  if (app.got_subcommand("reset")) return CommandReset(ctx, lesson_name, flag_yes);
  if (app.got_subcommand("solution")) return CommandSolution(ctx, lesson_name, flag_force);
  if (app.got_subcommand("verify")) return CommandVerify(ctx);
  CatchInterrupts();
  return CommandDefault(ctx);
}

}  // namespace
}  // namespace threadkata::kata

int main(int argc, char** argv) { return threadkata::kata::Main(argc, argv); }
