package websocket

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/ringwatch/ringwatch/internal/testkit/fixture"
	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/transport"
)

// BenchmarkHandleNotification measures the reader's work per
// notification (parse the frame, check the subscription, deliver), against
// BenchmarkBaselineUnmarshal, a plain json.Unmarshal of the frame into its
// two parts.
func BenchmarkHandleNotification(b *testing.B) {
	data := fixture.Read(b, "apidocs-ws-websocket-notification.json")
	tr := newWithClient("http://127.0.0.1:1", nil)
	tr.sink = nopSink{}
	tr.subID = "2db5fcc4-xxxx-xxxx-xxxx-fa9b78dd9a55"
	ctx := context.Background()
	tr.dctx = ctx
	c := newConn(tr, nil, false)
	c.gotFirst = true
	now := time.Now()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		f, err := parseFrame(data)
		if err != nil {
			b.Fatal(err)
		}
		_ = c.handle(ctx, &f, now)
		if _, ok := tr.q.take(ctx); !ok { // as the delivery goroutine would
			b.Fatal("nothing queued")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "notifications/s")
}

func BenchmarkBaselineUnmarshal(b *testing.B) {
	data := fixture.Read(b, "apidocs-ws-websocket-notification.json")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var parts []json.RawMessage
		if err := json.Unmarshal(data, &parts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "notifications/s")
}

// decodeSink decodes every notification as notify's sink does and keeps
// the last event, so that the decoding cannot be optimised away.
type decodeSink struct {
	nopSink
	last notify.Event
}

func (s *decodeSink) Deliver(_ context.Context, m transport.Message) error {
	ev, err := notify.Decode(m.Data)
	if err != nil {
		return err
	}
	s.last = ev
	return nil
}

// BenchmarkFrame compares the transport's whole per-notification work
// with notify.Decode alone, on the same recorded ServerNotification frame:
//
//   - DecodeOnly: notify.Decode of the notification envelope inside the
//     frame, the floor any transport pays;
//   - FrameToEvent: the raw frame in, through the reader's handling (split
//     the frame, find the envelope, check the subscription id, queue it)
//     and the delivery goroutine's hand-over, to a sink that decodes it
//     into a typed event as notify's sink does. The goroutine switch
//     between reader and delivery is left out: one delivery is run
//     synchronously after each frame.
//
// The transport's share is the difference; FrameToEvent/DecodeOnly should
// stay at or below 1.3.
func BenchmarkFrame(b *testing.B) {
	data := fixture.Read(b, "apidocs-ws-websocket-notification.json")
	f, err := parseFrame(data)
	if err != nil {
		b.Fatal(err)
	}
	env, err := notificationEnvelope(&f)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := notify.Decode(env); err != nil {
		b.Fatal(err)
	}
	b.Run("DecodeOnly", func(b *testing.B) {
		b.SetBytes(int64(len(env)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := notify.Decode(env); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("FrameToEvent", func(b *testing.B) {
		tr := newWithClient("http://127.0.0.1:1", nil)
		sink := &decodeSink{}
		tr.sink = sink
		tr.subID = "2db5fcc4-xxxx-xxxx-xxxx-fa9b78dd9a55"
		tr.dctx = context.Background()
		c := newConn(tr, nil, false)
		c.gotFirst = true
		ctx := context.Background()
		now := time.Now()
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			c.handleFrame(ctx, data, now)
			it, ok := tr.q.take(ctx)
			if !ok {
				b.Fatal("nothing queued")
			}
			sink.last = nil
			tr.deliverItem(ctx, it)
			if sink.last == nil || tr.sinkDone {
				b.Fatal("no event")
			}
		}
	})
}
