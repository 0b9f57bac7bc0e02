package telephony

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/ringwatch/ringwatch/internal/testkit/fixture"
)

// guideSessions returns the guide's five-event example (Proceeding,
// Answered, Hold, Answered, Disconnected).
func guideSessions(t *testing.T) []*Session {
	t.Helper()
	var raw []struct {
		Body json.RawMessage `json:"body"`
	}
	if err := json.Unmarshal(fixture.Read(t, "apidocs-voice-call-time-metrics-partial-sequence.json"), &raw); err != nil {
		t.Fatal(err)
	}
	var out []*Session
	for _, r := range raw {
		s, err := ParseSession(r.Body)
		if err != nil {
			t.Fatalf("ParseSession: %v", err)
		}
		out = append(out, s)
	}
	return out
}

// endSummary returns the summaries of cs, checking that only the changes
// with CallEnded carry one.
func endSummaries(t *testing.T, cs []Change) []*CallSummary {
	t.Helper()
	var out []*CallSummary
	for _, c := range cs {
		if (c.Summary != nil) != c.CallEnded {
			t.Errorf("change %s: CallEnded %v with summary %v", changeString(c), c.CallEnded, c.Summary)
		}
		if c.Summary != nil {
			out = append(out, c.Summary)
		}
	}
	return out
}

// TestSummaryGuideMetrics: the guide's example, by its eventTimes
// (13:33:50.589 Proceeding, 13:33:52.574 Answered, 13:33:58.510 Hold,
// 13:34:00.443 Answered, 13:34:02.098 Disconnected), rings 1.985 s, talks
// 5.936 + 1.655 = 7.591 s and holds 1.933 s.
func TestSummaryGuideMetrics(t *testing.T) {
	tr := NewTracker(WithTrackerClock(func() time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) }))
	sums := endSummaries(t, applyAll(tr, guideSessions(t)))
	if len(sums) != 1 {
		t.Fatalf("%d summaries, want 1", len(sums))
	}
	s := sums[0]
	const (
		ring = 1985 * time.Millisecond
		talk = 7591 * time.Millisecond
		hold = 1933 * time.Millisecond
	)
	if s.Ring != ring || s.Talk != talk || s.Hold != hold {
		t.Errorf("call ring/talk/hold = %v/%v/%v, want %v/%v/%v", s.Ring, s.Talk, s.Hold, ring, talk, hold)
	}
	if len(s.Parties) != 1 {
		t.Fatalf("parties = %+v", s.Parties)
	}
	if p := s.Parties[0]; p.Ring != ring || p.Talk != talk || p.Hold != hold || p.Status != Disconnected || !p.Answered {
		t.Errorf("party = %+v, want ring/talk/hold %v/%v/%v, answered, Disconnected", p, ring, talk, hold)
	}
	day := func(h, m, s, ms int) time.Time { return time.Date(2020, 7, 17, h, m, s, ms*1e6, time.UTC) }
	if !s.Start.Equal(day(13, 33, 50, 589)) || !s.Answer.Equal(day(13, 33, 52, 574)) || !s.End.Equal(day(13, 34, 2, 98)) {
		t.Errorf("start/answer/end = %v/%v/%v, want the event times", s.Start, s.Answer, s.End)
	}
	if s.Outcome != OutcomeAnswered || s.Partial {
		t.Errorf("outcome %v, partial %v; want Answered, not partial", s.Outcome, s.Partial)
	}
}

