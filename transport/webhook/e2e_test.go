package webhook_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/internal/rest"
	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/presence"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/telephony"
	"github.com/ringwatch/ringwatch/transport/webhook"
)

// e2e is a webhook subscription over a notifytest platform: the Transport's
// Handler behind a switch that can make the webhook fail.
type e2e struct {
	p      *notifytest.Platform
	tr     *webhook.Transport
	sub    *notify.Subscription
	broken atomic.Bool
	url    string // the webhook's address
}

func startE2E(t *testing.T, opts ...webhook.Option) *e2e {
	t.Helper()
	return startE2EWith(t, nil, nil, opts...)
}

// startE2EWith is startE2E with a hook run on the platform before the
// subscription is made, and a retry sleep for the Subscription API client
// (nil sleeps for real).
func startE2EWith(t *testing.T, before func(*notifytest.Platform), sleep func(context.Context, time.Duration) error, opts ...webhook.Option) *e2e {
	t.Helper()
	return startE2EFull(t, before, sleep, nil, opts...)
}

// startE2EFull is startE2EWith with options for notify.Subscribe.
func startE2EFull(t *testing.T, before func(*notifytest.Platform), sleep func(context.Context, time.Duration) error, nopts []notify.Option, opts ...webhook.Option) *e2e {
	t.Helper()
	leakcheck.Check(t)
	ctx := context.Background()
	e := &e2e{p: notifytest.NewPlatform(notifytest.WithHandshakeTimeout(time.Second))}
	if err := e.p.Err(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.p.Close)
	if before != nil {
		before(e.p)
	}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	e.url = srv.URL + "/hook"
	rc := ringwatch.NewClient(e.p.Config(), ringwatch.WithHTTPClient(e.p.HTTPClient()))
	if sleep != nil {
		// The Subscription API client's retry waits are recorded.
		opts = append(opts, webhook.WithAPI(subscription.NewClient(rc, subscription.ClientOption(rest.WithClock(nil, sleep)))))
	}
	e.tr = webhook.New(rc, srv.URL+"/hook", opts...)
	mux.Handle("/hook", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if e.broken.Load() && r.Header.Get("Verification-Token") != "" {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		e.tr.Handler().ServeHTTP(w, r)
	}))
	filters := []subscription.Filter{
		subscription.ExtensionPresence("", subscription.Detailed()),
		subscription.ExtensionTelephonySessions(""),
	}
	sub, err := notify.Subscribe(ctx, e.tr, filters, nopts...)
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	e.sub = sub
	t.Cleanup(func() { _ = sub.Close() })
	return e
}

func (e *e2e) publishPresence(t *testing.T, seq int64) {
	t.Helper()
	ev := presence.Event{TelephonyStatus: presence.Ringing, Sequence: seq, ActiveCalls: []presence.ActiveCall{{ID: "c1", TelephonyStatus: presence.Ringing}}}
	if n, err := e.p.Publish(context.Background(), "/restapi/v1.0/account/~/extension/~/presence", ev); err != nil || n != 1 {
		t.Fatalf("Publish = %d, %v", n, err)
	}
}

// next returns the next event that is not *notify.Connected, failing
// after 5 s.
func (e *e2e) next(t *testing.T) notify.Event {
	t.Helper()
	for {
		select {
		case ev, ok := <-e.sub.Events():
			if !ok {
				t.Fatalf("events closed: %v", e.sub.Err())
			}
			if _, c := ev.(*notify.Connected); c {
				continue
			}
			return ev
		case <-time.After(5 * time.Second):
			t.Fatal("no event within 5s")
		}
	}
}

func (e *e2e) nextSeq(t *testing.T) int64 {
	t.Helper()
	ev := e.next(t)
	pe, ok := ev.(*notify.PresenceEvent)
	if !ok {
		t.Fatalf("got %T, want *notify.PresenceEvent", ev)
	}
	return pe.Body.Sequence
}

func TestE2ETypedEventsRenewalAndClose(t *testing.T) {
	e := startE2E(t)
	id := e.tr.SubscriptionID()
	if info, ok := e.p.Subscription(id); !ok || info.DeliveryMode.TransportType != "WebHook" {
		t.Fatalf("platform subscription %+v, %v", info, ok)
	}

	e.publishPresence(t, 1)
	sess := telephony.Session{TelephonySessionID: "s-1", Sequence: 3, Parties: []telephony.Party{{ID: "p-1", Direction: "Inbound", Status: telephony.Status{Code: telephony.Proceeding}}}}
	if n, err := e.p.Publish(context.Background(), "/restapi/v1.0/account/~/extension/~/telephony/sessions", sess); err != nil || n != 1 {
		t.Fatalf("Publish session = %d, %v", n, err)
	}
	if n, err := e.p.Publish(context.Background(), "/restapi/v1.0/subscription/~?threshold=86400&interval=21600", map[string]int{"expiresIn": 86000}); err != nil || n != 1 {
		t.Fatalf("Publish reminder = %d, %v", n, err)
	}

	type got struct {
		Type   string
		Status string
		SubID  string
	}
	var all []got
	for range 3 {
		switch ev := e.next(t).(type) {
		case *notify.PresenceEvent:
			all = append(all, got{"presence", string(ev.Body.TelephonyStatus), ev.SubscriptionID})
		case *notify.TelephonyEvent:
			all = append(all, got{"telephony", string(ev.Body.Parties[0].Status.Code), ev.SubscriptionID})
		case *notify.RenewalReminder:
			all = append(all, got{"reminder", "", ev.SubscriptionID})
		default:
			all = append(all, got{Type: "unexpected"})
		}
	}
	want := []got{{"presence", "Ringing", id}, {"telephony", "Proceeding", id}, {"reminder", "", id}}
	if d := cmp.Diff(want, all); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
	waitE2E(t, "the renewal", func() bool { return e.tr.Stats().Renewals == 1 })

	if err := e.sub.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if subs := e.p.Subscriptions(); len(subs) != 0 {
		t.Errorf("subscriptions left after Close: %d", len(subs))
	}
}

