package telephony_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ringwatch/ringwatch/internal/testkit/callscript"
	"github.com/ringwatch/ringwatch/telephony"
)

// These tests feed the notifications of the shipped call scenarios
// (internal/testkit/callscript, the same scripts notifytest plays) to a Tracker as
// each kind of subscriber receives them: an account-level filter gets every
// party of the account, an extension-level filter only that extension's.

const shippedAccount = "230000001"

var shippedStart = time.Date(2026, 3, 4, 9, 30, 0, 0, time.UTC)

// shippedTracker returns a tracker on a clock that never moves, so that
// the times it records do not depend on when events are applied.
func shippedTracker(opts ...telephony.TrackerOption) *telephony.Tracker {
	return telephony.NewTracker(append([]telephony.TrackerOption{
		telephony.WithTrackerClock(func() time.Time { return shippedStart }),
	}, opts...)...)
}

func runShipped(t *testing.T, sc callscript.Scenario, seed uint64) *callscript.Result {
	t.Helper()
	r, err := callscript.Run(shippedAccount, sc.New(callscript.DefaultCast()), seed, shippedStart)
	if err != nil {
		t.Fatalf("%s: %v", sc.Name, err)
	}
	return r
}

// view is one subscriber: which events it receives.
type view struct {
	name    string
	account bool
	accept  func(*callscript.Event) bool
}

// viewsOf returns the account-level subscriber and one subscriber per
// extension that has a party in the events.
func viewsOf(events []callscript.Event) []view {
	vs := []view{{name: "account", account: true, accept: func(e *callscript.Event) bool { return e.ReceivedBy(true, "") }}}
	var exts []string
	for i := range events {
		if e := &events[i]; e.Kind == callscript.TelephonyEvent && e.ExtensionID != "" && !slices.Contains(exts, e.ExtensionID) {
			exts = append(exts, e.ExtensionID)
		}
	}
	slices.Sort(exts)
	for _, x := range exts {
		vs = append(vs, view{name: "extension " + x, accept: func(e *callscript.Event) bool { return e.ReceivedBy(false, x) }})
	}
	return vs
}

// deliveries returns the telephony notifications v receives, in order.
func deliveries(events []callscript.Event, v view) []*telephony.Session {
	var out []*telephony.Session
	for i := range events {
		if e := &events[i]; e.Kind == callscript.TelephonyEvent && v.accept(e) {
			out = append(out, e.Session)
		}
	}
	return out
}

// labels maps the ids a run gave back to the labels of its script.
type labels struct{ call, party map[string]string }

func labelsOf(events []callscript.Event) labels {
	l := labels{call: map[string]string{}, party: map[string]string{}}
	for i := range events {
		e := &events[i]
		if e.Kind != callscript.TelephonyEvent {
			continue
		}
		sid := e.Session.TelephonySessionID
		l.call[sid] = e.Call
		l.party[sid+"/"+e.Session.Parties[0].ID] = e.Party
	}
	return l
}

// step is the projection of a transition the scripts state.
type step struct {
	Call, Party string
	From, To    telephony.StatusCode
	Reason      string
	CallEnded   bool
}

func (l labels) steps(cs []telephony.Change) []step {
	out := make([]step, 0, len(cs))
	for _, c := range cs {
		out = append(out, step{
			Call: l.call[c.TelephonySessionID], Party: l.party[c.TelephonySessionID+"/"+c.PartyID],
			From: c.From, To: c.To, Reason: c.Reason, CallEnded: c.CallEnded,
		})
	}
	return out
}

func stepsOf(ts []callscript.Transition) []step {
	out := make([]step, 0, len(ts))
	for _, t := range ts {
		out = append(out, step{Call: t.Call, Party: t.Party, From: t.From, To: t.To, Reason: t.Reason, CallEnded: t.CallEnded})
	}
	return out
}

func applyEach(tr *telephony.Tracker, ss []*telephony.Session) []telephony.Change {
	var out []telephony.Change
	for _, s := range ss {
		out = append(out, tr.Apply(s)...)
	}
	return out
}

func sessionsOf(ss []*telephony.Session) []string {
	var ids []string
	for _, s := range ss {
		if !slices.Contains(ids, s.TelephonySessionID) {
			ids = append(ids, s.TelephonySessionID)
		}
	}
	slices.Sort(ids)
	return ids
}

