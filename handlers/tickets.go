package handlers

import (
	"errors"
	"net/http"

	"github.com/mail2jira/mail2jira/internal/api"
	"github.com/mail2jira/mail2jira/internal/config"
	"github.com/mail2jira/mail2jira/internal/jira"
)

// TicketDeps are what the ticket API needs: the Jira adapter (*jira.Client), the store
// (*store.Store), the validated configuration and, optionally, the boards resolved at
// start-up (by key; the rest are resolved on first use).
type TicketDeps struct {
	Jira   api.Jira
	Store  api.Store
	Config *config.Config
	Boards map[string]jira.Board
}

// TicketsFunc serves the Tickets function (route tickets/{*path}): search, create, read,
// comment, supported boards and categories.
func TicketsFunc(d TicketDeps) HTTPFunc {
	svc := api.New(api.Options{Jira: d.Jira, Store: d.Store, Config: d.Config, Boards: d.Boards})
	return func(w http.ResponseWriter, r *http.Request) error {
		err := svc.Serve(w, r, r.PathValue("path"))
		var mna *api.MethodNotAllowed
		if errors.As(err, &mna) {
			w.Header().Set("Allow", mna.Allow)
			writeJSON(w, http.StatusMethodNotAllowed, "application/problem+json", Problem{
				Type: "about:blank", Title: http.StatusText(http.StatusMethodNotAllowed), Status: http.StatusMethodNotAllowed,
				Detail: "this path takes " + mna.Allow,
			})
			return nil
		}
		return err
	}
}
