package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/ringwatch/ringwatch"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ringwatch/ringwatch/internal/testkit/fixture"
	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/transport"
)

func TestSubscribeKeepsDeliveryOrder(t *testing.T) {
	leakcheck.Check(t)
	// A small buffer makes the producer wait on the consumer many times.
	s, ft := subscribe(t, WithBufferSize(2))
	const n = 500
	var want []string
	for i := range n {
		want = append(want, fmt.Sprintf("u%03d", i))
	}
	errc := make(chan error, 1)
	go func() {
		for i, u := range want {
			if err := ft.Sink().Deliver(context.Background(), msg(presenceNote(u, i))); err != nil {
				errc <- err
				return
			}
		}
		errc <- nil
	}()
	got := receive(t, s, n)
	if err := <-errc; err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	wantStats(t, s, Stats{Received: n, Delivered: n})
}

func TestSubscribeDecodesFixtures(t *testing.T) {
	leakcheck.Check(t)
	s, ft := subscribe(t)
	names := []string{
		"rcwidgets-notif-telephonySessions.json",
		"apidocs-event-detailed-extension-presence.json",
		"grokify-goclient-event-subscription-renewal.json",
	}
	for _, name := range names {
		if err := ft.Sink().Deliver(t.Context(), msg(fixture.Read(t, name))); err != nil {
			t.Fatalf("Deliver(%s): %v", name, err)
		}
	}
	var types []string
	for _, name := range names {
		ev := <-s.Events()
		types = append(types, fmt.Sprintf("%T", ev))
		want, err := Decode(fixture.Read(t, name))
		if err != nil {
			t.Fatalf("Decode: %v", err)
		}
		if diff := cmp.Diff(want, ev); diff != "" {
			t.Errorf("%s: event differs from Decode (-want +got):\n%s", name, diff)
		}
	}
	if diff := cmp.Diff([]string{"*notify.TelephonyEvent", "*notify.PresenceEvent", "*notify.RenewalReminder"}, types); diff != "" {
		t.Errorf("types (-want +got):\n%s", diff)
	}
}

