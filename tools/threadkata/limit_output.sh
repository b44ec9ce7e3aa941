#!/usr/bin/env bash
# Runs a test program (Bazel's --run_under) with its output, stdout and stderr together, capped
# at THREADKATA_OUTPUT_LIMIT bytes, so that a program printing without end cannot fill the disk.
# Past the cap the reader stops, and the program is stopped by SIGPIPE at its next write.
# The last line is always the grader's own, which the grader trusts and the program cannot
# print after, on a line of its own (the program's last line may lack its newline):
#   [threadkata-grader] exit STATUS
# preceded, when a limit was reached, by one of
#   [threadkata-grader] output limit of N bytes exceeded
#   [threadkata-grader] memory limit of N MiB exceeded
#   [threadkata-grader] process limit of N exceeded
set -u
limit=${THREADKATA_OUTPUT_LIMIT:-1048576}
# Memory and processes are counted over this process group, the program and every process it
# starts, sampled every 0.1 s; past a limit all of them are killed. The kernel's own limits do
# not fit: the sanitizers reserve terabytes of address space (so no ulimit -v), ThreadSanitizer
# ignores hard_rss_limit_mb, and ulimit -u does not apply to root.
memory_mib=${THREADKATA_MEMORY_LIMIT_MIB:-4096}
processes=${THREADKATA_PROCESS_LIMIT:-256}
# No file over 64 MiB, no core dump, at most 512 processes of this user (when it is not root).
ulimit -f 65536 -c 0 -u 512

capped() {
  head -c "$limit"
  if [[ $(head -c 1 | wc -c) -gt 0 ]]; then
    exit 10
  fi
}

# Field N of /proc/PID/stat, counted after the command name (2: the parent, 3: the group).
stat_field() { awk -v n="$2" '{ sub(/^.*\) /, ""); print $n }' "/proc/$1/stat"; }
group=$(stat_field $$ 3)
page_kib=$(($(getconf PAGESIZE) / 1024))
# This script and the processes that started it share the group and are spared.
spared=$$
parent=$(stat_field $$ 2)
while [[ $parent -gt 1 && $(stat_field "$parent" 3) == "$group" ]]; do
  spared+=" $parent"
  parent=$(stat_field "$parent" 2)
done

# The group's processes other than the spared ones and the watcher's own children and
# grandchildren: "PROCESSES RSS_KIB"; with "pids" their pids; with "running" the pids of those
# neither stopped nor ended.
group_members() {
  awk -v group="$group" -v page_kib="$page_kib" -v mode="$1" -v spared="$spared $2" -v me="$2" '
    BEGIN { n = split(spared, list, " "); for (i = 1; i <= n; i++) keep[list[i]] = 1 }
    {
      pid = $1
      sub(/^.*\) /, "")
      if ($3 != group) next
      parent[pid] = $2
      state[pid] = $1
      rss[pid] = $22 * page_kib
    }
    END {
      for (pid in parent) {
        if (pid in keep || parent[pid] == me || parent[parent[pid]] == me) continue
        if (mode == "pids" || (mode == "running" && state[pid] !~ /[TtZX]/)) print pid
        count++
        total += rss[pid]
      }
      if (mode == "usage") print count + 0, total + 0
    }
  ' /proc/[0-9]*/stat 2>/dev/null
}

reason=$(mktemp "${TEST_TMPDIR:-/tmp}/limits.XXXXXX")
watch_resources() {
  local me=$BASHPID count rss found
  while sleep 0.1; do
    read -r count rss < <(group_members usage "$me")
    if ((rss > memory_mib * 1024)); then
      echo "memory limit of $memory_mib MiB exceeded" >"$reason"
    elif ((count > processes)); then
      echo "process limit of $processes exceeded" >"$reason"
    else
      continue
    fi
    # Stopped first, so that none can start more, until a round finds none running; then killed.
    for _ in $(seq 100); do
      found=$(group_members running "$me")
      [[ -z $found ]] && break
      # shellcheck disable=SC2086
      kill -STOP $found 2>/dev/null
    done
    # shellcheck disable=SC2046
    kill -KILL $(group_members pids "$me") 2>/dev/null
    return
  done
}
watch_resources &
watcher=$!

# The shell's own "Killed" notice, when a limit was reached, is not the program's output.
{ "$@" 2>&1 | capped; } 2>/dev/null
codes=("${PIPESTATUS[@]}")
status=${codes[0]}
# A watcher that has found a limit exceeded is let finish killing; any other is stopped.
[[ -s $reason ]] || kill "$watcher" 2>/dev/null
wait "$watcher" 2>/dev/null
echo
if [[ ${codes[1]} -eq 10 ]]; then
  echo "[threadkata-grader] output limit of $limit bytes exceeded"
  [[ $status -eq 0 ]] && status=1
fi
if [[ -s $reason ]]; then
  echo "[threadkata-grader] $(cat "$reason")"
  [[ $status -eq 0 ]] && status=1
fi
rm -f "$reason"
echo "[threadkata-grader] exit $status"
exit "$status"
