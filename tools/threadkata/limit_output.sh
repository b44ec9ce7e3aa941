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
#   [threadkata-grader] thread limit of N exceeded
set -u
limit=${THREADKATA_OUTPUT_LIMIT:-1048576}
# Memory (proportional set size: pages shared after a fork count once) and threads (those of
# every process) are counted over the program and every process it starts, in this process
# group (memory with the files of the private tmpfs mounts below), sampled every 0.1 s; past a
# limit all of them are stopped, then killed. The kernel's
# own limits do not fit: the sanitizers reserve terabytes of address space (so no ulimit -v),
# ThreadSanitizer ignores hard_rss_limit_mb, and ulimit -u does not apply to root.
memory_mib=${THREADKATA_MEMORY_LIMIT_MIB:-4096}
threads=${THREADKATA_THREAD_LIMIT:-1024}
# No file over 64 MiB, no core dump, at most 256 open files per process (socket buffers are
# memory no process's size shows), and, for the program alone, a bound the kernel enforces
# between two samples: it cannot start a process or thread while this user has
# THREADKATA_PROCESS_LIMIT (not for root; the grader started as root runs the tests as nobody;
# per user namespace, so per sandbox, on Linux 5.14 and later), unless the hard limit is lower
# already. The kernel holds each process to its own limit, so this script, which shares the
# user, keeps starting the processes it samples and kills with when the program has used up its.
ulimit -f 65536 -c 0 -n 256
process_limit=${THREADKATA_PROCESS_LIMIT:-4096}
processes=$(ulimit -H -u)
program_processes=
[[ $processes == unlimited || $processes -gt $process_limit ]] && program_processes=$process_limit

reader=$(mktemp "${TEST_TMPDIR:-/tmp}/limits.XXXXXX")
capped() {
  echo "$BASHPID" >"$reader"
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

# Files in the test's private tmpfs mounts (THREADKATA_PRIVATE_TMPFS, colon-separated; the
# grader's sandbox gives each test its own /tmp and /dev/shm) are memory too: KiB used in them.
private_files_kib() {
  [[ -n ${THREADKATA_PRIVATE_TMPFS:-} ]] || { echo 0; return; }
  local -a mounts
  IFS=: read -ra mounts <<<"$THREADKATA_PRIVATE_TMPFS"
  df -k --output=used "${mounts[@]}" 2>/dev/null | awk 'NR > 1 { used += $1 } END { print used + 0 }'
}

# The group's processes, but for the spared ones and the children and grandchildren of the
# watcher (its sampling) and of the output's reader: "THREADS MEMORY_KIB"; with "pids" their
# pids; with "running" the pids of those neither stopped nor ended. A process that ends while
# /proc is read is left out (cat goes on; awk alone would stop at the first missing file).
group_members() {
  # shellcheck disable=SC2002
  cat /proc/[0-9]*/stat 2>/dev/null | awk -v group="$group" -v page_kib="$page_kib" \
    -v mode="$1" -v spared="$spared $2 $3" -v me="$2" -v reader="$3" \
    -v limit_kib="$((memory_mib * 1024))" -v files_kib="${4:-0}" -v thread_limit="$threads" '
    BEGIN { n = split(spared, list, " "); for (i = 1; i <= n; i++) keep[list[i]] = 1 }
    {
      pid = $1
      sub(/^.*\) /, "")
      if ($3 != group) next
      parent[pid] = $2
      state[pid] = $1
      tasks[pid] = $18
      rss[pid] = $22 * page_kib
    }
    END {
      for (pid in parent) {
        up = parent[pid]
        if (pid in keep || up == me || up == reader || parent[up] == me || parent[up] == reader)
          continue
        if (mode == "pids" || (mode == "running" && state[pid] !~ /[TtZX]/)) print pid
        member[pid] = 1
        count += tasks[pid]
        total += rss[pid]
      }
      if (mode != "usage") exit
      # Only when the resident sizes add up to more than the limit: the proportional set size,
      # which counts pages shared after a fork once. Reading it holds the memory map lock of each
      # process while the kernel walks its page tables, which stalls a sanitized program if done
      # at every sample. Not when the thread limit is passed already: that decides, and the
      # walk over thousands of forked processes would take longer than the program runs.
      if (total + files_kib > limit_kib && count <= thread_limit) {
        total = 0
        for (pid in member) {
          pss = ""
          file = "/proc/" pid "/smaps_rollup"
          while ((getline line < file) > 0) if (line ~ /^Pss:/) { split(line, f, " "); pss = f[2] }
          close(file)
          # Unreadable: the process has ended since its size was read, or the kernel has no
          # smaps_rollup; its resident size now stands (none once it has ended).
          if (pss == "") {
            pss = 0
            if ((getline line < ("/proc/" pid "/stat")) > 0) {
              sub(/^.*\) /, "", line)
              split(line, g, " ")
              pss = g[22] * page_kib
            }
            close("/proc/" pid "/stat")
          }
          total += pss
        }
      }
      print count + 0, total + files_kib
    }
  '
}

reason=$(mktemp "${TEST_TMPDIR:-/tmp}/limits.XXXXXX")
watch_resources() {
  local me=$BASHPID count memory found
  local output_reader
  # A sample that fails (no process could be started) is not the end of watching.
  while true; do
    sleep 0.1
    output_reader=$(<"$reader")
    read -r count memory < <(group_members usage "$me" "$output_reader" "$(private_files_kib)")
    if ((${count:-0} > threads)); then
      echo "thread limit of $threads exceeded" >"$reason"
    elif ((${memory:-0} > memory_mib * 1024)); then
      echo "memory limit of $memory_mib MiB exceeded" >"$reason"
    else
      continue
    fi
    # Stopped first, so that none can start more, until a round finds none running; then killed.
    for _ in $(seq 100); do
      found=$(group_members running "$me" "$output_reader")
      [[ -z $found ]] && break
      # shellcheck disable=SC2086
      kill -STOP $found 2>/dev/null
    done
    # shellcheck disable=SC2046
    kill -KILL $(group_members pids "$me" "$output_reader") 2>/dev/null
    return
  done
}
watch_resources &
watcher=$!

# The shell's own "Killed" notice, when a limit was reached, is not the program's output.
{
  (
    [[ -z $program_processes ]] || ulimit -u "$program_processes"
    exec "$@"
  ) 2>&1 | capped
} 2>/dev/null
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
rm -f "$reason" "$reader"
echo "[threadkata-grader] exit $status"
exit "$status"
