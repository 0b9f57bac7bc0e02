package presence

import (
	"slices"
	"sync"
)

// Tracker follows the presence of extensions and reports what changed.
//
// It keeps, per extension, the state merged from every event applied: a
// field an event does not send keeps its earlier value, and the active
// calls are updated as Diff describes (a simple presence body leaves them
// as they were). Events are ordered per extension by sequence: an event
// whose sequence is not above the last applied one is dropped and counted
// as a duplicate (equal) or stale (lower). An event without a sequence (0)
// is always applied.
//
// A Tracker is safe for concurrent use.
type Tracker struct {
	mu    sync.Mutex
	exts  map[string]*extState
	stats Stats
}

type extState struct {
	seq int64
	ev  Event
}

// Stats counts what a Tracker did.
type Stats struct {
	// Applied counts events applied; Duplicates and Stale count events
	// dropped for their sequence; Ignored counts events without an
	// extension id.
	Applied, Duplicates, Stale, Ignored uint64
	// Extensions is the number of extensions tracked.
	Extensions int
}

// NewTracker returns an empty Tracker.
func NewTracker() *Tracker {
	return &Tracker{exts: make(map[string]*extState)}
}

// Apply applies one presence event and returns what it changed, or nil if
// it was dropped or changed nothing.
func (t *Tracker) Apply(e *Event) *Change {
	if e == nil || e.ExtensionID == "" {
		t.mu.Lock()
		t.stats.Ignored++
		t.mu.Unlock()
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	st := t.exts[e.ExtensionID]
	if st == nil {
		st = &extState{}
		t.exts[e.ExtensionID] = st
	} else if e.Sequence != 0 && e.Sequence <= st.seq {
		if e.Sequence == st.seq {
			t.stats.Duplicates++
		} else {
			t.stats.Stale++
		}
		return nil
	}
	t.stats.Applied++
	st.seq = max(st.seq, e.Sequence)
	return st.apply(e)
}

// Reconcile brings the tracked state in line with presence read from the
// REST API (read with detailedTelephonyState=true, so that it lists the
// active calls) after a gap in the notifications, and returns what
// changed, in the order of infos. The REST state carries no sequence: it is
// applied as the current state, and later notifications are still ordered
// against the last sequence seen. Extensions missing from infos are left as
// they are.
func (t *Tracker) Reconcile(infos []Info) []Change {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []Change
	for i := range infos {
		e := &infos[i].Event
		if e.ExtensionID == "" {
			t.stats.Ignored++
			continue
		}
		st := t.exts[e.ExtensionID]
		if st == nil {
			st = &extState{}
			t.exts[e.ExtensionID] = st
		}
		t.stats.Applied++
		seq := e.Sequence
		if ch := st.apply(e); ch != nil {
			out = append(out, *ch)
		}
		st.seq = max(st.seq, seq)
	}
	return out
}

// State returns the merged presence of an extension.
func (t *Tracker) State(extensionID string) (Event, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	st := t.exts[extensionID]
	if st == nil {
		return Event{}, false
	}
	ev := st.ev
	ev.ActiveCalls = slices.Clone(ev.ActiveCalls)
	return ev, true
}

// Stats returns the tracker's counters.
func (t *Tracker) Stats() Stats {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.stats
	s.Extensions = len(t.exts)
	return s
}

// apply diffs e against the state, merges it in and returns the change,
// or nil if there is none.
func (st *extState) apply(e *Event) *Change {
	ch := Diff(&st.ev, e)
	st.ev = merged(&st.ev, e)
	if ch.Empty() {
		return nil
	}
	return &ch
}

// merged returns next with the fields it did not send taken from prev and
// the active calls updated as Diff reads them; ended calls are dropped.
func merged(prev, next *Event) Event {
	m := *next
	keep := func(dst *string, old string) {
		if *dst == "" {
			*dst = old
		}
	}
	if m.TelephonyStatus == "" {
		m.TelephonyStatus = prev.TelephonyStatus
	}
	keep(&m.PresenceStatus, prev.PresenceStatus)
	keep(&m.UserStatus, prev.UserStatus)
	keep(&m.DNDStatus, prev.DNDStatus)
	keep(&m.DNDStatusPersonal, prev.DNDStatusPersonal)
	keep(&m.MeetingStatus, prev.MeetingStatus)
	if m.AggregatedTelephonyStatus == "" {
		m.AggregatedTelephonyStatus = prev.AggregatedTelephonyStatus
	}
	if m.CXTelephonyStatus == "" {
		m.CXTelephonyStatus = prev.CXTelephonyStatus
	}
	var calls []ActiveCall
	switch {
	case accountsForAll(next):
		// the newer list is the whole truth
	case len(next.ActiveCalls) == 0:
		calls = slices.Clone(prev.ActiveCalls)
		m.TotalActiveCalls = prev.TotalActiveCalls
	default:
		// a cut list: update the calls it names, keep the others
		for i := range prev.ActiveCalls {
			if findCall(next.ActiveCalls, CallKey(&prev.ActiveCalls[i])) == nil {
				calls = append(calls, prev.ActiveCalls[i])
			}
		}
	}
	for i := range next.ActiveCalls {
		if !next.ActiveCalls[i].Ended() {
			calls = append(calls, next.ActiveCalls[i])
		}
	}
	m.ActiveCalls = calls
	if m.TelephonyStatus == NoCall {
		m.TotalActiveCalls = 0
	}
	return m
}
