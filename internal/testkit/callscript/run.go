package callscript

import (
	"errors"
	"time"

	"github.com/ringwatch/ringwatch/telephony"
)

// Result is a script played alone in a fresh World.
type Result struct {
	Script Script
	// AccountID is the account the script was played for.
	AccountID string
	// Events are every event in order, those no filter receives included.
	Events []Event
	// Sessions are the sessions still active at the end.
	Sessions []telephony.Session
}

// Run plays the script alone in a new World for the account, with the
// given seed and start time, and collects what it produced. Equal
// arguments give equal results.
func Run(accountID string, s Script, seed uint64, start time.Time, opts ...PlayOption) (*Result, error) {
	w := NewWorld(accountID, seed)
	p := w.Play(s, start, opts...)
	r := &Result{Script: s, AccountID: accountID}
	for {
		evs, err := p.Step()
		r.Events = append(r.Events, evs...)
		if errors.Is(err, ErrDone) {
			break
		}
		if err != nil {
			return r, err
		}
	}
	r.Sessions = w.Sessions()
	return r, nil
}

// Notifications returns the events some filter receives, in order.
func (r *Result) Notifications() []Event {
	var out []Event
	for _, e := range r.Events {
		if e.Delivered() {
			out = append(out, e)
		}
	}
	return out
}

// Transitions returns the party transitions an account-level telephony
// subscriber sees, in order.
func (r *Result) Transitions() []Transition {
	return Transitions(r.Events, func(e *Event) bool { return e.ReceivedBy(true, "") })
}

// ExtensionTransitions returns the party transitions a subscriber to the
// extension's telephony sessions sees, in order.
func (r *Result) ExtensionTransitions(extensionID string) []Transition {
	return Transitions(r.Events, func(e *Event) bool { return e.ReceivedBy(false, extensionID) })
}

// Transitions derives, from events in order, the party transitions a
// subscriber receiving the events that view accepts sees: one per change
// of a party's status code, CallEnded on the change after which every
// party of the call that the subscriber has seen has left it (Disconnected
// or Gone; a party Disconnected with Pickup or CallSwitch has handed the
// call on and is still in it).
func Transitions(events []Event, view func(*Event) bool) []Transition {
	type key struct{ session, party string }
	last := map[key]telephony.StatusCode{}
	known := map[string][]*telephony.Status{}
	status := map[key]*telephony.Status{}
	ended := map[string]bool{}
	var out []Transition
	for i := range events {
		e := &events[i]
		if e.Kind != TelephonyEvent || !view(e) || len(e.Session.Parties) == 0 {
			continue
		}
		pt := &e.Session.Parties[0]
		k := key{e.Session.TelephonySessionID, pt.ID}
		st, ok := status[k]
		if !ok {
			st = new(telephony.Status)
			status[k] = st
			known[k.session] = append(known[k.session], st)
		}
		*st = pt.Status
		from := last[k]
		if ok && from == pt.Status.Code {
			continue
		}
		last[k] = pt.Status.Code
		t := Transition{
			Call: e.Call, Party: e.Party,
			TelephonySessionID: k.session, PartyID: pt.ID,
			From: from, To: pt.Status.Code, Reason: pt.Status.Reason,
			Sequence: e.Session.Sequence, Step: e.Op,
		}
		if !ended[k.session] {
			over := true
			for _, s := range known[k.session] {
				if !s.Code.Final() || handedOn(s) {
					over = false
				}
			}
			t.CallEnded = over
			ended[k.session] = over
		}
		out = append(out, t)
	}
	return out
}

func handedOn(s *telephony.Status) bool {
	return s.Code == telephony.Disconnected && (s.Reason == telephony.ReasonPickup || s.Reason == telephony.ReasonCallSwitch)
}
