package presence_test

import (
	"fmt"

	"github.com/ringwatch/ringwatch/presence"
)

func ExampleDiff() {
	prev := &presence.Event{
		ExtensionID: "101", TelephonyStatus: presence.Ringing, DNDStatus: presence.TakeAllCalls,
		ActiveCalls: []presence.ActiveCall{{
			ID: "c1", TelephonySessionID: "s-1", PartyID: "p-2", TelephonyStatus: presence.Ringing,
		}},
		TotalActiveCalls: 1,
	}
	answered := &presence.Event{
		ExtensionID: "101", TelephonyStatus: presence.CallConnected,
		ActiveCalls: []presence.ActiveCall{{
			ID: "c1", TelephonySessionID: "s-1", PartyID: "p-2", TelephonyStatus: presence.CallConnected,
		}},
		TotalActiveCalls: 1,
	}
	c := presence.Diff(prev, answered)
	fmt.Println("call related:", c.CallRelated, c.From, "->", c.To)
	for _, cc := range c.Calls {
		fmt.Println(cc.Kind, cc.Key, cc.From, "->", cc.To)
	}

	// Do-not-disturb alone is availability, not a call change.
	dnd := &presence.Event{ExtensionID: "101", DNDStatus: presence.DoNotAcceptAnyCalls}
	c = presence.Diff(prev, dnd)
	fmt.Println("call related:", c.CallRelated, c.Availability[0].Field, c.Availability[0].To)
	// Output:
	// call related: true Ringing -> CallConnected
	// StatusChanged s-1/p-2 Ringing -> CallConnected
	// call related: false dndStatus DoNotAcceptAnyCalls
}

func ExampleTracker() {
	tr := presence.NewTracker()
	for _, e := range []*presence.Event{
		{ExtensionID: "101", Sequence: 7, TelephonyStatus: presence.Ringing},
		{ExtensionID: "101", Sequence: 6, TelephonyStatus: presence.NoCall}, // stale
		{ExtensionID: "101", Sequence: 8, TelephonyStatus: presence.CallConnected},
	} {
		if c := tr.Apply(e); c != nil {
			fmt.Println(c.Sequence, c.From, "->", c.To)
		}
	}
	fmt.Println("stale:", tr.Stats().Stale)
	// Output:
	// 7  -> Ringing
	// 8 Ringing -> CallConnected
	// stale: 1
}
