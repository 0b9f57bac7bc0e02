package telephony

import (
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
)

// oneParty is a notification of one party of one call.
func oneParty(id, party string, seq int64, code StatusCode, reason string) *Session {
	return &Session{Sequence: seq, TelephonySessionID: id,
		Parties: []Party{{ID: party, Status: Status{Code: code, Reason: reason}}}}
}

// startLive starts an active call; endCall starts and ends one.
func startLive(tr *Tracker, id string) []Change {
	return tr.Apply(oneParty(id, "p", 1, Answered, ""))
}

func endCall(tr *Tracker, id string) []Change {
	out := tr.Apply(oneParty(id, "p", 1, Answered, ""))
	return append(out, tr.Apply(oneParty(id, "p", 2, Disconnected, ReasonCallFinished))...)
}

func tracked(tr *Tracker, id string) bool {
	_, ok := tr.Call(id)
	return ok
}

// At the cap, with a mix of active and ended calls, new calls evict the
// ended ones (those that ended first, first), even though the active ones
// were updated less recently; active calls are evicted only when no ended
// call is left.
func TestTrackerCapEvictsEndedFirst(t *testing.T) {
	clk := newFakeClock()
	tr := NewTracker(WithTrackerClock(clk.Now), WithMaxCalls(10))
	for i := range 5 { // the least recently updated calls are active
		startLive(tr, "live-"+strconv.Itoa(i))
		clk.Advance(time.Millisecond)
	}
	for i := range 5 {
		endCall(tr, "ended-"+strconv.Itoa(i))
		clk.Advance(time.Millisecond)
	}
	if st := tr.Stats(); st.Active != 5 || st.Ended != 5 {
		t.Fatalf("Stats = %+v", st)
	}
	for i := range 5 {
		startLive(tr, "new-"+strconv.Itoa(i))
		clk.Advance(time.Millisecond)
		for j := range 5 {
			if !tracked(tr, "live-"+strconv.Itoa(j)) {
				t.Fatalf("after new-%d: live-%d was evicted while ended calls were kept", i, j)
			}
			if want := j > i; tracked(tr, "ended-"+strconv.Itoa(j)) != want {
				t.Fatalf("after new-%d: ended-%d tracked = %v, want %v (first ended, first evicted)", i, j, !want, want)
			}
		}
	}
	if st := tr.Stats(); st.Active != 10 || st.Ended != 0 || st.Evicted != 5 {
		t.Fatalf("Stats = %+v; want 10 active, 0 ended, 5 evicted", st)
	}
	// no ended call left: the least recently updated active call goes
	startLive(tr, "new-5")
	if tracked(tr, "live-0") || !tracked(tr, "live-1") || !tracked(tr, "new-5") {
		t.Errorf("with only active calls tracked, live-0 (least recently updated) should be evicted")
	}
}

// Evicting an active call is reported by a change the caller sees, fails
// the Waits on it, and is counted.
func TestTrackerLiveEvictionVisible(t *testing.T) {
	leakcheck.Check(t)
	clk := newFakeClock()
	tr := NewTracker(WithTrackerClock(clk.Now), WithMaxCalls(3))
	startLive(tr, "a")
	startLive(tr, "b")
	endCall(tr, "c")
	if got := changeStrings(startLive(tr, "d")); len(got) != 1 || got[0] != "d/p >Answered Answered STARTED" {
		t.Errorf("evicting the ended call c: changes %q, want d's alone", got)
	}
	errc := make(chan error, 1)
	go func() { _, err := tr.Wait(t.Context(), "a", "", Disconnected); errc <- err }()
	waitForWaiters(t, tr, "a", 1)

	cs := startLive(tr, "e")
	if len(cs) != 2 {
		t.Fatalf("changes = %q; want a's eviction, then e's start", changeStrings(cs))
	}
	want := Change{TelephonySessionID: "a", Kind: KindEvicted, CallEnded: true, EventTime: clk.Now()}
	if sum := cs[0].Summary; sum == nil || !sum.Partial || sum.Outcome != OutcomeUnknown || len(sum.Parties) != 1 {
		t.Errorf("eviction summary = %+v, want a partial one with one party and outcome Unknown", sum)
	} else {
		want.Summary = sum
	}
	if d := cmp.Diff(want, cs[0]); d != "" {
		t.Errorf("eviction change (-want +got):\n%s", d)
	}
	if cs[1].TelephonySessionID != "e" || !cs[1].CallStarted {
		t.Errorf("second change = %+v", cs[1])
	}
	err := <-errc
	if !errors.Is(err, ErrEvicted) || errors.Is(err, ErrCallEnded) {
		t.Errorf("Wait on the evicted call = %v, want ErrEvicted", err)
	}
	if st := tr.Stats(); st.Evicted != 2 || st.EvictedLive != 1 || st.Active != 3 || st.Ended != 0 {
		t.Errorf("Stats = %+v; want 2 evicted, 1 of them active", st)
	}
	if tracked(tr, "a") {
		t.Error("a is still tracked")
	}
	// a later notification for it starts it anew
	cs = tr.Apply(oneParty("a", "p", 2, Hold, ""))
	if len(cs) != 2 || cs[0].Kind != KindEvicted || cs[0].TelephonySessionID != "b" || !cs[1].CallStarted {
		t.Errorf("a again: %q", changeStrings(cs))
	}
	if KindEvicted.String() != "Evicted" || KindTooManyParties.String() != "TooManyParties" {
		t.Errorf("kind names %q %q", KindEvicted, KindTooManyParties)
	}
}

