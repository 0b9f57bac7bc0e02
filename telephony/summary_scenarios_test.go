package telephony_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ringwatch/ringwatch/internal/testkit/callscript"
	"github.com/ringwatch/ringwatch/telephony"
)

// These tests hold the tracker's summaries to what each shipped scenario
// declares (callscript.Script.Want, which notifytest.Scenario mirrors):
// the ring, talk and hold time, the parties, the outcome and the journey
// of every call, computed from the step times of the script, played with
// exact times and seen by an account-level subscriber.

// runDeclared plays a shipped scenario with exact times and returns what
// it produced, the account-level notifications and their labels.
func runDeclared(t *testing.T, sc callscript.Scenario, seed uint64) (*callscript.Result, []*telephony.Session, labels) {
	t.Helper()
	r, err := callscript.Run(shippedAccount, sc.New(callscript.DefaultCast()), seed, shippedStart, callscript.ExactTimes())
	if err != nil {
		t.Fatalf("%s: %v", sc.Name, err)
	}
	if len(r.Script.Want) == 0 {
		t.Fatalf("%s declares no summary", sc.Name)
	}
	return r, deliveries(r.Events, viewsOf(r.Events)[0]), labelsOf(r.Events)
}

// declaredOf returns the declaration that a summary matches, in the terms
// of SummaryWant: labels for ids, sorted.
func declaredOf(l labels, call string, s *telephony.CallSummary) callscript.SummaryWant {
	w := callscript.SummaryWant{
		Call: call, Parties: partyLabels(l, s),
		Ring: s.Ring, Talk: s.Talk, Hold: s.Hold, Outcome: s.Outcome,
		Journey: l.call[s.JourneyID],
	}
	if s.JourneyID != "" && w.Journey == "" {
		w.Journey = "?" + s.JourneyID
	}
	for _, id := range s.LinkedSessions {
		w.Linked = append(w.Linked, l.call[id])
	}
	slices.Sort(w.Linked)
	return w
}

// checkDeclared compares the summaries, by call label, with the script's
// declarations, exactly; none may be Partial.
func checkDeclared(t *testing.T, what string, l labels, want []callscript.SummaryWant, sums map[string]*telephony.CallSummary) {
	t.Helper()
	if len(sums) != len(want) {
		t.Errorf("%s: summaries for %d calls, %d declared", what, len(sums), len(want))
	}
	for _, w := range want {
		s := sums[w.Call]
		if s == nil {
			t.Errorf("%s: no summary for call %s", what, w.Call)
			continue
		}
		if s.Partial {
			t.Errorf("%s: call %s: Partial", what, w.Call)
		}
		checkSummaryTimes(t, what+", call "+w.Call, s)
		if d := cmp.Diff(w, declaredOf(l, w.Call, s)); d != "" {
			t.Errorf("%s: call %s: summary (-declared +got):\n%s", what, w.Call, d)
		}
	}
}

// TestScenarioDeclaredSummariesInOrder: every shipped scenario, its
// notifications in order, yields exactly the summaries it declares: ring,
// talk, hold, parties, outcome, journey and linked sessions.
func TestScenarioDeclaredSummariesInOrder(t *testing.T) {
	for _, sc := range callscript.Scenarios() {
		t.Run(sc.Name, func(t *testing.T) {
			for seed := range uint64(3) {
				r, in, l := runDeclared(t, sc, seed)
				what := fmt.Sprintf("seed %d", seed)
				checkDeclared(t, what, l, r.Script.Want, summariesOf(t, what, l, applyEach(shippedTracker(), in)))
			}
		})
	}
}

