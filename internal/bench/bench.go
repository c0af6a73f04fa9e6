// Package bench holds the arithmetic behind `make bench`: latency percentiles, the
// throughput ceiling Graph's per-mailbox limits allow, the critical-path floor of a mail
// computed from the emulators' latencies, and the results table. The runner that measures
// is internal/bench/cmd; this package only computes, so its numbers are unit-tested.
package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Summary is the distribution of a set of latencies.
type Summary struct {
	N   int           `json:"n"`
	P50 time.Duration `json:"p50_ns"`
	P99 time.Duration `json:"p99_ns"`
	Max time.Duration `json:"max_ns"`
}

// Summarize returns the nearest-rank p50, p99 and maximum of ds (which it does not modify).
func Summarize(ds []time.Duration) Summary {
	if len(ds) == 0 {
		return Summary{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return Summary{N: len(s), P50: Percentile(s, 50), P99: Percentile(s, 99), Max: s[len(s)-1]}
}

// Percentile is the nearest-rank percentile p (0 < p <= 100) of sorted: the smallest value
// with at least p% of the values at or below it. Nearest rank never interpolates, so the
// figure is always a latency that was actually observed.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// Median is the nearest-rank median of ds.
func Median(ds []time.Duration) time.Duration { return Summarize(ds).P50 }

// Limits are Graph's per-mailbox limits for one app.
type Limits struct {
	Concurrent int           // requests in flight at once
	Requests   int           // requests per Window
	Window     time.Duration // the sliding window Requests counts over
}

// Ceiling is the mail throughput one mailbox allows.
type Ceiling struct {
	ByConcurrency float64 `json:"by_concurrency_rps"` // requests/s when every slot is always busy
	ByRate        float64 `json:"by_rate_rps"`        // requests/s the window allows sustained
	RequestsPerS  float64 `json:"requests_per_s"`     // the lower of the two
	MailsPerS     float64 `json:"mails_per_s"`        // RequestsPerS / calls per mail
	Binding       string  `json:"binding"`            // which limit binds: "concurrency" or "rate"
}

// GraphCeiling computes the sustained mails per second l allows when each Graph request
// takes perCall (a slot is held for at least the round trip) and a mail needs callsPerMail
// Graph requests. Concurrency bounds requests/s at Concurrent/perCall; the window at
// Requests/Window, sustained (a shorter burst may use the window's whole budget faster, but
// no backlog longer than the window can).
func GraphCeiling(l Limits, perCall time.Duration, callsPerMail float64) Ceiling {
	c := Ceiling{ByConcurrency: math.Inf(1), ByRate: float64(l.Requests) / l.Window.Seconds()}
	if perCall > 0 {
		c.ByConcurrency = float64(l.Concurrent) / perCall.Seconds()
	}
	c.RequestsPerS, c.Binding = c.ByRate, "rate"
	if c.ByConcurrency < c.ByRate {
		c.RequestsPerS, c.Binding = c.ByConcurrency, "concurrency"
	}
	if callsPerMail > 0 {
		c.MailsPerS = c.RequestsPerS / callsPerMail
	}
	return c
}

// BacklogSize is how many mails take about d at the ceiling (at least min).
func BacklogSize(c Ceiling, d time.Duration, minimum int) int {
	return max(int(math.Round(c.MailsPerS*d.Seconds())), minimum)
}

// Chain is a run of calls one after another: Graph calls, then Jira calls, in some order.
type Chain struct {
	Graph, Jira int
}

// Stage is a step of the processor whose chains run concurrently; the stage takes as long
// as its longest chain. Storage calls are not modelled: their latency is Azurite's, not a
// configured one, so the floor leaves them out and the measured ratio includes them.
type Stage struct {
	Name   string
	Chains []Chain
	Mark   string // when set, a point the benchmark times: the stage ends it
}

// Floor is the time the stages take at least, and at each marked point, when every Graph
// call takes graph and every Jira call jira.
func Floor(stages []Stage, graph, jira time.Duration) (total time.Duration, marks map[string]time.Duration) {
	marks = map[string]time.Duration{}
	for _, s := range stages {
		var longest time.Duration
		for _, c := range s.Chains {
			longest = max(longest, time.Duration(c.Graph)*graph+time.Duration(c.Jira)*jira)
		}
		total += longest
		if s.Mark != "" {
			marks[s.Mark] = total
		}
	}
	return total, marks
}

// Ratio is a/b, or 0 when b is zero.
func Ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// Row is one line of the results table.
type Row struct {
	ID        string         `json:"id"`
	Measure   string         `json:"measure"`
	Figure    string         `json:"figure"`
	Reference string         `json:"reference"`
	Ratio     float64        `json:"ratio"`
	Method    string         `json:"method"`
	Data      map[string]any `json:"data,omitempty"`
}

// Report is everything one `make bench` run measured.
type Report struct {
	Started     time.Time      `json:"started"`
	Duration    string         `json:"duration"`
	Machine     string         `json:"machine"`
	Seed        uint64         `json:"seed"`
	Latency     map[string]any `json:"latency"`
	Rows        []Row          `json:"rows"`
	Unavailable []string       `json:"unavailable,omitempty"` // rows that could not be measured, with why
}

// WriteTable prints the rows as a Markdown table with padded columns (readable in a
// terminal, pasteable into the README).
func WriteTable(w io.Writer, rows []Row) error {
	cells := [][]string{{"#", "measure", "figure", "reference", "ratio"}}
	for _, r := range rows {
		cells = append(cells, []string{r.ID, r.Measure, r.Figure, r.Reference, formatRatio(r.Ratio)})
	}
	width := make([]int, len(cells[0]))
	for _, row := range cells {
		for i, c := range row {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	line := func(row []string) {
		for i, c := range row {
			fmt.Fprintf(&b, "| %s%s ", c, strings.Repeat(" ", width[i]-utf8.RuneCountInString(c)))
		}
		b.WriteString("|\n")
	}
	line(cells[0])
	sep := make([]string, len(width))
	for i, n := range width {
		sep[i] = strings.Repeat("-", n)
	}
	line(sep)
	for _, row := range cells[1:] {
		line(row)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func formatRatio(r float64) string {
	switch {
	case r == 0:
		return "–"
	case r < 0.01:
		return fmt.Sprintf("%.4f", r)
	case r < 10:
		return fmt.Sprintf("%.2f", r)
	default:
		return fmt.Sprintf("%.0f", r)
	}
}

// WriteJSON writes the report, indented.
func WriteJSON(w io.Writer, r Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// Ms formats a duration in milliseconds with one decimal below 10 ms.
func Ms(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	if ms < 10 {
		return fmt.Sprintf("%.1f ms", ms)
	}
	return fmt.Sprintf("%.0f ms", ms)
}

// MB formats bytes in mebibytes.
func MB(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/(1<<20)) }

// Counts are the calls one mail cost.
type Counts struct {
	Graph   int `json:"graph"`
	Jira    int `json:"jira"`
	Storage int `json:"storage"`
}

// Total is every call.
func (c Counts) Total() int { return c.Graph + c.Jira + c.Storage }

// String is "Graph g · Jira j · storage s".
func (c Counts) String() string {
	return fmt.Sprintf("Graph %d · Jira %d · storage %d", c.Graph, c.Jira, c.Storage)
}

// Join lists parts with " · ", skipping empty ones.
func Join(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, " · ")
}
