package config

import "strings"

// routes resolves each mailbox's board and default category from MAILBOX_ROUTES, whose format
// is "address=board/category; address2=board": semicolon-separated so it reads well on one
// line of an app-settings blade, and parsed strictly so a typo fails start-up.
func (r *reader) routes(c *Config) map[string]Route {
	out := map[string]Route{}
	for _, m := range c.Mailboxes {
		out[m] = Route{Mailbox: m, Board: c.DefaultBoard, Category: c.DefaultCategory}
	}
	for _, e := range strings.Split(r.get("MAILBOX_ROUTES"), ";") {
		if e = strings.TrimSpace(e); e == "" {
			continue
		}
		if rt, ok := r.route(c, e); ok {
			out[rt.Mailbox] = rt
		}
	}
	return out
}

func (r *reader) route(c *Config, entry string) (Route, bool) {
	const name = "MAILBOX_ROUTES"
	addr, target, ok := strings.Cut(entry, "=")
	addr = strings.ToLower(strings.TrimSpace(addr))
	board, category, _ := strings.Cut(strings.TrimSpace(target), "/")
	board, category = strings.TrimSpace(board), strings.TrimSpace(category)
	if !ok || addr == "" || board == "" {
		r.problem(name, "entry %q must look like support@example.com=board or support@example.com=board/category", entry)
		return Route{}, false
	}
	good := true
	if !contains(c.Mailboxes, addr) {
		r.problem(name, "%q is not one of the mailboxes in MAILBOX", addr)
		good = false
	}
	if _, found := c.Board(board); !found {
		r.problem(name, "board %q (for %s) is not a key from JIRA_BOARDS (%s)", board, addr, keys(c.Boards))
		good = false
	}
	if category == "" {
		category = c.DefaultCategory
	} else if !contains(c.Categories, category) {
		r.problem(name, "category %q (for %s) is not one of JIRA_TICKET_LABEL_CATEGORIES", category, addr)
		good = false
	}
	return Route{Mailbox: addr, Board: board, Category: category}, good
}
