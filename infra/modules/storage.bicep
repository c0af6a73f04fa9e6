// Host storage, deployment packages, the mail queue and the service's tables; no account keys.
param name string
param location string
param tags object
param deploymentContainer string
param queues array
param tables array

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    isLocalUserEnabled: false
    supportsHttpsTrafficOnly: true
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    publicNetworkAccess: 'Enabled'
  }

  resource blobService 'blobServices' = {
    name: 'default'

    resource container 'containers' = {
      name: deploymentContainer
      properties: {
        publicAccess: 'None'
      }
    }
  }

  resource queueService 'queueServices' = {
    name: 'default'

    resource queue 'queues' = [for q in queues: {
      name: q
    }]
  }

  resource tableService 'tableServices' = {
    name: 'default'

    resource table 'tables' = [for t in tables: {
      name: t
    }]
  }
}

output name string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
// Without the trailing '/', as AzureWebJobsStorage__tableServiceUri is written in the Terraform.
output tableEndpoint string = substring(account.properties.primaryEndpoints.table, 0, length(account.properties.primaryEndpoints.table) - 1)
