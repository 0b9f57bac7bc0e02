package transport_test

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/transport"
)

// lines is a Transport that delivers notifications it was given, such as
// lines of a recorded log, then stays open until Close. Its one goroutine
// has an owner (Close waits for it) and an exit.
type lines struct {
	notes  []string
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func (l *lines) Open(ctx context.Context, _ []subscription.Filter, sink transport.Sink) error {
	ctx, l.cancel = context.WithCancel(context.WithoutCancel(ctx))
	sink.State(transport.State{Kind: transport.Connected, At: time.Now(), SubscriptionID: "replay"})
	l.wg.Go(func() {
		for _, n := range l.notes {
			m := transport.Message{Data: []byte(n), Received: time.Now(), Transport: "lines"}
			if err := sink.Deliver(ctx, m); err != nil {
				return // the subscription is closing
			}
		}
	})
	return nil
}

// Name names the transport in notify's *Connected events.
func (*lines) Name() string { return "lines" }

func (l *lines) Close(context.Context) error {
	if l.cancel != nil {
		l.cancel()
	}
	l.wg.Wait()
	return nil
}

// A new way of receiving notifications plugs into notify.Subscribe by
// implementing Transport: it hands raw envelopes to the Sink, and notify
// decodes, de-duplicates and buffers them.
func Example() {
	tr := &lines{notes: []string{
		`{"uuid":"1","event":"/restapi/v1.0/account/~/extension/101/presence","timestamp":"2024-05-01T09:00:00Z","body":{"extensionId":"101","telephonyStatus":"Ringing","sequence":1}}`,
		`{"uuid":"2","event":"/restapi/v1.0/account/~/extension/101/presence","timestamp":"2024-05-01T09:00:04Z","body":{"extensionId":"101","telephonyStatus":"CallConnected","sequence":2}}`,
	}}
	sub, err := notify.Subscribe(context.Background(), tr, []subscription.Filter{subscription.ExtensionPresence("101")})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sub.Close()
	for ev := range sub.Events() {
		switch ev := ev.(type) {
		case *notify.Connected:
			fmt.Println("connected over", ev.Transport)
		case *notify.PresenceEvent:
			fmt.Println("extension 101:", ev.Body.TelephonyStatus)
			if ev.Body.Sequence == 2 {
				return
			}
		}
	}
	// Output:
	// connected over lines
	// extension 101: Ringing
	// extension 101: CallConnected
}
