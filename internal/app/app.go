// Package app wires the service together: it opens Table Storage, builds the Jira and Graph
// clients, resolves the boards, and assembles the mail processor, the ingestion pieces and
// the comment relay on top of them. The binary, its tests and the benchmark share it.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/mail2jira/mail2jira/handlers"
	"github.com/mail2jira/mail2jira/internal/cli"
	"github.com/mail2jira/mail2jira/internal/config"
	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/graph"
	"github.com/mail2jira/mail2jira/internal/ingest"
	"github.com/mail2jira/mail2jira/internal/jira"
	"github.com/mail2jira/mail2jira/internal/mail"
	"github.com/mail2jira/mail2jira/internal/mail/mailstore"
	"github.com/mail2jira/mail2jira/internal/relay"
	"github.com/mail2jira/mail2jira/internal/relay/relayadapt"
	"github.com/mail2jira/mail2jira/internal/store"
)

// startupTimeout bounds the network work at start-up: Flex Consumption gives a custom
// handler 30 seconds to start listening.
const startupTimeout = 20 * time.Second

// Service holds the adapters the functions use.
type Service struct {
	Store  *store.Store
	Jira   *jira.Client
	Graph  *graph.Client
	Boards map[string]jira.Board // by board key
	Mail   *mail.Processor
	Relay  *relay.Relayer
}

// Options let the benchmark and tests see or steer the adapters' HTTP traffic; the zero
// value is what the service runs with.
type Options struct {
	StorageTransport  policy.Transporter // Table Storage requests, e.g. to count transactions
	IdentityTransport policy.Transporter // Entra ID requests, e.g. trusting a test CA
}

// Connect opens storage and Jira, resolves the configured boards (naming every unusable one),
// and builds the Graph client, the mail processor and the relay.
func Connect(ctx context.Context, cfg *config.Config, log *slog.Logger, o Options) (*Service, error) {
	ctx, cancel := context.WithTimeout(ctx, startupTimeout)
	defer cancel()
	st, err := openStore(ctx, cfg, log, o.StorageTransport)
	if err != nil {
		return nil, err
	}
	jc, err := jira.New(jira.Config{SiteURL: cfg.JiraURL, Email: cfg.JiraUser, APIToken: cfg.JiraToken, Cache: st, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("jira: %w", err)
	}
	boards, err := resolveBoards(ctx, jc, cfg.Boards)
	if err != nil {
		return nil, err
	}
	gc, err := graph.New(graph.Options{TenantID: cfg.TenantID, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
		Certificate: []byte(cfg.ClientCertificate), AuthorityHost: cfg.AuthorityHost, BaseURL: cfg.GraphBaseURL,
		IdentityTransport: o.IdentityTransport, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("graph: %w", err)
	}
	mc, err := MailConfig(cfg, boards)
	if err != nil {
		return nil, err
	}
	proc := &mail.Processor{Config: mc, Graph: gc, Jira: jc, Store: mailstore.New(st, 0), Log: log}
	rl, err := relayadapt.New(cfg, jc, gc, st, boards, log)
	if err != nil {
		return nil, fmt.Errorf("jira comment relay: %w", err)
	}
	return &Service{Store: st, Jira: jc, Graph: gc, Boards: boards, Mail: proc, Relay: rl}, nil
}

func openStore(ctx context.Context, cfg *config.Config, log *slog.Logger, tr policy.Transporter) (*store.Store, error) {
	o := store.Options{ConnectionString: cfg.Storage.ConnectionString, AccountName: cfg.Storage.AccountName,
		TableServiceURL: cfg.Storage.TableServiceURL, TablePrefix: cfg.Storage.TablePrefix, Transport: tr, Logger: log}
	if o.ConnectionString == "" {
		cred, err := azidentity.NewDefaultAzureCredential(nil)
		if err != nil {
			return nil, fmt.Errorf("storage identity: %w", err)
		}
		o.Credential = azcore.TokenCredential(cred)
	}
	st, err := store.Open(ctx, o)
	if err != nil {
		return nil, fmt.Errorf("open Table Storage (AzureWebJobsStorage): %w", err)
	}
	return st, nil
}

// resolveBoards finds every configured board in Jira, concurrently, and names each that
// cannot be used (missing, ambiguous, or spanning several projects).
func resolveBoards(ctx context.Context, jc *jira.Client, boards []config.Board) (map[string]jira.Board, error) {
	out := make(map[string]jira.Board, len(boards))
	var mu sync.Mutex
	var wg sync.WaitGroup
	var problems []error
	for _, b := range boards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			jb, err := jc.BoardByName(ctx, b.Name)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				problems = append(problems, fmt.Errorf("JIRA_BOARDS: board %q (key %s): %w", b.Name, b.Key, err))
				return
			}
			out[b.Key] = jb
		}()
	}
	wg.Wait()
	return out, errors.Join(problems...)
}

