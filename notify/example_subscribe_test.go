package notify_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/transport"
)

// replay is a transport that delivers recorded notifications and then
// reports that it has nothing more. Real programs use the transports in
// transport/websocket, transport/webhook or transport/pubnub.
type replay struct{ notes []string }

var errReplayDone = errors.New("replay finished")

// Name names the transport in the Connected event.
func (replay) Name() string { return "replay" }

func (r replay) Open(ctx context.Context, filters []subscription.Filter, sink transport.Sink) error {
	sink.State(transport.State{Kind: transport.Connected, SubscriptionID: "sub-1",
		At: time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)})
	for _, n := range r.notes {
		if err := sink.Deliver(ctx, transport.Message{Data: []byte(n), Received: time.Now(), Transport: "replay"}); err != nil {
			return err
		}
	}
	sink.Fail(errReplayDone)
	return nil
}

func (replay) Close(ctx context.Context) error { return nil }

func ExampleSubscribe() {
	ringing := `{"uuid":"n-1","event":"/restapi/v1.0/account/~/extension/101/presence?detailedTelephonyState=true",
		"timestamp":"2024-05-01T09:00:01Z","subscriptionId":"sub-1",
		"body":{"extensionId":"101","telephonyStatus":"Ringing","sequence":7}}`
	answered := `{"uuid":"n-2","event":"/restapi/v1.0/account/~/extension/101/telephony/sessions",
		"timestamp":"2024-05-01T09:00:05Z","subscriptionId":"sub-1",
		"body":{"sequence":3,"telephonySessionId":"s-42","parties":[{"id":"p-1","status":{"code":"Answered"}}]}}`
	// RingCentral may deliver a notification again after a reconnection;
	// the subscription drops the repeat.
	t := replay{notes: []string{ringing, ringing, answered}}

	ctx := context.Background()
	sub, err := notify.Subscribe(ctx, t, []subscription.Filter{
		subscription.ExtensionPresence("101", subscription.Detailed()),
		subscription.ExtensionTelephonySessions("101"),
	})
	if err != nil {
		fmt.Println("subscribe:", err)
		return
	}
	defer sub.Close()

	for ev, err := range sub.All(ctx) {
		if err != nil {
			fmt.Println("ended:", err)
			break
		}
		switch ev := ev.(type) {
		case *notify.Connected:
			fmt.Println("connected, subscription", ev.SubscriptionID)
		case *notify.PresenceEvent:
			fmt.Printf("extension %s is %s\n", ev.Body.ExtensionID, ev.Body.TelephonyStatus)
		case *notify.TelephonyEvent:
			for _, p := range ev.Body.Parties {
				fmt.Printf("call %s party %s is %s\n", ev.Body.TelephonySessionID, p.ID, p.Status.Code)
			}
		}
	}
	st := sub.Stats()
	fmt.Printf("received %d, duplicates %d\n", st.Received, st.Duplicates)
	// Output:
	// connected, subscription sub-1
	// extension 101 is Ringing
	// call s-42 party p-1 is Answered
	// ended: replay finished
	// received 3, duplicates 1
}
