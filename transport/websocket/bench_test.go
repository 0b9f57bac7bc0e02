package websocket

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/ringwatch/ringwatch/internal/testkit/fixture"
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
	c := newConn(tr, nil, false)
	c.gotFirst = true
	ctx := context.Background()
	now := time.Now()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		f, err := parseFrame(data)
		if err != nil {
			b.Fatal(err)
		}
		_ = c.handle(ctx, &f, now)
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
