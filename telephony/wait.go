package telephony

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// ErrCallEnded is matched (errors.Is) by the error Wait returns when the
// call ends, or the awaited party leaves it, without reaching the awaited
// status.
var ErrCallEnded = errors.New("telephony: call ended")

// ErrEvicted is matched (errors.Is) by the error Wait returns when the call,
// still active, is evicted because of the tracker's cap on tracked calls
// (WithMaxCalls) before reaching the awaited status. The tracker reports
// the eviction with a Change of Kind KindEvicted. A Wait that starts after
// the eviction finds the call unknown and waits for it to appear anew. Wait returns it wrapped as "telephony: waiting
// for call ID: call evicted from the tracker", the prefix added once.
var ErrEvicted = errors.New("call evicted from the tracker")

// CallEndedError is the error Wait returns when the call ends, or the
// awaited party leaves it, without reaching the awaited status. It matches
// ErrCallEnded.
type CallEndedError struct {
	// TelephonySessionID is the call waited on.
	TelephonySessionID string
	// PartyID is the awaited party, empty when waiting for any party.
	PartyID string
	// Last is the final state of the awaited party (the zero Party when
	// waiting for any party, or if the party never appeared).
	Last Party
}

// Error implements error.
func (e *CallEndedError) Error() string {
	if e.PartyID != "" {
		return fmt.Sprintf("telephony: party %s of call %s left (%s) before reaching the awaited status",
			e.PartyID, e.TelephonySessionID, e.Last.Status.Code)
	}
	return "telephony: call " + e.TelephonySessionID + " ended before reaching the awaited status"
}

// Is reports whether target is ErrCallEnded.
func (e *CallEndedError) Is(target error) bool { return target == ErrCallEnded }

// waiter is one blocked Wait call.
type waiter struct {
	partyID string
	codes   []StatusCode
	ch      chan waitResult // buffered: the sender never blocks
}

type waitResult struct {
	p   Party
	err error
}

// Wait blocks until the call telephonySessionID has a party (the party
// partyID, or any party if partyID is empty) whose status code is one of
// codes, and returns that party. With no codes it waits for the party to
// leave (Disconnected or Gone).
//
// It returns at once if the call is already there. The check and the
// registration happen under the lock Apply holds, so a transition cannot
// slip between them. A call the tracker does not know yet is waited for.
// Wait returns a *CallEndedError (errors.Is ErrCallEnded) if the call ends
// without reaching the status, or if the awaited party leaves it; an error
// wrapping ErrEvicted if the call is forgotten; and an error wrapping
// ctx.Err() when ctx is done. Only transitions the tracker applies count:
// with a reorder window, a held notification does not satisfy Wait until
// it is released.
func (t *Tracker) Wait(ctx context.Context, telephonySessionID, partyID string, codes ...StatusCode) (Party, error) {
	if len(codes) == 0 {
		codes = []StatusCode{Disconnected, Gone}
	}
	w := &waiter{partyID: partyID, codes: codes, ch: make(chan waitResult, 1)}
	t.mu.Lock()
	if c := t.calls[telephonySessionID]; c != nil {
		for _, ps := range c.parties {
			if r, done := w.check(c, ps); done {
				t.mu.Unlock()
				return r.p, r.err
			}
		}
		if c.ended {
			t.mu.Unlock()
			return Party{}, &CallEndedError{TelephonySessionID: c.id, PartyID: partyID, Last: t.lastOf(c, partyID)}
		}
	}
	if t.waiters == nil {
		t.waiters = make(map[string][]*waiter)
	}
	t.waiters[telephonySessionID] = append(t.waiters[telephonySessionID], w)
	t.mu.Unlock()

	select {
	case r := <-w.ch:
		return r.p, r.err
	case <-ctx.Done():
	}
	t.mu.Lock()
	removed := t.removeWaiter(telephonySessionID, w)
	t.mu.Unlock()
	if !removed {
		// resolved while ctx was being cancelled: the result is real
		r := <-w.ch
		return r.p, r.err
	}
	return Party{}, fmt.Errorf("telephony: waiting for call %s: %w", telephonySessionID, ctx.Err())
}

// check reports whether ps settles w: it reached an awaited code, or it is
// the awaited party and has left.
func (w *waiter) check(c *call, ps *partyState) (waitResult, bool) {
	if w.partyID != "" && ps.p.ID != w.partyID {
		return waitResult{}, false
	}
	if slices.Contains(w.codes, ps.p.Status.Code) {
		return waitResult{p: ps.p.party()}, true
	}
	if w.partyID != "" && ps.p.Status.Code.Final() {
		return waitResult{err: &CallEndedError{TelephonySessionID: c.id, PartyID: w.partyID, Last: ps.p.party()}}, true
	}
	return waitResult{}, false
}

func (t *Tracker) lastOf(c *call, partyID string) Party {
	if partyID == "" {
		return Party{}
	}
	if ps := t.party(c, partyID); ps != nil {
		return ps.p.party()
	}
	return Party{}
}

// wakeParty settles the waiters of c that ps satisfies.
func (t *Tracker) wakeParty(c *call, ps *partyState) {
	ws := t.waiters[c.id]
	if len(ws) == 0 {
		return
	}
	kept := ws[:0]
	for _, w := range ws {
		if r, done := w.check(c, ps); done {
			w.ch <- r
			continue
		}
		kept = append(kept, w)
	}
	t.setWaiters(c.id, ws, kept)
}

// failWaiters settles every waiter of c: with err, or a CallEndedError if
// err is nil.
func (t *Tracker) failWaiters(c *call, err error) {
	ws := t.waiters[c.id]
	for _, w := range ws {
		e := err
		if e == nil {
			e = &CallEndedError{TelephonySessionID: c.id, PartyID: w.partyID, Last: t.lastOf(c, w.partyID)}
		} else {
			e = fmt.Errorf("telephony: waiting for call %s: %w", c.id, err)
		}
		w.ch <- waitResult{err: e}
	}
	delete(t.waiters, c.id)
}

func (t *Tracker) removeWaiter(id string, w *waiter) bool {
	ws := t.waiters[id]
	i := slices.Index(ws, w)
	if i < 0 {
		return false
	}
	t.setWaiters(id, ws, slices.Delete(ws, i, i+1))
	return true
}

func (t *Tracker) setWaiters(id string, old, kept []*waiter) {
	clear(old[len(kept):])
	if len(kept) == 0 {
		delete(t.waiters, id)
	} else {
		t.waiters[id] = kept
	}
}
