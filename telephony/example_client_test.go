package telephony_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/telephony"
)

// After a gap in the notifications, read a call's current state from the
// Call Control API. The REST form comes back normalised like a
// notification body.
func ExampleClient_Session() {
	p := notifytest.NewPlatform()
	defer p.Close()
	ctx := context.Background()
	_ = p.SetSession(telephony.Session{TelephonySessionID: "s-1", Parties: []telephony.Party{{
		ID: "p-1", AccountID: p.AccountID(), ExtensionID: p.Owner().ID, Direction: "Inbound",
		Status: telephony.Status{Code: telephony.Answered},
	}}})

	c := telephony.NewClient(ringwatch.NewClient(p.Config()))
	s, err := c.Session(ctx, "~", "s-1")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, party := range s.Parties {
		fmt.Println(s.TelephonySessionID, party.ID, party.ExtensionID, party.Status.Code)
	}

	p.EndSession("s-1")
	_, err = c.Session(ctx, "~", "s-1")
	fmt.Println(errors.Is(err, telephony.ErrSessionNotFound))
	// Output:
	// s-1 p-1 230000101 Answered
	// true
}