// manyParties is a notification of party i of call id.
func manyParties(id string, i int, seq int64, code StatusCode) *Session {
	return oneParty(id, "p-"+strconv.Itoa(i), seq, code, "")
}

func TestTrackerMaxParties(t *testing.T) {
	tr := NewTracker(WithMaxParties(3))
	var cs []Change
	for i := range 5 {
		cs = append(cs, tr.Apply(manyParties("s", i, int64(i+1), Answered))...)
	}
	want := []string{
		"s/p-0 >Answered Answered STARTED",
		"s/p-1 >Answered Answered",
		"s/p-2 >Answered Answered",
		"s/p-3 >Answered TooManyParties",
	}
	if got := changeStrings(cs); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("changes = %q, want %q", got, want)
	}
	c, _ := tr.Call("s")
	if len(c.Parties) != 3 || c.DroppedParties != 2 {
		t.Errorf("Call = %d parties, %d dropped; want 3, 2", len(c.Parties), c.DroppedParties)
	}
	// tracked parties go on; the dropped ones stay dropped, counted
	cs = tr.Apply(manyParties("s", 1, 6, Hold))
	cs = append(cs, tr.Apply(manyParties("s", 4, 7, Hold))...)
	if got := changeStrings(cs); len(got) != 1 || got[0] != "s/p-1 Answered>Hold Held" {
		t.Errorf("changes = %q", got)
	}
	if st := tr.Stats(); st.DroppedParties != 3 || st.Applied != 4 {
		t.Errorf("Stats = %+v", st)
	}
	// the call ends when its tracked parties have left
	var ended bool
	for i := range 3 {
		for _, ch := range tr.Apply(manyParties("s", i, int64(10+i), Disconnected)) {
			ended = ended || ch.CallEnded
		}
	}
	if !ended {
		t.Error("the call did not end")
	}
}

func TestTrackerDefaultMaxParties(t *testing.T) {
	tr := NewTracker()
	for i := range 1000 {
		tr.Apply(manyParties("s", i, int64(i+1), Answered))
	}
	if c, _ := tr.Call("s"); len(c.Parties) != 256 {
		t.Errorf("one call holds %d parties; want the default cap, 256", len(c.Parties))
	}
	if DefaultMaxParties != 256 {
		t.Errorf("DefaultMaxParties = %d", DefaultMaxParties)
	}
}

// partyWork applies three updates to each of n parties of one call
// (uncapped) and returns the number of party states examined per update.
func partyWork(t *testing.T, n int) float64 {
	tr := NewTracker(WithMaxParties(0))
	seq := int64(0)
	for _, code := range []StatusCode{Proceeding, Answered, Disconnected} {
		for i := range n {
			seq++
			tr.Apply(manyParties("s", i, seq, code))
		}
	}
	c, _ := tr.Call("s")
	if len(c.Parties) != n || !c.Ended {
		t.Fatalf("%d parties: Call = %d parties, ended %v", n, len(c.Parties), c.Ended)
	}
	return float64(tr.scans) / float64(3*n)
}

// A party update does constant work whatever the number of parties: the
// party states examined per update do not grow with the call.
func TestTrackerPartyUpdateConstantWork(t *testing.T) {
	small, large := partyWork(t, 100), partyWork(t, 5000)
	if large > indexFrom || large > small+1 {
		t.Errorf("party states examined per update: %.1f with 100 parties, %.1f with 5000; want at most %d, not growing",
			small, large, indexFrom)
	}
}

// 200,000 party updates on one call, as a hostile stream would send, are
// applied in linear time (the bound is the test timeout; the work is also
// counted by TestTrackerPartyUpdateConstantWork and
// BenchmarkTrackerManyParties).
func TestTrackerManyPartyUpdatesBounded(t *testing.T) {
	const updates = 200_000
	// default cap: every new party past it is dropped
	tr := NewTracker()
	for i := range updates {
		tr.Apply(manyParties("s", i, int64(i+1), Answered))
	}
	if st := tr.Stats(); st.Applied != DefaultMaxParties || st.DroppedParties != updates-DefaultMaxParties {
		t.Errorf("Stats = %+v", st)
	}
	// no cap: 10,000 parties with 20 updates each
	const parties = 10_000
	tr = NewTracker(WithMaxParties(0))
	seq := int64(0)
	for round := range updates / parties {
		code := Answered
		if round%2 == 1 {
			code = Hold
		}
		for i := range parties {
			seq++
			tr.Apply(manyParties("s", i, seq, code))
		}
	}
	if st := tr.Stats(); st.Applied != updates || st.DroppedParties != 0 {
		t.Errorf("Stats = %+v", st)
	}
	if per := float64(tr.scans) / updates; per > indexFrom {
		t.Errorf("%.1f party states examined per update", per)
	}
}
