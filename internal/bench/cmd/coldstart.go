package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"time"

	"github.com/mail2jira/mail2jira/internal/bench"
)

// coldStart is row 5. Method: the real binary and the minimal Go HTTP server
// (internal/bench/minhttp) are started coldRuns times each, alternately, on fresh loopback
// ports; each figure is the median time from exec to the first 200 from GET /api/health,
// polled every 2 ms. The service's health route answers 200 only once its start-up work is
// done (settings, Table Storage tables, the Jira boards resolved at the configured Jira
// latency) and its own checks of storage, Jira and the Graph token pass, so the figure is
// what the Functions host waits for. The binary sizes are those make bench just built.
func (e *env) coldStart(ctx context.Context) ([]bench.Row, error) {
	sb, err := e.startSandbox(ctx)
	if err != nil {
		return nil, err
	}
	defer sb.Close()
	var svc, min []time.Duration
	for i := range e.coldRuns {
		vars := serviceVars(sb, map[string]string{"SUBSCRIPTIONS_ENABLED": "false", "SWEEP_SCHEDULE": never, "RENEW_SCHEDULE": never})
		d, err := e.timeStart(ctx, e.service, []string{"serve"}, vars, fmt.Sprintf("row5-service-%d.log", i))
		if err != nil {
			return nil, err
		}
		svc = append(svc, d)
		addr, err := freeAddr()
		if err != nil {
			return nil, err
		}
		d, err = e.timeStart(ctx, e.minimal, nil, map[string]string{"LISTEN_ADDRESS": addr}, fmt.Sprintf("row5-minimal-%d.log", i))
		if err != nil {
			return nil, err
		}
		min = append(min, d)
	}
	svcSize, err1 := fileSize(e.service)
	minSize, err2 := fileSize(e.minimal)
	if err := errors.Join(err1, err2); err != nil {
		return nil, err
	}
	method := fmt.Sprintf("real binary vs internal/bench/minhttp, %d alternating starts each, median exec → first 200 from /api/health (the service's includes connecting to storage, resolving the Jira board and its health checks at the emulators' latencies); Flex Consumption allows 30 s", e.coldRuns)
	return []bench.Row{
		{ID: "5a", Measure: "cold start: exec → /api/health 200", Figure: bench.Ms(bench.Median(svc)),
			Reference: "minimal Go server " + bench.Ms(bench.Median(min)), Ratio: bench.Ratio(float64(bench.Median(svc)), float64(bench.Median(min))),
			Method: method, Data: map[string]any{"service_ns": svc, "minimal_ns": min}},
		{ID: "5b", Measure: "binary size (make build, not stripped)", Figure: bench.MB(svcSize),
			Reference: "minimal Go server " + bench.MB(minSize), Ratio: bench.Ratio(float64(svcSize), float64(minSize)),
			Method: "file sizes of bin/mail2jira and bin/bench-minhttp as make bench built them (make package strips with -s -w)",
			Data:   map[string]any{"service_bytes": svcSize, "minimal_bytes": minSize}},
	}, nil
}

// timeStart starts bin, waits for its health route and stops it.
func (e *env) timeStart(ctx context.Context, bin string, args []string, vars map[string]string, log string) (time.Duration, error) {
	c, err := e.startChild(bin, args, vars, log)
	if err != nil {
		return 0, err
	}
	defer c.stop()
	return c.waitHealthy(ctx, healthURL(vars), time.Minute)
}

func fileSize(path string) (int64, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// instanceMemory matches the Bicep template's default instance memory.
var instanceMemory = regexp.MustCompile(`param instanceMemoryMB int = (\d+)`)

// memory is row 6. Method: VmHWM of the service process (the kernel's peak resident set)
// read from /proc/<pid>/status at the end of rows 1 and 4, before the process is stopped.
// The reference is the instance memory the infrastructure deploys with (the default of
// instanceMemoryMB in infra/main.bicep, one of Flex Consumption's sizes), read from the
// template rather than typed in here.
func (e *env) memory(ackRSS, backlogRSS int64) ([]bench.Row, error) {
	raw, err := os.ReadFile(e.infra)
	if err != nil {
		return nil, fmt.Errorf("memory reference: %w", err)
	}
	m := instanceMemory.FindSubmatch(raw)
	if m == nil {
		return nil, fmt.Errorf("memory reference: no instanceMemoryMB default in %s", e.infra)
	}
	mb, _ := strconv.ParseInt(string(m[1]), 10, 64)
	limit := mb << 20
	var rows []bench.Row
	for _, r := range []struct {
		id, what string
		rss      int64
	}{{"6a", "row 1 (notifications)", ackRSS}, {"6b", "row 4 (backlog)", backlogRSS}} {
		if r.rss == 0 {
			continue
		}
		rows = append(rows, bench.Row{ID: r.id, Measure: "peak RSS during " + r.what, Figure: bench.MB(r.rss),
			Reference: fmt.Sprintf("instance memory %d MB", mb), Ratio: bench.Ratio(float64(r.rss), float64(limit)),
			Method: "VmHWM of the service process from /proc at the end of the row; reference = instanceMemoryMB default in infra/main.bicep",
			Data:   map[string]any{"bytes": r.rss, "limit_bytes": limit}})
	}
	if len(rows) < 2 {
		return rows, errors.New("peak RSS missing for row 1 or row 4")
	}
	return rows, nil
}
