#include "tools/kata_cli/progress.h"

#include <cstdlib>
#include <fstream>

#include "gtest/gtest.h"

namespace threadkata::kata {
namespace {

std::filesystem::path Scratch(const std::string& name) {
  const std::filesystem::path dir = std::filesystem::path(std::getenv("TEST_TMPDIR")) / name;
  std::filesystem::remove_all(dir);
  return dir / "progress.json";
}

Catalogue ThreeLessons() {
  return Catalogue::Parse(R"({"lessons": [
    {"id": "01", "folder": "01_a", "title": "A", "editable": ["katas/01_a/a.cc"], "points": 5},
    {"id": "02", "folder": "02_b", "title": "B", "editable": ["katas/02_b/b.cc"], "points": 10},
    {"id": "03", "folder": "03_c", "title": "C", "editable": ["katas/03_c/c.cc"], "points": 15}]})");
}

TEST(Progress, StartsFreshWithoutAFile) {
  const Progress progress = Progress::Load(Scratch("absent"));
  EXPECT_TRUE(progress.fresh());
  EXPECT_EQ(progress.SolvedCount(ThreeLessons()), 0);
  EXPECT_EQ(progress.Current(ThreeLessons())->id, "01");
}

TEST(Progress, SurvivesASaveAndALoad) {
  const std::filesystem::path file = Scratch("round_trip");
  Progress progress;
  progress.MarkSolved("01", "2026-11-25T20:00:00Z");
  progress.SetHintsShown("02", 2);
  progress.Choose("03");
  progress.Save(file);

  const Progress loaded = Progress::Load(file);
  EXPECT_FALSE(loaded.fresh());
  EXPECT_TRUE(loaded.IsSolved("01"));
  EXPECT_FALSE(loaded.IsSolved("02"));
  EXPECT_EQ(loaded.HintsShown("02"), 2);
  EXPECT_EQ(loaded.HintsShown("01"), 0);
  EXPECT_EQ(loaded.SolvedPoints(ThreeLessons()), 5);
  EXPECT_EQ(loaded.Current(ThreeLessons())->id, "03");
}

TEST(Progress, CurrentIsTheChosenLessonUntilItIsSolved) {
  const Catalogue catalogue = ThreeLessons();
  Progress progress;
  progress.Choose("02");
  EXPECT_EQ(progress.Current(catalogue)->id, "02");
  progress.MarkSolved("02", "t");
  EXPECT_EQ(progress.Current(catalogue)->id, "01") << "then the first unsolved lesson";
  progress.MarkSolved("01", "t");
  progress.MarkSolved("03", "t");
  EXPECT_EQ(progress.Current(catalogue), nullptr);
  progress.MarkUnsolved("03");
  EXPECT_EQ(progress.Current(catalogue)->id, "03");
}

TEST(Progress, ACorruptFileIsAFreshStartWithAWarning) {
  const std::filesystem::path file = Scratch("corrupt");
  std::filesystem::create_directories(file.parent_path());
  std::ofstream(file) << "{ not json";
  std::string warning;
  const Progress progress = Progress::Load(file, &warning);
  EXPECT_TRUE(progress.fresh());
  EXPECT_NE(warning.find("starting afresh"), std::string::npos);
}

}  // namespace
}  // namespace threadkata::kata
