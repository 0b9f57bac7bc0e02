package pubnub_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/telephony"
	"github.com/ringwatch/ringwatch/transport/pubnub"
)

// subscribeOwner subscribes to the owner's telephony sessions over PubNub
// and waits for Connected.
func subscribeOwner(t *testing.T, p *notifytest.Platform, api *subscription.Client, opts ...pubnub.Option) *notify.Subscription {
	t.Helper()
	opts = append([]pubnub.Option{pubnub.WithOrigin(p.PubNubOrigin(), false), pubnub.WithReconnectBackoff(50*time.Millisecond, 200*time.Millisecond)}, opts...)
	sub, err := notify.Subscribe(context.Background(), pubnub.New(nil, append([]pubnub.Option{pubnub.WithAPI(api)}, opts...)...),
		[]subscription.Filter{subscription.ExtensionTelephonySessions(p.Owner().ID)})
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	t.Cleanup(func() { _ = sub.Close() })
	if _, ok := next(t, sub).(*notify.Connected); !ok {
		t.Fatal("first event is not *notify.Connected")
	}
	return sub
}

// closeAndCheckGone closes sub and wants no subscription left on the
// platform.
func closeAndCheckGone(t *testing.T, p *notifytest.Platform, sub *notify.Subscription) {
	t.Helper()
	if err := sub.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if left := p.Subscriptions(); len(left) != 0 {
		t.Errorf("subscriptions left after Close: %+v", left)
	}
}

// A 429 on create is retried after RingCentral's default 30 s (of fake
// time), and the stream then works.
func TestEndToEndRateLimitedCreate(t *testing.T) {
	leakcheck.Check(t)
	p := notifytest.NewPlatform()
	t.Cleanup(p.Close)
	p.SetPubNubHoldMax(time.Second)
	p.FailNext(http.MethodPost, "/restapi/v1.0/subscription", http.StatusTooManyRequests, "", 1)
	sleeps := &fakeSleep{}
	sub := subscribeOwner(t, p, platformAPI(p, sleeps))

	if d := cmp.Diff([]time.Duration{30 * time.Second}, sleeps.recorded()); d != "" {
		t.Errorf("retry waits (-want +got):\n%s", d)
	}
	creates := 0
	for _, r := range p.Requests() {
		if r.Method == http.MethodPost && r.Path == "/restapi/v1.0/subscription" {
			creates++
		}
	}
	if creates != 2 {
		t.Errorf("%d creates, want 2 (the 429 and its retry)", creates)
	}
	publishSession(t, p, "s-1", telephony.Setup)
	checkSession(t, next(t, sub), "s-1", telephony.Setup)
	closeAndCheckGone(t, p, sub)
}

// The platform invalidates the access tokens mid-stream: the next renewal
// meets 401 OAU-128, the client refreshes the token and renews again, and
// the stream goes on without a gap.
func TestEndToEndTokenExpiryMidStream(t *testing.T) {
	leakcheck.Check(t)
	p := notifytest.NewPlatform()
	t.Cleanup(p.Close)
	p.SetPubNubHoldMax(time.Second)
	// A 3 s subscription is renewed after 2 s.
	sub := subscribeOwner(t, p, platformAPI(p, &fakeSleep{}), pubnub.WithExpiresIn(3*time.Second))
	publishSession(t, p, "s-1", telephony.Setup)
	checkSession(t, next(t, sub), "s-1", telephony.Setup)

	p.ResetRequests()
	p.ExpireTokens()
	var sent []string
	deadline := time.Now().Add(10 * time.Second)
	for len(sent) < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("requests after the expiry: %q", sent)
		}
		time.Sleep(20 * time.Millisecond)
		sent = sentAfterExpiry(p)
	}
	want := []string{"renew with token 1", "grant refresh_token", "renew with token 2"}
	if d := cmp.Diff(want, sent[:3]); d != "" {
		t.Errorf("requests after the expiry (-want +got):\n%s", d)
	}

	publishSession(t, p, "s-2", telephony.Proceeding)
	// Nothing but the event: no Reconnecting, Resubscribed or Gap.
	checkSession(t, next(t, sub), "s-2", telephony.Proceeding)
	closeAndCheckGone(t, p, sub)
}

// sentAfterExpiry lists the renewals (by bearer token) and token grants
// the platform received.
func sentAfterExpiry(p *notifytest.Platform) []string {
	var sent []string
	bearers := map[string]int{}
	for _, r := range p.Requests() {
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
	return sent
}
