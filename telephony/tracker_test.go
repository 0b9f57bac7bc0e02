package telephony

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ringwatch/ringwatch/internal/testkit/fixture"
)

func applyAll(t *Tracker, evs []*Session) []Change {
	var out []Change
	for _, s := range evs {
		out = append(out, t.Apply(s)...)
	}
	return out
}

func TestTrackerScenariosInOrder(t *testing.T) {
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			clk := newFakeClock()
			tr := NewTracker(WithTrackerClock(clk.Now))
			got := changeStrings(applyAll(tr, sc.events))
			if d := cmp.Diff(sc.want, got); d != "" {
				t.Errorf("changes (-want +got):\n%s", d)
			}
			if snap := tr.Snapshot(); len(snap) != 0 {
				t.Errorf("Snapshot after the call ended = %+v, want none", snap)
			}
			st := tr.Stats()
			if st.Duplicates != 0 || st.Stale != 0 || st.Late != 0 || st.Active != 0 || st.Applied != uint64(len(sc.events)) {
				t.Errorf("Stats = %+v", st)
			}
		})
	}
}

func TestTrackerChangeCarriesParty(t *testing.T) {
	sc := scenarios()[6] // park and pick-up
	tr := NewTracker()
	cs := applyAll(tr, sc.events)
	parked := cs[2]
	if parked.Kind != KindParked || parked.Party.Status.ParkData != "*801" || parked.Party.ExtensionID != "ext-p1" ||
		parked.Sequence != 3 || !parked.EventTime.Equal(sc.events[2].EventTime) {
		t.Errorf("parked change = %+v", parked)
	}
}

// activeScenario is a call that is still going at the end: no party is in
// a final state, so no arrival order can end it.
func activeScenario() []*Session {
	return newScript().
		ev("s-live", "p0", out, Setup).
		ev("s-live", "p1", in, Proceeding).
		ev("s-live", "p1", in, Answered).
		ev("s-live", "p0", out, Answered).
		ev("s-live", "p1", in, Hold).
		ev("s-live", "p1", in, Answered).
		ev("s-live", "p0", out, Parked, parkAt("*802")).all()
}

// finalState is what must not depend on arrival order.
type finalState struct {
	Active []Call
	Ended  map[string][]Party
}

func stateOf(tr *Tracker, ids []string) finalState {
	fs := finalState{Active: tr.Snapshot(), Ended: map[string][]Party{}}
	for _, id := range ids {
		if c, ok := tr.Call(id); ok && c.Ended {
			fs.Ended[id] = c.Parties
		}
	}
	return fs
}

func TestTrackerArrivalOrderIndependence(t *testing.T) {
	var all []*Session
	for _, sc := range scenarios() {
		all = append(all, sc.events...)
	}
	all = append(all, activeScenario()...)
	var ids []string
	for _, s := range all {
		if !slices.Contains(ids, s.TelephonySessionID) {
			ids = append(ids, s.TelephonySessionID)
		}
	}

	clk := newFakeClock()
	ref := NewTracker(WithTrackerClock(clk.Now))
	applyAll(ref, all)
	want := stateOf(ref, ids)
	if len(want.Active) != 1 || len(want.Ended) != len(ids)-1 {
		t.Fatalf("reference: %d active, %d ended calls; want 1 and %d", len(want.Active), len(want.Ended), len(ids)-1)
	}

	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 42))
		evs := slices.Clone(all)
		dups := 0
		for _, s := range all {
			if rng.IntN(4) == 0 { // a quarter of the notifications twice
				evs = append(evs, s)
				dups++
			}
		}
		rng.Shuffle(len(evs), func(i, j int) { evs[i], evs[j] = evs[j], evs[i] })

		tr := NewTracker(WithTrackerClock(clk.Now))
		cs := applyAll(tr, evs)
		if d := cmp.Diff(want, stateOf(tr, ids)); d != "" {
			t.Fatalf("seed %d: final state (-in order +shuffled):\n%s", seed, d)
		}
		started, ended := map[string]int{}, map[string]int{}
		for _, c := range cs {
			if c.CallStarted {
				started[c.TelephonySessionID]++
			}
			if c.CallEnded {
				ended[c.TelephonySessionID]++
			}
		}
		for _, id := range ids {
			wantEnded := 1
			if id == "s-live" {
				wantEnded = 0
			}
			if started[id] != 1 || ended[id] != wantEnded {
				t.Fatalf("seed %d: call %s started %d times, ended %d times; want 1 and %d", seed, id, started[id], ended[id], wantEnded)
			}
		}
		st := tr.Stats()
		// every party update is applied once, dropped as a duplicate or
		// stale, or absorbed late
		if got := st.Applied + st.Duplicates + st.Stale + st.Late; got != uint64(len(evs)) {
			t.Fatalf("seed %d: %+v accounts for %d of %d updates", seed, st, got, len(evs))
		}
		if st.Duplicates+st.Stale < uint64(dups) {
			t.Fatalf("seed %d: %d duplicates and %d stale, want at least %d dropped", seed, st.Duplicates, st.Stale, dups)
		}
	}
}

