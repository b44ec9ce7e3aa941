#include "tools/kata_cli/lessons.h"

#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "gtest/gtest.h"

namespace threadkata::kata {
namespace {

constexpr char kJson[] = R"({"version": 1, "lessons": [
  {"id": "01", "folder": "01_sequential", "title": "The sequential baseline",
   "editable": ["katas/01_sequential/sequential.cc"], "points": 5},
  {"id": "03", "folder": "03_starting_threads", "title": "Starting a thread",
   "editable": ["katas/03_starting_threads/starting_threads.cc"], "points": 10}]})";

TEST(Catalogue, ParsesTheLessonsInOrder) {
  const Catalogue catalogue = Catalogue::Parse(kJson);
  ASSERT_EQ(catalogue.lessons().size(), 2u);
  const Lesson& first = catalogue.lessons()[0];
  EXPECT_EQ(first.id, "01");
  EXPECT_EQ(first.TestTarget(), "//tests/01_sequential:kata_test");
  EXPECT_EQ(first.Readme(), "katas/01_sequential/README.md");
  EXPECT_EQ(first.SolutionFiles(),
            std::vector<std::string>{"solutions/01_sequential/sequential.cc"});
  EXPECT_EQ(catalogue.TotalPoints(), 15);
  EXPECT_EQ(catalogue.After(first), &catalogue.lessons()[1]);
  EXPECT_EQ(catalogue.After(catalogue.lessons()[1]), nullptr);
}

TEST(Catalogue, FindsALessonByWhatALearnerTypes) {
  const Catalogue catalogue = Catalogue::Parse(kJson);
  const Lesson* third = &catalogue.lessons()[1];
  EXPECT_EQ(catalogue.Find("3"), third);
  EXPECT_EQ(catalogue.Find("03"), third);
  EXPECT_EQ(catalogue.Find("03_starting_threads"), third);
  EXPECT_EQ(catalogue.Find("starting_threads"), third);
  EXPECT_EQ(catalogue.Find("katas/03_starting_threads/"), third);
  EXPECT_EQ(catalogue.Find("2"), nullptr);
  EXPECT_EQ(catalogue.Find(""), nullptr);
  EXPECT_EQ(catalogue.Names(), "01 (01_sequential), 03 (03_starting_threads)");
}

TEST(Catalogue, RejectsMalformedFilesWithAReason) {
  EXPECT_THROW(Catalogue::Parse("{"), std::runtime_error);
  EXPECT_THROW(Catalogue::Parse(R"({"lessons": []})"), std::runtime_error);
  EXPECT_THROW(Catalogue::Parse(R"({"lessons": [{"id": "01"}]})"), std::runtime_error);
}

TEST(MissingFiles, NamesTheFoldersAndFilesALessonLacks) {
  const std::filesystem::path root = std::filesystem::path(std::getenv("TEST_TMPDIR")) / "missing";
  std::filesystem::remove_all(root);
  const Catalogue catalogue = Catalogue::Parse(kJson);
  const Lesson& lesson = catalogue.lessons()[0];
  EXPECT_EQ(MissingFiles(lesson, root),
            (std::vector<std::string>{"katas/01_sequential/", "tests/01_sequential/"}));
  std::filesystem::create_directories(root / "katas/01_sequential");
  std::filesystem::create_directories(root / "tests/01_sequential");
  EXPECT_EQ(MissingFiles(lesson, root),
            (std::vector<std::string>{"tests/01_sequential/BUILD.bazel",
                                      "katas/01_sequential/sequential.cc"}));
  std::ofstream(root / "tests/01_sequential/BUILD.bazel") << "";
  std::ofstream(root / "katas/01_sequential/sequential.cc") << "";
  EXPECT_TRUE(MissingFiles(lesson, root).empty());
}

}  // namespace
}  // namespace threadkata::kata
