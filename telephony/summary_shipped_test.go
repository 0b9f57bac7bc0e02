package telephony_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ringwatch/ringwatch/internal/testkit/callscript"
	"github.com/ringwatch/ringwatch/telephony"
)

// shippedOutcomes declares, per shipped scenario, the outcome of each of
// its calls (by label) as the account-level subscriber sees it.
var shippedOutcomes = map[string]map[string]telephony.Outcome{
	"inbound-answered":  {"call": telephony.OutcomeAnswered},
	"inbound-voicemail": {"call": telephony.OutcomeVoicemail},
	"outbound-pstn":     {"call": telephony.OutcomeAnswered},
	"internal-hold":     {"call": telephony.OutcomeAnswered},
	"blind-transfer":    {"call": telephony.OutcomeBlindTransfer},
	"attended-transfer": {"call": telephony.OutcomeAttendedTransfer, "consult": telephony.OutcomeAttendedTransfer},
	"park-pickup":       {"call": telephony.OutcomeParkedPickedUpElsewhere, "pickup": telephony.OutcomeAnswered},
	"conference": {"first": telephony.OutcomeMergedIntoConference, "second": telephony.OutcomeMergedIntoConference,
		"conf": telephony.OutcomeAnswered},
	"queue": {"call": telephony.OutcomeAnswered},
}

// summariesOf returns the summaries in cs by call label, failing on a
// summary on a change without CallEnded (or the reverse) and on a second
// summary for one call.
func summariesOf(t *testing.T, what string, l labels, cs []telephony.Change) map[string]*telephony.CallSummary {
	t.Helper()
	out := map[string]*telephony.CallSummary{}
	for _, c := range cs {
		if (c.Summary != nil) != c.CallEnded {
			t.Errorf("%s: change %s/%s %s>%s: CallEnded %v, summary %v", what, c.TelephonySessionID, c.PartyID, c.From, c.To, c.CallEnded, c.Summary)
		}
		if c.Summary == nil {
			continue
		}
		lbl := l.call[c.TelephonySessionID]
		if out[lbl] != nil {
			t.Errorf("%s: second summary for call %s", what, lbl)
		}
		out[lbl] = c.Summary
	}
	return out
}

// partyLabels returns the labels of a summary's parties, sorted.
func partyLabels(l labels, s *telephony.CallSummary) []string {
	var out []string
	for _, p := range s.Parties {
		out = append(out, l.party[s.TelephonySessionID+"/"+p.PartyID])
	}
	slices.Sort(out)
	return out
}

// oracleMetrics computes each party's ring, talk and hold from the
// notifications in, by the guide's formulas, independently of the
// tracker: in sequence order per party, ring from Proceeding to the next
// state, talk from Answered, hold from Hold, to the next state.
func oracleMetrics(in []*telephony.Session) map[string][3]time.Duration {
	type ev struct {
		seq  int64
		at   time.Time
		code telephony.StatusCode
	}
	per := map[string][]ev{}
	for _, s := range in {
		for _, p := range s.Parties {
			k := s.TelephonySessionID + "/" + p.ID
			per[k] = append(per[k], ev{s.Sequence, s.EventTime, p.Status.Code})
		}
	}
	out := map[string][3]time.Duration{}
	for k, evs := range per {
		slices.SortFunc(evs, func(a, b ev) int { return int(a.seq - b.seq) })
		var m [3]time.Duration
		answered := false
		for i := 1; i < len(evs); i++ {
			prev, d := evs[i-1], evs[i].at.Sub(evs[i-1].at)
			if prev.code == evs[i].code && prev.seq == evs[i].seq {
				continue
			}
			switch prev.code {
			case telephony.Proceeding:
				if !answered {
					m[0] += d
				}
			case telephony.Answered:
				m[1] += d
			case telephony.Hold:
				m[2] += d
			}
			answered = answered || prev.code == telephony.Answered
		}
		out[k] = m
	}
	return out
}

