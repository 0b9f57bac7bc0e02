package relay

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
)

// leaseTestWait polls cond every 10 ms until it holds or d has passed.
func leaseTestWait(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// leaseTenure is one member's tenure as its function saw it.
type leaseTenure struct {
	holder     string
	start, end time.Time
}

// Three members take turns: each steps down after a short tenure, and the
// next one takes over at once (through the watch, well before the poll
// interval), never two at a time.
func TestLeaseStepDownHandsOverAtOnce(t *testing.T) {
	leakcheck.Check(t)
	s := leaseTestServer(t)
	const ttl = 4 * time.Second // waiters poll every second: faster takeovers come from the watch
	const tenure = 200 * time.Millisecond
	var active, most atomic.Int32
	tenures := make(chan leaseTenure, 64)
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	for i := range 3 {
		_, js := leaseTestConn(t, s)
		name := fmt.Sprintf("m%d", i)
		l := NewLease(js, "lease_handover", "k", WithLeaseTTL(ttl), WithLeaseHolder(name))
		wg.Go(func() {
			for ctx.Err() == nil {
				_ = l.Hold(ctx, func(held context.Context) error {
					n := active.Add(1)
					for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
					}
					start := time.Now()
					tm := time.NewTimer(tenure)
					defer tm.Stop()
					select {
					case <-held.Done():
					case <-tm.C:
					}
					active.Add(-1)
					select {
					case tenures <- leaseTenure{holder: name, start: start, end: time.Now()}:
					default:
					}
					return nil
				})
				// Let the others win the next tenure.
				tm := time.NewTimer(2 * tenure)
				select {
				case <-ctx.Done():
				case <-tm.C:
				}
				tm.Stop()
			}
		})
	}
	var got []leaseTenure
	for len(got) < 6 {
		select {
		case tn := <-tenures:
			got = append(got, tn)
		case <-time.After(5 * time.Second):
			t.Fatalf("only %d tenures in time", len(got))
		}
	}
	cancel()
	wg.Wait()
	if m := most.Load(); m != 1 {
		t.Errorf("%d members held the lease at once", m)
	}
	slices.SortFunc(got, func(a, b leaseTenure) int { return a.start.Compare(b.start) })
	for i := 1; i < len(got); i++ {
		prev, cur := got[i-1], got[i]
		if cur.start.Before(prev.end) {
			t.Errorf("tenure %d (%s) began before tenure %d (%s) ended", i, cur.holder, i-1, prev.holder)
		}
		if gap := cur.start.Sub(prev.end); gap > timingFor(ttl).poll/2 {
			t.Errorf("takeover after a step-down took %v; want it at once (the poll interval is %v)", gap, timingFor(ttl).poll)
		} else {
			t.Logf("takeover %s -> %s after %v", prev.holder, cur.holder, gap)
		}
	}
}

// A holder that dies (no step-down) is replaced once its key expires:
// not before three quarters of the TTL after it died (it renewed at most a
// quarter TTL before), and within the TTL plus the server's sweep.
func TestLeaseDeadHolderReplacedAfterTTL(t *testing.T) {
	leakcheck.Check(t)
	s := leaseTestServer(t)
	const ttl = 1500 * time.Millisecond
	_, jsA := leaseTestConn(t, s)
	_, jsB := leaseTestConn(t, s)
	a := NewLease(jsA, "lease_dead", "k", WithLeaseTTL(ttl), WithLeaseHolder("a"), withoutLeaseStepDown())
	b := NewLease(jsB, "lease_dead", "k", WithLeaseTTL(ttl), WithLeaseHolder("b"))

	ctxA, killA := context.WithCancel(t.Context())
	wonA := make(chan struct{})
	doneA := make(chan error, 1)
	go func() {
		doneA <- a.Hold(ctxA, func(held context.Context) error {
			close(wonA)
			<-held.Done()
			return nil
		})
	}()
	<-wonA
	ctxB, stopB := context.WithCancel(t.Context())
	wonB := make(chan time.Time, 1)
	doneB := make(chan error, 1)
	go func() {
		doneB <- b.Hold(ctxB, func(held context.Context) error {
			wonB <- time.Now()
			<-held.Done()
			return nil
		})
	}()
	// A holds through several renewals while B campaigns.
	time.Sleep(ttl)
	if !a.Held() || b.Held() {
		t.Fatalf("held: a %v, b %v; want a only", a.Held(), b.Held())
	}
	killed := time.Now()
	killA()
	if err := <-doneA; !errors.Is(err, context.Canceled) {
		t.Errorf("a's Hold = %v, want context.Canceled", err)
	}
	var took time.Duration
	select {
	case at := <-wonB:
		took = at.Sub(killed)
	case <-time.After(3 * ttl):
		t.Fatalf("b did not take over within %v", 3*ttl)
	}
	t.Logf("b took over %v after a died (TTL %v)", took, ttl)
	if took < timingFor(ttl).valid()-timingFor(ttl).renew {
		t.Errorf("b took over %v after a died: before a's key could have expired", took)
	}
	if took > ttl+ttl/2 {
		t.Errorf("b took over %v after a died; want within the TTL %v (+ half for the server's sweep)", took, ttl)
	}
	stopB()
	if err := <-doneB; !errors.Is(err, context.Canceled) {
		t.Errorf("b's Hold = %v, want context.Canceled", err)
	}
}

