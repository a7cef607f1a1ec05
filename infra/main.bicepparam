using 'main.bicep'

// Non-secret choices: edit here, or override on the command line (--parameters prefix=...).
param prefix = 'llmfunc'
param useStorageIdentity = false
param maximumInstanceCount = 100
param instanceMemoryMB = 2048

// Provider keys come from the deployer's environment when the deployment is built, never from a file in git.
// An unset or empty variable leaves that provider unconfigured.
param providerSecrets = {
  GROQ_API_KEY: readEnvironmentVariable('GROQ_API_KEY', '')
  CEREBRAS_API_KEY: readEnvironmentVariable('CEREBRAS_API_KEY', '')
  SAMBANOVA_API_KEY: readEnvironmentVariable('SAMBANOVA_API_KEY', '')
  GITHUB_TOKEN: readEnvironmentVariable('GITHUB_TOKEN', '')
  OPENROUTER_API_KEY: readEnvironmentVariable('OPENROUTER_API_KEY', '')
  HUGGINGFACE_API_KEY: readEnvironmentVariable('HUGGINGFACE_API_KEY', '')
  DEEPSEEK_API_KEY: readEnvironmentVariable('DEEPSEEK_API_KEY', '')
  FIREWORKS_API_KEY: readEnvironmentVariable('FIREWORKS_API_KEY', '')
  HYPERBOLIC_API_KEY: readEnvironmentVariable('HYPERBOLIC_API_KEY', '')
  NOVITA_API_KEY: readEnvironmentVariable('NOVITA_API_KEY', '')
  SCALEWAY_API_KEY: readEnvironmentVariable('SCALEWAY_API_KEY', '')
  KLUSTER_API_KEY: readEnvironmentVariable('KLUSTER_API_KEY', '')
  NEBIUS_API_KEY: readEnvironmentVariable('NEBIUS_API_KEY', '')
  CLOUDFLARE_API_TOKEN: readEnvironmentVariable('CLOUDFLARE_API_TOKEN', '')
  CLOUDFLARE_ACCOUNT_ID: readEnvironmentVariable('CLOUDFLARE_ACCOUNT_ID', '')
}

// The gateway's own keys (docs/security.md), from the environment too; empty leaves a key unconfigured.
param gatewayKeys = {
  master: readEnvironmentVariable('LLMFUNCTIONS_MASTER_KEY', '')
}