// checkJourneys checks the journeys of summaries that came in any order.
// A summary is made when its call ends, so it names the sessions linked
// to it and the journey as far as the tracker has seen them by then (a
// session can end before the tracker sees the notification that links
// another one to its journey). What must hold whatever the order: each
// summary's JourneyID is a session of its declared journey and its
// LinkedSessions are among the declared ones; and the sessions grouped
// through JourneyID and LinkedSessions are exactly the declared journeys.
// (A conference session learns its links from the merged sessions, whose
// parties name it; flushed before them, its summary names none.)
func checkJourneys(t *testing.T, what string, l labels, want []callscript.SummaryWant, sums map[string]*telephony.CallSummary) {
	t.Helper()
	journeyOf := map[string]string{} // call label → declared journey label
	for _, w := range want {
		journeyOf[w.Call] = w.Journey
	}
	group := map[string]string{} // union-find over call labels
	var find func(string) string
	find = func(c string) string {
		if p, ok := group[c]; ok && p != c {
			r := find(p)
			group[c] = r
			return r
		}
		group[c] = c
		return c
	}
	union := func(a, b string) { group[find(a)] = find(b) }
	for _, w := range want {
		s := sums[w.Call]
		if s == nil {
			continue
		}
		got := declaredOf(l, w.Call, s)
		if journeyOf[got.Journey] != w.Journey {
			t.Errorf("%s: call %s: journey %s, outside the declared journey %s", what, w.Call, got.Journey, w.Journey)
		}
		for _, c := range got.Linked {
			if !slices.Contains(w.Linked, c) {
				t.Errorf("%s: call %s: linked to %s, declared %v", what, w.Call, c, w.Linked)
			}
		}
		union(w.Call, got.Journey)
		for _, c := range got.Linked {
			union(w.Call, c)
		}
	}
	for _, a := range want {
		for _, b := range want {
			if same := find(a.Call) == find(b.Call); same != (a.Journey == b.Journey) {
				t.Errorf("%s: calls %s and %s in one journey: %v, declared %v", what, a.Call, b.Call, same, !same)
			}
		}
	}
}

// arrival is a notification as it arrives: at its event time plus a
// random delay.
type arrival struct {
	at time.Time
	s  *telephony.Session
}

// delayed returns in with duplicates (one in four notifications comes
// twice), each copy arriving up to maxDelay after its event time, in order
// of arrival.
func delayed(rng *rand.Rand, in []*telephony.Session, maxDelay time.Duration) []arrival {
	var out []arrival
	for _, s := range in {
		out = append(out, arrival{s.EventTime.Add(time.Duration(rng.Int64N(int64(maxDelay)))), s})
		if rng.IntN(4) == 0 {
			c := *s
			out = append(out, arrival{s.EventTime.Add(time.Duration(rng.Int64N(int64(maxDelay)))), &c})
		}
	}
	slices.SortStableFunc(out, func(a, b arrival) int { return a.at.Compare(b.at) })
	return out
}

// TestScenarioDeclaredSummariesReorderWindow: every shipped scenario,
// shuffled with duplicates, under a reorder window, yields exactly its
// declared summaries: ring, talk, hold, parties, outcome, not Partial; the
// sessions of an attended transfer, a park pick-up and a conference are
// linked into one journey (checkJourneys).
//
// Two shuffles: every notification delayed by up to 20 s (so that they
// arrive out of order across several steps and sessions) under a 25 s
// window on a clock that follows the arrivals; and every notification
// shuffled at once under a window that only Flush releases.
func TestScenarioDeclaredSummariesReorderWindow(t *testing.T) {
	seeds := uint64(40)
	if testing.Short() {
		seeds = 8
	}
	const maxDelay, window = 20 * time.Second, 25 * time.Second
	for _, sc := range callscript.Scenarios() {
		t.Run(sc.Name, func(t *testing.T) {
			r, in, l := runDeclared(t, sc, 1)
			var noJourney []callscript.SummaryWant
			for _, w := range r.Script.Want {
				w.Journey, w.Linked = "", nil
				noJourney = append(noJourney, w)
			}
			check := func(what string, cs []telephony.Change) {
				sums := summariesOf(t, what, l, cs)
				checkJourneys(t, what, l, r.Script.Want, sums)
				for call, s := range sums {
					c := *s
					c.JourneyID, c.LinkedSessions = "", nil
					sums[call] = &c
				}
				checkDeclared(t, what, l, noJourney, sums)
			}
			for seed := range seeds {
				rng := rand.New(rand.NewPCG(seed, 0x5c))
				var now time.Time
				tr := telephony.NewTracker(telephony.WithTrackerClock(func() time.Time { return now }),
					telephony.WithReorderWindow(window))
				var cs []telephony.Change
				for _, a := range delayed(rng, in, maxDelay) {
					now = a.at
					cs = tr.AppendApply(cs, a.s)
				}
				now = now.Add(window)
				check(fmt.Sprintf("seed %d, delayed", seed), append(cs, tr.Tick()...))

				tr = shippedTracker(telephony.WithReorderWindow(time.Hour))
				cs = applyEach(tr, shuffled(rng, in, true))
				check(fmt.Sprintf("seed %d, flushed", seed), append(cs, tr.Flush()...))
			}
		})
	}
}

