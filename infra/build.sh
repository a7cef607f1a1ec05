#!/usr/bin/env bash
# Compiles infra/main.bicep and infra/main.bicepparam with the pinned Bicep CLI (infra/tools/Bicep.Tools.csproj).
# Fails on any error and on any warning: Bicep reports unknown properties and resource types without type data as
# warnings, and those are the mistakes that only show when a deployment fails.
set -uo pipefail
cd "$(dirname "$0")/.."

if ! dotnet restore infra/tools/Bicep.Tools.csproj --verbosity quiet; then
  echo "bicep: restoring infra/tools/Bicep.Tools.csproj failed"
  exit 1
fi
version=$(sed -n 's:.*<BicepVersion>\(.*\)</BicepVersion>.*:\1:p' infra/tools/Bicep.Tools.csproj)
packages=$(grep -A1 '"packageFolders"' infra/tools/obj/project.assets.json | tail -1 | sed 's/^ *"\([^"]*\)".*/\1/')
bicep="${packages%/}/azure.bicep.commandline.linux-x64/${version}/tools/bicep"
if [ ! -f "$bicep" ]; then
  echo "bicep: $bicep is missing after the restore"
  exit 1
fi
[ -x "$bicep" ] || chmod u+x "$bicep"

out=artifacts/infra
mkdir -p "$out"
status=0
# The parameters file reads the provider keys from the environment: its compiled form goes nowhere.
for step in "build infra/main.bicep --outdir $out" "build-params infra/main.bicepparam --stdout"; do
  diagnostics=$("$bicep" $step 2>&1 >/dev/null)
  rc=$?
  [ -n "$diagnostics" ] && printf '%s\n' "$diagnostics"
  if [ "$rc" -ne 0 ] || grep -qE ' : (Error|Warning) ' <<<"$diagnostics"; then
    echo "bicep ${step%% *} failed: ${step#* }"
    status=1
    break
  fi
done
[ "$status" -eq 0 ] && echo "bicep $version: infra/main.bicep and infra/main.bicepparam compile without errors or warnings"
exit "$status"