// checkOncePerCall checks that every call of ids is reported started
// exactly once, first, and ended exactly once, last, and that nothing else
// is.
func checkOncePerCall(t *testing.T, what string, cs []telephony.Change, ids []string) {
	t.Helper()
	started, ended := map[string]int{}, map[string]int{}
	for _, c := range cs {
		if ended[c.TelephonySessionID] > 0 {
			t.Errorf("%s: change of call %s after it ended: %s/%s %s>%s", what, c.TelephonySessionID, c.TelephonySessionID, c.PartyID, c.From, c.To)
		}
		if c.CallStarted != (started[c.TelephonySessionID] == 0) {
			t.Errorf("%s: change %s/%s %s>%s has CallStarted %v", what, c.TelephonySessionID, c.PartyID, c.From, c.To, c.CallStarted)
		}
		if c.CallStarted {
			started[c.TelephonySessionID]++
		}
		if c.CallEnded {
			ended[c.TelephonySessionID]++
		}
	}
	want := map[string]int{}
	for _, id := range ids {
		want[id] = 1
	}
	if d := cmp.Diff(want, started); d != "" {
		t.Errorf("%s: CallStarted per call (-want +got):\n%s", what, d)
	}
	if d := cmp.Diff(want, ended); d != "" {
		t.Errorf("%s: CallEnded per call (-want +got):\n%s", what, d)
	}
}

// checkAccounted checks that every party update was applied once, dropped
// for its sequence, or absorbed by an ended call.
func checkAccounted(t *testing.T, what string, tr *telephony.Tracker, n int) {
	t.Helper()
	st := tr.Stats()
	if got := st.Applied + st.Duplicates + st.Stale + st.Late; got != uint64(n) || st.Events != uint64(n) {
		t.Errorf("%s: Stats %+v account for %d of %d updates", what, st, got, n)
	}
}

// wantKind is the marker a transition of the shipped scenarios must carry.
// answered says whether the party was answered before.
func wantKind(c *telephony.Change, answered bool) telephony.ChangeKind {
	switch c.To {
	case telephony.Setup:
		return telephony.KindSetup
	case telephony.Proceeding:
		if c.Party.Direction == telephony.Inbound {
			return telephony.KindRinging
		}
		return telephony.KindProceeding
	case telephony.Answered:
		if c.From == telephony.Hold || c.From == telephony.Parked {
			return telephony.KindResumed
		}
		return telephony.KindAnswered
	case telephony.Hold:
		return telephony.KindHeld
	case telephony.Parked:
		return telephony.KindParked
	case telephony.VoiceMail:
		return telephony.KindVoiceMail
	case telephony.Gone:
		switch c.Reason {
		case telephony.ReasonAttendedTransfer:
			return telephony.KindAttendedTransfer
		case telephony.ReasonConference:
			return telephony.KindConference
		case telephony.ReasonPickup:
			return telephony.KindPickedUpElsewhere
		}
		return telephony.KindGone
	case telephony.Disconnected:
		switch {
		case c.Reason == telephony.ReasonBlindTransfer:
			return telephony.KindBlindTransfer
		case !answered && c.Reason == telephony.ReasonAgentAnswered:
			return telephony.KindAnsweredElsewhere
		case !answered && c.Party.Direction == telephony.Inbound && c.Reason == "":
			return telephony.KindMissed
		}
		return telephony.KindLeft
	}
	return telephony.KindOther
}

// checkKinds checks the marker of every change of an in-order run, and
// that the changes that leave for another session say which one.
func checkKinds(t *testing.T, what string, cs []telephony.Change) {
	t.Helper()
	answered := map[string]bool{}
	for i := range cs {
		c := &cs[i]
		key := c.TelephonySessionID + "/" + c.PartyID
		if want := wantKind(c, answered[key]); c.Kind != want {
			t.Errorf("%s: change %d (%s %s>%s %s) has kind %s, want %s", what, i, key, c.From, c.To, c.Reason, c.Kind, want)
		}
		answered[key] = answered[key] || c.To == telephony.Answered
		switch c.Kind {
		case telephony.KindAttendedTransfer, telephony.KindConference:
			if c.Peer == nil || c.Peer.TelephonySessionID == "" || c.Peer.PartyID == "" {
				t.Errorf("%s: change %d (%s %s) has no peer", what, i, key, c.Kind)
			}
		case telephony.KindParked:
			if c.Party.Status.ParkData != "*801" {
				t.Errorf("%s: parked change %d has parkData %q", what, i, c.Party.Status.ParkData)
			}
		}
	}
}