// A holder cut off from NATS cannot renew: it stops acting (its context
// ends with ErrLeaseLost, Held turns false) before another member can win,
// by about the margin.
func TestLeaseCutOffHolderStopsBeforeAnotherWins(t *testing.T) {
	leakcheck.Check(t)
	s := leaseTestServer(t)
	const ttl = 1500 * time.Millisecond
	ncA, jsA := leaseTestConn(t, s)
	_, jsB := leaseTestConn(t, s)
	a := NewLease(jsA, "lease_cut", "k", WithLeaseTTL(ttl), WithLeaseHolder("a"))
	b := NewLease(jsB, "lease_cut", "k", WithLeaseTTL(ttl), WithLeaseHolder("b"))

	wonA := make(chan struct{})
	stoppedA := make(chan time.Time, 1)
	doneA := make(chan error, 1)
	go func() {
		doneA <- a.Hold(t.Context(), func(held context.Context) error {
			close(wonA)
			<-held.Done()
			stoppedA <- time.Now()
			if a.Held() {
				t.Error("a.Held() is true after its tenure ended")
			}
			if !errors.Is(context.Cause(held), ErrLeaseLost) {
				t.Errorf("cause = %v, want ErrLeaseLost", context.Cause(held))
			}
			return nil
		})
	}()
	<-wonA
	ctxB, stopB := context.WithCancel(t.Context())
	wonB := make(chan time.Time, 1)
	doneB := make(chan error, 1)
	go func() {
		doneB <- b.Hold(ctxB, func(held context.Context) error {
			wonB <- time.Now()
			<-held.Done()
			return nil
		})
	}()
	cut := time.Now()
	ncA.Close()
	var tA, tB time.Time
	select {
	case tA = <-stoppedA:
	case <-time.After(2 * ttl):
		t.Fatal("a did not stop acting")
	}
	select {
	case tB = <-wonB:
	case <-time.After(3 * ttl):
		t.Fatal("b did not take over")
	}
	t.Logf("cut at 0; a stopped at %v; b won at %v (margin %v)", tA.Sub(cut), tB.Sub(cut), tB.Sub(tA))
	if !tA.Before(tB) {
		t.Fatalf("split brain: b won %v before a stopped", tA.Sub(tB))
	}
	if tA.Sub(cut) > timingFor(ttl).valid() {
		t.Errorf("a stopped %v after it was cut off; want within %v", tA.Sub(cut), timingFor(ttl).valid())
	}
	if err := <-doneA; !errors.Is(err, ErrLeaseLost) {
		t.Errorf("a's Hold = %v, want ErrLeaseLost", err)
	}
	stopB()
	<-doneB
}

