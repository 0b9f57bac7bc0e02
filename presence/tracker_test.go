package presence

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ringwatch/ringwatch/internal/testkit/fixture"
)

func TestTrackerOrdersAndMerges(t *testing.T) {
	tr := NewTracker()
	ev := func(seq int64, e Event) *Event { e.ExtensionID, e.Sequence = "7", seq; return &e }
	ringing := ev(10, Event{TelephonyStatus: Ringing, DNDStatus: TakeAllCalls, TotalActiveCalls: 1,
		ActiveCalls: []ActiveCall{call("s1", "p1", Ringing)}})
	connected := ev(11, Event{TelephonyStatus: CallConnected, TotalActiveCalls: 1,
		ActiveCalls: []ActiveCall{call("s1", "p1", CallConnected)}})
	dnd := ev(12, Event{DNDStatus: DoNotAcceptAnyCalls}) // simple presence: no activeCalls
	ended := ev(13, Event{TelephonyStatus: NoCall, ActiveCalls: []ActiveCall{call("s1", "p1", NoCall)}})

	var got []summary
	for _, e := range []*Event{ringing, connected, ringing /* stale */, connected /* duplicate */, dnd, ended, nil, {Sequence: 3}} {
		if c := tr.Apply(e); c != nil {
			got = append(got, summarize(*c))
		}
	}
	want := []summary{
		{Telephony: ">Ringing", Calls: []string{"Appeared s1/p1 >Ringing"}, CallRelated: true,
			Availability: []AvailabilityChange{{"dndStatus", "", TakeAllCalls}}},
		{Telephony: "Ringing>CallConnected", Calls: []string{"StatusChanged s1/p1 Ringing>CallConnected"}, CallRelated: true},
		{Availability: []AvailabilityChange{{"dndStatus", TakeAllCalls, DoNotAcceptAnyCalls}}},
		{Telephony: "CallConnected>NoCall", Calls: []string{"Ended s1/p1 CallConnected>NoCall"}, CallRelated: true},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("changes (-want +got):\n%s", d)
	}
	if d := cmp.Diff(Stats{Applied: 4, Duplicates: 1, Stale: 1, Ignored: 2, Extensions: 1}, tr.Stats()); d != "" {
		t.Errorf("Stats (-want +got):\n%s", d)
	}
	st, ok := tr.State("7")
	if !ok || st.TelephonyStatus != NoCall || st.DNDStatus != DoNotAcceptAnyCalls || len(st.ActiveCalls) != 0 || st.Sequence != 13 {
		t.Errorf("State = %+v, %v", st, ok)
	}
}

func TestTrackerKeepsCallsAcrossSimplePresence(t *testing.T) {
	tr := NewTracker()
	tr.Apply(fixtureEvent(t, "apidocs-event-detailed-extension-presence.json")) // seq 2698
	simple := fixtureEvent(t, "apidocs-event-extension-presence.json")
	simple.Sequence = 2699
	if c := tr.Apply(simple); c != nil {
		t.Errorf("simple presence changed %+v", summarize(*c))
	}
	st, _ := tr.State("6610372004")
	if len(st.ActiveCalls) != 1 || st.ActiveCalls[0].PartyID != "cs171843418296416309-2" {
		t.Errorf("active calls after simple presence = %+v", st.ActiveCalls)
	}
}

func TestTrackerReconcile(t *testing.T) {
	tr := NewTracker()
	tr.Apply(&Event{ExtensionID: "170848004", Sequence: 50, TelephonyStatus: CallConnected, TotalActiveCalls: 2,
		ActiveCalls: []ActiveCall{call("s-gone", "p-1", CallConnected), call("s-bb843f9bc3bd4366a83f9e953f2c9c58", "p-bb843f9bc3bd4366a83f9e953f2c9c58-1", OnHold)}})
	var info Info
	if err := json.Unmarshal(fixture.Read(t, "rccallcontrol-rest-presence.json"), &info); err != nil {
		t.Fatal(err)
	}
	var got []summary
	for _, c := range tr.Reconcile([]Info{info, {}}) {
		got = append(got, summarize(c))
	}
	want := []summary{{
		Calls: []string{
			"StatusChanged s-bb843f9bc3bd4366a83f9e953f2c9c58/p-bb843f9bc3bd4366a83f9e953f2c9c58-1 OnHold>CallConnected",
			"Vanished s-gone/p-1 CallConnected>NoCall",
		},
		Availability: []AvailabilityChange{{"presenceStatus", "", "Busy"}, {"userStatus", "", "Available"}, {"dndStatus", "", "TakeAllCalls"}},
		CallRelated:  true,
	}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Reconcile (-want +got):\n%s", d)
	}
	// live events are still ordered against the last sequence
	if c := tr.Apply(&Event{ExtensionID: "170848004", Sequence: 49, TelephonyStatus: NoCall}); c != nil {
		t.Errorf("stale event after Reconcile gave %+v", summarize(*c))
	}
	if c := tr.Apply(&Event{ExtensionID: "170848004", Sequence: 51, TelephonyStatus: NoCall}); c == nil || len(c.Calls) != 1 {
		t.Errorf("event after Reconcile gave %+v", c)
	}
}