func TestTrackerFixturePartialSequence(t *testing.T) {
	var raw []struct {
		Body json.RawMessage `json:"body"`
	}
	if err := json.Unmarshal(fixture.Read(t, "apidocs-voice-call-time-metrics-partial-sequence.json"), &raw); err != nil {
		t.Fatal(err)
	}
	tr := NewTracker()
	var got []string
	for _, r := range raw {
		s, err := ParseSession(r.Body)
		if err != nil {
			t.Fatalf("ParseSession: %v", err)
		}
		got = append(got, changeStrings(tr.Apply(s))...)
	}
	// the parties have no id: they are one party keyed by ""
	want := []string{
		"s-11112222333344445555666677778888/ >Proceeding Proceeding STARTED",
		"s-11112222333344445555666677778888/ Proceeding>Answered Answered",
		"s-11112222333344445555666677778888/ Answered>Hold Held",
		"s-11112222333344445555666677778888/ Hold>Answered Resumed",
		"s-11112222333344445555666677778888/ Answered>Disconnected Left ENDED",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("changes (-want +got):\n%s", d)
	}
	c, ok := tr.Call("s-11112222333344445555666677778888")
	if !ok || !c.Ended || c.Sequence != 9 {
		t.Errorf("Call = %+v, %v; want ended at sequence 9", c, ok)
	}
}

func TestTrackerStaleAndDuplicate(t *testing.T) {
	evs := scenarios()[3].events // internal hold and resume, 12 notifications
	tr := NewTracker()
	applyAll(tr, evs[:8])
	// re-sent and late notifications change nothing
	if cs := tr.Apply(evs[7]); len(cs) != 0 {
		t.Errorf("duplicate gave %v", changeStrings(cs))
	}
	if cs := tr.Apply(evs[6]); len(cs) != 0 { // p1 Hold (seq 7) after p1 Answered (seq 8)
		t.Errorf("stale gave %v", changeStrings(cs))
	}
	if cs := tr.Apply(evs[4]); len(cs) != 0 { // p2 Answered (seq 5) again
		t.Errorf("duplicate state gave %v", changeStrings(cs))
	}
	st := tr.Stats()
	if st.Duplicates != 2 || st.Stale != 1 || st.Applied != 8 {
		t.Errorf("Stats = %+v; want 2 duplicates, 1 stale, 8 applied", st)
	}
	c, _ := tr.Call("s-int")
	if got := c.Parties[0].Status.Code; got != Answered {
		t.Errorf("p1 is %s after a stale Hold, want Answered", got)
	}
	// a higher sequence for the other party still applies
	if got := changeStrings(tr.Apply(evs[8])); !slices.Equal(got, []string{"s-int/p2 Answered>Hold Held"}) {
		t.Errorf("p2 Hold gave %v", got)
	}
}

func TestTrackerLowerSequenceForOtherParty(t *testing.T) {
	// p2's notifications arrive after p1's later ones: each party keeps its
	// own latest state, so nothing of p2 is stale.
	evs := scenarios()[3].events
	tr := NewTracker()
	order := []int{0, 3, 5, 6, 7, 1, 2, 4}
	var got []string
	for _, i := range order {
		got = append(got, changeStrings(tr.Apply(evs[i]))...)
	}
	want := []string{
		"s-int/p1 >Setup Setup STARTED",
		"s-int/p1 Setup>Proceeding Proceeding",
		"s-int/p1 Proceeding>Answered Answered",
		"s-int/p1 Answered>Hold Held",
		"s-int/p1 Hold>Answered Resumed",
		"s-int/p2 >Setup Setup",
		"s-int/p2 Setup>Proceeding Ringing",
		"s-int/p2 Proceeding>Answered Answered",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("changes (-want +got):\n%s", d)
	}
}

