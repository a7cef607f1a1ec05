// LlmFunctions in Azure: the Functions app (.NET 10 isolated worker) on the Flex Consumption plan (FC1), its Storage
// account (AzureWebJobsStorage: Durable Functions' task hub, the provider health table, the deployment container),
// Application Insights on a Log Analytics workspace, and a Key Vault holding the provider API keys and the gateway's
// own keys, which the app reads through Key Vault references. One user-assigned identity does all of the app's Azure
// access; it exists, with its roles, before the app is created, so the Key Vault references resolve on the app's first
// start.
// How to deploy: infra/README.md.

@description('Name prefix for every resource (lowercase letters and digits; the names add a hash of the resource group).')
@minLength(3)
@maxLength(11)
param prefix string = 'llmfunc'

@description('Azure region; it must offer the Flex Consumption plan (az functionapp list-flexconsumption-locations).')
param location string = resourceGroup().location

@description('Provider keys: app setting name -> value, e.g. { GROQ_API_KEY: \'gsk_...\' }. Each non-empty value becomes a Key Vault secret and the app setting a Key Vault reference to it; a provider left out or empty stays unconfigured. Only the names below are accepted.')
param providerSecrets providerSecretsType = {}

@description('The gateway\'s own keys (docs/security.md): name -> value, e.g. { master: \'...\', batch: \'...\' }. `master` becomes LlmFunctions__Keys__Master, any other name LlmFunctions__Keys__Function__<name> (letters, digits, - and _). Each non-empty value becomes a Key Vault secret and the app setting a Key Vault reference to it. The standalone host enforces these; under the Functions host the host\'s own keys apply (az functionapp keys set).')
@secure()
param gatewayKeys object = {}

@description('true: AzureWebJobsStorage is identity-based (the app\'s managed identity; shared-key access off, no account key anywhere). Leave false while the app\'s own Storage clients (LlmFunctions.Storage.StorageConnection) read AzureWebJobsStorage as a connection string: then the connection string is a Key Vault secret.')
param useStorageIdentity bool = false

@description('Flex Consumption: the most instances the app scales out to (the Flex samples accept 40 to 1000).')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Flex Consumption: memory per instance, in MB.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('The provider key app settings the app reads (src/LlmFunctions.Gateway/Providers/BuiltInProviders.cs and the Cloudflare pair).')
@sealed()
@secure()
type providerSecretsType = {
  GROQ_API_KEY: string?
  CEREBRAS_API_KEY: string?
  SAMBANOVA_API_KEY: string?
  GITHUB_TOKEN: string?
  OPENROUTER_API_KEY: string?
  HUGGINGFACE_API_KEY: string?
  DEEPSEEK_API_KEY: string?
  FIREWORKS_API_KEY: string?
  HYPERBOLIC_API_KEY: string?
  NOVITA_API_KEY: string?
  SCALEWAY_API_KEY: string?
  KLUSTER_API_KEY: string?
  NEBIUS_API_KEY: string?
  CLOUDFLARE_API_TOKEN: string?
  CLOUDFLARE_ACCOUNT_ID: string?
}

var suffix = uniqueString(resourceGroup().id)
var appName = '${prefix}-${suffix}'
var deploymentContainerName = 'app-package'
// Key Vault secret names allow letters, digits and '-' only: GROQ_API_KEY is stored as GROQ-API-KEY.
var providedKeys = map(filter(items(providerSecrets), p => !empty(p.?value)), p => {
  setting: p.key
  secret: replace(p.key, '_', '-')
})
// The gateway's keys, as settings and Key Vault secret names (LlmFunctions-Keys-Master, LlmFunctions-Keys-Function-<name>).
var providedGatewayKeys = map(filter(items(gatewayKeys), k => !empty(k.value)), k => {
  name: k.key
  setting: toLower(k.key) == 'master' ? 'LlmFunctions__Keys__Master' : 'LlmFunctions__Keys__Function__${k.key}'
  secret: toLower(k.key) == 'master' ? 'LlmFunctions-Keys-Master' : 'LlmFunctions-Keys-Function-${replace(k.key, '_', '-')}'
})
var storageSecretName = 'AzureWebJobsStorage'
var storageSuffix = environment().suffixes.storage

// Built-in role definition ids.
var roles = {
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: '${prefix}-id-${suffix}'
  location: location
}

// --- Storage: AzureWebJobsStorage (host, Durable task hub, health table) and the Flex deployment container ---

resource storage 'Microsoft.Storage/storageAccounts@2026-09-01' = {
  name: take(toLower('${prefix}${suffix}'), 24)
  location: location
  sku: { name: 'Standard_LRS' }
  kind: 'StorageV2'
  properties: {
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    allowSharedKeyAccess: !useStorageIdentity
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2026-09-01' = {
  parent: storage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-09-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: { publicAccess: 'None' }
}

// Blob owner covers the deployment container and the host's leases; queues and tables are Durable Functions' task
// hub and the health table. Granted in both modes, so switching useStorageIdentity needs no other change.
resource storageRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in [roles.storageBlobDataOwner, roles.storageQueueDataContributor, roles.storageTableDataContributor]: {
    name: guid(storage.id, identity.id, role)
    scope: storage
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
      principalId: identity.properties.principalId
      principalType: 'ServicePrincipal'
    }
  }
]

