#ifndef THREADKATA_TOOLS_KATA_CLI_RUNNER_H_
#define THREADKATA_TOOLS_KATA_CLI_RUNNER_H_

// Running other programs (Bazel, git) without showing their output to the learner.

#include <atomic>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace threadkata::kata {

struct CommandResult {
  int exit_code = -1;        // 128 + signal when the program was killed by one
  bool interrupted = false;  // `interrupt` was set while it ran: it was asked to stop
};

// Runs `argv` in `dir` with stdin from /dev/null and stdout and stderr into `output_file`.
// Calls `tick` with the seconds elapsed about ten times a second. When `interrupt` becomes
// true, sends the program one SIGINT (Bazel then cancels cleanly) and waits for it to end.
// The program runs in its own process group, so a Ctrl-C reaches it only through us.
CommandResult RunToFile(const std::vector<std::string>& argv, const std::filesystem::path& dir,
                        const std::filesystem::path& output_file,
                        const std::function<void(double)>& tick,
                        const std::atomic<bool>* interrupt);

// Runs `argv` in `dir` and returns its standard output (stderr is discarded).
std::string Capture(const std::vector<std::string>& argv, const std::filesystem::path& dir,
                    int* exit_code);

}  // namespace threadkata::kata

#endif  // THREADKATA_TOOLS_KATA_CLI_RUNNER_H_
