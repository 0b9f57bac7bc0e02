package notify_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/presence"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/telephony"
	"github.com/ringwatch/ringwatch/transport/websocket"
)

// gate holds the WebSocket transport's reconnection (its request for a
// gateway token) while closed, so that a test can publish while the
// connection is down.
type gate struct {
	mu   sync.Mutex
	ch   chan struct{} // nil while open
	base http.RoundTripper
}

func (g *gate) close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ch == nil {
		g.ch = make(chan struct{})
	}
}

func (g *gate) open() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ch != nil {
		close(g.ch)
		g.ch = nil
	}
}

// RoundTrip holds requests for a gateway token while g is closed.
func (g *gate) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Path == "/restapi/oauth/wstoken" {
		g.wait()
	}
	return g.base.RoundTrip(r)
}

func (g *gate) wait() {
	g.mu.Lock()
	ch := g.ch
	g.mu.Unlock()
	if ch != nil {
		select {
		case <-ch:
		case <-time.After(10 * time.Second): // a failed test must not hang
		}
	}
}

// callWorld publishes one extension's calls to the platform and keeps its
// call model (sessions and presence) in step, as RingCentral would.
type callWorld struct {
	t      *testing.T
	p      *notifytest.Platform
	ext    string
	seq    map[string]int64
	presSq int64
	active []presence.ActiveCall
}

const (
	telephonyResource = "/restapi/v1.0/account/~/extension/~/telephony/sessions"
	presenceResource  = "/restapi/v1.0/account/~/extension/~/presence?detailedTelephonyState=true&sipData=true"
)

// step moves the extension's party of call id to code: it updates the
// model, then publishes the telephony and presence notifications, and
// returns how many subscriptions each reached.
func (w *callWorld) step(id string, code telephony.StatusCode, reason string) (int, int) {
	w.t.Helper()
	ctx := context.Background()
	w.seq[id]++
	me := telephony.Party{
		ID: id + "-p1", ExtensionID: w.ext, Direction: telephony.Inbound,
		From:   telephony.Endpoint{PhoneNumber: "+14155550100", Name: "Caller"},
		To:     telephony.Endpoint{PhoneNumber: "101", ExtensionID: w.ext},
		Status: telephony.Status{Code: code, Reason: reason},
	}
	caller := telephony.Party{ID: id + "-p0", Direction: telephony.Outbound,
		Status: telephony.Status{Code: telephony.Answered}}
	if code == telephony.Disconnected {
		w.p.EndSession(id)
	} else if err := w.p.SetSession(telephony.Session{TelephonySessionID: id, SessionID: "legacy-" + id,
		Origin: telephony.Origin{Type: "Call"}, Parties: []telephony.Party{me, caller}}); err != nil {
		w.t.Fatal(err)
	}

	st := presence.Ringing
	switch code {
	case telephony.Answered:
		st = presence.CallConnected
	case telephony.Disconnected:
		st = presence.NoCall
	}
	ac := presence.ActiveCall{ID: "call-" + id, Direction: telephony.Inbound, TelephonySessionID: id,
		PartyID: me.ID, SessionID: "legacy-" + id, TelephonyStatus: st}
	found := false
	for i := range w.active {
		if w.active[i].TelephonySessionID == id {
			w.active[i], found = ac, true
		}
	}
	if !found {
		w.active = append(w.active, ac)
	}
	listed := w.active // an ended call is listed once with NoCall
	var still []presence.ActiveCall
	overall := presence.NoCall
	for _, c := range w.active {
		if !c.Ended() {
			still = append(still, c)
			if overall != presence.CallConnected {
				overall = c.TelephonyStatus
			}
		}
	}
	w.active = still
	w.presSq++
	pres := presence.Event{ExtensionID: w.ext, TelephonyStatus: overall, Sequence: w.presSq,
		ActiveCalls: listed, TotalActiveCalls: len(listed), PresenceStatus: presence.StatusAvailable}
	model := pres
	model.ActiveCalls, model.TotalActiveCalls = still, len(still)
	if err := w.p.SetPresence(w.ext, model); err != nil {
		w.t.Fatal(err)
	}

	nt, err := w.p.Publish(ctx, telephonyResource, telephony.Session{Sequence: w.seq[id], TelephonySessionID: id,
		SessionID: "legacy-" + id, EventTime: time.Now(), Origin: telephony.Origin{Type: "Call"},
		Parties: []telephony.Party{me}})
	if err != nil {
		w.t.Fatalf("publish telephony: %v", err)
	}
	np, err := w.p.Publish(ctx, presenceResource, pres)
	if err != nil {
		w.t.Fatalf("publish presence: %v", err)
	}
	return nt, np
}

