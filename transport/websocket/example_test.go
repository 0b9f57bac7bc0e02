package websocket_test

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/ringwatch/ringwatch"
	"log"
	"net/http"

	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/presence"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/transport"
	"github.com/ringwatch/ringwatch/transport/websocket"
)

// printSink prints what the transport hands over; notify.Subscribe is the
// sink of real programs.
type printSink struct{ done chan struct{} }

func (s printSink) Deliver(_ context.Context, m transport.Message) error {
	var env struct {
		Body presence.Event `json:"body"`
	}
	if err := json.Unmarshal(m.Data, &env); err != nil {
		return err
	}
	fmt.Println(m.Transport, "notification:", env.Body.TelephonyStatus)
	close(s.done)
	return nil
}

func (printSink) State(st transport.State) { fmt.Println("state:", st.Kind) }
func (printSink) Fail(err error)           { fmt.Println("failed:", err) }

func Example() {
	p := notifytest.NewPlatform()
	defer p.Close()
	base := &http.Transport{}
	defer base.CloseIdleConnections()
	ctx := context.Background()
	rc := ringwatch.NewClient(p.Config(), ringwatch.WithHTTPClient(&http.Client{Transport: base}))

	tr := websocket.New(rc)
	sink := printSink{done: make(chan struct{})}
	filters := []subscription.Filter{subscription.ExtensionPresence("~", subscription.Detailed())}
	if err := tr.Open(ctx, filters, sink); err != nil {
		log.Fatal(err)
	}
	defer tr.Close(context.Background())

	ev := presence.Event{ExtensionID: p.Owner().ID, TelephonyStatus: presence.Ringing, Sequence: 1}
	if _, err := p.Publish(ctx, "/restapi/v1.0/account/~/extension/~/presence?detailedTelephonyState=true", ev); err != nil {
		log.Fatal(err)
	}
	<-sink.done
	// Output:
	// state: connected
	// websocket notification: Ringing
}
