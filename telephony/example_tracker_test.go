package telephony_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ringwatch/ringwatch/telephony"
)

// notification builds a one-party telephony-session body, as RingCentral
// sends them.
func notification(seq int64, party, direction string, code telephony.StatusCode, reason string) *telephony.Session {
	return &telephony.Session{
		Sequence: seq, TelephonySessionID: "s-1",
		Parties: []telephony.Party{{ID: party, Direction: direction, Status: telephony.Status{Code: code, Reason: reason}}},
	}
}

func ExampleTracker() {
	tr := telephony.NewTracker()
	events := []*telephony.Session{
		notification(1, "p-2", telephony.Inbound, telephony.Proceeding, ""),
		notification(3, "p-2", telephony.Inbound, telephony.Hold, ""),     // arrives before 2
		notification(2, "p-2", telephony.Inbound, telephony.Answered, ""), // stale: dropped
		notification(4, "p-2", telephony.Inbound, telephony.Answered, ""),
		notification(4, "p-2", telephony.Inbound, telephony.Answered, ""), // duplicate: dropped
		notification(5, "p-2", telephony.Inbound, telephony.Disconnected, telephony.ReasonCallFinished),
	}
	for _, ev := range events {
		for _, c := range tr.Apply(ev) {
			fmt.Printf("%s %s: %s -> %s (%s) started=%t ended=%t\n",
				c.TelephonySessionID, c.PartyID, c.From, c.To, c.Kind, c.CallStarted, c.CallEnded)
		}
	}
	st := tr.Stats()
	fmt.Printf("stale %d, duplicates %d, active calls %d\n", st.Stale, st.Duplicates, len(tr.Snapshot()))
	// Output:
	// s-1 p-2:  -> Proceeding (Ringing) started=true ended=false
	// s-1 p-2: Proceeding -> Hold (Held) started=false ended=false
	// s-1 p-2: Hold -> Answered (Resumed) started=false ended=false
	// s-1 p-2: Answered -> Disconnected (Left) started=false ended=true
	// stale 1, duplicates 1, active calls 0
}

func ExampleTracker_Wait() {
	tr := telephony.NewTracker()
	tr.Apply(notification(1, "p-2", telephony.Inbound, telephony.Proceeding, ""))

	answered := make(chan string)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		p, err := tr.Wait(ctx, "s-1", "p-2", telephony.Answered)
		if err != nil {
			answered <- err.Error()
			return
		}
		answered <- "answered by party " + p.ID
	}()
	// Wait registers under the tracker's lock, so an answer applied at any
	// moment is seen.
	tr.Apply(notification(2, "p-2", telephony.Inbound, telephony.Answered, ""))
	fmt.Println(<-answered)

	// A call that ends without reaching the status gives ErrCallEnded.
	tr.Apply(notification(3, "p-2", telephony.Inbound, telephony.Disconnected, telephony.ReasonCallFinished))
	_, err := tr.Wait(context.Background(), "s-1", "", telephony.Parked)
	fmt.Println(errors.Is(err, telephony.ErrCallEnded))
	// Output:
	// answered by party p-2
	// true
}

func ExampleTracker_Reconcile() {
	tr := telephony.NewTracker()
	tr.Apply(notification(1, "p-2", telephony.Inbound, telephony.Answered, ""))
	// After a gap, the REST API shows no active call: the call ended while
	// the notifications were lost.
	for _, c := range tr.Reconcile(nil, "") {
		fmt.Printf("%s %s: %s -> %s (%s, %s) ended=%t\n", c.TelephonySessionID, c.PartyID, c.From, c.To, c.Kind, c.Reason, c.CallEnded)
	}
	// Output:
	// s-1 p-2: Answered -> Disconnected (Resync, Resync) ended=true
}
