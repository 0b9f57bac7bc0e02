package websocket_test

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/ringwatch/ringwatch"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/presence"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/transport"
	"github.com/ringwatch/ringwatch/transport/websocket"
)

// recorder is a transport.Sink that keeps everything.
type recorder struct {
	mu     sync.Mutex
	envs   []envelope
	states []transport.State
	failed error
}

type envelope struct {
	UUID           string          `json:"uuid"`
	Event          string          `json:"event"`
	SubscriptionID string          `json:"subscriptionId"`
	Body           json.RawMessage `json:"body"`
}

func (r *recorder) Deliver(_ context.Context, m transport.Message) error {
	var e envelope
	if err := json.Unmarshal(m.Data, &e); err != nil {
		return err
	}
	r.mu.Lock()
	r.envs = append(r.envs, e)
	r.mu.Unlock()
	return nil
}

func (r *recorder) State(s transport.State) {
	r.mu.Lock()
	r.states = append(r.states, s)
	r.mu.Unlock()
}

func (r *recorder) Fail(err error) {
	r.mu.Lock()
	r.failed = err
	r.mu.Unlock()
}

func (r *recorder) count(k transport.StateKind) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, s := range r.states {
		if s.Kind == k {
			n++
		}
	}
	return n
}

func (r *recorder) delivered() []envelope {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.envs)
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// e2e is a platform, an authorised client and an open transport.
type e2e struct {
	p    *notifytest.Platform
	tr   *websocket.Transport
	sink *recorder
	ext  string
	seq  int64
}

func startE2E(t *testing.T, popts []notifytest.Option, opts ...websocket.Option) *e2e {
	t.Helper()
	p := notifytest.NewPlatform(popts...)
	if err := p.Err(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	base := &http.Transport{}
	t.Cleanup(base.CloseIdleConnections)
	rc := ringwatch.NewClient(p.Config(), ringwatch.WithHTTPClient(&http.Client{Transport: base}))
	opts = append([]websocket.Option{websocket.WithReconnectBackoff(time.Millisecond, 5*time.Millisecond)}, opts...)
	e := &e2e{p: p, tr: websocket.New(rc, opts...), sink: &recorder{}, ext: p.Owner().ID}
	filters := []subscription.Filter{
		subscription.ExtensionPresence("~", subscription.Detailed()),
		subscription.AccountTelephonySessions(),
	}
	if err := e.tr.Open(context.Background(), filters, e.sink); err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = e.tr.Close(context.Background()) })
	return e
}

// publish sends n presence notifications and checks each reached one
// subscription.
func (e *e2e) publish(t *testing.T, n int) {
	t.Helper()
	for range n {
		e.seq++
		ev := presence.Event{ExtensionID: e.ext, TelephonyStatus: presence.Ringing, Sequence: e.seq}
		got, err := e.p.Publish(context.Background(), "/restapi/v1.0/account/~/extension/~/presence?detailedTelephonyState=true", ev)
		if err != nil || got != 1 {
			t.Fatalf("Publish = %d, %v; want 1 subscription", got, err)
		}
	}
}

// checkDelivered wants exactly n distinct notifications, in order of
// presence sequence.
func (e *e2e) checkDelivered(t *testing.T, n int) {
	t.Helper()
	eventually(t, "notifications", func() bool { return len(e.sink.delivered()) >= n })
	time.Sleep(20 * time.Millisecond) // a duplicate would arrive now
	envs := e.sink.delivered()
	var seqs, want []int64
	seen := map[string]bool{}
	for _, env := range envs {
		if seen[env.UUID] {
			t.Errorf("duplicate notification %s", env.UUID)
		}
		seen[env.UUID] = true
		var b struct{ Sequence int64 }
		_ = json.Unmarshal(env.Body, &b)
		seqs = append(seqs, b.Sequence)
	}
	for i := int64(1); i <= int64(n); i++ {
		want = append(want, i)
	}
	if diff := cmp.Diff(want, seqs); diff != "" {
		t.Errorf("presence sequences delivered (-want +got):\n%s", diff)
	}
}

