#!/usr/bin/env bash
# Proves that a lesson's tests bite: runs the lesson's test binary built against a wrong
# implementation (a mutant, or the learner's untouched stub) and passes only if those tests
# fail.
#
# Usage: expect_rejection.sh WHAT TEST_BINARY [STUB_FILE STUB_SHA256]
# With STUB_FILE, the check applies only while STUB_FILE is the untouched stub (its SHA-256 is
# STUB_SHA256): a learner who solved the kata has edited it. THREADKATA_REQUIRE_PRISTINE_STUBS=1
# (set by tools/test) makes an edited stub a failure instead.
set -uo pipefail

what=$1
binary=$2
stub_file=${3:-}
stub_sha256=${4:-}

if [[ -n $stub_file ]]; then
  if [[ ! -f $stub_file ]]; then
    echo "FAIL: the stub $stub_file does not exist."
    exit 1
  fi
  actual=$(sha256sum "$stub_file" | cut -d' ' -f1)
  if [[ $actual != "$stub_sha256" ]]; then
    if [[ ${THREADKATA_REQUIRE_PRISTINE_STUBS:-0} == 1 ]]; then
      echo "FAIL: $stub_file is not the stub this check knows (sha256 $actual)."
      echo "If you changed the stub on purpose, put stub_sha256 = \"$actual\" in the lesson's tests/*/BUILD.bazel."
      exit 1
    fi
    echo "SKIP: $stub_file was edited (a learner's work), so the stub check does not apply."
    exit 0
  fi
fi

log=${TEST_UNDECLARED_OUTPUTS_DIR:-${TEST_TMPDIR:-/tmp}}/rejected_run.log
timeout --kill-after=10 "${THREADKATA_REJECTION_TIMEOUT_S:-240}" \
  "$binary" --gtest_fail_fast --gtest_color=no >"$log" 2>&1
status=$?

if ! grep -q '^\[==========\] Running' "$log"; then
  echo "FAIL: the tests of $what never started (exit status $status):"
  head -n 40 "$log"
  exit 1
fi
if [[ $status -eq 0 ]]; then
  echo "FAIL: every test passed against $what. The tests must reject it: add or sharpen a test"
  echo "that catches this mistake. Output of the run:"
  tail -n 40 "$log"
  exit 1
fi

echo "OK: the tests reject $what (exit status $status):"
grep -E '^\[  FAILED  \]|^\[  TIMEOUT \]|Failure|SUMMARY: |WARNING: ThreadSanitizer' "$log" | head -n 10
exit 0
