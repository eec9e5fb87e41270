#!/usr/bin/env bash
# Usage: expect_exit.sh CODE TEXT COMMAND...
# Runs COMMAND; passes when it exits with CODE and its stdout+stderr contain TEXT.
set -u
want_code=$1
want_text=$2
shift 2
output=$("$@" 2>&1)
code=$?
if [ "$code" -ne "$want_code" ]; then
  printf 'expected exit %s, got %s. Output:\n%s\n' "$want_code" "$code" "$output"
  exit 1
fi
if ! grep -qF -- "$want_text" <<<"$output"; then
  printf 'expected output to contain: %s\nOutput:\n%s\n' "$want_text" "$output"
  exit 1
fi
exit 0
