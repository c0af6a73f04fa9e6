// Package schedule parses the six-field NCRONTAB expressions Azure Functions timer triggers use
// ("second minute hour day month day-of-week", UTC) and computes their next occurrence, so
// standalone mode fires timers on the same schedules as the Functions host.
package schedule

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Schedule is a parsed NCRONTAB expression.
type Schedule struct {
	expr                          string
	sec, min, hour, dom, mon, dow uint64 // bit i set when value i matches
	domAny, dowAny                bool
}

type field struct {
	name     string
	min, max int
	names    []string // optional names for values starting at min
}

var fields = []field{
	{name: "second", min: 0, max: 59},
	{name: "minute", min: 0, max: 59},
	{name: "hour", min: 0, max: 23},
	{name: "day", min: 1, max: 31},
	{name: "month", min: 1, max: 12, names: strings.Fields("jan feb mar apr may jun jul aug sep oct nov dec")},
	{name: "day-of-week", min: 0, max: 6, names: strings.Fields("sun mon tue wed thu fri sat")},
}

// Parse reads a six-field NCRONTAB expression such as "0 */15 * * * *".
func Parse(expr string) (*Schedule, error) {
	parts := strings.Fields(expr)
	if len(parts) != 6 {
		return nil, fmt.Errorf("%q must have 6 fields (second minute hour day month day-of-week), e.g. \"0 */15 * * * *\"", expr)
	}
	s := &Schedule{expr: expr, domAny: parts[3] == "*", dowAny: parts[5] == "*"}
	dst := []*uint64{&s.sec, &s.min, &s.hour, &s.dom, &s.mon, &s.dow}
	for i, p := range parts {
		bits, err := fields[i].parse(p)
		if err != nil {
			return nil, fmt.Errorf("%q: %s field: %w", expr, fields[i].name, err)
		}
		*dst[i] = bits
	}
	return s, nil
}

// String returns the expression as written.
func (s *Schedule) String() string { return s.expr }

func (f field) parse(spec string) (uint64, error) {
	var bits uint64
	for _, item := range strings.Split(spec, ",") {
		b, err := f.item(item)
		if err != nil {
			return 0, err
		}
		bits |= b
	}
	return bits, nil
}

// item parses "*", "*/n", "a", "a-b" or "a-b/n".
func (f field) item(item string) (uint64, error) {
	rng, stepText, hasStep := strings.Cut(item, "/")
	step := 1
	if hasStep {
		n, err := strconv.Atoi(stepText)
		if err != nil || n < 1 {
			return 0, fmt.Errorf("step %q must be a positive number", stepText)
		}
		step = n
	}
	lo, hi := f.min, f.max
	if rng != "*" {
		a, b, isRange := strings.Cut(rng, "-")
		var err error
		if lo, err = f.value(a); err != nil {
			return 0, err
		}
		hi = lo
		if isRange {
			if hi, err = f.value(b); err != nil {
				return 0, err
			}
		} else if hasStep {
			hi = f.max
		}
		if hi < lo {
			return 0, fmt.Errorf("range %q runs backwards", rng)
		}
	}
	var bits uint64
	for v := lo; v <= hi; v += step {
		bits |= 1 << uint(v)
	}
	return bits, nil
}

func (f field) value(s string) (int, error) {
	for i, n := range f.names {
		if strings.EqualFold(s, n) {
			return f.min + i, nil
		}
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < f.min || v > f.max {
		return 0, fmt.Errorf("%q is not a value from %d to %d", s, f.min, f.max)
	}
	return v, nil
}

// Next returns the first time after t (in UTC, to the second) that the schedule matches.
func (s *Schedule) Next(t time.Time) time.Time {
	t = t.UTC().Truncate(time.Second).Add(time.Second)
	limit := t.AddDate(5, 0, 0)
	for t.Before(limit) {
		switch {
		case !has(s.mon, int(t.Month())):
			t = time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, time.UTC)
		case !s.dayMatches(t):
			t = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, time.UTC)
		case !has(s.hour, t.Hour()):
			t = t.Truncate(time.Hour).Add(time.Hour)
		case !has(s.min, t.Minute()):
			t = t.Truncate(time.Minute).Add(time.Minute)
		case !has(s.sec, t.Second()):
			t = t.Add(time.Second)
		default:
			return t
		}
	}
	return time.Time{}
}

// dayMatches follows cron: when both day fields are restricted, either may match.
func (s *Schedule) dayMatches(t time.Time) bool {
	dom, dow := has(s.dom, t.Day()), has(s.dow, int(t.Weekday()))
	if !s.domAny && !s.dowAny {
		return dom || dow
	}
	return dom && dow
}

func has(bits uint64, v int) bool { return bits&(1<<uint(v)) != 0 }