func TestE2EBlacklistingRecovery(t *testing.T) {
	e := startE2E(t, webhook.WithCheckInterval(20*time.Millisecond))
	e.p.SetWebhookFailureLimit(3)
	first := e.tr.SubscriptionID()

	e.publishPresence(t, 1)
	if s := e.nextSeq(t); s != 1 {
		t.Fatalf("first event seq %d", s)
	}
	// The webhook breaks: three failed deliveries blacklist it.
	e.broken.Store(true)
	for seq := int64(2); seq <= 4; seq++ {
		e.publishPresence(t, seq)
	}
	waitE2E(t, "blacklisting", func() bool { st, _ := e.p.WebhookStats(first); return st.Blacklisted })
	e.broken.Store(false)

	// The Transport notices, re-creates, and reports the gap.
	res, ok := e.next(t).(*notify.Resubscribed)
	if !ok {
		t.Fatalf("want *notify.Resubscribed")
	}
	gap, ok := e.next(t).(*notify.Gap)
	if !ok {
		t.Fatalf("want *notify.Gap")
	}
	second := e.tr.SubscriptionID()
	if second == first || res.SubscriptionID != second || res.PreviousID != first || res.Reason != "blacklisted" {
		t.Errorf("resubscribed %+v; first %s, now %s", res, first, second)
	}
	if gap.Reason != "blacklisted" || !gap.Since.Before(gap.Until) {
		t.Errorf("gap %+v", gap)
	}

	// Events flow again on the new subscription.
	for seq := int64(5); seq <= 7; seq++ {
		e.publishPresence(t, seq)
	}
	var after []int64
	for range 3 {
		after = append(after, e.nextSeq(t))
	}
	if d := cmp.Diff([]int64{5, 6, 7}, after); d != "" {
		t.Errorf("after recovery (-want +got):\n%s", d)
	}

	// The platform counts a delivery once the answer is back, just after
	// the event reached the stream.
	waitE2E(t, "the delivery counts", func() bool { st, _ := e.p.WebhookStats(e.tr.SubscriptionID()); return st.Delivered == 3 })
	oldStats, _ := e.p.WebhookStats(first)
	if d := cmp.Diff(notifytest.WebhookStats{Delivered: 1, Failed: 3, ConsecutiveFailures: 3, Blacklisted: true}, oldStats); d != "" {
		t.Errorf("old subscription's deliveries (-want +got):\n%s", d)
	}
	newStats, _ := e.p.WebhookStats(second)
	if d := cmp.Diff(notifytest.WebhookStats{Delivered: 3}, newStats); d != "" {
		t.Errorf("new subscription's deliveries (-want +got):\n%s", d)
	}
	if _, ok := e.p.Subscription(first); ok {
		t.Errorf("blacklisted subscription not deleted")
	}
	st := e.tr.Stats()
	if st.Resubscriptions != 1 || st.Handler.Accepted != 4 {
		t.Errorf("transport stats %+v", st)
	}
	if err := e.sub.Close(); err != nil {
		t.Fatal(err)
	}
	if subs := e.p.Subscriptions(); len(subs) != 0 {
		t.Errorf("subscriptions left after Close: %d", len(subs))
	}
}

// Duplicated and reordered deliveries: notify drops the repeats by uuid.
func TestE2EDuplicatesAreDropped(t *testing.T) {
	e := startE2E(t)
	e.p.DuplicateWebhooks(2)
	e.p.ReorderWebhooks(1)
	for seq := int64(1); seq <= 4; seq++ {
		e.publishPresence(t, seq)
	}
	var got []int64
	for range 4 {
		got = append(got, e.nextSeq(t))
	}
	if d := cmp.Diff([]int64{1, 2, 4, 3}, got); d != "" {
		t.Errorf("sequences (-want +got):\n%s", d)
	}
	// 4 notifications and 2 repeats reached the handler; notify dropped
	// the repeats.
	waitE2E(t, "the duplicates", func() bool { return e.sub.Stats().Duplicates == 2 && e.tr.Stats().Handler.Accepted == 6 })
}

func waitE2E(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
