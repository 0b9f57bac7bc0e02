package webhook

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ringwatch/ringwatch/internal/testkit/fixture"
)

// latencies collects per-request latencies from RunParallel's goroutines.
type latencies struct {
	mu  sync.Mutex
	all []time.Duration
}

func (l *latencies) add(d []time.Duration) {
	l.mu.Lock()
	l.all = append(l.all, d...)
	l.mu.Unlock()
}

// report adds notifications/s and the p50/p99 latency to the benchmark.
func (l *latencies) report(b *testing.B, elapsed time.Duration) {
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "notifications/s")
	if len(l.all) == 0 {
		return
	}
	slices.Sort(l.all)
	q := func(p float64) float64 { return float64(l.all[int(p*float64(len(l.all)-1))]) / 1e3 }
	b.ReportMetric(q(0.50), "p50-µs")
	b.ReportMetric(q(0.99), "p99-µs")
}

// drain empties the Handler's queue until stop is closed, as a consumer
// would.
func drain(h *Handler, stop chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	for {
		select {
		case <-h.Messages():
		case <-stop:
			return
		}
	}
}

// BenchmarkHandlerServeHTTP calls ServeHTTP directly from parallel
// goroutines with a real telephony notification: the handler's own cost.
func BenchmarkHandlerServeHTTP(b *testing.B) {
	body := fixture.Read(b, "rccallcontrol-notif-telephonySessionInboundProceedingMessage.json")
	h := NewHandler(testToken)
	stop, wg := make(chan struct{}), &sync.WaitGroup{}
	wg.Add(1)
	go drain(h, stop, wg)
	var lat latencies
	var fails atomic.Int64
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		local := make([]time.Duration, 0, 1<<16)
		w := &discardWriter{h: http.Header{}}
		for pb.Next() {
			r := httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader(body))
			r.Header.Set("Verification-Token", testToken)
			clear(w.h)
			t0 := time.Now()
			h.ServeHTTP(w, r)
			local = append(local, time.Since(t0))
			if w.code != http.StatusOK {
				fails.Add(1)
			}
		}
		lat.add(local)
	})
	elapsed := time.Since(start)
	b.StopTimer()
	close(stop)
	wg.Wait()
	if n := fails.Load(); n > 0 {
		b.Fatalf("%d requests not answered 200", n)
	}
	lat.report(b, elapsed)
}

// BenchmarkHandlerHTTP POSTs notifications over loopback HTTP/1.1 with
// keep-alive from parallel clients: what RingCentral's deliveries cost,
// including net/http on both sides.
func BenchmarkHandlerHTTP(b *testing.B) {
	body := fixture.Read(b, "rccallcontrol-notif-telephonySessionInboundProceedingMessage.json")
	h := NewHandler(testToken, WithQueueSize(4096))
	stop, wg := make(chan struct{}), &sync.WaitGroup{}
	wg.Add(1)
	go drain(h, stop, wg)
	srv := httptest.NewServer(h)
	tr := &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}
	client := &http.Client{Transport: tr}
	var lat latencies
	var fails atomic.Int64
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.SetParallelism(4) // several connections per core, as concurrent deliveries would be
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		local := make([]time.Duration, 0, 1<<14)
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/hook", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json; charset=UTF-8")
			req.Header.Set("Verification-Token", testToken)
			t0 := time.Now()
			resp, err := client.Do(req)
			if err != nil {
				fails.Add(1)
				continue
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			local = append(local, time.Since(t0))
			if resp.StatusCode != http.StatusOK {
				fails.Add(1)
			}
		}
		lat.add(local)
	})
	elapsed := time.Since(start)
	b.StopTimer()
	tr.CloseIdleConnections()
	srv.Close()
	close(stop)
	wg.Wait()
	if n := fails.Load(); n > 0 {
		b.Fatalf("%d requests failed", n)
	}
	lat.report(b, elapsed)
}

// discardWriter is a minimal ResponseWriter for the direct benchmark.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }
