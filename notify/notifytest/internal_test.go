package notifytest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
	"github.com/ringwatch/ringwatch/subscription"
)

// fakeDeliverer records what it is handed, as a transport's deliverer
// would queue it.
type fakeDeliverer struct {
	mu       sync.Mutex
	got      []envelope
	prepared int
	gone     []string
}

func (d *fakeDeliverer) deliver(_ context.Context, sub *subRecord, env []byte) error {
	var e envelope
	if err := json.Unmarshal(env, &e); err != nil {
		return err
	}
	d.mu.Lock()
	d.got = append(d.got, e)
	d.mu.Unlock()
	return nil
}

func (d *fakeDeliverer) prepare(_ context.Context, sub *subRecord) *apiError {
	d.mu.Lock()
	d.prepared++
	d.mu.Unlock()
	sub.state = "prepared"
	return nil
}

func (d *fakeDeliverer) removed(sub *subRecord) {
	d.mu.Lock()
	d.gone = append(d.gone, sub.id)
	d.mu.Unlock()
}

// TestExtensionPoints exercises what the WebSocket Gateway, PubNub and
// scripted-call components build on.
func TestExtensionPoints(t *testing.T) {
	leakcheck.Check(t)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	p, err := NewPlatformErr(WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()

	d := &fakeDeliverer{}
	p.registerDeliverer(transportWebSocket, d)
	p.handle("GET /raw-route", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "upgrade here") }))
	closed := make(chan struct{})
	if !p.onClose(func() { close(closed) }) {
		t.Fatal("onClose refused before Close")
	}
	ran := make(chan struct{})
	if !p.goOwned(func() { close(ran); <-p.ctx.Done() }) {
		t.Fatal("goOwned refused before Close")
	}
	<-ran

	resp, err := p.HTTPClient().Get(p.URL() + "/raw-route")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "upgrade here" {
		t.Errorf("custom route answered %q", b)
	}

	// A WebSocket subscription, as the gateway creates it over a socket.
	c, aerr := p.auth.check(mustToken(t, p, "230000101"), now)
	if aerr != nil {
		t.Fatal(aerr)
	}
	sub, aerr := p.createSubscription(context.Background(), c, subscription.CreateRequest{
		EventFilters: []subscription.Filter{subscription.ExtensionPresence("", subscription.WithSIP())},
		ExpiresIn:    time.Minute, // ignored for WebSocket
	}, true)
	if aerr != nil {
		t.Fatal(aerr)
	}
	in := p.subscriptionInfo(sub)
	want := subscription.Info{
		ID: sub.id, URI: p.URL() + "/restapi/v1.0/subscription/" + sub.id,
		EventFilters:   []subscription.Filter{"/restapi/v1.0/account/230000001/extension/230000101/presence?detailedTelephonyState=true&sipData=true"},
		ExpirationTime: now.Add(24 * time.Hour), ExpiresIn: 86399 * time.Second, Status: subscription.Active,
		CreationTime: now, DeliveryMode: subscription.DeliveryMode{TransportType: "WebSocket"},
	}
	if d := cmp.Diff(want, in); d != "" {
		t.Errorf("WebSocket subscription (-want +got):\n%s", d)
	}
	if d.prepared != 1 || sub.state != "prepared" {
		t.Errorf("prepare ran %d times, state %v", d.prepared, sub.state)
	}
	if _, aerr := p.updateSubscription(c, sub.id, nil, false); aerr == nil || aerr.code != "SUB-511" || aerr.status != 405 {
		t.Errorf("HTTP update of a WebSocket subscription: %v", aerr)
	}
	if _, aerr := p.renewSubscription(c, sub.id, false); aerr == nil || aerr.code != "SUB-511" {
		t.Errorf("HTTP renew of a WebSocket subscription: %v", aerr)
	}
	if _, aerr := p.updateSubscription(c, sub.id, nil, true); aerr != nil {
		t.Errorf("socket update of a WebSocket subscription: %v", aerr)
	}

	n, err := p.Publish(context.Background(), "/restapi/v1.0/account/230000001/extension/230000101/presence", json.RawMessage(`{"telephonyStatus":"Ringing"}`))
	if err != nil || n != 1 {
		t.Fatalf("Publish = %d, %v", n, err)
	}
	got := d.got[0]
	if got.UUID == "" {
		t.Errorf("envelope without uuid")
	}
	got.UUID = ""
	wantEnv := envelope{
		Event:          string(want.EventFilters[0]),
		Timestamp:      "2026-03-01T12:00:00.000Z",
		SubscriptionID: sub.id, OwnerID: "230000101",
		Body: json.RawMessage(`{"telephonyStatus":"Ringing"}`),
	}
	if d := cmp.Diff(wantEnv, got); d != "" {
		t.Errorf("envelope (-want +got):\n%s", d)
	}

	if aerr := p.deleteSubscription(c, sub.id); aerr != nil {
		t.Fatal(aerr)
	}
	if d := cmp.Diff([]string{sub.id}, d.gone); d != "" {
		t.Errorf("removed (-want +got):\n%s", d)
	}

	p.Close()
	<-closed
	if p.goOwned(func() {}) || p.onClose(func() {}) {
		t.Errorf("goOwned or onClose accepted work after Close")
	}
}

func mustToken(t *testing.T, p *Platform, ext string) string {
	t.Helper()
	tok, ok := p.AccessToken(ext)
	if !ok {
		t.Fatal("no token")
	}
	return tok
}

func TestExpandTilde(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/restapi/v1.0/account/~/extension/~/presence?x=~", "/restapi/v1.0/account/1/extension/2/presence?x=~"},
		{"/restapi/v1.0/account/~/telephony/sessions", "/restapi/v1.0/account/1/telephony/sessions"},
		{"/restapi/v1.0/subscription/~?threshold=60&interval=15", "/restapi/v1.0/subscription/~?threshold=60&interval=15"},
		{"/account/~/extension/7/message-store", "/account/1/extension/7/message-store"},
	}
	for _, tt := range tests {
		if got := expandTilde(tt.in, "1", "2"); got != tt.want {
			t.Errorf("expandTilde(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
