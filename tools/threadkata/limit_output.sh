#!/usr/bin/env bash
# Runs a test program (Bazel's --run_under) with its output, stdout and stderr together, capped
# at THREADKATA_OUTPUT_LIMIT bytes, so that a program printing without end cannot fill the disk.
# Past the cap the reader stops, and the program is stopped by SIGPIPE at its next write.
# The last line is always the grader's own, which the grader trusts and the program cannot
# print after, on a line of its own (the program's last line may lack its newline):
#   [threadkata-grader] exit STATUS
# preceded, when the cap was reached, by
#   [threadkata-grader] output limit of N bytes exceeded
set -u
limit=${THREADKATA_OUTPUT_LIMIT:-1048576}
# Resource limits of the test program and all it starts: no file over 64 MiB, no core dump, at
# most 512 processes of this user (the kernel does not apply that one to root). No memory
# limit: the sanitizers reserve terabytes of address space.
ulimit -f 65536 -c 0 -u 512

capped() {
  head -c "$limit"
  if [[ $(head -c 1 | wc -c) -gt 0 ]]; then
    exit 10
  fi
}

"$@" 2>&1 | capped
codes=("${PIPESTATUS[@]}")
status=${codes[0]}
echo
if [[ ${codes[1]} -eq 10 ]]; then
  echo "[threadkata-grader] output limit of $limit bytes exceeded"
  [[ $status -eq 0 ]] && status=1
fi
echo "[threadkata-grader] exit $status"
exit "$status"
