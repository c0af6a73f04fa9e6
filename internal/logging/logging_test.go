package logging

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestRedactsSecretsEverywhere(t *testing.T) {
	const secret = "s3cr3t-token-value"
	tests := []struct {
		name string
		log  func(l *slog.Logger)
	}{
		{"message attr", func(l *slog.Logger) { l.Info("calling", "auth", "Bearer "+secret) }},
		{"error attr", func(l *slog.Logger) { l.Error("failed", "err", errors.New("401 for token "+secret)) }},
		{"group attr", func(l *slog.Logger) { l.Info("x", slog.Group("req", "header", secret)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			tt.log(New(&buf, slog.LevelInfo, []string{secret, "", "abc"}))
			if strings.Contains(buf.String(), secret) || !strings.Contains(buf.String(), Redacted) {
				t.Errorf("secret not redacted: %s", buf.String())
			}
		})
	}
}

func TestContextLogger(t *testing.T) {
	var buf bytes.Buffer
	l := New(&buf, slog.LevelInfo, nil).With("invocationId", "abc-123")
	From(With(context.Background(), l)).Info("hello")
	if !strings.Contains(buf.String(), `"invocationId":"abc-123"`) {
		t.Errorf("context logger lost its attributes: %s", buf.String())
	}
	if From(context.Background()) != slog.Default() {
		t.Error("empty context should give the default logger")
	}
}

// Lines an adapter logs through the service-wide logger, with the invocation's context,
// name the invocation once; lines from the invocation's own logger do too.
func TestInvocationOnEveryLine(t *testing.T) {
	var buf bytes.Buffer
	base := New(&buf, slog.LevelInfo, nil)
	ctx := WithInvocation(context.Background(), base, "ProcessMail", "inv-1")
	base.InfoContext(ctx, "from an adapter")
	From(ctx).Info("from the handler")
	From(ctx).InfoContext(ctx, "both")
	base.Info("no context")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	for i, want := range []int{1, 1, 1, 0} {
		if got := strings.Count(lines[i], `"invocationId":"inv-1"`); got != want || strings.Count(lines[i], `"function":"ProcessMail"`) != want {
			t.Errorf("line %d names the invocation %d times, want %d: %s", i, got, want, lines[i])
		}
	}
}
