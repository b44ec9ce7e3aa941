#include "tools/kata_cli/lessons.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "nlohmann/json.hpp"

namespace threadkata::kata {

std::vector<std::string> Lesson::SolutionFiles() const {
  std::vector<std::string> files;
  for (const std::string& file : editable) {
    files.push_back("solutions/" + folder + "/" + std::filesystem::path(file).filename().string());
  }
  return files;
}

Catalogue Catalogue::Parse(std::string_view json_text) {
  const nlohmann::json json = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object() || !json.contains("lessons") ||
      !json["lessons"].is_array()) {
    throw std::runtime_error("katas/lessons.json is not JSON with a \"lessons\" array");
  }
  Catalogue catalogue;
  for (const nlohmann::json& entry : json["lessons"]) {
    Lesson lesson;
    try {
      lesson.id = entry.at("id").get<std::string>();
      lesson.folder = entry.at("folder").get<std::string>();
      lesson.title = entry.at("title").get<std::string>();
      lesson.editable = entry.at("editable").get<std::vector<std::string>>();
      lesson.points = entry.value("points", 0);
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error("katas/lessons.json: lesson " +
                               std::to_string(catalogue.lessons_.size() + 1) +
                               " is malformed: " + e.what());
    }
    catalogue.lessons_.push_back(std::move(lesson));
  }
  if (catalogue.lessons_.empty()) throw std::runtime_error("katas/lessons.json lists no lessons");
  return catalogue;
}

Catalogue Catalogue::Load(const std::filesystem::path& root) {
  std::ifstream in(root / "katas/lessons.json");
  if (!in) throw std::runtime_error("cannot read " + (root / "katas/lessons.json").string());
  std::ostringstream text;
  text << in.rdbuf();
  return Parse(text.str());
}

int Catalogue::TotalPoints() const {
  int total = 0;
  for (const Lesson& lesson : lessons_) total += lesson.points;
  return total;
}

const Lesson* Catalogue::Find(std::string_view name) const {
  std::string wanted(name);
  while (!wanted.empty() && wanted.back() == '/') wanted.pop_back();
  if (wanted.size() == 1 && wanted[0] >= '0' && wanted[0] <= '9') wanted = "0" + wanted;
  for (const Lesson& lesson : lessons_) {
    const std::string_view folder = lesson.folder;
    const std::string_view short_name = folder.substr(folder.find('_') + 1);
    if (wanted == lesson.id || wanted == folder || wanted == short_name ||
        wanted == "katas/" + lesson.folder) {
      return &lesson;
    }
  }
  return nullptr;
}

const Lesson* Catalogue::After(const Lesson& lesson) const {
  for (size_t i = 0; i + 1 < lessons_.size(); ++i) {
    if (lessons_[i].id == lesson.id) return &lessons_[i + 1];
  }
  return nullptr;
}

std::string Catalogue::Names() const {
  std::string names;
  for (const Lesson& lesson : lessons_) {
    if (!names.empty()) names += ", ";
    names += lesson.id + " (" + lesson.folder + ")";
  }
  return names;
}

std::vector<std::string> MissingFiles(const Lesson& lesson, const std::filesystem::path& root) {
  std::vector<std::string> missing;
  for (const std::string& dir : {"katas/" + lesson.folder, "tests/" + lesson.folder}) {
    if (!std::filesystem::is_directory(root / dir)) missing.push_back(dir + "/");
  }
  if (!missing.empty()) return missing;
  if (!std::filesystem::exists(root / "tests" / lesson.folder / "BUILD.bazel")) {
    missing.push_back("tests/" + lesson.folder + "/BUILD.bazel");
  }
  for (const std::string& file : lesson.editable) {
    if (!std::filesystem::exists(root / file)) missing.push_back(file);
  }
  return missing;
}

}  // namespace threadkata::kata
