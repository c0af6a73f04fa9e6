package config

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

func (r *reader) storage() Storage {
	const name = "AzureWebJobsStorage"
	s := Storage{
		ConnectionString: r.get(name),
		AccountName:      r.get(name + "__accountName"),
		TableServiceURL:  r.get(name + "__tableServiceUri"),
		TablePrefix:      r.get("TABLE_PREFIX"),
	}
	if !tablePrefixRE.MatchString(s.TablePrefix) {
		r.problem("TABLE_PREFIX", "%q must be at most 20 letters and digits, starting with a letter", s.TablePrefix)
	}
	switch {
	case isDevelopmentStorage(s.ConnectionString):
		// Azurite's shortcut, which the store expands (aztables does not understand it).
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

// Table names are letters and digits starting with a letter; the longest of ours is 7.
var tablePrefixRE = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9]{0,19})?$`)

func isDevelopmentStorage(cs string) bool {
	return strings.EqualFold(strings.ReplaceAll(cs, " ", ""), "UseDevelopmentStorage=true")
}
