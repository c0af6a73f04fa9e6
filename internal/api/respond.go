package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/mail2jira/mail2jira/internal/errs"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encoding failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(body)
}

// jiraError adds context to a Jira failure and, when Jira throttles or is down, a message
// the client may see; the Retry-After it carries is passed on by the error renderer.
func (s *Service) jiraError(err error, op string) error {
	err = fmt.Errorf("%s: %w", op, err)
	switch {
	case errors.Is(err, errs.ErrThrottled):
		return errs.WithPublic(err, "Jira is throttling the service; retry after the delay in Retry-After")
	case errors.Is(err, errs.ErrUnavailable):
		return errs.WithPublic(err, "Jira is unavailable; retry after the delay in Retry-After")
	}
	return err
}
