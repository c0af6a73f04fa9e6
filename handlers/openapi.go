package handlers

import (
	"net/http"

	"github.com/mail2jira/mail2jira/internal/api"
)

// OpenAPIFunc serves the OpenAPI function (route openapi.json): the ticket API's OpenAPI 3.1
// document, anonymous.
func OpenAPIFunc() HTTPFunc {
	doc := api.OpenAPI()
	return func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "public, max-age=300")
		w.Write(doc)
		return nil
	}
}