// checkSummaryTimes checks that a summary's times never go backwards and
// its durations are not negative.
func checkSummaryTimes(t *testing.T, what string, s *telephony.CallSummary) {
	t.Helper()
	if s.Start.IsZero() || s.End.Before(s.Start) || (!s.Answer.IsZero() && (s.Answer.Before(s.Start) || s.End.Before(s.Answer))) {
		t.Errorf("%s: start %v, answer %v, end %v out of order", what, s.Start, s.Answer, s.End)
	}
	if s.Ring < 0 || s.Talk < 0 || s.Hold < 0 {
		t.Errorf("%s: negative durations %v/%v/%v", what, s.Ring, s.Talk, s.Hold)
	}
	for _, p := range s.Parties {
		if p.Ring < 0 || p.Talk < 0 || p.Hold < 0 {
			t.Errorf("%s: party %s negative durations %v/%v/%v", what, p.PartyID, p.Ring, p.Talk, p.Hold)
		}
	}
}

// TestSummaryShippedInOrder: every shipped scenario, in order, as the
// account-level subscriber receives it, gives one summary per call, with
// the script's parties, the declared outcome, each party's ring, talk and
// hold as the guide's formulas give them from the notifications' event
// times, and no Partial.
func TestSummaryShippedInOrder(t *testing.T) {
	for _, sc := range callscript.Scenarios() {
		t.Run(sc.Name, func(t *testing.T) {
			want, ok := shippedOutcomes[sc.Name]
			if !ok {
				t.Fatalf("no declared outcome for scenario %s", sc.Name)
			}
			for seed := range uint64(3) {
				r := runShipped(t, sc, seed)
				lbl := labelsOf(r.Events)
				v := viewsOf(r.Events)[0]
				in := deliveries(r.Events, v)
				what := fmt.Sprintf("seed %d", seed)
				sums := summariesOf(t, what, lbl, applyEach(shippedTracker(), in))
				wantParties := map[string][]string{}
				for _, tr := range r.Script.Expect {
					if !slices.Contains(wantParties[tr.Call], tr.Party) {
						wantParties[tr.Call] = append(wantParties[tr.Call], tr.Party)
					}
				}
				if len(sums) != len(want) {
					t.Fatalf("%s: summaries for %d calls, want %d", what, len(sums), len(want))
				}
				metrics := oracleMetrics(in)
				for call, outcome := range want {
					s := sums[call]
					if s == nil {
						t.Fatalf("%s: no summary for call %s", what, call)
					}
					w := what + ", call " + call
					if s.Outcome != outcome || s.Partial {
						t.Errorf("%s: outcome %v, partial %v; want %v, not partial", w, s.Outcome, s.Partial, outcome)
					}
					slices.Sort(wantParties[call])
					if d := cmp.Diff(wantParties[call], partyLabels(lbl, s)); d != "" {
						t.Errorf("%s: parties (-want +got):\n%s", w, d)
					}
					checkSummaryTimes(t, w, s)
					for _, p := range s.Parties {
						m := metrics[s.TelephonySessionID+"/"+p.PartyID]
						if got := [3]time.Duration{p.Ring, p.Talk, p.Hold}; got != m {
							t.Errorf("%s: party %s ring/talk/hold %v, want %v", w, lbl.party[s.TelephonySessionID+"/"+p.PartyID], got, m)
						}
					}
				}
			}
		})
	}
}

