package notify

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/transport"
)

// fakeTransport is an in-memory transport.Transport: tests deliver through
// the Sink it was opened with, as a real transport's goroutines would.
type fakeTransport struct {
	openErr  error
	closeErr error
	// onOpen runs inside Open with the sink, before Open returns.
	onOpen func(transport.Sink)

	mu      sync.Mutex
	sink    transport.Sink
	filters []subscription.Filter
	opens   int
	closes  int
	// closeCtxErr and closeDeadline are what the last Close saw of its
	// context: its error, and whether it had a deadline.
	closeCtxErr   error
	closeDeadline bool
}

func (f *fakeTransport) Name() string { return "fake" }

func (f *fakeTransport) Open(ctx context.Context, filters []subscription.Filter, sink transport.Sink) error {
	f.mu.Lock()
	f.opens++
	f.filters = filters
	f.mu.Unlock()
	if f.openErr != nil {
		return f.openErr
	}
	f.mu.Lock()
	f.sink = sink
	f.mu.Unlock()
	if f.onOpen != nil {
		f.onOpen(sink)
	}
	return nil
}

func (f *fakeTransport) Close(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closes++
	f.closeCtxErr = ctx.Err()
	_, f.closeDeadline = ctx.Deadline()
	return f.closeErr
}

func (f *fakeTransport) Sink() transport.Sink {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sink
}

func (f *fakeTransport) counts() (opens, closes int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.opens, f.closes
}

var testFilters = []subscription.Filter{subscription.ExtensionPresence("1")}

// subscribe starts a Subscription over a new fake transport and closes it
// when the test ends.
func subscribe(t *testing.T, opts ...Option) (*Subscription, *fakeTransport) {
	t.Helper()
	ft := &fakeTransport{}
	s, err := Subscribe(t.Context(), ft, testFilters, opts...)
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, ft
}

// presenceNote is a small valid presence notification.
func presenceNote(uuid string, seq int) []byte {
	return fmt.Appendf(nil, `{"uuid":%q,"event":"/restapi/v1.0/account/~/extension/1/presence",`+
		`"timestamp":"2024-05-01T10:00:00.000Z","subscriptionId":"sub-1","ownerId":"1",`+
		`"body":{"extensionId":"1","telephonyStatus":"Ringing","sequence":%d}}`, uuid, seq)
}

func msg(data []byte) transport.Message {
	return transport.Message{Data: data, Received: time.Now(), Transport: "fake"}
}

// deliver delivers presence notifications with the given uuids and fails
// the test on an error.
func deliver(t *testing.T, sink transport.Sink, uuids ...string) {
	t.Helper()
	for i, u := range uuids {
		if err := sink.Deliver(t.Context(), msg(presenceNote(u, i))); err != nil {
			t.Fatalf("Deliver(%s): %v", u, err)
		}
	}
}

// describe summarises an event for comparisons: the uuid of a
// notification, or the type and key fields of the others.
func describe(ev Event) string {
	switch e := ev.(type) {
	case *PresenceEvent, *TelephonyEvent, *RenewalReminder:
		return ev.EventHeader().UUID
	case *Unknown:
		return "unknown:" + e.UUID + ":" + e.Event
	case *Overflow:
		return fmt.Sprintf("overflow:%d/%d", e.Dropped, e.Total)
	case *Connected:
		return "connected:" + e.SubscriptionID
	case *Reconnecting:
		return fmt.Sprintf("reconnecting:%d", e.Attempt)
	case *Recovered:
		return "recovered"
	case *Resubscribed:
		return "resubscribed:" + e.PreviousID + ">" + e.SubscriptionID
	case *Gap:
		return "gap:" + e.Reason
	}
	return fmt.Sprintf("%T", ev)
}

// receive reads n events, failing the test if they do not come within
// a few seconds.
func receive(t *testing.T, s *Subscription, n int) []string {
	t.Helper()
	var got []string
	timeout := time.After(5 * time.Second)
	for len(got) < n {
		select {
		case ev, ok := <-s.Events():
			if !ok {
				t.Fatalf("Events closed after %v, want %d events", got, n)
			}
			got = append(got, describe(ev))
		case <-timeout:
			t.Fatalf("got %v after 5s, want %d events", got, n)
		}
	}
	return got
}

// drain reads until Events is closed.
func drain(t *testing.T, s *Subscription) []string {
	t.Helper()
	var got []string
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev, ok := <-s.Events():
			if !ok {
				return got
			}
			got = append(got, describe(ev))
		case <-timeout:
			t.Fatalf("Events not closed after 5s; got %v", got)
		}
	}
}

// waitFor polls cond, which checks state another goroutine changes, for up
// to 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// buffered returns how many events the ring holds.
func (st *stream) buffered() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.n
}

// wantStats checks s.Stats against want. Delivered is counted just after
// the consumer has received an event, so it is given a moment to settle.
func wantStats(t *testing.T, s *Subscription, want Stats) {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	got := s.Stats()
	for got != want && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
		got = s.Stats()
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Stats (-want +got):\n%s", diff)
	}
}
