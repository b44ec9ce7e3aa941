#ifndef THREADKATA_TOOLS_KATA_CLI_PROGRESS_H_
#define THREADKATA_TOOLS_KATA_CLI_PROGRESS_H_

// What the learner has done, kept between runs in .threadkata/progress.json: the lessons
// solved, how many hints of each lesson were shown, and the lesson they chose to work on.

#include <filesystem>
#include <map>
#include <string>

#include "tools/kata_cli/lessons.h"

namespace threadkata::kata {

class Progress {
 public:
  // An absent file is a fresh start. A file that cannot be parsed is also a fresh start (the
  // tool must never lock a learner out); `warning` then says so, else it is left empty.
  static Progress Load(const std::filesystem::path& file, std::string* warning = nullptr);
  // Writes atomically (a temporary file renamed over the old one), creating the folder.
  // Throws std::runtime_error when the file cannot be written.
  void Save(const std::filesystem::path& file) const;

  bool IsSolved(const std::string& id) const { return solved_.count(id) > 0; }
  void MarkSolved(const std::string& id, const std::string& when) { solved_[id] = when; }
  void MarkUnsolved(const std::string& id) { solved_.erase(id); }
  int SolvedCount(const Catalogue& catalogue) const;
  int SolvedPoints(const Catalogue& catalogue) const;

  int HintsShown(const std::string& id) const;
  void SetHintsShown(const std::string& id, int count) { hints_[id] = count; }

  // The lesson to work on: the one the learner last chose while it is unsolved, else the
  // first unsolved lesson in order; nullptr when every lesson is solved.
  const Lesson* Current(const Catalogue& catalogue) const;
  void Choose(const std::string& id) { current_ = id; }

  // True when no file was read: the learner's first run.
  bool fresh() const { return fresh_; }

 private:
  std::map<std::string, std::string> solved_;  // lesson id -> when (UTC, ISO 8601)
  std::map<std::string, int> hints_;           // lesson id -> hints shown
  std::string current_;
  bool fresh_ = true;
};

// Now, as "2026-11-25T20:05:00Z".
std::string UtcNow();

}  // namespace threadkata::kata

#endif  // THREADKATA_TOOLS_KATA_CLI_PROGRESS_H_