// --- Key Vault: provider keys (and the Storage connection string unless identity-based) ---

resource vault 'Microsoft.KeyVault/vaults@2026-05-15' = {
  name: take('${prefix}kv${suffix}', 24)
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
  }
}

resource providerKeySecrets 'Microsoft.KeyVault/vaults/secrets@2026-05-15' = [
  for key in providedKeys: {
    parent: vault
    name: key.secret
    properties: { value: providerSecrets[key.setting] }
  }
]

resource gatewayKeySecrets 'Microsoft.KeyVault/vaults/secrets@2026-05-15' = [
  for key in providedGatewayKeys: {
    parent: vault
    name: key.secret
    properties: { value: gatewayKeys[key.name] }
  }
]

resource storageSecret 'Microsoft.KeyVault/vaults/secrets@2026-05-15' = if (!useStorageIdentity) {
  parent: vault
  name: storageSecretName
  properties: {
    value: 'DefaultEndpointsProtocol=https;AccountName=${storage.name};AccountKey=${storage.listKeys().keys[0].value};EndpointSuffix=${storageSuffix}'
  }
}

resource vaultSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identity.id, roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// --- Monitoring ---

resource workspace 'Microsoft.OperationalInsights/workspaces@2026-03-01' = {
  name: '${prefix}-log-${suffix}'
  location: location
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${prefix}-appi-${suffix}'
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
  }
}

// --- The Functions app on Flex Consumption ---

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: '${prefix}-plan-${suffix}'
  location: location
  kind: 'functionapp'
  sku: { name: 'FC1', tier: 'FlexConsumption' }
  properties: { reserved: true }
}

// '/' at the end: the versionless secret URI, so a rotated key is picked up without a redeploy.
var vaultReference = map(concat(providedKeys, map(providedGatewayKeys, k => { setting: k.setting, secret: k.secret })), key => {
  name: key.setting
  value: '@Microsoft.KeyVault(SecretUri=${vault.properties.vaultUri}secrets/${key.secret}/)'
})

var storageSettings = useStorageIdentity
  ? [
      { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
      { name: 'AzureWebJobsStorage__clientId', value: identity.properties.clientId }
      { name: 'AzureWebJobsStorage__blobServiceUri', value: 'https://${storage.name}.blob.${storageSuffix}' }
      { name: 'AzureWebJobsStorage__queueServiceUri', value: 'https://${storage.name}.queue.${storageSuffix}' }
      { name: 'AzureWebJobsStorage__tableServiceUri', value: 'https://${storage.name}.table.${storageSuffix}' }
    ]
  : [
      {
        name: 'AzureWebJobsStorage'
        value: '@Microsoft.KeyVault(SecretUri=${vault.properties.vaultUri}secrets/${storageSecretName}/)'
      }
    ]

resource app 'Microsoft.Web/sites@2025-03-01' = {
  name: appName
  location: location
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identity.id
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identity.id
          }
        }
      }
      runtime: { name: 'dotnet-isolated', version: '10.0' }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      appSettings: concat(
        storageSettings,
        [
          { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: appInsights.properties.ConnectionString }
          { name: 'AZURE_CLIENT_ID', value: identity.properties.clientId }
          // The NCRONTAB schedule of the ResetExpiredCooldowns timer function (%ResetExpiredCooldownsSchedule%).
          { name: 'ResetExpiredCooldownsSchedule', value: '0 */1 * * * *' }
          // The NCRONTAB schedule of the PruneResponseCache timer function (%PruneResponseCacheSchedule%).
          { name: 'PruneResponseCacheSchedule', value: '0 */15 * * * *' }
        ],
        vaultReference
      )
    }
  }
  // The references must resolve on the first start: the secrets and the identity's roles exist before the app.
  dependsOn: [
    deploymentContainer
    storageRoles
    vaultSecretsUser
    providerKeySecrets
    gatewayKeySecrets
    storageSecret
  ]
}

// FTP off for good: no basic-auth FTP publishing (deploy with `az functionapp deployment source config-zip` or
// `func azure functionapp publish`, which authenticate with Microsoft Entra ID).
resource ftpPolicy 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: app
  name: 'ftp'
  properties: { allow: false }
}

@description('The app\'s name (for az functionapp / func azure functionapp publish).')
output appName string = app.name

@description('The app\'s base URL.')
output appUrl string = 'https://${app.properties.defaultHostName}'

@description('The Key Vault holding the provider keys.')
output keyVaultName string = vault.name

@description('The Storage account behind AzureWebJobsStorage.')
output storageAccountName string = storage.name
