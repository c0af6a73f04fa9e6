package handlers

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/hostmeta"
	"github.com/mail2jira/mail2jira/internal/logging"
	"github.com/mail2jira/mail2jira/internal/registry"
)

// maxEnvelope bounds what we read of one request; Graph batches and the ticket API's own
// limits sit well below it.
const maxEnvelope = 64 << 20

// Options configures a Server.
type Options struct {
	UnderHost bool                // serve the host's envelope routes instead of running triggers ourselves
	Functions []hostmeta.Function // from functions/*/function.json
	Impls     map[string]Impl     // by function name
	APIKeys   []string            // standalone: keys for authLevel function/admin
	Logger    *slog.Logger
	// Enqueue delivers queue outputs in standalone mode (under the host the host writes them).
	Enqueue func(ctx context.Context, queue string, msgs []json.RawMessage) error
}

// Server routes HTTP requests and invocations to the functions' implementations.
type Server struct {
	opts  Options
	funcs map[string]hostmeta.Function
	mux   *http.ServeMux
}

// NewServer checks that functions and implementations match one to one and builds the routes.
func NewServer(o Options) (*Server, error) {
	s := &Server{opts: o, funcs: map[string]hostmeta.Function{}, mux: http.NewServeMux()}
	for _, f := range o.Functions {
		impl, ok := o.Impls[f.Name]
		if !ok {
			return nil, fmt.Errorf("function %s has no implementation", f.Name)
		}
		if f.Proxied() && impl.Serve == nil || !f.Proxied() && impl.Invoke == nil {
			return nil, fmt.Errorf("function %s: implementation does not match its bindings (proxied=%v)", f.Name, f.Proxied())
		}
		s.funcs[f.Name] = f
		s.route(f, impl)
	}
	for name := range o.Impls {
		if _, ok := s.funcs[name]; !ok {
			return nil, fmt.Errorf("implementation %s has no functions/%s/function.json", name, name)
		}
	}
	return s, nil
}

// ServeHTTP serves every route.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func (s *Server) route(f hostmeta.Function, impl Impl) {
	t := f.Trigger()
	if s.opts.UnderHost && !f.Proxied() {
		s.mux.Handle("POST /"+f.Name, s.wrap(f, s.envelope(f, impl.Invoke)))
		return
	}
	if t.Type != "httpTrigger" {
		return // standalone runs timers and queue triggers itself
	}
	h := impl.Serve
	if h == nil {
		h = s.invokeHTTP(f, impl.Invoke)
	}
	for _, p := range hostmeta.MuxPatterns(registry.RoutePrefix, t.Route) {
		for _, m := range t.Methods {
			s.mux.Handle(strings.ToUpper(m)+" "+p, s.wrap(f, s.authorize(t.AuthLevel, h)))
		}
	}
}

// Invoke runs a non-proxied function directly (standalone timers and queue workers).
func (s *Server) Invoke(ctx context.Context, name string, inv *Invocation) (*Result, error) {
	impl := s.opts.Impls[name]
	if impl.Invoke == nil {
		return nil, fmt.Errorf("function %s cannot be invoked: %w", name, errs.ErrNotFound)
	}
	if inv.ID == "" {
		inv.ID = newID()
	}
	inv.Function = name
	ctx = logging.WithInvocation(ctx, s.opts.Logger, name, inv.ID)
	return impl.Invoke(ctx, inv)
}

// wrap adds what every request gets: an invocation id and function name on every log line,
// panic recovery, and one access log line.
func (s *Server) wrap(f hostmeta.Function, h HTTPFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Azure-Functions-InvocationId")
		if id == "" {
			id = newID()
		}
		ctx := logging.WithInvocation(r.Context(), s.opts.Logger, f.Name, id)
		log := logging.From(ctx)
		sw := &statusWriter{ResponseWriter: w}
		start := time.Now()
		defer func() {
			if p := recover(); p != nil {
				log.Error("panic", "panic", fmt.Sprint(p))
				if sw.status == 0 {
					writeError(ctx, sw, fmt.Errorf("panic in %s", f.Name))
				}
			}
			log.Info("request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "ms", time.Since(start).Milliseconds())
		}()
		r.Body = http.MaxBytesReader(sw, r.Body, maxEnvelope)
		if err := h(sw, r.WithContext(ctx)); err != nil {
			writeError(ctx, sw, err)
		}
	})
}

