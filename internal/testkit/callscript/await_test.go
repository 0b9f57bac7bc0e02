package callscript

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ringwatch/ringwatch/presence"
	"github.com/ringwatch/ringwatch/telephony"
)

// awaitScript: an outside call rings the first user, who waits for a
// control request for 20 s, else sends the call to voicemail; the caller
// hangs up 30 s later.
func awaitScript(otherwise ...Step) Script {
	c := DefaultCast()
	if otherwise == nil {
		otherwise = []Step{Voicemail(0, "call", "agent")}
	}
	return Script{Name: "await", Steps: []Step{
		Dial(0, "call", c.outside(0, "customer"), c.user(0, "agent")),
		Await(0, "call", "agent", 20*time.Second, otherwise...),
		Hangup(30*time.Second, "call", "customer"),
	}}
}

type move struct {
	Party    string
	From, To telephony.StatusCode
	Op       Op
	At       time.Duration // since t0
}

func movesOf(r *Result) []move {
	at := map[int64]time.Time{}
	for _, e := range r.Events {
		if e.Kind == TelephonyEvent {
			at[e.Session.Sequence] = e.EventTime
		}
	}
	var out []move
	for _, tr := range r.Transitions() {
		out = append(out, move{tr.Party, tr.From, tr.To, tr.Step, at[tr.Sequence].Sub(t0)})
	}
	return out
}

// Played alone (Run), nobody sends a request: the wait ends at its
// timeout, the clock moves on by it, and the Otherwise steps play.
func TestAwaitTimesOutInRun(t *testing.T) {
	r, err := Run(testAccount, awaitScript(), 1, t0, ExactTimes())
	if err != nil {
		t.Fatal(err)
	}
	want := []move{
		{"agent", "", telephony.Setup, OpDial, 0},
		{"agent", telephony.Setup, telephony.Proceeding, OpDial, 0},
		{"agent", telephony.Proceeding, telephony.VoiceMail, OpVoicemail, 20 * time.Second},
		{"agent", telephony.VoiceMail, telephony.Disconnected, OpHangup, 50 * time.Second},
	}
	if d := cmp.Diff(want, movesOf(r)); d != "" {
		t.Errorf("transitions (-want +got):\n%s", d)
	}
	if _, err := Run(testAccount, Script{Steps: []Step{awaitScript().Steps[0], Await(0, "call", "agent", 0)}}, 1, t0); !errors.Is(err, ErrBadStep) {
		t.Errorf("an await without timeout: %v", err)
	}
}

// stepAll plays the player's steps up to the end, failing on an error.
func stepAll(t *testing.T, p *Player, r *Result) {
	t.Helper()
	for {
		evs, err := p.Step()
		r.Events = append(r.Events, evs...)
		if errors.Is(err, ErrDone) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// A request that answers the waiting party ends the wait: its change is
// the next transition (Op OpControl, at the request's time, numbered on
// from the call's sequence), the Otherwise steps are not played, the
// script goes on, and the extension's presence follows.
func TestAwaitResumedByControl(t *testing.T) {
	w := NewWorld(testAccount, 1)
	s := awaitScript()
	p := w.Play(s, t0, ExactTimes())
	r := &Result{Script: s, AccountID: testAccount}
	for range 2 {
		evs, err := p.Step()
		if err != nil {
			t.Fatal(err)
		}
		r.Events = append(r.Events, evs...)
	}
	wt, ok := p.Waiting()
	if !ok || wt.Call != "call" || wt.Party != "agent" || wt.Timeout != 20*time.Second || wt.PartyID == "" {
		t.Fatalf("Waiting() = %+v, %v", wt, ok)
	}
	state := w.Sessions()[0]
	if p.Resume(&telephony.Session{TelephonySessionID: "unknown"}) != nil || p.Resume(&state) != nil {
		t.Error("events for an unknown or unchanged session")
	}
	if _, still := p.Waiting(); !still {
		t.Fatal("the wait ended without a change")
	}
	// The platform answered the agent's party: its session as published.
	pt := *state.Party(wt.PartyID)
	pt.Status = telephony.Status{Code: telephony.Answered}
	note := &telephony.Session{TelephonySessionID: wt.TelephonySessionID, Sequence: state.Sequence + 1,
		EventTime: t0.Add(7 * time.Second), Parties: []telephony.Party{pt}}
	evs := p.Resume(note)
	r.Events = append(r.Events, evs...)
	if _, still := p.Waiting(); still {
		t.Fatal("still waiting after the answer")
	}
	var pres *presence.Event
	for _, e := range evs {
		if e.Kind == PresenceEvent {
			pres = e.Presence
		}
	}
	if pres == nil || pres.TelephonyStatus != presence.CallConnected {
		t.Errorf("presence after the answer: %+v", pres)
	}
	stepAll(t, p, r)
	want := []move{
		{"agent", "", telephony.Setup, OpDial, 0},
		{"agent", telephony.Setup, telephony.Proceeding, OpDial, 0},
		{"agent", telephony.Proceeding, telephony.Answered, OpControl, 7 * time.Second},
		{"agent", telephony.Answered, telephony.Disconnected, OpHangup, 37 * time.Second},
	}
	if d := cmp.Diff(want, movesOf(r)); d != "" {
		t.Errorf("transitions (-want +got):\n%s", d)
	}
	if evs[0].Session.Sequence != note.Sequence {
		t.Errorf("the request's change numbered %d, want %d", evs[0].Session.Sequence, note.Sequence)
	}
}

// A request that ends the call (drop): the call ends there, and the
// script's later steps on it are skipped, not errors.
func TestAwaitCallDroppedByControl(t *testing.T) {
	w := NewWorld(testAccount, 1)
	s := awaitScript()
	p := w.Play(s, t0, ExactTimes())
	for range 2 {
		if _, err := p.Step(); err != nil {
			t.Fatal(err)
		}
	}
	state := w.Sessions()[0]
	note := &telephony.Session{TelephonySessionID: state.TelephonySessionID, Sequence: state.Sequence + 2, EventTime: t0.Add(time.Second)}
	for _, pt := range state.Parties {
		pt.Status = telephony.Status{Code: telephony.Disconnected, Reason: telephony.ReasonCallDropped}
		note.Parties = append(note.Parties, pt)
	}
	evs := p.Resume(note)
	if len(evs) < 2 || !evs[len(evs)-1].SessionEnded && !evs[len(evs)-2].SessionEnded {
		t.Fatalf("events of the drop: %+v", evs)
	}
	if len(w.Sessions()) != 0 {
		t.Error("the dropped call is still active")
	}
	if evs, err := p.Step(); err != nil || len(evs) != 0 {
		t.Errorf("the hang-up after the drop: %v, %d events", err, len(evs))
	}
	if _, err := p.Step(); !errors.Is(err, ErrDone) {
		t.Errorf("after the last step: %v", err)
	}
}
