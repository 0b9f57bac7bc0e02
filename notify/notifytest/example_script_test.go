package notifytest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/ringwatch/ringwatch/notify/notifytest"
)

// Play a shipped scenario: every subscription whose filters match gets its
// notifications, and the transitions an account-level subscriber must see
// come with the result.
func ExamplePlatform_Play() {
	p := notifytest.NewPlatform()
	defer p.Close()
	sc, _ := notifytest.ScenarioNamed("inbound-answered")
	res, err := p.Play(context.Background(), sc.New(p.Cast()))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, t := range res.Transitions() {
		fmt.Printf("%s %s: %q -> %s (call ended: %v)\n", t.Step, t.Party, t.From, t.To, t.CallEnded)
	}
	// Output:
	// Dial agent: "" -> Setup (call ended: false)
	// Dial agent: "Setup" -> Proceeding (call ended: false)
	// Answer agent: "Proceeding" -> Answered (call ended: false)
	// Hangup agent: "Answered" -> Disconnected (call ended: true)
}

// Script a call of your own: an outside caller rings Bob, who puts the call
// on hold and then parks it.
func ExampleDial() {
	p := notifytest.NewPlatform()
	defer p.Close()
	bob := notifytest.UserEndpoint("bob", p.Extensions()[1])
	caller := notifytest.ExternalEndpoint("caller", "+14155550123", "")
	script := notifytest.Script{Name: "hold-then-park", Steps: []notifytest.Step{
		notifytest.Dial(0, "c", caller, bob),
		notifytest.Answer(3*time.Second, "c", "bob"),
		notifytest.Hold(10*time.Second, "c", "bob"),
		notifytest.Unhold(5*time.Second, "c", "bob"),
		notifytest.Park(20*time.Second, "c", "bob", "*802"),
	}}
	res, err := p.Play(context.Background(), script)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range res.Events {
		if e.Kind == notifytest.PresenceScriptEvent {
			fmt.Println("presence", e.ExtensionID, e.Presence.TelephonyStatus)
		}
	}
	// The call is still up, so the resync endpoints serve it.
	first := res.Events[0]
	s, _ := p.Session(first.Session.TelephonySessionID)
	for _, pt := range s.Parties {
		fmt.Printf("party %s %s %q\n", pt.Direction, pt.Status.Code, pt.Status.ParkData)
	}
	// Output:
	// presence 230000102 Ringing
	// presence 230000102 CallConnected
	// presence 230000102 OnHold
	// presence 230000102 CallConnected
	// presence 230000102 ParkedCall
	// party Outbound Answered ""
	// party Inbound Parked "*802"
}