func TestPlatformEndToEnd(t *testing.T) {
	leakcheck.Check(t)
	e := startE2E(t, nil)
	sub := e.tr.SubscriptionID()
	subs := e.p.Subscriptions()
	if len(subs) != 1 || subs[0].ID != sub || subs[0].DeliveryMode.TransportType != "WebSocket" {
		t.Fatalf("platform subscriptions = %+v, want the WebSocket one %s", subs, sub)
	}
	if got := subs[0].EventFilters[0]; got != subscription.Filter("/restapi/v1.0/account/"+e.p.AccountID()+"/extension/"+e.ext+"/presence?detailedTelephonyState=true") {
		t.Errorf("filter not expanded by the platform: %s", got)
	}
	e.publish(t, 5)
	e.checkDelivered(t, 5)

	// Dropped connection: recovered, nothing lost or repeated.
	e.p.DropWebSockets()
	e.publish(t, 10)
	eventually(t, "Recovered", func() bool { return e.sink.count(transport.Recovered) == 1 })
	e.publish(t, 5)
	e.checkDelivered(t, 20)

	// WSG-903: reconnect and recover.
	if n := e.p.SendWebSocketError("WSG-903"); n != 1 {
		t.Fatalf("SendWebSocketError = %d", n)
	}
	eventually(t, "second Recovered", func() bool { return e.sink.count(transport.Recovered) == 2 })
	e.publish(t, 5)
	e.checkDelivered(t, 25)

	// Failed recovery: a new subscription, a gap, and events again.
	e.p.FailNextWebSocketRecovery()
	e.p.DropWebSockets()
	eventually(t, "Gap", func() bool { return e.sink.count(transport.Gap) == 1 })
	sub2 := e.tr.SubscriptionID()
	subs = e.p.Subscriptions()
	if len(subs) != 1 || subs[0].ID != sub2 || sub2 == sub {
		t.Errorf("platform subscriptions after failed recovery = %v, want only the new %s", subs, sub2)
	}
	e.publish(t, 5)
	e.checkDelivered(t, 30)

	want := []transport.StateKind{transport.Connected,
		transport.Reconnecting, transport.Recovered,
		transport.Reconnecting, transport.Recovered,
		transport.Reconnecting, transport.Resubscribed, transport.Gap}
	var got []transport.StateKind
	e.sink.mu.Lock()
	for _, s := range e.sink.states {
		got = append(got, s.Kind)
	}
	e.sink.mu.Unlock()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("states (-want +got):\n%s", diff)
	}
	st := e.p.WebSocketStats()
	if st.Connections != 4 || st.Recovered != 2 || st.RecoveryFailed != 1 {
		t.Errorf("gateway stats = %+v", st)
	}

	if err := e.tr.Close(context.Background()); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if subs := e.p.Subscriptions(); len(subs) != 0 {
		t.Errorf("subscriptions left after Close: %v", subs)
	}
}

// The platform invalidates every access token while the connection is
// down: the token request of the reconnection meets 401 OAU-128, the
// client refreshes the token and asks again, and the session recovers
// with nothing lost. Tokens live an hour, so without that refresh the
// transport would keep failing until the test times out.
func TestPlatformTokenExpiryMidStream(t *testing.T) {
	leakcheck.Check(t)
	e := startE2E(t, nil, websocket.WithReconnectBackoff(100*time.Millisecond, 200*time.Millisecond))
	e.publish(t, 3)
	e.checkDelivered(t, 3)
	e.p.ResetRequests()
	e.p.ExpireTokens()
	e.p.DropWebSockets()
	e.publish(t, 3) // kept for recovery
	eventually(t, "Recovered", func() bool { return e.sink.count(transport.Recovered) == 1 })
	e.publish(t, 3)
	e.checkDelivered(t, 9)

	// What the client sent after the expiry: the token request with the
	// old token (401), a refresh, the token request with the new one.
	var sent []string
	bearers := map[string]int{}
	for _, r := range e.p.Requests() {
		switch r.Path {
		case "/restapi/oauth/token":
			form, _ := url.ParseQuery(string(r.Body))
			sent = append(sent, "grant "+form.Get("grant_type"))
		case "/restapi/oauth/wstoken":
			b := r.Header.Get("Authorization")
			if _, ok := bearers[b]; !ok {
				bearers[b] = len(bearers) + 1
			}
			sent = append(sent, fmt.Sprintf("wstoken with token %d", bearers[b]))
		}
	}
	want := []string{"wstoken with token 1", "grant refresh_token", "wstoken with token 2"}
	if diff := cmp.Diff(want, sent); diff != "" {
		t.Errorf("requests after the expiry (-want +got):\n%s", diff)
	}
	e.sink.mu.Lock()
	failed := e.sink.failed
	e.sink.mu.Unlock()
	if failed != nil {
		t.Errorf("Fail(%v)", failed)
	}
	if n := e.sink.count(transport.Gap); n != 0 {
		t.Errorf("%d gaps, want none", n)
	}
}

func TestPlatformRateLimitedToken(t *testing.T) {
	leakcheck.Check(t)
	p := notifytest.NewPlatform()
	t.Cleanup(p.Close)
	base := &http.Transport{}
	t.Cleanup(base.CloseIdleConnections)
	p.FailNext("POST", "/restapi/oauth/wstoken", http.StatusTooManyRequests, "", 2)
	s := &sleeps{}
	tr := websocket.NewWithHTTPClient(p.URL(), bareClient(t, p.Config()), websocket.WithReconnectBackoff(time.Millisecond, 2*time.Millisecond), websocket.WithSleep(s.sleep))
	sink := &recorder{}
	if err := tr.Open(context.Background(), []subscription.Filter{subscription.AccountTelephonySessions()}, sink); err != nil {
		t.Fatalf("Open after two 429s: %v", err)
	}
	defer tr.Close(context.Background())
	if n := sink.count(transport.Connected); n != 1 {
		t.Errorf("%d Connected, want 1", n)
	}
	if diff := cmp.Diff([]time.Duration{websocket.DefaultRetryAfter, websocket.DefaultRetryAfter}, s.waits()); diff != "" {
		t.Errorf("waits after 429 without Retry-After (-want +got):\n%s", diff)
	}
}
