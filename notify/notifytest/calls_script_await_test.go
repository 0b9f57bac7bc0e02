package notifytest_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/telephony"
)

// Scripted calls that wait for a Call Control request (Await). These
// tests run on the platform's loopback server, so they cannot run in a
// synctest bubble (its network goroutines never block durably): waits
// that must end by a request have an hour's timeout, which the request
// cuts short, and the timeout test waits 30 ms.

// awaitFixture is a platform, a webhook subscriber at account level and
// a Call Control client.
type awaitFixture struct {
	p    *notifytest.Platform
	hook *scriptHook
	sub  string
	c    *telephony.Client
}

func newAwaitFixture(t *testing.T) *awaitFixture {
	t.Helper()
	p, _ := start(t)
	hook := newScriptHook(t)
	sub := create(t, p, token(t, p, p.Owner().ID), webhookReq(hook.srv.URL, time.Hour,
		subscription.AccountTelephonySessions()))
	return &awaitFixture{p: p, hook: hook, sub: sub.ID, c: telephony.NewClient(ringwatch.NewClient(p.Config()))}
}

// play plays script in the background; the channel yields its result.
func (f *awaitFixture) play(t *testing.T, script notifytest.Script) <-chan *notifytest.ScriptResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	out := make(chan *notifytest.ScriptResult, 1)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		defer cancel()
		res, err := f.p.Play(ctx, script, notifytest.WithExactTimes())
		if err != nil {
			t.Errorf("Play: %v", err)
		}
		out <- res
	}()
	t.Cleanup(func() { cancel(); <-finished })
	return out
}

// party waits for the n-th notification of the subscription and returns
// the session and party it is about.
func (f *awaitFixture) party(t *testing.T, n int, want telephony.StatusCode) (sid, pid string) {
	t.Helper()
	evs := f.hook.wait(t, n)[f.sub]
	te, ok := evs[n-1].(*notify.TelephonyEvent)
	if !ok || te.Body.Parties[0].Status.Code != want {
		t.Fatalf("notification %d: %#v, want a party %s", n, evs[n-1], want)
	}
	return te.Body.TelephonySessionID, te.Body.Parties[0].ID
}

func result(t *testing.T, ch <-chan *notifytest.ScriptResult) *notifytest.ScriptResult {
	t.Helper()
	select {
	case res := <-ch:
		if res == nil {
			t.Fatal("no result")
		}
		return res
	case <-time.After(10 * time.Second):
		t.Fatal("the script did not finish")
	}
	return nil
}

// move is a transition without ids and sequence.
type move struct {
	Party    string
	From, To telephony.StatusCode
	Reason   string
	Step     notifytest.Op
	Ended    bool
}

func movesOf(res *notifytest.ScriptResult) []move {
	var out []move
	for _, tr := range res.Transitions() {
		out = append(out, move{tr.Party, tr.From, tr.To, tr.Reason, tr.Step, tr.CallEnded})
	}
	return out
}

// summaryOf feeds what the subscriber received to a tracker and returns
// the summary of the one call.
func (f *awaitFixture) summaryOf(t *testing.T, n int) *telephony.CallSummary {
	t.Helper()
	tr := telephony.NewTracker()
	var sums []*telephony.CallSummary
	for _, ev := range f.hook.wait(t, n)[f.sub] {
		if te, ok := ev.(*notify.TelephonyEvent); ok {
			for _, c := range tr.Apply(&te.Body) {
				if c.Summary != nil {
					sums = append(sums, c.Summary)
				}
			}
		}
	}
	if len(sums) != 1 {
		t.Fatalf("%d summaries, want 1", len(sums))
	}
	return sums[0]
}

func inbound(f *awaitFixture) (customer, agent notifytest.Endpoint) {
	return notifytest.ExternalEndpoint("customer", "+14155550123", ""),
		notifytest.UserEndpoint("agent", f.p.Extensions()[0])
}

