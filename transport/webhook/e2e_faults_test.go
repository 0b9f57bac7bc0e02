package webhook_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/telephony"
)

// A 429 on create is retried after RingCentral's default 30 s (of fake
// time); then presence and telephony events flow, and Close removes the
// subscription.
func TestE2ERateLimitedCreate(t *testing.T) {
	var mu sync.Mutex
	var waits []time.Duration
	sleep := func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		waits = append(waits, d)
		mu.Unlock()
		return ctx.Err()
	}
	e := startE2EWith(t, func(p *notifytest.Platform) {
		p.FailNext(http.MethodPost, "/restapi/v1.0/subscription", http.StatusTooManyRequests, "", 1)
	}, sleep)
	mu.Lock()
	if d := cmp.Diff([]time.Duration{30 * time.Second}, waits); d != "" {
		t.Errorf("retry waits (-want +got):\n%s", d)
	}
	mu.Unlock()
	creates := 0
	for _, r := range e.p.Requests() {
		if r.Method == http.MethodPost && r.Path == "/restapi/v1.0/subscription" {
			creates++
		}
	}
	if creates != 2 {
		t.Errorf("%d creates, want 2 (the 429 and its retry)", creates)
	}
	e.publishPresence(t, 1)
	if s := e.nextSeq(t); s != 1 {
		t.Errorf("presence sequence %d, want 1", s)
	}
	e.publishSession(t, "s-1", telephony.Setup)
	e.checkSession(t, "s-1", telephony.Setup)
	if err := e.sub.Close(); err != nil {
		t.Fatal(err)
	}
	if subs := e.p.Subscriptions(); len(subs) != 0 {
		t.Errorf("subscriptions left after Close: %d", len(subs))
	}
}

// The platform invalidates the access tokens mid-stream: the renewal that
// a RenewalReminder asks for meets 401 OAU-128, the client refreshes the
// token and renews again, and events keep flowing on the same
// subscription with no gap.
func TestE2ETokenExpiryMidStream(t *testing.T) {
	e := startE2E(t)
	id := e.tr.SubscriptionID()
	e.publishPresence(t, 1)
	if s := e.nextSeq(t); s != 1 {
		t.Fatalf("presence sequence %d, want 1", s)
	}

	e.p.ResetRequests()
	e.p.ExpireTokens()
	if n, err := e.p.Publish(context.Background(), "/restapi/v1.0/subscription/~?threshold=86400&interval=21600", map[string]int{"expiresIn": 86000}); err != nil || n != 1 {
		t.Fatalf("Publish reminder = %d, %v", n, err)
	}
	if _, ok := e.next(t).(*notify.RenewalReminder); !ok {
		t.Fatal("want *notify.RenewalReminder")
	}
	waitE2E(t, "the renewal", func() bool { return e.tr.Stats().Renewals == 1 })

	var sent []string
	bearers := map[string]int{}
	for _, r := range e.p.Requests() {
		switch {
		case r.Path == "/restapi/oauth/token":
			form, _ := url.ParseQuery(string(r.Body))
			sent = append(sent, "grant "+form.Get("grant_type"))
		case strings.HasSuffix(r.Path, "/renew"):
			b := r.Header.Get("Authorization")
			if _, ok := bearers[b]; !ok {
				bearers[b] = len(bearers) + 1
			}
			sent = append(sent, fmt.Sprintf("renew with token %d", bearers[b]))
		}
	}
	want := []string{"renew with token 1", "grant refresh_token", "renew with token 2"}
	if d := cmp.Diff(want, sent); d != "" {
		t.Errorf("requests after the expiry (-want +got):\n%s", d)
	}

	// Nothing but the events: no Reconnecting, Resubscribed or Gap.
	e.publishSession(t, "s-1", telephony.Answered)
	e.checkSession(t, "s-1", telephony.Answered)
	e.publishPresence(t, 2)
	if s := e.nextSeq(t); s != 2 {
		t.Errorf("presence sequence %d, want 2", s)
	}
	if got := e.tr.SubscriptionID(); got != id {
		t.Errorf("subscription %s, want still %s", got, id)
	}
	if st := e.tr.Stats(); st.Resubscriptions != 0 {
		t.Errorf("transport stats %+v, want no resubscription", st)
	}
}

func (e *e2e) publishSession(t *testing.T, id string, code telephony.StatusCode) {
	t.Helper()
	sess := telephony.Session{TelephonySessionID: id, Sequence: 1, Parties: []telephony.Party{{ID: id + "-p1", Direction: "Inbound", Status: telephony.Status{Code: code}}}}
	if n, err := e.p.Publish(context.Background(), "/restapi/v1.0/account/~/extension/~/telephony/sessions", sess); err != nil || n != 1 {
		t.Fatalf("Publish session = %d, %v", n, err)
	}
}

func (e *e2e) checkSession(t *testing.T, id string, code telephony.StatusCode) {
	t.Helper()
	te, ok := e.next(t).(*notify.TelephonyEvent)
	if !ok {
		t.Fatal("want *notify.TelephonyEvent")
	}
	type got struct {
		Session, Party string
		Code           telephony.StatusCode
	}
	g := got{Session: te.Body.TelephonySessionID}
	if len(te.Body.Parties) == 1 {
		g.Party, g.Code = te.Body.Parties[0].ID, te.Body.Parties[0].Status.Code
	}
	if d := cmp.Diff(got{id, id + "-p1", code}, g); d != "" {
		t.Errorf("telephony event (-want +got):\n%s", d)
	}
}
