//go:build tools

package main

import (
	_ "github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	_ "github.com/Azure/azure-sdk-for-go/sdk/data/aztables"
	_ "github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
	_ "github.com/ctreminiom/go-atlassian/v2/jira/agile"
	_ "github.com/ctreminiom/go-atlassian/v2/jira/v3"
	_ "github.com/google/go-cmp/cmp"
	_ "github.com/microsoftgraph/msgraph-sdk-go"
	_ "github.com/santhosh-tekuri/jsonschema/v6"
)
