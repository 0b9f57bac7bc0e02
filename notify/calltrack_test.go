package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
	"github.com/ringwatch/ringwatch/presence"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/telephony"
	"github.com/ringwatch/ringwatch/transport"
)

// telephonyNote is a one-party telephony-session notification of
// extension 1.
func telephonyNote(uuid, session, party string, seq int, code telephony.StatusCode, reason string) []byte {
	return fmt.Appendf(nil, `{"uuid":%q,"event":"/restapi/v1.0/account/~/extension/1/telephony/sessions",`+
		`"timestamp":"2024-05-01T10:00:00.000Z","subscriptionId":"sub-1","ownerId":"1",`+
		`"body":{"sequence":%d,"telephonySessionId":%q,"sessionId":"legacy-%s","parties":[`+
		`{"id":%q,"extensionId":"1","direction":"Inbound","status":{"code":%q,"reason":%q}}]}}`,
		uuid, seq, session, session, party, code, reason)
}

func deliverRaw(t *testing.T, sink transport.Sink, notes ...[]byte) {
	t.Helper()
	for _, n := range notes {
		if err := sink.Deliver(t.Context(), msg(n)); err != nil {
			t.Fatalf("Deliver: %v", err)
		}
	}
}

// describeCalls summarises events, with the call-tracking types in
// detail.
func describeCalls(ev Event) string {
	switch e := ev.(type) {
	case *CallChange:
		s := fmt.Sprintf("call %s/%s %s>%s %s", e.TelephonySessionID, e.PartyID, e.From, e.To, e.Kind)
		if e.Reason != "" {
			s += " (" + e.Reason + ")"
		}
		if e.CallStarted {
			s += " started"
		}
		if e.CallEnded {
			s += " ENDED"
		}
		if e.Resync {
			s += " resync"
		}
		return s + " @" + e.UUID
	case *Resynced:
		return fmt.Sprintf("resynced:%s attempts=%d sessions=%d active=%d", e.Trigger, e.Attempts, e.Sessions, e.Active)
	case *ResyncFailed:
		return fmt.Sprintf("resync-failed:%s attempts=%d", e.Trigger, e.Attempts)
	}
	return describe(ev)
}

func receiveCalls(t *testing.T, s *Subscription, n int) []string {
	t.Helper()
	var got []string
	timeout := time.After(5 * time.Second)
	for len(got) < n {
		select {
		case ev, ok := <-s.Events():
			if !ok {
				t.Fatalf("Events closed after %q, want %d events", got, n)
			}
			if _, ok := ev.(*PresenceChange); ok {
				continue // checked by the presence tests
			}
			got = append(got, describeCalls(ev))
		case <-timeout:
			t.Fatalf("got %q after 5s, want %d events", got, n)
		}
	}
	return got
}

// fakeREST is an in-memory resync source: telephony sessions and
// extension presence, with failures to inject.
type fakeREST struct {
	mu       sync.Mutex
	sessions map[string]*telephony.Session
	presence map[string]*presence.Info
	// fail makes the next fail reads fail.
	fail int
	// block makes reads wait for ctx to end.
	block bool
	// gate, when set, makes reads wait until it is closed.
	gate     chan struct{}
	reads    []string
	accounts int
}

var errUnavailable = errors.New("fake: 503 service unavailable")

func newFakeREST() *fakeREST {
	return &fakeREST{sessions: map[string]*telephony.Session{}, presence: map[string]*presence.Info{}}
}

func (f *fakeREST) enter(ctx context.Context, what string) error {
	f.mu.Lock()
	f.reads = append(f.reads, what)
	block, gate := f.block, f.gate
	fail := f.fail > 0
	if fail {
		f.fail--
	}
	f.mu.Unlock()
	if block {
		<-ctx.Done()
		return ctx.Err()
	}
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if fail {
		return errUnavailable
	}
	return nil
}

func (f *fakeREST) Session(ctx context.Context, accountID, id string) (*telephony.Session, error) {
	if err := f.enter(ctx, "session "+id); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.sessions[id]
	if !ok {
		return nil, fmt.Errorf("fake: GET session %s: %w", id, subscription.ErrNotFound)
	}
	c := *s
	c.Parties = slices.Clone(s.Parties)
	return &c, nil
}

