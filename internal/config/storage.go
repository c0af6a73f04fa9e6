package config

import (
	"fmt"
	"net/url"
	"strings"
)

// DevelopmentStorage is the full Azurite connection string that the Functions tooling's
// "UseDevelopmentStorage=true" shortcut stands for; aztables does not understand the shortcut.
// The key is Azurite's published well-known development key, not a secret.
const DevelopmentStorage = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
	"AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
	"BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;" +
	"TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;"

func (r *reader) storage() Storage {
	const name = "AzureWebJobsStorage"
	s := Storage{
		ConnectionString: r.get(name),
		AccountName:      r.get(name + "__accountName"),
		TableServiceURL:  r.get(name + "__tableServiceUri"),
	}
	if strings.EqualFold(strings.ReplaceAll(s.ConnectionString, " ", ""), "UseDevelopmentStorage=true") {
		s.ConnectionString = DevelopmentStorage
	}
	switch {
	case s.ConnectionString != "":
		if err := checkConnectionString(s.ConnectionString); err != nil {
			r.problem(name, "%v", err)
		}
	case s.AccountName != "":
		if s.TableServiceURL == "" {
			s.TableServiceURL = fmt.Sprintf("https://%s.table.core.windows.net", s.AccountName)
		}
		if u, err := url.Parse(s.TableServiceURL); err != nil || u.Host == "" {
			r.problem(name+"__tableServiceUri", "is not an absolute URL")
		}
	default:
		r.problem(name, "is required: set a storage connection string (UseDevelopmentStorage=true for Azurite), "+
			"or AzureWebJobsStorage__accountName for managed-identity access")
	}
	return s
}

// checkConnectionString names what is missing without ever echoing the string (it holds a key).
func checkConnectionString(cs string) error {
	parts := map[string]bool{}
	for _, kv := range strings.Split(cs, ";") {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.TrimSpace(v) != "" {
			parts[strings.ToLower(strings.TrimSpace(k))] = true
		}
	}
	if !parts["accountname"] || !(parts["accountkey"] || parts["sharedaccesssignature"]) {
		return fmt.Errorf("connection string lacks AccountName and AccountKey (or SharedAccessSignature); copy it from the storage account's Access keys blade")
	}
	return nil
}
