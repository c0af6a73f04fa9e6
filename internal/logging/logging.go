// Package logging builds the service's slog JSON logger, which redacts every configured secret
// value wherever it appears, and carries a per-invocation logger in the context.
package logging

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// Redacted replaces a secret value in log output.
const Redacted = "[REDACTED]"

// New returns a JSON logger writing to w that replaces any of secrets found in a string or
// error attribute. Values shorter than 6 characters are ignored: redacting "a" would mangle logs.
func New(w io.Writer, level slog.Leveler, secrets []string) *slog.Logger {
	var keep []string
	for _, s := range secrets {
		if len(s) >= 6 {
			keep = append(keep, s)
		}
	}
	opts := &slog.HandlerOptions{Level: level}
	if len(keep) > 0 {
		r := strings.NewReplacer(pairs(keep)...)
		opts.ReplaceAttr = func(_ []string, a slog.Attr) slog.Attr { return redact(r, a) }
	}
	return slog.New(ctxHandler{inner: slog.NewJSONHandler(w, opts)})
}

// ctxHandler adds the invocation's function name and id, carried by the context, to lines
// logged with a context (InfoContext and friends) by loggers that do not carry them already:
// adapters log through the service-wide logger, yet every line names its invocation.
type ctxHandler struct {
	inner slog.Handler
	has   bool // the logger already carries the invocation attributes
}

func (h ctxHandler) Enabled(ctx context.Context, l slog.Level) bool { return h.inner.Enabled(ctx, l) }

func (h ctxHandler) Handle(ctx context.Context, r slog.Record) error {
	if inv, ok := ctx.Value(invKey{}).(invocation); ok && !h.has {
		r.AddAttrs(slog.String("function", inv.function), slog.String("invocationId", inv.id))
	}
	return h.inner.Handle(ctx, r)
}

func (h ctxHandler) WithAttrs(as []slog.Attr) slog.Handler {
	has := h.has
	for _, a := range as {
		has = has || a.Key == "invocationId"
	}
	return ctxHandler{inner: h.inner.WithAttrs(as), has: has}
}

func (h ctxHandler) WithGroup(name string) slog.Handler {
	return ctxHandler{inner: h.inner.WithGroup(name), has: h.has}
}

type invKey struct{}

type invocation struct{ function, id string }

// WithInvocation returns a context for one function invocation: its logger (From) names the
// function and invocation id, and so does any line logged with this context.
func WithInvocation(ctx context.Context, base *slog.Logger, function, id string) context.Context {
	ctx = context.WithValue(ctx, invKey{}, invocation{function: function, id: id})
	return With(ctx, base.With("function", function, "invocationId", id))
}

func pairs(secrets []string) []string {
	out := make([]string, 0, 2*len(secrets))
	for _, s := range secrets {
		out = append(out, s, Redacted)
	}
	return out
}

func redact(r *strings.Replacer, a slog.Attr) slog.Attr {
	switch v := a.Value.Any().(type) {
	case string:
		a.Value = slog.StringValue(r.Replace(v))
	case error:
		a.Value = slog.StringValue(r.Replace(v.Error()))
	case fmt.Stringer:
		a.Value = slog.StringValue(r.Replace(v.String()))
	}
	return a
}

type ctxKey struct{}

// With returns a context carrying logger.
func With(ctx context.Context, logger *slog.Logger) context.Context {
	return context.WithValue(ctx, ctxKey{}, logger)
}

// From returns the logger carried by ctx, or slog.Default().
func From(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(ctxKey{}).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}
