package notify_test

import (
	"context"
	"fmt"
	"iter"
	"time"

	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/presence"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/telephony"
	"github.com/ringwatch/ringwatch/transport"
)

// lossy is a transport that delivers recorded notifications, then reports
// a gap (as after a failed WebSocket recovery), and stops. Real programs
// use the transports in transport/websocket, transport/webhook or
// transport/pubnub.
type lossy struct{ notes []string }

// Name names the transport in the Connected event.
func (lossy) Name() string { return "lossy" }

func (l lossy) Open(ctx context.Context, filters []subscription.Filter, sink transport.Sink) error {
	for _, n := range l.notes {
		if err := sink.Deliver(ctx, transport.Message{Data: []byte(n), Received: time.Now(), Transport: "lossy"}); err != nil {
			return err
		}
	}
	sink.State(transport.State{Kind: transport.Gap, Reason: "recovery failed",
		At: time.Date(2024, 5, 1, 9, 1, 0, 0, time.UTC)})
	sink.Fail(errReplayDone)
	return nil
}

func (lossy) Close(ctx context.Context) error { return nil }

// callsGone is a resync source for which every call has ended: real
// programs use ResyncREST, or telephony.Client and presence.Client.
type callsGone struct{}

func (callsGone) Session(ctx context.Context, accountID, id string) (*telephony.Session, error) {
	return nil, fmt.Errorf("GET session %s: %w", id, subscription.ErrNotFound)
}

func (callsGone) Extension(ctx context.Context, accountID, extensionID string) (*presence.Info, error) {
	return &presence.Info{Event: presence.Event{ExtensionID: "101", TelephonyStatus: presence.NoCall}}, nil
}

func (callsGone) Account(ctx context.Context, accountID string, opts *presence.AccountOptions) iter.Seq2[*presence.Info, error] {
	return func(func(*presence.Info, error) bool) {}
}

func ExampleWithCallTracking() {
	note := func(uuid string, seq int, code string) string {
		return fmt.Sprintf(`{"uuid":%q,"event":"/restapi/v1.0/account/~/extension/101/telephony/sessions",
			"timestamp":"2024-05-01T09:00:0%dZ","subscriptionId":"sub-1",
			"body":{"sequence":%d,"telephonySessionId":"s-42","parties":[
				{"id":"p-1","extensionId":"101","direction":"Inbound","status":{"code":%q}}]}}`, uuid, seq, seq, code)
	}
	// The call rings, is answered and put on hold; then the connection is
	// lost, and the notification that the call ended with it.
	t := lossy{notes: []string{note("n-1", 1, "Proceeding"), note("n-2", 2, "Answered"), note("n-3", 3, "Hold")}}

	ctx := context.Background()
	sub, err := notify.Subscribe(ctx, t, []subscription.Filter{subscription.ExtensionTelephonySessions("101")},
		notify.WithCallTracking(notify.ResyncFrom(callsGone{}, callsGone{})))
	if err != nil {
		fmt.Println("subscribe:", err)
		return
	}
	defer sub.Close()

	for ev, err := range sub.All(ctx) {
		if err != nil {
			break // the replay is over
		}
		switch e := ev.(type) {
		case *notify.TelephonyEvent:
			fmt.Println("notification", e.UUID)
		case *notify.CallChange:
			fmt.Printf("  call %s party %s: %s (%s -> %s) started=%t ended=%t resync=%t\n",
				e.TelephonySessionID, e.PartyID, e.Kind, e.From, e.To, e.CallStarted, e.CallEnded, e.Resync)
		case *notify.Gap:
			fmt.Println("gap:", e.Reason)
		case *notify.Resynced:
			fmt.Println("resynced; active calls:", e.Active)
		}
	}
	fmt.Println("tracked calls:", len(sub.Calls().Snapshot()))
	// Output:
	// notification n-1
	//   call s-42 party p-1: Ringing ( -> Proceeding) started=true ended=false resync=false
	// notification n-2
	//   call s-42 party p-1: Answered (Proceeding -> Answered) started=false ended=false resync=false
	// notification n-3
	//   call s-42 party p-1: Held (Answered -> Hold) started=false ended=false resync=false
	// gap: recovery failed
	//   call s-42 party p-1: Resync (Hold -> Disconnected) started=false ended=true resync=true
	// resynced; active calls: 0
	// tracked calls: 0
}