// TestSummaryShippedAnyOrder: every shipped scenario, shuffled with
// duplicates, for every subscriber. Under a reorder window the summaries
// equal the in-order ones. Without one, a call none of whose notifications
// came after its end has the in-order parties and outcome; it is Partial
// exactly when one of its notifications came below a sequence its party
// had already reached (the tracker could not place it), and otherwise
// equals the in-order summary in every time and duration.
func TestSummaryShippedAnyOrder(t *testing.T) {
	seeds := uint64(60)
	if testing.Short() {
		seeds = 10
	}
	for _, sc := range callscript.Scenarios() {
		t.Run(sc.Name, func(t *testing.T) {
			r := runShipped(t, sc, 1)
			lbl := labelsOf(r.Events)
			for _, v := range viewsOf(r.Events) {
				in := deliveries(r.Events, v)
				ref := summariesOf(t, v.name, lbl, applyEach(shippedTracker(), in))
				for seed := range seeds {
					evs := shuffled(rand.New(rand.NewPCG(seed, 0x50)), in, true)
					w := fmt.Sprintf("%s, seed %d", v.name, seed)

					win := shippedTracker(telephony.WithReorderWindow(time.Hour))
					applyEach(win, evs)
					if d := cmp.Diff(ref, summariesOf(t, w+" window", lbl, win.Flush()), ignoreJourney); d != "" {
						t.Fatalf("%s: summaries (-in order +window):\n%s", w, d)
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
					sums := summariesOf(t, w, lbl, cs)
					for call, want := range ref {
						got := sums[call]
						if got == nil {
							t.Fatalf("%s: no summary for call %s", w, call)
						}
						checkSummaryTimes(t, w+", call "+call, got)
						if late[want.TelephonySessionID] {
							continue // the summary was out before the rest came
						}
						if got.Outcome != want.Outcome || !slices.Equal(partyLabels(lbl, got), partyLabels(lbl, want)) {
							t.Errorf("%s, call %s: outcome %v, parties %v; want %v, %v", w, call, got.Outcome, partyLabels(lbl, got), want.Outcome, partyLabels(lbl, want))
						}
						if got.Partial != stale[want.TelephonySessionID] {
							t.Errorf("%s, call %s: Partial %v, want %v", w, call, got.Partial, stale[want.TelephonySessionID])
						}
						if !got.Partial {
							if d := cmp.Diff(normalised(want), normalised(got)); d != "" {
								t.Errorf("%s, call %s: summary not partial, but (-in order +shuffled):\n%s", w, call, d)
							}
						}
					}
				}
			}
		})
	}
}

// ignoreJourney leaves out of a comparison of summaries what depends on
// the order the sessions of a journey came in relative to each other: a
// summary made when its call ended names only the links seen by then (see
// TestSummaryJourneys for the links in order).
var ignoreJourney = cmpopts.IgnoreFields(telephony.CallSummary{}, "JourneyID", "LinkedSessions")

// normalised returns s without what depends on which party came first:
// parties sorted by id, caller, callee and direction cleared, and without
// what depends on the order of the sessions of one journey (JourneyID,
// LinkedSessions).
func normalised(s *telephony.CallSummary) telephony.CallSummary {
	c := *s
	c.Parties = slices.Clone(s.Parties)
	slices.SortFunc(c.Parties, func(a, b telephony.PartySummary) int {
		switch {
		case a.PartyID < b.PartyID:
			return -1
		case a.PartyID > b.PartyID:
			return 1
		}
		return 0
	})
	c.Caller, c.Callee, c.Direction = telephony.Endpoint{}, telephony.Endpoint{}, ""
	c.JourneyID, c.LinkedSessions = "", nil
	return c
}

// shippedJourneys declares, per shipped scenario, the calls (by label) of
// one caller's journey, linked by a party that moved between them; every
// other call is a journey of its own.
var shippedJourneys = map[string][]string{
	"attended-transfer": {"call", "consult"},
	"park-pickup":       {"call", "pickup"},
	"conference":        {"first", "second", "conf"},
}

// TestSummaryJourneys: every shipped scenario, in order, as the account
// sees it: the calls of one journey (attended transfer, park pick-up,
// conference) share one JourneyID, the id of the journey's first session,
// and each names at least one of the others in LinkedSessions and none
// outside; every other call is its own journey, linked to none.
func TestSummaryJourneys(t *testing.T) {
	for _, sc := range callscript.Scenarios() {
		t.Run(sc.Name, func(t *testing.T) {
			r := runShipped(t, sc, 0)
			lbl := labelsOf(r.Events)
			in := deliveries(r.Events, viewsOf(r.Events)[0])
			sums := summariesOf(t, "account", lbl, applyEach(shippedTracker(), in))
			group := shippedJourneys[sc.Name]
			var journey string
			if len(group) > 0 {
				first := sums[group[0]]
				if first == nil {
					t.Fatalf("no summary for call %s", group[0])
				}
				journey = first.TelephonySessionID
			}
			for call, s := range sums {
				if !slices.Contains(group, call) {
					if s.JourneyID != s.TelephonySessionID || s.LinkedSessions != nil {
						t.Errorf("call %s: journey %s, linked %v; want its own, none", call, s.JourneyID, s.LinkedSessions)
					}
					continue
				}
				if s.JourneyID != journey {
					t.Errorf("call %s: journey %s (%s), want %s (%s)", call, s.JourneyID, lbl.call[s.JourneyID], journey, group[0])
				}
				if len(s.LinkedSessions) == 0 {
					t.Errorf("call %s: no linked sessions", call)
				}
				for _, id := range s.LinkedSessions {
					if !slices.Contains(group, lbl.call[id]) || id == s.TelephonySessionID {
						t.Errorf("call %s: linked to %s (%s), outside its journey", call, id, lbl.call[id])
					}
				}
			}
		})
	}
}
