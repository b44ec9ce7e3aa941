#!/usr/bin/env bash
# Proves that a lesson's tests bite: runs the lesson's test binary built against a wrong
# implementation (a mutant, or the learner's untouched stub) and passes only if those tests
# fail.
#
# Usage: expect_rejection.sh WHAT TEST_BINARY [LEARNER_FILE PRISTINE_STUB]
# With LEARNER_FILE, the check applies only while LEARNER_FILE is identical to PRISTINE_STUB
# (tests/NN_name/stub/): a learner who solved the kata has edited it.
# THREADKATA_REQUIRE_PRISTINE_STUBS=1 (set by tools/test) makes an edited stub a failure instead.
set -uo pipefail

what=$1
binary=$2
learner_file=${3:-}
pristine=${4:-}

if [[ -n $learner_file ]]; then
  if ! cmp -s "$learner_file" "$pristine"; then
    if [[ ${THREADKATA_REQUIRE_PRISTINE_STUBS:-0} == 1 ]]; then
      echo "FAIL: $learner_file differs from its pristine copy $pristine:"
      diff -u "$pristine" "$learner_file" | head -n 20
      echo "A stub changed on purpose must be copied over the pristine one: cp $learner_file $pristine"
      exit 1
    fi
    echo "SKIP: $learner_file was edited (a learner's work), so the stub check does not apply."
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
