#include "tools/kata_cli/watch.h"

#include <poll.h>

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

// Events are queued by the kernel before write() returns; the poll only guards the test.
bool Saved(SaveWatcher& watcher) {
  pollfd fd = {watcher.fd(), POLLIN, 0};
  poll(&fd, 1, 1000);
  return watcher.TakeSaves();
}

TEST(SaveWatcher, SeesASaveInPlace) {
  const fs::path dir = Scratch("in_place");
  std::ofstream(dir / "kata.cc") << "v1";
  std::string error;
  const std::unique_ptr<SaveWatcher> watcher = SaveWatcher::Create({dir / "kata.cc"}, &error);
  ASSERT_TRUE(watcher) << error;
  std::ofstream(dir / "kata.cc") << "v2";
  EXPECT_TRUE(Saved(*watcher));
  EXPECT_FALSE(watcher->TakeSaves()) << "each save is reported once";
}

TEST(SaveWatcher, SeesASaveByRename) {
  const fs::path dir = Scratch("by_rename");
  std::ofstream(dir / "kata.cc") << "v1";
  std::string error;
  const std::unique_ptr<SaveWatcher> watcher = SaveWatcher::Create({dir / "kata.cc"}, &error);
  ASSERT_TRUE(watcher) << error;
  std::ofstream(dir / ".kata.cc.swp") << "v2";
  fs::rename(dir / ".kata.cc.swp", dir / "kata.cc");
  EXPECT_TRUE(Saved(*watcher));
}

TEST(SaveWatcher, IgnoresOtherFilesInTheFolder) {
  const fs::path dir = Scratch("other_files");
  std::ofstream(dir / "kata.cc") << "v1";
  std::string error;
  const std::unique_ptr<SaveWatcher> watcher = SaveWatcher::Create({dir / "kata.cc"}, &error);
  ASSERT_TRUE(watcher) << error;
  std::ofstream(dir / "README.md") << "notes";
  EXPECT_FALSE(Saved(*watcher));
}

TEST(SaveWatcher, ReportsAFolderThatCannotBeWatched) {
  std::string error;
  EXPECT_FALSE(SaveWatcher::Create({Scratch("x") / "no/such/dir/kata.cc"}, &error));
  EXPECT_NE(error.find("cannot watch"), std::string::npos);
}

}  // namespace
}  // namespace threadkata::kata
