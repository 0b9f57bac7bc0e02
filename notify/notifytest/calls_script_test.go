package notifytest_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/presence"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/telephony"
)

// scriptHook is a webhook receiver that decodes what it is sent, by
// subscription.
type scriptHook struct {
	srv    *httptest.Server
	mu     sync.Mutex
	bySub  map[string][]notify.Event
	total  int
	signal chan struct{}
}

func newScriptHook(t *testing.T) *scriptHook {
	t.Helper()
	h := &scriptHook{bySub: map[string][]notify.Event{}, signal: make(chan struct{}, 1)}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v := r.Header.Get("Validation-Token"); v != "" {
			w.Header().Set("Validation-Token", v)
			return
		}
		b, _ := io.ReadAll(r.Body)
		ev, err := notify.Decode(b)
		if err != nil {
			t.Errorf("undecodable notification: %v\n%s", err, b)
			return
		}
		h.mu.Lock()
		id := ev.EventHeader().SubscriptionID
		h.bySub[id] = append(h.bySub[id], ev)
		h.total++
		h.mu.Unlock()
		select {
		case h.signal <- struct{}{}:
		default:
		}
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// wait returns what each subscription received once n notifications in
// all have arrived (bounded).
func (h *scriptHook) wait(t *testing.T, n int) map[string][]notify.Event {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		h.mu.Lock()
		got := h.total
		h.mu.Unlock()
		if got >= n {
			break
		}
		select {
		case <-h.signal:
		case <-deadline:
			t.Fatalf("got %d notifications, want %d", got, n)
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string][]notify.Event{}
	for k, v := range h.bySub {
		out[k] = append([]notify.Event(nil), v...)
	}
	return out
}

// settle returns what each subscription received once nothing more has
// arrived for 200 ms (bounded).
func (h *scriptHook) settle(t *testing.T) map[string][]notify.Event {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	prev := -1
	for time.Now().Before(deadline) {
		h.mu.Lock()
		n := h.total
		h.mu.Unlock()
		if n == prev && n > 0 {
			return h.wait(t, n)
		}
		prev = n
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatal("notifications kept coming")
	return nil
}

// seen is one received notification, reduced to what the test compares.
type seen struct {
	Kind                     string
	Session, Party           string
	Code                     telephony.StatusCode
	Reason                   string
	Sequence                 int64
	Extension                string
	Status                   presence.TelephonyStatus
	ActiveCalls, TotalActive int
	SIP                      bool
}

func fromEvent(ev notify.Event) seen {
	switch e := ev.(type) {
	case *notify.TelephonyEvent:
		pt := e.Body.Parties[0]
		return seen{Kind: "telephony", Session: e.Body.TelephonySessionID, Party: pt.ID, Code: pt.Status.Code,
			Reason: pt.Status.Reason, Sequence: e.Body.Sequence, SIP: pt.SIPData != nil}
	case *notify.PresenceEvent:
		sip := false
		for _, c := range e.Body.ActiveCalls {
			sip = sip || c.SIPData != nil
		}
		return seen{Kind: "presence", Extension: e.Body.ExtensionID, Status: e.Body.TelephonyStatus,
			Sequence: e.Body.Sequence, ActiveCalls: len(e.Body.ActiveCalls), TotalActive: e.Body.TotalActiveCalls, SIP: sip}
	}
	return seen{Kind: "other"}
}

func fromScript(e notifytest.ScriptEvent, sip, detailed bool) seen {
	if e.Kind == notifytest.TelephonyScriptEvent {
		pt := e.Session.Parties[0]
		return seen{Kind: "telephony", Session: e.Session.TelephonySessionID, Party: pt.ID, Code: pt.Status.Code,
			Reason: pt.Status.Reason, Sequence: e.Session.Sequence, SIP: sip && pt.SIPData != nil}
	}
	s := seen{Kind: "presence", Extension: e.ExtensionID, Status: e.Presence.TelephonyStatus, Sequence: e.Presence.Sequence}
	if detailed {
		s.ActiveCalls, s.TotalActive, s.SIP = len(e.Presence.ActiveCalls), e.Presence.TotalActiveCalls, sip
	}
	return s
}

// Play publishes each scenario's notifications to the subscriptions whose
// filters match, over a webhook: the account-level telephony subscriber
// gets every party of the account, the extension-level one its own
// parties and presence, each in order.
func TestPlayScenariosOverWebhook(t *testing.T) {
	p, _ := start(t)
	hook := newScriptHook(t)
	owner, bob := p.Extensions()[0].ID, p.Extensions()[1].ID
	acct := create(t, p, token(t, p, owner), webhookReq(hook.srv.URL, time.Hour,
		subscription.AccountTelephonySessions()))
	ext := create(t, p, token(t, p, bob), webhookReq(hook.srv.URL, time.Hour,
		subscription.ExtensionTelephonySessions("~", subscription.WithSIP()),
		subscription.ExtensionPresence("~", subscription.Detailed(), subscription.WithSIP())))
	simple := create(t, p, token(t, p, owner), webhookReq(hook.srv.URL, time.Hour,
		subscription.ExtensionPresence(owner)))

	var wantAcct, wantExt, wantSimple []seen
	for _, sc := range notifytest.Scenarios() {
		res, err := p.Play(context.Background(), sc.New(p.Cast()))
		if err != nil {
			t.Fatalf("%s: %v", sc.Name, err)
		}
		if diff := cmp.Diff(res.Script.Expect, res.Transitions(), ignoreIDs); diff != "" {
			t.Fatalf("%s: transitions (-want +got):\n%s", sc.Name, diff)
		}
		for _, e := range res.Events {
			switch {
			case e.Kind == notifytest.TelephonyScriptEvent && e.ReceivedBy(true, ""):
				wantAcct = append(wantAcct, fromScript(e, false, false))
			}
			if e.ReceivedBy(false, bob) {
				wantExt = append(wantExt, fromScript(e, true, true))
			}
			if e.Kind == notifytest.PresenceScriptEvent && e.ExtensionID == owner {
				wantSimple = append(wantSimple, fromScript(e, false, false))
			}
		}
		// Every call ended: the resync endpoints know of none.
		for _, e := range res.Events {
			if e.Kind == notifytest.TelephonyScriptEvent {
				if _, ok := p.Session(e.Session.TelephonySessionID); ok {
					t.Fatalf("%s: session %s still in the model", sc.Name, e.Session.TelephonySessionID)
				}
			}
		}
	}
	if len(wantAcct) < 80 || len(wantExt) < 20 || len(wantSimple) < 10 {
		t.Fatalf("too few notifications to compare: %d, %d, %d", len(wantAcct), len(wantExt), len(wantSimple))
	}
	got := hook.wait(t, len(wantAcct)+len(wantExt)+len(wantSimple))
	for _, c := range []struct {
		name string
		id   string
		want []seen
	}{{"account telephony", acct.ID, wantAcct}, {"extension", ext.ID, wantExt}, {"simple presence", simple.ID, wantSimple}} {
		var have []seen
		for _, ev := range got[c.id] {
			have = append(have, fromEvent(ev))
		}
		if diff := cmp.Diff(c.want, have); diff != "" {
			t.Errorf("%s subscription (-want +got):\n%s", c.name, diff)
		}
	}
	for _, ext := range p.Extensions() {
		pr, _ := p.Presence(ext.ID)
		if pr.TelephonyStatus != presence.NoCall || len(pr.ActiveCalls) != 0 {
			t.Errorf("presence of %s after the calls: %+v", ext.ID, pr)
		}
	}
}

var ignoreIDs = cmp.FilterPath(func(path cmp.Path) bool {
	switch path.Last().String() {
	case ".TelephonySessionID", ".PartyID", ".Sequence":
		return true
	}
	return false
}, cmp.Ignore())

// While a script is under way, the resync endpoints serve its state.
func TestPlayKeepsResyncEndpointsConsistent(t *testing.T) {
	p, _ := start(t)
	sc, _ := notifytest.ScenarioNamed("attended-transfer")
	script := sc.New(p.Cast())
	script.Steps = script.Steps[:5] // both calls up, the customer on hold
	res, err := p.Play(context.Background(), script)
	if err != nil {
		t.Fatal(err)
	}
	tok := token(t, p, p.Owner().ID)
	r := do(t, p, tok, "GET", "/restapi/v1.0/account/~/extension/~/presence?detailedTelephonyState=true&sipData=true", nil)
	var info presence.Info
	r.decode(t, &info)
	if info.TelephonyStatus != presence.CallConnected || len(info.ActiveCalls) != 2 {
		t.Fatalf("presence: %s with %d calls", info.TelephonyStatus, len(info.ActiveCalls))
	}
	want := map[string]bool{}
	for _, e := range res.Events {
		if e.Kind == notifytest.TelephonyScriptEvent {
			want[e.Session.TelephonySessionID] = true
		}
	}
	for _, c := range info.ActiveCalls {
		if !want[c.TelephonySessionID] {
			t.Errorf("presence lists unknown session %s", c.TelephonySessionID)
		}
		r := do(t, p, tok, "GET", "/restapi/v1.0/account/~/telephony/sessions/"+c.TelephonySessionID, nil)
		s, err := telephony.ParseSession(r.body)
		if r.status != http.StatusOK || err != nil {
			t.Fatalf("session %s: %d %v", c.TelephonySessionID, r.status, err)
		}
		pt := s.Party(c.PartyID)
		if pt == nil || pt.ExtensionID != p.Owner().ID {
			t.Fatalf("session %s lacks the owner's party %s", c.TelephonySessionID, c.PartyID)
		}
		wantCode := map[presence.TelephonyStatus]telephony.StatusCode{presence.OnHold: telephony.Hold, presence.CallConnected: telephony.Answered}[c.TelephonyStatus]
		if pt.Status.Code != wantCode {
			t.Errorf("party %s is %s in REST, %s in presence", pt.ID, pt.Status.Code, c.TelephonyStatus)
		}
	}
}

// RunMix plays many scenarios at once; every call ends, ids never collide
// and each session's notifications arrive in sequence order.
func TestRunMix(t *testing.T) {
	p, _ := start(t)
	hook := newScriptHook(t)
	sub := create(t, p, token(t, p, p.Owner().ID), webhookReq(hook.srv.URL, time.Hour,
		subscription.AccountTelephonySessions()))
	n, err := p.RunMix(context.Background(), notifytest.MixOptions{Concurrency: 3, Calls: 30, Seed: 5})
	if err != nil || n != 30 {
		t.Fatalf("RunMix: %d, %v", n, err)
	}
	got := hook.settle(t)
	last := map[string]int64{}
	for _, ev := range got[sub.ID] {
		te, ok := ev.(*notify.TelephonyEvent)
		if !ok {
			t.Fatalf("got %T", ev)
		}
		if te.Body.Sequence <= last[te.Body.TelephonySessionID] {
			t.Fatalf("session %s: sequence %d after %d", te.Body.TelephonySessionID, te.Body.Sequence, last[te.Body.TelephonySessionID])
		}
		last[te.Body.TelephonySessionID] = te.Body.Sequence
	}
	if len(last) < 30 {
		t.Errorf("%d sessions for 30 calls", len(last))
	}
	for id := range last {
		if _, ok := p.Session(id); ok {
			t.Errorf("session %s still active", id)
		}
	}
}

func TestRunMixStopsWithContext(t *testing.T) {
	p, _ := start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	n, err := p.RunMix(ctx, notifytest.MixOptions{Concurrency: 2, Pace: time.Millisecond})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("RunMix: %d, %v", n, err)
	}
	if _, err := p.RunMix(context.Background(), notifytest.MixOptions{Scenarios: []string{"nope"}}); !errors.Is(err, notifytest.ErrUnknownScenario) {
		t.Fatalf("unknown scenario: %v", err)
	}
}

func TestPlayErrors(t *testing.T) {
	p, _ := start(t)
	bad := notifytest.Script{Name: "bad", Steps: []notifytest.Step{notifytest.Answer(0, "none", "x")}}
	if _, err := p.Play(context.Background(), bad); !errors.Is(err, notifytest.ErrBadStep) || !strings.Contains(err.Error(), `notifytest: bad step: script "bad", step 0 (Answer)`) {
		t.Fatalf("bad step: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	sc, _ := notifytest.ScenarioNamed("internal-hold")
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	res, err := p.Play(ctx, sc.New(p.Cast()), notifytest.WithPace(time.Hour))
	if !errors.Is(err, context.Canceled) || len(res.Events) == 0 {
		t.Fatalf("cancelled play: %d events, %v", len(res.Events), err)
	}
	p.Close()
	if _, err := p.Play(context.Background(), sc.New(p.Cast())); !errors.Is(err, notifytest.ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
}
