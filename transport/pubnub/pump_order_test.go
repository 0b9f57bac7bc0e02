package pubnub

import (
	"context"
	"fmt"
	"testing"
	"time"

	pn "github.com/pubnub/go/v7"
)

// pubnub/go announces the messages of one poll from a goroutine each, so
// they reach the listener in any order; pump must hand them to the sink in
// timetoken order (a blind transfer's two notifications, swapped, would
// end the call before its new party rang).
func TestPumpDeliversInTimetokenOrder(t *testing.T) {
	tr := New(nil)
	sink := newSink()
	tr.sink = sink
	s := &session{l: pn.NewListener(), done: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	go tr.pump(ctx, context.Background(), s)

	// Announced out of order, as the SDK's goroutines may.
	for _, tt := range []int64{30, 10, 20} {
		s.l.Message <- &pn.PNMessage{Timetoken: tt, Channel: "c", Message: map[string]any{"n": fmt.Sprint(tt)}}
	}
	sink.waitFor(t, "three messages", func() bool { return len(sink.messages()) == 3 })
	want := []string{`{"n":"10"}`, `{"n":"20"}`, `{"n":"30"}`}
	for i, m := range sink.messages() {
		if m != want[i] {
			t.Fatalf("messages = %q, want %q", sink.messages(), want)
		}
	}

	// A message announced after its burst was delivered still goes out.
	time.Sleep(2 * reorderDelay)
	s.l.Message <- &pn.PNMessage{Timetoken: 5, Channel: "c", Message: map[string]any{"n": "5"}}
	sink.waitFor(t, "the late message", func() bool { return len(sink.messages()) == 4 })
	cancel()
	<-s.done
}
