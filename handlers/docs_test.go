package handlers

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

func TestDocsFiles(t *testing.T) {
	e := newAPIEnv(t)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	tests := []struct {
		path, contentType, contains string
		status                      int
	}{
		{"/api/docs", "", "/api/docs/", http.StatusMovedPermanently},
		{"/api/docs/", "text/html; charset=utf-8", "swagger-ui-bundle.js", http.StatusOK},
		{"/api/docs/init.js", "text/javascript; charset=utf-8", "../openapi.json", http.StatusOK},
		{"/api/docs/swagger-ui/swagger-ui.css", "text/css; charset=utf-8", ".swagger-ui", http.StatusOK},
		{"/api/docs/swagger-ui/swagger-ui-bundle.js", "text/javascript; charset=utf-8", "SwaggerUIBundle", http.StatusOK},
		{"/api/docs/nope.js", "application/problem+json", "", http.StatusNotFound},
		{"/api/docs/swagger-ui/", "application/problem+json", "", http.StatusNotFound},
		{"/api/openapi.json", "application/json", `"openapi": "3.1.0"`, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, err := client.Get(e.ts.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body bytes.Buffer
			if _, err := body.ReadFrom(resp.Body); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d: %s", resp.StatusCode, body.String())
			}
			if tt.status == http.StatusMovedPermanently {
				if loc := resp.Header.Get("Location"); loc != tt.contains {
					t.Errorf("Location %q, want %q", loc, tt.contains)
				}
				return
			}
			if got := resp.Header.Get("Content-Type"); got != tt.contentType {
				t.Errorf("content type %q, want %q", got, tt.contentType)
			}
			if !strings.Contains(body.String(), tt.contains) {
				t.Errorf("body lacks %q", tt.contains)
			}
			if tt.status == http.StatusOK && strings.HasPrefix(tt.path, "/api/docs") && resp.Header.Get("Content-Security-Policy") == "" {
				t.Error("no Content-Security-Policy")
			}
		})
	}
}

// chromiumPath finds the browser `make chromium` installs.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("CHROMIUM"), "chromium", "chromium-browser"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("Chromium is not installed: run `make chromium` (Debian package chromium) or set CHROMIUM")
	return ""
}

// TestDocsInChromium opens the docs page in headless Chromium, checks every operation is
// listed, authorises with the function key, runs "Try it out" on supported-boards and reads
// the 200 with the board list. Every request the page makes must go to the service itself:
// the page works offline.
func TestDocsInChromium(t *testing.T) {
	e := newAPIEnv(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()

	var mu sync.Mutex
	var requested []string
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	if err := chromedp.Listen(ctx, func(ev any) {
		if ev, ok := ev.(*network.EventRequestWillBeSent); ok {
			mu.Lock()
			requested = append(requested, ev.Request.URL)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}

	const op = "#operations-meta-supportedBoards"
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	err := chromedp.Do(ctx,
		chromedp.Navigate(e.ts.URL+"/api/docs"),
		chromedp.WaitVisible(css(".opblock-summary-path")),
	)
	if err != nil {
		t.Fatalf("open the docs page: %v", err)
	}
	paths, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll(".opblock-summary-path")].map(e => e.getAttribute("data-path"))`))
	if err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(css(".btn.authorize")),
		chromedp.WaitVisible(css(".auth-container input")),
		chromedp.SendKeys(css(".auth-container input"), apiKey),
		chromedp.Click(css(".auth-container .btn.modal-btn.auth.authorize")),
		chromedp.Click(css(".btn-done")),
		chromedp.Click(css(op+" .opblock-summary-control")),
		chromedp.WaitVisible(css(op+" .try-out__btn")),
		chromedp.Click(css(op+" .try-out__btn")),
		chromedp.WaitVisible(css(op+" .btn.execute")),
		chromedp.Click(css(op+" .btn.execute")),
		chromedp.WaitVisible(css(op+" .live-responses-table tr.response .response-col_status")),
	)
	if err != nil {
		t.Fatalf("try it out: %v", err)
	}
	status, err := chromedp.Run(ctx, chromedp.Text(css(op+" .live-responses-table tr.response .response-col_status")))
	if err != nil {
		t.Fatal(err)
	}
	body, err := chromedp.Run(ctx, chromedp.Text(css(op+" .live-responses-table tr.response .response-col_description")))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/tickets", "/tickets/supported-boards", "/tickets/supported-categories", "/tickets/{key}", "/tickets/{key}/comments"} {
		if !slices.Contains(paths, p) {
			t.Errorf("the page lists %v, not %s", paths, p)
		}
	}
	if strings.TrimSpace(status) != "200" || !strings.Contains(body, `"Support board"`) || !strings.Contains(body, `"Ops board"`) {
		t.Errorf("try it out: status %q, body %q", status, body)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, u := range requested {
		if !strings.HasPrefix(u, e.ts.URL+"/") && !strings.HasPrefix(u, "data:") {
			t.Errorf("the page fetched %s from outside the service", u)
		}
	}
}
