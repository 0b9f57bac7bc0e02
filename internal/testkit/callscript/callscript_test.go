package callscript

import (
	"encoding/json"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/presence"
	"github.com/ringwatch/ringwatch/telephony"
)

const testAccount = "230000001"

var t0 = time.Date(2026, 3, 4, 9, 30, 0, 0, time.UTC)

func run(t *testing.T, sc Scenario, seed uint64) *Result {
	t.Helper()
	r, err := Run(testAccount, sc.New(DefaultCast()), seed, t0)
	if err != nil {
		t.Fatalf("%s: %v", sc.Name, err)
	}
	return r
}

// The transitions an account-level subscriber sees are the ones each
// scenario states, whatever the seed.
func TestScenarioTransitions(t *testing.T) {
	for _, sc := range Scenarios() {
		t.Run(sc.Name, func(t *testing.T) {
			for seed := range uint64(5) {
				r := run(t, sc, seed)
				got := r.Transitions()
				if diff := cmp.Diff(r.Script.Expect, got,
					cmpopts.IgnoreFields(Transition{}, "TelephonySessionID", "PartyID", "Sequence")); diff != "" {
					t.Fatalf("seed %d: transitions (-want +got):\n%s", seed, diff)
				}
				ends := map[string]int{}
				for _, tr := range got {
					if tr.CallEnded {
						ends[tr.TelephonySessionID]++
					}
					if tr.TelephonySessionID == "" || tr.PartyID == "" || tr.Sequence == 0 {
						t.Errorf("transition without ids: %+v", tr)
					}
				}
				for id, n := range ends {
					if n != 1 {
						t.Errorf("call %s ended %d times", id, n)
					}
				}
			}
		})
	}
}

var (
	sessionIDRe = regexp.MustCompile(`^s-([0-9a-f]{32})$`)
	partyIDRe   = regexp.MustCompile(`^p-([0-9a-f]{32})-[1-9][0-9]*$`)
)

// Every scenario's notifications are internally consistent.
func TestScenarioConsistency(t *testing.T) {
	for _, sc := range Scenarios() {
		t.Run(sc.Name, func(t *testing.T) {
			r := run(t, sc, 7)
			checkConsistent(t, r.Events, true)
			if len(r.Sessions) != 0 {
				t.Errorf("sessions still active at the end: %d", len(r.Sessions))
			}
		})
	}
}