// TestScenarioDeclaredSummariesNoWindow: every shipped scenario, shuffled
// with duplicates (all at once, or each notification delayed by up to 2 s)
// and applied without a reorder window. Each call gets
// one summary, whose times never go backwards. A call none of whose
// notifications came after its end has its declared parties and outcome;
// it is Partial exactly when one of its notifications came below a
// sequence its party had already reached (the tracker could not place
// it), and then has a ring, talk and hold, and party ones, that are lower
// bounds of the declared ones (checkLowerBounds), and otherwise has its
// declared ring, talk and hold.
func TestScenarioDeclaredSummariesNoWindow(t *testing.T) {
	seeds := uint64(60)
	if testing.Short() {
		seeds = 10
	}
	for _, sc := range callscript.Scenarios() {
		t.Run(sc.Name, func(t *testing.T) {
			r, in, l := runDeclared(t, sc, 1)
			whole := summariesOf(t, "in order", l, applyEach(shippedTracker(), in))
			var exact, partials, lates int
			for i := range 2 * seeds {
				seed := i / 2
				rng := rand.New(rand.NewPCG(seed, 0x5d))
				evs := shuffled(rng, in, true)
				what := fmt.Sprintf("seed %d, shuffled", seed)
				if i%2 == 1 {
					evs = evs[:0]
					for _, a := range delayed(rng, in, 2*time.Second) {
						evs = append(evs, a.s)
					}
					what = fmt.Sprintf("seed %d, delayed", seed)
				}
				tr := shippedTracker()
				var cs []telephony.Change
				ended := map[string]bool{}
				late := map[string]bool{}
				stale := map[string]bool{}
				reached := map[string]int64{}
				for _, s := range evs {
					sid := s.TelephonySessionID
					if ended[sid] {
						late[sid] = true
					} else {
						k := sid + "/" + s.Parties[0].ID
						if s.Sequence < reached[k] {
							stale[sid] = true
						}
						reached[k] = max(reached[k], s.Sequence)
					}
					got := tr.Apply(s)
					for _, c := range got {
						ended[c.TelephonySessionID] = ended[c.TelephonySessionID] || c.CallEnded
					}
					cs = append(cs, got...)
				}
				sums := summariesOf(t, what, l, cs)
				if len(sums) != len(r.Script.Want) {
					t.Errorf("%s: summaries for %d calls, %d declared", what, len(sums), len(r.Script.Want))
				}
				for _, w := range r.Script.Want {
					s := sums[w.Call]
					if s == nil {
						t.Errorf("%s: no summary for call %s", what, w.Call)
						continue
					}
					cw := what + ", call " + w.Call
					checkSummaryTimes(t, cw, s)
					if late[s.TelephonySessionID] {
						lates++
						continue // the summary was out before the rest came
					}
					got := declaredOf(l, w.Call, s)
					if got.Outcome != w.Outcome || !slices.Equal(got.Parties, w.Parties) {
						t.Errorf("%s: outcome %v, parties %v; declared %v, %v", cw, got.Outcome, got.Parties, w.Outcome, w.Parties)
					}
					if s.Partial != stale[s.TelephonySessionID] {
						t.Errorf("%s: Partial %v, want %v", cw, s.Partial, stale[s.TelephonySessionID])
					}
					if s.Partial {
						partials++
						checkLowerBounds(t, cw, l, s, w, whole[w.Call])
						continue
					}
					exact++
					if got.Ring != w.Ring || got.Talk != w.Talk || got.Hold != w.Hold {
						t.Errorf("%s: ring/talk/hold %v/%v/%v, declared %v/%v/%v", cw, got.Ring, got.Talk, got.Hold, w.Ring, w.Talk, w.Hold)
					}
				}
			}
			t.Logf("%d summaries held to their declared times, %d partial, %d out before a late notification", exact, partials, lates)
			if exact == 0 {
				t.Errorf("no summary held to its declared times")
			}
		})
	}
}

