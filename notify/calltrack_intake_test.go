package notify

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
	"github.com/ringwatch/ringwatch/telephony"
	"github.com/ringwatch/ringwatch/transport"
)

// Call tracking sees each event once, in order, after de-duplication: a
// repeated notification makes neither an event nor a change.
func TestCallTrackingSeesEachNotificationOnce(t *testing.T) {
	leakcheck.Check(t)
	s, ft := subscribe(t, WithCallTracking())
	sink := ft.Sink()
	sink.State(transport.State{Kind: transport.Connected, SubscriptionID: "sub-1"})
	t1 := telephonyNote("t1", "s-1", "p-1", 1, telephony.Proceeding, "")
	deliverRaw(t, sink, t1, t1)
	sink.State(transport.State{Kind: transport.Gap, Reason: "recovery failed"})
	deliverRaw(t, sink, telephonyNote("t2", "s-1", "p-1", 2, telephony.Answered, ""))
	want := []string{
		"connected:sub-1",
		"t1", "call s-1/p-1 >Proceeding Ringing started @t1",
		"gap:recovery failed",
		"t2", "call s-1/p-1 Proceeding>Answered Answered @t2",
	}
	if diff := cmp.Diff(want, receiveCalls(t, s, len(want))); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	wantStats(t, s, Stats{Received: 3, Delivered: uint64(len(want)), Duplicates: 1})
	if st := s.Calls().Stats(); st.Duplicates != 0 {
		t.Errorf("tracker saw %d duplicates, want 0 (dropped before it)", st.Duplicates)
	}
}

// blockOnChange leaves a telephony notification "t2" in the buffer of one
// with its *CallChange waiting for room, and returns its Deliver's result.
func blockOnChange(t *testing.T, ctx context.Context, s *Subscription, sink transport.Sink) <-chan error {
	t.Helper()
	deliverRaw(t, sink, telephonyNote("t1", "s-1", "p-1", 1, telephony.Proceeding, ""))
	// The pump offers t1 and its change fills the ring; reading t1 lets
	// the pump take the change and offer it.
	if diff := cmp.Diff([]string{"t1"}, receiveCalls(t, s, 1)); diff != "" {
		t.Fatalf("events (-want +got):\n%s", diff)
	}
	waitFor(t, "the pump to take the change", func() bool { return s.st.buffered() == 0 })
	done := make(chan error, 1)
	go func() {
		done <- sink.Deliver(ctx, msg(telephonyNote("t2", "s-1", "p-1", 2, telephony.Answered, "")))
	}()
	waitFor(t, "t2 to reach the buffer", func() bool { return s.st.buffered() == 1 })
	return done
}

// A Deliver waiting to push a change the tracker derived is released by
// Close with ErrClosed.
func TestCallTrackingEmitFailsOnClose(t *testing.T) {
	leakcheck.Check(t)
	s, ft := subscribe(t, WithBufferSize(1), WithCallTracking())
	done := blockOnChange(t, context.Background(), s, ft.Sink())
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Errorf("Deliver = %v, want ErrClosed", err)
	}
}

// A notification that reached the buffer counts as seen even if the change
// it caused did not: its redelivery is a duplicate.
func TestCallTrackingPartialDeliveryIsNotRepeated(t *testing.T) {
	leakcheck.Check(t)
	s, ft := subscribe(t, WithBufferSize(1), WithCallTracking())
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := blockOnChange(t, ctx, s, ft.Sink())
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Deliver = %v, want context.Canceled", err)
	}
	deliverRaw(t, ft.Sink(), telephonyNote("t2", "s-1", "p-1", 2, telephony.Answered, ""))
	want := []string{"call s-1/p-1 >Proceeding Ringing started @t1", "t2"}
	if diff := cmp.Diff(want, receiveCalls(t, s, len(want))); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	wantStats(t, s, Stats{Received: 3, Delivered: 3, Duplicates: 1})
}
