package telephony

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// restSession decodes a session in the REST form (GET
// …/telephony/sessions/{id}): no sequence, "id" for the session id, and
// creationTime, "the date and time of the latest session update".
func restSession(t *testing.T, id string, updated time.Time, parties ...string) *Session {
	t.Helper()
	ps := ""
	for i, p := range parties {
		if i > 0 {
			ps += ","
		}
		ps += p
	}
	created := ""
	if !updated.IsZero() {
		created = fmt.Sprintf(`"creationTime":%q,`, updated.Format(time.RFC3339Nano))
	}
	s, err := ParseSession(fmt.Appendf(nil, `{%s"id":%q,"origin":{"type":"Call"},"parties":[%s]}`, created, id, ps))
	if err != nil {
		t.Fatal(err)
	}
	if s.Sequence != 0 || s.TelephonySessionID != id || !s.CreationTime.Equal(updated) {
		t.Fatalf("REST session decoded as %+v", s)
	}
	return s
}

func restParty(id, dir string, code StatusCode) string {
	return fmt.Sprintf(`{"id":%q,"direction":%q,"status":{"code":%q}}`, id, dir, code)
}

// statusOf returns the status code of party pid of call sid.
func statusOf(t *testing.T, tr *Tracker, sid, pid string) StatusCode {
	t.Helper()
	c, ok := tr.Call(sid)
	if !ok {
		t.Fatalf("call %s not tracked", sid)
	}
	for _, p := range c.Parties {
		if p.ID == pid {
			return p.Status.Code
		}
	}
	t.Fatalf("call %s has no party %s", sid, pid)
	return ""
}

// TestTrackerReconcileThenLateOlder is the resync after a gap: the REST
// state is newer than notifications still in flight (PubNub reorders), so
// those must not take a party back.
func TestTrackerReconcileThenLateOlder(t *testing.T) {
	evs := newScript().
		ev("s", "p1", in, Setup).      // 1, t+0s: applied before the gap
		ev("s", "p1", in, Proceeding). // 2, t+1s: late
		ev("s", "p1", in, Answered).   // 3, t+2s: late
		ev("s", "p1", in, Hold).       // 4, t+3s: after the REST read
		all()
	tr := NewTracker()
	tr.Apply(evs[0])
	rest := restSession(t, "s", evs[2].EventTime, restParty("p1", in, Answered))
	got := changeStrings(tr.Reconcile([]*Session{rest}, ""))
	if d := cmp.Diff([]string{"s/p1 Setup>Answered Answered"}, got); d != "" {
		t.Errorf("Reconcile (-want +got):\n%s", d)
	}
	// older than the REST state: dropped as stale, whatever its sequence
	if cs := tr.Apply(evs[1]); len(cs) != 0 {
		t.Errorf("late seq 2 after Reconcile gave %v", changeStrings(cs))
	}
	// at the REST state's time, and not taking p1 back: applied (no
	// change), which gives p1 a sequence again
	if cs := tr.Apply(evs[2]); len(cs) != 0 {
		t.Errorf("late seq 3 after Reconcile gave %v", changeStrings(cs))
	}
	if cs := tr.Apply(evs[0]); len(cs) != 0 {
		t.Errorf("seq 1 again gave %v", changeStrings(cs))
	}
	if st := statusOf(t, tr, "s", "p1"); st != Answered {
		t.Errorf("p1 = %s after late notifications, want Answered", st)
	}
	if st := tr.Stats(); st.Stale != 2 || st.Duplicates != 0 || st.Applied != 3 {
		t.Errorf("Stats = %+v; want 2 stale, 3 applied", st)
	}
	// newer than the REST state: applied, and sequence ordering resumes
	got = changeStrings(tr.Apply(evs[3]))
	if d := cmp.Diff([]string{"s/p1 Answered>Hold Held"}, got); d != "" {
		t.Errorf("newer notification (-want +got):\n%s", d)
	}
	if cs := tr.Apply(evs[2]); len(cs) != 0 {
		t.Errorf("seq 3 after seq 4 gave %v", changeStrings(cs))
	}
	if c, _ := tr.Call("s"); c.Sequence != 4 || c.Parties[0].Status.Code != Hold {
		t.Errorf("Call = %+v", c)
	}
	if st := tr.Stats(); st.Stale != 3 {
		t.Errorf("Stats = %+v; want 3 stale", st)
	}
}

