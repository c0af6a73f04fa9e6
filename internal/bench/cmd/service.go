package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/mail2jira/mail2jira/internal/sandbox"
)

// child is a started binary (the service or the minimal server).
type child struct {
	cmd     *exec.Cmd
	exited  chan error
	logFile *os.File
	started time.Time
}

// startChild starts bin with exactly env (plus PATH and HOME), its output in logName.
func (e *env) startChild(bin string, args []string, vars map[string]string, logName string) (*child, error) {
	abs, err := filepath.Abs(bin)
	if err != nil {
		return nil, err
	}
	lf, err := os.Create(filepath.Join(e.logs, logName))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(abs, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		cmd.Env = append(cmd.Env, k+"="+vars[k])
	}
	cmd.Stdout, cmd.Stderr = lf, lf
	c := &child{cmd: cmd, exited: make(chan error, 1), logFile: lf}
	c.started = time.Now()
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, fmt.Errorf("start %s: %w (make bench builds it)", abs, err)
	}
	go func() { c.exited <- cmd.Wait() }()
	return c, nil
}

// waitHealthy polls url every 2 ms until it answers 200 and returns how long after the
// process started that was.
func (c *child) waitHealthy(ctx context.Context, url string, timeout time.Duration) (time.Duration, error) {
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if resp, err := client.Get(url); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(c.started), nil
			}
		}
		select {
		case err := <-c.exited:
			c.exited <- err
			return 0, fmt.Errorf("%s exited before it was healthy: %v (log: %s)", filepath.Base(c.cmd.Path), err, c.logFile.Name())
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
	}
	return 0, fmt.Errorf("%s did not answer 200 within %s (log: %s)", url, timeout, c.logFile.Name())
}

// peakRSS is the child's VmHWM (the kernel's high-water mark of its resident set).
func (c *child) peakRSS() (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("peak RSS: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("peak RSS: %q: %w", rest, err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("peak RSS: no VmHWM in /proc/%d/status", c.cmd.Process.Pid)
}

// stop asks the child to end (SIGTERM) and kills it after 10 seconds.
func (c *child) stop() {
	defer c.logFile.Close()
	c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
	case <-time.After(10 * time.Second):
		c.cmd.Process.Kill()
		<-c.exited
	}
}

// freeAddr is a loopback address nobody listens on right now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// startSandbox starts seeded emulators with the configured latencies.
func (e *env) startSandbox(ctx context.Context) (*sandbox.Sandbox, error) {
	sb, err := sandbox.Start(ctx, sandbox.Options{CA: e.ca, Storage: e.storage, Dir: e.dir,
		GraphLatency: e.graphLatency, JiraLatency: e.jiraLatency, Logger: e.log})
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	addr, err := freeAddr()
	if err != nil {
		sb.Close()
		return nil, err
	}
	sb.SetServiceAddr(addr)
	if err := addPeople(sb); err != nil {
		sb.Close()
		return nil, err
	}
	return sb, nil
}

// never is a valid NCRONTAB schedule that does not fire during a benchmark (midnight on
// January 1st), for timers a row must keep quiet.
const never = "0 0 0 1 1 *"

// serviceVars are the sandbox's settings with a row's overrides.
func serviceVars(sb *sandbox.Sandbox, overrides map[string]string) map[string]string {
	vars := sb.ServiceEnv()
	vars["LOG_LEVEL"] = "warn" // a log line per mail would measure the terminal, not the service
	for k, v := range overrides {
		vars[k] = v
	}
	return vars
}

func healthURL(vars map[string]string) string {
	return "http://" + vars["LISTEN_ADDRESS"] + "/api/health"
}
