package webhook

import (
	"context"
	"errors"
	"github.com/ringwatch/ringwatch"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/transport"
)

const hookURL = "https://hooks.example.com/rc"

var presenceFilter = subscription.ExtensionPresence("", subscription.Detailed())

type rig struct {
	clk  *fakeClock
	api  *fakeAPI
	sink *fakeSink
	tr   *Transport
}

// open starts a Transport over a fake API with a 1 h lifetime and a
// 10 min check interval.
func open(t *testing.T, opts ...Option) *rig {
	t.Helper()
	leakcheck.Check(t)
	clk := newFakeClock()
	r := &rig{clk: clk, api: newFakeAPI(clk), sink: &fakeSink{}}
	opts = append([]Option{withClock(clk), WithCheckInterval(10 * time.Minute), WithReconnectBackoff(time.Second, 4*time.Second)}, opts...)
	r.tr = newWithAPI(r.api, hookURL, opts...)
	if err := r.tr.Open(context.Background(), []subscription.Filter{presenceFilter}, r.sink); err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = r.tr.Close(context.Background()) })
	r.waitIdle(t)
	return r
}

// waitIdle waits until the run loop is waiting on a timer.
func (r *rig) waitIdle(t *testing.T) {
	t.Helper()
	waitFor(t, "the transport to wait", func() bool { return r.clk.pending() > 0 })
}

// advance moves the clock and waits until the loop waits again with calls
// more API calls made.
func (r *rig) advance(t *testing.T, d time.Duration, calls int) {
	t.Helper()
	before := len(r.api.Calls())
	r.clk.Advance(d)
	waitFor(t, "API calls", func() bool { return len(r.api.Calls()) >= before+calls })
	r.waitIdle(t)
}

// notify posts a notification to the Transport's handler.
func (r *rig) notify(t *testing.T, body, token string) int {
	t.Helper()
	a, _ := serve(r.tr.Handler(), post(body, "Verification-Token", token))
	return a.Status
}

var ignoreAt = cmpopts.IgnoreFields(transport.State{}, "At")

func TestOpenCreatesWebhookSubscription(t *testing.T) {
	r := open(t)
	r.api.mu.Lock()
	req := r.api.creates[0]
	r.api.mu.Unlock()
	tok := req.DeliveryMode.VerificationToken
	if len(tok) < 32 {
		t.Errorf("verification token %q is too short", tok)
	}
	want := subscription.CreateRequest{
		EventFilters: []subscription.Filter{presenceFilter, subscription.RenewalReminder(DefaultLifetime/3, DefaultLifetime/12)},
		DeliveryMode: subscription.DeliveryMode{TransportType: "WebHook", Address: hookURL, VerificationToken: tok},
	}
	if d := cmp.Diff(want, req); d != "" {
		t.Errorf("create request (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]transport.State{{Kind: transport.Connected, SubscriptionID: "sub-1"}}, r.sink.States(), ignoreAt); d != "" {
		t.Errorf("states (-want +got):\n%s", d)
	}
	if r.tr.SubscriptionID() != "sub-1" || r.tr.VerificationToken() != tok {
		t.Errorf("SubscriptionID/VerificationToken = %q/%v", r.tr.SubscriptionID(), r.tr.VerificationToken() == tok)
	}
	if s := r.notify(t, presenceNote, tok); s != 200 {
		t.Errorf("notification with the token: %d", s)
	}
	if s := r.notify(t, presenceNote, "guess"); s != 401 {
		t.Errorf("notification with another token: %d", s)
	}
	if d := cmp.Diff([]string{presenceNote}, r.sink.Msgs()); d != "" {
		t.Errorf("delivered (-want +got):\n%s", d)
	}
	// A second token from another Transport differs.
	other := newWithAPI(r.api, hookURL)
	if other.createRequest(nil).DeliveryMode.VerificationToken != "" {
		t.Errorf("token set before create")
	}
}

func TestOpenKeepsCallersReminder(t *testing.T) {
	leakcheck.Check(t)
	tr := newWithAPI(newFakeAPI(newFakeClock()), hookURL, WithExpiresIn(time.Hour), WithRenewalReminder(10*time.Minute, time.Minute))
	got := tr.createRequest([]subscription.Filter{presenceFilter}).EventFilters
	want := []subscription.Filter{presenceFilter, subscription.RenewalReminder(10*time.Minute, time.Minute)}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("filters (-want +got):\n%s", d)
	}
	own := subscription.RenewalReminder(time.Hour, 5*time.Minute)
	if got := tr.createRequest([]subscription.Filter{presenceFilter, own}).EventFilters; len(got) != 2 || got[1] != own {
		t.Errorf("caller's reminder replaced: %v", got)
	}
	tr2 := newWithAPI(nil, hookURL, WithoutRenewalReminder())
	if got := tr2.createRequest([]subscription.Filter{presenceFilter}).EventFilters; len(got) != 1 {
		t.Errorf("WithoutRenewalReminder: %v", got)
	}
}

