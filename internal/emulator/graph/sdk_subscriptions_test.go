package graphemu_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	jsonserialization "github.com/microsoft/kiota-serialization-json-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/subscriptions"

	graphemu "github.com/mail2jira/mail2jira/internal/emulator/graph"
)

// subscriber answers validation handshakes (correctly or not) and parses notifications with
// the SDK's own models, as the service's trigger would.
type subscriber struct {
	srv  *httptest.Server
	mu   sync.Mutex
	good bool
	got  chan models.ChangeNotificationable
}

func newSubscriber(t *testing.T) *subscriber {
	t.Helper()
	s := &subscriber{good: true, got: make(chan models.ChangeNotificationable, 50)}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tok := r.URL.Query().Get("validationToken"); tok != "" {
			s.mu.Lock()
			good := s.good
			s.mu.Unlock()
			w.Header().Set("Content-Type", "text/plain")
			if good {
				_, _ = io.WriteString(w, tok)
			} else {
				_, _ = io.WriteString(w, "<script>"+tok)
			}
			return
		}
		body, _ := io.ReadAll(r.Body)
		node, err := jsonserialization.NewJsonParseNode(body)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		v, err := node.GetObjectValue(models.CreateChangeNotificationCollectionResponseFromDiscriminatorValue)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		for _, n := range v.(models.ChangeNotificationCollectionResponseable).GetValue() {
			s.got <- n
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *subscriber) next(t *testing.T) models.ChangeNotificationable {
	t.Helper()
	select {
	case n := <-s.got:
		return n
	case <-time.After(20 * time.Second):
		t.Fatal("no notification arrived")
		return nil
	}
}

func newSubscription(s *subscriber, resource, state string, expires time.Time) models.Subscriptionable {
	sub := models.NewSubscription()
	ct, nu, lu := "created", s.srv.URL+"/api/notify", s.srv.URL+"/api/lifecycle"
	sub.SetChangeType(&ct)
	sub.SetNotificationUrl(&nu)
	sub.SetLifecycleNotificationUrl(&lu)
	sub.SetResource(&resource)
	sub.SetExpirationDateTime(&expires)
	sub.SetClientState(&state)
	return sub
}

func TestSDKSubscriptions(t *testing.T) {
	env := newSDKEnv(t, graphemu.Options{})
	ctx := ctxT(t)
	rcv := newSubscriber(t)
	resource := "users/" + supportBox + "/mailFolders('inbox')/messages"
	expires := time.Now().Add(3 * 24 * time.Hour).UTC().Truncate(time.Second)
	created, err := env.client.Subscriptions().Post(ctx, newSubscription(rcv, resource, "state-1", expires),
		&subscriptions.SubscriptionsRequestBuilderPostRequestConfiguration{Headers: immutable()})
	if err != nil {
		t.Fatal(err)
	}
	id := str(created.GetId())
	if str(created.GetResource()) != resource || str(created.GetClientState()) != "state-1" ||
		str(created.GetLifecycleNotificationUrl()) != rcv.srv.URL+"/api/lifecycle" || !created.GetExpirationDateTime().Equal(expires) {
		t.Errorf("created subscription fields: %s %s %s %v", str(created.GetResource()), str(created.GetClientState()), str(created.GetLifecycleNotificationUrl()), created.GetExpirationDateTime())
	}
	_, err = env.client.Subscriptions().Post(ctx, newSubscription(rcv, resource, "state-2", expires), nil)
	if status, _, _ := odataErr(t, err); status != 409 {
		t.Errorf("duplicate: status %d, want 409", status)
	}
	d, err := env.emu.Deliver(supportBox, newMail(aliceBox, supportBox, "hello"), graphemu.Delivery{})
	if err != nil {
		t.Fatal(err)
	}
	n := rcv.next(t)
	resID, _ := n.GetResourceData().GetAdditionalData()["id"].(*string)
	if n.GetSubscriptionId().String() != id || str(n.GetClientState()) != "state-1" || n.GetChangeType().String() != "created" ||
		str(resID) != d.ImmutableID || n.GetTenantId() == nil || str(n.GetResource()) == "" || n.GetSubscriptionExpirationDateTime() == nil {
		t.Errorf("notification: sub=%v state=%s change=%v id=%s tenant=%v resource=%s", n.GetSubscriptionId(), str(n.GetClientState()), n.GetChangeType(), str(resID), n.GetTenantId(), str(n.GetResource()))
	}
	renew := models.NewSubscription()
	later := expires.Add(2 * 24 * time.Hour)
	renew.SetExpirationDateTime(&later)
	renewed, err := env.client.Subscriptions().BySubscriptionId(id).Patch(ctx, renew, nil)
	if err != nil || !renewed.GetExpirationDateTime().Equal(later) {
		t.Fatalf("renew: %v, %v", renewed, err)
	}
	tooLate := time.Now().Add(10081 * time.Minute)
	renew.SetExpirationDateTime(&tooLate)
	_, err = env.client.Subscriptions().BySubscriptionId(id).Patch(ctx, renew, nil)
	if status, _, _ := odataErr(t, err); status != 400 {
		t.Errorf("renew beyond 10080 minutes: %d", status)
	}
	if err := env.emu.FireLifecycle(id, graphemu.ReauthorizationRequired); err != nil {
		t.Fatal(err)
	}
	if n := rcv.next(t); n.GetLifecycleEvent() == nil || n.GetLifecycleEvent().String() != "reauthorizationRequired" || str(n.GetClientState()) != "state-1" {
		t.Errorf("lifecycle event = %v", n.GetLifecycleEvent())
	}
	list, err := env.client.Subscriptions().Get(ctx, nil)
	if err != nil || len(list.GetValue()) != 1 {
		t.Fatalf("list: %v, %v", list, err)
	}
	if err := env.client.Subscriptions().BySubscriptionId(id).Delete(ctx, nil); err != nil {
		t.Fatal(err)
	}
	_, err = env.client.Subscriptions().BySubscriptionId(id).Patch(ctx, renew, nil)
	if status, _, _ := odataErr(t, err); status != 404 {
		t.Errorf("renew deleted subscription: %d, want 404", status)
	}
	rcv.mu.Lock()
	rcv.good = false
	rcv.mu.Unlock()
	_, err = env.client.Subscriptions().Post(ctx, newSubscription(rcv, resource, "state-3", expires), nil)
	if status, code, _ := odataErr(t, err); status != 400 || code != "InvalidRequest" {
		t.Errorf("failed handshake: %d %s", status, code)
	}
}
