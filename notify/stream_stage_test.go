package notify

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
	"github.com/ringwatch/ringwatch/transport"
)

// withStage adds st to the pipeline, as WithCallTracking will.
func withStage(st stage) Option {
	return optionFunc(func(o *options) {
		o.stages = append(o.stages, func(*options) stage { return st })
	})
}

// deriving passes every event on, follows each presence event with a
// derived one, and answers a *Gap with two resync events before the gap.
type deriving struct {
	mu     sync.Mutex
	closed int
}

func (d *deriving) process(ctx context.Context, ev Event, emit func(Event) error) error {
	if g, ok := ev.(*Gap); ok {
		for _, what := range []string{"resync-1", "resync-2"} {
			if err := emit(&Unknown{Header: Header{Event: what, Timestamp: g.Timestamp}}); err != nil {
				return err
			}
		}
		return emit(ev)
	}
	if err := emit(ev); err != nil {
		return err
	}
	if p, ok := ev.(*PresenceEvent); ok {
		return emit(&Unknown{Header: Header{UUID: p.UUID, Event: "derived"}})
	}
	return nil
}

func (d *deriving) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closed++
}

// recording passes events on and records what it saw.
type recording struct {
	mu   sync.Mutex
	seen []string
}

func (r *recording) process(ctx context.Context, ev Event, emit func(Event) error) error {
	r.mu.Lock()
	r.seen = append(r.seen, describe(ev))
	r.mu.Unlock()
	return emit(ev)
}

func TestStagesSeeEveryEventInOrder(t *testing.T) {
	leakcheck.Check(t)
	d, r := &deriving{}, &recording{}
	s, ft := subscribe(t, withStage(d), withStage(r))
	ft.Sink().State(transport.State{Kind: transport.Connected, SubscriptionID: "sub-1"})
	deliver(t, ft.Sink(), "a", "a", "b")
	ft.Sink().State(transport.State{Kind: transport.Gap, Reason: "recovery failed"})
	deliver(t, ft.Sink(), "c")
	want := []string{
		"connected:sub-1",
		"a", "unknown:a:derived",
		"b", "unknown:b:derived",
		"unknown::resync-1", "unknown::resync-2", "gap:recovery failed",
		"c", "unknown:c:derived",
	}
	if diff := cmp.Diff(want, receive(t, s, len(want))); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	r.mu.Lock()
	seen := r.seen
	r.mu.Unlock()
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Errorf("second stage saw (-want +got):\n%s", diff)
	}
	wantStats(t, s, Stats{Received: 4, Delivered: uint64(len(want)), Duplicates: 1})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed != 1 {
		t.Errorf("stage closed %d times, want 1", d.closed)
	}
}

// TestStageEmitFailsOnClose checks that a stage waiting in emit is released
// by Close with ErrClosed, which Deliver returns.
func TestStageEmitFailsOnClose(t *testing.T) {
	leakcheck.Check(t)
	d := &deriving{}
	s, ft := subscribe(t, WithBufferSize(1), withStage(d))
	// "h" is offered by the pump, its derived event fills the ring, and
	// the next Deliver waits in the stage's first emit.
	deliver(t, ft.Sink(), "h")
	done := blockedDeliver(context.Background(), ft.Sink(), "w")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Errorf("Deliver = %v, want ErrClosed", err)
	}
}

// signalling emits every event and then a derived one, telling the test
// when the first emit of "w" has returned.
type signalling struct{ pushed chan struct{} }

func (g signalling) process(ctx context.Context, ev Event, emit func(Event) error) error {
	if err := emit(ev); err != nil {
		return err
	}
	if ev.EventHeader().UUID == "w" {
		close(g.pushed)
		return emit(&Unknown{Header: Header{UUID: "w", Event: "derived"}})
	}
	return nil
}

// TestStagePartialDeliveryIsNotRepeated checks that a notification that
// reached the buffer counts as seen even if a derived event did not: its
// redelivery is a duplicate.
func TestStagePartialDeliveryIsNotRepeated(t *testing.T) {
	leakcheck.Check(t)
	g := signalling{pushed: make(chan struct{})}
	s, ft := subscribe(t, WithBufferSize(1), withStage(g))
	fillBlockBuffer(t, s, ft.Sink(), 1) // "h" offered, "f0" buffered
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := blockedDeliver(ctx, ft.Sink(), "w")
	if diff := cmp.Diff([]string{"h"}, receive(t, s, 1)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	<-g.pushed // "w" is in the ring; its derived event waits
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Deliver = %v, want context.Canceled", err)
	}
	deliver(t, ft.Sink(), "w")
	if diff := cmp.Diff([]string{"f0", "w"}, receive(t, s, 2)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	wantStats(t, s, Stats{Received: 4, Delivered: 3, Duplicates: 1})
}