func checkConsistent(t *testing.T, events []Event, onePlayer bool) {
	t.Helper()
	seq := map[string]int64{}
	pseq := map[string]int64{}
	var last time.Time
	listedEnded := map[string]bool{} // presence: ext/party listed as ended
	for i, e := range events {
		if onePlayer && e.EventTime.Before(last) {
			t.Errorf("event %d: time goes back", i)
		}
		last = e.EventTime
		switch e.Kind {
		case TelephonyEvent:
			s := e.Session
			if len(s.Parties) != 1 {
				t.Fatalf("event %d: %d parties", i, len(s.Parties))
			}
			if s.Sequence != seq[s.TelephonySessionID]+1 {
				t.Errorf("event %d: session %s sequence %d after %d", i, s.TelephonySessionID, s.Sequence, seq[s.TelephonySessionID])
			}
			seq[s.TelephonySessionID] = s.Sequence
			m := sessionIDRe.FindStringSubmatch(s.TelephonySessionID)
			pm := partyIDRe.FindStringSubmatch(s.Parties[0].ID)
			if m == nil || pm == nil || m[1] != pm[1] {
				t.Errorf("event %d: ids %s %s", i, s.TelephonySessionID, s.Parties[0].ID)
			}
			if s.SessionID == "" || s.ServerID == "" || s.Origin.Type == "" || !s.EventTime.Equal(e.EventTime) {
				t.Errorf("event %d: incomplete session %+v", i, s)
			}
			pt := s.Parties[0]
			if pt.AccountID != e.AccountID || pt.ExtensionID != e.ExtensionID {
				t.Errorf("event %d: tagged %s/%s, party %s/%s", i, e.AccountID, e.ExtensionID, pt.AccountID, pt.ExtensionID)
			}
			if pt.Status.Code == telephony.Gone && pt.Status.PeerID == nil {
				t.Errorf("event %d: Gone without peerId", i)
			}
			if pt.Status.Code == telephony.Parked && pt.Status.ParkData == "" {
				t.Errorf("event %d: Parked without parkData", i)
			}
			if e.SessionEnded != (e.SessionState == nil) {
				t.Errorf("event %d: ended %v with state %v", i, e.SessionEnded, e.SessionState != nil)
			}
			if e.SessionState != nil {
				if sp := e.SessionState.Party(pt.ID); sp == nil || !cmp.Equal(*sp, pt) {
					t.Errorf("event %d: state does not hold the party as notified", i)
				}
			}
		case PresenceEvent:
			p := e.Presence
			if pseq[p.ExtensionID] != 0 && p.Sequence != pseq[p.ExtensionID]+1 {
				t.Errorf("event %d: presence %s sequence %d after %d", i, p.ExtensionID, p.Sequence, pseq[p.ExtensionID])
			}
			pseq[p.ExtensionID] = p.Sequence
			if len(p.ActiveCalls) > 7 || p.TotalActiveCalls < len(p.ActiveCalls) {
				t.Errorf("event %d: %d active calls, total %d", i, len(p.ActiveCalls), p.TotalActiveCalls)
			}
			busy := false
			for _, c := range p.ActiveCalls {
				k := p.ExtensionID + "/" + c.PartyID
				if listedEnded[k] {
					t.Errorf("event %d: ended call %s listed again", i, c.PartyID)
				}
				if c.TelephonyStatus == presence.NoCall {
					listedEnded[k] = true
					if c.TerminationType != presence.TerminationFinal {
						t.Errorf("event %d: ended call without terminationType final", i)
					}
				} else {
					busy = true
				}
				if c.TelephonySessionID == "" || c.PartyID == "" || c.SessionID == "" || c.SIPData == nil {
					t.Errorf("event %d: incomplete active call %+v", i, c)
				}
			}
			if busy == (p.TelephonyStatus == presence.NoCall) {
				t.Errorf("event %d: telephonyStatus %s with busy=%v", i, p.TelephonyStatus, busy)
			}
			for _, c := range e.PresenceState.ActiveCalls {
				if c.TelephonyStatus == presence.NoCall {
					t.Errorf("event %d: resync state lists an ended call", i)
				}
			}
		default:
			t.Fatalf("event %d: kind %d", i, e.Kind)
		}
	}
}

// envelope wraps a body as RingCentral delivers it.
func envelope(t *testing.T, event string, body any) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"uuid": "1823485288313944239", "event": event, "timestamp": "2026-03-04T09:30:00.000Z",
		"subscriptionId": "53300e7c-5e69-42bf-ab4d-179aabc6e869", "ownerId": "230000101", "body": body,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Every notification decodes through notify.Decode into what was sent.
func TestNotificationsDecode(t *testing.T) {
	for _, sc := range Scenarios() {
		t.Run(sc.Name, func(t *testing.T) {
			r := run(t, sc, 3)
			n := 0
			for _, e := range r.Notifications() {
				switch e.Kind {
				case TelephonyEvent:
					ev, err := notify.Decode(envelope(t, e.Resource(), e.Session))
					if err != nil {
						t.Fatal(err)
					}
					te, ok := ev.(*notify.TelephonyEvent)
					if !ok {
						t.Fatalf("decoded %T", ev)
					}
					if diff := cmp.Diff(*e.Session, te.Body); diff != "" {
						t.Fatalf("telephony body (-sent +decoded):\n%s", diff)
					}
				case PresenceEvent:
					ev, err := notify.Decode(envelope(t, e.Resource()+"?detailedTelephonyState=true&sipData=true", e.Presence))
					if err != nil {
						t.Fatal(err)
					}
					pe, ok := ev.(*notify.PresenceEvent)
					if !ok {
						t.Fatalf("decoded %T", ev)
					}
					if diff := cmp.Diff(*e.Presence, pe.Body); diff != "" {
						t.Fatalf("presence body (-sent +decoded):\n%s", diff)
					}
				}
				n++
			}
			if n == 0 {
				t.Fatal("no notification")
			}
		})
	}
}

// Equal seeds give equal runs; other seeds give other ids.
func TestDeterministic(t *testing.T) {
	for _, sc := range Scenarios() {
		a, b, c := run(t, sc, 11), run(t, sc, 11), run(t, sc, 12)
		if diff := cmp.Diff(a.Events, b.Events); diff != "" {
			t.Fatalf("%s: same seed, other events:\n%s", sc.Name, diff)
		}
		if a.Events[0].Session.TelephonySessionID == c.Events[0].Session.TelephonySessionID {
			t.Fatalf("%s: other seed, same session id", sc.Name)
		}
	}
}

