package websocket

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ringwatch/ringwatch/internal/testkit/fakewsg"
	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
	"github.com/ringwatch/ringwatch/transport"
)

// stallSink is a fakeSink whose first Deliver blocks for stall, as a
// consumer that stops reading does under notify's Block policy.
type stallSink struct {
	*fakeSink
	stall   time.Duration
	started chan struct{}
	once    bool
}

func (s *stallSink) Deliver(ctx context.Context, m transport.Message) error {
	if !s.once {
		s.once = true
		close(s.started)
		select {
		case <-time.After(s.stall):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return s.fakeSink.Deliver(ctx, m)
}

// Issue 10.5: a consumer that stalls 3 s, with a heartbeat of 300 ms and
// 2,000 notifications published meanwhile, loses nothing and the
// transport does not reconnect. (Before, the reader waited in Deliver,
// heartbeats went unanswered, the connection was declared dead, and what
// the gateway had already written was lost.) The delivery buffer is
// smaller than what is published, so the reader also has to wait for
// room: that wait is not silence either.
func TestSlowConsumerIsNotADeadGateway(t *testing.T) {
	for _, buf := range []int{DefaultDeliveryBuffer, 4096} {
		t.Run("buffer "+itoa(buf), func(t *testing.T) {
			leakcheck.Check(t)
			g := newGateway(t, fakewsg.Config{PingInterval: 500 * time.Millisecond, QueueSize: 4096})
			sink := &stallSink{fakeSink: newFakeSink(), stall: 3 * time.Second, started: make(chan struct{})}
			tr := g.open(t, sink, WithHeartbeat(300*time.Millisecond), WithDeliveryBuffer(buf))
			sub := tr.SubscriptionID()
			const n = 2000
			publishAll(t, g, sub, 0, 1)
			<-sink.started
			hb := g.Stats().Heartbeats
			publishAll(t, g, sub, 1, n)
			sink.waitFor(t, "all notifications", func() bool {
				// Counted, not decoded: decoding 2,000 envelopes on every
				// delivery would starve the transport it measures.
				sink.mu.Lock()
				defer sink.mu.Unlock()
				return len(sink.delivered) >= n
			})
			if diff := cmp.Diff(seqUUIDs(0, n), sink.uuids()); diff != "" {
				t.Errorf("delivered (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]transport.StateKind{transport.Connected}, sink.kinds()); diff != "" {
				t.Errorf("states (-want +got):\n%s", diff)
			}
			st := g.Stats()
			if st.Connections != 1 {
				t.Errorf("gateway saw %d connections, want 1 (no reconnection)", st.Connections)
			}
			if buf > n && st.Heartbeats == hb {
				// Everything fitted in the buffer: the socket was read
				// throughout the stall, heartbeats sent and answered.
				t.Errorf("no heartbeat during the stall with room in the buffer")
			}
		})
	}
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
