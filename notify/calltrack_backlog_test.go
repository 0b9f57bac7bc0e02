package notify

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
	"github.com/ringwatch/ringwatch/telephony"
	"github.com/ringwatch/ringwatch/transport"
)

// A transport that delivers without a deadline (WebSocket, PubNub) must not
// lose notifications because a resync holds a full queue: under the Block
// policy Deliver waits for the resync, as for room in a full buffer, and
// every notification comes out after it. A bounded delivery (a webhook's)
// is refused instead, within its bound.
func TestResyncBacklogBlocksUnboundedDelivery(t *testing.T) {
	leakcheck.Check(t)
	rest := newFakeREST()
	rest.gate = make(chan struct{})
	s, ft := subscribe(t, WithBufferSize(2), WithCallTracking(ResyncFrom(rest, rest), ResyncExtensions("1"), fastRetry))
	sink := ft.Sink()
	sink.State(transport.State{Kind: transport.Gap, Reason: "gap"})
	waitFor(t, "the resync to start", func() bool { return len(rest.readLog()) > 0 })

	const n = 6
	done := make(chan error, 1)
	go func() {
		for i := range n {
			note := telephonyNote(fmt.Sprint("u", i), "s-1", "p-1", i+1, telephony.Proceeding, "")
			if err := sink.Deliver(context.Background(), msg(note)); err != nil {
				done <- fmt.Errorf("notification %d: %w", i, err)
				return
			}
		}
		done <- nil
	}()

	// The queue holds two; the third waits for the resync rather than fail.
	select {
	case err := <-done:
		t.Fatalf("deliveries returned while the resync held a full queue: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	// A bounded delivery meanwhile is refused within its bound.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := sink.Deliver(ctx, msg(telephonyNote("late", "s-9", "p-9", 1, telephony.Proceeding, "")))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("bounded Deliver during a full resync backlog = %v, want the deadline", err)
	}

	// The consumer reads from now on: the resync finishes, and every
	// notification comes out after it.
	seen := make(chan map[string]bool, 1)
	go func() {
		got := map[string]bool{}
		deadline := time.After(5 * time.Second)
		for len(got) < n {
			select {
			case ev := <-s.Events():
				if te, ok := ev.(*TelephonyEvent); ok {
					got[te.UUID] = true
				}
			case <-deadline:
				seen <- got
				return
			}
		}
		seen <- got
	}()
	close(rest.gate)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("deliveries still blocked after the resync finished")
	}
	if got := <-seen; len(got) != n {
		t.Fatalf("got %d of %d notifications after the resync: %v", len(got), n, got)
	}
}

// Under DropOldest a full resync queue never refuses a delivery (which a
// WebSocket or PubNub transport would take for the end of the
// subscription): the oldest held notification is dropped, and the consumer
// is told with an *Overflow.
func TestResyncBacklogDropOldest(t *testing.T) {
	leakcheck.Check(t)
	rest := newFakeREST()
	rest.gate = make(chan struct{})
	s, ft := subscribe(t, WithBufferSize(2), WithOverflow(DropOldest),
		WithCallTracking(ResyncFrom(rest, rest), ResyncExtensions("1"), fastRetry))
	sink := ft.Sink()
	sink.State(transport.State{Kind: transport.Gap, Reason: "gap"})
	waitFor(t, "the resync to start", func() bool { return len(rest.readLog()) > 0 })
	for i := range 4 {
		note := telephonyNote(fmt.Sprint("u", i), "s-1", "p-1", i+1, telephony.Proceeding, "")
		if err := sink.Deliver(context.Background(), msg(note)); err != nil {
			t.Fatalf("Deliver %d under DropOldest: %v", i, err)
		}
	}
	close(rest.gate)
	var got []string
	deadline := time.After(5 * time.Second)
	for !slices.Contains(got, "u3") {
		select {
		case ev := <-s.Events():
			switch e := ev.(type) {
			case *Overflow:
				got = append(got, fmt.Sprint("overflow ", e.Total))
			case *TelephonyEvent:
				got = append(got, e.UUID)
			}
		case <-deadline:
			t.Fatalf("got %q", got)
		}
	}
	// The buffer of 2 may drop more once the resync's own events come;
	// what matters is that the newest notification arrived and the two
	// oldest were reported as dropped.
	if s.Stats().Dropped < 2 {
		t.Errorf("Stats().Dropped = %d, want at least the 2 held notifications dropped", s.Stats().Dropped)
	}
}
