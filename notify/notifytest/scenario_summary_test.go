package notifytest_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/telephony"
)

// TestScenarioWantOnPlatform: every shipped scenario, played on the
// platform WithExactTimes, gives a tracker fed the account-level
// telephony notifications exactly the summaries the scenario declares
// (Scenario.Want, Script.Want): ring, talk, hold, parties, outcome,
// journey and linked sessions. Played without exact times, everything
// but the times is the same, and the times are off by less than a second
// (the notifications of a step are up to 85 ms apart).
func TestScenarioWantOnPlatform(t *testing.T) {
	p, _ := start(t)
	for _, exact := range []bool{true, false} {
		for _, sc := range notifytest.Scenarios() {
			var opts []notifytest.PlayOption
			if exact {
				opts = append(opts, notifytest.WithExactTimes())
			}
			script := sc.New(p.Cast())
			if d := cmp.Diff(sc.Want, script.Want); d != "" || len(sc.Want) == 0 {
				t.Fatalf("%s: Scenario.Want and Script.Want (-scenario +script):\n%s", sc.Name, d)
			}
			res, err := p.Play(context.Background(), script, opts...)
			if err != nil {
				t.Fatalf("%s: %v", sc.Name, err)
			}
			call := map[string]string{}  // session id → call label
			party := map[string]string{} // session/party id → party label
			tr := telephony.NewTracker()
			got := map[string]notifytest.SummaryWant{}
			for _, e := range res.Events {
				if e.Kind != notifytest.TelephonyScriptEvent || !e.ReceivedBy(true, "") {
					continue
				}
				call[e.Session.TelephonySessionID] = e.Call
				party[e.Session.TelephonySessionID+"/"+e.Session.Parties[0].ID] = e.Party
				for _, c := range tr.Apply(e.Session) {
					s := c.Summary
					if s == nil {
						continue
					}
					w := notifytest.SummaryWant{Call: call[s.TelephonySessionID], Ring: s.Ring, Talk: s.Talk, Hold: s.Hold,
						Outcome: s.Outcome, Journey: call[s.JourneyID]}
					for _, pt := range s.Parties {
						w.Parties = append(w.Parties, party[s.TelephonySessionID+"/"+pt.PartyID])
					}
					for _, id := range s.LinkedSessions {
						w.Linked = append(w.Linked, call[id])
					}
					slices.Sort(w.Parties)
					slices.Sort(w.Linked)
					if s.Partial {
						t.Errorf("%s: call %s: Partial", sc.Name, w.Call)
					}
					got[w.Call] = w
				}
			}
			if len(got) != len(sc.Want) {
				t.Errorf("exact %v, %s: %d summaries, %d declared", exact, sc.Name, len(got), len(sc.Want))
			}
			for _, w := range sc.Want {
				g := got[w.Call]
				if !exact {
					const slack = int64(time.Second) // the spacing of the notifications of a step or two
					near := func(a, b int64) bool { return a-b < slack && b-a < slack }
					if !near(int64(g.Ring), int64(w.Ring)) || !near(int64(g.Talk), int64(w.Talk)) || !near(int64(g.Hold), int64(w.Hold)) {
						t.Errorf("%s: call %s: ring/talk/hold %v/%v/%v, declared %v/%v/%v", sc.Name, w.Call, g.Ring, g.Talk, g.Hold, w.Ring, w.Talk, w.Hold)
					}
					g.Ring, g.Talk, g.Hold = w.Ring, w.Talk, w.Hold
				}
				if d := cmp.Diff(w, g); d != "" {
					t.Errorf("exact %v, %s: call %s (-declared +got):\n%s", exact, sc.Name, w.Call, d)
				}
			}
		}
	}
}
