package relay

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/transport/webhook"
)

// benchSenders is how many webhook requests are in flight at once, as
// RingCentral's deliveries to one address are.
const benchSenders = 64

// singleRate is the single-process rate measured first in the same run,
// which the relay's rates are compared to.
var singleRate float64

// BenchmarkRelay measures notifications per second from a webhook
// receiver (Handler.ServeHTTP) to a subscriber's Events, with call
// tracking: first in a single process (the Handler delivers to notify),
// then through the relay (the Handler publishes to JetStream, one member
// consumes 1 or 4 partitions into notify), on an embedded server with file
// storage (the default) or memory storage. Each notification's latency from the request to its event is
// measured; added-p50/p99 are the relay's percentiles minus the single
// process's. Run with -benchtime=20000x or more.
func BenchmarkRelay(b *testing.B) {
	var singleP50, singleP99 float64
	b.Run("SingleProcess", func(b *testing.B) {
		ft := &feedTransport{}
		sub, err := notify.Subscribe(context.Background(), ft, []subscription.Filter{subscription.AccountTelephonySessions()}, notify.WithCallTracking())
		if err != nil {
			b.Fatal(err)
		}
		h := webhook.NewHandler(testToken, webhook.WithDeliver(ft.sink.Deliver), webhook.WithMaxWait(5*time.Second))
		rate, p50, p99 := benchPipeline(b, h, sub)
		sub.Close()
		singleRate, singleP50, singleP99 = rate, p50, p99
	})
	for _, bc := range []struct {
		storage string
		parts   int
	}{{"File", 1}, {"File", 4}, {"Memory", 4}} {
		parts := bc.parts
		b.Run(fmt.Sprintf("Relay/%s/Partitions=%d", bc.storage, parts), func(b *testing.B) {
			srv := startNATS(b)
			opts := []Option{WithPartitions(parts), WithStream(fmt.Sprintf("BENCH%d", parts))}
			if bc.storage == "Memory" {
				opts = append(opts, WithMemoryStorage())
			}
			nc := connect(b, srv.URL())
			pub, err := NewPublisher(context.Background(), nc, opts...)
			if err != nil {
				b.Fatal(err)
			}
			defer pub.Close()
			mc := connect(b, srv.URL())
			m, err := NewMember(context.Background(), mc, opts...)
			if err != nil {
				b.Fatal(err)
			}
			sub, err := notify.Subscribe(context.Background(), m, []subscription.Filter{subscription.AccountTelephonySessions()}, m.CallTracking())
			if err != nil {
				b.Fatal(err)
			}
			defer sub.Close()
			deadline := time.Now().Add(10 * time.Second)
			for len(m.Partitions()) < parts && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			h := webhook.NewHandler(testToken, webhook.WithDeliver(pub.Deliver), webhook.WithMaxWait(5*time.Second))
			rate, p50, p99 := benchPipeline(b, h, sub)
			if singleRate > 0 {
				b.ReportMetric(rate/singleRate, "ratio")
				b.ReportMetric(p50-singleP50, "added-p50-µs")
				b.ReportMetric(p99-singleP99, "added-p99-µs")
			}
		})
	}
}

// benchPipeline posts b.N notifications to h from benchSenders goroutines
// (each call's four notifications from one of them, in order) and waits
// for their events on sub; it reports the rate and the latency
// percentiles (µs).
func benchPipeline(b *testing.B, h http.Handler, sub *notify.Subscription) (rate, p50, p99 float64) {
	return benchRun(b, h, sub, benchSenders, false)
}

