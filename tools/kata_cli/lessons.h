#ifndef THREADKATA_TOOLS_KATA_CLI_LESSONS_H_
#define THREADKATA_TOOLS_KATA_CLI_LESSONS_H_

// The ordered list of lessons, read from katas/lessons.json.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace threadkata::kata {

struct Lesson {
  std::string id;                     // "01"
  std::string folder;                 // "01_sequential"
  std::string title;                  // "The sequential baseline"
  std::vector<std::string> editable;  // repository-relative paths the learner edits
  int points = 0;

  // The Bazel test that runs the lesson's tests against the learner's files.
  std::string TestTarget() const { return "//tests/" + folder + ":kata_test"; }
  std::string Readme() const { return "katas/" + folder + "/README.md"; }
  // The reference solution of each editable file, in the same order.
  std::vector<std::string> SolutionFiles() const;
};

class Catalogue {
 public:
  // Parses the text of lessons.json. Throws std::runtime_error saying what is wrong.
  static Catalogue Parse(std::string_view json_text);
  // Reads <root>/katas/lessons.json. Throws std::runtime_error.
  static Catalogue Load(const std::filesystem::path& root);

  const std::vector<Lesson>& lessons() const { return lessons_; }
  int TotalPoints() const;

  // Accepts what a learner would type: "3", "03", "03_starting_threads" or "starting_threads".
  // Returns nullptr when no lesson matches.
  const Lesson* Find(std::string_view name) const;
  // The lesson after `lesson` in order, or nullptr after the last one.
  const Lesson* After(const Lesson& lesson) const;
  // "01 (01_sequential), 02 (02_when_threads_pay), ...": for error messages.
  std::string Names() const;

 private:
  std::vector<Lesson> lessons_;
};

// The files of `lesson` that the checkout lacks (its lesson folder, its tests package, its
// editable files), relative to `root`. Empty when the lesson can be run.
std::vector<std::string> MissingFiles(const Lesson& lesson, const std::filesystem::path& root);

}  // namespace threadkata::kata

#endif  // THREADKATA_TOOLS_KATA_CLI_LESSONS_H_
