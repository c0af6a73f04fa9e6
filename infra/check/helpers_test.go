package check

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// copyInfra copies the deployment files under infra/ (not this package, not Terraform's working
// directory) into a temporary directory and returns the copy's infra path.
func copyInfra(tb testing.TB) string {
	tb.Helper()
	dst := filepath.Join(tb.TempDir(), "infra")
	err := filepath.WalkDir(infra, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(infra, path)
		if err != nil {
			return err
		}
		if e.IsDir() {
			if rel == "check" || e.Name() == ".terraform" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		tb.Fatal(err)
	}
	return dst
}

// edit replaces the one occurrence of old in the file at path with new.
func edit(tb testing.TB, path, old, new string) {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	if n := strings.Count(string(data), old); n != 1 {
		tb.Fatalf("%s holds %q %d times, want once", path, old, n)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(data), old, new, 1)), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// hasProblem reports whether one of problems contains every part.
func hasProblem(problems []string, parts ...string) bool {
	for _, p := range problems {
		all := true
		for _, part := range parts {
			all = all && strings.Contains(p, part)
		}
		if all {
			return true
		}
	}
	return false
}