const reminderNote = `{"uuid":"r1","event":"/restapi/v1.0/subscription/~?threshold=80&interval=30","timestamp":"2024-01-01T00:00:00Z","subscriptionId":"sub-1","body":{"expiresIn":75}}`

func TestRenewOnReminder(t *testing.T) {
	r := open(t)
	if s := r.notify(t, reminderNote, r.tr.VerificationToken()); s != 200 {
		t.Fatalf("reminder: %d", s)
	}
	waitFor(t, "renewal", func() bool { return r.tr.Stats().Renewals == 1 })
	if d := cmp.Diff([]string{"create", "renew sub-1"}, r.api.Calls()); d != "" {
		t.Errorf("calls (-want +got):\n%s", d)
	}
	// The reminder is still delivered.
	if d := cmp.Diff([]string{reminderNote}, r.sink.Msgs()); d != "" {
		t.Errorf("delivered (-want +got):\n%s", d)
	}
}

func TestRenewOnTimer(t *testing.T) {
	r := open(t, WithCheckInterval(24*time.Hour))
	// Lifetime 1 h: the timer renews 10 min (a sixth) before expiry.
	r.clk.Advance(49 * time.Minute)
	if r.tr.Stats().Renewals != 0 {
		t.Fatalf("renewed too early")
	}
	r.advance(t, time.Minute, 1)
	if d := cmp.Diff([]string{"create", "renew sub-1"}, r.api.Calls()); d != "" {
		t.Errorf("calls (-want +got):\n%s", d)
	}
	// The next renewal is 50 min after this one.
	r.advance(t, 50*time.Minute, 1)
	if n := r.tr.Stats().Renewals; n != 2 {
		t.Errorf("renewals %d, want 2", n)
	}
}

func TestRenewRetriesWithBackoff(t *testing.T) {
	r := open(t, WithCheckInterval(24*time.Hour), WithRenewBefore(5*time.Minute))
	r.api.fail("renew", &ringwatch.APIError{StatusCode: 503})
	r.advance(t, 55*time.Minute, 1)
	if s := r.tr.Stats(); s.RenewFailures != 1 || s.Renewals != 0 {
		t.Fatalf("stats %+v", s)
	}
	r.advance(t, 4*time.Second, 1) // within the backoff's cap
	if s := r.tr.Stats(); s.RenewFailures != 1 || s.Renewals != 1 {
		t.Errorf("stats %+v", s)
	}
}

func TestBlacklistedIsRecreatedWithGap(t *testing.T) {
	r := open(t)
	oldTok := r.tr.VerificationToken()
	r.advance(t, 10*time.Minute, 1) // a good check
	r.clk.Advance(2 * time.Minute)
	if s := r.notify(t, presenceNote, oldTok); s != 200 { // the last good delivery
		t.Fatalf("notification: %d", s)
	}
	lastDelivery := r.clk.Now()
	r.api.blacklist("sub-1")
	r.advance(t, 8*time.Minute, 3)
	now := r.clk.Now()
	if d := cmp.Diff([]string{"create", "get sub-1", "get sub-1", "delete sub-1", "create"}, r.api.Calls()); d != "" {
		t.Errorf("calls (-want +got):\n%s", d)
	}
	want := []transport.State{
		{Kind: transport.Connected, SubscriptionID: "sub-1"},
		{Kind: transport.Resubscribed, At: now, SubscriptionID: "sub-2", Reason: "blacklisted"},
		{Kind: transport.Gap, At: now, Since: lastDelivery, Until: now, SubscriptionID: "sub-2", Reason: "blacklisted"},
	}
	if d := cmp.Diff(want, r.sink.States(), cmpopts.IgnoreFields(transport.State{}, "At"), cmpopts.EquateApproxTime(0)); d != "" {
		t.Errorf("states (-want +got):\n%s", d)
	}
	newTok := r.tr.VerificationToken()
	if newTok == oldTok || newTok == "" {
		t.Errorf("token not rotated")
	}
	if s := r.notify(t, presenceNote, oldTok); s != 401 {
		t.Errorf("old token: %d, want 401", s)
	}
	if s := r.notify(t, presenceNote, newTok); s != 200 {
		t.Errorf("new token: %d, want 200", s)
	}
	if st := r.tr.Stats(); st.Resubscriptions != 1 || st.Checks != 2 {
		t.Errorf("stats %+v", st)
	}
}

