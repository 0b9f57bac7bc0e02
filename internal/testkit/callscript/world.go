package callscript

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/ringwatch/ringwatch/presence"
	"github.com/ringwatch/ringwatch/telephony"
)

// World holds the calls and the presence of one account. Players that
// share a World see each other's calls: an extension's presence lists all
// of its calls and its sequence counter is shared. A World is safe for
// concurrent use; a run is deterministic when one Player plays alone in a
// World made with a given seed.
type World struct {
	mu        sync.Mutex
	accountID string
	rng       *rand.Rand
	serverID  string
	sessions  map[string]*call // active sessions by telephonySessionId
	exts      map[string]*extState
}

// extState is the presence of one user extension.
type extState struct {
	seq   int64
	calls []*presCall
}

type presCall struct {
	leg   *leg
	entry presence.ActiveCall
}

// NewWorld returns an empty world for the account. The seed fixes the ids,
// timings and presence counters it makes.
func NewWorld(accountID string, seed uint64) *World {
	w := &World{
		accountID: accountID,
		rng:       rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		sessions:  map[string]*call{},
		exts:      map[string]*extState{},
	}
	w.serverID = "10." + strconv.Itoa(10+w.rng.IntN(20)) + "." + strconv.Itoa(w.rng.IntN(250)) + "." + strconv.Itoa(2+w.rng.IntN(250)) + ".TAM"
	return w
}

// AccountID returns the world's account.
func (w *World) AccountID() string { return w.accountID }

// Sessions returns the active sessions, every party included, sorted by
// telephonySessionId.
func (w *World) Sessions() []telephony.Session {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]telephony.Session, 0, len(w.sessions))
	for _, c := range w.sessions {
		out = append(out, *c.state())
	}
	slices.SortFunc(out, func(a, b telephony.Session) int {
		switch {
		case a.TelephonySessionID < b.TelephonySessionID:
			return -1
		case a.TelephonySessionID > b.TelephonySessionID:
			return 1
		}
		return 0
	})
	return out
}

// Presence returns the presence of a user extension that took part in a
// call of this world, as GET …/presence?detailedTelephonyState=true&
// sipData=true serves it.
func (w *World) Presence(extensionID string) (presence.Event, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	x, ok := w.exts[extensionID]
	if !ok {
		return presence.Event{}, false
	}
	return *x.state(extensionID), true
}

const hexDigits = "0123456789abcdef"

func (w *World) hex(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = hexDigits[w.rng.IntN(16)]
	}
	return string(b)
}

func (w *World) digits(n int) string {
	b := make([]byte, n)
	b[0] = byte('1' + w.rng.IntN(9))
	for i := 1; i < n; i++ {
		b[i] = byte('0' + w.rng.IntN(10))
	}
	return string(b)
}

func (w *World) base32(n int) string {
	const a = "0123456789abcdefghijklmnopqrstuv"
	b := make([]byte, n)
	for i := range b {
		b[i] = a[w.rng.IntN(len(a))]
	}
	return string(b)
}

// jitter returns a short delay between two events of one step.
func (w *World) jitter() time.Duration {
	return time.Duration(15+w.rng.IntN(70)) * time.Millisecond
}

func (w *World) ext(id string) *extState {
	x, ok := w.exts[id]
	if !ok {
		x = &extState{seq: int64(1000 + w.rng.IntN(9000))}
		w.exts[id] = x
	}
	return x
}

// maxActiveCalls is how many calls a presence body lists at most.
const maxActiveCalls = 7

// body builds the presence notification of an extension: every listed
// call, the ended ones included, oldest first as RingCentral lists them,
// at most the latest maxActiveCalls.
func (x *extState) body(extensionID string) *presence.Event {
	ev := idle(extensionID)
	ev.Sequence = x.seq
	ev.TotalActiveCalls = len(x.calls)
	calls := x.calls
	if len(calls) > maxActiveCalls {
		calls = calls[len(calls)-maxActiveCalls:]
	}
	for _, pc := range calls {
		ev.ActiveCalls = append(ev.ActiveCalls, clonePresCall(pc.entry))
	}
	ev.TelephonyStatus = aggregate(x.calls)
	if ev.TelephonyStatus != presence.NoCall {
		ev.PresenceStatus = presence.StatusBusy
	}
	return ev
}

// state is the presence the REST API serves: the active calls only.
func (x *extState) state(extensionID string) *presence.Event {
	ev := idle(extensionID)
	ev.Sequence = x.seq
	for _, pc := range x.calls {
		if pc.entry.TelephonyStatus != presence.NoCall {
			ev.ActiveCalls = append(ev.ActiveCalls, clonePresCall(pc.entry))
		}
	}
	ev.TotalActiveCalls = len(ev.ActiveCalls)
	if len(ev.ActiveCalls) > maxActiveCalls {
		ev.ActiveCalls = ev.ActiveCalls[len(ev.ActiveCalls)-maxActiveCalls:]
	}
	ev.TelephonyStatus = aggregate(x.calls)
	if ev.TelephonyStatus != presence.NoCall {
		ev.PresenceStatus = presence.StatusBusy
	}
	return ev
}

func idle(extensionID string) *presence.Event {
	return &presence.Event{
		ExtensionID:        extensionID,
		TelephonyStatus:    presence.NoCall,
		PresenceStatus:     presence.StatusAvailable,
		UserStatus:         presence.StatusAvailable,
		DNDStatus:          presence.TakeAllCalls,
		MeetingStatus:      presence.MeetingDisconnected,
		AllowSeeMyPresence: true,
	}
}

func clonePresCall(c presence.ActiveCall) presence.ActiveCall {
	if c.SIPData != nil {
		s := *c.SIPData
		c.SIPData = &s
	}
	return c
}

// aggregate is the extension's telephony status over its active calls: a
// connected call wins, then a held one, then a ringing one, then a parked
// one (the held-and-ringing extension of RingCentral's example reports
// OnHold).
func aggregate(calls []*presCall) presence.TelephonyStatus {
	rank := func(s presence.TelephonyStatus) int {
		switch s {
		case presence.CallConnected:
			return 4
		case presence.OnHold:
			return 3
		case presence.Ringing:
			return 2
		case presence.ParkedCall:
			return 1
		}
		return 0
	}
	best := presence.NoCall
	for _, pc := range calls {
		if rank(pc.entry.TelephonyStatus) > rank(best) {
			best = pc.entry.TelephonyStatus
		}
	}
	return best
}

// presenceStatus maps a party's status to the telephony status of its call
// in presence; "" means the call is not listed yet (Setup).
func presenceStatus(code telephony.StatusCode) presence.TelephonyStatus {
	switch code {
	case telephony.Setup:
		return ""
	case telephony.Proceeding:
		return presence.Ringing
	case telephony.Answered:
		return presence.CallConnected
	case telephony.Hold:
		return presence.OnHold
	case telephony.Parked:
		return presence.ParkedCall
	}
	return presence.NoCall
}
