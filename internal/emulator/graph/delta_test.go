package graphemu

import (
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// deltaRound follows nextLinks to the deltaLink and returns subjects (or "-id" for removals).
func deltaRound(t *testing.T, h *harness, first string, hdr ...string) (items []string, deltaLink string, pages int) {
	t.Helper()
	next := first
	for next != "" {
		page := h.obj(http.MethodGet, next, nil, 200, hdr...)
		pages++
		for _, m := range values(t, page) {
			if _, gone := m["@removed"]; gone {
				items = append(items, "-"+m["id"].(string))
				continue
			}
			items = append(items, m["subject"].(string))
		}
		next, _ = page["@odata.nextLink"].(string)
		if next == "" {
			deltaLink, _ = page["@odata.deltaLink"].(string)
		}
	}
	sort.Strings(items)
	return items, deltaLink, pages
}

func TestDeltaRounds(t *testing.T) {
	h := newHarness(t, Options{})
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	seeded := seedMany(h, 5, start)
	first := "/v1.0/users/" + support + "/mailFolders('inbox')/messages/delta()?$select=subject&$filter=receivedDateTime+ge+" + start.Add(2*time.Hour).Format(time.RFC3339)
	prefer := []string{"Prefer", `IdType="ImmutableId", odata.maxpagesize=2`}
	items, link, pages := deltaRound(t, h, first, prefer...)
	if diff := cmp.Diff([]string{"m02", "m03", "m04"}, items); diff != "" {
		t.Errorf("initial round (-want +got)\n%s", diff)
	}
	if pages != 2 || link == "" {
		t.Fatalf("pages %d, deltaLink %q", pages, link)
	}
	h.deliver(support, mail(alice, support, "new"), Delivery{ReceivedAt: start.Add(10 * time.Hour)})
	h.deliver(support, mail(alice, support, "too old"), Delivery{ReceivedAt: start})
	if _, err := h.e.Move(support, seeded[3].ID, "deleteditems"); err != nil {
		t.Fatal(err)
	}
	items, link2, _ := deltaRound(t, h, link, prefer...)
	if diff := cmp.Diff([]string{"-" + seeded[3].ImmutableID, "new"}, items); diff != "" {
		t.Errorf("second round (-want +got)\n%s", diff)
	}
	items, _, _ = deltaRound(t, h, link2, prefer...)
	if len(items) != 0 {
		t.Errorf("third round = %v, want nothing", items)
	}
	h.e.ExpireDeltaLinks()
	resp, b := h.do(http.MethodGet, link2, nil)
	if resp.StatusCode != http.StatusGone || errCode(t, b) != "syncStateNotFound" {
		t.Errorf("expired link: %d %s", resp.StatusCode, b)
	}
	if resp, _ := h.do(http.MethodGet, "/v1.0/users/"+support+"/mailFolders/inbox/messages/delta?$filter=subject+eq+'x'", nil); resp.StatusCode != 400 {
		t.Errorf("unsupported delta filter: %d", resp.StatusCode)
	}
}

func TestDeltaLinkTTL(t *testing.T) {
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	h := newHarness(t, Options{DeltaLinkTTL: time.Hour, Now: func() time.Time { return now }})
	_, link, _ := deltaRound(t, h, "/v1.0/users/"+support+"/mailFolders/inbox/messages/delta")
	if resp, _ := h.do(http.MethodGet, link, nil); resp.StatusCode != 200 {
		t.Fatalf("fresh link: %d", resp.StatusCode)
	}
	now = now.Add(2 * time.Hour)
	if resp, _ := h.do(http.MethodGet, link, nil); resp.StatusCode != http.StatusGone {
		t.Errorf("old link: %d, want 410", resp.StatusCode)
	}
}
