// LlmFunctions in Azure: one Storage account (health table, orchestration queues/tables/blobs) shared by every
// instance, and the app hosted on Linux App Service (the app is an ASP.NET Core host with the Functions layout).
// Provider keys are app settings you add yourself (or Key Vault references); none are declared here.
@description('Name prefix for every resource.')
@minLength(3)
@maxLength(11)
param prefix string = 'llmfunc'

@description('Azure region.')
param location string = resourceGroup().location

@description('App Service plan SKU; P0v3 or above for several instances side by side.')
param skuName string = 'P0v3'

@description('How many instances run side by side; they share provider health through Table Storage.')
@minValue(1)
@maxValue(30)
param instanceCount int = 2

var storageName = toLower('${prefix}${uniqueString(resourceGroup().id)}')

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: take(storageName, 24)
  location: location
  sku: { name: 'Standard_LRS' }
  kind: 'StorageV2'
  properties: {
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    supportsHttpsTrafficOnly: true
  }
}

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: '${prefix}-plan'
  location: location
  sku: { name: skuName, capacity: instanceCount }
  kind: 'linux'
  properties: { reserved: true }
}

resource app 'Microsoft.Web/sites@2023-12-01' = {
  name: '${prefix}-${uniqueString(resourceGroup().id)}'
  location: location
  identity: { type: 'SystemAssigned' }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      linuxFxVersion: 'DOTNETCORE|10.0'
      alwaysOn: true
      healthCheckPath: '/api/health'
      appSettings: [
        {
          name: 'AzureWebJobsStorage'
          value: 'DefaultEndpointsProtocol=https;AccountName=${storage.name};EndpointSuffix=${environment().suffixes.storage};AccountKey=${storage.listKeys().keys[0].value}'
        }
        {
          name: 'LLMFUNCTIONS_ROOT'
          value: '/home/site/wwwroot'
        }
      ]
    }
  }
}

output appUrl string = 'https://${app.properties.defaultHostName}'
output storageAccount string = storage.name
