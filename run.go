package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/mail2jira/mail2jira/handlers"
	"github.com/mail2jira/mail2jira/internal/app"
	"github.com/mail2jira/mail2jira/internal/cli"
	"github.com/mail2jira/mail2jira/internal/config"
	"github.com/mail2jira/mail2jira/internal/hostmeta"
	"github.com/mail2jira/mail2jira/internal/logging"
	"github.com/mail2jira/mail2jira/internal/registry"
	"github.com/mail2jira/mail2jira/internal/secrets"
	"github.com/mail2jira/mail2jira/internal/standalone"
)

const usageHead = `mail2jira turns mail arriving in Microsoft 365 mailboxes into Jira Cloud tickets.

Usage:
  mail2jira [serve]            serve the functions: under the Azure Functions host when
                               FUNCTIONS_CUSTOMHANDLER_PORT is set, otherwise standalone on
                               LISTEN_ADDRESS (default 127.0.0.1:7071) with timers and a worker pool
`

const usageTail = `  mail2jira help               show this help

Operator commands run against the deployed resources from any machine with the same
settings; 'mail2jira COMMAND --help' explains each. Settings come from the environment
(under 'func start', from local.settings.json); README.md lists every one. Secrets are read
from Key Vault when KEY_VAULT_URL is set.
`

func usage() string {
	var b strings.Builder
	b.WriteString(usageHead)
	for _, c := range cli.Commands {
		fmt.Fprintf(&b, "  mail2jira %-18s %s\n", c.Name, c.Summary)
	}
	b.WriteString(usageTail)
	return b.String()
}

// run is the whole program behind main, with its inputs passed in so tests can drive it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd, rest := "serve", []string(nil)
	if len(args) > 1 {
		cmd, rest = args[1], args[2:]
	}
	switch {
	case cmd == "serve":
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(stderr)
		fs.Usage = func() { fmt.Fprint(stderr, usage()) }
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil
			}
			return err
		}
		return serve(ctx, getenv, stdout)
	case cli.IsCommand(cmd):
		return operate(ctx, cmd, rest, getenv, stdout, stderr)
	case cmd == "help" || cmd == "-h" || cmd == "-help" || cmd == "--help":
		fmt.Fprint(stdout, usage())
		return nil
	default:
		fmt.Fprint(stderr, usage())
		return fmt.Errorf("unknown command %q", cmd)
	}
}

// operate runs an operator command; --help needs no settings.
func operate(ctx context.Context, cmd string, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if slices.ContainsFunc(args, func(a string) bool { return a == "-h" || a == "-help" || a == "--help" }) {
		return cli.Run(ctx, cmd, args, cli.Deps{}, stdout, stderr)
	}
	cfg, err := loadConfig(ctx, getenv)
	if err != nil {
		return err
	}
	log := logging.New(stderr, slog.LevelWarn, cfg.SecretValues())
	svc, err := app.Connect(ctx, cfg, log, app.Options{})
	if err != nil {
		return err
	}
	_, deps := svc.Ingestion(cfg, log)
	return cli.Run(ctx, cmd, args, deps, stdout, stderr)
}

// loadConfig reads the settings, secrets from Key Vault first when one is configured.
func loadConfig(ctx context.Context, getenv func(string) string) (*config.Config, error) {
	src, err := secrets.New(strings.TrimSpace(getenv("KEY_VAULT_URL")), getenv)
	if err != nil {
		return nil, fmt.Errorf("KEY_VAULT_URL: %w", err)
	}
	return config.Load(ctx, getenv, src)
}

// serve loads the configuration, wires the functions and serves until ctx ends.
func serve(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := loadConfig(ctx, getenv)
	if err != nil {
		return err
	}
	log := logging.New(stdout, cfg.LogLevel, cfg.SecretValues())
	funcs, err := hostmeta.Load(assets)
	if err != nil {
		return err
	}
	maxDequeue, err := hostmeta.MaxDequeueCount(assets)
	if err != nil {
		return err
	}
	svc, err := app.Connect(ctx, cfg, log, app.Options{})
	if err != nil {
		return err
	}
	in, _ := svc.Ingestion(cfg, log)
	pool := standalone.NewPool(nil, standalone.PoolOptions{
		Workers: cfg.Workers, Capacity: 10000, MaxDequeueCount: maxDequeue,
		QueueFunctions: queueFunctions(funcs), Logger: log,
	})
	srv, err := handlers.NewServer(handlers.Options{
		UnderHost: cfg.UnderHost(),
		Functions: funcs,
		Impls: handlers.Impls(handlers.Deps{UnderHost: cfg.UnderHost(), Checks: svc.Checks(), Mail: svc.Mail, MaxDequeue: maxDequeue, Ingest: in,
			Tickets: &handlers.TicketDeps{Jira: svc.Jira, Store: svc.Store, Config: cfg, Boards: svc.Boards},
			Relay:   &handlers.RelayDeps{Enabled: cfg.RelayEnabled, Secret: cfg.WebhookSecret, Relay: svc.Relay}}),
		APIKeys: cfg.APIKeys,
		Logger:  log,
		Enqueue: pool.Enqueue,
	})
	if err != nil {
		return err
	}
	pool.SetInvoker(srv)
	addr := cfg.ListenAddress
	if cfg.UnderHost() {
		addr = net.JoinHostPort("127.0.0.1", cfg.HostPort)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (set LISTEN_ADDRESS to a free address)", addr, err)
	}
	mode := "standalone"
	if cfg.UnderHost() {
		mode = "host"
	}
	log.Info("mail2jira listening", "url", "http://"+ln.Addr().String()+"/"+registry.RoutePrefix+"/health", "mode", mode, "mailboxes", strings.Join(cfg.Mailboxes, ","))
	return serveUntilDone(ctx, ln, srv, log, func(ctx context.Context) {
		if cfg.UnderHost() {
			return
		}
		timers, err := standalone.Timers(funcs, func(name string) string { return cfg.Schedules[name] })
		if err != nil {
			log.Error("timers not started", "err", err)
			return
		}
		go pool.Run(ctx)
		standalone.RunTimers(ctx, timers, srv, pool, log, time.Now)
	})
}

func queueFunctions(funcs []hostmeta.Function) map[string]string {
	m := map[string]string{}
	for _, f := range funcs {
		if t := f.Trigger(); t.Type == "queueTrigger" {
			m[t.QueueName] = f.Name
		}
	}
	return m
}

// serveUntilDone serves on ln and runs background work until ctx ends, then shuts down
// gracefully, giving in-flight requests a few seconds.
func serveUntilDone(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger, background func(context.Context)) error {
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	bgCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go background(bgCtx)
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutCtx, done := context.WithTimeout(context.Background(), 10*time.Second)
	defer done()
	return hs.Shutdown(shutCtx)
}
