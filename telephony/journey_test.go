package telephony

import (
	"slices"
	"strconv"
	"testing"
)

// goneTo is a notification of party of call id leaving for the session
// peer (an attended transfer).
func goneTo(id, party string, seq int64, peer string) *Session {
	s := oneParty(id, party, seq, Gone, ReasonAttendedTransfer)
	s.Parties[0].Status.PeerID = &PeerID{TelephonySessionID: peer, PartyID: "p"}
	return s
}

// endedSummary returns the summary among cs, failing if there is none.
func endedSummary(t *testing.T, cs []Change) *CallSummary {
	t.Helper()
	for _, c := range cs {
		if c.Summary != nil {
			return c.Summary
		}
	}
	t.Fatalf("no summary in %+v", cs)
	return nil
}

// A session named as a peer before the tracker sees it joins the journey
// of the session that named it when it comes; the one that started first
// on the server gives the journey its id.
func TestJourneyPeerSeenFirst(t *testing.T) {
	tr := NewTracker()
	tr.Apply(oneParty("A", "p", 1, Answered, ""))
	a := endedSummary(t, tr.Apply(goneTo("A", "p", 2, "B")))
	if a.JourneyID != "A" || !slices.Equal(a.LinkedSessions, []string{"B"}) {
		t.Errorf("A: journey %q, linked %v; want A, [B]", a.JourneyID, a.LinkedSessions)
	}
	tr.Apply(oneParty("B", "p", 1, Answered, ""))
	b := endedSummary(t, tr.Apply(oneParty("B", "p", 2, Disconnected, ReasonCallFinished)))
	if b.JourneyID != "A" || !slices.Equal(b.LinkedSessions, []string{"A"}) {
		t.Errorf("B: journey %q, linked %v; want A, [A]", b.JourneyID, b.LinkedSessions)
	}
	if len(tr.peers) != 0 {
		t.Errorf("%d pending links left", len(tr.peers))
	}
}

// The pending links to sessions never seen are bounded with the calls,
// and go when the calls that named them are forgotten.
func TestJourneyPendingBounded(t *testing.T) {
	tr := NewTracker(WithMaxCalls(3), WithEndedTTL(0))
	for i := range 50 {
		id := "s-" + strconv.Itoa(i)
		tr.Apply(oneParty(id, "p", 1, Answered, ""))
		tr.Apply(goneTo(id, "p", 2, "never-"+strconv.Itoa(i)))
		if len(tr.peers) > 3 {
			t.Fatalf("after %d calls, %d pending links", i+1, len(tr.peers))
		}
	}
	tr.Tick() // the ended calls' TTL (0) has passed: they are forgotten
	if len(tr.peers) != 0 || len(tr.calls) != 0 {
		t.Errorf("%d pending links, %d calls after every call was forgotten", len(tr.peers), len(tr.calls))
	}
}
