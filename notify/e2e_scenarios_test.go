package notify_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/telephony"
	"github.com/ringwatch/ringwatch/transport/websocket"
)

// scriptStep is the projection of a transition the shipped scripts state.
type scriptStep struct {
	Call, Party string
	From, To    telephony.StatusCode
	Reason      string
	CallEnded   bool
}

// TestE2EShippedScenarios plays shipped scenarios on the fake platform,
// one after the other, to an account-level telephony subscription over the
// WebSocket transport with call tracking, and checks that the CallChange
// events of each script are exactly its expected transitions, in order,
// each call ending once, with no resync.
func TestE2EShippedScenarios(t *testing.T) {
	leakcheck.Check(t)
	p := notifytest.NewPlatform()
	if err := p.Err(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	base := &http.Transport{}
	t.Cleanup(base.CloseIdleConnections)
	rc := ringwatch.NewClient(p.Config(), ringwatch.WithHTTPClient(&http.Client{Transport: base}))

	sub, err := notify.Subscribe(t.Context(), websocket.New(rc), []subscription.Filter{
		subscription.AccountTelephonySessions(),
	}, notify.WithCallTracking(notify.ResyncREST(rc)))
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	defer sub.Close()

	names := []string{"inbound-answered", "internal-hold", "attended-transfer", "park-pickup", "conference", "queue"}
	var results []*notifytest.ScriptResult
	script := map[string]int{} // telephonySessionId -> index in results
	call, party := map[string]string{}, map[string]string{}
	total := 0
	for i, name := range names {
		sc, ok := notifytest.ScenarioNamed(name)
		if !ok {
			t.Fatalf("no scenario %q", name)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		res, err := p.Play(ctx, sc.New(p.Cast()))
		cancel()
		if err != nil {
			t.Fatalf("Play %s: %v", name, err)
		}
		results = append(results, res)
		total += len(res.Script.Expect)
		for _, e := range res.Events {
			if e.Kind == notifytest.TelephonyScriptEvent {
				sid := e.Session.TelephonySessionID
				script[sid], call[sid] = i, e.Call
				party[sid+"/"+e.Session.Parties[0].ID] = e.Party
			}
		}
	}

	// Read until every expected change has arrived (bounded), then close
	// and drain, so that an extra change would be seen too.
	got := make([][]scriptStep, len(results))
	ended := map[string]int{}
	var changes []*notify.CallChange
	var other []string
	record := func(ev notify.Event) {
		switch e := ev.(type) {
		case *notify.CallChange:
			changes = append(changes, e)
			sid := e.TelephonySessionID
			i, ok := script[sid]
			if !ok {
				t.Errorf("change of a call no script made: %+v", e.Change)
				return
			}
			got[i] = append(got[i], scriptStep{Call: call[sid], Party: party[sid+"/"+e.PartyID],
				From: e.From, To: e.To, Reason: e.Reason, CallEnded: e.CallEnded})
			if e.CallEnded {
				ended[sid]++
			}
			if e.Resync {
				t.Errorf("change found by a resync: %+v", e.Change)
			}
		case *notify.Gap, *notify.Resynced, *notify.ResyncFailed:
			other = append(other, summary([]notify.Event{ev})...)
		}
	}
	timeout := time.After(10 * time.Second)
	for len(changes) < total {
		select {
		case ev, ok := <-sub.Events():
			if !ok {
				t.Fatalf("Events closed (err %v) after %d of %d changes", sub.Err(), len(changes), total)
			}
			record(ev)
		case <-timeout:
			t.Fatalf("%d of %d changes after 10s", len(changes), total)
		}
	}
	if calls := sub.Calls().Snapshot(); len(calls) != 0 {
		t.Errorf("calls still active after every script ended: %+v", calls)
	}
	if err := sub.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for ev := range sub.Events() {
		record(ev)
	}

	wantEnded := map[string]int{}
	for i, res := range results {
		want := make([]scriptStep, 0, len(res.Script.Expect))
		for _, tr := range res.Script.Expect {
			want = append(want, scriptStep{Call: tr.Call, Party: tr.Party, From: tr.From, To: tr.To, Reason: tr.Reason, CallEnded: tr.CallEnded})
		}
		if d := cmp.Diff(want, got[i]); d != "" {
			t.Errorf("%s: CallChanges (-want +got):\n%s", names[i], d)
		}
		for sid, j := range script {
			if j == i {
				wantEnded[sid] = 1
			}
		}
	}
	if d := cmp.Diff(wantEnded, ended); d != "" {
		t.Errorf("CallEnded per call (-want +got):\n%s", d)
	}
	if len(other) != 0 {
		t.Errorf("unexpected gap or resync events: %v", other)
	}
	if subs := p.Subscriptions(); len(subs) != 0 {
		t.Errorf("subscriptions left after Close: %v", subs)
	}
}
