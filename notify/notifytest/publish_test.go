package notifytest_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
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

// hookSink is a webhook that passes the handshake and keeps what it is
// sent.
type hookSink struct {
	srv  *httptest.Server
	mu   sync.Mutex
	got  []delivered
	more chan struct{}
}

type delivered struct {
	token string
	event notify.Event
}

func newHookSink(t *testing.T) *hookSink {
	t.Helper()
	h := &hookSink{more: make(chan struct{}, 100)}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v := r.Header.Get("Validation-Token"); v != "" {
			w.Header().Set("Validation-Token", v)
			return
		}
		b, _ := io.ReadAll(r.Body)
		ev, err := notify.Decode(b)
		if err != nil {
			t.Errorf("webhook got an undecodable notification: %v\n%s", err, b)
			return
		}
		h.mu.Lock()
		h.got = append(h.got, delivered{r.Header.Get("Verification-Token"), ev})
		h.mu.Unlock()
		h.more <- struct{}{}
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// wait returns the first n notifications, waiting for them (bounded).
func (h *hookSink) wait(t *testing.T, n int) []delivered {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		h.mu.Lock()
		got := len(h.got)
		h.mu.Unlock()
		if got >= n {
			break
		}
		select {
		case <-h.more:
		case <-timeout:
			t.Fatalf("got %d notifications, want %d", got, n)
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]delivered(nil), h.got...)
}

func TestPublishToWebhooks(t *testing.T) {
	p, clk := start(t)
	alice, bob := token(t, p, "230000101"), token(t, p, "230000102")
	aliceHook, bobHook := newHookSink(t), newHookSink(t)

	simple := create(t, p, alice, webhookReq(aliceHook.srv.URL, 0,
		subscription.ExtensionPresence(""), subscription.ExtensionTelephonySessions("")))
	detailed := create(t, p, bob, webhookReq(bobHook.srv.URL, 0,
		subscription.ExtensionPresence("230000101", subscription.Detailed()),
		subscription.AccountTelephonySessions(subscription.StatusCode("Answered"))))
	blacklisted := create(t, p, bob, webhookReq(bobHook.srv.URL, 0, subscription.AccountPresence()))
	p.Blacklist(blacklisted.ID, "test")

	ctx := context.Background()
	ev := ringing(clk.Now())
	n, err := p.Publish(ctx, "/restapi/v1.0/account/~/extension/230000101/presence", &ev)
	if err != nil || n != 2 {
		t.Fatalf("Publish presence = %d, %v; want 2", n, err)
	}
	sess := testSession(clk.Now())
	if n, err := p.Publish(ctx, "/restapi/v1.0/account/~/extension/~/telephony/sessions", sess); err != nil || n != 2 {
		t.Fatalf("Publish session = %d, %v; want 2", n, err)
	}
	sess.Parties[1].Status.Code = telephony.Proceeding
	sess.Parties[0].Status.Code = telephony.Proceeding
	if n, err := p.Publish(ctx, "/restapi/v1.0/account/~/extension/230000101/telephony/sessions", sess); err != nil || n != 1 {
		t.Fatalf("Publish session not Answered = %d, %v; want 1 (statusCode filter)", n, err)
	}
	if n, err := p.Publish(ctx, "/restapi/v1.0/account/~/extension/230000103/presence", ringing(clk.Now())); err != nil || n != 0 {
		t.Fatalf("Publish to nobody = %d, %v", n, err)
	}

	type summary struct {
		Token, Event, SubscriptionID, OwnerID string
		Calls                                 int
		SIP                                   bool
		Parties                               int
	}
	sum := func(ds []delivered) []summary {
		var out []summary
		for _, d := range ds {
			h := d.event.EventHeader()
			s := summary{Token: d.token, Event: h.Event, SubscriptionID: h.SubscriptionID, OwnerID: h.OwnerID}
			switch e := d.event.(type) {
			case *notify.PresenceEvent:
				s.Calls = len(e.Body.ActiveCalls)
				s.SIP = s.Calls > 0 && e.Body.ActiveCalls[0].SIPData != nil
				if e.Body.OwnerID != h.OwnerID {
					t.Errorf("presence body ownerId %q, envelope %q", e.Body.OwnerID, h.OwnerID)
				}
			case *notify.TelephonyEvent:
				s.Parties = len(e.Body.Parties)
				s.SIP = e.Body.Parties[1].SIPData != nil
			default:
				t.Errorf("unexpected %T", d.event)
			}
			if h.UUID == "" || !h.Timestamp.Equal(clk.Now()) {
				t.Errorf("envelope uuid %q timestamp %v", h.UUID, h.Timestamp)
			}
			out = append(out, s)
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Event < out[j].Event })
		return out
	}
	const tok = "s3cret-verification"
	wantAlice := []summary{
		{tok, "/restapi/v1.0/account/230000001/extension/230000101/presence", simple.ID, "230000101", 0, false, 0},
		{tok, "/restapi/v1.0/account/230000001/extension/230000101/telephony/sessions", simple.ID, "230000101", 0, false, 2},
		{tok, "/restapi/v1.0/account/230000001/extension/230000101/telephony/sessions", simple.ID, "230000101", 0, false, 2},
	}
	wantBob := []summary{
		{tok, "/restapi/v1.0/account/230000001/extension/230000101/presence?detailedTelephonyState=true", detailed.ID, "230000102", 1, false, 0},
		{tok, "/restapi/v1.0/account/230000001/telephony/sessions?statusCode=Answered", detailed.ID, "230000102", 0, false, 2},
	}
	if d := cmp.Diff(wantAlice, sum(aliceHook.wait(t, 3))); d != "" {
		t.Errorf("alice's webhook (-want +got):\n%s", d)
	}
	if d := cmp.Diff(wantBob, sum(bobHook.wait(t, 2))); d != "" {
		t.Errorf("bob's webhook (-want +got):\n%s", d)
	}

	if _, err := p.Publish(ctx, "not a filter", nil); err == nil {
		t.Errorf("Publish accepted a bad resource")
	}
	p.Close()
	if _, err := p.Publish(ctx, "/restapi/v1.0/account/~/extension/~/presence", presence.Event{}); err == nil {
		t.Errorf("Publish after Close succeeded")
	}
}

