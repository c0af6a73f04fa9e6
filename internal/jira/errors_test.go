package jira

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// fixedAnswer serves one status and body for every request.
func fixedAnswer(tb testing.TB, status int, header map[string]string, body string) *httptest.Server {
	tb.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	tb.Cleanup(srv.Close)
	return srv
}

func TestErrorMapping(t *testing.T) {
	const token = "secret-token-xyz"
	collection := `{"errorMessages":["Something is off."],"errors":{"summary":"Summary is required.","labels":"No spaces."}}`
	tests := []struct {
		name     string
		status   int
		header   map[string]string
		body     string
		want     error
		text     []string
		throttle bool
	}{
		{name: "400 keeps Jira's messages", status: 400, body: collection, want: errs.ErrInvalid,
			text: []string{"HTTP 400", "Something is off.", "labels: No spaces.", "summary: Summary is required."}},
		{name: "401", status: 401, body: `{"errorMessages":["You are not authenticated."]}`, want: errs.ErrUnauthorized, text: []string{"not authenticated"}},
		{name: "403", status: 403, body: `{"errorMessages":["XSRF check failed"]}`, want: errs.ErrForbidden, text: []string{"XSRF"}},
		{name: "404", status: 404, body: `{"errorMessages":["Issue does not exist or you do not have permission to see it."]}`, want: errs.ErrNotFound},
		{name: "409", status: 409, body: `{"errorMessages":["Conflict."]}`, want: errs.ErrConflict},
		{name: "410", status: 410, body: `{"errorMessages":["The requested API has been removed."]}`, want: errs.ErrNotFound},
		{name: "413", status: 413, body: `{"errorMessages":["too big"]}`, want: errs.ErrTooLarge},
		{name: "415", status: 415, body: ``, want: errs.ErrUnsupportedMedia},
		{name: "429", status: 429, header: map[string]string{"Retry-After": "12"}, body: `{"errorMessages":["Rate limit exceeded."]}`,
			want: errs.ErrThrottled, throttle: true},
		{name: "500", status: 500, body: `{"errorMessages":["Internal server error"]}`, want: errs.ErrUnavailable},
		{name: "502 with an HTML page", status: 502, body: "<html>\n<body>Bad   gateway</body></html>", want: errs.ErrUnavailable,
			text: []string{"<html> <body>Bad gateway</body></html>"}},
		{name: "503", status: 503, header: map[string]string{"Retry-After": "12"}, want: errs.ErrUnavailable, throttle: true},
		{name: "a body echoing the token", status: 400, body: `{"errorMessages":["bad header Basic ` + token + `"]}`, want: errs.ErrInvalid,
			text: []string{"[redacted]"}},
		{name: "a huge body is cut", status: 400, body: `{"errorMessages":["` + strings.Repeat("x", 5000) + `"]}`, want: errs.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := fixedAnswer(t, tt.status, tt.header, tt.body)
			c, err := New(Config{SiteURL: srv.URL, Email: "bot@example.com", APIToken: token, Retry: Retry{Attempts: 1}})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.GetIssue(context.Background(), "SUP-1", IssueOptions{})
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			for _, want := range tt.text {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
			if strings.Contains(err.Error(), token) {
				t.Errorf("error reveals the token: %v", err)
			}
			if len(err.Error()) > 1000 {
				t.Errorf("error text is %d bytes long", len(err.Error()))
			}
			var th *errs.Throttled
			if errors.As(err, &th) != tt.throttle || (tt.throttle && th.RetryAfter != 12*time.Second) {
				t.Errorf("throttled = %v (%v), want %v with 12s", errors.As(err, &th), err, tt.throttle)
			}
		})
	}
}

func TestTransportErrors(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	c, err := New(Config{SiteURL: url, Email: "bot@example.com", APIToken: "secret-token-abc"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Create(context.Background(), NewIssue{ProjectKey: "SUP", IssueType: "Task", Summary: "x"})
	if !errors.Is(err, errs.ErrUnavailable) {
		t.Errorf("connection refused: got %v, want ErrUnavailable", err)
	}
	assertNoToken(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c.Issue(ctx, "SUP-1")
	if !errors.Is(err, context.Canceled) || errors.Is(err, errs.ErrUnavailable) {
		t.Errorf("cancelled: got %v, want context.Canceled only", err)
	}

	garbage := fixedAnswer(t, 200, nil, "not json")
	c, err = New(Config{SiteURL: garbage.URL, Email: "bot@example.com", APIToken: "secret-token-abc"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Issue(context.Background(), "SUP-1")
	if err == nil || !strings.Contains(err.Error(), "unexpected response") || errors.Is(err, errs.ErrUnavailable) {
		t.Errorf("garbage answer: got %v, want an unexpected-response error", err)
	}
}
