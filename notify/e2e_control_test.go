package notify_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/telephony"
	"github.com/ringwatch/ringwatch/transport"
	"github.com/ringwatch/ringwatch/transport/pubnub"
	"github.com/ringwatch/ringwatch/transport/webhook"
	"github.com/ringwatch/ringwatch/transport/websocket"
)

// controlStep is the projection of a CallChange the control test checks.
type controlStep struct {
	Party     string
	From, To  telephony.StatusCode
	Kind      telephony.ChangeKind
	Reason    string
	CallEnded bool
}

// TestE2EControlOverEachTransport starts a ringing call on the fake
// platform and, through telephony.Client, answers, holds, unholds,
// blind-transfers it to another extension and drops it; a subscription
// with call tracking on the same account, over each transport, reports
// exactly those transitions, in order, with their Kinds, and the call
// ends once. A transfer the tracked state forbids (while ringing) is
// refused by the Control before any request reaches the platform.
func TestE2EControlOverEachTransport(t *testing.T) {
	for _, name := range []string{"websocket", "webhook", "pubnub"} {
		t.Run(name, func(t *testing.T) { testControlOver(t, name) })
	}
}

func testControlOver(t *testing.T, trName string) {
	leakcheck.Check(t)
	p := notifytest.NewPlatform()
	if err := p.Err(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	base := &http.Transport{}
	t.Cleanup(base.CloseIdleConnections)
	rc := ringwatch.NewClient(p.Config(), ringwatch.WithHTTPClient(&http.Client{Transport: base}))

	var tr transport.Transport
	switch trName {
	case "websocket":
		tr = websocket.New(rc)
	case "pubnub":
		tr = pubnub.New(rc, pubnub.WithOrigin(p.PubNubOrigin(), false))
	case "webhook":
		var wh *webhook.Transport
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			wh.Handler().ServeHTTP(w, r)
		}))
		t.Cleanup(srv.Close)
		wh = webhook.New(rc, srv.URL+"/hook")
		tr = wh
	}
	sub, err := notify.Subscribe(t.Context(), tr, []subscription.Filter{
		subscription.AccountTelephonySessions(),
	}, notify.WithCallTracking(notify.ResyncREST(rc)))
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	defer sub.Close()

	exts := p.Extensions()
	if len(exts) < 2 {
		t.Fatalf("%d extensions", len(exts))
	}
	const sid, pid = "s-ctl-1", "p-ctl-1"
	var got []controlStep
	ended := 0
	other := []string{}
	// await reads events until n more changes have arrived (bounded).
	await := func(n int) {
		t.Helper()
		timeout := time.After(10 * time.Second)
		for want := len(got) + n; len(got) < want; {
			select {
			case ev, ok := <-sub.Events():
				if !ok {
					t.Fatalf("Events closed (err %v) after %d changes", sub.Err(), len(got))
				}
				switch e := ev.(type) {
				case *notify.CallChange:
					if e.TelephonySessionID != sid {
						t.Errorf("change of another call: %+v", e.Change)
						continue
					}
					if e.Resync {
						t.Errorf("change found by a resync: %+v", e.Change)
					}
					got = append(got, controlStep{Party: e.PartyID, From: e.From, To: e.To, Kind: e.Kind, Reason: e.Reason, CallEnded: e.CallEnded})
					if e.CallEnded {
						ended++
					}
				case *notify.Gap, *notify.Resynced, *notify.ResyncFailed:
					other = append(other, summary([]notify.Event{ev})...)
				}
			case <-timeout:
				t.Fatalf("%d of %d changes after 10s: %+v", len(got), want, got)
			}
		}
	}

	ctx := t.Context()
	if err := p.StartCall(ctx, telephony.Session{TelephonySessionID: sid, Parties: []telephony.Party{{
		ID: pid, AccountID: p.AccountID(), ExtensionID: exts[0].ID, Direction: telephony.Inbound,
		From:   telephony.Endpoint{PhoneNumber: "+16505550100"},
		To:     telephony.Endpoint{PhoneNumber: exts[0].PhoneNumber, ExtensionID: exts[0].ID},
		Status: telephony.Status{Code: telephony.Proceeding},
	}}}); err != nil {
		t.Fatalf("StartCall: %v", err)
	}
	await(1)

	c := telephony.NewClient(rc)
	ctl := c.WithTracker(sub.Calls())
	// Refused locally: the tracker knows the party rings.
	before := len(p.Requests())
	_, err = ctl.Transfer(ctx, sid, pid, telephony.Target{ExtensionID: exts[1].ID})
	var se *telephony.StateError
	if !errors.As(err, &se) || se.State != telephony.Proceeding {
		t.Errorf("Transfer while ringing: %v, want a *StateError in Proceeding", err)
	}
	for _, r := range p.Requests()[before:] {
		if strings.Contains(r.Path, "/telephony/") {
			t.Errorf("a refused transfer sent %s %s", r.Method, r.Path)
		}
	}

	ops := []struct {
		name string
		do   func() error
		n    int // changes it causes
	}{
		{"answer", func() error { _, err := ctl.Answer(ctx, sid, pid, "d-1"); return err }, 1},
		{"hold", func() error { _, err := ctl.Hold(ctx, sid, pid); return err }, 1},
		{"unhold", func() error { _, err := ctl.Unhold(ctx, sid, pid); return err }, 1},
		{"transfer", func() error {
			_, err := ctl.Transfer(ctx, sid, pid, telephony.Target{ExtensionID: exts[1].ID})
			return err
		}, 2},
		{"drop", func() error { return ctl.Drop(ctx, sid) }, 1},
	}
	for _, op := range ops {
		if err := op.do(); err != nil {
			t.Fatalf("%s: %v", op.name, err)
		}
		await(op.n)
	}
	if calls := sub.Calls().Snapshot(); len(calls) != 0 {
		t.Errorf("calls still active after the drop: %+v", calls)
	}
	if err := sub.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for ev := range sub.Events() { // an extra change would show here
		if e, ok := ev.(*notify.CallChange); ok {
			t.Errorf("extra change after the drop: %+v", e.Change)
		}
	}

	np := "p-" + sid + "-2" // the transfer target's party, as the fake names it
	want := []controlStep{
		{Party: pid, To: telephony.Proceeding, Kind: telephony.KindRinging},
		{Party: pid, From: telephony.Proceeding, To: telephony.Answered, Kind: telephony.KindAnswered},
		{Party: pid, From: telephony.Answered, To: telephony.Hold, Kind: telephony.KindHeld},
		{Party: pid, From: telephony.Hold, To: telephony.Answered, Kind: telephony.KindResumed},
		{Party: np, To: telephony.Proceeding, Kind: telephony.KindRinging},
		{Party: pid, From: telephony.Answered, To: telephony.Disconnected, Kind: telephony.KindBlindTransfer, Reason: telephony.ReasonBlindTransfer},
		{Party: np, From: telephony.Proceeding, To: telephony.Disconnected, Kind: telephony.KindLeft, Reason: telephony.ReasonCallDropped, CallEnded: true},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("CallChanges (-want +got):\n%s", d)
	}
	if ended != 1 {
		t.Errorf("CallEnded %d times, want once", ended)
	}
	if len(other) != 0 {
		t.Errorf("unexpected gap or resync events: %v", other)
	}
}
