#!/usr/bin/env bash
# Builds Release and runs the gateway benchmark; arguments go to the bench (try --help).
#   bench/run.sh
#   bench/run.sh --concurrency 1,8,32 --requests 2000,5000,10000 --repeats 3
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x node_modules/.bin/azurite ] || npm ci --no-audit --no-fund
dotnet build bench/LlmFunctions.Bench/LlmFunctions.Bench.csproj -c Release --verbosity quiet -clp:ErrorsOnly
exec dotnet bench/LlmFunctions.Bench/bin/Release/net10.0/LlmFunctions.Bench.dll "$@"
