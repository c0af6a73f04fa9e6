package schedule

import (
	"strings"
	"testing"
	"time"
)

func TestNext(t *testing.T) {
	base := time.Date(2026, 11, 28, 10, 7, 30, 0, time.UTC)
	tests := []struct {
		expr string
		from time.Time
		want time.Time
	}{
		{"0 */15 * * * *", base, time.Date(2026, 11, 28, 10, 15, 0, 0, time.UTC)},
		{"0 0 * * * *", base, time.Date(2026, 11, 28, 11, 0, 0, 0, time.UTC)},
		{"*/10 * * * * *", base, time.Date(2026, 11, 28, 10, 7, 40, 0, time.UTC)},
		{"0 30 9 * * mon-fri", base, time.Date(2026, 11, 30, 9, 30, 0, 0, time.UTC)}, // Saturday -> Monday
		{"0 0 0 1 jan *", base, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"0 0 12 29 2 *", base, time.Date(2028, 2, 29, 12, 0, 0, 0, time.UTC)},
		{"5,35 1-3 * * * *", base, time.Date(2026, 11, 28, 11, 1, 5, 0, time.UTC)},
		{"0 0 0 15 * 1", base, time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)}, // day OR weekday
		{"0 */15 * * * *", time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			s, err := Parse(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Next(tt.from); !got.Equal(tt.want) {
				t.Errorf("Next(%v) = %v, want %v", tt.from, got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ expr, want string }{
		{"*/15 * * * *", "6 fields"},
		{"0 60 * * * *", "minute field"},
		{"0 * * * 13 *", "month field"},
		{"0 */0 * * * *", "step"},
		{"0 5-1 * * * *", "backwards"},
		{"0 * * * * funday", "day-of-week"},
		{"00:05:00", "6 fields"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			_, err := Parse(tt.expr)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse(%q) error = %v, want it to mention %q", tt.expr, err, tt.want)
			}
		})
	}
}
