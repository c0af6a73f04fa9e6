package main

import (
	"archive/zip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPackageLayout assembles the real host.json and functions/ around a stand-in binary,
// zips it, and checks what the Functions host needs: host.json and every <name>/function.json
// at the root next to the executable named in defaultExecutablePath, which keeps its execute bit.
func TestPackageLayout(t *testing.T) {
	app := t.TempDir()
	exe, err := executablePath("../../../host.json")
	if err != nil || exe == "" {
		t.Fatalf("defaultExecutablePath: %q %v", exe, err)
	}
	if err := os.WriteFile(filepath.Join(app, exe), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := assemble("../../..", app); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "app.zip")
	if err := zipDir(app, out); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		files[f.Name] = f
	}
	if files["host.json"] == nil {
		t.Error("host.json is not at the root")
	}
	if f := files[exe]; f == nil || f.Mode()&0o111 == 0 {
		t.Errorf("%s missing or not executable in the zip", exe)
	}
	fjs, _ := filepath.Glob("../../../functions/*/function.json")
	for _, fj := range fjs {
		name := filepath.Base(filepath.Dir(fj)) + "/function.json"
		f := files[name]
		if f == nil {
			t.Errorf("%s is not directly under the root", name)
			continue
		}
		rc, _ := f.Open()
		var v struct{ Bindings []json.RawMessage }
		if err := json.NewDecoder(rc).Decode(&v); err != nil || len(v.Bindings) == 0 {
			t.Errorf("%s does not parse: %v", name, err)
		}
		rc.Close()
	}
	for name := range files {
		if strings.HasPrefix(name, "functions/") {
			t.Errorf("%s is nested under functions/, where the host does not look", name)
		}
	}
}

func TestAssembleRefusesMissingBinary(t *testing.T) {
	if err := assemble("../../..", t.TempDir()); err == nil || !strings.Contains(err.Error(), "no such executable") {
		t.Fatalf("err = %v", err)
	}
}
