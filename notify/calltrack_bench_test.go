package notify

import (
	"context"
	"fmt"
	"testing"

	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
	"github.com/ringwatch/ringwatch/telephony"
	"github.com/ringwatch/ringwatch/transport"
)

// callNotes returns the notifications of calls that ring, are answered and
// end (three per call), with distinct uuids, interleaved over 100 calls at
// a time.
func callNotes(calls int) [][]byte {
	const lanes = 100
	steps := []struct {
		code   telephony.StatusCode
		reason string
	}{{telephony.Proceeding, ""}, {telephony.Answered, ""}, {telephony.Disconnected, telephony.ReasonCallFinished}}
	var out [][]byte
	for base := 0; base < calls; base += lanes {
		for i, st := range steps {
			for l := range min(lanes, calls-base) {
				id := fmt.Sprintf("s-%06d", base+l)
				out = append(out, telephonyNote(fmt.Sprintf("u-%s-%d", id, i), id, id+"-p", i+1, st.code, st.reason))
			}
		}
	}
	return out
}

// BenchmarkCallTracking measures the pipeline from raw bytes to Events
// with call tracking on, against the same pipeline without it (the
// baseline, in the same run). The notifications are those of whole calls,
// so the tracker's model stays small and every notification makes one
// change.
func BenchmarkCallTracking(b *testing.B) {
	notes := callNotes(2 * DefaultDedupWindow)
	b.Run("Baseline", func(b *testing.B) { benchTracking(b, notes, false) })
	b.Run("WithCallTracking", func(b *testing.B) { benchTracking(b, notes, true) })
}

func benchTracking(b *testing.B, notes [][]byte, track bool) {
	leakcheck.Check(b)
	ft := &fakeTransport{}
	var opts []Option
	if track {
		// no TTL, so that a session id seen again starts a new call
		opts = append(opts, WithCallTracking(TrackerOptions(telephony.WithEndedTTL(0))))
	}
	s, err := Subscribe(context.Background(), ft, testFilters, opts...)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	sink := ft.Sink()
	type counts struct{ notes, changes uint64 }
	drained := make(chan counts)
	go func() {
		var c counts
		for ev := range s.Events() {
			switch ev.(type) {
			case *TelephonyEvent:
				c.notes++
			case *CallChange:
				c.changes++
			}
			if c.notes == uint64(b.N) && (!track || c.changes >= uint64(b.N)) {
				break
			}
		}
		drained <- c
	}()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if err := sink.Deliver(ctx, transport.Message{Data: notes[i%len(notes)], Transport: "bench"}); err != nil {
			b.Fatal(err)
		}
	}
	c := <-drained
	b.StopTimer()
	if c.notes != uint64(b.N) {
		b.Fatalf("consumer got %d of %d notifications", c.notes, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "notifications/s")
	if track {
		b.ReportMetric(float64(c.changes)/float64(b.N), "changes/op")
	}
}