func (f *fakeREST) Extension(ctx context.Context, accountID, ext string) (*presence.Info, error) {
	if err := f.enter(ctx, "presence "+ext); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	info, ok := f.presence[ext]
	if !ok {
		return &presence.Info{Event: presence.Event{ExtensionID: ext, TelephonyStatus: presence.NoCall}}, nil
	}
	c := *info
	c.ActiveCalls = slices.Clone(info.ActiveCalls)
	return &c, nil
}

func (f *fakeREST) Account(ctx context.Context, accountID string, opts *presence.AccountOptions) iter.Seq2[*presence.Info, error] {
	return func(yield func(*presence.Info, error) bool) {
		if err := f.enter(ctx, "account presence"); err != nil {
			yield(nil, err)
			return
		}
		f.mu.Lock()
		f.accounts++
		var infos []*presence.Info
		for _, k := range slices.Sorted(func(y func(string) bool) {
			for k := range f.presence {
				if !y(k) {
					return
				}
			}
		}) {
			c := *f.presence[k]
			infos = append(infos, &c)
		}
		f.mu.Unlock()
		for _, info := range infos {
			if !yield(info, nil) {
				return
			}
		}
	}
}

// setCall puts a call in the fake: its session with the given parties and
// the extension's presence listing it.
func (f *fakeREST) setCall(ext, session string, parties ...telephony.Party) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sessions[session] = &telephony.Session{TelephonySessionID: session, Parties: parties}
	info := f.presence[ext]
	if info == nil {
		info = &presence.Info{Event: presence.Event{ExtensionID: ext}}
		f.presence[ext] = info
	}
	info.TelephonyStatus = presence.CallConnected
	info.ActiveCalls = append(info.ActiveCalls, presence.ActiveCall{
		ID: "call-" + session, TelephonySessionID: session, SessionID: "legacy-" + session,
		PartyID: parties[0].ID, TelephonyStatus: presence.CallConnected,
	})
}

// endCall removes a call from the fake: its session answers 404 and
// presence no longer lists it.
func (f *fakeREST) endCall(ext, session string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.sessions, session)
	if info := f.presence[ext]; info != nil {
		info.ActiveCalls = slices.DeleteFunc(info.ActiveCalls, func(ac presence.ActiveCall) bool {
			return ac.TelephonySessionID == session
		})
		if len(info.ActiveCalls) == 0 {
			info.TelephonyStatus = presence.NoCall
		}
	}
}

func (f *fakeREST) readLog() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.reads
	f.reads = nil
	return out
}

func party(id, ext string, code telephony.StatusCode) telephony.Party {
	return telephony.Party{ID: id, ExtensionID: ext, Direction: telephony.Inbound, Status: telephony.Status{Code: code}}
}

// fastRetry keeps the retries of the tests short.
var fastRetry = ResyncRetry(3, time.Millisecond, 2*time.Millisecond)

func TestCallTrackingEmitsChangesAfterTheirEvent(t *testing.T) {
	leakcheck.Check(t)
	s, ft := subscribe(t, WithCallTracking())
	sink := ft.Sink()
	sink.State(transport.State{Kind: transport.Connected, SubscriptionID: "sub-1"})
	deliverRaw(t, sink,
		telephonyNote("t1", "s-1", "p-1", 1, telephony.Proceeding, ""),
		presenceNote("pr1", 10),
		telephonyNote("t2", "s-1", "p-1", 2, telephony.Answered, ""),
		telephonyNote("t2b", "s-1", "p-1", 2, telephony.Answered, ""), // same sequence: no change
		telephonyNote("t4", "s-1", "p-1", 4, telephony.Hold, ""),
		telephonyNote("t3", "s-1", "p-1", 3, telephony.Answered, ""), // stale: no change
		telephonyNote("t5", "s-1", "p-1", 5, telephony.Answered, ""),
		telephonyNote("t6", "s-1", "p-1", 6, telephony.Disconnected, telephony.ReasonCallFinished),
	)
	want := []string{
		"connected:sub-1",
		"t1", "call s-1/p-1 >Proceeding Ringing started @t1",
		"pr1",
		"t2", "call s-1/p-1 Proceeding>Answered Answered @t2",
		"t2b",
		"t4", "call s-1/p-1 Answered>Hold Held @t4",
		"t3",
		"t5", "call s-1/p-1 Hold>Answered Resumed @t5",
		"t6", "call s-1/p-1 Answered>Disconnected Left (CallFinished) ENDED @t6",
	}
	if diff := cmp.Diff(want, receiveCalls(t, s, len(want))); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	tr := s.Calls()
	if tr == nil {
		t.Fatal("Calls() = nil with call tracking on")
	}
	if got := tr.Snapshot(); len(got) != 0 {
		t.Errorf("Snapshot = %+v, want no active call", got)
	}
	st := tr.Stats()
	if st.Duplicates != 1 || st.Stale != 1 {
		t.Errorf("tracker stats: duplicates %d, stale %d; want 1 and 1", st.Duplicates, st.Stale)
	}
}