// A scripted call rings until the test answers it through
// telephony.Client: the answer is the call's next transition (not the
// script's voicemail at the timeout), published once, and the script goes
// on with its hang-up.
func TestAwaitRingingAnsweredByControl(t *testing.T) {
	f := newAwaitFixture(t)
	customer, agent := inbound(f)
	done := f.play(t, notifytest.Script{Name: "await-answer", Steps: []notifytest.Step{
		notifytest.Dial(0, "call", customer, agent),
		notifytest.Await(0, "call", "agent", time.Hour, notifytest.Voicemail(0, "call", "agent")),
		notifytest.Hangup(30*time.Second, "call", "customer"),
	}})
	sid, pid := f.party(t, 2, telephony.Proceeding)
	if _, err := f.c.Answer(context.Background(), sid, pid, "device-1"); err != nil {
		t.Fatal(err)
	}
	res := result(t, done)
	want := []move{
		{"agent", "", telephony.Setup, "", notifytest.OpDial, false},
		{"agent", telephony.Setup, telephony.Proceeding, "", notifytest.OpDial, false},
		{"agent", telephony.Proceeding, telephony.Answered, "", notifytest.OpControl, false},
		{"agent", telephony.Answered, telephony.Disconnected, "", notifytest.OpHangup, true},
	}
	if d := cmp.Diff(want, movesOf(res)); d != "" {
		t.Errorf("transitions (-want +got):\n%s", d)
	}
	s := f.summaryOf(t, 4)
	if s.Outcome != telephony.OutcomeAnswered || s.Partial || s.Talk != 30*time.Second || s.Ring < 0 {
		t.Errorf("summary: outcome %v, partial %v, ring %v, talk %v; want Answered, 30 s of talk", s.Outcome, s.Partial, s.Ring, s.Talk)
	}
	if _, ok := f.p.Session(sid); ok {
		t.Error("the call is still in the model")
	}
}

// A ringing scripted call forwarded through telephony.Client: the ringing
// party leaves with CallRedirected, the target rings in the same call
// (labelled with its party id), and the script's hang-up ends the call
// with the target's missed ring.
func TestAwaitRingingForwardedByControl(t *testing.T) {
	f := newAwaitFixture(t)
	customer, agent := inbound(f)
	target := f.p.Extensions()[1]
	done := f.play(t, notifytest.Script{Name: "await-forward", Steps: []notifytest.Step{
		notifytest.Dial(0, "call", customer, agent),
		notifytest.Await(0, "call", "agent", time.Hour, notifytest.Answer(0, "call", "agent")),
		notifytest.Hangup(20*time.Second, "call", "customer"),
	}})
	sid, pid := f.party(t, 2, telephony.Proceeding)
	if _, err := f.c.Forward(context.Background(), sid, pid, telephony.Target{ExtensionID: target.ID}); err != nil {
		t.Fatal(err)
	}
	res := result(t, done)
	var np telephony.Party // the target's party, which the request added
	for _, e := range res.Events {
		if e.Kind == notifytest.TelephonyScriptEvent && e.Session.Parties[0].ExtensionID == target.ID {
			np = e.Session.Parties[0]
			if e.Party != np.ID {
				t.Errorf("the target's party is labelled %q, want its id %q", e.Party, np.ID)
			}
		}
	}
	want := []move{
		{"agent", "", telephony.Setup, "", notifytest.OpDial, false},
		{"agent", telephony.Setup, telephony.Proceeding, "", notifytest.OpDial, false},
		{np.ID, "", telephony.Proceeding, "", notifytest.OpControl, false},
		{"agent", telephony.Proceeding, telephony.Disconnected, telephony.ReasonCallRedirected, notifytest.OpControl, false},
		{np.ID, telephony.Proceeding, telephony.Disconnected, "", notifytest.OpHangup, true},
	}
	if d := cmp.Diff(want, movesOf(res)); d != "" {
		t.Errorf("transitions (-want +got):\n%s", d)
	}
	if s := f.summaryOf(t, 5); s.Outcome != telephony.OutcomeMissed || len(s.Parties) != 2 {
		t.Errorf("summary: outcome %v, %d parties; want Missed, 2", s.Outcome, len(s.Parties))
	}
}