func TestSubscribeDropsDuplicates(t *testing.T) {
	leakcheck.Check(t)
	s, ft := subscribe(t)
	deliver(t, ft.Sink(), "a", "b", "a", "c", "b", "c", "d")
	got := receive(t, s, 4)
	if diff := cmp.Diff([]string{"a", "b", "c", "d"}, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	wantStats(t, s, Stats{Received: 7, Delivered: 4, Duplicates: 3})
}

func TestSubscribeDedupWindowIsBounded(t *testing.T) {
	leakcheck.Check(t)
	s, ft := subscribe(t, WithDedupWindow(2))
	// "a" leaves the window when "c" enters, so it is taken again; "c" is
	// still in the window.
	deliver(t, ft.Sink(), "a", "b", "c", "a", "c")
	got := receive(t, s, 4)
	if diff := cmp.Diff([]string{"a", "b", "c", "a"}, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if got, want := s.Stats().Duplicates, uint64(1); got != want {
		t.Errorf("Duplicates = %d, want %d", got, want)
	}
	s.intake <- struct{}{}
	n := s.dedup.len()
	s.unlockIntake()
	if n != 2 {
		t.Errorf("window holds %d uuids, want 2", n)
	}
}

func TestSubscribeDedupOff(t *testing.T) {
	leakcheck.Check(t)
	s, ft := subscribe(t, WithDedupWindow(0))
	deliver(t, ft.Sink(), "a", "a")
	if diff := cmp.Diff([]string{"a", "a"}, receive(t, s, 2)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestSubscribeSkipsUndecodable(t *testing.T) {
	leakcheck.Check(t)
	var logs bytes.Buffer
	var logMu sync.Mutex
	logger := slog.New(slog.NewTextHandler(lockedWriter{&logMu, &logs}, nil))
	s, ft := subscribe(t, WithLogger(logger))
	bad := [][]byte{
		[]byte(`{"uuid":"x"`),
		[]byte(`{"uuid":"y","body":{}}`), // no event filter
		[]byte(`{"uuid":"z","event":"/restapi/v1.0/account/~/extension/1/presence","body":{"sequence":many}}`),
		nil,
	}
	deliver(t, ft.Sink(), "a")
	for _, b := range bad {
		if err := ft.Sink().Deliver(t.Context(), msg(b)); err != nil {
			t.Fatalf("Deliver(%q) = %v, want nil (skipped)", b, err)
		}
	}
	// A drifted field costs the field, not the notification.
	drifted := []byte(`{"uuid":"d","event":"/restapi/v1.0/account/~/extension/1/presence","body":{"sequence":"many"}}`)
	if err := ft.Sink().Deliver(t.Context(), msg(drifted)); err != nil {
		t.Fatal(err)
	}
	deliver(t, ft.Sink(), "b")
	if diff := cmp.Diff([]string{"a", "d", "b"}, receive(t, s, 3)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	wantStats(t, s, Stats{Received: 7, Delivered: 3, DecodeErrors: 4, SkippedFields: 1})
	logMu.Lock()
	n := strings.Count(logs.String(), "could not be decoded")
	logMu.Unlock()
	if n != 4 {
		t.Errorf("logged %d decode errors, want 4:\n%s", n, logs.String())
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}

// blockedDeliver starts a Deliver of uuid and returns its result channel.
func blockedDeliver(ctx context.Context, sink transport.Sink, uuid string) <-chan error {
	c := make(chan error, 1)
	go func() { c <- sink.Deliver(ctx, msg(presenceNote(uuid, 0))) }()
	return c
}

// fillBlockBuffer delivers "h" (which the pump takes and offers) and then
// size more, so that the next Deliver must wait.
func fillBlockBuffer(t *testing.T, s *Subscription, sink transport.Sink, size int) {
	t.Helper()
	deliver(t, sink, "h")
	waitFor(t, "the pump to take the first event", func() bool { return s.st.buffered() == 0 })
	for i := range size {
		deliver(t, sink, fmt.Sprintf("f%d", i))
	}
}

func TestBlockPolicyAppliesBackpressure(t *testing.T) {
	leakcheck.Check(t)
	s, ft := subscribe(t, WithBufferSize(2))
	fillBlockBuffer(t, s, ft.Sink(), 2)
	done := blockedDeliver(t.Context(), ft.Sink(), "w")
	select {
	case err := <-done:
		t.Fatalf("Deliver returned %v with the buffer full, want it to wait", err)
	case <-time.After(50 * time.Millisecond):
	}
	// Reading one event makes room for exactly one.
	if diff := cmp.Diff([]string{"h"}, receive(t, s, 1)); diff != "" {
		t.Errorf("first event (-want +got):\n%s", diff)
	}
	if err := <-done; err != nil {
		t.Fatalf("Deliver after a read: %v", err)
	}
	if diff := cmp.Diff([]string{"f0", "f1", "w"}, receive(t, s, 3)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestBlockedDeliverEndsOnClose(t *testing.T) {
	leakcheck.Check(t)
	s, ft := subscribe(t, WithBufferSize(1))
	fillBlockBuffer(t, s, ft.Sink(), 1)
	done := blockedDeliver(context.Background(), ft.Sink(), "w")
	stateDone := make(chan struct{})
	go func() {
		// A state change waits behind the blocked Deliver, and must be
		// released by Close too.
		ft.Sink().State(transport.State{Kind: transport.Recovered})
		close(stateDone)
	}()
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Errorf("blocked Deliver = %v, want ErrClosed", err)
	}
	<-stateDone
	if got := drain(t, s); len(got) != 0 {
		t.Errorf("events after Close = %v, want none", got)
	}
}

func TestBlockedDeliverEndsWithItsContext(t *testing.T) {
	leakcheck.Check(t)
	s, ft := subscribe(t, WithBufferSize(1))
	fillBlockBuffer(t, s, ft.Sink(), 1)
	ctx, cancel := context.WithCancel(t.Context())
	done := blockedDeliver(ctx, ft.Sink(), "w")
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Deliver = %v, want context.Canceled", err)
	}
	// The notification was not taken, so its redelivery is not a repeat.
	done = blockedDeliver(t.Context(), ft.Sink(), "w")
	if diff := cmp.Diff([]string{"h", "f0", "w"}, receive(t, s, 3)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if err := <-done; err != nil {
		t.Fatalf("redelivery: %v", err)
	}
	if got := s.Stats().Duplicates; got != 0 {
		t.Errorf("Duplicates = %d, want 0", got)
	}
}

func TestDropOldestPolicy(t *testing.T) {
	leakcheck.Check(t)
	s, ft := subscribe(t, WithBufferSize(3), WithOverflow(DropOldest))
	deliver(t, ft.Sink(), "e1")
	waitFor(t, "the pump to take e1", func() bool { return s.st.buffered() == 0 })
	// With e1 offered by the pump, e2…e10 go through a ring of 3: e2…e7
	// are dropped, and Deliver never waits.
	deliver(t, ft.Sink(), "e2", "e3", "e4", "e5", "e6", "e7", "e8", "e9", "e10")
	got := receive(t, s, 5)
	want := []string{"e1", "overflow:6/6", "e8", "e9", "e10"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	// A second overflow reports its own count and the running total.
	deliver(t, ft.Sink(), "g1")
	waitFor(t, "the pump to take g1", func() bool { return s.st.buffered() == 0 })
	deliver(t, ft.Sink(), "g2", "g3", "g4", "g5", "g6")
	got = receive(t, s, 5)
	want = []string{"g1", "overflow:2/8", "g4", "g5", "g6"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	wantStats(t, s, Stats{Received: 16, Delivered: 10, Dropped: 8})
}

func TestStateEvents(t *testing.T) {
	leakcheck.Check(t)
	s, ft := subscribe(t)
	at := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	lost := errors.New("connection reset")
	states := []transport.State{
		{Kind: transport.Connected, At: at, SubscriptionID: "sub-1"},
		{Kind: transport.Reconnecting, At: at.Add(1 * time.Second), Attempt: 2, Err: lost},
		{Kind: transport.Recovered, At: at.Add(2 * time.Second)},
		{Kind: transport.StateKind(99), At: at}, // unknown: ignored
		{Kind: transport.Resubscribed, At: at.Add(3 * time.Second), SubscriptionID: "sub-2", Reason: "recovery failed"},
		{Kind: transport.Gap, At: at.Add(4 * time.Second), Since: at, Until: at.Add(3 * time.Second), Reason: "recovery failed"},
	}
	for _, st := range states {
		ft.Sink().State(st)
	}
	var got []Event
	for range 5 {
		got = append(got, <-s.Events())
	}
	want := []Event{
		&Connected{Header: Header{SubscriptionID: "sub-1", Timestamp: at}, Transport: "fake"},
		&Reconnecting{Header: Header{SubscriptionID: "sub-1", Timestamp: at.Add(time.Second)}, Attempt: 2, Err: lost},
		&Recovered{Header: Header{SubscriptionID: "sub-1", Timestamp: at.Add(2 * time.Second)}},
		&Resubscribed{Header: Header{SubscriptionID: "sub-2", Timestamp: at.Add(3 * time.Second)}, PreviousID: "sub-1", Reason: "recovery failed"},
		&Gap{Header: Header{SubscriptionID: "sub-2", Timestamp: at.Add(4 * time.Second)}, Since: at, Until: at.Add(3 * time.Second), Reason: "recovery failed"},
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateErrors()); diff != "" {
		t.Errorf("state events (-want +got):\n%s", diff)
	}
}

func TestFailEndsTheSubscription(t *testing.T) {
	leakcheck.Check(t)
	s, ft := subscribe(t)
	deliver(t, ft.Sink(), "a", "b")
	boom := errors.New("subscription deleted by the server")
	ft.Sink().Fail(fmt.Errorf("websocket: %w", boom))
	// What was buffered before the failure is still received.
	var got []string
	var gotErr []error
	for ev, err := range s.All(t.Context()) {
		if err != nil {
			gotErr = append(gotErr, err)
			continue
		}
		got = append(got, describe(ev))
	}
	if diff := cmp.Diff([]string{"a", "b"}, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if len(gotErr) != 1 || !errors.Is(gotErr[0], boom) {
		t.Errorf("All yielded errors %v, want one wrapping %v", gotErr, boom)
	}
	if _, ok := <-s.Events(); ok {
		t.Error("Events not closed after Fail")
	}
	if err := s.Err(); !errors.Is(err, boom) {
		t.Errorf("Err = %v, want %v", err, boom)
	}
	if err := ft.Sink().Deliver(t.Context(), msg(presenceNote("c", 0))); !errors.Is(err, ErrClosed) {
		t.Errorf("Deliver after Fail = %v, want ErrClosed", err)
	}
	ft.Sink().Fail(errors.New("second failure")) // ignored
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := s.Err(); !errors.Is(err, boom) {
		t.Errorf("Err after Close = %v, want the failure %v", err, boom)
	}
	if _, closes := ft.counts(); closes != 1 {
		t.Errorf("transport closed %d times, want 1", closes)
	}
}

func TestFailWithoutError(t *testing.T) {
	leakcheck.Check(t)
	s, ft := subscribe(t)
	ft.Sink().Fail(nil)
	drain(t, s)
	if err := s.Err(); !errors.Is(err, ErrTransportStopped) {
		t.Errorf("Err = %v, want ErrTransportStopped", err)
	}
}

func TestCloseIsIdempotentAndConcurrent(t *testing.T) {
	leakcheck.Check(t)
	closeErr := errors.New("delete subscription: 503")
	ft := &fakeTransport{closeErr: closeErr}
	s, err := Subscribe(t.Context(), ft, testFilters)
	if err != nil {
		t.Fatal(err)
	}
	deliver(t, ft.Sink(), "a", "b")
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { errs[i] = s.Close() })
	}
	wg.Wait()
	for i, err := range errs {
		if !errors.Is(err, closeErr) {
			t.Errorf("Close #%d = %v, want %v", i, err, closeErr)
		}
	}
	if _, closes := ft.counts(); closes != 1 {
		t.Errorf("transport closed %d times, want 1", closes)
	}
	if got := drain(t, s); len(got) != 0 {
		t.Errorf("events after Close = %v, want none (dropped)", got)
	}
	if err := s.Err(); err != nil {
		t.Errorf("Err after Close = %v, want nil", err)
	}
	if err := ft.Sink().Deliver(t.Context(), msg(presenceNote("c", 0))); !errors.Is(err, ErrClosed) {
		t.Errorf("Deliver after Close = %v, want ErrClosed", err)
	}
	ft.Sink().State(transport.State{Kind: transport.Gap}) // ignored, no panic
	ft.Sink().Fail(errors.New("late"))                    // ignored
	if err := s.Err(); err != nil {
		t.Errorf("Err after a late Fail = %v, want nil", err)
	}
	for ev, err := range s.All(t.Context()) {
		t.Errorf("All after Close yielded (%v, %v)", ev, err)
	}
}

func TestAllBreakKeepsSubscription(t *testing.T) {
	leakcheck.Check(t)
	s, ft := subscribe(t)
	deliver(t, ft.Sink(), "a", "b", "c")
	var got []string
	for ev, err := range s.All(t.Context()) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, describe(ev))
		if len(got) == 2 {
			break
		}
	}
	got = append(got, receive(t, s, 1)...)
	if diff := cmp.Diff([]string{"a", "b", "c"}, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if err := s.Err(); err != nil {
		t.Errorf("Err = %v, want nil (still running)", err)
	}
}

func TestAllStopsWhenItsContextIsDone(t *testing.T) {
	leakcheck.Check(t)
	s, ft := subscribe(t)
	deliver(t, ft.Sink(), "a")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var got []string
	var errs []error
	for ev, err := range s.All(ctx) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		got = append(got, describe(ev))
		cancel() // while waiting for the next event
	}
	if diff := cmp.Diff([]string{"a"}, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]error{context.Canceled}, errs, cmpopts.EquateErrors()); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	// The subscription runs on.
	deliver(t, ft.Sink(), "b")
	if diff := cmp.Diff([]string{"b"}, receive(t, s, 1)); diff != "" {
		t.Errorf("after All (-want +got):\n%s", diff)
	}
}

func TestSubscribeContextEndsSubscription(t *testing.T) {
	leakcheck.Check(t)
	ctx, cancel := context.WithCancelCause(t.Context())
	defer cancel(nil)
	ft := &fakeTransport{}
	s, err := Subscribe(ctx, ft, testFilters)
	if err != nil {
		t.Fatal(err)
	}
	deliver(t, ft.Sink(), "a")
	stop := errors.New("shutting down")
	cancel(stop)
	drain(t, s)
	waitFor(t, "the transport to be closed", func() bool { _, c := ft.counts(); return c == 1 })
	if err := s.Err(); !errors.Is(err, stop) {
		t.Errorf("Err = %v, want %v", err, stop)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if _, closes := ft.counts(); closes != 1 {
		t.Errorf("transport closed %d times, want 1", closes)
	}
}

// The natural program: one signal context given to Subscribe, and a
// deferred Close. When the context ends, Events closes, Err reports the
// context's cause, and the transport is closed — which removes the
// RingCentral subscription — on a context of its own that is not done and
// is bounded by WithCloseTimeout.
func TestSubscribeContextEndClosesTransportOnBoundedContext(t *testing.T) {
	leakcheck.Check(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	ft := &fakeTransport{}
	s, err := Subscribe(ctx, ft, testFilters, WithCloseTimeout(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	cancel() // Ctrl-C
	for range s.Events() {
	}
	if err := s.Err(); !errors.Is(err, context.Canceled) {
		t.Errorf("Err = %v, want context.Canceled", err)
	}
	if err := s.Close(); err != nil { // the deferred Close
		t.Errorf("Close: %v", err)
	}
	ft.mu.Lock()
	defer ft.mu.Unlock()
	if ft.closes != 1 || ft.closeCtxErr != nil || !ft.closeDeadline {
		t.Errorf("transport Close: %d calls, its context's error %v, deadline %v; want 1 call on a live context with a deadline",
			ft.closes, ft.closeCtxErr, ft.closeDeadline)
	}
}

func TestSubscribeOpenFails(t *testing.T) {
	leakcheck.Check(t)
	openErr := &ringwatch.APIError{StatusCode: 429, Code: "CMN-301", Message: "Request rate exceeded"}
	ft := &fakeTransport{openErr: openErr}
	s, err := Subscribe(t.Context(), ft, testFilters)
	if s != nil {
		t.Errorf("Subscribe returned a Subscription with error %v", err)
	}
	var apiErr *ringwatch.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 429 {
		t.Errorf("Subscribe error = %v, want the *APIError", err)
	}
	if opens, closes := ft.counts(); opens != 1 || closes != 1 {
		t.Errorf("Open %d times and Close %d times, want 1 and 1", opens, closes)
	}
}

func TestSubscribeRejectsBadArguments(t *testing.T) {
	leakcheck.Check(t)
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	tests := []struct {
		name         string
		ctx          context.Context
		nilTransport bool
		filters      []subscription.Filter
		opts         []Option
		want         error
	}{
		{name: "no filters", filters: nil, want: ErrNoFilters},
		{name: "bad filter", filters: []subscription.Filter{testFilters[0], "presence"}, want: new(subscription.FilterError)},
		{name: "nil transport", nilTransport: true, filters: testFilters},
		{name: "buffer", filters: testFilters, opts: []Option{WithBufferSize(0)}, want: ErrInvalidOption},
		{name: "policy", filters: testFilters, opts: []Option{WithOverflow(OverflowPolicy(7))}, want: ErrInvalidOption},
		{name: "window", filters: testFilters, opts: []Option{WithDedupWindow(-1)}, want: ErrInvalidOption},
		{name: "close timeout", filters: testFilters, opts: []Option{WithCloseTimeout(0)}, want: ErrInvalidOption},
		{name: "context done", ctx: cancelled, filters: testFilters, want: context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ft := &fakeTransport{}
			var tr transport.Transport = ft
			if tt.nilTransport {
				tr = nil
			}
			ctx := tt.ctx
			if ctx == nil {
				ctx = t.Context()
			}
			s, err := Subscribe(ctx, tr, tt.filters, tt.opts...)
			if s != nil || err == nil {
				t.Fatalf("Subscribe = %v, %v; want an error", s, err)
			}
			if fe, ok := tt.want.(*subscription.FilterError); ok {
				if !errors.As(err, &fe) {
					t.Errorf("error = %v, want a *subscription.FilterError", err)
				}
			} else if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("error = %v, want %v", err, tt.want)
			}
			if opens, _ := ft.counts(); opens != 0 {
				t.Errorf("transport opened %d times, want 0", opens)
			}
		})
	}
}

func TestDeliverDuringOpen(t *testing.T) {
	leakcheck.Check(t)
	ft := &fakeTransport{onOpen: func(sink transport.Sink) {
		sink.State(transport.State{Kind: transport.Connected, SubscriptionID: "sub-1"})
		if err := sink.Deliver(context.Background(), msg(presenceNote("a", 1))); err != nil {
			t.Errorf("Deliver in Open: %v", err)
		}
	}}
	s, err := Subscribe(t.Context(), ft, testFilters)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if diff := cmp.Diff([]string{"connected:sub-1", "a"}, receive(t, s, 2)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(testFilters, ft.filters); diff != "" {
		t.Errorf("filters given to Open (-want +got):\n%s", diff)
	}
}

func TestConcurrentDeliveryStateAndClose(t *testing.T) {
	for _, policy := range []OverflowPolicy{Block, DropOldest} {
		t.Run(policy.String(), func(t *testing.T) {
			leakcheck.Check(t)
			s, ft := subscribe(t, WithBufferSize(4), WithOverflow(policy))
			var wg sync.WaitGroup
			for g := range 4 {
				wg.Go(func() {
					for i := range 200 {
						err := ft.Sink().Deliver(context.Background(), msg(presenceNote(fmt.Sprintf("g%d-%d", g, i), i)))
						if err != nil {
							if !errors.Is(err, ErrClosed) {
								t.Errorf("Deliver: %v", err)
							}
							return
						}
						if i%50 == 0 {
							ft.Sink().State(transport.State{Kind: transport.Reconnecting, Attempt: i})
						}
					}
				})
			}
			consumer := make(chan int)
			go func() {
				n := 0
				for range s.Events() {
					if n++; n == 300 {
						s.Close()
					}
				}
				consumer <- n
			}()
			wg.Wait()
			s.Close()
			n := <-consumer
			st := s.Stats()
			if st.Delivered != uint64(n) || st.Received > 800 {
				t.Errorf("Stats = %+v after %d events read, want Delivered = events read, Received <= 800", st, n)
			}
			if policy == Block && n < 300 {
				t.Errorf("read %d events under Block, want at least 300", n)
			}
		})
	}
}
