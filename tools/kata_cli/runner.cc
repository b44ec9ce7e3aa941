#include "tools/kata_cli/runner.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <thread>

namespace threadkata::kata {
namespace {

std::vector<char*> ArgvPointers(const std::vector<std::string>& argv) {
  std::vector<char*> pointers;
  for (const std::string& arg : argv) pointers.push_back(const_cast<char*>(arg.c_str()));
  pointers.push_back(nullptr);
  return pointers;
}

int ExitCode(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// In the child: only async-signal-safe calls until exec.
[[noreturn]] void Exec(const std::vector<char*>& argv, const char* dir, int out_fd) {
  setpgid(0, 0);
  const int null_fd = open("/dev/null", O_RDONLY);
  if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
  dup2(out_fd, STDOUT_FILENO);
  if (out_fd != STDERR_FILENO) dup2(out_fd, STDERR_FILENO);
  if (chdir(dir) == 0) execvp(argv[0], argv.data());
  _exit(127);
}

}  // namespace

CommandResult RunToFile(const std::vector<std::string>& argv, const std::filesystem::path& dir,
                        const std::filesystem::path& output_file,
                        const std::function<void(double)>& tick,
                        const std::atomic<bool>* interrupt) {
  CommandResult result;
  const int out_fd = open(output_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out_fd < 0) return result;
  const std::vector<char*> args = ArgvPointers(argv);
  const std::string dir_text = dir.string();
  const pid_t child = fork();
  if (child == 0) Exec(args, dir_text.c_str(), out_fd);
  close(out_fd);
  if (child < 0) return result;
  const auto start = std::chrono::steady_clock::now();
  int status = 0;
  while (waitpid(child, &status, WNOHANG) == 0) {
    if (interrupt && interrupt->load() && !result.interrupted) {
      result.interrupted = true;
      kill(child, SIGINT);
    }
    if (tick) tick(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  result.exit_code = ExitCode(status);
  return result;
}

std::string Capture(const std::vector<std::string>& argv, const std::filesystem::path& dir,
                    int* exit_code) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    *exit_code = -1;
    return "";
  }
  const std::vector<char*> args = ArgvPointers(argv);
  const std::string dir_text = dir.string();
  const pid_t child = fork();
  if (child == 0) {
    const int null_fd = open("/dev/null", O_WRONLY);
    if (null_fd >= 0) dup2(null_fd, STDERR_FILENO);
    dup2(pipe_fds[1], STDOUT_FILENO);
    if (chdir(dir_text.c_str()) == 0) execvp(args[0], args.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  std::string output;
  char buffer[4096];
  for (ssize_t n; (n = read(pipe_fds[0], buffer, sizeof buffer)) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    output.append(buffer, static_cast<size_t>(n));
  }
  close(pipe_fds[0]);
  int status = 0;
  while (child > 0 && waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  *exit_code = child > 0 ? ExitCode(status) : -1;
  return output;
}

}  // namespace threadkata::kata