// stream reads a subscription's events and remembers them all.
type stream struct {
	t   *testing.T
	sub *notify.Subscription
	all []notify.Event
}

// until reads events until match accepts one, and returns those read.
func (s *stream) until(what string, match func(notify.Event) bool) []notify.Event {
	s.t.Helper()
	var got []notify.Event
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-s.sub.Events():
			if !ok {
				s.t.Fatalf("Events closed (err %v) waiting for %s", s.sub.Err(), what)
			}
			got = append(got, ev)
			s.all = append(s.all, ev)
			if match(ev) {
				return got
			}
		case <-timeout:
			s.t.Fatalf("no %s after 10s; got %s", what, summary(got))
		}
	}
}

func callChange(id string, kind telephony.ChangeKind) func(notify.Event) bool {
	return func(ev notify.Event) bool {
		c, ok := ev.(*notify.CallChange)
		return ok && c.TelephonySessionID == id && c.Kind == kind
	}
}

// summary describes the events that matter here, one string each.
func summary(evs []notify.Event) []string {
	var out []string
	for _, ev := range evs {
		switch e := ev.(type) {
		case *notify.CallChange:
			s := fmt.Sprintf("call %s %s>%s %s", e.TelephonySessionID, e.From, e.To, e.Kind)
			if e.CallEnded {
				s += " ENDED"
			}
			if e.Resync {
				s += " resync"
			}
			out = append(out, s)
		case *notify.PresenceChange:
			s := fmt.Sprintf("presence %s>%s", e.From, e.To)
			for _, c := range e.Calls {
				s += fmt.Sprintf(" [%s %s]", c.Kind, c.Call.TelephonySessionID)
			}
			if e.Resync {
				s += " resync"
			}
			out = append(out, s)
		case *notify.Gap:
			out = append(out, "gap")
		case *notify.Resynced:
			out = append(out, fmt.Sprintf("resynced %d", e.Active))
		case *notify.ResyncFailed:
			out = append(out, "resync failed: "+e.Err.Error())
		case *notify.Resubscribed:
			out = append(out, "resubscribed")
		case *notify.Connected:
			out = append(out, "connected")
		}
	}
	return out
}

