#include "tools/kata_cli/progress.h"

#include <ctime>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "nlohmann/json.hpp"

namespace threadkata::kata {

Progress Progress::Load(const std::filesystem::path& file, std::string* warning) {
  Progress progress;
  std::ifstream in(file);
  if (!in) return progress;
  std::ostringstream text;
  text << in.rdbuf();
  try {
    const nlohmann::json json = nlohmann::json::parse(text.str());
    progress.solved_ = json.value("solved", std::map<std::string, std::string>{});
    progress.hints_ = json.value("hints_shown", std::map<std::string, int>{});
    progress.current_ = json.value("current", std::string());
    progress.fresh_ = false;
  } catch (const nlohmann::json::exception& e) {
    if (warning) {
      *warning = file.string() + " could not be read (" + e.what() + "); starting afresh";
    }
    return Progress();
  }
  return progress;
}

void Progress::Save(const std::filesystem::path& file) const {
  nlohmann::json json = {{"version", 1}, {"solved", solved_}, {"hints_shown", hints_}};
  if (!current_.empty()) json["current"] = current_;
  std::error_code error;
  std::filesystem::create_directories(file.parent_path(), error);
  const std::filesystem::path temporary = file.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << json.dump(2) << "\n";
    if (!out) throw std::runtime_error("cannot write " + temporary.string());
  }
  std::filesystem::rename(temporary, file, error);
  if (error) throw std::runtime_error("cannot write " + file.string() + ": " + error.message());
}

int Progress::SolvedCount(const Catalogue& catalogue) const {
  int count = 0;
  for (const Lesson& lesson : catalogue.lessons()) count += IsSolved(lesson.id) ? 1 : 0;
  return count;
}

int Progress::SolvedPoints(const Catalogue& catalogue) const {
  int points = 0;
  for (const Lesson& lesson : catalogue.lessons())
    points += IsSolved(lesson.id) ? lesson.points : 0;
  return points;
}

int Progress::HintsShown(const std::string& id) const {
  const auto it = hints_.find(id);
  return it == hints_.end() ? 0 : it->second;
}

const Lesson* Progress::Current(const Catalogue& catalogue) const {
  if (const Lesson* chosen = catalogue.Find(current_);
      chosen && !current_.empty() && !IsSolved(chosen->id)) {
    return chosen;
  }
  for (const Lesson& lesson : catalogue.lessons()) {
    if (!IsSolved(lesson.id)) return &lesson;
  }
  return nullptr;
}

std::string UtcNow() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

}  // namespace threadkata::kata
