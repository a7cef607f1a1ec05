#!/usr/bin/env bash
# Runs every test. Tests that need storage start their own Azurite (in memory, free ports); providers are played by
# the provider simulator on 127.0.0.1. Ends with the plain line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-tools.sh || exit 1
results=artifacts/test-results
rm -rf "$results"
dotnet test LlmFunctions.sln --no-restore --logger "trx;LogFileName=tests.trx" --results-directory "$results" "$@"
status=$?
trx=$(ls "$results"/*.trx 2>/dev/null | head -1)
if [ -z "$trx" ]; then
  echo "no test results were written (build failed?)"
  echo "0 passed, 1 failed"
  exit 1
fi
passed=$(grep -o '<Counters [^>]*' "$trx" | grep -o ' passed="[0-9]*"' | grep -o '[0-9]*')
failed=$(grep -o '<Counters [^>]*' "$trx" | grep -o ' failed="[0-9]*"' | grep -o '[0-9]*')
errors=$(grep -o '<Counters [^>]*' "$trx" | grep -o ' error="[0-9]*"' | grep -o '[0-9]*')
failed=$(( ${failed:-0} + ${errors:-0} ))
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "${passed:-0} passed, ${failed} failed"
exit "$status"
