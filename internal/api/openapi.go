package api

import _ "embed"

//go:embed openapi.json
var openAPI []byte

// OpenAPI returns the OpenAPI 3.1 document of the ticket API (do not modify the slice).
func OpenAPI() []byte { return openAPI }
