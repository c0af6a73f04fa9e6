// Command bench is `make bench`: it measures what users of mail2jira pay for (notification
// acknowledgement, the critical path of a mail, calls per mail, backlog throughput, cold
// start, memory) against the limits each figure chases, with the service in standalone mode
// against Azurite (AZURITE_CONNECTION_STRING, from internal/devtools/with-azurite.sh) and the
// sandbox's Entra, Graph and Jira emulators. It prints one table and writes it as JSON.
//
// Rows 1, 4, 5 and 6 run the real binary (-service, what users run) as a child process;
// rows 2 and 3 drive the real adapters in this process so the points inside a mail's
// processing can be timed and every storage transaction counted.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"github.com/mail2jira/mail2jira/internal/bench"
	"github.com/mail2jira/mail2jira/internal/emulator/tlsca"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// options are the command's flags.
type options struct {
	service, minimal, out, infra string
	graphLatency, jiraLatency    time.Duration
	ackRate                      int
	ackFor                       time.Duration
	backlogFor                   time.Duration
	coldRuns, pathRuns           int
	seed                         uint64
	storage                      string
}

func parse(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.StringVar(&o.service, "service", "bin/mail2jira", "the service binary (make build)")
	fs.StringVar(&o.minimal, "minimal", "bin/bench-minhttp", "the minimal Go HTTP server cold start is compared with")
	fs.StringVar(&o.out, "out", ".bench", "folder for the JSON results and the child processes' logs")
	fs.StringVar(&o.infra, "infra", "infra/main.bicep", "Bicep template whose instanceMemoryMB default is the memory reference")
	fs.DurationVar(&o.graphLatency, "graph-latency", 80*time.Millisecond, "latency the Graph emulator adds to every call")
	fs.DurationVar(&o.jiraLatency, "jira-latency", 250*time.Millisecond, "latency the Jira emulator adds to every call")
	fs.IntVar(&o.ackRate, "ack-rate", 200, "row 1: notifications per second")
	fs.DurationVar(&o.ackFor, "ack-for", 30*time.Second, "row 1: how long notifications are sent")
	fs.DurationVar(&o.backlogFor, "backlog-for", 2*time.Minute, "row 4: the backlog is sized to take this long at the ceiling")
	fs.IntVar(&o.coldRuns, "cold-runs", 5, "row 5: starts of each binary")
	fs.IntVar(&o.pathRuns, "path-runs", 5, "row 2: new-ticket mails timed after one warm-up mail")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of everything the benchmark sends")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	o.storage = os.Getenv("AZURITE_CONNECTION_STRING")
	if o.storage == "" {
		return o, errors.New("AZURITE_CONNECTION_STRING is not set: run `make bench`")
	}
	return o, nil
}

// env is what every row shares: the options, one CA for the HTTPS Entra emulator, a quiet
// logger and the folder for logs.
type env struct {
	options
	ca   *tlsca.CA
	dir  string // temporary: CA file, child logs
	logs string // .bench/logs
	log  *slog.Logger
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	o, err := parse(args)
	if err != nil {
		return err
	}
	e, cleanup, err := newEnv(o)
	if err != nil {
		return err
	}
	defer cleanup()
	started := time.Now()
	rep := bench.Report{Started: started.UTC(), Seed: o.seed,
		Machine: fmt.Sprintf("%s/%s, %d CPUs, %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version()),
		Latency: map[string]any{"graph_ms": o.graphLatency.Milliseconds(), "jira_ms": o.jiraLatency.Milliseconds()}}
	note := func(row string, err error) {
		msg := fmt.Sprintf("row %s: %v", row, err)
		fmt.Fprintln(os.Stderr, "bench:", msg)
		rep.Unavailable = append(rep.Unavailable, msg)
	}

	progress(stdout, "rows 2 and 3: one mail's critical path and calls, in process")
	path, calls, err := e.inProcess(ctx)
	if err != nil {
		note("2/3", err)
	}
	progress(stdout, "row 1: notification acknowledgement at %d/s for %s", o.ackRate, o.ackFor)
	ack, ackRSS, err := e.acknowledgement(ctx)
	if err != nil {
		note("1", err)
	}
	progress(stdout, "row 4: backlog sweep")
	backlog, backlogRSS, err := e.backlog(ctx, calls)
	if err != nil {
		note("4", err)
	}
	progress(stdout, "row 5: cold start, %d starts of each binary", o.coldRuns)
	cold, err := e.coldStart(ctx)
	if err != nil {
		note("5", err)
	}
	mem, err := e.memory(ackRSS, backlogRSS)
	if err != nil {
		note("6", err)
	}
	for _, rows := range [][]bench.Row{ack, path, calls.rows, backlog, cold, mem} {
		rep.Rows = append(rep.Rows, rows...)
	}
	rep.Duration = time.Since(started).Round(time.Second).String()
	fmt.Fprintf(stdout, "\nmail2jira benchmark, standalone mode, Graph %s and Jira %s per call, seed %d, %s, took %s\n\n",
		o.graphLatency, o.jiraLatency, o.seed, rep.Machine, rep.Duration)
	if err := bench.WriteTable(stdout, rep.Rows); err != nil {
		return err
	}
	path2, err := writeReport(o.out, rep)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nJSON: %s\n", path2)
	if len(rep.Unavailable) > 0 {
		return fmt.Errorf("%d row(s) could not be measured: %v", len(rep.Unavailable), rep.Unavailable)
	}
	return nil
}

func newEnv(o options) (*env, func(), error) {
	ca, err := tlsca.New()
	if err != nil {
		return nil, nil, err
	}
	dir, err := os.MkdirTemp("", "mail2jira-bench-")
	if err != nil {
		return nil, nil, err
	}
	logs := filepath.Join(o.out, "logs")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		return nil, nil, err
	}
	e := &env{options: o, ca: ca, dir: dir, logs: logs,
		log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	return e, func() { os.RemoveAll(dir) }, nil
}

// writeReport writes the report as .bench/bench-<time>.json and .bench/latest.json.
func writeReport(dir string, rep bench.Report) (string, error) {
	name := filepath.Join(dir, "bench-"+rep.Started.Format("20060102-150405")+".json")
	for _, p := range []string{name, filepath.Join(dir, "latest.json")} {
		f, err := os.Create(p)
		if err != nil {
			return "", err
		}
		if err := bench.WriteJSON(f, rep); err != nil {
			f.Close()
			return "", err
		}
		if err := f.Close(); err != nil {
			return "", err
		}
	}
	return name, nil
}

func progress(w io.Writer, format string, args ...any) {
	fmt.Fprintf(w, "[%s] %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}