// TestScenarioCallEndsDuringGap: every shipped scenario, its notifications
// in order up to a gap that swallows the rest (each cut point), then a
// resync that finds no call (Reconcile), then the rest coming late: every
// call gets at most one summary, and one if it was seen before the gap;
// those that ended in the gap are Partial, with times from the
// notifications (never the tracker's clock) that never go backwards, and
// durations within the declared ones; the late notifications add no second
// summary, and a call that starts after the gap gets its declared one.
//
// Each duration is a lower bound of the real one: the call-level ring,
// talk and hold are each at least 0 and at most the declared figure, and
// so is each party's ring, talk and hold against the party's figure in
// the whole call seen in order (the guide's formulas, which
// TestSummaryShippedInOrder holds to an oracle); a summary that is not
// Partial has them exactly.
func TestScenarioCallEndsDuringGap(t *testing.T) {
	for _, sc := range callscript.Scenarios() {
		t.Run(sc.Name, func(t *testing.T) {
			r, in, l := runDeclared(t, sc, 1)
			last := in[len(in)-1].EventTime
			whole := summariesOf(t, "in order", l, applyEach(shippedTracker(), in))
			for cut := 1; cut < len(in); cut++ {
				what := fmt.Sprintf("gap after %d of %d", cut, len(in))
				tr := shippedTracker() // its clock is far from the event times
				cs := applyEach(tr, in[:cut])
				endedBefore := map[string]bool{}
				for _, c := range cs {
					if c.CallEnded {
						endedBefore[c.TelephonySessionID] = true
					}
				}
				cs = append(cs, tr.Reconcile(nil, "")...)
				cs = append(cs, applyEach(tr, in[cut:])...) // late
				sums := summariesOf(t, what, l, cs)
				seen := map[string]bool{}
				for _, s := range in[:cut] {
					seen[l.call[s.TelephonySessionID]] = true
				}
				for _, w := range r.Script.Want {
					s := sums[w.Call]
					if !seen[w.Call] {
						// a call that starts after the gap is seen whole
						if s != nil && (s.Partial || s.Ring != w.Ring || s.Talk != w.Talk || s.Hold != w.Hold) {
							t.Errorf("%s: call %s, started after the gap: partial %v, ring/talk/hold %v/%v/%v; declared %v/%v/%v",
								what, w.Call, s.Partial, s.Ring, s.Talk, s.Hold, w.Ring, w.Talk, w.Hold)
						}
						continue
					}
					if s == nil {
						t.Errorf("%s: no summary for call %s", what, w.Call)
						continue
					}
					cw := what + ", call " + w.Call
					checkSummaryTimes(t, cw, s)
					if s.End.After(last) || s.Start.Before(shippedStart) {
						t.Errorf("%s: start %v, end %v: outside the notifications' times", cw, s.Start, s.End)
					}
					checkLowerBounds(t, cw, l, s, w, whole[w.Call])
					if s.Partial == endedBefore[s.TelephonySessionID] {
						t.Errorf("%s: Partial %v, ended before the gap %v", cw, s.Partial, endedBefore[s.TelephonySessionID])
					}
				}
			}
		})
	}
}

// checkLowerBounds checks that each of the call-level ring, talk and hold
// of s is between 0 and the declared figure of w, and each party's
// between 0 and its figure in ref, the summary of the whole call seen in
// order; all of them equal when s is not Partial.
func checkLowerBounds(t *testing.T, what string, l labels, s *telephony.CallSummary, w callscript.SummaryWant, ref *telephony.CallSummary) {
	t.Helper()
	within := func(who, name string, got, want time.Duration) {
		if got < 0 || got > want || (!s.Partial && got != want) {
			t.Errorf("%s: %s %s %v, declared %v (partial %v): not a lower bound", what, who, name, got, want, s.Partial)
		}
	}
	within("call", "ring", s.Ring, w.Ring)
	within("call", "talk", s.Talk, w.Talk)
	within("call", "hold", s.Hold, w.Hold)
	if ref == nil {
		t.Errorf("%s: no summary of the whole call", what)
		return
	}
	for _, p := range s.Parties {
		i := slices.IndexFunc(ref.Parties, func(q telephony.PartySummary) bool { return q.PartyID == p.PartyID })
		who := "party " + l.party[s.TelephonySessionID+"/"+p.PartyID]
		if i < 0 {
			t.Errorf("%s: %s not in the whole call", what, who)
			continue
		}
		q := &ref.Parties[i]
		within(who, "ring", p.Ring, q.Ring)
		within(who, "talk", p.Talk, q.Talk)
		within(who, "hold", p.Hold, q.Hold)
	}
}
