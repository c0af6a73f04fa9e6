package bench

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func TestSummarize(t *testing.T) {
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = ms(100 - i) // reversed: Summarize sorts a copy
	}
	tests := []struct {
		name string
		in   []time.Duration
		want Summary
	}{
		{"empty", nil, Summary{}},
		{"one", []time.Duration{ms(7)}, Summary{N: 1, P50: ms(7), P99: ms(7), Max: ms(7)}},
		{"hundred", hundred, Summary{N: 100, P50: ms(50), P99: ms(99), Max: ms(100)}},
		{"three", []time.Duration{ms(3), ms(1), ms(2)}, Summary{N: 3, P50: ms(2), P99: ms(3), Max: ms(3)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Summarize(tt.in)); diff != "" {
				t.Errorf("Summarize (-want +got):\n%s", diff)
			}
		})
	}
	if hundred[0] != ms(100) {
		t.Error("Summarize modified its input")
	}
}

func TestGraphCeiling(t *testing.T) {
	graph := Limits{Concurrent: 4, Requests: 10000, Window: 10 * time.Minute}
	tests := []struct {
		name    string
		l       Limits
		perCall time.Duration
		calls   float64
		want    Ceiling
	}{
		{"rate binds at 80 ms", graph, ms(80), 4,
			Ceiling{ByConcurrency: 50, ByRate: 10000.0 / 600, RequestsPerS: 10000.0 / 600, MailsPerS: 10000.0 / 600 / 4, Binding: "rate"}},
		{"concurrency binds at 500 ms", graph, ms(500), 5,
			Ceiling{ByConcurrency: 8, ByRate: 10000.0 / 600, RequestsPerS: 8, MailsPerS: 1.6, Binding: "concurrency"}},
		{"no latency", graph, 0, 2,
			Ceiling{ByConcurrency: math.Inf(1), ByRate: 10000.0 / 600, RequestsPerS: 10000.0 / 600, MailsPerS: 10000.0 / 1200, Binding: "rate"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := GraphCeiling(tt.l, tt.perCall, tt.calls)
			if diff := cmp.Diff(tt.want, got, cmp.Comparer(approx)); diff != "" {
				t.Errorf("GraphCeiling (-want +got):\n%s", diff)
			}
		})
	}
}

func approx(a, b float64) bool {
	if math.IsInf(a, 1) || math.IsInf(b, 1) {
		return a == b
	}
	return math.Abs(a-b) < 1e-9
}

func TestBacklogSize(t *testing.T) {
	tests := []struct {
		name string
		c    Ceiling
		min  int
		want int
	}{
		{"two minutes at 4.1667 mails/s", Ceiling{MailsPerS: 10000.0 / 600 / 4}, 10, 500},
		{"floor", Ceiling{MailsPerS: 0.01}, 10, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := BacklogSize(tt.c, 2*time.Minute, tt.min); got != tt.want {
				t.Errorf("BacklogSize = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestFloor(t *testing.T) {
	stages := []Stage{
		{Name: "fetch", Chains: []Chain{{Graph: 1}}},
		{Name: "people", Chains: []Chain{{Jira: 1}, {Jira: 1}}},
		{Name: "create", Chains: []Chain{{Jira: 1}}, Mark: "recorded"},
		{Name: "after", Chains: []Chain{{Graph: 1, Jira: 1}, {Jira: 1}, {Graph: 2}}},
	}
	total, marks := Floor(stages, ms(80), ms(250))
	if total != ms(80+250+250+330) {
		t.Errorf("total %v, want 910ms", total)
	}
	if diff := cmp.Diff(map[string]time.Duration{"recorded": ms(580)}, marks); diff != "" {
		t.Errorf("marks (-want +got):\n%s", diff)
	}
}

func TestWriteTable(t *testing.T) {
	var b bytes.Buffer
	err := WriteTable(&b, []Row{{ID: "1", Measure: "ack p99", Figure: "12 ms", Reference: "3 s", Ratio: 0.004}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"| # | measure | figure | reference | ratio  |",
		"| - | ------- | ------ | --------- | ------ |",
		"| 1 | ack p99 | 12 ms  | 3 s       | 0.0040 |",
	}
	if diff := cmp.Diff(want, strings.Split(strings.TrimSpace(b.String()), "\n")); diff != "" {
		t.Errorf("table (-want +got):\n%s", diff)
	}
}
