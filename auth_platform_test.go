package ringwatch_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	ringwatch "github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/internal/rest"
	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/subscription"
	"golang.org/x/oauth2"
)

// platform starts a notifytest.Platform and a context whose oauth2
// HTTPClient is the platform's, so that Close also ends the connections.
func platform(t *testing.T, opts ...notifytest.Option) (*notifytest.Platform, context.Context) {
	t.Helper()
	leakcheck.Check(t)
	p := notifytest.NewPlatform(opts...)
	t.Cleanup(p.Close)
	if err := p.Err(); err != nil {
		t.Fatal(err)
	}
	return p, context.WithValue(context.Background(), oauth2.HTTPClient, p.HTTPClient())
}

// tokenGrants lists the grant of each token request, with its Basic
// client credentials, as "grant client:secret".
func tokenGrants(t *testing.T, p *notifytest.Platform) []string {
	t.Helper()
	var out []string
	for _, r := range p.Requests() {
		if r.Path != ringwatch.TokenPath {
			continue
		}
		form, err := url.ParseQuery(string(r.Body))
		if err != nil {
			t.Fatal(err)
		}
		auth, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(r.Header.Get("Authorization"), "Basic "))
		g := form.Get("grant_type")
		if g == ringwatch.GrantJWT && form.Get("assertion") != p.Config().JWT {
			g += " (wrong assertion)"
		}
		if g == "refresh_token" && form.Get("refresh_token") == "" {
			g += " (no token)"
		}
		out = append(out, g+" "+string(auth))
	}
	return out
}

func TestPlatformJWTThenReuse(t *testing.T) {
	p, ctx := platform(t)
	cfg := p.Config()
	src := cfg.TokenSource(ctx)
	first, err := src.Token()
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		tok, err := src.Token()
		if err != nil || tok.AccessToken != first.AccessToken {
			t.Fatalf("token not reused: %v", err)
		}
	}
	basic := cfg.ClientID + ":" + cfg.ClientSecret
	if d := cmp.Diff([]string{ringwatch.GrantJWT + " " + basic}, tokenGrants(t, p)); d != "" {
		t.Errorf("grants (-want +got):\n%s", d)
	}
}

func TestPlatformRefreshThenFallback(t *testing.T) {
	// An access token living less than the early-expiry minute is renewed
	// on every call, which shows the grant order without waiting.
	p, ctx := platform(t, notifytest.WithTokenLifetimes(30*time.Second, time.Hour))
	cfg := p.Config()
	src := cfg.TokenSource(ctx)
	seen := map[string]bool{}
	get := func() {
		t.Helper()
		tok, err := src.Token()
		if err != nil {
			t.Fatal(err)
		}
		if seen[tok.AccessToken] {
			t.Error("an expiring token was reused")
		}
		seen[tok.AccessToken] = true
	}
	get()
	get()
	get()
	p.RevokeRefreshTokens()
	get()
	get()
	basic := " " + cfg.ClientID + ":" + cfg.ClientSecret
	want := []string{
		ringwatch.GrantJWT + basic,
		"refresh_token" + basic,
		"refresh_token" + basic,
		"refresh_token" + basic, // refused: revoked
		ringwatch.GrantJWT + basic,
		"refresh_token" + basic,
	}
	if d := cmp.Diff(want, tokenGrants(t, p)); d != "" {
		t.Errorf("grants (-want +got):\n%s", d)
	}
}

func TestPlatformConcurrentCallersOneToken(t *testing.T) {
	p, ctx := platform(t)
	sc := subscription.NewClient(ringwatch.NewClient(p.Config(), ringwatch.WithHTTPClient(p.HTTPClient())))
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			if _, err := sc.List(ctx); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := len(tokenGrants(t, p)); n != 1 {
		t.Errorf("%d token requests for 20 concurrent callers, want 1", n)
	}
	bearers := map[string]bool{}
	for _, r := range p.Requests() {
		if r.Path == "/restapi/v1.0/subscription" {
			bearers[r.Header.Get("Authorization")] = true
		}
	}
	if len(bearers) != 1 {
		t.Errorf("%d distinct Authorization headers, want 1", len(bearers))
	}
}

