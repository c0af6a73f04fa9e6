// Command sandbox is what `make run` starts: the Entra ID, Microsoft Graph and Jira emulators,
// seeded, and the service (a separately built binary, so the emulators never ship with it)
// wired to them and to Azurite. Ctrl-C stops everything.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"syscall"
	"time"

	"github.com/mail2jira/mail2jira/internal/sandbox"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "sandbox:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	service := fs.String("service", "bin/mail2jira", "the service binary to run")
	addr := fs.String("addr", "127.0.0.1:7071", "where the service listens")
	graphPort := fs.Int("graph-port", 7072, "Graph emulator port")
	jiraPort := fs.Int("jira-port", 7073, "Jira emulator port")
	entraPort := fs.Int("entra-port", 7074, "Entra ID emulator port (HTTPS)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	storage := os.Getenv("AZURITE_CONNECTION_STRING")
	if storage == "" {
		return errors.New("AZURITE_CONNECTION_STRING is not set: start the sandbox with `make run`")
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	sb, err := sandbox.Start(ctx, sandbox.Options{GraphPort: *graphPort, JiraPort: *jiraPort, EntraPort: *entraPort,
		ServiceAddr: *addr, Storage: storage, Logger: log})
	if err != nil {
		return err
	}
	defer sb.Close()
	cmd, err := startService(*service, sb.ServiceEnv(), out)
	if err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	health := "http://" + *addr + "/api/health"
	if err := waitHealthy(ctx, health, exited); err != nil {
		cmd.Process.Kill()
		return err
	}
	waitSubscribed(ctx, sb, out)
	banner(out, sb, *addr)
	select {
	case <-ctx.Done():
	case err := <-exited:
		return fmt.Errorf("the service stopped: %v", err)
	}
	fmt.Fprintln(out, "\nstopping the sandbox")
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
	}
	return nil
}

func startService(bin string, env map[string]string, out io.Writer) (*exec.Cmd, error) {
	abs, err := filepath.Abs(bin)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(abs, "serve")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		cmd.Env = append(cmd.Env, k+"="+env[k])
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w (build it with `make build`)", abs, err)
	}
	return cmd, nil
}

// waitHealthy polls the health route until it answers 200, the service exits, or a minute passes.
func waitHealthy(ctx context.Context, url string, exited <-chan error) error {
	deadline := time.After(time.Minute)
	for {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-exited:
			return fmt.Errorf("the service exited before it was healthy: %v", err)
		case <-deadline:
			return fmt.Errorf("%s did not answer 200 within a minute", url)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// waitSubscribed waits (up to a minute) for the service's renewal timer to subscribe to the
// mailbox, so the banner's curl is answered by a notification rather than the next sweep.
func waitSubscribed(ctx context.Context, sb *sandbox.Sandbox, out io.Writer) {
	fmt.Fprintln(out, "waiting for the service to subscribe to the mailbox's notifications ...")
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline) && ctx.Err() == nil; time.Sleep(200 * time.Millisecond) {
		if len(sb.Graph.SubscriptionIDs()) >= 2 {
			return
		}
	}
	fmt.Fprintln(out, "no subscription yet; mail will still arrive through the sweep (every minute)")
}

func banner(out io.Writer, sb *sandbox.Sandbox, addr string) {
	fmt.Fprintf(out, `
mail2jira sandbox is up (Ctrl-C stops everything)

  service          http://%[1]s/api/health
  API docs         http://%[1]s/api/docs
  ticket API key   %[2]s   (x-functions-key header)
  mailboxes        %[3]s/            (Graph emulator: folders and messages)
  Jira             %[4]s/            (Jira emulator: project %[5]s, board %[6]q)
  deliver a mail   POST %[3]s/sandbox/deliver?mailbox=%[7]s  (Content-Type: message/rfc822)

Try it:
  curl -sS -X POST '%[3]s/sandbox/deliver?mailbox=%[7]s' \
       -H 'Content-Type: message/rfc822' --data-binary @internal/sandbox/testdata/sample.eml

`, addr, sandbox.APIKey, sb.GraphURL, sb.JiraURL, sandbox.JiraProject, sandbox.BoardName, sandbox.Mailbox)
}
