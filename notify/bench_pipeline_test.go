package notify

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/ringwatch/ringwatch/internal/testkit/fixture"
	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
	"github.com/ringwatch/ringwatch/transport"
)

// uniqueNotes returns n copies of the fixture with distinct uuids. n is
// larger than the default dedup window, so cycling through them never
// meets a uuid still in the window.
func uniqueNotes(b *testing.B, name string, n int) [][]byte {
	b.Helper()
	data := fixture.Read(b, name)
	key := []byte(`"uuid"`)
	i := bytes.Index(data, key)
	if i < 0 {
		b.Fatalf("%s has no uuid", name)
	}
	open := i + len(key) + bytes.IndexByte(data[i+len(key):], '"')
	end := open + 1 + bytes.IndexByte(data[open+1:], '"')
	notes := make([][]byte, n)
	for j := range notes {
		notes[j] = fmt.Appendf(nil, "%s%s-%06d%s", data[:open+1], data[open+1:end], j, data[end:])
	}
	if _, err := Decode(notes[0]); err != nil {
		b.Fatalf("%s: %v", name, err)
	}
	return notes
}

// BenchmarkPipeline measures raw notification bytes to Events: one
// goroutine delivers as a transport does, another drains Events. Its
// baseline is Decode alone on the same bytes in the same run, the work the
// pipeline cannot avoid.
func BenchmarkPipeline(b *testing.B) {
	for _, bc := range []struct{ name, file string }{
		{"Telephony", "apidocs-voice-telephony-session-event.json"},
		{"Presence", "apidocs-event-detailed-extension-presence-with-sip.json"},
	} {
		notes := uniqueNotes(b, bc.file, 2*DefaultDedupWindow)
		b.Run(bc.name+"/DecodeBaseline", func(b *testing.B) {
			b.ReportAllocs()
			for i := range b.N {
				if _, err := Decode(notes[i%len(notes)]); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "notifications/s")
		})
		for _, policy := range []OverflowPolicy{Block, DropOldest} {
			b.Run(bc.name+"/Subscribe/"+policy.String(), func(b *testing.B) {
				benchSubscribe(b, notes, policy)
			})
		}
	}
}

func benchSubscribe(b *testing.B, notes [][]byte, policy OverflowPolicy) {
	leakcheck.Check(b)
	ft := &fakeTransport{}
	s, err := Subscribe(context.Background(), ft, testFilters, WithOverflow(policy))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	sink := ft.Sink()
	drained := make(chan uint64)
	go func() {
		var n uint64
		for ev := range s.Events() {
			if _, ok := ev.(*Overflow); !ok {
				n++
			}
			if n == uint64(b.N) {
				break
			}
		}
		drained <- n
	}()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		m := transport.Message{Data: notes[i%len(notes)], Transport: "bench"}
		if err := sink.Deliver(ctx, m); err != nil {
			b.Fatal(err)
		}
	}
	if policy == Block {
		// Every notification must reach the consumer.
		if n := <-drained; n != uint64(b.N) {
			b.Fatalf("consumer got %d of %d", n, b.N)
		}
		b.StopTimer()
	} else {
		// The consumer may never count b.N after drops; what is measured
		// is how fast the transport is served.
		b.StopTimer()
		s.Close()
		<-drained
	}
	st := s.Stats()
	if st.Duplicates != 0 || st.DecodeErrors != 0 {
		b.Fatalf("Stats = %+v, want no duplicates or decode errors", st)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "notifications/s")
	b.ReportMetric(float64(st.Dropped)/float64(b.N), "dropped/op")
}
