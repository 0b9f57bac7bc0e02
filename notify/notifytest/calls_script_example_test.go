package notifytest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/ringwatch/ringwatch/notify/notifytest"
)

// A scripted call that rings until a Call Control request moves it on:
// here nobody answers (a program under test would, with
// telephony.Client's Answer or Forward), so after the timeout the script's
// own continuation sends the call to voicemail.
func ExampleAwait() {
	p := notifytest.NewPlatform()
	defer p.Close()
	alice := notifytest.UserEndpoint("alice", p.Extensions()[0])
	caller := notifytest.ExternalEndpoint("caller", "+14155550123", "")
	script := notifytest.Script{Name: "ring-until-answered", Steps: []notifytest.Step{
		notifytest.Dial(0, "c", caller, alice),
		notifytest.Await(0, "c", "alice", 10*time.Millisecond, notifytest.Voicemail(0, "c", "alice")),
		notifytest.Hangup(30*time.Second, "c", "caller"),
	}}
	res, err := p.Play(context.Background(), script)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, t := range res.Transitions() {
		fmt.Printf("%s %s: %q -> %s\n", t.Step, t.Party, t.From, t.To)
	}
	// Output:
	// Dial alice: "" -> Setup
	// Dial alice: "Setup" -> Proceeding
	// Voicemail alice: "Proceeding" -> VoiceMail
	// Hangup alice: "VoiceMail" -> Disconnected
}
