#include "tools/kata_cli/watch.h"

#include <sys/inotify.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace threadkata::kata {

std::unique_ptr<SaveWatcher> SaveWatcher::Create(const std::vector<std::filesystem::path>& files,
                                                 std::string* error) {
  const int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    *error = std::string("inotify is unavailable: ") + std::strerror(errno);
    return nullptr;
  }
  std::unique_ptr<SaveWatcher> watcher(new SaveWatcher(fd));
  for (const std::filesystem::path& file : files) {
    const std::filesystem::path dir = file.parent_path().empty() ? "." : file.parent_path();
    const int wd = inotify_add_watch(fd, dir.c_str(), IN_CLOSE_WRITE | IN_MOVED_TO);
    if (wd < 0) {
      *error = "cannot watch " + dir.string() + ": " + std::strerror(errno);
      return nullptr;
    }
    watcher->names_[wd].insert(file.filename().string());
  }
  return watcher;
}

SaveWatcher::~SaveWatcher() { close(fd_); }

bool SaveWatcher::TakeSaves() {
  bool saved = false;
  alignas(inotify_event) char buffer[16 * 1024];
  for (;;) {
    const ssize_t length = read(fd_, buffer, sizeof buffer);
    if (length <= 0) break;
    for (ssize_t offset = 0; offset < length;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer + offset);
      offset += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
      if (event->len == 0) continue;
      const auto it = names_.find(event->wd);
      if (it != names_.end() && it->second.count(event->name) > 0) saved = true;
    }
  }
  return saved;
}

std::optional<std::string> RemoteFileSystem(const std::filesystem::path& path) {
  struct statfs info {};
  if (statfs(path.c_str(), &info) != 0) return std::nullopt;
  switch (static_cast<unsigned long>(info.f_type)) {
    case 0x6969:
      return "NFS";
    case 0x517b:
    case 0xff534d42:
    case 0xfe534d42:
      return "SMB/CIFS";
    case 0x01021997:
      return "9p (a virtual machine's shared folder)";
    case 0x65735546:
      return "FUSE (sshfs, virtiofs, a container's bind mount from another OS, ...)";
    case 0x786f4256:
      return "VirtualBox shared folder";
    case 0x00c36400:
      return "Ceph";
    case 0x5346414f:
      return "AFS";
    default:
      return std::nullopt;
  }
}

}  // namespace threadkata::kata
