package webhook

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ringwatch/ringwatch/internal/testkit/fixture"
	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/subscription"
)

// BenchmarkTransportToEvents drives the Transport's Handler from parallel
// goroutines into a notify.Subscription whose events a consumer reads:
// request verification, hand-off, decoding, de-duplication and the
// stream, end to end (without the network). Each notification has its
// own uuid, so none is dropped as a repeat.
func BenchmarkTransportToEvents(b *testing.B) {
	tmpl := fixture.Read(b, "rccallcontrol-notif-telephonySessionInboundProceedingMessage.json")
	uuidAt := bytes.Index(tmpl, []byte(`"uuid"`))
	if uuidAt < 0 {
		b.Fatal("fixture without uuid")
	}
	clk := newFakeClock()
	tr := newWithAPI(newFakeAPI(clk), hookURL, withClock(clk), WithHandlerOptions(WithMaxWait(time.Second)))
	sub, err := notify.Subscribe(context.Background(), tr, []subscription.Filter{subscription.AccountTelephonySessions()}, notify.WithBufferSize(4096))
	if err != nil {
		b.Fatal(err)
	}
	tok := tr.VerificationToken()
	var consumed atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range sub.Events() {
			consumed.Add(1)
		}
	}()
	var seq atomic.Int64
	var lat latencies
	var fails atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		local := make([]time.Duration, 0, 1<<16)
		w := &discardWriter{h: http.Header{}}
		for pb.Next() {
			// A fresh uuid per notification: "uuid":"<n>", then the rest.
			body := append([]byte(nil), tmpl[:uuidAt]...)
			body = append(body, `"uuid":"bench-`...)
			body = appendInt(body, seq.Add(1))
			body = append(body, `","x-uuid"`...)
			body = append(body, tmpl[uuidAt+len(`"uuid"`):]...)
			r := httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader(body))
			r.Header.Set("Verification-Token", tok)
			clear(w.h)
			t0 := time.Now()
			tr.Handler().ServeHTTP(w, r)
			local = append(local, time.Since(t0))
			if w.code != http.StatusOK {
				fails.Add(1)
			}
		}
		lat.add(local)
	})
	elapsed := time.Since(start)
	b.StopTimer()
	if st := sub.Stats(); st.DecodeErrors != 0 || st.Duplicates != 0 || st.Received != uint64(b.N) {
		b.Fatalf("subscription stats %+v for %d notifications", st, b.N)
	}
	if err := sub.Close(); err != nil {
		b.Fatal(err)
	}
	wg.Wait()
	if n := fails.Load(); n > 0 {
		b.Fatalf("%d requests not answered 200", n)
	}
	lat.report(b, elapsed)
}

func appendInt(b []byte, n int64) []byte {
	var d [20]byte
	i := len(d)
	for {
		i--
		d[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return append(b, d[i:]...)
}
