package telephony

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
)

func TestWaitReturnsAtOnce(t *testing.T) {
	tr := NewTracker()
	applyAll(tr, scenarios()[3].events[:7]) // s-int: p1 on hold, p2 answered
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // an immediate answer must not need the context
	p, err := tr.Wait(ctx, "s-int", "p1", Hold, Parked)
	if err != nil || p.ID != "p1" || p.Status.Code != Hold {
		t.Errorf("Wait(p1 Hold) = %+v, %v", p, err)
	}
	p, err = tr.Wait(ctx, "s-int", "", Answered)
	if err != nil || p.ID != "p2" {
		t.Errorf("Wait(any Answered) = %+v, %v", p, err)
	}
	_, err = tr.Wait(ctx, "s-int", "p2", Disconnected)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Wait on a cancelled context = %v, want context.Canceled", err)
	}
	if n := len(tr.waiters); n != 0 {
		t.Errorf("%d waiter lists left", n)
	}
}

func TestWaitForTransition(t *testing.T) {
	leakcheck.Check(t)
	tr := NewTracker()
	evs := scenarios()[0].events // s-in
	done := make(chan error, 1)
	go func() {
		// waits for a call the tracker does not know yet
		p, err := tr.Wait(context.Background(), "s-in", "p1", Answered)
		if err == nil && (p.ID != "p1" || p.Status.Code != Answered) {
			err = fmt.Errorf("got %+v", p)
		}
		done <- err
	}()
	waitForWaiters(t, tr, "s-in", 1)
	applyAll(tr, evs[:3])
	select {
	case err := <-done:
		t.Fatalf("Wait returned before the answer: %v", err)
	default:
	}
	applyAll(tr, evs[3:4])
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func waitForWaiters(t *testing.T, tr *Tracker, id string, n int) {
	t.Helper()
	for range 10000 {
		tr.mu.Lock()
		got := len(tr.waiters[id])
		tr.mu.Unlock()
		if got == n {
			return
		}
		time.Sleep(100 * time.Microsecond) // polling the goroutine's registration, bounded
	}
	t.Fatalf("waiters for %s never reached %d", id, n)
}

func TestWaitCallEnds(t *testing.T) {
	leakcheck.Check(t)
	tr := NewTracker()
	evs := scenarios()[1].events // s-vm: p1 never answers
	errs := make(chan error, 2)
	go func() { _, err := tr.Wait(context.Background(), "s-vm", "", Hold); errs <- err }()
	go func() { _, err := tr.Wait(context.Background(), "s-vm", "p1", Answered); errs <- err }()
	waitForWaiters(t, tr, "s-vm", 2)
	applyAll(tr, evs)
	var partyErr, callErr *CallEndedError
	for range 2 {
		err := <-errs
		var e *CallEndedError
		if !errors.As(err, &e) || !errors.Is(err, ErrCallEnded) {
			t.Fatalf("Wait = %v, want a *CallEndedError", err)
		}
		if e.PartyID == "" {
			callErr = e
		} else {
			partyErr = e
		}
	}
	if callErr == nil || partyErr == nil {
		t.Fatalf("call error %v, party error %v", callErr, partyErr)
	}
	if d := cmp.Diff(&CallEndedError{TelephonySessionID: "s-vm", PartyID: "p1", Last: partyErr.Last}, partyErr); d != "" || partyErr.Last.Status.Code != Disconnected {
		t.Errorf("party error (-want +got):\n%s", d)
	}
	if got := partyErr.Error(); got != "telephony: party p1 of call s-vm left (Disconnected) before reaching the awaited status" {
		t.Errorf("Error() = %q", got)
	}
	// an ended call answers at once
	_, err := tr.Wait(context.Background(), "s-vm", "", Hold)
	if got := fmt.Sprint(err); got != "telephony: call s-vm ended before reaching the awaited status" {
		t.Errorf("Wait on an ended call = %q", got)
	}
	// and a status it did reach is still found
	if p, err := tr.Wait(context.Background(), "s-vm", "", VoiceMail, Disconnected); err != nil || p.Status.Code != Disconnected {
		t.Errorf("Wait(Disconnected) on an ended call = %+v, %v", p, err)
	}
}

func TestWaitEvicted(t *testing.T) {
	leakcheck.Check(t)
	tr := NewTracker(WithMaxCalls(1))
	tr.Apply(&Session{Sequence: 1, TelephonySessionID: "a", Parties: []Party{{ID: "p", Status: Status{Code: Setup}}}})
	errc := make(chan error, 1)
	go func() { _, err := tr.Wait(context.Background(), "a", "", Answered); errc <- err }()
	waitForWaiters(t, tr, "a", 1)
	tr.Apply(&Session{Sequence: 1, TelephonySessionID: "b", Parties: []Party{{ID: "p", Status: Status{Code: Setup}}}})
	err := <-errc
	if !errors.Is(err, ErrEvicted) {
		t.Errorf("Wait = %v, want ErrEvicted", err)
	}
	// The package prefix is added once, by the wrap.
	if got, want := err.Error(), "telephony: waiting for call a: call evicted from the tracker"; got != want {
		t.Errorf("Wait error = %q, want %q", got, want)
	}
}

func TestWaitContextCancelled(t *testing.T) {
	leakcheck.Check(t)
	tr := NewTracker()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := tr.Wait(ctx, "nobody", "", Answered)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Wait = %v, want DeadlineExceeded", err)
	}
	if n := len(tr.waiters); n != 0 {
		t.Errorf("%d waiter lists left after cancel", n)
	}
}

// TestWaitRace runs Apply concurrently with Wait. The first phase ends in
// states that persist (p1 on hold, p2 answered), so a waiter for them must
// succeed however it interleaves with Apply: a transition between its
// check and its registration would be lost otherwise. The second phase
// ends the call, which a waiter for Disconnected sees and a waiter for a
// status never reached learns as ErrCallEnded.
func TestWaitRace(t *testing.T) {
	leakcheck.Check(t)
	sc := scenarios()[3] // internal hold and resume
	iterations := 500
	if testing.Short() {
		iterations = 50
	}
	for it := range iterations {
		tr := NewTracker()
		errs := make(chan error, 8)
		var first, second sync.WaitGroup
		wait := func(wg *sync.WaitGroup, party string, want StatusCode, wantErr bool) {
			defer wg.Done()
			p, err := tr.Wait(context.Background(), "s-int", party, want)
			switch {
			case wantErr && !errors.Is(err, ErrCallEnded):
				errs <- fmt.Errorf("iteration %d: Wait(%s %s) = %+v, %v; want ErrCallEnded", it, party, want, p, err)
			case !wantErr && (err != nil || p.Status.Code != want):
				errs <- fmt.Errorf("iteration %d: Wait(%s %s) = %v, %v", it, party, want, p.Status, err)
			}
		}
		first.Add(3)
		go wait(&first, "p1", Hold, false)
		go wait(&first, "p2", Answered, false)
		go wait(&first, "", Hold, false)
		second.Add(2)
		go wait(&second, "", Disconnected, false)
		go wait(&second, "p2", Parked, true)
		applyAll(tr, sc.events[:7])
		first.Wait()
		applyAll(tr, sc.events[7:])
		second.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if t.Failed() {
			return
		}
		if n := len(tr.waiters); n != 0 {
			t.Fatalf("iteration %d: %d waiter lists left", it, n)
		}
	}
}