func TestNotFoundIsRecreatedWithGap(t *testing.T) {
	r := open(t)
	r.advance(t, 10*time.Minute, 1)
	goodCheck := r.clk.Now()
	r.api.remove("sub-1")
	r.advance(t, 10*time.Minute, 3)
	now := r.clk.Now()
	if d := cmp.Diff([]string{"create", "get sub-1", "get sub-1", "delete sub-1", "create"}, r.api.Calls()); d != "" {
		t.Errorf("calls (-want +got):\n%s", d)
	}
	want := []transport.State{
		{Kind: transport.Connected, SubscriptionID: "sub-1"},
		{Kind: transport.Resubscribed, SubscriptionID: "sub-2", Reason: "not found"},
		{Kind: transport.Gap, Since: goodCheck, Until: now, SubscriptionID: "sub-2", Reason: "not found"},
	}
	if d := cmp.Diff(want, r.sink.States(), ignoreAt); d != "" {
		t.Errorf("states (-want +got):\n%s", d)
	}
}

func TestRenewNotFoundIsRecreated(t *testing.T) {
	r := open(t)
	r.api.remove("sub-1")
	if s := r.notify(t, reminderNote, r.tr.VerificationToken()); s != 200 {
		t.Fatal(s)
	}
	waitFor(t, "re-creation", func() bool { return r.tr.Stats().Resubscriptions == 1 })
	if d := cmp.Diff([]string{"create", "renew sub-1", "delete sub-1", "create"}, r.api.Calls()); d != "" {
		t.Errorf("calls (-want +got):\n%s", d)
	}
}

func TestRecreateRetriesCreate(t *testing.T) {
	r := open(t)
	r.api.remove("sub-1")
	r.api.fail("create", &ringwatch.APIError{StatusCode: 429, RetryAfter: 3 * time.Second})
	r.advance(t, 10*time.Minute, 3) // get, delete, failed create; then it waits
	r.advance(t, 3*time.Second, 1)  // Retry-After honoured
	waitFor(t, "re-creation", func() bool { return r.tr.Stats().Resubscriptions == 1 })
	states := r.sink.States()
	kinds := []transport.StateKind{}
	for _, s := range states {
		kinds = append(kinds, s.Kind)
	}
	want := []transport.StateKind{transport.Connected, transport.Reconnecting, transport.Resubscribed, transport.Gap}
	if d := cmp.Diff(want, kinds); d != "" {
		t.Errorf("state kinds (-want +got):\n%s", d)
	}
}

func TestCloseDeletesOrKeeps(t *testing.T) {
	r := open(t)
	if err := r.tr.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r.api.has("sub-1") {
		t.Errorf("subscription not deleted")
	}
	if err := r.tr.Close(context.Background()); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if s := r.notify(t, presenceNote, r.tr.VerificationToken()); s != http.StatusServiceUnavailable {
		t.Errorf("after Close: %d, want 503", s)
	}
	if err := r.tr.Open(context.Background(), []subscription.Filter{presenceFilter}, r.sink); !errors.Is(err, transport.ErrClosed) {
		t.Errorf("Open after Close: %v", err)
	}

	k := open(t, KeepSubscription())
	if err := k.tr.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !k.api.has("sub-1") {
		t.Errorf("KeepSubscription: subscription deleted")
	}
}

