package pubnub_test

import (
	"context"
	"net/http"
	"slices"
	"sync"
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
	"github.com/ringwatch/ringwatch/transport/pubnub"
)

// fakeSleep records the retry waits of a subscription.Client instead of
// sleeping.
type fakeSleep struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (f *fakeSleep) sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	f.waits = append(f.waits, d)
	f.mu.Unlock()
	return ctx.Err()
}

func (f *fakeSleep) recorded() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.waits)
}

// platformAPI is the platform owner's Subscription API client, logged in
// through ringwatch.Config.Client; its retry waits go to sleeps.
func platformAPI(p *notifytest.Platform, sleeps *fakeSleep) *subscription.Client {
	rc := ringwatch.NewClient(p.Config(), ringwatch.WithHTTPClient(p.HTTPClient()))
	return subscription.NewClient(rc, subscription.ClientOption(rest.WithClock(nil, sleeps.sleep)))
}

// publishSession publishes a one-party telephony session of the owner.
func publishSession(t *testing.T, p *notifytest.Platform, id string, code telephony.StatusCode) {
	t.Helper()
	sess := telephony.Session{TelephonySessionID: id, Sequence: 1,
		Parties: []telephony.Party{{ID: id + "-p1", Direction: "Inbound", ExtensionID: p.Owner().ID, Status: telephony.Status{Code: code}}}}
	n, err := p.Publish(context.Background(), "/restapi/v1.0/account/~/extension/"+p.Owner().ID+"/telephony/sessions", sess)
	if err != nil || n != 1 {
		t.Fatalf("Publish session = %d, %v", n, err)
	}
}

// checkSession wants ev to be the telephony event of session id.
func checkSession(t *testing.T, ev notify.Event, id string, code telephony.StatusCode) {
	t.Helper()
	te, ok := ev.(*notify.TelephonyEvent)
	if !ok {
		t.Fatalf("event %T, want *notify.TelephonyEvent", ev)
	}
	type got struct {
		Session, Party, Extension string
		Code                      telephony.StatusCode
	}
	var g got
	g.Session = te.Body.TelephonySessionID
	if len(te.Body.Parties) == 1 {
		pt := te.Body.Parties[0]
		g.Party, g.Extension, g.Code = pt.ID, pt.ExtensionID, pt.Status.Code
	}
	if d := cmp.Diff(got{id, id + "-p1", te.OwnerID, code}, g); d != "" || te.OwnerID == "" {
		t.Errorf("telephony event (-want +got):\n%s", d)
	}
}

// next returns the next event, failing the test after 10 s.
func next(t *testing.T, sub *notify.Subscription) notify.Event {
	t.Helper()
	select {
	case ev, ok := <-sub.Events():
		if !ok {
			t.Fatalf("events closed: %v", sub.Err())
		}
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10 s")
	}
	return nil
}

func TestEndToEndOverPlatform(t *testing.T) {
	leakcheck.Check(t)
	p := notifytest.NewPlatform()
	t.Cleanup(p.Close)
	p.SetPubNubHoldMax(time.Second)
	owner := p.Owner().ID
	api := platformAPI(p, &fakeSleep{})

	tr := pubnub.New(nil, pubnub.WithAPI(api), pubnub.WithOrigin(p.PubNubOrigin(), false), pubnub.WithReconnectBackoff(200*time.Millisecond, time.Second))
	filters := []subscription.Filter{subscription.ExtensionPresence(owner, subscription.Detailed()), subscription.ExtensionTelephonySessions(owner)}
	sub, err := notify.Subscribe(context.Background(), tr, filters)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Close() })
	if c, ok := next(t, sub).(*notify.Connected); !ok || c.Transport != "pubnub" {
		t.Fatalf("first event = %#v, want *notify.Connected from pubnub", c)
	}
	infos := p.Subscriptions()
	if len(infos) != 1 || infos[0].DeliveryMode.TransportType != "PubNub" || infos[0].DeliveryMode.EncryptionKey == "" {
		t.Fatalf("platform subscriptions = %+v", infos)
	}

	resource := "/restapi/v1.0/account/~/extension/" + owner + "/presence"
	publish := func(seq int64, st presence.TelephonyStatus) {
		t.Helper()
		n, err := p.Publish(context.Background(), resource, presence.Event{ExtensionID: owner, TelephonyStatus: st, Sequence: seq})
		if err != nil || n != 1 {
			t.Fatalf("Publish = %d, %v", n, err)
		}
	}
	type got struct {
		Seq    int64
		Status presence.TelephonyStatus
	}
	var events []got
	presenceEvent := func(ev notify.Event) {
		t.Helper()
		pe, ok := ev.(*notify.PresenceEvent)
		if !ok {
			t.Fatalf("event %T, want *notify.PresenceEvent", ev)
		}
		events = append(events, got{pe.Body.Sequence, pe.Body.TelephonyStatus})
	}

	publish(1, presence.Ringing)
	presenceEvent(next(t, sub))
	publishSession(t, p, "s-1", telephony.Proceeding)
	checkSession(t, next(t, sub), "s-1", telephony.Proceeding)

	// A 5xx on a long-poll stops the SDK's loop for good; the transport
	// resumes from the last timetoken and PubNub replays what it missed.
	p.FailNextPubNubPoll(http.StatusBadGateway)
	if r, ok := next(t, sub).(*notify.Reconnecting); !ok || r.Attempt != 1 {
		t.Fatalf("event %#v, want *notify.Reconnecting attempt 1", r)
	}
	publish(2, presence.CallConnected) // during the outage
	var recovered int
	for len(events) < 2 {
		switch ev := next(t, sub).(type) {
		case *notify.Recovered:
			recovered++
		case *notify.Gap, *notify.Resubscribed:
			t.Fatalf("unexpected %T after a resumable failure", ev)
		default:
			presenceEvent(ev)
		}
	}
	publish(3, presence.NoCall)
	for len(events) < 3 {
		switch ev := next(t, sub).(type) {
		case *notify.Recovered:
			recovered++
		default:
			presenceEvent(ev)
		}
	}
	// The Recovered state and the replayed message race inside the SDK.
	for recovered == 0 {
		if _, ok := next(t, sub).(*notify.Recovered); ok {
			recovered++
		}
	}
	want := []got{{1, presence.Ringing}, {2, presence.CallConnected}, {3, presence.NoCall}}
	if diff := cmp.Diff(want, events); diff != "" {
		t.Errorf("presence events (-want +got):\n%s", diff)
	}
	if recovered != 1 {
		t.Errorf("recovered events = %d, want 1", recovered)
	}
	if err := sub.Close(); err != nil {
		t.Fatal(err)
	}
	if left := p.Subscriptions(); len(left) != 0 {
		t.Errorf("subscriptions left after Close: %+v", left)
	}
}