// TestSummaryEndedDuringGap: a call whose end falls in a gap is ended by
// Reconcile with one summary, Partial, with times from the notifications
// and the REST state, never the tracker's clock, that never go backwards,
// and durations, the call's and each party's, that are lower bounds of the
// real ones (a hold whose end fell in the gap is not counted up to the
// REST state's time); the notifications that come after it add no second
// summary.
func TestSummaryEndedDuringGap(t *testing.T) {
	evs := newScript().
		ev("s", "p1", out, Setup).       // t+0s
		ev("s", "p2", in, Proceeding).   // t+1s
		ev("s", "p2", in, Answered).     // t+2s
		ev("s", "p1", out, Answered).    // t+3s
		ev("s", "p1", out, Hold).        // t+4s: the last before the gap
		ev("s", "p1", out, Answered).    // t+5s: lost in the gap
		ev("s", "p2", in, Disconnected). // t+6s
		ev("s", "p1", out, Disconnected).
		all()
	base := evs[0].EventTime
	for _, restTime := range []bool{false, true} {
		clk := newFakeClock()
		clk.Advance(72 * time.Hour) // the tracker's clock is far from the event times
		tr := NewTracker(WithTrackerClock(clk.Now))
		if sums := endSummaries(t, applyAll(tr, evs[:5])); len(sums) != 0 {
			t.Fatalf("summary before the end: %+v", sums[0])
		}
		var active []*Session
		wantEnd := evs[4].EventTime
		if restTime {
			// the REST read still lists the call with p2 alone, as of t+6s
			active = []*Session{restSession(t, "s", base.Add(6*time.Second), restParty("p2", in, Answered))}
			wantEnd = base.Add(6 * time.Second)
		}
		cs := tr.Reconcile(active, "")
		if restTime {
			// p1 gone from the REST state; p2 ends afterwards, in order
			cs = append(cs, applyAll(tr, evs[6:7])...)
		}
		sums := endSummaries(t, cs)
		if len(sums) != 1 {
			t.Fatalf("rest time %v: %d summaries, want 1", restTime, len(sums))
		}
		s := sums[0]
		if !s.Partial {
			t.Errorf("rest time %v: summary not Partial", restTime)
		}
		if !s.Start.Equal(base) || !s.Answer.Equal(base.Add(2*time.Second)) || s.End.Before(wantEnd) || s.End.After(base.Add(6*time.Second)) {
			t.Errorf("rest time %v: start/answer/end = %v/%v/%v; want %v/%v/>= %v from event times", restTime, s.Start, s.Answer, s.End, base, base.Add(2*time.Second), wantEnd)
		}
		// the real figures: without the REST read the call goes on as
		// scripted (p1 ends at t+7s); with it p1 left at some time in
		// (t+5s, t+6s], as early as just after t+5s, and the call ends at
		// t+6s
		call, p1, p2 := durs{2, 4, 1}, durs{0, 3, 1}, durs{1, 4, 0}
		if restTime {
			call, p1 = durs{2, 3, 1}, durs{0, 1, 1}
		}
		what := fmt.Sprintf("rest time %v", restTime)
		atMost(t, what+", call", durs{s.Ring, s.Talk, s.Hold}, call)
		if len(s.Parties) != 2 {
			t.Fatalf("%s: %d parties, want 2", what, len(s.Parties))
		}
		atMost(t, what+", p1", partyDurs(&s.Parties[0]), p1)
		atMost(t, what+", p2", partyDurs(&s.Parties[1]), p2)
		if s.Outcome != OutcomeAnswered {
			t.Errorf("rest time %v: outcome %v, want Answered", restTime, s.Outcome)
		}
		if late := endSummaries(t, applyAll(tr, evs[5:])); len(late) != 0 {
			t.Errorf("rest time %v: a second summary from late notifications: %+v", restTime, late)
		}
	}
}

// TestSummaryPartialAfterResync: a call that a resync touched while it
// was going, and that then ends normally, is Partial: transitions in the
// gap may be lost. Its ring is not closed by the REST state's time (the
// answer fell somewhere in the gap, so the ring may have been as short as
// nothing), while the talk seen whole after the REST state counts.
func TestSummaryPartialAfterResync(t *testing.T) {
	evs := newScript().
		ev("s", "p1", in, Proceeding).
		ev("s", "p1", in, Answered).
		ev("s", "p1", in, Disconnected).
		all()
	tr := NewTracker()
	applyAll(tr, evs[:1])
	tr.Reconcile([]*Session{restSession(t, "s", evs[1].EventTime, restParty("p1", in, Answered))}, "")
	sums := endSummaries(t, applyAll(tr, evs[2:]))
	if len(sums) != 1 || !sums[0].Partial {
		t.Fatalf("summaries = %+v, want one Partial", sums)
	}
	s := sums[0]
	if got := (durs{s.Ring, s.Talk, s.Hold}); got != (durs{0, time.Second, 0}) {
		t.Errorf("call ring/talk/hold = %v, want [0 1s 0]", got)
	}
	if got := partyDurs(&s.Parties[0]); got != (durs{0, time.Second, 0}) {
		t.Errorf("party ring/talk/hold = %v, want [0 1s 0]", got)
	}
}