// TestShippedScenariosInOrder feeds each shipped scenario in order, as
// each subscriber receives it, and checks the transitions: for the
// account-level subscriber exactly the script's Expect; for an
// extension's subscriber those of its own parties (derived by callscript
// from the notifications it receives). Every notification delivered twice
// in a row changes nothing.
func TestShippedScenariosInOrder(t *testing.T) {
	for _, sc := range callscript.Scenarios() {
		t.Run(sc.Name, func(t *testing.T) {
			for seed := range uint64(3) { // other ids and timings
				r := runShipped(t, sc, seed)
				lbl := labelsOf(r.Events)
				for _, v := range viewsOf(r.Events) {
					what := fmt.Sprintf("seed %d, %s", seed, v.name)
					in := deliveries(r.Events, v)
					want := stepsOf(callscript.Transitions(r.Events, v.accept))
					if v.account {
						want = stepsOf(r.Script.Expect)
					}
					if len(want) == 0 {
						t.Fatalf("%s: no transitions expected", what)
					}
					tr := shippedTracker()
					cs := applyEach(tr, in)
					if d := cmp.Diff(want, lbl.steps(cs)); d != "" {
						t.Fatalf("%s: transitions (-want +got):\n%s", what, d)
					}
					ids := sessionsOf(in)
					checkOncePerCall(t, what, cs, ids)
					checkKinds(t, what, cs)
					for _, c := range cs {
						if c.Sequence == 0 || c.EventTime.IsZero() {
							t.Errorf("%s: change without its notification's sequence and time: %+v", what, c)
						}
					}
					if snap := tr.Snapshot(); len(snap) != 0 {
						t.Errorf("%s: Snapshot after every call ended = %+v", what, snap)
					}
					if st := tr.Stats(); st.Applied != uint64(len(in)) || st.Ended != len(ids) || st.Duplicates+st.Stale+st.Late != 0 {
						t.Errorf("%s: Stats = %+v", what, st)
					}

					twice := shippedTracker()
					var got []telephony.Change
					for _, s := range in {
						got = append(got, twice.Apply(s)...)
						if dup := twice.Apply(s); len(dup) != 0 {
							t.Errorf("%s: a re-delivered notification gave %+v", what, lbl.steps(dup))
						}
					}
					if d := cmp.Diff(want, lbl.steps(got)); d != "" {
						t.Errorf("%s: transitions with duplicates (-want +got):\n%s", what, d)
					}
					if st := twice.Stats(); st.Duplicates != uint64(len(in)) {
						t.Errorf("%s: %d duplicates counted, want %d", what, st.Duplicates, len(in))
					}
				}
			}
		})
	}
}

// finalState is what must not depend on the order notifications arrive in.
type finalState struct {
	Active []telephony.Call
	// Ended holds every ended call as the tracker keeps it.
	Ended map[string]telephony.Call
	// Parties is the final status of every party, "session/party".
	Parties map[string]telephony.Status
}

func finalOf(tr *telephony.Tracker, ids []string) finalState {
	fs := finalState{Active: tr.Snapshot(), Ended: map[string]telephony.Call{}, Parties: map[string]telephony.Status{}}
	for _, id := range ids {
		c, ok := tr.Call(id)
		if !ok {
			continue
		}
		if c.Ended {
			fs.Ended[id] = c
		}
		for _, p := range c.Parties {
			fs.Parties[id+"/"+p.ID] = p.Status
		}
	}
	return fs
}

