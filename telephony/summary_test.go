package telephony

import (
	"encoding/json"
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
