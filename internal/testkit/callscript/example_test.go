package callscript_test

import (
	"fmt"
	"time"

	"github.com/ringwatch/ringwatch/internal/testkit/callscript"
)

// Script an inbound call that is answered, and print what an account-level
// subscriber receives: the telephony statuses of the extension's party and
// the extension's presence.
func Example() {
	script := callscript.InboundAnswered(callscript.DefaultCast())
	start := time.Date(2026, 3, 4, 9, 30, 0, 0, time.UTC)
	res, err := callscript.Run("230000001", script, 1, start)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range res.Notifications() {
		switch e.Kind {
		case callscript.TelephonyEvent:
			pt := e.Session.Parties[0]
			fmt.Printf("telephony seq %d %s %s %s\n", e.Session.Sequence, e.Party, pt.Direction, pt.Status.Code)
		case callscript.PresenceEvent:
			fmt.Printf("presence  ext %s %s (%d calls)\n", e.ExtensionID, e.Presence.TelephonyStatus, len(e.Presence.ActiveCalls))
		}
	}
	for _, t := range res.Transitions() {
		fmt.Printf("%s: %q -> %s ended=%v\n", t.Party, t.From, t.To, t.CallEnded)
	}
	// Output:
	// telephony seq 2 agent Inbound Setup
	// telephony seq 3 agent Inbound Proceeding
	// presence  ext 230000101 Ringing (1 calls)
	// telephony seq 5 agent Inbound Answered
	// presence  ext 230000101 CallConnected (1 calls)
	// telephony seq 8 agent Inbound Disconnected
	// presence  ext 230000101 NoCall (1 calls)
	// agent: "" -> Setup ended=false
	// agent: "Setup" -> Proceeding ended=false
	// agent: "Proceeding" -> Answered ended=false
	// agent: "Answered" -> Disconnected ended=true
}
