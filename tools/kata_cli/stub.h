#ifndef THREADKATA_TOOLS_KATA_CLI_STUB_H_
#define THREADKATA_TOOLS_KATA_CLI_STUB_H_

// Resetting a learner's file to the lesson's stub, and the gate in front of the solutions.

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "tools/kata_cli/lessons.h"
#include "tools/kata_cli/progress.h"

namespace threadkata::kata {

// SHA-256 of `data`, as 64 lowercase hex digits (what sha256sum prints).
std::string Sha256Hex(std::string_view data);

// The `stub_sha256 = "..."` of a lesson's tests/NN_name/BUILD.bazel, if it has one.
std::optional<std::string> StubSha256FromBuild(std::string_view build_text);

enum class ResetOutcome {
  kAlreadyStub,  // the file already holds the stub: nothing done, nothing asked
  kDeclined,     // the learner said no: nothing changed
  kRestored,     // the learner's version is in the backup folder, the stub in its place
};

// Puts `stub` into `file`. When the file holds anything else, asks `confirm` first and keeps
// a copy of the learner's version in `backup_dir` (named after the file and `stamp`), so that
// no work is ever lost. Throws std::runtime_error when a file cannot be written.
ResetOutcome ResetFile(const std::filesystem::path& file, std::string_view stub,
                       const std::filesystem::path& backup_dir, std::string_view stamp,
                       const std::function<bool()>& confirm);

// A lesson's reference solution is shown once the lesson is solved, or when the learner
// insists (`force`).
bool MayShowSolution(const Progress& progress, const Lesson& lesson, bool force);

// Reads a whole file; nullopt when it cannot be read.
std::optional<std::string> ReadFile(const std::filesystem::path& file);

}  // namespace threadkata::kata

#endif  // THREADKATA_TOOLS_KATA_CLI_STUB_H_