func TestTrackerPickupAloneDoesNotEndCall(t *testing.T) {
	// An extension-level subscriber sees only its own party, which is
	// picked up on another device: the call goes on.
	tr := NewTracker()
	b := newScript().
		ev("s-x", "p1", in, Proceeding).
		ev("s-x", "p1", in, Disconnected, reason(ReasonCallSwitch))
	got := changeStrings(applyAll(tr, b.all()))
	want := []string{"s-x/p1 >Proceeding Ringing STARTED", "s-x/p1 Proceeding>Disconnected PickedUpElsewhere reason=CallSwitch"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("changes (-want +got):\n%s", d)
	}
	if n := len(tr.Snapshot()); n != 1 {
		t.Errorf("%d active calls, want the call still active", n)
	}
	// the same party answering on the other device continues the call
	b.ev("s-x", "p1", in, Answered).ev("s-x", "p1", in, Disconnected, reason(ReasonCallFinished))
	got = changeStrings(applyAll(tr, b.all()[2:]))
	want = []string{"s-x/p1 Disconnected>Answered Answered", "s-x/p1 Answered>Disconnected Left reason=CallFinished ENDED"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("changes (-want +got):\n%s", d)
	}
}

func TestTrackerMissedKinds(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []partyOpt
		want ChangeKind
	}{
		{"no answer", []partyOpt{reason(ReasonNoAnswer)}, KindMissed},
		{"cancelled", []partyOpt{reason(ReasonCancelled)}, KindMissed},
		{"missedCall flag", []partyOpt{missed()}, KindMissed},
		{"busy", []partyOpt{reason(ReasonTargetBusy)}, KindMissed},
		{"hang-up", []partyOpt{reason(ReasonCallFinished)}, KindLeft},
		{"another agent answered", []partyOpt{reason(ReasonAgentAnswered)}, KindAnsweredElsewhere},
		{"gone supervising", nil, KindGone},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code := Disconnected
			if tc.want == KindGone {
				code = Gone
				tc.opts = []partyOpt{reason(ReasonSupervising)}
			}
			tr := NewTracker()
			b := newScript().ev("s", "p", in, Proceeding).ev("s", "p", in, code, tc.opts...)
			cs := applyAll(tr, b.all())
			if len(cs) != 2 || cs[1].Kind != tc.want || !cs[1].CallEnded {
				t.Errorf("changes %v; want the second %s and ending the call", changeStrings(cs), tc.want)
			}
		})
	}
	// after an answer, a NoAnswer reason is not a missed call
	tr := NewTracker()
	b := newScript().ev("s", "p", in, Answered).ev("s", "p", in, Disconnected, reason(ReasonNoAnswer))
	if cs := applyAll(tr, b.all()); cs[1].Kind != KindLeft {
		t.Errorf("kind after answer = %s, want Left", cs[1].Kind)
	}
}

func TestTrackerIgnoresUntrackable(t *testing.T) {
	tr := NewTracker()
	if cs := tr.Apply(nil); cs != nil {
		t.Errorf("Apply(nil) = %v", cs)
	}
	if cs := tr.Apply(&Session{Sequence: 1, Parties: []Party{{ID: "p"}}}); cs != nil {
		t.Errorf("Apply(no id) = %v", cs)
	}
	// a session with no parties is tracked but says nothing
	if cs := tr.Apply(&Session{Sequence: 1, TelephonySessionID: "s"}); len(cs) != 0 {
		t.Errorf("Apply(no parties) = %v", cs)
	}
	if st := tr.Stats(); st.Ignored != 2 || st.Events != 3 || st.Active != 1 {
		t.Errorf("Stats = %+v", st)
	}
}