// Scripts played together in one world share presence: the extension's
// sequence goes on, both calls are listed, and no more than 7 are.
func TestSharedWorld(t *testing.T) {
	w := NewWorld(testAccount, 1)
	var players []*Player
	for i := range 9 {
		s := InboundAnswered(DefaultCast())
		s.Steps[2].After = time.Hour // keep every call up while the others start
		players = append(players, w.Play(s, t0.Add(time.Duration(i)*time.Second)))
	}
	var all []Event
	for step := range 3 {
		for _, p := range players {
			evs, err := p.Step()
			if err != nil {
				t.Fatalf("step %d: %v", step, err)
			}
			all = append(all, evs...)
		}
	}
	checkConsistent(t, all, false)
	ids := map[string]bool{}
	maxTotal := 0
	for _, e := range all {
		if e.Kind == TelephonyEvent {
			ids[e.Session.TelephonySessionID] = true
		} else {
			maxTotal = max(maxTotal, e.Presence.TotalActiveCalls)
		}
	}
	if len(ids) != 9 {
		t.Errorf("%d sessions, want 9", len(ids))
	}
	if maxTotal != 9 {
		t.Errorf("at most %d active calls, want 9", maxTotal)
	}
	if got := len(w.Sessions()); got != 0 {
		t.Errorf("%d sessions left", got)
	}
	pr, ok := w.Presence("230000101")
	if !ok || pr.TelephonyStatus != presence.NoCall || len(pr.ActiveCalls) != 0 {
		t.Errorf("presence at the end: %+v", pr)
	}
}

// The state after each event is what the resync endpoints serve.
func TestStateDuringCall(t *testing.T) {
	w := NewWorld(testAccount, 1)
	p := w.Play(AttendedTransferCall(DefaultCast()), t0)
	for range 5 { // up to the consultation call's answer
		if _, err := p.Step(); err != nil {
			t.Fatal(err)
		}
	}
	ss := w.Sessions()
	if len(ss) != 2 {
		t.Fatalf("%d sessions, want 2", len(ss))
	}
	var codes []string
	for _, s := range ss {
		for _, pt := range s.Parties {
			codes = append(codes, string(pt.Status.Code))
		}
	}
	pr, _ := w.Presence("230000101")
	got := fmt.Sprint(len(codes), " ", pr.TelephonyStatus, " ", len(pr.ActiveCalls), " ", pr.TotalActiveCalls)
	if got != "4 CallConnected 2 2" {
		t.Errorf("state %q, parties %v", got, codes)
	}
}

func TestBadSteps(t *testing.T) {
	for name, s := range map[string]Script{
		"unknown call":   {Steps: []Step{Answer(0, "nope", "x")}},
		"unknown party":  {Steps: []Step{Dial(0, "c", DefaultCast().user(0, "a"), DefaultCast().user(1, "b")), Answer(0, "c", "zz")}},
		"no extension":   {Steps: []Step{Dial(0, "c", ExternalEndpoint("a", "+1", ""), ExternalEndpoint("b", "+2", ""))}},
		"empty cast":     InboundAnswered(Cast{}),
		"label reused":   {Steps: []Step{Dial(0, "c", DefaultCast().user(0, "a"), DefaultCast().user(1, "b")), Dial(0, "c", DefaultCast().user(0, "a"), DefaultCast().user(1, "b"))}},
		"pick up nobody": {Steps: []Step{Dial(0, "c", DefaultCast().user(0, "a"), DefaultCast().user(1, "b")), PickUp(0, "d", DefaultCast().user(2, "x"), "c", "*801")}},
		"unhold":         {Steps: []Step{Dial(0, "c", DefaultCast().user(0, "a"), DefaultCast().user(1, "b")), Unhold(0, "c", "a")}},
		"bad op":         {Steps: []Step{Dial(0, "c", DefaultCast().user(0, "a"), DefaultCast().user(1, "b")), {Op: 99, Call: "c", Party: "a"}}},
		"no merge":       {Steps: []Step{Conference(0, "conf", "a")}},
	} {
		_, err := Run(testAccount, s, 1, t0)
		var se *StepError
		if !errorsAs(err, &se) || !errorsIs(err, ErrBadStep) {
			t.Errorf("%s: error %v", name, err)
		}
	}
}
