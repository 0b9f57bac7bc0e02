package websocket

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ringwatch/ringwatch/internal/testkit/fakewsg"
	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
	"github.com/ringwatch/ringwatch/transport"
)

// publishAll publishes envelopes [from, to) of sub and checks that a
// session held the subscription.
func publishAll(t *testing.T, g *gateway, sub string, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		if !g.Publish(sub, envelope(sub, i)) {
			t.Fatalf("publish %d: no session holds %s", i, sub)
		}
	}
}

// waitDisconnected waits until the gateway sees no connection.
func waitDisconnected(t *testing.T, g *gateway) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		connected := false
		for _, s := range g.Sessions() {
			connected = connected || s.Connected
		}
		if !connected {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the gateway still sees a connection")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestDropRecoversWithoutLossOrDuplicates(t *testing.T) {
	leakcheck.Check(t)
	g := newGateway(t, fakewsg.Config{})
	sink := newFakeSink()
	// Reconnection waits until the test has published while disconnected.
	release := make(chan struct{})
	tr := g.open(t, sink, WithBackoffFunc(func(int) time.Duration { <-release; return 0 }))
	sub := tr.SubscriptionID()

	publishAll(t, g, sub, 0, 20)
	sink.waitDelivered(t, 20)
	if n := g.Drop(""); n != 1 {
		t.Fatalf("Drop = %d, want 1", n)
	}
	waitDisconnected(t, g)
	publishAll(t, g, sub, 20, 50) // kept for recovery
	close(release)
	sink.waitFor(t, "Recovered", func() bool { return sink.countKind(transport.Recovered) == 1 })
	publishAll(t, g, sub, 50, 60)
	sink.waitDelivered(t, 60)

	if diff := cmp.Diff(seqUUIDs(0, 60), sink.uuids()); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
	want := []transport.StateKind{transport.Connected, transport.Reconnecting, transport.Recovered}
	if diff := cmp.Diff(want, sink.kinds()); diff != "" {
		t.Errorf("states (-want +got):\n%s", diff)
	}
	if got := tr.SubscriptionID(); got != sub {
		t.Errorf("subscription after recovery = %q, want %q", got, sub)
	}
	st := g.Stats()
	if st.Recovered != 1 || st.Buffered != 30 || st.Connections != 2 {
		t.Errorf("gateway stats = %+v, want 2 connections, 1 recovered, 30 buffered", st)
	}
}

func TestFailedRecoveryResubscribesWithGap(t *testing.T) {
	leakcheck.Check(t)
	g := newGateway(t, fakewsg.Config{})
	sink := newFakeSink()
	tr := g.open(t, sink)
	sub := tr.SubscriptionID()
	publishAll(t, g, sub, 0, 3)
	sink.waitDelivered(t, 3)

	before := time.Now()
	g.FailNextRecovery()
	g.Drop("")
	sink.waitFor(t, "Gap", func() bool { return sink.countKind(transport.Gap) == 1 })
	sub2 := tr.SubscriptionID()
	if sub2 == "" || sub2 == sub {
		t.Fatalf("subscription after failed recovery = %q (was %q), want a new one", sub2, sub)
	}
	if g.Publish(sub, envelope(sub, 99)) {
		t.Error("the old subscription still has a session")
	}
	publishAll(t, g, sub2, 3, 8)
	sink.waitDelivered(t, 8)
	if diff := cmp.Diff(seqUUIDs(0, 8), sink.uuids()); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}

	want := []transport.StateKind{transport.Connected, transport.Reconnecting, transport.Resubscribed, transport.Gap}
	if diff := cmp.Diff(want, sink.kinds()); diff != "" {
		t.Fatalf("states (-want +got):\n%s", diff)
	}
	states := sink.stateList()
	gap, resub := states[3], states[2]
	if resub.SubscriptionID != sub2 || gap.SubscriptionID != sub2 {
		t.Errorf("Resubscribed/Gap subscription = %q/%q, want %q", resub.SubscriptionID, gap.SubscriptionID, sub2)
	}
	if !errors.Is(gap.Err, ErrRecoveryFailed) || gap.Reason != "recovery failed" {
		t.Errorf("Gap Err/Reason = %v/%q", gap.Err, gap.Reason)
	}
	if gap.Since.After(before) || gap.Until.Before(gap.Since) || gap.Until.Before(before) {
		t.Errorf("Gap [%v, %v] does not bound the disconnection at %v", gap.Since, gap.Until, before)
	}
	if st := g.Stats(); st.RecoveryFailed != 1 {
		t.Errorf("gateway RecoveryFailed = %d, want 1", st.RecoveryFailed)
	}
}

func TestLateReconnectResubscribes(t *testing.T) {
	leakcheck.Check(t)
	// A one-second recovery window, and a reconnection that waits longer.
	g := newGateway(t, fakewsg.Config{RecoveryTimeout: time.Second})
	sink := newFakeSink()
	tr := g.open(t, sink, WithBackoffFunc(func(int) time.Duration { return 1100 * time.Millisecond }))
	sub := tr.SubscriptionID()
	g.Drop("")
	sink.waitFor(t, "Gap", func() bool { return sink.countKind(transport.Gap) == 1 })
	states := sink.stateList()
	if got := states[len(states)-1]; got.Reason != "session expired" {
		t.Errorf("Gap reason = %q, want session expired", got.Reason)
	}
	posts := 0
	for _, r := range g.Requests() {
		if r.Method == "POST" {
			posts++
		}
	}
	if posts != 2 {
		t.Errorf("%d subscription requests, want 2", posts)
	}
	if st := g.Stats(); st.Recovered+st.RecoveryFailed != 0 {
		t.Errorf("gateway saw a recovery attempt (%+v); a late reconnect must not send wsc", st)
	}
	sub2 := tr.SubscriptionID()
	if sub2 == sub {
		t.Fatal("same subscription after a late reconnect")
	}
	publishAll(t, g, sub2, 0, 2)
	sink.waitDelivered(t, 2)
}

func TestGatewayTimeoutReconnects(t *testing.T) {
	for _, code := range []string{"WSG-903", "WSG-902"} {
		t.Run(code, func(t *testing.T) {
			leakcheck.Check(t)
			g := newGateway(t, fakewsg.Config{})
			sink := newFakeSink()
			tr := g.open(t, sink)
			sub := tr.SubscriptionID()
			if n := g.SendError(code); n != 1 {
				t.Fatalf("SendError = %d", n)
			}
			sink.waitFor(t, "Recovered", func() bool { return sink.countKind(transport.Recovered) == 1 })
			states := sink.stateList()
			var ge *GatewayError
			if !errors.As(states[1].Err, &ge) || ge.Code != code || states[1].Attempt != 1 {
				t.Errorf("Reconnecting = %+v, want attempt 1 with a GatewayError %s", states[1], code)
			}
			publishAll(t, g, sub, 0, 3)
			sink.waitDelivered(t, 3)
			if diff := cmp.Diff(seqUUIDs(0, 3), sink.uuids()); diff != "" {
				t.Errorf("delivered (-want +got):\n%s", diff)
			}
		})
	}
}
