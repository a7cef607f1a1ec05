#!/usr/bin/env bash
# Installs what the app and the tests need on a fresh machine: Azurite (pinned in package-lock.json) and NuGet packages.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.llmfunctions-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -x node_modules/.bin/azurite ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "==> npm ci (Azurite, pinned in package-lock.json)"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
  echo "$want" > "$stamp"
fi
echo "==> dotnet restore"
dotnet restore LlmFunctions.sln --verbosity quiet