// shuffled returns a copy of in in a random order, with about a quarter of
// the notifications delivered twice if dups.
func shuffled(rng *rand.Rand, in []*telephony.Session, dups bool) []*telephony.Session {
	out := slices.Clone(in)
	if dups {
		for _, s := range in {
			if rng.IntN(4) == 0 {
				c := *s // an equal notification, as a re-delivery decodes to
				out = append(out, &c)
			}
		}
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// checkAnyOrder applies in, in order, then shuffled with seeds 0..seeds-1,
// with and without duplicates, and checks that the final state is the same
// every time and every call started and ended exactly once.
func checkAnyOrder(t *testing.T, what string, in []*telephony.Session, seeds uint64) {
	t.Helper()
	ids := sessionsOf(in)
	ref := shippedTracker()
	applyEach(ref, in)
	want := finalOf(ref, ids)
	if len(want.Ended) != len(ids) || len(want.Active) != 0 {
		t.Fatalf("%s: in order, %d of %d calls ended and %d are active", what, len(want.Ended), len(ids), len(want.Active))
	}
	for seed := range seeds {
		for _, dups := range []bool{false, true} {
			evs := shuffled(rand.New(rand.NewPCG(seed, 0x5eed)), in, dups)
			tr := shippedTracker()
			cs := applyEach(tr, evs)
			w := fmt.Sprintf("%s, seed %d, duplicates %v", what, seed, dups)
			if d := cmp.Diff(want, finalOf(tr, ids)); d != "" {
				t.Fatalf("%s: final state (-in order +shuffled):\n%s", w, d)
			}
			checkOncePerCall(t, w, cs, ids)
			checkAccounted(t, w, tr, len(evs))
			if t.Failed() {
				return
			}
		}
	}
}

// TestShippedScenariosAnyOrder: each shipped scenario, shuffled with 200
// seeds, with and without duplicates, as each subscriber receives it, ends
// in the same state as in order, each call started and ended once.
func TestShippedScenariosAnyOrder(t *testing.T) {
	seeds := uint64(200)
	if testing.Short() {
		seeds = 20
	}
	for _, sc := range callscript.Scenarios() {
		t.Run(sc.Name, func(t *testing.T) {
			r := runShipped(t, sc, 1)
			for _, v := range viewsOf(r.Events) {
				checkAnyOrder(t, v.name, deliveries(r.Events, v), seeds)
			}
		})
	}
}

// bySessionSteps groups steps by call label, keeping their order.
func bySessionSteps(l labels, cs []telephony.Change) map[string][]step {
	out := map[string][]step{}
	for _, c := range cs {
		s := l.steps([]telephony.Change{c})[0]
		out[s.Call] = append(out[s.Call], s)
	}
	return out
}

// TestShippedScenariosReorderWindow: with a reorder window, the shuffled
// notifications of a scenario (whole or cut in the middle, duplicates
// included) are applied in sequence order: each call reports exactly the
// transitions of the in-order run, and the calls still going at the cut
// are the same.
func TestShippedScenariosReorderWindow(t *testing.T) {
	for _, sc := range callscript.Scenarios() {
		t.Run(sc.Name, func(t *testing.T) {
			r := runShipped(t, sc, 2)
			lbl := labelsOf(r.Events)
			for _, v := range viewsOf(r.Events) {
				all := deliveries(r.Events, v)
				for _, cut := range []int{len(all) / 2, len(all)} {
					in := all[:cut]
					ref := shippedTracker()
					want := bySessionSteps(lbl, applyEach(ref, in))
					wantSnap := ref.Snapshot()
					for seed := range uint64(30) {
						w := fmt.Sprintf("%s, %d of %d notifications, seed %d", v.name, cut, len(all), seed)
						tr := shippedTracker(telephony.WithReorderWindow(time.Hour))
						if cs := applyEach(tr, shuffled(rand.New(rand.NewPCG(seed, 7)), in, true)); len(cs) != 0 {
							t.Fatalf("%s: changes before the window passed: %+v", w, lbl.steps(cs))
						}
						got := bySessionSteps(lbl, tr.Flush())
						if d := cmp.Diff(want, got); d != "" {
							t.Fatalf("%s: transitions per call (-in order +window):\n%s", w, d)
						}
						if d := cmp.Diff(wantSnap, tr.Snapshot()); d != "" {
							t.Fatalf("%s: Snapshot (-in order +window):\n%s", w, d)
						}
					}
					if cut < len(all) && len(wantSnap) == 0 {
						t.Errorf("%s: no call active half-way", v.name)
					}
				}
			}
		})
	}
}

// mixed plays every shipped scenario at once in one World (casts rotated
// so that extensions take part in several calls), interleaving their
// steps at random but deterministically, and returns the events in order
// with the index of the script that produced each.
func mixed(t *testing.T, seed uint64) ([]callscript.Event, []int, []callscript.Script) {
	t.Helper()
	w := callscript.NewWorld(shippedAccount, seed)
	cast := callscript.DefaultCast()
	var players []*callscript.Player
	var scripts []callscript.Script
	for i, sc := range callscript.Scenarios() {
		s := sc.New(cast.Rotate(i))
		scripts = append(scripts, s)
		players = append(players, w.Play(s, shippedStart.Add(time.Duration(i)*time.Second)))
	}
	rng := rand.New(rand.NewPCG(seed, 99))
	var events []callscript.Event
	var owner []int
	live := []int{}
	for i := range players {
		live = append(live, i)
	}
	for len(live) > 0 {
		k := rng.IntN(len(live))
		i := live[k]
		evs, err := players[i].Step()
		events = append(events, evs...)
		for range evs {
			owner = append(owner, i)
		}
		switch {
		case errors.Is(err, callscript.ErrDone):
			live = slices.Delete(live, k, k+1)
		case err != nil:
			t.Fatalf("%s: %v", scripts[i].Name, err)
		}
	}
	return events, owner, scripts
}

// TestShippedScenariosMixed runs the nine scenarios interleaved in one
// tracker, as one subscriber receives them: in order, each script's calls
// report exactly its Expect (account level) and the whole stream what
// callscript derives for the subscriber; shuffled with 200 seeds and
// duplicates, the same final state, each call started and ended once.
func TestShippedScenariosMixed(t *testing.T) {
	seeds := uint64(200)
	if testing.Short() {
		seeds = 20
	}
	events, owner, scripts := mixed(t, 5)
	lbl := labelsOf(events)
	scriptOf := map[string]int{}
	for i := range events {
		if events[i].Kind == callscript.TelephonyEvent {
			scriptOf[events[i].Session.TelephonySessionID] = owner[i]
		}
	}
	for _, v := range viewsOf(events) {
		in := deliveries(events, v)
		tr := shippedTracker()
		cs := applyEach(tr, in)
		if d := cmp.Diff(stepsOf(callscript.Transitions(events, v.accept)), lbl.steps(cs)); d != "" {
			t.Errorf("%s: transitions (-want +got):\n%s", v.name, d)
		}
		checkOncePerCall(t, v.name, cs, sessionsOf(in))
		checkKinds(t, v.name, cs)
		if v.account {
			per := make([][]telephony.Change, len(scripts))
			for _, c := range cs {
				i := scriptOf[c.TelephonySessionID]
				per[i] = append(per[i], c)
			}
			for i, s := range scripts {
				if d := cmp.Diff(stepsOf(s.Expect), lbl.steps(per[i])); d != "" {
					t.Errorf("account, %s in the mix: transitions (-want +got):\n%s", s.Name, d)
				}
			}
		}
		checkAnyOrder(t, "mix, "+v.name, in, seeds)
	}
}

// TestShippedScenariosWaitRace applies each shipped scenario from one
// goroutine while others wait, from before the call exists until after
// it ended, for each party's final status (which must be returned, never
// missed), and for a status no party reaches (which must fail with
// ErrCallEnded). A missed wake-up would show as the deadline. Run it
// with -race.
func TestShippedScenariosWaitRace(t *testing.T) {
	iterations := 100
	if testing.Short() {
		iterations = 10
	}
	for _, sc := range callscript.Scenarios() {
		t.Run(sc.Name, func(t *testing.T) {
			r := runShipped(t, sc, 3)
			in := deliveries(r.Events, viewsOf(r.Events)[0])
			final := finalOf(func() *telephony.Tracker { tr := shippedTracker(); applyEach(tr, in); return tr }(), sessionsOf(in))
			type target struct {
				session, party string
				code           telephony.StatusCode
			}
			var targets []target
			for key, st := range final.Parties {
				sid, pid, _ := strings.Cut(key, "/")
				targets = append(targets, target{sid, pid, st.Code})
			}
			for it := range iterations {
				tr := shippedTracker()
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				errs := make(chan error, len(targets)+len(final.Ended))
				var wg sync.WaitGroup
				for i, tg := range targets {
					wg.Go(func() {
						if i%2 == 1 {
							runtime.Gosched() // some register before, some during the Applies
						}
						p, err := tr.Wait(ctx, tg.session, tg.party, tg.code)
						if err != nil || p.ID != tg.party || p.Status.Code != tg.code {
							errs <- fmt.Errorf("iteration %d: Wait(%s/%s, %s) = %s, %v", it, tg.session, tg.party, tg.code, p.Status.Code, err)
						}
					})
				}
				for sid := range final.Ended {
					wg.Go(func() {
						_, err := tr.Wait(ctx, sid, "", telephony.FaxReceive)
						if !errors.Is(err, telephony.ErrCallEnded) {
							errs <- fmt.Errorf("iteration %d: Wait(%s, FaxReceive) = %v, want ErrCallEnded", it, sid, err)
						}
					})
				}
				wg.Go(func() { applyEach(tr, in) })
				wg.Wait()
				cancel()
				close(errs)
				for err := range errs {
					t.Error(err)
				}
				if t.Failed() {
					return
				}
			}
		})
	}
}