func TestCallChangeHeaderIsTheCausingNotification(t *testing.T) {
	leakcheck.Check(t)
	s, ft := subscribe(t, WithCallTracking())
	note := telephonyNote("t1", "s-1", "p-1", 1, telephony.Proceeding, "")
	deliverRaw(t, ft.Sink(), note)
	ev := <-s.Events()
	te, ok := ev.(*TelephonyEvent)
	if !ok {
		t.Fatalf("first event %T, want *TelephonyEvent", ev)
	}
	ev = <-s.Events()
	cc, ok := ev.(*CallChange)
	if !ok {
		t.Fatalf("second event %T, want *CallChange", ev)
	}
	if diff := cmp.Diff(te.Header, cc.Header); diff != "" {
		t.Errorf("CallChange header (-want +got):\n%s", diff)
	}
	want := telephony.Change{
		TelephonySessionID: "s-1", PartyID: "p-1", To: telephony.Proceeding, Sequence: 1,
		Party: te.Body.Parties[0], Kind: telephony.KindRinging, CallStarted: true,
	}
	if diff := cmp.Diff(want, cc.Change); diff != "" {
		t.Errorf("Change (-want +got):\n%s", diff)
	}
}

func TestCallsIsNilWithoutTracking(t *testing.T) {
	leakcheck.Check(t)
	s, _ := subscribe(t)
	if tr := s.Calls(); tr != nil {
		t.Errorf("Calls() = %p without call tracking, want nil", tr)
	}
}

func TestGapResyncEndsVanishedCallsOnce(t *testing.T) {
	leakcheck.Check(t)
	rest := newFakeREST()
	s, ft := subscribe(t, WithCallTracking(ResyncFrom(rest, rest), ResyncExtensions("1"), fastRetry))
	sink := ft.Sink()

	// s-1 and s-2 are answered; s-1 ends during the gap, s-2 goes on
	// (with a remote party the notifications never carried), and s-3
	// starts during the gap.
	deliverRaw(t, sink,
		telephonyNote("a1", "s-1", "p-1", 1, telephony.Answered, ""),
		telephonyNote("b1", "s-2", "p-2", 1, telephony.Answered, ""),
	)
	rest.setCall("1", "s-2", party("p-2", "1", telephony.Answered), party("remote", "", telephony.Answered))
	rest.setCall("1", "s-3", party("p-3", "1", telephony.Proceeding))
	want := []string{
		"a1", "call s-1/p-1 >Answered Answered started @a1",
		"b1", "call s-2/p-2 >Answered Answered started @b1",
	}
	if diff := cmp.Diff(want, receiveCalls(t, s, len(want))); diff != "" {
		t.Fatalf("events before the gap (-want +got):\n%s", diff)
	}

	sink.State(transport.State{Kind: transport.Gap, Reason: "recovery failed"})
	want = []string{
		"gap:recovery failed",
		"call s-3/p-3 >Proceeding Ringing started resync @",
		"call s-1/p-1 Answered>Disconnected Resync (Resync) ENDED resync @",
		"resynced:recovery failed attempts=1 sessions=3 active=2",
	}
	if diff := cmp.Diff(want, receiveCalls(t, s, len(want))); diff != "" {
		t.Errorf("events of the gap (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"presence 1", "session s-2", "session s-3", "session s-1"}, rest.readLog()); diff != "" {
		t.Errorf("REST reads (-want +got):\n%s", diff)
	}
	call, ok := s.Calls().Call("s-2")
	if !ok || len(call.Parties) != 1 || call.SessionID != "legacy-s-2" {
		t.Errorf("s-2 after resync = %+v, want its one party and legacy session id", call)
	}

	// A second gap finds the same state: nothing ends twice; a late
	// notification of s-1 changes nothing; s-2 then ends normally.
	sink.State(transport.State{Kind: transport.Gap, Reason: "again"})
	deliverRaw(t, sink,
		telephonyNote("a2", "s-1", "p-1", 2, telephony.Disconnected, telephony.ReasonCallFinished),
		telephonyNote("b2", "s-2", "p-2", 2, telephony.Disconnected, telephony.ReasonCallFinished),
	)
	want = []string{
		"gap:again",
		"resynced:again attempts=1 sessions=2 active=2",
		"a2",
		"b2", "call s-2/p-2 Answered>Disconnected Left (CallFinished) ENDED @b2",
	}
	if diff := cmp.Diff(want, receiveCalls(t, s, len(want))); diff != "" {
		t.Errorf("events after the second gap (-want +got):\n%s", diff)
	}
	if got := s.Calls().Stats().Late; got != 1 {
		t.Errorf("late updates = %d, want 1 (the end of s-1 after the resync)", got)
	}
}

func TestResyncIsRetried(t *testing.T) {
	leakcheck.Check(t)
	rest := newFakeREST()
	s, ft := subscribe(t, WithCallTracking(ResyncFrom(rest, rest), ResyncExtensions("1"), fastRetry))
	sink := ft.Sink()
	deliverRaw(t, sink, telephonyNote("a1", "s-1", "p-1", 1, telephony.Answered, ""))
	rest.mu.Lock()
	rest.fail = 2
	rest.mu.Unlock()
	sink.State(transport.State{Kind: transport.Gap, Reason: "blacklisted"})
	want := []string{
		"a1", "call s-1/p-1 >Answered Answered started @a1",
		"gap:blacklisted",
		"call s-1/p-1 Answered>Disconnected Resync (Resync) ENDED resync @",
		"resynced:blacklisted attempts=3 sessions=1 active=0",
	}
	if diff := cmp.Diff(want, receiveCalls(t, s, len(want))); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"presence 1", "presence 1", "presence 1", "session s-1"}, rest.readLog()); diff != "" {
		t.Errorf("REST reads (-want +got):\n%s", diff)
	}
}