// benchRun posts b.N notifications from senders goroutines; with pingPong
// (one sender) each notification waits for the event of the one before,
// so that the latency is the pipeline's own, without queueing.
func benchRun(b *testing.B, h http.Handler, sub *notify.Subscription, senders int, pingPong bool) (rate, p50, p99 float64) {
	n := b.N
	notes := make([][]byte, n)
	codes := []string{"Setup", "Proceeding", "Answered", "Disconnected"}
	for i := range notes {
		notes[i] = note("b-"+strconv.Itoa(i), "s-"+strconv.Itoa(i/4), i%4+1, codes[i%4])
	}
	sent := make([]atomic.Int64, n)
	lat := make([]time.Duration, 0, n)
	got := make(chan struct{})
	each := make(chan struct{}, 1)
	go func() {
		defer close(got)
		seen := 0
		for ev := range sub.Events() {
			te, ok := ev.(*notify.TelephonyEvent)
			if !ok {
				continue
			}
			i, err := strconv.Atoi(strings.TrimPrefix(te.UUID, "b-"))
			if err == nil && i < n {
				lat = append(lat, time.Duration(time.Now().UnixNano()-sent[i].Load()))
			}
			if pingPong {
				each <- struct{}{}
			}
			if seen++; seen == n {
				return
			}
		}
	}()
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	start := time.Now()
	var wg sync.WaitGroup
	var refused atomic.Int64
	calls := (n + 3) / 4
	for g := range senders {
		wg.Go(func() {
			for c := g; c < calls; c += senders {
				for i := c * 4; i < min(c*4+4, n); i++ {
					req := httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader(notes[i]))
					req.Header.Set("Verification-Token", testToken)
					req.Header.Set("Content-Type", "application/json")
					w := httptest.NewRecorder()
					sent[i].Store(time.Now().UnixNano())
					h.ServeHTTP(w, req)
					if w.Code != http.StatusOK {
						refused.Add(1)
					} else if pingPong {
						<-each
					}
				}
			}
		})
	}
	wg.Wait()
	select {
	case <-got:
	case <-time.After(60 * time.Second):
		b.Fatalf("events of %d notifications not received in 60 s", n)
	}
	elapsed := time.Since(start)
	cpu := cpuTime() - cpu0
	b.StopTimer()
	if refused.Load() > 0 {
		b.Fatalf("%d notifications refused", refused.Load())
	}
	slices.Sort(lat)
	rate = float64(n) / elapsed.Seconds()
	p50 = float64(lat[len(lat)/2].Microseconds())
	p99 = float64(lat[len(lat)*99/100].Microseconds())
	b.ReportMetric(rate, "notifications/s")
	// The process's CPU time per notification does not depend on what
	// else the machine runs; 2 cores / cpu-µs is the rate this machine
	// could reach with nothing else on it.
	b.ReportMetric(float64(cpu.Microseconds())/float64(n), "cpu-µs/notification")
	b.ReportMetric(p50, "p50-µs")
	b.ReportMetric(p99, "p99-µs")
	return rate, p50, p99
}

// cpuTime is the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkRelayLatency measures the latency one notification adds when
// it goes through the relay instead of straight to notify: one sender,
// each notification sent once the event of the one before has arrived,
// so that nothing queues. added-p50/p99 are the relay's percentiles (4
// partitions, file storage) minus the single process's.
func BenchmarkRelayLatency(b *testing.B) {
	var p50s, p99s float64
	b.Run("SingleProcess", func(b *testing.B) {
		ft := &feedTransport{}
		sub, err := notify.Subscribe(context.Background(), ft, []subscription.Filter{subscription.AccountTelephonySessions()}, notify.WithCallTracking())
		if err != nil {
			b.Fatal(err)
		}
		h := webhook.NewHandler(testToken, webhook.WithDeliver(ft.sink.Deliver))
		_, p50s, p99s = benchRun(b, h, sub, 1, true)
		sub.Close()
	})
	b.Run("Relay/File/Partitions=4", func(b *testing.B) {
		srv := startNATS(b)
		opts := []Option{WithPartitions(4), WithStream("LATENCY")}
		pub, err := NewPublisher(context.Background(), connect(b, srv.URL()), opts...)
		if err != nil {
			b.Fatal(err)
		}
		defer pub.Close()
		m, err := NewMember(context.Background(), connect(b, srv.URL()), opts...)
		if err != nil {
			b.Fatal(err)
		}
		sub, err := notify.Subscribe(context.Background(), m, []subscription.Filter{subscription.AccountTelephonySessions()}, m.CallTracking())
		if err != nil {
			b.Fatal(err)
		}
		defer sub.Close()
		deadline := time.Now().Add(10 * time.Second)
		for len(m.Partitions()) < 4 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		h := webhook.NewHandler(testToken, webhook.WithDeliver(pub.Deliver))
		_, p50, p99 := benchRun(b, h, sub, 1, true)
		if p50s > 0 {
			b.ReportMetric(p50-p50s, "added-p50-µs")
			b.ReportMetric(p99-p99s, "added-p99-µs")
		}
	})
}