// TestE2EResyncAfterFailedRecovery drops the WebSocket while a call ends,
// makes the recovery fail so that the end is lost, and checks that the
// resync after the gap reports the call ended, once, and that later calls
// are tracked as usual.
func TestE2EResyncAfterFailedRecovery(t *testing.T) {
	leakcheck.Check(t)
	p := notifytest.NewPlatform()
	if err := p.Err(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	base := &http.Transport{}
	t.Cleanup(base.CloseIdleConnections)
	g := &gate{base: base}
	t.Cleanup(g.open)
	rc := ringwatch.NewClient(p.Config(), ringwatch.WithHTTPClient(&http.Client{Transport: g}))
	tr := websocket.New(rc, websocket.WithReconnectBackoff(time.Millisecond, time.Millisecond))
	sub, err := notify.Subscribe(t.Context(), tr, []subscription.Filter{
		subscription.ExtensionPresence("~", subscription.Detailed(), subscription.WithSIP()),
		subscription.ExtensionTelephonySessions("~"),
	}, notify.WithCallTracking(
		notify.ResyncREST(rc),
		notify.ResyncRetry(3, 10*time.Millisecond, 50*time.Millisecond),
	))
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	defer sub.Close()
	s := &stream{t: t, sub: sub}
	w := &callWorld{t: t, p: p, ext: p.Owner().ID, seq: map[string]int64{}}

	// A call rings and is answered.
	for _, code := range []telephony.StatusCode{telephony.Proceeding, telephony.Answered} {
		if nt, np := w.step("tel-1", code, ""); nt != 1 || np != 1 {
			t.Fatalf("published to %d and %d subscriptions, want 1 and 1", nt, np)
		}
	}
	s.until("tel-1 answered", callChange("tel-1", telephony.KindAnswered))
	s.until("the extension connected", func(ev notify.Event) bool {
		c, ok := ev.(*notify.PresenceChange)
		return ok && c.To == presence.CallConnected
	})
	if calls := sub.Calls().Snapshot(); len(calls) != 1 || calls[0].TelephonySessionID != "tel-1" {
		t.Fatalf("Snapshot = %+v, want tel-1", calls)
	}

	// The connection drops and cannot be recovered; meanwhile the call
	// ends, and its notifications are lost.
	g.close()
	p.FailNextWebSocketRecovery()
	if n := p.DropWebSockets(); n != 1 {
		t.Fatalf("DropWebSockets = %d, want 1", n)
	}
	w.step("tel-1", telephony.Disconnected, telephony.ReasonCallFinished)
	g.open()

	got := s.until("the resync", func(ev notify.Event) bool {
		_, ok := ev.(*notify.Resynced)
		return ok
	})
	want := []string{
		"resubscribed",
		"gap",
		"call tel-1 Answered>Disconnected Resync ENDED resync",
		"presence CallConnected>NoCall [Vanished tel-1] resync",
		"resynced 0",
	}
	if diff := cmp.Diff(want, summary(got)); diff != "" {
		t.Errorf("events after the drop (-want +got):\n%s", diff)
	}
	for _, ev := range got {
		if c, ok := ev.(*notify.CallChange); ok && c.CallEnded {
			if c.Reason != telephony.ReasonResync || c.Kind != telephony.KindResync {
				t.Errorf("tel-1 ended with reason %q, kind %s; want the resync reason", c.Reason, c.Kind)
			}
		}
	}
	if calls := sub.Calls().Snapshot(); len(calls) != 0 {
		t.Errorf("Snapshot after the resync = %+v, want none", calls)
	}
	if st := p.WebSocketStats(); st.RecoveryFailed != 1 {
		t.Errorf("gateway stats %+v, want one failed recovery", st)
	}

	// A later call flows normally over the new subscription.
	for _, code := range []telephony.StatusCode{telephony.Proceeding, telephony.Answered, telephony.Disconnected} {
		reason := ""
		if code == telephony.Disconnected {
			reason = telephony.ReasonCallFinished
		}
		if nt, np := w.step("tel-2", code, reason); nt != 1 || np != 1 {
			t.Fatalf("published to %d and %d subscriptions, want 1 and 1", nt, np)
		}
	}
	got = s.until("tel-2 ended", func(ev notify.Event) bool {
		c, ok := ev.(*notify.CallChange)
		return ok && c.TelephonySessionID == "tel-2" && c.CallEnded
	})
	var calls []string
	for _, line := range summary(got) {
		if line[:4] == "call" {
			calls = append(calls, line)
		}
	}
	want = []string{
		"call tel-2 >Proceeding Ringing",
		"call tel-2 Proceeding>Answered Answered",
		"call tel-2 Answered>Disconnected Left ENDED",
	}
	if diff := cmp.Diff(want, calls); diff != "" {
		t.Errorf("changes of the later call (-want +got):\n%s", diff)
	}

	if err := sub.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for ev := range sub.Events() { // closed by Close; drains nothing or little
		s.all = append(s.all, ev)
	}
	ended := map[string]int{}
	for _, ev := range s.all {
		if c, ok := ev.(*notify.CallChange); ok && c.CallEnded {
			ended[c.TelephonySessionID]++
		}
	}
	if diff := cmp.Diff(map[string]int{"tel-1": 1, "tel-2": 1}, ended); diff != "" {
		t.Errorf("CallEnded per call (-want +got):\n%s", diff)
	}
	if subs := p.Subscriptions(); len(subs) != 0 {
		t.Errorf("subscriptions left after Close: %v", subs)
	}
}
