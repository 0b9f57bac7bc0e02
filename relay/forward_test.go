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

// TestGapResyncByPartition: after a Gap, each member resynchronises only
// the calls of its partitions (Member.ResyncREST): no call is reported by
// two members, and every call ends once.
func TestGapResyncByPartition(t *testing.T) {
	if testing.Short() {
		t.Skip("plays calls for seconds")
	}
	leakcheck.Check(t)
	srv := startNATS(t)
	p := notifytest.NewPlatform()
	t.Cleanup(p.Close)
	rc := ringwatch.NewClient(p.Config())
	opts := []Option{WithPartitions(4), WithPartitionTTL(time.Second)}
	nc := connect(t, srv.URL())
	pub, err := NewPublisher(context.Background(), nc, opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	tracking := func(m *Member) []notify.CallTrackingOption {
		return []notify.CallTrackingOption{m.ResyncREST(rc), notify.ResyncAccount(0)}
	}
	units := []*memberUnit{newMemberUnitWith(t, srv.URL(), tracking, opts...), newMemberUnitWith(t, srv.URL(), tracking, opts...)}
	waitFor(t, 10*time.Second, "the partitions to be shared", func() bool {
		return len(units[0].m.Partitions()) == 2 && len(units[1].m.Partitions()) == 2
	})
	ws := websocket.New(rc)
	if err := ws.Open(context.Background(), []subscription.Filter{subscription.AccountTelephonySessions()}, pub.Sink()); err != nil {
		t.Fatal(err)
	}
	defer ws.Close(context.Background())

	mixDone := make(chan error, 1)
	go func() {
		_, err := p.RunMix(context.Background(), notifytest.MixOptions{Concurrency: 8, Calls: 24, Pace: 100 * time.Millisecond, Seed: 3})
		mixDone <- err
	}()
	waitFor(t, 15*time.Second, "calls in progress", func() bool {
		a, _ := units[0].col.snapshot()
		b, _ := units[1].col.snapshot()
		return len(a) > 10 && len(b) > 10
	})
	now := time.Now()
	pub.Sink().State(transport.State{Kind: transport.Gap, Since: now.Add(-time.Second), Until: now, Reason: "test gap"})
	if err := <-mixDone; err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "every partition to be consumed", func() bool { return drained(t, nc, DefaultStream, 4) })
	for _, u := range units {
		waitFor(t, 10*time.Second, "the resync", func() bool {
			return u.col.count(func(ev notify.Event) bool { _, ok := ev.(*notify.Resynced); return ok }) > 0
		})
	}
	time.Sleep(200 * time.Millisecond) // the last notifications' changes

	seen := map[string]int{}
	owner := map[string]int{} // session → the member that reported it
	ended := map[string]int{}
	resynced := 0
	for i, u := range units {
		ch, _ := u.col.snapshot()
		for _, c := range ch {
			if c.Resync {
				resynced++
			}
			k := changeKey(c)
			if j, ok := seen[k]; ok && j != i {
				t.Errorf("reported by members %d and %d: %s", j, i, k)
			}
			seen[k] = i
			// No member leaves or joins: each call is one member's.
			if j, ok := owner[c.TelephonySessionID]; ok && j != i {
				t.Errorf("call %s reported by members %d and %d (%s)", c.TelephonySessionID, j, i, k)
			}
			owner[c.TelephonySessionID] = i
			if c.CallEnded {
				ended[c.TelephonySessionID]++
			}
		}
	}
	for id, n := range ended {
		if n != 1 {
			t.Errorf("call %s ended %d times", id, n)
		}
	}
	if len(ended) < 24 {
		t.Errorf("%d calls ended, want at least 24", len(ended))
	}
	t.Logf("%d changes, %d calls ended, %d changes found by resync", len(seen), len(ended), resynced)
}