// TestTrackerReconcileOnConnect is the resync on connect with a call
// already in progress: the tracker knows nothing of it but the REST state.
func TestTrackerReconcileOnConnect(t *testing.T) {
	evs := newScript().
		ev("s", "p0", out, Proceeding). // 1, t+0s
		ev("s", "p1", in, Setup).       // 2, t+1s
		ev("s", "p1", in, Proceeding).  // 3, t+2s
		ev("s", "p1", in, Answered).    // 4, t+3s
		ev("s", "p0", out, Answered).   // 5, t+4s
		ev("s", "p1", in, Disconnected, reason(ReasonCallFinished)).
		all()
	tr := NewTracker()
	rest := restSession(t, "s", evs[2].EventTime, restParty("p0", out, Proceeding), restParty("p1", in, Proceeding))
	got := changeStrings(tr.Reconcile([]*Session{rest}, ""))
	want := []string{"s/p0 >Proceeding Proceeding STARTED", "s/p1 >Proceeding Ringing"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Reconcile (-want +got):\n%s", d)
	}
	// arrival order after the connect: late ones mixed with newer ones
	var all []string
	for _, i := range []int{3, 1, 0, 2, 4, 5} {
		all = append(all, changeStrings(tr.Apply(evs[i]))...)
	}
	want = []string{
		"s/p1 Proceeding>Answered Answered",
		"s/p0 Proceeding>Answered Answered",
		"s/p1 Answered>Disconnected Left reason=CallFinished",
	}
	if d := cmp.Diff(want, all); d != "" {
		t.Errorf("after Reconcile (-want +got):\n%s", d)
	}
	if st := tr.Stats(); st.Stale+st.Duplicates != 3 || st.Applied != 2+3 {
		t.Errorf("Stats = %+v; want 3 late notifications dropped, 5 updates applied", st)
	}
}

// TestTrackerReconcileLateOrderIndependent checks that, once the REST
// state is taken, the final state does not depend on the order the
// notifications before and after the REST read arrive in.
func TestTrackerReconcileLateOrderIndependent(t *testing.T) {
	evs := newScript().
		ev("s", "p0", out, Setup).
		ev("s", "p1", in, Setup).
		ev("s", "p1", in, Proceeding).
		ev("s", "p0", out, Proceeding).
		ev("s", "p1", in, Answered). // REST read here (seq 5)
		ev("s", "p0", out, Answered).
		ev("s", "p1", in, Hold).
		ev("s", "p1", in, Answered).
		ev("s", "p0", out, Parked, parkAt("*801")).
		all()
	restAt := evs[4].EventTime
	rest := func() *Session {
		return restSession(t, "s", restAt, restParty("p0", out, Proceeding), restParty("p1", in, Answered))
	}
	ref := NewTracker()
	ref.Reconcile([]*Session{rest()}, "")
	applyAll(ref, evs[5:])
	want := ref.Snapshot()
	perm := make([]int, len(evs))
	for seed := range len(evs) * 7 {
		for i := range perm {
			perm[i] = (i*(seed+1) + seed) % len(evs) // a permutation when gcd(seed+1, 9) = 1
		}
		if (seed+1)%3 == 0 {
			continue
		}
		tr := NewTracker()
		tr.Apply(evs[0]) // known before the gap
		tr.Reconcile([]*Session{rest()}, "")
		for _, i := range perm {
			for _, c := range tr.Apply(evs[i]) {
				if evs[i].EventTime.Before(restAt) || evs[i].EventTime.Equal(restAt) {
					t.Errorf("seed %d: notification from before the REST read changed %v", seed, changeString(c))
				}
			}
		}
		got := tr.Snapshot()
		got[0].Started, got[0].Updated = want[0].Started, want[0].Updated
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("seed %d: final state (-want +got):\n%s", seed, d)
		}
	}
}