func TestResyncFailureIsReportedAndTheStreamGoesOn(t *testing.T) {
	leakcheck.Check(t)
	rest := newFakeREST()
	s, ft := subscribe(t, WithCallTracking(ResyncFrom(rest, rest), ResyncExtensions("1"), fastRetry))
	sink := ft.Sink()
	deliverRaw(t, sink, telephonyNote("a1", "s-1", "p-1", 1, telephony.Answered, ""))
	rest.setCall("1", "s-1", party("p-1", "1", telephony.Answered))
	rest.mu.Lock()
	rest.fail = 1 + 3 // the presence read, then the session read of each attempt
	rest.mu.Unlock()
	sink.State(transport.State{Kind: transport.Gap, Reason: "recovery failed"})
	var failed *ResyncFailed
	got := receiveCalls(t, s, 3)
	want := []string{
		"a1", "call s-1/p-1 >Answered Answered started @a1",
		"gap:recovery failed",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("events (-want +got):\n%s", diff)
	}
	select {
	case ev := <-s.Events():
		failed, _ = ev.(*ResyncFailed)
		if failed == nil {
			t.Fatalf("after the gap: %s, want *ResyncFailed", describeCalls(ev))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no *ResyncFailed")
	}
	if failed.Attempts != 3 || !errors.Is(failed.Err, errUnavailable) || failed.Trigger != "recovery failed" {
		t.Errorf("ResyncFailed = %+v, want 3 attempts, the 503, the gap's reason", failed)
	}
	// The call is still tracked, and the stream goes on.
	deliverRaw(t, sink, telephonyNote("a2", "s-1", "p-1", 2, telephony.Disconnected, telephony.ReasonCallFinished))
	want = []string{"a2", "call s-1/p-1 Answered>Disconnected Left (CallFinished) ENDED @a2"}
	if diff := cmp.Diff(want, receiveCalls(t, s, len(want))); diff != "" {
		t.Errorf("events after the failure (-want +got):\n%s", diff)
	}
}

func TestResyncWithoutSourceDoesNothing(t *testing.T) {
	leakcheck.Check(t)
	s, ft := subscribe(t, WithCallTracking())
	sink := ft.Sink()
	deliverRaw(t, sink, telephonyNote("a1", "s-1", "p-1", 1, telephony.Answered, ""))
	sink.State(transport.State{Kind: transport.Gap, Reason: "recovery failed"})
	deliverRaw(t, sink, telephonyNote("a2", "s-1", "p-1", 2, telephony.Hold, ""))
	want := []string{
		"a1", "call s-1/p-1 >Answered Answered started @a1",
		"gap:recovery failed",
		"a2", "call s-1/p-1 Answered>Hold Held @a2",
	}
	if diff := cmp.Diff(want, receiveCalls(t, s, len(want))); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestResyncAccountScopeAndOnConnect(t *testing.T) {
	leakcheck.Check(t)
	rest := newFakeREST()
	rest.setCall("1", "s-1", party("p-1", "1", telephony.Answered), party("p-9", "", telephony.Answered))
	rest.setCall("2", "s-2", party("p-2", "2", telephony.Hold), party("p-21", "21", telephony.Answered))
	s, ft := subscribe(t, WithCallTracking(ResyncFrom(rest, rest), ResyncAccount(50), ResyncOnConnect(), fastRetry))
	sink := ft.Sink()
	sink.State(transport.State{Kind: transport.Connected, SubscriptionID: "sub-1"})
	sink.State(transport.State{Kind: transport.Reconnecting, Attempt: 1})
	sink.State(transport.State{Kind: transport.Connected, SubscriptionID: "sub-1"}) // not the first: no resync
	want := []string{
		"connected:sub-1",
		"call s-1/p-1 >Answered Answered started resync @",
		"call s-2/p-2 >Hold Held started resync @",
		"call s-2/p-21 >Answered Answered resync @",
		"resynced:connected attempts=1 sessions=2 active=2",
		"reconnecting:1",
		"connected:sub-1",
	}
	if diff := cmp.Diff(want, receiveCalls(t, s, len(want))); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"account presence", "session s-1", "session s-2"}, rest.readLog()); diff != "" {
		t.Errorf("REST reads (-want +got):\n%s", diff)
	}
}

