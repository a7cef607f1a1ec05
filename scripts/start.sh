#!/usr/bin/env bash
# Starts LlmFunctions locally: Azurite (storage), the provider simulator when no provider key is configured, and the
# function app on http://127.0.0.1:7071 in the standalone host (the same function classes and Durable engine that
# `func start` runs; see docs/architecture.md). Ctrl+C stops everything it started.
#   scripts/start.sh                 # auto: simulator when no key is set
#   LLMFUNCTIONS_SIMULATOR=1 scripts/start.sh   # force the simulator fleet
#   LLMFUNCTIONS_SCENARIO=scenarios/seed-003.json scripts/start.sh   # replay the incident fleet
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-tools.sh
if [ ! -f local.settings.json ]; then
  echo "==> local.settings.json from local.settings.sample.json (put provider keys there; git ignores it)"
  cp local.settings.sample.json local.settings.json
fi
echo "==> dotnet build"
dotnet build LlmFunctions.sln --no-restore --verbosity quiet -clp:ErrorsOnly

app_port=${LLMFUNCTIONS_PORT:-7071}
sim_port=${LLMFUNCTIONS_SIMULATOR_PORT:-7100}
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

wait_for_port() { # host port name
  for _ in $(seq 1 300); do
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && { exec 3>&- 3<&-; return 0; }
    sleep 0.1
  done
  echo "$3 did not start listening on $1:$2" >&2; exit 1
}

if (exec 3<>/dev/tcp/127.0.0.1/10002) 2>/dev/null; then
  echo "==> Azurite already running on 127.0.0.1:10000-10002; using it"
else
  echo "==> Azurite on 127.0.0.1:10000-10002 (in memory)"
  node_modules/.bin/azurite --inMemoryPersistence --silent --skipApiVersionCheck \
    --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 >/dev/null 2>&1 &
  pids+=($!)
  wait_for_port 127.0.0.1 10002 Azurite
fi
export AzureWebJobsStorage=${AzureWebJobsStorage:-UseDevelopmentStorage=true}

key_vars='GROQ_API_KEY|CEREBRAS_API_KEY|SAMBANOVA_API_KEY|GITHUB_TOKEN|OPENROUTER_API_KEY|HUGGINGFACE_API_KEY|DEEPSEEK_API_KEY|FIREWORKS_API_KEY|HYPERBOLIC_API_KEY|NOVITA_API_KEY|SCALEWAY_API_KEY|KLUSTER_API_KEY|NEBIUS_API_KEY|CLOUDFLARE_API_TOKEN'
has_keys=0
env | grep -qE "^($key_vars)=." && has_keys=1
[ -f local.settings.json ] && grep -qE "\"($key_vars)\"[[:space:]]*:[[:space:]]*\"[^\"]" local.settings.json && has_keys=1
if [ "${LLMFUNCTIONS_SIMULATOR:-}" = 1 ] || [ "$has_keys" = 0 ]; then
  scenario=$(realpath "${LLMFUNCTIONS_SCENARIO:-scenarios/dev-fleet.json}")
  echo "==> No provider key configured: the provider simulator plays the fleet from $scenario on 127.0.0.1:$sim_port"
  dotnet run --project src/LlmFunctions.Simulator --no-build -- --scenario "$scenario" --port "$sim_port" &
  pids+=($!)
  wait_for_port 127.0.0.1 "$sim_port" "the provider simulator"
  export LlmFunctions__SimulatorBaseUrl="http://127.0.0.1:$sim_port/"
fi

echo "==> LlmFunctions (standalone host) on http://127.0.0.1:$app_port  (try: curl http://127.0.0.1:$app_port/api/providers)"
ASPNETCORE_URLS="http://127.0.0.1:$app_port" dotnet run --project src/LlmFunctions.StandaloneHost --no-build &
pids+=($!)
wait "${pids[-1]}"