// durs is a ring, talk and hold; atMost takes whole seconds in it.
type durs [3]time.Duration

func partyDurs(p *PartySummary) durs { return durs{p.Ring, p.Talk, p.Hold} }

// atMost checks that each of got is at least 0 and at most the real
// figure in want (in seconds): a lower bound.
func atMost(t *testing.T, what string, got, want durs) {
	t.Helper()
	for i, name := range []string{"ring", "talk", "hold"} {
		if w := want[i] * time.Second; got[i] < 0 || got[i] > w {
			t.Errorf("%s: %s %v, real %v: not a lower bound", what, name, got[i], w)
		}
	}
}

// TestSummaryStaleLowerBound: a notification that came too late to be
// placed leaves a Partial summary whose durations are still lower bounds:
// the span it fell in, already counted (here as ring, from Proceeding to
// Hold), is trimmed back to its time.
func TestSummaryStaleLowerBound(t *testing.T) {
	evs := newScript().
		ev("s", "p1", in, Proceeding).   // t+0s
		ev("s", "p1", in, Answered).     // t+1s: comes after Hold
		ev("s", "p1", in, Hold).         // t+2s
		ev("s", "p1", in, Answered).     // t+3s
		ev("s", "p1", in, Disconnected). // t+4s
		all()
	tr := NewTracker()
	sums := endSummaries(t, applyAll(tr, []*Session{evs[0], evs[2], evs[1], evs[3], evs[4]}))
	if len(sums) != 1 || !sums[0].Partial {
		t.Fatalf("summaries = %+v, want one Partial", sums)
	}
	s := sums[0]
	// real: ring 1s, talk 1s + 1s, hold 1s; the call's alike
	atMost(t, "call", durs{s.Ring, s.Talk, s.Hold}, durs{1, 2, 1})
	atMost(t, "party", partyDurs(&s.Parties[0]), durs{1, 2, 1})
	if s.Parties[0].Ring != time.Second || s.Ring != time.Second {
		t.Errorf("ring %v, call ring %v; want 1s (the stale Answered's time)", s.Parties[0].Ring, s.Ring)
	}
}

// TestSummaryEvictedLowerBound: a call evicted while a party is on hold
// has a Partial summary whose talk does not count the time since that
// hold began, which may have lasted to the end of the call.
func TestSummaryEvictedLowerBound(t *testing.T) {
	evs := newScript().
		ev("s", "p1", in, Proceeding). // t+0s
		ev("s", "p1", in, Answered).   // t+1s
		ev("s", "p1", in, Hold).       // t+2s, until the end of the call
		ev("s", "p2", out, Answered).  // t+3s
		ev("s", "p2", out, Hold).      // t+4s
		ev("other", "p", in, Proceeding).
		all()
	tr := NewTracker(WithMaxCalls(1))
	sums := endSummaries(t, applyAll(tr, evs))
	if len(sums) != 1 || !sums[0].Partial {
		t.Fatalf("summaries = %+v, want one Partial", sums)
	}
	s := sums[0]
	// real, if p1's hold lasts to the end: ring 1s, talk 1s, hold >= 2s
	atMost(t, "call", durs{s.Ring, s.Talk, s.Hold}, durs{1, 1, 2})
	if s.Ring != time.Second || s.Talk != time.Second {
		t.Errorf("ring/talk %v/%v, want 1s/1s: all that is certain", s.Ring, s.Talk)
	}
}
