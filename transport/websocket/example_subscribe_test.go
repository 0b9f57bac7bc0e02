package websocket_test

import (
	"context"
	"fmt"
	"github.com/ringwatch/ringwatch"
	"log"
	"net/http"

	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/presence"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/transport/websocket"
)

// Subscribing with notify.Subscribe over the WebSocket Gateway, against
// the fake platform; a dropped connection is recovered and nothing is
// lost.
func Example_subscribe() {
	p := notifytest.NewPlatform()
	defer p.Close()
	base := &http.Transport{}
	defer base.CloseIdleConnections()
	ctx := context.Background()
	// In a program: cfg, err := ringwatch.ConfigFromEnv(); rc := ringwatch.NewClient(cfg)
	rc := ringwatch.NewClient(p.Config(), ringwatch.WithHTTPClient(&http.Client{Transport: base}))

	sub, err := notify.Subscribe(ctx, websocket.New(rc),
		[]subscription.Filter{subscription.ExtensionPresence("~", subscription.Detailed())})
	if err != nil {
		log.Fatal(err)
	}
	defer sub.Close()

	publish := func(seq int64, status presence.TelephonyStatus) {
		ev := presence.Event{ExtensionID: p.Owner().ID, TelephonyStatus: status, Sequence: seq}
		if _, err := p.Publish(ctx, "/restapi/v1.0/account/~/extension/~/presence?detailedTelephonyState=true", ev); err != nil {
			log.Fatal(err)
		}
	}
	publish(1, presence.Ringing)
	seen := 0
	for ev := range sub.Events() {
		switch ev := ev.(type) {
		case *notify.Connected:
			fmt.Println("connected over", ev.Transport)
		case *notify.Reconnecting:
			fmt.Println("reconnecting")
		case *notify.Recovered:
			fmt.Println("recovered")
		case *notify.PresenceEvent:
			fmt.Println("extension is", ev.Body.TelephonyStatus)
			seen++
			if seen == 1 {
				p.DropWebSockets()
				publish(2, presence.CallConnected) // kept by the gateway for recovery
			}
		}
		if seen == 2 {
			break
		}
	}
	// Output:
	// connected over websocket
	// extension is Ringing
	// reconnecting
	// recovered
	// extension is CallConnected
}