func TestResyncMaxSessionsKeepsTheRest(t *testing.T) {
	leakcheck.Check(t)
	rest := newFakeREST()
	s, ft := subscribe(t, WithCallTracking(ResyncFrom(rest, nil), ResyncMaxSessions(1), fastRetry))
	sink := ft.Sink()
	deliverRaw(t, sink,
		telephonyNote("a1", "s-1", "p-1", 1, telephony.Answered, ""),
		telephonyNote("b1", "s-2", "p-2", 1, telephony.Answered, ""),
	)
	sink.State(transport.State{Kind: transport.Gap, Reason: "gap"})
	want := []string{
		"a1", "call s-1/p-1 >Answered Answered started @a1",
		"b1", "call s-2/p-2 >Answered Answered started @b1",
		"gap:gap",
		"call s-1/p-1 Answered>Disconnected Resync (Resync) ENDED resync @",
		"resynced:gap attempts=1 sessions=1 active=1",
	}
	if diff := cmp.Diff(want, receiveCalls(t, s, len(want))); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"session s-1"}, rest.readLog()); diff != "" {
		t.Errorf("REST reads (-want +got):\n%s", diff)
	}
}

func TestCloseStopsAResync(t *testing.T) {
	leakcheck.Check(t)
	rest := newFakeREST()
	rest.block = true
	s, ft := subscribe(t, WithCallTracking(ResyncFrom(rest, rest), fastRetry))
	done := make(chan struct{})
	go func() {
		defer close(done)
		ft.Sink().State(transport.State{Kind: transport.Gap, Reason: "gap"})
	}()
	waitFor(t, "the resync to start", func() bool {
		rest.mu.Lock()
		defer rest.mu.Unlock()
		return len(rest.reads) > 0
	})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("State did not return after Close")
	}
	if got := rest.readLog(); len(got) != 1 {
		t.Errorf("reads = %q, want the one that was stopped", got)
	}
}