// TestLogsHoldNoSecrets runs the main paths with a debug logger and checks
// that no credential, token or webhook query reaches the log.
func TestLogsHoldNoSecrets(t *testing.T) {
	var buf syncBuffer
	p, clk := start(t, notifytest.WithLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	ti := login(t, p)
	hook := newHookSink(t)
	create(t, p, ti.AccessToken, webhookReq(hook.srv.URL+"/hook?auth_token=querysecret", 0, subscription.ExtensionPresence("")))
	bad := httptest.NewServer(http.NotFoundHandler())
	bad.Close()
	do(t, p, ti.AccessToken, "POST", "/restapi/v1.0/subscription", webhookReq(bad.URL+"/?auth_token=querysecret", 0, subscription.ExtensionPresence("")))
	if _, err := p.Publish(context.Background(), "/restapi/v1.0/account/~/extension/~/presence", ringing(clk.Now())); err != nil {
		t.Fatal(err)
	}
	hook.wait(t, 1)
	tokenRequest(t, p, "x", "y", jwtForm("wrong.jwt"))
	p.Close()
	log := buf.String()
	if !strings.Contains(log, "subscription created") {
		t.Fatalf("nothing logged:\n%s", log)
	}
	cfg := p.Config()
	for _, secret := range []string{cfg.ClientSecret, cfg.JWT, ti.AccessToken, ti.RefreshToken, "s3cret-verification", "querysecret", "wrong.jwt"} {
		if strings.Contains(log, secret) {
			t.Errorf("log contains %q:\n%s", secret, log)
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
