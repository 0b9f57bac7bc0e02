package telephony

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
)

// benchStream returns the notifications of calls calls, made from the
// shipped scenarios with fresh session ids, interleaved as many concurrent
// calls would be (about 500 in flight), with 5% of the notifications
// delivered twice and some delivered out of order.
func benchStream(calls int) []*Session {
	scs := scenarios()
	rng := rand.New(rand.NewPCG(1, 2))
	var perCall [][]*Session
	for i := range calls {
		sc := scs[i%len(scs)]
		evs := make([]*Session, 0, len(sc.events))
		for _, s := range sc.events {
			c := *s
			c.TelephonySessionID = fmt.Sprintf("%s-%032x", s.TelephonySessionID, i)
			c.Parties = []Party{s.Parties[0]}
			evs = append(evs, &c)
			if rng.IntN(20) == 0 {
				evs = append(evs, &c)
			}
		}
		if rng.IntN(10) == 0 && len(evs) > 2 {
			j := rng.IntN(len(evs) - 1)
			evs[j], evs[j+1] = evs[j+1], evs[j]
		}
		perCall = append(perCall, evs)
	}
	var out []*Session
	const inFlight = 500
	active := []int{}
	next := 0
	for next < len(perCall) || len(active) > 0 {
		for len(active) < inFlight && next < len(perCall) {
			active = append(active, next)
			next++
		}
		k := rng.IntN(len(active))
		i := active[k]
		out = append(out, perCall[i][0])
		perCall[i] = perCall[i][1:]
		if len(perCall[i]) == 0 {
			active[k] = active[len(active)-1]
			active = active[:len(active)-1]
		}
	}
	return out
}

// BenchmarkTrackerApply measures Apply on a realistic mix of the shipped
// scenarios; AppendApply reuses the caller's buffer. Live applies the same
// stream without the notifications that end a party (Disconnected, Gone),
// to an uncapped tracker, so no call ends: it measures what calls that
// have not ended cost, without the summary built when a call ends. Run
// with -cpu 1 for the single-core figure.
func BenchmarkTrackerApply(b *testing.B) {
	stream := benchStream(20000)
	var live []*Session
	for _, s := range stream {
		if !s.Parties[0].Status.Code.Final() {
			live = append(live, s)
		}
	}
	for _, bc := range []struct {
		name   string
		reuse  bool
		stream []*Session
		opts   []TrackerOption
	}{
		{"Apply", false, stream, nil},
		{"AppendApply", true, stream, nil},
		{"Live", true, live, []TrackerOption{WithMaxCalls(0)}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			stream := bc.stream
			tr := NewTracker(bc.opts...)
			var buf []Change
			i, changes := 0, 0
			for b.Loop() {
				if i == len(stream) {
					b.StopTimer()
					tr, i = NewTracker(bc.opts...), 0
					b.StartTimer()
				}
				if bc.reuse {
					buf = tr.AppendApply(buf[:0], stream[i])
					changes += len(buf)
					for j := range buf {
						if buf[j].CallEnded && bc.name == "Live" {
							b.Fatalf("call %s ended in the live stream", buf[j].TelephonySessionID)
						}
					}
				} else {
					changes += len(tr.Apply(stream[i]))
				}
				i++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(changes)/b.Elapsed().Seconds(), "changes/s")
		})
	}
}

// BenchmarkTrackerApplyParallel measures Apply from several goroutines on
// one tracker (lock contention).
func BenchmarkTrackerApplyParallel(b *testing.B) {
	stream := benchStream(20000)
	tr := NewTracker(WithMaxCalls(0))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := rand.IntN(len(stream))
		for pb.Next() {
			tr.Apply(stream[i%len(stream)])
			i++
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkTrackerMemory measures the heap a tracker keeps per active call,
// with two parties answered and the strings a real notification carries,
// which the tracker keeps alive.
func BenchmarkTrackerMemory(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run("calls="+strconv.Itoa(n), func(b *testing.B) {
			var perCall float64
			for range b.N {
				var err error
				if perCall, err = heapPerLiveCall(n); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(perCall, "bytes/call")
		})
	}
}

// BenchmarkTrackerManyParties measures one party update (a status change)
// on one call with many parties, uncapped: the cost per Apply must not grow
// with the number of parties.
func BenchmarkTrackerManyParties(b *testing.B) {
	for _, n := range []int{100, 1_000, 20_000} {
		b.Run("parties="+strconv.Itoa(n), func(b *testing.B) {
			tr := NewTracker(WithMaxParties(0))
			// evs[0][j] puts party j on hold, evs[1][j] takes it back
			var evs [2][]Session
			for k, code := range []StatusCode{Hold, Answered} {
				evs[k] = make([]Session, n)
				for j := range n {
					evs[k][j] = Session{TelephonySessionID: "s",
						Parties: []Party{{ID: "p-" + strconv.Itoa(j), Status: Status{Code: code}}}}
				}
			}
			seq := int64(0)
			for j := range n {
				seq++
				tr.Apply(&Session{Sequence: seq, TelephonySessionID: "s",
					Parties: []Party{{ID: "p-" + strconv.Itoa(j), Status: Status{Code: Answered}}}})
			}
			var buf []Change
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				s := &evs[i/n%2][i%n]
				seq++
				s.Sequence = seq
				buf = tr.AppendApply(buf[:0], s)
				if len(buf) != 1 {
					b.Fatalf("%d changes", len(buf))
				}
				i++
			}
		})
	}
}