// A renewal refused because someone else wrote the key ends the tenure at
// once (within the renewal interval).
func TestLeaseOverwrittenKeyEndsTenure(t *testing.T) {
	leakcheck.Check(t)
	s := leaseTestServer(t)
	const ttl = 2 * time.Second
	_, js := leaseTestConn(t, s)
	l := NewLease(js, "lease_overwrite", "k", WithLeaseTTL(ttl))
	won := make(chan struct{})
	lostAt := make(chan time.Time, 1)
	done := make(chan error, 1)
	go func() {
		done <- l.Hold(t.Context(), func(held context.Context) error {
			close(won)
			<-held.Done()
			lostAt <- time.Now()
			return nil
		})
	}()
	<-won
	kv, err := js.KeyValue(t.Context(), "lease_overwrite")
	if err != nil {
		t.Fatal(err)
	}
	wrote := time.Now()
	if _, err := kv.PutString(t.Context(), "k", `{"holder":"intruder"}`); err != nil {
		t.Fatal(err)
	}
	select {
	case at := <-lostAt:
		if d := at.Sub(wrote); d > timingFor(ttl).renew+500*time.Millisecond {
			t.Errorf("tenure ended %v after the key was overwritten; want within the renewal interval %v", d, timingFor(ttl).renew)
		}
	case <-time.After(2 * ttl):
		t.Fatal("the tenure did not end")
	}
	if err := <-done; !errors.Is(err, ErrLeaseLost) {
		t.Errorf("Hold = %v, want ErrLeaseLost", err)
	}
	// The intruder's value is left alone (no step-down of a lost lease).
	e, err := kv.Get(t.Context(), "k")
	if err != nil || !strings.Contains(string(e.Value()), "intruder") {
		t.Errorf("key after the loss = %v, %v; want the intruder's value", e, err)
	}
}

// A clean step-down deletes the key; the next campaign wins at once.
func TestLeaseStepDownDeletesKey(t *testing.T) {
	leakcheck.Check(t)
	s := leaseTestServer(t)
	_, js := leaseTestConn(t, s)
	l := NewLease(js, "lease_release", "k", WithLeaseTTL(10*time.Second))
	if err := l.Hold(t.Context(), func(context.Context) error { return nil }); err != nil {
		t.Fatalf("Hold = %v", err)
	}
	if l.Held() {
		t.Error("Held after Hold returned")
	}
	kv, err := js.KeyValue(t.Context(), "lease_release")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Get(t.Context(), "k"); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Errorf("key after step-down: %v; want ErrKeyNotFound", err)
	}
	sentinel := errors.New("fn failed")
	start := time.Now()
	if err := l.Hold(t.Context(), func(context.Context) error { return sentinel }); !errors.Is(err, sentinel) {
		t.Errorf("Hold = %v, want fn's error", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("second Hold took %v; want at once after the step-down", d)
	}
	if got := l.TTL(); got != 10*time.Second {
		t.Errorf("TTL = %v", got)
	}
}

// The bucket's TTL governs when it exists already.
func TestLeaseUsesBucketTTL(t *testing.T) {
	leakcheck.Check(t)
	s := leaseTestServer(t)
	_, js := leaseTestConn(t, s)
	if _, err := js.CreateKeyValue(t.Context(), jetstream.KeyValueConfig{Bucket: "lease_ttl", TTL: 2 * time.Second}); err != nil {
		t.Fatal(err)
	}
	l := NewLease(js, "lease_ttl", "k", WithLeaseTTL(30*time.Second))
	if err := l.Hold(t.Context(), func(context.Context) error { return nil }); err != nil {
		t.Fatalf("Hold = %v", err)
	}
	if got := l.TTL(); got != 2*time.Second {
		t.Errorf("TTL = %v, want the bucket's 2s", got)
	}
}