func TestWaitThroughCalls(t *testing.T) {
	leakcheck.Check(t)
	tr := telephony.NewTracker()
	s, ft := subscribe(t, WithCallTracking(UseTracker(tr)))
	if s.Calls() != tr {
		t.Fatal("Calls() is not the tracker given to UseTracker")
	}
	type result struct {
		p   telephony.Party
		err error
	}
	answered, ended := make(chan result, 1), make(chan result, 1)
	go func() {
		p, err := s.Calls().Wait(t.Context(), "s-1", "p-1", telephony.Answered)
		answered <- result{p, err}
	}()
	go func() {
		// Never reached: the call ends before it is parked.
		p, err := s.Calls().Wait(t.Context(), "s-1", "", telephony.Parked)
		ended <- result{p, err}
	}()
	// Wait returns at once for a state already reached, so the waiters
	// need not have registered before the notifications are applied.
	deliverRaw(t, ft.Sink(),
		telephonyNote("a1", "s-1", "p-1", 1, telephony.Proceeding, ""),
		telephonyNote("a2", "s-1", "p-1", 2, telephony.Answered, ""),
	)
	r := <-answered
	if r.err != nil || r.p.ID != "p-1" || r.p.Status.Code != telephony.Answered {
		t.Errorf("Wait(Answered) = %+v, %v", r.p, r.err)
	}
	deliverRaw(t, ft.Sink(), telephonyNote("a3", "s-1", "p-1", 3, telephony.Disconnected, telephony.ReasonCallFinished))
	r = <-ended
	if !errors.Is(r.err, telephony.ErrCallEnded) {
		t.Errorf("Wait(Parked) = %+v, %v; want ErrCallEnded", r.p, r.err)
	}
}

// detailedNote is a detailed presence notification of extension ext
// (without extensionId in the body when bodyExt is false).
func detailedNote(uuid, ext string, bodyExt bool, seq int, status presence.TelephonyStatus, dnd string, calls ...presence.ActiveCall) []byte {
	body := presence.Event{TelephonyStatus: status, Sequence: int64(seq), DNDStatus: dnd,
		ActiveCalls: calls, TotalActiveCalls: len(calls)}
	if bodyExt {
		body.ExtensionID = ext
	}
	b, _ := json.Marshal(body)
	return fmt.Appendf(nil, `{"uuid":%q,"event":"/restapi/v1.0/account/~/extension/%s/presence?detailedTelephonyState=true",`+
		`"timestamp":"2024-05-01T10:00:00.000Z","subscriptionId":"sub-1","ownerId":"1","body":%s}`, uuid, ext, b)
}

func activeCall(session, party string, st presence.TelephonyStatus) presence.ActiveCall {
	return presence.ActiveCall{ID: "call-" + session, TelephonySessionID: session, PartyID: party, TelephonyStatus: st}
}

// describePresence summarises the presence events and changes.
func describePresence(ev Event) string {
	switch e := ev.(type) {
	case *PresenceChange:
		s := fmt.Sprintf("presence %s", e.ExtensionID)
		if e.TelephonyStatusChanged {
			s += fmt.Sprintf(" %s>%s", e.From, e.To)
		}
		for _, c := range e.Calls {
			s += fmt.Sprintf(" [%s %s %s>%s]", c.Kind, c.Key, c.From, c.To)
		}
		for _, a := range e.Availability {
			s += fmt.Sprintf(" {%s=%s}", a.Field, a.To)
		}
		if !e.CallRelated {
			s += " not-call"
		}
		if e.Resync {
			s += " resync"
		}
		return s + " @" + e.UUID
	case *CallChange:
		return "" // checked by the call tests
	}
	return describeCalls(ev)
}

func receivePresence(t *testing.T, s *Subscription, n int) []string {
	t.Helper()
	var got []string
	timeout := time.After(5 * time.Second)
	for len(got) < n {
		select {
		case ev, ok := <-s.Events():
			if !ok {
				t.Fatalf("Events closed after %q, want %d events", got, n)
			}
			if d := describePresence(ev); d != "" {
				got = append(got, d)
			}
		case <-timeout:
			t.Fatalf("got %q after 5s, want %d events", got, n)
		}
	}
	return got
}