// TestTrackerReconcileFallback covers a REST state without creationTime
// and notifications without eventTime: with no time to compare, a
// notification may not take a party back to an earlier stage of a call.
func TestTrackerReconcileFallback(t *testing.T) {
	evs := newScript().
		ev("s", "p1", in, Setup).
		ev("s", "p1", in, Proceeding).
		ev("s", "p1", in, Answered).
		ev("s", "p1", in, Hold).
		ev("s", "p1", in, Disconnected, reason(ReasonCallFinished)).
		all()
	for _, tt := range []struct {
		name   string
		restAt time.Time
		strip  bool // strip the notifications' eventTime
	}{
		{"no creationTime", time.Time{}, false},
		{"no eventTime", evs[2].EventTime, true},
		{"same eventTime", evs[2].EventTime.Add(time.Second), false}, // Hold at the REST time
	} {
		t.Run(tt.name, func(t *testing.T) {
			ev := func(i int) *Session {
				s := *evs[i]
				if tt.strip {
					s.EventTime = time.Time{}
				}
				return &s
			}
			tr := NewTracker()
			tr.Reconcile([]*Session{restSession(t, "s", tt.restAt, restParty("p1", in, Answered))}, "")
			// backwards: dropped
			for _, i := range []int{1, 0} {
				if cs := tr.Apply(ev(i)); len(cs) != 0 {
					t.Errorf("seq %d gave %v", i+1, changeStrings(cs))
				}
			}
			if st := tr.Stats(); st.Stale != 2 {
				t.Errorf("Stats = %+v; want 2 stale", st)
			}
			// not backwards: applied, and sequence ordering resumes
			got := changeStrings(append(tr.Apply(ev(3)), tr.Apply(ev(2))...))
			if d := cmp.Diff([]string{"s/p1 Answered>Hold Held"}, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
			got = changeStrings(tr.Apply(ev(4)))
			if d := cmp.Diff([]string{"s/p1 Hold>Disconnected Left reason=CallFinished ENDED"}, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

// TestTrackerReconcileEndedPartyStaysEnded: a party that Reconcile ends
// because the REST state no longer lists it is not revived by a late
// notification from before the REST read.
func TestTrackerReconcileEndedPartyStaysEnded(t *testing.T) {
	evs := newScript().
		ev("s", "p0", out, Answered).                                // 1, t+0s
		ev("s", "p1", in, Proceeding).                               // 2, t+1s
		ev("s", "p1", in, Answered).                                 // 3, t+2s: late
		ev("s", "p1", in, Disconnected, reason(ReasonCallFinished)). // 4, t+3s: lost
		all()
	tr := NewTracker()
	applyAll(tr, evs[:2])
	rest := restSession(t, "s", evs[3].EventTime, restParty("p0", out, Answered))
	got := changeStrings(tr.Reconcile([]*Session{rest}, ""))
	if d := cmp.Diff([]string{"s/p1 Proceeding>Disconnected Resync reason=Resync"}, got); d != "" {
		t.Errorf("Reconcile (-want +got):\n%s", d)
	}
	if cs := tr.Apply(evs[2]); len(cs) != 0 {
		t.Errorf("late seq 3 gave %v", changeStrings(cs))
	}
	if st := statusOf(t, tr, "s", "p1"); st != Disconnected {
		t.Errorf("p1 = %s, want Disconnected", st)
	}
	// a call Reconcile ended keeps its parties' last state too
	tr.Reconcile(nil, "")
	if cs := tr.Apply(evs[2]); len(cs) != 0 {
		t.Errorf("late seq 3 after the call ended gave %v", changeStrings(cs))
	}
	if st := statusOf(t, tr, "s", "p1"); st != Disconnected {
		t.Errorf("p1 = %s in the ended call, want Disconnected", st)
	}
}

// TestTrackerReconcileLateThroughWindow: the reorder window does not
// bypass the check.
func TestTrackerReconcileLateThroughWindow(t *testing.T) {
	evs := newScript().
		ev("s", "p1", in, Setup).
		ev("s", "p1", in, Proceeding).
		ev("s", "p1", in, Answered).
		all()
	clk := newFakeClock()
	tr := NewTracker(WithTrackerClock(clk.Now), WithReorderWindow(time.Second))
	tr.Reconcile([]*Session{restSession(t, "s", evs[2].EventTime, restParty("p1", in, Answered))}, "")
	tr.Apply(evs[1])
	tr.Apply(evs[0])
	clk.Advance(2 * time.Second)
	if cs := tr.Tick(); len(cs) != 0 {
		t.Errorf("late notifications released gave %v", changeStrings(cs))
	}
	if st := tr.Stats(); st.Stale != 2 || st.Held != 0 {
		t.Errorf("Stats = %+v", st)
	}
}

// TestReconcileEventTimes: the changes Reconcile makes carry the server's
// time (the REST state's creationTime) or none, never the tracker's clock.
func TestReconcileEventTimes(t *testing.T) {
	evs := newScript().
		ev("s", "p1", out, Answered).
		ev("s", "p2", in, Answered).
		ev("g", "p1", in, Answered).
		all()
	clk := newFakeClock()
	clk.Advance(48 * time.Hour)
	tr := NewTracker(WithTrackerClock(clk.Now))
	applyAll(tr, evs)
	restAt := evs[2].EventTime.Add(time.Second)
	// s is listed with p1 alone (p2 ended as of restAt); g is not listed
	cs := tr.Reconcile([]*Session{restSession(t, "s", restAt, restParty("p1", out, Hold))}, "")
	want := map[string]time.Time{"s/p1": restAt, "s/p2": restAt, "g/p1": {}}
	got := map[string]time.Time{}
	for _, c := range cs {
		got[c.TelephonySessionID+"/"+c.PartyID] = c.EventTime
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("EventTime of Reconcile's changes (-want +got):\n%s", d)
	}
}
