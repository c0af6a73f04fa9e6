package api

import (
	"embed"
	"io/fs"
)

// The docs page is Swagger UI from the swagger-ui-dist npm package (version in
// docs/swagger-ui/VERSION), vendored so the page works offline and nothing is fetched from
// a CDN; index.html and init.js are ours.
//
//go:embed docs/index.html docs/init.js docs/swagger-ui
var docsFS embed.FS

// Docs returns the docs page's files: index.html, init.js and swagger-ui/*.
func Docs() fs.FS {
	sub, err := fs.Sub(docsFS, "docs")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return sub
}
