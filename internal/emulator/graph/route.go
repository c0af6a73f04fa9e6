package graphemu

import (
	"net/http"
	"net/url"
	"strings"
)

// Route names one emulated Graph operation, for fault injection and call counters.
type Route string

// The emulated operations.
const (
	RouteAny                     Route = "*"                         // matches every route in InjectFault
	RouteUserGet                 Route = "users.get"                 // GET users/{u}
	RouteFolderList              Route = "mailFolders.list"          // GET users/{u}/mailFolders
	RouteFolderGet               Route = "mailFolders.get"           // GET users/{u}/mailFolders/{f}
	RouteMessageList             Route = "messages.list"             // GET .../messages
	RouteMessageDelta            Route = "messages.delta"            // GET .../mailFolders/{f}/messages/delta
	RouteMessageGet              Route = "messages.get"              // GET .../messages/{id}
	RouteMessageUpdate           Route = "messages.update"           // PATCH .../messages/{id}
	RouteMessageDelete           Route = "messages.delete"           // DELETE .../messages/{id}
	RouteMessageValue            Route = "messages.value"            // GET .../messages/{id}/$value
	RouteMessageMove             Route = "messages.move"             // POST .../messages/{id}/move
	RouteReply                   Route = "messages.reply"            // POST .../messages/{id}/reply
	RouteReplyAll                Route = "messages.replyAll"         // POST .../messages/{id}/replyAll
	RouteCreateReply             Route = "messages.createReply"      // POST .../messages/{id}/createReply
	RouteCreateReplyAll          Route = "messages.createReplyAll"   // POST .../messages/{id}/createReplyAll
	RouteSend                    Route = "messages.send"             // POST .../messages/{id}/send
	RouteSendMail                Route = "sendMail"                  // POST users/{u}/sendMail
	RouteAttachmentList          Route = "attachments.list"          // GET .../messages/{id}/attachments
	RouteAttachmentGet           Route = "attachments.get"           // GET .../attachments/{aid}
	RouteAttachmentValue         Route = "attachments.value"         // GET .../attachments/{aid}/$value
	RouteSubscriptionList        Route = "subscriptions.list"        // GET subscriptions
	RouteSubscriptionCreate      Route = "subscriptions.create"      // POST subscriptions
	RouteSubscriptionGet         Route = "subscriptions.get"         // GET subscriptions/{id}
	RouteSubscriptionUpdate      Route = "subscriptions.update"      // PATCH subscriptions/{id}
	RouteSubscriptionDelete      Route = "subscriptions.delete"      // DELETE subscriptions/{id}
	RouteSubscriptionReauthorize Route = "subscriptions.reauthorize" // POST subscriptions/{id}/reauthorize
)

// need is the application permission an operation requires.
// https://learn.microsoft.com/en-us/graph/permissions-reference
type need int

const (
	needRead  need = iota // Mail.Read or Mail.ReadWrite
	needWrite             // Mail.ReadWrite
	needSend              // Mail.Send
	needUser              // User.Read.All (or broader)
)

// match is a resolved route with its path parameters.
type match struct {
	route   Route
	need    need
	method  string
	user    string
	folder  string
	msg     string
	att     string
	subID   string
	handler func(*Emulator, *call)
}

// splitPath turns "users('a')/mailFolders('inbox')/messages/delta()" into plain segments,
// unescaping each. Graph accepts key-in-parentheses and key-as-segment forms alike.
func splitPath(escaped string) ([]string, bool) {
	var out []string
	for _, raw := range strings.Split(strings.Trim(escaped, "/"), "/") {
		seg, err := url.PathUnescape(raw)
		if err != nil || seg == "" {
			return nil, false
		}
		seg = strings.TrimPrefix(seg, "microsoft.graph.")
		if i := strings.IndexByte(seg, '('); i > 0 && strings.HasSuffix(seg, ")") {
			key := strings.Trim(seg[i+1:len(seg)-1], "'")
			out = append(out, seg[:i])
			if key != "" {
				out = append(out, key)
			}
			continue
		}
		out = append(out, seg)
	}
	return out, true
}

// resolve maps a method and path to a route. ok is false with a Graph-style reason otherwise.
func resolve(method string, segs []string) (m match, status int, reason string) {
	eq := strings.EqualFold
	bad := func() (match, int, string) {
		return match{}, http.StatusBadRequest, "Resource not found for the segment '" + segs[len(segs)-1] + "'."
	}
	switch {
	case len(segs) >= 1 && eq(segs[0], "subscriptions"):
		return resolveSubscriptions(method, segs)
	case len(segs) < 2 || !eq(segs[0], "users"):
		return bad()
	}
	m.user = segs[1]
	rest := segs[2:]
	switch {
	case len(rest) == 0:
		m.route, m.need, m.method, m.handler = RouteUserGet, needUser, http.MethodGet, (*Emulator).getUser
	case eq(rest[0], "sendMail") && len(rest) == 1:
		m.route, m.need, m.method, m.handler = RouteSendMail, needSend, http.MethodPost, (*Emulator).sendMail
	case eq(rest[0], "messages"):
		return resolveMessages(method, m, rest[1:])
	case eq(rest[0], "mailFolders") && len(rest) == 1:
		m.route, m.need, m.method, m.handler = RouteFolderList, needRead, http.MethodGet, (*Emulator).listFolders
	case eq(rest[0], "mailFolders") && len(rest) == 2:
		m.folder = rest[1]
		m.route, m.need, m.method, m.handler = RouteFolderGet, needRead, http.MethodGet, (*Emulator).getFolder
	case eq(rest[0], "mailFolders") && len(rest) >= 3 && eq(rest[2], "messages"):
		m.folder = rest[1]
		if len(rest) == 4 && eq(rest[3], "delta") {
			m.route, m.need, m.method, m.handler = RouteMessageDelta, needRead, http.MethodGet, (*Emulator).delta
			return checkMethod(method, m)
		}
		return resolveMessages(method, m, rest[3:])
	default:
		return bad()
	}
	return checkMethod(method, m)
}

