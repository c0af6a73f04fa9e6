package handlers

import (
	"context"
	"fmt"
	"net/http"

	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/registry"
)

// Deps are what the functions need from the rest of the service.
type Deps struct {
	UnderHost  bool
	Checks     []Check       // health checks, one per dependency
	Mail       MailProcessor // nil until wired: ProcessMail answers 501
	MaxDequeue int           // host.json extensions.queues.maxDequeueCount
	// Mail ingestion (issue 5): while nil, its functions answer 501.
	Ingest *Ingest
	// Tickets is the ticket API's (issue 7): while nil, it answers 501.
	Tickets *TicketDeps
	// Relay is the Jira webhook's (issue 8): while nil, it answers 501.
	Relay *RelayDeps
}

// Impls returns every function's implementation, keyed by function name.
func Impls(d Deps) map[string]Impl {
	mode := "standalone"
	if d.UnderHost {
		mode = "host"
	}
	return map[string]Impl{
		registry.FuncHealth:             {Serve: health(mode, d.Checks)},
		registry.FuncGraphNotifications: {Invoke: ingestInvoke(d.Ingest, graphNotifications)},
		registry.FuncGraphLifecycle:     {Invoke: ingestInvoke(d.Ingest, graphLifecycle)},
		registry.FuncProcessMail:        {Invoke: orPending(d.Mail != nil, func() InvokeFunc { return processMail(d.Mail, d.MaxDequeue) }, "issue 6 (mail processing)")},
		registry.FuncRenewSubscriptions: {Invoke: ingestInvoke(d.Ingest, renewSubscriptions)},
		registry.FuncSweep:              {Invoke: ingestInvoke(d.Ingest, sweep)},
		registry.FuncOpsSweep:           {Invoke: ingestInvoke(d.Ingest, opsSweep)},
		registry.FuncOpsLog:             {Serve: ingestServe(d.Ingest, opsLog)},
		registry.FuncOpsCheck:           {Serve: ingestServe(d.Ingest, opsCheck)},
		registry.FuncTickets:            {Serve: ticketsOrPending(d.Tickets)},
		registry.FuncJiraWebhook:        {Serve: relayOrPending(d.Relay)},
		registry.FuncDocs:               {Serve: DocsFunc()},
		registry.FuncOpenAPI:            {Serve: OpenAPIFunc()},
	}
}

func ticketsOrPending(t *TicketDeps) HTTPFunc {
	if t == nil {
		return pendingServe("issue 7 (ticket API)")
	}
	return TicketsFunc(*t)
}

func relayOrPending(r *RelayDeps) HTTPFunc {
	if r == nil {
		return pendingServe("issue 8 (Jira comment relay)")
	}
	return JiraWebhookFunc(*r)
}

// orPending returns the real function when its dependencies are wired, else a 501 stand-in.
func orPending(ready bool, f func() InvokeFunc, work string) InvokeFunc {
	if ready {
		return f()
	}
	return pendingInvoke(work)
}

// pendingInvoke and pendingServe stand in for functions whose logic has not landed: they
// answer 501 and say which piece of work brings them, never a false success.
func pendingInvoke(work string) InvokeFunc {
	return func(ctx context.Context, inv *Invocation) (*Result, error) {
		return nil, notImplemented(inv.Function, work)
	}
}

func pendingServe(work string) HTTPFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		return notImplemented(r.URL.Path, work)
	}
}

func notImplemented(what, work string) error {
	return errs.WithPublic(fmt.Errorf("%s: %w", what, errs.ErrNotImplemented), "%s is not implemented yet; it arrives with %s", what, work)
}
