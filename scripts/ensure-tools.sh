#!/usr/bin/env bash
# Installs what the app and the tests need on a fresh machine: Azurite (pinned in package-lock.json), NuGet packages, and
# Debian's Chromium for the dashboard's browser test (Playwright's own browser download is not used).
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.llmfunctions-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -x node_modules/.bin/azurite ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "==> npm ci (Azurite, pinned in package-lock.json)"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
  echo "$want" > "$stamp"
fi
if [ ! -x /usr/bin/chromium ]; then
  echo "==> apt-get install chromium (the dashboard's browser test)"
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi
echo "==> dotnet restore"
dotnet restore LlmFunctions.sln --verbosity quiet
