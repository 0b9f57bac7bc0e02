package relay_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/relay"
	"github.com/ringwatch/ringwatch/relay/embedded"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/transport"
)

// A receiver publishes a call's notifications to the relay; a member
// consumes them and reports the call's changes, as any transport would.
// In a deployment the receiver is a webhook Handler with
// webhook.WithDeliver(pub.Deliver), and each runs in its own process.
func Example() {
	srv, err := embedded.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Shutdown()
	ctx := context.Background()

	// The receiver's side.
	rnc, err := relay.Connect(srv.URL())
	if err != nil {
		log.Fatal(err)
	}
	defer rnc.Close()
	pub, err := relay.NewPublisher(ctx, rnc, relay.WithPartitions(4))
	if err != nil {
		log.Fatal(err)
	}
	defer pub.Close()

	// The member's side.
	mnc, err := relay.Connect(srv.URL())
	if err != nil {
		log.Fatal(err)
	}
	defer mnc.Close()
	m, err := relay.NewMember(ctx, mnc)
	if err != nil {
		log.Fatal(err)
	}
	sub, err := notify.Subscribe(ctx, m, []subscription.Filter{subscription.AccountTelephonySessions()}, m.CallTracking())
	if err != nil {
		log.Fatal(err)
	}
	defer sub.Close()

	for i, code := range []string{"Setup", "Answered", "Disconnected"} {
		data := fmt.Appendf(nil, `{"uuid":"example-%d","event":"/restapi/v1.0/account/1/telephony/sessions",`+
			`"timestamp":"2026-01-01T00:00:00Z","subscriptionId":"sub-1","body":{"sequence":%d,"telephonySessionId":"s-1",`+
			`"eventTime":"2026-01-01T00:00:0%dZ","parties":[{"id":"p-1","direction":"Inbound","status":{"code":%q}}]}}`,
			i, i+1, i, code)
		if err := pub.Deliver(ctx, transport.Message{Data: data, Received: time.Now(), Transport: "webhook"}); err != nil {
			log.Fatal(err)
		}
	}
	for ev := range sub.Events() {
		if c, ok := ev.(*notify.CallChange); ok {
			fmt.Printf("%s %s: %s -> %s\n", c.TelephonySessionID, c.PartyID, c.From, c.To)
			if c.CallEnded {
				break
			}
		}
	}
	// Output:
	// s-1 p-1:  -> Setup
	// s-1 p-1: Setup -> Answered
	// s-1 p-1: Answered -> Disconnected
}
