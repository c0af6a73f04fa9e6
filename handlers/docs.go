package handlers

import (
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/mail2jira/mail2jira/internal/api"
	"github.com/mail2jira/mail2jira/internal/errs"
)

// docsCSP lets the page load only its own files and call only this service: the page
// works offline and cannot leak the key it is given. Swagger UI sets inline styles and
// shows data: images.
const docsCSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// DocsFunc serves the Docs function (route docs/{*path}): Swagger UI, bundled into the
// binary, pointed at /api/openapi.json. Anonymous and read-only.
func DocsFunc() HTTPFunc {
	files := api.Docs()
	return func(w http.ResponseWriter, r *http.Request) error {
		name := r.PathValue("path")
		if name == "" && !strings.HasSuffix(r.URL.Path, "/") {
			// Relative links in the page resolve against /api/docs/.
			http.Redirect(w, r, path.Base(r.URL.Path)+"/", http.StatusMovedPermanently)
			return nil
		}
		if name == "" {
			name = "index.html"
		}
		data, err := fs.ReadFile(files, name)
		if err != nil || strings.HasSuffix(name, "/") {
			return errs.WithPublic(fmt.Errorf("docs file %q: %w", name, errs.ErrNotFound), "no such file")
		}
		ct := mime.TypeByExtension(path.Ext(name))
		if ct == "" {
			ct = http.DetectContentType(data)
		}
		w.Header().Set("Content-Type", ct)
		w.Header().Set("Content-Security-Policy", docsCSP)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Write(data)
		return nil
	}
}