func TestTrackerReorderWindow(t *testing.T) {
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			for seed := range uint64(20) {
				rng := rand.New(rand.NewPCG(seed, 7))
				clk := newFakeClock()
				tr := NewTracker(WithTrackerClock(clk.Now), WithReorderWindow(time.Second))
				// deliver in bursts of up to 4, shuffled within the burst, each
				// burst 300ms apart: every notification is late by less than
				// the window
				var got []Change
				evs := sc.events
				for i := 0; i < len(evs); {
					n := min(1+rng.IntN(4), len(evs)-i)
					burst := slices.Clone(evs[i : i+n])
					rng.Shuffle(len(burst), func(a, b int) { burst[a], burst[b] = burst[b], burst[a] })
					for _, s := range burst {
						got = append(got, tr.Apply(s)...)
					}
					i += n
					clk.Advance(300 * time.Millisecond)
					got = append(got, tr.Tick()...)
				}
				if st := tr.Stats(); st.Held == 0 && len(got) == len(sc.want) {
					t.Fatalf("seed %d: nothing held at the end", seed)
				}
				clk.Advance(time.Second)
				got = append(got, tr.Tick()...)
				// the window orders each session; sessions interleave freely
				if d := cmp.Diff(bySession(sc.want), bySession(changeStrings(got))); d != "" {
					t.Fatalf("seed %d: changes (-want +got):\n%s", seed, d)
				}
				if st := tr.Stats(); st.Held != 0 || st.Stale != 0 {
					t.Fatalf("seed %d: Stats = %+v", seed, st)
				}
			}
		})
	}
}

// bySession groups change strings by session, keeping their order.
func bySession(cs []string) map[string][]string {
	m := map[string][]string{}
	for _, c := range cs {
		sid, _, _ := strings.Cut(c, "/")
		m[sid] = append(m[sid], c)
	}
	return m
}

func TestTrackerReorderFlush(t *testing.T) {
	sc := scenarios()[0]
	clk := newFakeClock()
	tr := NewTracker(WithTrackerClock(clk.Now), WithReorderWindow(time.Hour))
	evs := slices.Clone(sc.events)
	slices.Reverse(evs)
	for _, s := range evs {
		if cs := tr.Apply(s); len(cs) != 0 {
			t.Fatalf("Apply released %v before the window", changeStrings(cs))
		}
	}
	if st := tr.Stats(); st.Held != len(evs) {
		t.Fatalf("Held = %d, want %d", st.Held, len(evs))
	}
	if d := cmp.Diff(sc.want, changeStrings(tr.Flush())); d != "" {
		t.Errorf("Flush (-want +got):\n%s", d)
	}
	if cs := tr.Flush(); len(cs) != 0 {
		t.Errorf("second Flush = %v", cs)
	}
}