// With no request, the wait ends at its timeout, and the script's own
// continuation (Otherwise) applies: the call goes to voicemail exactly
// the timeout after it began ringing.
func TestAwaitTimesOut(t *testing.T) {
	f := newAwaitFixture(t)
	customer, agent := inbound(f)
	const timeout = 30 * time.Millisecond
	res := result(t, f.play(t, notifytest.Script{Name: "await-timeout", Steps: []notifytest.Step{
		notifytest.Dial(0, "call", customer, agent),
		notifytest.Await(0, "call", "agent", timeout, notifytest.Voicemail(0, "call", "agent")),
		notifytest.Hangup(30*time.Second, "call", "customer"),
	}}))
	want := []move{
		{"agent", "", telephony.Setup, "", notifytest.OpDial, false},
		{"agent", telephony.Setup, telephony.Proceeding, "", notifytest.OpDial, false},
		{"agent", telephony.Proceeding, telephony.VoiceMail, "", notifytest.OpVoicemail, false},
		{"agent", telephony.VoiceMail, telephony.Disconnected, "", notifytest.OpHangup, true},
	}
	if d := cmp.Diff(want, movesOf(res)); d != "" {
		t.Errorf("transitions (-want +got):\n%s", d)
	}
	s := f.summaryOf(t, 4)
	if s.Outcome != telephony.OutcomeVoicemail || s.Parties[0].Ring != timeout {
		t.Errorf("summary: outcome %v, ring %v; want Voicemail, %v", s.Outcome, s.Parties[0].Ring, timeout)
	}
}

// A held scripted call waits for the test to unhold it: the unhold is
// the next transition, and the script goes on.
func TestAwaitHoldUnheldByControl(t *testing.T) {
	f := newAwaitFixture(t)
	customer, agent := inbound(f)
	done := f.play(t, notifytest.Script{Name: "await-unhold", Steps: []notifytest.Step{
		notifytest.Dial(0, "call", customer, agent),
		notifytest.Answer(5*time.Second, "call", "agent"),
		notifytest.Hold(10*time.Second, "call", "agent"),
		notifytest.Await(0, "call", "agent", time.Hour, notifytest.Hangup(0, "call", "agent")),
		notifytest.Hangup(20*time.Second, "call", "customer"),
	}})
	sid, pid := f.party(t, 4, telephony.Hold)
	if _, err := f.c.Unhold(context.Background(), sid, pid); err != nil {
		t.Fatal(err)
	}
	res := result(t, done)
	want := []move{
		{"agent", "", telephony.Setup, "", notifytest.OpDial, false},
		{"agent", telephony.Setup, telephony.Proceeding, "", notifytest.OpDial, false},
		{"agent", telephony.Proceeding, telephony.Answered, "", notifytest.OpAnswer, false},
		{"agent", telephony.Answered, telephony.Hold, "", notifytest.OpHold, false},
		{"agent", telephony.Hold, telephony.Answered, "", notifytest.OpControl, false},
		{"agent", telephony.Answered, telephony.Disconnected, "", notifytest.OpHangup, true},
	}
	if d := cmp.Diff(want, movesOf(res)); d != "" {
		t.Errorf("transitions (-want +got):\n%s", d)
	}
	if s := f.summaryOf(t, 6); s.Outcome != telephony.OutcomeAnswered || s.Hold < 0 || s.Partial {
		t.Errorf("summary: outcome %v, hold %v, partial %v", s.Outcome, s.Hold, s.Partial)
	}
}

// A ringing scripted call dropped through telephony.Client ends there:
// the script's later steps on it are skipped and Play returns no error.
func TestAwaitDroppedByControl(t *testing.T) {
	f := newAwaitFixture(t)
	customer, agent := inbound(f)
	done := f.play(t, notifytest.Script{Name: "await-drop", Steps: []notifytest.Step{
		notifytest.Dial(0, "call", customer, agent),
		notifytest.Await(0, "call", "agent", time.Hour),
		notifytest.Answer(5*time.Second, "call", "agent"),
		notifytest.Hangup(20*time.Second, "call", "customer"),
	}})
	sid, _ := f.party(t, 2, telephony.Proceeding)
	if err := f.c.Drop(context.Background(), sid); err != nil {
		t.Fatal(err)
	}
	res := result(t, done)
	want := []move{
		{"agent", "", telephony.Setup, "", notifytest.OpDial, false},
		{"agent", telephony.Setup, telephony.Proceeding, "", notifytest.OpDial, false},
		{"agent", telephony.Proceeding, telephony.Disconnected, telephony.ReasonCallDropped, notifytest.OpControl, true},
	}
	if d := cmp.Diff(want, movesOf(res)); d != "" {
		t.Errorf("transitions (-want +got):\n%s", d)
	}
}