func TestCloseBeforeOpen(t *testing.T) {
	tr := newWithAPI(newFakeAPI(newFakeClock()), hookURL)
	if err := tr.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestOpenTwice(t *testing.T) {
	r := open(t)
	if err := r.tr.Open(context.Background(), []subscription.Filter{presenceFilter}, r.sink); !errors.Is(err, transport.ErrAlreadyOpen) {
		t.Errorf("second Open: %v", err)
	}
}

func TestAdoptSubscription(t *testing.T) {
	// A first Transport keeps its subscription.
	first := open(t, KeepSubscription())
	id, tok := first.tr.SubscriptionID(), first.tr.VerificationToken()
	if err := first.tr.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	// A second one adopts it.
	sink := &fakeSink{}
	tr := newWithAPI(first.api, hookURL, withClock(first.clk), WithSubscription(id, tok))
	if err := tr.Open(context.Background(), []subscription.Filter{presenceFilter}, sink); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"create", "get sub-1"}, first.api.Calls()); d != "" {
		t.Errorf("calls (-want +got):\n%s", d)
	}
	if s, _ := serve(tr.Handler(), post(presenceNote, "Verification-Token", tok)); s.Status != 200 {
		t.Errorf("adopted token: %d", s.Status)
	}
	if err := tr.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if first.api.has(id) {
		t.Errorf("adopted subscription not deleted at Close")
	}

	// Adopting a vanished one creates a new one and reports a gap.
	sink = &fakeSink{}
	tr = newWithAPI(first.api, hookURL, withClock(first.clk), WithSubscription("gone", "t"))
	if err := tr.Open(context.Background(), []subscription.Filter{presenceFilter}, sink); err != nil {
		t.Fatal(err)
	}
	defer tr.Close(context.Background())
	now := first.clk.Now()
	want := []transport.State{
		{Kind: transport.Connected, SubscriptionID: "sub-2"},
		{Kind: transport.Gap, Until: now, SubscriptionID: "sub-2", Reason: "adopted subscription lost"},
	}
	if d := cmp.Diff(want, sink.States(), ignoreAt); d != "" {
		t.Errorf("states (-want +got):\n%s", d)
	}
}

func TestOpenRetriesTemporaryCreateErrors(t *testing.T) {
	leakcheck.Check(t)
	clk := newFakeClock()
	api := newFakeAPI(clk)
	api.fail("create", &ringwatch.APIError{StatusCode: 429, RetryAfter: 2 * time.Second})
	tr := newWithAPI(api, hookURL, withClock(clk))
	defer tr.Close(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- tr.Open(context.Background(), []subscription.Filter{presenceFilter}, &fakeSink{}) }()
	waitFor(t, "the retry wait", func() bool { return clk.pending() > 0 })
	clk.Advance(2 * time.Second)
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"create", "create"}, api.Calls()); d != "" {
		t.Errorf("calls (-want +got):\n%s", d)
	}

	api.fail("create", &ringwatch.APIError{StatusCode: 403, Code: "SUB-505"})
	tr2 := newWithAPI(api, hookURL, withClock(clk))
	err := tr2.Open(context.Background(), []subscription.Filter{presenceFilter}, &fakeSink{})
	var ae *ringwatch.APIError
	if !errors.As(err, &ae) || ae.Code != "SUB-505" {
		t.Errorf("Open: %v, want the SUB-505 APIError", err)
	}
	if err := tr2.Close(context.Background()); err != nil {
		t.Errorf("Close after failed Open: %v", err)
	}
}

func TestCloseDuringOpenAbortsCreate(t *testing.T) {
	leakcheck.Check(t)
	clk := newFakeClock()
	api := newFakeAPI(clk)
	api.fail("create", &ringwatch.APIError{StatusCode: 503}, &ringwatch.APIError{StatusCode: 503})
	tr := newWithAPI(api, hookURL, withClock(clk))
	errc := make(chan error, 1)
	go func() { errc <- tr.Open(context.Background(), []subscription.Filter{presenceFilter}, &fakeSink{}) }()
	waitFor(t, "the retry wait", func() bool { return clk.pending() > 0 })
	done := make(chan error, 1)
	go func() { done <- tr.Close(context.Background()) }()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Open: %v, want canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Open did not return after Close")
	}
	if err := <-done; err != nil {
		t.Errorf("Close: %v", err)
	}
}