func TestTrackerReorderWindowHoldsCopies(t *testing.T) {
	clk := newFakeClock()
	tr := NewTracker(WithTrackerClock(clk.Now), WithReorderWindow(time.Second))
	s := &Session{Sequence: 1, TelephonySessionID: "s", Parties: []Party{{ID: "p", Status: Status{Code: Setup}}}}
	tr.Apply(s)
	s.Parties[0].Status.Code = Answered // the caller reuses its session
	clk.Advance(time.Second)
	got := changeStrings(tr.Tick())
	if d := cmp.Diff([]string{"s/p >Setup Setup STARTED"}, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestTrackerTTLBoundsMemory(t *testing.T) {
	clk := newFakeClock()
	tr := NewTracker(WithTrackerClock(clk.Now), WithEndedTTL(10*time.Second))
	sc := scenarios()[2] // outbound, 4 notifications
	const calls = 5000
	for i := range calls {
		for _, s := range sc.events {
			c := *s
			c.TelephonySessionID = fmt.Sprintf("s-%d", i)
			tr.Apply(&c)
		}
		clk.Advance(10 * time.Millisecond) // 100 calls a second
		if st := tr.Stats(); st.Ended > 1001 || st.Active != 0 {
			t.Fatalf("after %d calls: %+v; want at most 1001 ended calls kept (10 s TTL)", i+1, st)
		}
	}
	if st := tr.Stats(); st.Expired < calls-1001 {
		t.Errorf("Expired = %d", st.Expired)
	}
	// the list of ended calls holds only those kept
	if n := listLen(&tr.done); n != tr.Stats().Ended {
		t.Errorf("ended list holds %d, %d ended calls kept", n, tr.Stats().Ended)
	}
	// a late notification inside the TTL is absorbed; after it, it starts a
	// new call
	late := *sc.events[1]
	late.TelephonySessionID = fmt.Sprintf("s-%d", calls-1)
	if cs := tr.Apply(&late); len(cs) != 0 {
		t.Errorf("late notification gave %v", changeStrings(cs))
	}
	clk.Advance(11 * time.Second)
	if cs := tr.Tick(); len(cs) != 0 || tr.Stats().Ended != 0 {
		t.Errorf("Tick = %v, %+v", cs, tr.Stats())
	}
	if cs := tr.Apply(&late); len(cs) != 1 || !cs[0].CallStarted {
		t.Errorf("after the TTL: %v", changeStrings(cs))
	}
}

// listLen counts the calls on the list headed by head.
func listLen(head *call) int {
	n := 0
	for c := head.next; c != head; c = c.next {
		n++
	}
	return n
}

func TestTrackerCapBoundsMemory(t *testing.T) {
	clk := newFakeClock()
	tr := NewTracker(WithTrackerClock(clk.Now), WithMaxCalls(100))
	for i := range 1000 {
		s := &Session{Sequence: 1, TelephonySessionID: fmt.Sprintf("s-%d", i),
			Parties: []Party{{ID: "p", Status: Status{Code: Proceeding}}}}
		tr.Apply(s)
		clk.Advance(time.Millisecond)
		if st := tr.Stats(); st.Active+st.Ended > 100 {
			t.Fatalf("tracking %d calls, cap 100", st.Active+st.Ended)
		}
	}
	st := tr.Stats()
	if st.Evicted != 900 || st.Active != 100 {
		t.Errorf("Stats = %+v; want 900 evicted, 100 active", st)
	}
	// the least recently updated go first: touching s-900 keeps it
	tr.Apply(&Session{Sequence: 2, TelephonySessionID: "s-900", Parties: []Party{{ID: "p", Status: Status{Code: Answered}}}})
	tr.Apply(&Session{Sequence: 1, TelephonySessionID: "new", Parties: []Party{{ID: "p", Status: Status{Code: Setup}}}})
	if _, ok := tr.Call("s-900"); !ok {
		t.Error("s-900 was evicted though recently updated")
	}
	if _, ok := tr.Call("s-901"); ok {
		t.Error("s-901 was kept though least recently updated")
	}
	// ended calls evicted by the cap leave the expiry queue bounded
	tr2 := NewTracker(WithTrackerClock(clk.Now), WithMaxCalls(50))
	for i := range 2000 {
		for _, s := range scenarios()[2].events {
			c := *s
			c.TelephonySessionID = fmt.Sprintf("s-%d", i)
			tr2.Apply(&c)
		}
	}
	if st := tr2.Stats(); st.Ended != 50 || st.Evicted != 1950 {
		t.Errorf("Stats = %+v", st)
	}
	if n := listLen(&tr2.done); n != 50 {
		t.Errorf("ended list holds %d entries with 50 calls tracked", n)
	}
}

func TestTrackerReconcile(t *testing.T) {
	clk := newFakeClock()
	tr := NewTracker(WithTrackerClock(clk.Now))
	// three calls in progress; the notifications that end two of them are
	// lost in a gap
	applyAll(tr, scenarios()[0].events[:5]) // s-in: p0 and p1 answered
	applyAll(tr, scenarios()[2].events[:3]) // s-out: answered
	applyAll(tr, scenarios()[3].events[:7]) // s-int: p1 on hold
	// the REST API lists s-int only, with p1 back from hold and p2 gone
	rest := &Session{TelephonySessionID: "s-int", Parties: []Party{
		{ID: "p1", Direction: out, Status: Status{Code: Answered}},
	}}
	got := changeStrings(tr.Reconcile([]*Session{rest, nil}, ""))
	want := []string{
		"s-int/p1 Hold>Answered Resumed",
		"s-int/p2 Answered>Disconnected Resync reason=Resync",
		"s-in/p0 Answered>Disconnected Resync reason=Resync",
		"s-in/p1 Answered>Disconnected Resync reason=Resync ENDED",
		"s-out/p1 Answered>Disconnected Resync reason=Resync ENDED",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Reconcile (-want +got):\n%s", d)
	}
	snap := tr.Snapshot()
	if len(snap) != 1 || snap[0].TelephonySessionID != "s-int" {
		t.Fatalf("Snapshot = %+v", snap)
	}
	// reconciling again changes nothing; an empty list ends the rest with
	// the given reason
	if cs := tr.Reconcile([]*Session{rest}, "gap"); len(cs) != 0 {
		t.Errorf("second Reconcile = %v", changeStrings(cs))
	}
	got = changeStrings(tr.Reconcile(nil, "gap"))
	if d := cmp.Diff([]string{"s-int/p1 Answered>Disconnected Resync reason=gap ENDED"}, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	// a call known only through a hand-off still ends once
	tr.Apply(&Session{Sequence: 1, TelephonySessionID: "s-h", Parties: []Party{{ID: "p", Status: Status{Code: Disconnected, Reason: ReasonPickup}}}})
	got = changeStrings(tr.Reconcile(nil, ""))
	if d := cmp.Diff([]string{"s-h/ >Disconnected Resync reason=Resync ENDED"}, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if st := tr.Stats(); st.Active != 0 {
		t.Errorf("Stats = %+v", st)
	}
}

func TestTrackerReconcileNewCallAndLateEvents(t *testing.T) {
	tr := NewTracker()
	rest := &Session{TelephonySessionID: "s-r", SessionID: "9", Parties: []Party{
		{ID: "a", Status: Status{Code: Answered}}, {ID: "b", Status: Status{Code: Hold}},
	}}
	got := changeStrings(tr.Reconcile([]*Session{rest}, ""))
	want := []string{"s-r/a >Answered Answered STARTED", "s-r/b >Hold Held"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	// live notifications go on after the REST state
	got = changeStrings(tr.Apply(&Session{Sequence: 12, TelephonySessionID: "s-r", Parties: []Party{{ID: "b", Status: Status{Code: Answered}}}}))
	if d := cmp.Diff([]string{"s-r/b Hold>Answered Resumed"}, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if c, _ := tr.Call("s-r"); c.SessionID != "9" || c.Sequence != 12 || len(c.Parties) != 2 {
		t.Errorf("Call = %+v", c)
	}
}

func TestChangeKindString(t *testing.T) {
	if got := KindPickedUpElsewhere.String(); got != "PickedUpElsewhere" {
		t.Errorf("String = %q", got)
	}
	if got := ChangeKind(200).String(); got != "ChangeKind(200)" {
		t.Errorf("String = %q", got)
	}
}

func TestTrackerConcurrentApply(t *testing.T) {
	var all []*Session
	for _, sc := range scenarios() {
		all = append(all, sc.events...)
	}
	all = append(all, activeScenario()...)
	ids := []string{"s-live"}
	for _, s := range all {
		if !slices.Contains(ids, s.TelephonySessionID) {
			ids = append(ids, s.TelephonySessionID)
		}
	}
	clk := newFakeClock()
	ref := NewTracker(WithTrackerClock(clk.Now))
	applyAll(ref, all)
	want := stateOf(ref, ids)
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 9))
		evs := slices.Clone(all)
		rng.Shuffle(len(evs), func(i, j int) { evs[i], evs[j] = evs[j], evs[i] })
		tr := NewTracker(WithTrackerClock(clk.Now))
		const workers = 4
		ended := make(chan map[string]int, workers)
		for w := range workers {
			go func() {
				m := map[string]int{}
				for i := w; i < len(evs); i += workers {
					for _, c := range tr.Apply(evs[i]) {
						if c.CallEnded {
							m[c.TelephonySessionID]++
						}
					}
					tr.Snapshot()
				}
				ended <- m
			}()
		}
		total := map[string]int{}
		for range workers {
			for id, n := range <-ended {
				total[id] += n
			}
		}
		if d := cmp.Diff(want, stateOf(tr, ids)); d != "" {
			t.Fatalf("seed %d: final state (-sequential +concurrent):\n%s", seed, d)
		}
		for _, id := range ids[1:] {
			if total[id] != 1 {
				t.Fatalf("seed %d: %s ended %d times", seed, id, total[id])
			}
		}
	}
}

func TestTrackerReconcileFlushesWindow(t *testing.T) {
	clk := newFakeClock()
	tr := NewTracker(WithTrackerClock(clk.Now), WithReorderWindow(time.Minute))
	applyAll(tr, scenarios()[2].events[:3]) // held: s-out answered
	got := changeStrings(tr.Reconcile(nil, ""))
	want := []string{
		"s-out/p1 >Setup Setup STARTED",
		"s-out/p1 Setup>Proceeding Proceeding",
		"s-out/p1 Proceeding>Answered Answered",
		"s-out/p1 Answered>Disconnected Resync reason=Resync ENDED",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}