// MailConfig is what the mail processor needs from the settings and the resolved boards.
func MailConfig(cfg *config.Config, boards map[string]jira.Board) (*mail.Config, error) {
	tmpl := mail.DefaultReplyTemplate
	if cfg.ReplyTemplateFile != "" {
		var err error
		if tmpl, err = mail.LoadReplyTemplate(cfg.ReplyTemplateFile); err != nil {
			return nil, fmt.Errorf("REPLY_TEMPLATE_FILE: %w", err)
		}
	}
	mc := &mail.Config{
		Mailboxes: cfg.Mailboxes, Routes: map[string]mail.Route{}, Labels: cfg.Labels,
		Blacklist: cfg.Blacklist, WhitelistDomains: cfg.WhitelistedDomains,
		MaxNewTicketsPerHour: cfg.MaxNewTicketsPerHour, MaxAttachmentBytes: cfg.MaxAttachmentBytes,
		SiteURL: cfg.JiraURL, ClientAppURL: cfg.TicketClientApp, ReplyTemplate: tmpl,
		PriorityHigh: cfg.PriorityHigh, PriorityLow: cfg.PriorityLow,
	}
	if cfg.MaxNewTicketsPerHour == 0 {
		mc.MaxNewTicketsPerHour = -1 // 0 in settings turns the cap off; the domain reads 0 as "default"
	}
	for mbox, r := range cfg.Routes {
		mc.Routes[mbox] = mail.Route{ProjectKey: boards[r.Board].Project.Key, IssueType: cfg.TicketType, Category: r.Category}
	}
	return mc, nil
}

// Checks are the health probes of each dependency.
func (s *Service) Checks() []handlers.Check {
	return []handlers.Check{
		{Name: "storage", Run: func(ctx context.Context) error {
			_, err := s.Store.Cursor(ctx, "health", "-", "-")
			if errors.Is(err, errs.ErrNotFound) {
				return nil // a point read that reached the table
			}
			return err
		}},
		{Name: "jira", Run: func(ctx context.Context) error {
			_, err := s.Jira.Myself(ctx)
			return err
		}},
		{Name: "graph", Run: func(ctx context.Context) error {
			_, err := s.Graph.AppRoles(ctx) // proves the credential gets a Graph token
			return err
		}},
	}
}

// Ingestion builds the ingestion pieces (notifications, lifecycle, renewal, sweep, checks)
// shared by the functions and the operator commands.
func (s *Service) Ingestion(cfg *config.Config, log *slog.Logger) (*handlers.Ingest, cli.Deps) {
	idx := &ingest.SubscriptionIndex{Store: s.Store}
	sw := &ingest.Sweeper{Graph: s.Graph, Store: s.Store, Mailboxes: cfg.Mailboxes,
		LookbackDays: cfg.SweepLookbackDays, Budget: cfg.SweepBudget, Log: log}
	rn := &ingest.Renewer{Graph: s.Graph, Store: s.Store, Index: idx, Mailboxes: cfg.Mailboxes,
		BaseURL: cfg.PublicBaseURL, Margin: cfg.RenewMargin, Enabled: cfg.SubscriptionsEnabled, Log: log}
	boards := map[string]string{}
	for _, b := range cfg.Boards {
		boards[b.Key] = b.Name
	}
	chk := &ingest.Checker{Graph: s.Graph, Jira: cli.JiraChecks(s.Jira), Mailboxes: cfg.Mailboxes, Boards: boards,
		CertificateExpiry: s.Graph.CertificateExpiry,
		Relay:             func() (bool, string) { return relay.Configured(cfg) },
		Storage: func(ctx context.Context) error {
			_, err := s.Store.Subscriptions(ctx)
			return err
		}}
	in := &handlers.Ingest{
		Notifications: &ingest.Notifications{Index: idx, Log: log},
		Lifecycle:     &ingest.Lifecycle{Index: idx, Renewer: rn, Sweeper: sw, Log: log},
		Renewer:       rn, Sweeper: sw, Checker: chk, Store: s.Store, RetentionDays: cfg.RetentionDays,
		AfterSweep: func(ctx context.Context) error {
			if !cfg.RelayEnabled {
				return nil
			}
			rep, err := s.Relay.Pending(ctx)
			log.Info("relay safety net", "issues", rep.Issues, "comments", rep.Comments, "relayed", rep.Relayed, "failed", rep.Failed)
			return err
		},
	}
	return in, cli.Deps{Sweeper: sw, Renewer: rn, Checker: chk, Store: s.Store, Deliver: s.processNow}
}

// processNow is how an operator's `sweep` hands over what it finds: processed right here,
// one by one, carrying on past failures (the ledger records them; a later sweep retries
// transient ones, since MaxDequeue stays unknown).
func (s *Service) processNow(ctx context.Context, msgs []ingest.QueueMessage) error {
	var failed []error
	for _, m := range msgs {
		ref := mail.Ref{Mailbox: m.Mailbox, Folder: m.Folder, MessageID: m.MessageID, DequeueCount: 1}
		if _, err := s.Mail.Process(ctx, ref); err != nil {
			failed = append(failed, fmt.Errorf("%s: %w", m.MessageID, err))
		}
	}
	return errors.Join(failed...)
}