// authorize checks function keys in standalone mode; under the host the host checks them.
func (s *Server) authorize(level string, h HTTPFunc) HTTPFunc {
	if s.opts.UnderHost || level == "anonymous" {
		return h
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		key := r.Header.Get("x-functions-key")
		if key == "" {
			key = r.URL.Query().Get("code")
		}
		for _, k := range s.opts.APIKeys {
			if subtle.ConstantTimeCompare([]byte(k), []byte(key)) == 1 {
				return h(w, r)
			}
		}
		return errs.WithPublic(errs.ErrUnauthorized, "send a valid key in the x-functions-key header or the code query parameter")
	}
}

// envelope serves POST /{FunctionName} under the host. HTTP-triggered functions always answer
// 200 with their HTTP output (an error becomes a problem response in it); other functions
// answer the error's status, which fails the invocation so the host retries queue messages.
func (s *Server) envelope(f hostmeta.Function, invoke InvokeFunc) HTTPFunc {
	trigger := f.Trigger().Name
	return func(w http.ResponseWriter, r *http.Request) error {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return fmt.Errorf("read envelope: %v: %w", err, errs.ErrTooLarge)
		}
		inv, err := decodeEnvelope(body, r.Header.Get("X-Azure-Functions-InvocationId"), f.Name, trigger)
		if err == nil {
			var res *Result
			if res, err = invoke(r.Context(), inv); err == nil {
				writeJSON(w, http.StatusOK, "application/json", encodeEnvelope(res))
				return nil
			}
		}
		if f.Trigger().Type != "httpTrigger" {
			return err
		}
		writeJSON(w, http.StatusOK, "application/json", encodeEnvelope(&Result{Response: problemResponse(r.Context(), err)}))
		return nil
	}
}

// invokeHTTP serves a non-proxied HTTP function in standalone mode: the request becomes an
// Invocation and its queue outputs go to Enqueue before the response is written, so a
// notification is acknowledged only once its work is queued.
func (s *Server) invokeHTTP(f hostmeta.Function, invoke InvokeFunc) HTTPFunc {
	queue, _ := f.Output("queue")
	return func(w http.ResponseWriter, r *http.Request) error {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return fmt.Errorf("read body: %v: %w", err, errs.ErrTooLarge)
		}
		req := &Request{Method: r.Method, URL: r.URL, Header: r.Header, Params: pathParams(r), Body: body}
		res, err := invoke(r.Context(), &Invocation{ID: newID(), Function: f.Name, Request: req})
		if err != nil {
			return err
		}
		if len(res.Messages) > 0 {
			if s.opts.Enqueue == nil {
				return fmt.Errorf("%s produced queue messages but nothing delivers them", f.Name)
			}
			if err := s.opts.Enqueue(r.Context(), queue.QueueName, res.Messages); err != nil {
				return fmt.Errorf("enqueue to %s: %w", queue.QueueName, err)
			}
		}
		writeResponse(w, res.Response)
		return nil
	}
}

func pathParams(r *http.Request) map[string]string {
	p := map[string]string{}
	if v := r.PathValue("path"); v != "" {
		p["path"] = v
	}
	return p
}

func writeResponse(w http.ResponseWriter, res *Response) {
	if res == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	for k, v := range res.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(res.Status)
	w.Write(res.Body)
}

// problemResponse renders an error as an HTTP output (envelope mode).
func problemResponse(ctx context.Context, err error) *Response {
	rec := &recorder{header: http.Header{}}
	writeError(ctx, rec, err)
	return &Response{Status: rec.status, Header: rec.header, Body: rec.body}
}

type recorder struct {
	header http.Header
	status int
	body   []byte
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(status int)      { r.status = status }
func (r *recorder) Write(b []byte) (int, error) { r.body = append(r.body, b...); return len(b), nil }

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer (flush, deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func newID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}