func TestPlatformBadCredentialsNoSecrets(t *testing.T) {
	p, ctx := platform(t)
	good := p.Config()
	cases := map[string]ringwatch.Config{
		"secret": {ServerURL: good.ServerURL, ClientID: good.ClientID, ClientSecret: "not-" + good.ClientSecret, JWT: good.JWT},
		"jwt":    {ServerURL: good.ServerURL, ClientID: good.ClientID, ClientSecret: good.ClientSecret, JWT: good.JWT + "x"},
		"client": {ServerURL: good.ServerURL, ClientID: "someone-else", ClientSecret: good.ClientSecret, JWT: good.JWT},
	}
	for name, cfg := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := cfg.TokenSource(ctx).Token()
			var ae *ringwatch.AuthError
			if !errors.As(err, &ae) || ae.StatusCode/100 != 4 || ae.ErrorCode == "" {
				t.Fatalf("err = %v, want a 4xx *AuthError with an OAuth code", err)
			}
			sc := subscription.NewClient(ringwatch.NewClient(cfg, ringwatch.WithHTTPClient(p.HTTPClient())))
			_, err2 := sc.Create(ctx, subscription.CreateRequest{
				EventFilters: []subscription.Filter{subscription.AccountTelephonySessions()},
				DeliveryMode: subscription.DeliveryMode{TransportType: subscription.TransportPubNub},
			})
			if !errors.As(err2, &ae) {
				t.Errorf("Create: err = %v, want an *AuthError inside", err2)
			}
			for _, e := range []error{err, err2} {
				for _, s := range []string{e.Error(), fmt.Sprintf("%+v", e)} {
					for _, secret := range []string{good.ClientSecret, good.JWT, cfg.ClientSecret, cfg.JWT} {
						if strings.Contains(s, secret) {
							t.Errorf("error %q shows a secret", s)
						}
					}
				}
			}
		})
	}
}

func TestPlatformSubscriptionLifecycle(t *testing.T) {
	p, ctx := platform(t)
	sc := subscription.NewClient(ringwatch.NewClient(p.Config(), ringwatch.WithHTTPClient(p.HTTPClient())))
	info, err := sc.Create(ctx, subscription.CreateRequest{
		EventFilters: []subscription.Filter{subscription.ExtensionPresence(subscription.Me, subscription.WithSIP())},
		DeliveryMode: subscription.DeliveryMode{TransportType: subscription.TransportPubNub},
	})
	if err != nil {
		t.Fatal(err)
	}
	wantFilter := subscription.Filter(fmt.Sprintf("/restapi/v1.0/account/%s/extension/%s/presence?detailedTelephonyState=true&sipData=true",
		p.AccountID(), p.Owner().ID))
	if d := cmp.Diff([]subscription.Filter{wantFilter}, info.EventFilters); d != "" {
		t.Errorf("filters (-want +got):\n%s", d)
	}
	got, err := sc.Get(ctx, info.ID)
	if err != nil || got.ID != info.ID || got.Status != subscription.Active {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	list, err := sc.List(ctx)
	if err != nil || len(list) != 1 || list[0].ID != info.ID {
		t.Fatalf("List = %+v, %v", list, err)
	}
	if _, err := sc.Renew(ctx, info.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := sc.Update(ctx, info.ID, subscription.UpdateRequest{EventFilters: []subscription.Filter{subscription.AccountTelephonySessions()}}); err != nil {
		t.Fatal(err)
	}
	if rl := sc.RateLimit(); rl == nil || rl.Group == "" {
		t.Errorf("RateLimit = %+v", rl)
	}
	if err := sc.Delete(ctx, info.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := sc.Get(ctx, info.ID); !errors.Is(err, subscription.ErrNotFound) {
		t.Errorf("Get after Delete: err = %v, want ErrNotFound", err)
	}
	if err := sc.Delete(ctx, info.ID); !errors.Is(err, subscription.ErrNotFound) {
		t.Errorf("Delete after Delete: err = %v, want ErrNotFound", err)
	}
}

func TestPlatformRateLimitRetried(t *testing.T) {
	p, ctx := platform(t)
	var waits []time.Duration
	sleep := func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	sc := subscription.NewClient(ringwatch.NewClient(p.Config(), ringwatch.WithHTTPClient(p.HTTPClient())), subscription.ClientOption(rest.WithClock(nil, sleep)))
	p.FailNext("GET", "/restapi/v1.0/subscription", 429, "2", 1)
	p.FailNext("GET", "/restapi/v1.0/subscription", 429, "", 1)
	p.FailNext("GET", "/restapi/v1.0/subscription", 503, "", 1)
	if _, err := sc.List(ctx); err != nil {
		t.Fatal(err)
	}
	if len(waits) != 3 || waits[0] != 2*time.Second || waits[1] != 30*time.Second || waits[2] > 2*time.Second {
		// The third retry's backoff ceiling is 4 × the 500 ms base.
		t.Errorf("waits %v, want [2s 30s ≤2s]", waits)
	}
	p.FailNext("POST", "/restapi/v1.0/subscription", 400, "", 1)
	_, err := sc.Create(ctx, subscription.CreateRequest{
		EventFilters: []subscription.Filter{subscription.AccountTelephonySessions()},
		DeliveryMode: subscription.DeliveryMode{TransportType: subscription.TransportPubNub},
	})
	var ae *ringwatch.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 400 || len(waits) != 3 {
		t.Errorf("err = %v after waits %v; want a 400 without retry", err, waits)
	}
}
