package ringwatch_test

import (
	"context"
	"fmt"
	"net/http"

	"golang.org/x/oauth2"

	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/transport/websocket"
)

// The whole path, as a program takes it: credentials, the authorised
// client, a transport, and notify.Subscribe with call tracking; then range
// over the call state changes. Here the credentials come from the fake
// platform of notifytest, which plays one scripted call; in a program they
// come from ringwatch.ConfigFromEnv.
func Example_callStates() {
	p := notifytest.NewPlatform()
	defer p.Close()
	base := &http.Transport{} // closed below, so that nothing outlives the example
	defer base.CloseIdleConnections()
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Transport: base})

	cfg := p.Config() // in a program: cfg, err := ringwatch.ConfigFromEnv()
	rc := ringwatch.NewClient(cfg, ringwatch.WithHTTPClient(&http.Client{Transport: base}))
	sub, err := notify.Subscribe(ctx, websocket.New(rc),
		[]subscription.Filter{subscription.ExtensionTelephonySessions(subscription.Me)},
		notify.WithCallTracking(notify.ResyncREST(rc)))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sub.Close()

	// An outside caller rings the owner's extension, who answers; the
	// caller hangs up.
	sc, _ := notifytest.ScenarioNamed("inbound-answered")
	played := make(chan struct{})
	go func() {
		defer close(played)
		_, _ = p.Play(ctx, sc.New(p.Cast()))
	}()

	for ev := range sub.Events() {
		c, ok := ev.(*notify.CallChange)
		if !ok {
			continue // the raw *notify.TelephonyEvent, connection states, …
		}
		fmt.Printf("%s (%s)\n", c.Kind, c.To)
		if c.CallEnded {
			fmt.Println("call ended")
			break
		}
	}
	<-played
	// Output:
	// Setup (Setup)
	// Ringing (Proceeding)
	// Answered (Answered)
	// Left (Disconnected)
	// call ended
}
