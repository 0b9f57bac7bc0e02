package presence_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ringwatch/ringwatch/internal/testkit/callscript"
	"github.com/ringwatch/ringwatch/presence"
	"github.com/ringwatch/ringwatch/telephony"
)

// These tests feed the presence notifications of the shipped call
// scenarios (internal/testkit/callscript, the scripts notifytest plays) to a
// presence.Tracker, extension by extension, as an extension's detailed
// presence subscriber receives them.

const shippedAccount = "230000001"

var shippedStart = time.Date(2026, 3, 4, 9, 30, 0, 0, time.UTC)

func runShipped(t *testing.T, sc callscript.Scenario, seed uint64) []callscript.Event {
	t.Helper()
	r, err := callscript.Run(shippedAccount, sc.New(callscript.DefaultCast()), seed, shippedStart)
	if err != nil {
		t.Fatalf("%s: %v", sc.Name, err)
	}
	return r.Events
}

// presenceByExtension returns the presence notifications of each extension,
// in order.
func presenceByExtension(events []callscript.Event) map[string][]*presence.Event {
	out := map[string][]*presence.Event{}
	for i := range events {
		if e := &events[i]; e.Kind == callscript.PresenceEvent && e.Delivered() {
			out[e.ExtensionID] = append(out[e.ExtensionID], e.Presence)
		}
	}
	return out
}

// callStep is one change of one active call, as the tracker reports it.
type callStep struct {
	Kind     presence.ActiveCallChangeKind
	From, To presence.TelephonyStatus
}