func resolveMessages(method string, m match, sub []string) (match, int, string) {
	eq := strings.EqualFold
	if len(sub) == 0 {
		m.route, m.need, m.method, m.handler = RouteMessageList, needRead, http.MethodGet, (*Emulator).listMessages
		return checkMethod(method, m)
	}
	m.msg = sub[0]
	switch {
	case len(sub) == 1 && method == http.MethodPatch:
		m.route, m.need, m.method, m.handler = RouteMessageUpdate, needWrite, method, (*Emulator).updateMessage
	case len(sub) == 1 && method == http.MethodDelete:
		m.route, m.need, m.method, m.handler = RouteMessageDelete, needWrite, method, (*Emulator).deleteMessage
	case len(sub) == 1:
		m.route, m.need, m.method, m.handler = RouteMessageGet, needRead, http.MethodGet, (*Emulator).getMessage
	case len(sub) == 2 && sub[1] == "$value":
		m.route, m.need, m.method, m.handler = RouteMessageValue, needRead, http.MethodGet, (*Emulator).messageValue
	case len(sub) == 2 && eq(sub[1], "attachments"):
		m.route, m.need, m.method, m.handler = RouteAttachmentList, needRead, http.MethodGet, (*Emulator).listAttachments
	case len(sub) == 3 && eq(sub[1], "attachments"):
		m.att = sub[2]
		m.route, m.need, m.method, m.handler = RouteAttachmentGet, needRead, http.MethodGet, (*Emulator).getAttachment
	case len(sub) == 4 && eq(sub[1], "attachments") && sub[3] == "$value":
		m.att = sub[2]
		m.route, m.need, m.method, m.handler = RouteAttachmentValue, needRead, http.MethodGet, (*Emulator).attachmentValue
	case len(sub) == 2:
		return resolveAction(method, m, sub[1])
	default:
		return match{}, http.StatusBadRequest, "Resource not found for the segment '" + sub[len(sub)-1] + "'."
	}
	return checkMethod(method, m)
}

// resolveAction maps the message actions (reply, send, move, ...).
func resolveAction(method string, m match, action string) (match, int, string) {
	actions := map[string]struct {
		route   Route
		need    need
		handler func(*Emulator, *call)
	}{
		"reply":          {RouteReply, needSend, (*Emulator).reply},
		"replyall":       {RouteReplyAll, needSend, (*Emulator).replyAll},
		"createreply":    {RouteCreateReply, needWrite, (*Emulator).createReply},
		"createreplyall": {RouteCreateReplyAll, needWrite, (*Emulator).createReplyAll},
		"send":           {RouteSend, needSend, (*Emulator).send},
		"move":           {RouteMessageMove, needWrite, (*Emulator).moveMessage},
	}
	a, ok := actions[strings.ToLower(action)]
	if !ok {
		return match{}, http.StatusBadRequest, "Resource not found for the segment '" + action + "'."
	}
	m.route, m.need, m.method, m.handler = a.route, a.need, http.MethodPost, a.handler
	return checkMethod(method, m)
}

func resolveSubscriptions(method string, segs []string) (match, int, string) {
	var m match
	m.need = needRead
	switch {
	case len(segs) == 1 && method == http.MethodPost:
		m.route, m.method, m.handler = RouteSubscriptionCreate, http.MethodPost, (*Emulator).createSubscription
	case len(segs) == 1:
		m.route, m.method, m.handler = RouteSubscriptionList, http.MethodGet, (*Emulator).listSubscriptions
	case len(segs) == 2:
		m.subID = segs[1]
		m.method = method
		switch method {
		case http.MethodPatch:
			m.route, m.handler = RouteSubscriptionUpdate, (*Emulator).updateSubscription
		case http.MethodDelete:
			m.route, m.handler = RouteSubscriptionDelete, (*Emulator).deleteSubscription
		default:
			m.route, m.method, m.handler = RouteSubscriptionGet, http.MethodGet, (*Emulator).getSubscription
		}
	case len(segs) == 3 && strings.EqualFold(segs[2], "reauthorize"):
		m.subID = segs[1]
		m.route, m.method, m.handler = RouteSubscriptionReauthorize, http.MethodPost, (*Emulator).reauthorizeSubscription
	default:
		return match{}, http.StatusBadRequest, "Resource not found for the segment '" + segs[len(segs)-1] + "'."
	}
	return checkMethod(method, m)
}

func checkMethod(method string, m match) (match, int, string) {
	if method != m.method && !(method == http.MethodHead && m.method == http.MethodGet) {
		return match{}, http.StatusMethodNotAllowed, "The HTTP method '" + method + "' is not allowed on this resource."
	}
	return m, 0, ""
}
