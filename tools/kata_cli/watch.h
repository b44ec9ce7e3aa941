#ifndef THREADKATA_TOOLS_KATA_CLI_WATCH_H_
#define THREADKATA_TOOLS_KATA_CLI_WATCH_H_

// Noticing that the learner saved a file, with inotify.

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace threadkata::kata {

// Watches the folders of some files, because editors often save by writing a new file and
// renaming it over the old one, which a watch on the file itself would miss.
// Thread-compatible.
class SaveWatcher {
 public:
  // nullptr with `error` set when inotify is unavailable.
  static std::unique_ptr<SaveWatcher> Create(const std::vector<std::filesystem::path>& files,
                                             std::string* error);
  ~SaveWatcher();
  SaveWatcher(const SaveWatcher&) = delete;
  SaveWatcher& operator=(const SaveWatcher&) = delete;

  // Readable (for poll) when events are pending.
  int fd() const { return fd_; }
  // Reads the pending events without blocking; true if one of them saved a watched file.
  bool TakeSaves();

 private:
  explicit SaveWatcher(int fd) : fd_(fd) {}

  int fd_;
  std::map<int, std::set<std::string>> names_;  // watch descriptor -> file names in it
};

// The kind of file system `path` is on when inotify cannot see changes made on another machine
// or by a host (NFS, SMB, 9p, FUSE, VirtualBox shared folders, ...); nullopt for local ones.
std::optional<std::string> RemoteFileSystem(const std::filesystem::path& path);

}  // namespace threadkata::kata

#endif  // THREADKATA_TOOLS_KATA_CLI_WATCH_H_