// listed is how presence lists a call whose party has the given status:
// not yet ("") while it is set up, then ringing, connected, on hold or
// parked, and NoCall once the party has left (or reached voicemail).
func listed(code telephony.StatusCode) presence.TelephonyStatus {
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

// expectedCalls derives, from the extension's telephony notifications,
// how each of its calls must appear, change and end in its presence: keyed
// by telephonySessionId/partyId.
func expectedCalls(events []callscript.Event, ext string) map[string][]callStep {
	out := map[string][]callStep{}
	last := map[string]presence.TelephonyStatus{}
	done := map[string]bool{}
	for i := range events {
		e := &events[i]
		if e.Kind != callscript.TelephonyEvent || e.ExtensionID != ext {
			continue
		}
		p := &e.Session.Parties[0]
		key := e.Session.TelephonySessionID + "/" + p.ID
		st := listed(p.Status.Code)
		prev := last[key]
		switch {
		case done[key] || st == "" || st == prev:
			continue
		case prev == "" && st == presence.NoCall:
			done[key] = true // left before it was ever listed
			continue
		case prev == "":
			out[key] = append(out[key], callStep{presence.CallAppeared, "", st})
		case st == presence.NoCall:
			out[key] = append(out[key], callStep{presence.CallEnded, prev, st})
			done[key] = true
		default:
			out[key] = append(out[key], callStep{presence.CallStatusChanged, prev, st})
		}
		last[key] = st
	}
	return out
}

func callSteps(cs []presence.Change) map[string][]callStep {
	out := map[string][]callStep{}
	for _, c := range cs {
		for _, cc := range c.Calls {
			out[cc.Key] = append(out[cc.Key], callStep{cc.Kind, cc.From, cc.To})
		}
	}
	return out
}

func applyEach(tr *presence.Tracker, evs []*presence.Event) []presence.Change {
	var out []presence.Change
	for _, e := range evs {
		if c := tr.Apply(e); c != nil {
			out = append(out, *c)
		}
	}
	return out
}

// checkInOrder applies each extension's presence in order and checks that
// its calls appear, change and end as its telephony notifications say,
// each ending once and none vanishing, and that it is idle at the end.
func checkInOrder(t *testing.T, what string, events []callscript.Event) {
	t.Helper()
	byExt := presenceByExtension(events)
	if len(byExt) == 0 {
		t.Fatalf("%s: no presence notifications", what)
	}
	for ext, evs := range byExt {
		w := what + ", extension " + ext
		want := expectedCalls(events, ext)
		if len(want) == 0 {
			t.Fatalf("%s: no call expected", w)
		}
		tr := presence.NewTracker()
		cs := applyEach(tr, evs)
		if d := cmp.Diff(want, callSteps(cs)); d != "" {
			t.Errorf("%s: call changes (-want +got):\n%s", w, d)
		}
		for i, c := range cs {
			// after the first, only the presence status follows the calls
			if !c.CallRelated || i > 0 && slices.ContainsFunc(c.Availability, func(a presence.AvailabilityChange) bool {
				return a.Field != "presenceStatus"
			}) {
				t.Errorf("%s: change %d: call related %v, availability %+v", w, c.Sequence, c.CallRelated, c.Availability)
			}
		}
		if first, last := cs[0], cs[len(cs)-1]; !first.TelephonyStatusChanged || first.From != "" ||
			!last.TelephonyStatusChanged || last.To != presence.NoCall {
			t.Errorf("%s: extension status went %q>%q ... %q>%q, want from nothing to NoCall", w, first.From, first.To, last.From, last.To)
		}
		st, _ := tr.State(ext)
		if st.TelephonyStatus != presence.NoCall || len(st.ActiveCalls) != 0 || st.Sequence != evs[len(evs)-1].Sequence {
			t.Errorf("%s: final state %+v, want idle at sequence %d", w, st, evs[len(evs)-1].Sequence)
		}
		if s := tr.Stats(); s.Applied != uint64(len(evs)) || s.Duplicates+s.Stale != 0 {
			t.Errorf("%s: Stats = %+v", w, s)
		}
	}
}

// checkAnyOrder applies each extension's presence shuffled with seeds
// 0..seeds-1, with and without duplicates, and checks that the final
// state is the in-order one every time, every update is accounted for,
// and no call appears or goes more than once.
func checkAnyOrder(t *testing.T, what string, events []callscript.Event, seeds uint64) {
	t.Helper()
	for ext, in := range presenceByExtension(events) {
		ref := presence.NewTracker()
		applyEach(ref, in)
		want, _ := ref.State(ext)
		for seed := range seeds {
			for _, dups := range []bool{false, true} {
				w := fmt.Sprintf("%s, extension %s, seed %d, duplicates %v", what, ext, seed, dups)
				rng := rand.New(rand.NewPCG(seed, 0x5eed))
				evs := slices.Clone(in)
				if dups {
					for _, e := range in {
						if rng.IntN(4) == 0 {
							c := *e
							evs = append(evs, &c)
						}
					}
				}
				rng.Shuffle(len(evs), func(i, j int) { evs[i], evs[j] = evs[j], evs[i] })
				tr := presence.NewTracker()
				cs := applyEach(tr, evs)
				got, _ := tr.State(ext)
				if d := cmp.Diff(want, got); d != "" {
					t.Fatalf("%s: final state (-in order +shuffled):\n%s", w, d)
				}
				if s := tr.Stats(); s.Applied+s.Duplicates+s.Stale != uint64(len(evs)) {
					t.Fatalf("%s: Stats %+v for %d events", w, s, len(evs))
				}
				for key, steps := range callSteps(cs) {
					appeared, gone := 0, 0
					for _, s := range steps {
						switch s.Kind {
						case presence.CallAppeared:
							appeared++
						case presence.CallEnded, presence.CallVanished:
							gone++
						}
					}
					if appeared > 1 || gone > 1 || appeared == 1 && gone != 1 {
						t.Fatalf("%s: call %s appeared %d times and went %d times: %+v", w, key, appeared, gone, steps)
					}
				}
			}
		}
	}
}

// TestShippedScenariosPresence: each shipped scenario's presence, in
// order, shows each call of each extension appear, change and end as its
// telephony says; shuffled with 200 seeds, with and without duplicates, it
// ends in the same state.
func TestShippedScenariosPresence(t *testing.T) {
	seeds := uint64(200)
	if testing.Short() {
		seeds = 20
	}
	for _, sc := range callscript.Scenarios() {
		t.Run(sc.Name, func(t *testing.T) {
			for seed := range uint64(3) {
				checkInOrder(t, fmt.Sprintf("seed %d", seed), runShipped(t, sc, seed))
			}
			checkAnyOrder(t, "seed 1", runShipped(t, sc, 1), seeds)
		})
	}
}

// TestShippedScenariosPresenceMixed plays the nine scenarios interleaved in
// one World (casts rotated, so that an extension has several calls at
// once) and checks the same per extension.
func TestShippedScenariosPresenceMixed(t *testing.T) {
	seeds := uint64(200)
	if testing.Short() {
		seeds = 20
	}
	w := callscript.NewWorld(shippedAccount, 5)
	cast := callscript.DefaultCast()
	var players []*callscript.Player
	for i, sc := range callscript.Scenarios() {
		players = append(players, w.Play(sc.New(cast.Rotate(i)), shippedStart.Add(time.Duration(i)*time.Second)))
	}
	rng := rand.New(rand.NewPCG(5, 99))
	var events []callscript.Event
	maxCalls := 0
	for len(players) > 0 {
		p := players[rng.IntN(len(players))]
		evs, err := p.Step()
		events = append(events, evs...)
		switch {
		case errors.Is(err, callscript.ErrDone):
			players = slices.DeleteFunc(players, func(q *callscript.Player) bool { return q == p })
		case err != nil:
			t.Fatal(err)
		}
		for _, e := range evs {
			if e.Kind == callscript.PresenceEvent {
				maxCalls = max(maxCalls, e.Presence.TotalActiveCalls)
			}
		}
	}
	if maxCalls < 2 {
		t.Fatalf("no extension had two calls at once (max %d)", maxCalls)
	}
	checkInOrder(t, "mix", events)
	checkAnyOrder(t, "mix", events, seeds)
}