// Unusable NATS at start is a clear error, at once or within the bound.
func TestLeaseUnavailable(t *testing.T) {
	leakcheck.Check(t)
	noop := func(context.Context) error { return nil }

	t.Run("closed connection", func(t *testing.T) {
		s := leaseTestServer(t)
		nc, js := leaseTestConn(t, s)
		nc.Close()
		err := NewLease(js, "lease_x", "k").Hold(t.Context(), noop)
		if !errors.Is(err, ErrLeaseUnavailable) || !errors.Is(err, nats.ErrConnectionClosed) {
			t.Fatalf("Hold = %v; want ErrLeaseUnavailable and nats.ErrConnectionClosed", err)
		}
		if !strings.HasPrefix(err.Error(), `relay: lease: open bucket "lease_x": `) {
			t.Errorf("message %q", err)
		}
	})
	t.Run("server gone", func(t *testing.T) {
		s := leaseTestServer(t)
		_, js := leaseTestConn(t, s)
		s.Shutdown()
		s.WaitForShutdown()
		start := time.Now()
		err := NewLease(js, "lease_x", "k", withLeaseOpenTimeout(300*time.Millisecond)).Hold(t.Context(), noop)
		if !errors.Is(err, ErrLeaseUnavailable) {
			t.Fatalf("Hold = %v; want ErrLeaseUnavailable", err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("took %v", d)
		}
		t.Logf("%v", err)
	})
	t.Run("JetStream disabled", func(t *testing.T) {
		opts := leaseTestServerOpts(t)
		opts.JetStream = false
		s := leaseTestServerWith(t, opts)
		_, js := leaseTestConn(t, s)
		err := NewLease(js, "lease_x", "k", withLeaseOpenTimeout(2*time.Second)).Hold(t.Context(), noop)
		if !errors.Is(err, ErrLeaseUnavailable) {
			t.Fatalf("Hold = %v; want ErrLeaseUnavailable", err)
		}
		t.Logf("%v", err)
	})
	t.Run("nil JetStream", func(t *testing.T) {
		if err := NewLease(nil, "lease_x", "k").Hold(t.Context(), noop); !errors.Is(err, ErrLeaseUnavailable) {
			t.Fatalf("Hold = %v; want ErrLeaseUnavailable", err)
		}
	})
	t.Run("bucket without TTL", func(t *testing.T) {
		s := leaseTestServer(t)
		_, js := leaseTestConn(t, s)
		if _, err := js.CreateKeyValue(t.Context(), jetstream.KeyValueConfig{Bucket: "lease_nottl"}); err != nil {
			t.Fatal(err)
		}
		err := NewLease(js, "lease_nottl", "k").Hold(t.Context(), noop)
		if err == nil || !strings.Contains(err.Error(), "has no TTL") {
			t.Fatalf("Hold = %v; want a bucket without TTL refused", err)
		}
	})
	t.Run("nil function", func(t *testing.T) {
		if err := NewLease(nil, "lease_x", "k").Hold(t.Context(), nil); err == nil {
			t.Fatal("Hold(nil) = nil")
		}
	})
}

// After an answer is lost, a holder recognises its own write by its
// tenure's value, until the tenure would have ended.
func TestLeaseRecognisesOwnWrite(t *testing.T) {
	leakcheck.Check(t)
	s := leaseTestServer(t)
	_, js := leaseTestConn(t, s)
	l := NewLease(js, "lease_recognise", "k", WithLeaseTTL(5*time.Second))
	if err := l.open(t.Context()); err != nil {
		t.Fatal(err)
	}
	tm := timingFor(l.TTL())
	mine := []byte(`{"holder":"me","term":"1"}`)
	rev, err := l.kv.Put(t.Context(), "k", mine)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := l.recognise(t.Context(), &leaseTerm{value: mine, validUntil: time.Now().Add(time.Second)}, tm)
	if !ok || got.rev != rev {
		t.Errorf("recognise(own value) = %+v, %v; want revision %d", got, ok, rev)
	}
	if _, ok := l.recognise(t.Context(), &leaseTerm{value: []byte(`{"holder":"other"}`), validUntil: time.Now().Add(time.Second)}, tm); ok {
		t.Error("recognised another holder's value")
	}
	if _, ok := l.recognise(t.Context(), &leaseTerm{value: mine, validUntil: time.Now().Add(-time.Millisecond)}, tm); ok {
		t.Error("recognised a write after its tenure would have ended")
	}
}

// leaseTestOpened reports whether l has opened its bucket.
func leaseTestOpened(l *Lease) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.kv != nil
}
