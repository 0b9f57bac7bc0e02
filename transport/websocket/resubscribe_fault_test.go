package websocket_test

import (
	"context"
	"errors"
	"github.com/ringwatch/ringwatch"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/transport"
	"github.com/ringwatch/ringwatch/transport/websocket"
)

// Issue 10.6: the re-subscription after a failed recovery goes over the
// socket, where the platform answers 429 or 503 (notifytest's
// FailNextWebSocketSubscribe). The transport backs off by the rules of
// Open (30 s for a 429 without Retry-After, Retry-After otherwise, capped),
// does not take the new, empty session for its own (recovering it would
// bring nothing: the subscription would be gone without a Gap), and once
// subscribed again reports Resubscribed and a Gap that covers the
// outage, then delivers again.
func TestResubscribeFaults(t *testing.T) {
	for _, tc := range []struct {
		name       string
		status     int
		retryAfter string
		want       time.Duration
	}{
		{"429", http.StatusTooManyRequests, "", websocket.DefaultRetryAfter},
		{"503 Retry-After 5", http.StatusServiceUnavailable, "5", 5 * time.Second},
		{"429 Retry-After 600", http.StatusTooManyRequests, "600", websocket.DefaultMaxRetryAfter},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leakcheck.Check(t)
			p := newPlatform(t)
			s := &sleeps{}
			tr := websocket.New(platformClient(t, p.Config()), websocket.WithSleep(s.sleep),
				websocket.WithBackoffFunc(func(int) time.Duration { return 0 }))
			defer tr.Close(context.Background())
			e := &e2e{p: p, tr: tr, sink: &recorder{}, ext: p.Owner().ID}
			if err := tr.Open(context.Background(), []subscription.Filter{subscription.ExtensionPresence("~", subscription.Detailed())}, e.sink); err != nil {
				t.Fatalf("Open: %v", err)
			}
			first := tr.SubscriptionID()
			e.publish(t, 2)
			e.checkDelivered(t, 2)

			before := time.Now()
			p.FailNextWebSocketRecovery()
			p.FailNextWebSocketSubscribe(tc.status, tc.retryAfter, 2)
			p.DropWebSockets()
			eventually(t, "Gap", func() bool { return e.sink.count(transport.Gap) == 1 })
			if st := p.WebSocketStats(); st.FaultsServed != 2 {
				t.Errorf("gateway served %d faults, want 2", st.FaultsServed)
			}
			second := tr.SubscriptionID()
			if second == first || second == "" {
				t.Fatalf("subscription %q after resubscription (was %q)", second, first)
			}
			e.publish(t, 3)
			e.checkDelivered(t, 5)

			e.sink.mu.Lock()
			states := append([]transport.State(nil), e.sink.states...)
			e.sink.mu.Unlock()
			var kinds []transport.StateKind
			for _, st := range states {
				kinds = append(kinds, st.Kind)
			}
			want := []transport.StateKind{transport.Connected, transport.Reconnecting, transport.Reconnecting,
				transport.Reconnecting, transport.Resubscribed, transport.Gap}
			if diff := cmp.Diff(want, kinds); diff != "" {
				t.Fatalf("states (-want +got):\n%s", diff)
			}
			for _, st := range states[2:4] {
				var ae *ringwatch.APIError
				if !errors.As(st.Err, &ae) || ae.StatusCode != tc.status {
					t.Errorf("Reconnecting attempt %d cause %v, want the %d", st.Attempt, st.Err, tc.status)
				}
			}
			gap := states[5]
			if gap.SubscriptionID != second || gap.Since.After(before) || gap.Until.Before(before) {
				t.Errorf("Gap %+v does not cover the outage at %v for %s", gap, before, second)
			}
			if diff := cmp.Diff([]time.Duration{0, tc.want, tc.want}, s.waits()); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
			if subs := p.Subscriptions(); len(subs) != 1 || subs[0].ID != second {
				t.Errorf("platform subscriptions %v, want only %s", subs, second)
			}
		})
	}
}
