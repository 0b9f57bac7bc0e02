package telephony

import (
	"slices"
	"strings"
	"time"
)

// The reorder window holds each notification for cfg.window and then
// applies it together with every held notification of the same session
// with a lower sequence, lowest first. A notification that arrives late
// (lower sequence, later arrival) is thus applied before a higher one that
// is already due, as long as it arrives within the window. Deadlines are
// kept in one queue in arrival order, which is deadline order for a clock
// that does not go back, so releasing is amortised O(1) per notification
// and needs no timer or goroutine.

// pendingQueue holds the notifications of one session, sorted by sequence.
type pendingQueue struct {
	items []heldSession
}

type heldSession struct {
	s  Session
	at time.Time
}

type dueEntry struct {
	at time.Time
	id string
}

// hold copies s into the window.
func (t *Tracker) hold(s *Session, now time.Time) {
	if t.pending == nil {
		t.pending = make(map[string]*pendingQueue)
	}
	q := t.pending[s.TelephonySessionID]
	if q == nil {
		q = &pendingQueue{}
		t.pending[s.TelephonySessionID] = q
	}
	h := heldSession{s: *s, at: now}
	h.s.Parties = slices.Clone(s.Parties)
	i, _ := slices.BinarySearchFunc(q.items, s.Sequence, func(h heldSession, seq int64) int {
		return cmpInt(h.s.Sequence, seq+1) // after equal sequences: stable
	})
	q.items = slices.Insert(q.items, i, h)
	t.due = append(t.due, dueEntry{at: now, id: s.TelephonySessionID})
	t.held++
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// releaseDue applies the held notifications whose time has come.
func (t *Tracker) releaseDue(now time.Time, out []Change) []Change {
	for t.dueHead < len(t.due) {
		e := t.due[t.dueHead]
		if now.Sub(e.at) < t.cfg.window {
			break
		}
		t.due[t.dueHead] = dueEntry{}
		t.dueHead++
		q := t.pending[e.id]
		if q == nil {
			continue // released with an earlier entry
		}
		var upTo int64 = -1 << 63
		found := false
		for i := range q.items {
			if now.Sub(q.items[i].at) >= t.cfg.window {
				upTo = max(upTo, q.items[i].s.Sequence)
				found = true
			}
		}
		if !found {
			continue
		}
		n := 0
		for n < len(q.items) && q.items[n].s.Sequence <= upTo {
			n++
		}
		out = t.release(e.id, q, n, now, out)
	}
	if t.dueHead == len(t.due) {
		t.due, t.dueHead = t.due[:0], 0
	} else if t.dueHead > 64 && t.dueHead*2 >= len(t.due) {
		n := copy(t.due, t.due[t.dueHead:])
		clear(t.due[n:])
		t.due, t.dueHead = t.due[:n], 0
	}
	return out
}

// release applies the first n held notifications of q.
func (t *Tracker) release(id string, q *pendingQueue, n int, now time.Time, out []Change) []Change {
	items := q.items[:n]
	rest := q.items[n:]
	t.held -= n
	if len(rest) == 0 {
		delete(t.pending, id)
	} else {
		q.items = slices.Clone(rest)
	}
	for i := range items {
		out = t.apply(&items[i].s, now, out)
	}
	return out
}

// flush applies every held notification, sessions in id order.
func (t *Tracker) flush(now time.Time, out []Change) []Change {
	if len(t.pending) == 0 {
		return out
	}
	ids := make([]string, 0, len(t.pending))
	for id := range t.pending {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, strings.Compare)
	for _, id := range ids {
		q := t.pending[id]
		out = t.release(id, q, len(q.items), now, out)
	}
	clear(t.due)
	t.due, t.dueHead = t.due[:0], 0
	return out
}
