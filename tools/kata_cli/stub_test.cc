#include "tools/kata_cli/stub.h"

#include <cstdlib>
#include <fstream>

#include "gtest/gtest.h"

namespace threadkata::kata {
namespace {

namespace fs = std::filesystem;

fs::path Scratch(const std::string& name) {
  const fs::path dir = fs::path(std::getenv("TEST_TMPDIR")) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

Lesson LessonOne() {
  Lesson lesson;
  lesson.id = "01";
  lesson.folder = "01_sequential";
  lesson.editable = {"katas/01_sequential/sequential.cc"};
  return lesson;
}

TEST(Sha256Hex, MatchesKnownDigests) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // Two blocks of padding.
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(StubSha256FromBuild, ReadsTheHashOrNothing) {
  EXPECT_EQ(
      StubSha256FromBuild("lesson_tests(\n    stub_sha256 = \"" + std::string(64, 'a') + "\",\n)"),
      std::string(64, 'a'));
  EXPECT_EQ(StubSha256FromBuild("lesson_tests(name = \"x\")"), std::nullopt);
}

TEST(ResetFile, DoesNothingWhenTheFileIsAlreadyTheStub) {
  const fs::path dir = Scratch("reset_same");
  std::ofstream(dir / "kata.cc") << "stub";
  bool asked = false;
  EXPECT_EQ(ResetFile(dir / "kata.cc", "stub", dir / "backup", "t", [&] { return asked = true; }),
            ResetOutcome::kAlreadyStub);
  EXPECT_FALSE(asked) << "nothing to lose, nothing to ask";
}

TEST(ResetFile, KeepsTheLearnersWorkWhenTheyDecline) {
  const fs::path dir = Scratch("reset_declined");
  std::ofstream(dir / "kata.cc") << "my work";
  EXPECT_EQ(ResetFile(dir / "kata.cc", "stub", dir / "backup", "t", [] { return false; }),
            ResetOutcome::kDeclined);
  EXPECT_EQ(ReadFile(dir / "kata.cc"), "my work");
  EXPECT_FALSE(fs::exists(dir / "backup"));
}

TEST(ResetFile, RestoresTheStubAndBacksUpTheLearnersWork) {
  const fs::path dir = Scratch("reset_restored");
  std::ofstream(dir / "kata.cc") << "my work";
  EXPECT_EQ(ResetFile(dir / "kata.cc", "stub", dir / "backup", "2026", [] { return true; }),
            ResetOutcome::kRestored);
  EXPECT_EQ(ReadFile(dir / "kata.cc"), "stub");
  EXPECT_EQ(ReadFile(dir / "backup/kata.cc.2026"), "my work");
}

TEST(ResetFile, RecreatesADeletedFileWithoutAsking) {
  const fs::path dir = Scratch("reset_deleted");
  EXPECT_EQ(ResetFile(dir / "kata.cc", "stub", dir / "backup", "t", [] { return false; }),
            ResetOutcome::kRestored);
  EXPECT_EQ(ReadFile(dir / "kata.cc"), "stub");
}

TEST(MayShowSolution, OnlyOnceSolvedOrWhenForced) {
  Progress progress;
  EXPECT_FALSE(MayShowSolution(progress, LessonOne(), /*force=*/false));
  EXPECT_TRUE(MayShowSolution(progress, LessonOne(), /*force=*/true));
  progress.MarkSolved("01", "t");
  EXPECT_TRUE(MayShowSolution(progress, LessonOne(), /*force=*/false));
  progress.MarkUnsolved("01");
  EXPECT_FALSE(MayShowSolution(progress, LessonOne(), /*force=*/false));
}

}  // namespace
}  // namespace threadkata::kata
