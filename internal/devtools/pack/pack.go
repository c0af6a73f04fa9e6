// Command pack assembles the Functions app folder from a built binary: host.json and every
// functions/<name>/function.json copied so each function folder sits directly under the
// script root (the only place the host looks), then zips it for deployment keeping the
// handler's execute bit.
//
// Usage: go run ./internal/devtools/pack -src . -app dist/app [-zip dist/mail2jira.zip]
package main

import (
	"archive/zip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

func main() {
	src := flag.String("src", ".", "repository root holding host.json and functions/")
	app := flag.String("app", "", "app folder that already holds the binary")
	out := flag.String("zip", "", "zip file to write (optional)")
	flag.Parse()
	if err := assemble(*src, *app); err != nil {
		fmt.Fprintln(os.Stderr, "pack:", err)
		os.Exit(1)
	}
	if *out != "" {
		if err := zipDir(*app, *out); err != nil {
			fmt.Fprintln(os.Stderr, "pack:", err)
			os.Exit(1)
		}
	}
}

// assemble copies host.json and the function folders into app and checks that the binary
// host.json names is there and executable.
func assemble(src, app string) error {
	if err := copyFile(filepath.Join(src, "host.json"), filepath.Join(app, "host.json")); err != nil {
		return err
	}
	dirs, err := filepath.Glob(filepath.Join(src, "functions", "*", "function.json"))
	if err != nil || len(dirs) == 0 {
		return fmt.Errorf("no functions/*/function.json under %s", src)
	}
	for _, fj := range dirs {
		name := filepath.Base(filepath.Dir(fj))
		if err := copyFile(fj, filepath.Join(app, name, "function.json")); err != nil {
			return err
		}
	}
	exe, err := executablePath(filepath.Join(app, "host.json"))
	if err != nil {
		return err
	}
	st, err := os.Stat(filepath.Join(app, exe))
	if err != nil || st.Mode()&0o111 == 0 {
		return fmt.Errorf("host.json names %q as the handler, but %s has no such executable", exe, app)
	}
	return nil
}

func executablePath(hostJSON string) (string, error) {
	data, err := os.ReadFile(hostJSON)
	if err != nil {
		return "", err
	}
	var h struct {
		CustomHandler struct {
			Description struct {
				DefaultExecutablePath string `json:"defaultExecutablePath"`
			} `json:"description"`
		} `json:"customHandler"`
	}
	if err := json.Unmarshal(data, &h); err != nil {
		return "", fmt.Errorf("parse %s: %w", hostJSON, err)
	}
	return h.CustomHandler.Description.DefaultExecutablePath, nil
}

func copyFile(from, to string) error {
	data, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	return os.WriteFile(to, data, 0o644)
}

// zipDir writes every file under dir into a zip with paths relative to dir and Unix modes
// kept, so the Linux host can execute the handler after a zip deployment.
func zipDir(dir, out string) error {
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(f)
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		return addFile(zw, dir, path)
	})
	if cerr := zw.Close(); err == nil {
		err = cerr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func addFile(zw *zip.Writer, dir, path string) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	hdr, err := zip.FileInfoHeader(info)
	if err != nil {
		return err
	}
	rel, _ := filepath.Rel(dir, path)
	hdr.Name, hdr.Method = filepath.ToSlash(rel), zip.Deflate
	w, err := zw.CreateHeader(hdr)
	if err != nil {
		return err
	}
	src, err := os.Open(path)
	if err != nil {
		return err
	}
	defer src.Close()
	_, err = io.Copy(w, src)
	return err
}