func TestCallTrackingEmitsPresenceChanges(t *testing.T) {
	leakcheck.Check(t)
	s, ft := subscribe(t, WithCallTracking())
	deliverRaw(t, ft.Sink(),
		detailedNote("p1", "1", true, 10, presence.Ringing, "TakeAllCalls", activeCall("s-1", "p-1", presence.Ringing)),
		detailedNote("p3", "1", false, 12, presence.CallConnected, "", activeCall("s-1", "p-1", presence.CallConnected)),
		detailedNote("p2", "1", true, 11, presence.CallConnected, "", activeCall("s-1", "p-1", presence.CallConnected)), // stale
		detailedNote("p4", "1", true, 13, "", "DoNotAcceptAnyCalls", activeCall("s-1", "p-1", presence.CallConnected)),
		detailedNote("p5", "1", true, 14, presence.NoCall, "", activeCall("s-1", "p-1", presence.NoCall)),
	)
	want := []string{
		"p1", "presence 1 >Ringing [Appeared s-1/p-1 >Ringing] {dndStatus=TakeAllCalls} @p1",
		"p3", "presence 1 Ringing>CallConnected [StatusChanged s-1/p-1 Ringing>CallConnected] @p3",
		"p2",
		"p4", "presence 1 {dndStatus=DoNotAcceptAnyCalls} not-call @p4",
		"p5", "presence 1 CallConnected>NoCall [Ended s-1/p-1 CallConnected>NoCall] @p5",
	}
	if diff := cmp.Diff(want, receivePresence(t, s, len(want))); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if st := s.Presence().Stats(); st.Stale != 1 || st.Extensions != 1 {
		t.Errorf("presence tracker stats = %+v, want 1 stale, 1 extension", st)
	}
}

func TestGapResyncReconcilesPresence(t *testing.T) {
	leakcheck.Check(t)
	rest := newFakeREST()
	pt := presence.NewTracker()
	s, ft := subscribe(t, WithCallTracking(ResyncFrom(rest, rest), ResyncExtensions("1", "2"),
		UsePresenceTracker(pt), fastRetry))
	if s.Presence() != pt {
		t.Fatal("Presence() is not the tracker given to UsePresenceTracker")
	}
	sink := ft.Sink()
	rest.setCall("1", "s-1", party("p-1", "1", telephony.Answered))
	deliverRaw(t, sink,
		detailedNote("p1", "1", true, 10, presence.CallConnected, "", activeCall("s-1", "p-1", presence.CallConnected)),
		telephonyNote("t1", "s-1", "p-1", 1, telephony.Answered, ""),
	)
	// During the gap s-1 ends, and extension 2 (never notified) gets a
	// call: only extension 1's presence is reported.
	rest.endCall("1", "s-1")
	rest.setCall("2", "s-2", party("p-2", "2", telephony.Proceeding))
	sink.State(transport.State{Kind: transport.Gap, Reason: "gap"})
	want := []string{
		"p1", "presence 1 >CallConnected [Appeared s-1/p-1 >CallConnected] @p1",
		"t1",
		"gap:gap",
		"presence 1 CallConnected>NoCall [Vanished s-1/p-1 CallConnected>NoCall] resync @",
		"resynced:gap attempts=1 sessions=2 active=1",
	}
	if diff := cmp.Diff(want, receivePresence(t, s, len(want))); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"presence 1", "presence 2", "session s-2", "session s-1"}, rest.readLog()); diff != "" {
		t.Errorf("REST reads (-want +got):\n%s", diff)
	}
	if _, ok := pt.State("2"); ok {
		t.Error("extension 2 is tracked though no notification was about it")
	}
}

func TestReorderWindowReleasesAsEventsGoBy(t *testing.T) {
	leakcheck.Check(t)
	var mu sync.Mutex
	now := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	advance := func(d time.Duration) {
		mu.Lock()
		now = now.Add(d)
		mu.Unlock()
	}
	s, ft := subscribe(t, WithCallTracking(TrackerOptions(
		telephony.WithReorderWindow(time.Second), telephony.WithTrackerClock(clock))))
	sink := ft.Sink()
	deliverRaw(t, sink,
		telephonyNote("t2", "s-1", "p-1", 2, telephony.Answered, ""),
		telephonyNote("t1", "s-1", "p-1", 1, telephony.Proceeding, ""),
	)
	advance(2 * time.Second)
	deliverRaw(t, sink, presenceNote("pr", 5)) // releases both, in sequence order
	deliverRaw(t, sink, telephonyNote("t3", "s-1", "p-1", 3, telephony.Hold, ""))
	advance(2 * time.Second)
	sink.State(transport.State{Kind: transport.Reconnecting, Attempt: 1})
	want := []string{
		"t2", "t1",
		"pr",
		"call s-1/p-1 >Proceeding Ringing started @pr",
		"call s-1/p-1 Proceeding>Answered Answered @pr",
		"t3",
		"reconnecting:1",
		"call s-1/p-1 Answered>Hold Held @",
	}
	if diff := cmp.Diff(want, receiveCalls(t, s, len(want))); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}
