package relay

import (
	"context"
	"testing"
	"time"

	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/transport"
	"github.com/ringwatch/ringwatch/transport/websocket"
)

// TestForwardWebSocket: a WebSocket transport opened on a Publisher's
// Sink forwards its notifications into the relay, where a member reports
// the call's changes as the scenario says; a Gap the transport reports
// reaches the member too.
func TestForwardWebSocket(t *testing.T) {
	leakcheck.Check(t)
	srv := startNATS(t)
	p := notifytest.NewPlatform()
	t.Cleanup(p.Close)
	opts := []Option{WithPartitions(2), WithPartitionTTL(time.Second)}
	nc := connect(t, srv.URL())
	pub, err := NewPublisher(context.Background(), nc, opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	u := newMemberUnit(t, srv.URL(), opts...)

	ws := websocket.New(ringwatch.NewClient(p.Config()))
	if err := ws.Open(context.Background(), []subscription.Filter{subscription.AccountTelephonySessions()}, pub.Sink()); err != nil {
		t.Fatal(err)
	}
	defer ws.Close(context.Background())

	sc, ok := notifytest.ScenarioNamed("internal-hold")
	if !ok {
		sc = notifytest.Scenarios()[0]
	}
	res, err := p.Play(context.Background(), sc.New(p.Cast()))
	if err != nil {
		t.Fatal(err)
	}
	want := len(res.Transitions())
	waitFor(t, 15*time.Second, "the scenario's changes", func() bool {
		ch, _ := u.col.snapshot()
		return len(ch) >= want && ch[len(ch)-1].CallEnded
	})
	ch, _ := u.col.snapshot()
	if len(ch) != want {
		t.Fatalf("%d changes, the scenario has %d transitions", len(ch), want)
	}

	now := time.Now()
	pub.Sink().State(transport.State{Kind: transport.Gap, Since: now.Add(-time.Second), Until: now, Reason: "recovery failed"})
	waitFor(t, 15*time.Second, "the forwarded Gap", func() bool {
		return u.col.count(func(ev notify.Event) bool { g, ok := ev.(*notify.Gap); return ok && g.Reason == "recovery failed" }) > 0
	})
}
