package ringwatch_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	ringwatch "github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/subscription"
)

// fakeReauthClock makes the forced-refresh rate limit read a clock the
// test moves.
type fakeReauthClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeReauthClock(t *testing.T) *fakeReauthClock {
	c := &fakeReauthClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	t.Cleanup(ringwatch.SetReauthClock(c.Now))
	return c
}

func (c *fakeReauthClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeReauthClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// apiCalls lists the requests to path (method, bearer token's ordinal
// among the tokens seen, and status-free shape), so that a test can see
// which token each attempt carried.
func apiCalls(p *notifytest.Platform, prefix string) []string {
	tokens := map[string]string{}
	var out []string
	for _, r := range p.Requests() {
		if !strings.HasPrefix(r.Path, prefix) {
			continue
		}
		bearer := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if _, ok := tokens[bearer]; !ok {
			tokens[bearer] = "token" + string(rune('A'+len(tokens)))
		}
		out = append(out, r.Method+" "+tokens[bearer])
	}
	return out
}

func createPubNub(ctx context.Context, sc *subscription.Client) (*subscription.Info, error) {
	return sc.Create(ctx, subscription.CreateRequest{
		EventFilters: []subscription.Filter{subscription.AccountTelephonySessions()},
		DeliveryMode: subscription.DeliveryMode{TransportType: subscription.TransportPubNub},
	})
}

// A token the server invalidated before its expiry is dropped on the first
// 401, refreshed, and the request sent again; within MinReauthInterval a
// second invalidation is not forced, after it it is.
func TestClientRefreshesTokenInvalidatedByServer(t *testing.T) {
	clock := newFakeReauthClock(t)
	p, ctx := platform(t)
	sc := subscription.NewClient(ringwatch.NewClient(p.Config(), ringwatch.WithHTTPClient(p.HTTPClient())), subscription.WithMaxAttempts(1))
	info, err := createPubNub(ctx, sc)
	if err != nil {
		t.Fatal(err)
	}

	p.ExpireTokens()
	got, err := sc.Get(ctx, info.ID)
	if err != nil {
		t.Fatalf("Get after ExpireTokens: %v", err)
	}
	if got.ID != info.ID {
		t.Errorf("Get = %s, want %s", got.ID, info.ID)
	}
	cfg := p.Config()
	basic := cfg.ClientID + ":" + cfg.ClientSecret
	wantGrants := []string{ringwatch.GrantJWT + " " + basic, "refresh_token " + basic}
	if d := cmp.Diff(wantGrants, tokenGrants(t, p)); d != "" {
		t.Errorf("token grants (-want +got):\n%s", d)
	}
	wantCalls := []string{"POST tokenA", "GET tokenA", "GET tokenB"}
	if d := cmp.Diff(wantCalls, apiCalls(p, "/restapi/v1.0/subscription")); d != "" {
		t.Errorf("API calls (-want +got):\n%s", d)
	}

	// Again at once: the 401 comes back as it is, no token request.
	clock.Add(ringwatch.MinReauthInterval - time.Second)
	p.ExpireTokens()
	_, err = sc.Get(ctx, info.ID)
	var ae *ringwatch.APIError
	if !errors.As(err, &ae) || !errors.Is(err, subscription.ErrUnauthorized) || ae.Code != "OAU-128" {
		t.Fatalf("Get within the interval = %v, want 401 OAU-128", err)
	}
	if n := len(tokenGrants(t, p)); n != 2 {
		t.Errorf("%d token requests, want still 2", n)
	}

	// After the interval a POST is refreshed and sent again whole.
	clock.Add(2 * time.Second)
	p.ResetRequests()
	if _, err := createPubNub(ctx, sc); err != nil {
		t.Fatalf("Create after the interval: %v", err)
	}
	if d := cmp.Diff([]string{"refresh_token " + basic}, tokenGrants(t, p)); d != "" {
		t.Errorf("token grants (-want +got):\n%s", d)
	}
	var bodies [][]byte
	for _, r := range p.Requests() {
		if r.Method == http.MethodPost && r.Path == "/restapi/v1.0/subscription" {
			bodies = append(bodies, r.Body)
		}
	}
	if len(bodies) != 2 || !bytes.Equal(bodies[0], bodies[1]) || len(bodies[0]) == 0 {
		t.Errorf("POST bodies %q, want the same body twice", bodies)
	}
}

// Concurrent requests that meet the same invalidated token share one
// refresh, and all succeed.
func TestClientConcurrent401sShareOneRefresh(t *testing.T) {
	newFakeReauthClock(t)
	p, ctx := platform(t)
	sc := subscription.NewClient(ringwatch.NewClient(p.Config(), ringwatch.WithHTTPClient(p.HTTPClient())), subscription.WithMaxAttempts(1))
	info, err := createPubNub(ctx, sc)
	if err != nil {
		t.Fatal(err)
	}
	p.ExpireTokens()
	const n = 12
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { _, errs[i] = sc.Get(ctx, info.ID) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("caller %d: %v", i, err)
		}
	}
	cfg := p.Config()
	basic := cfg.ClientID + ":" + cfg.ClientSecret
	if d := cmp.Diff([]string{ringwatch.GrantJWT + " " + basic, "refresh_token " + basic}, tokenGrants(t, p)); d != "" {
		t.Errorf("token grants (-want +got):\n%s", d)
	}
}

// A request whose body cannot be sent again, and a 401 that is not about
// the token, come back as they are.
func TestClientDoesNotResendWhatItCannot(t *testing.T) {
	newFakeReauthClock(t)
	p, ctx := platform(t)
	rc := ringwatch.NewClient(p.Config(), ringwatch.WithHTTPClient(p.HTTPClient()))
	hc := rc.HTTPClient()
	sc := subscription.NewClient(rc, subscription.WithMaxAttempts(1))
	if _, err := createPubNub(ctx, sc); err != nil {
		t.Fatal(err)
	}

	// A 401 with another code (CMN-405, login to extension required).
	p.InjectFault(notifytest.Fault{PathPrefix: "/restapi/v1.0/subscription", Status: http.StatusUnauthorized, Code: "CMN-405", Message: "Login to extension required"})
	_, err := sc.List(ctx)
	var ae *ringwatch.APIError
	if !errors.As(err, &ae) || ae.Code != "CMN-405" {
		t.Fatalf("List = %v, want 401 CMN-405", err)
	}

	// A body without GetBody.
	p.ExpireTokens()
	body := io.MultiReader(strings.NewReader(`{"eventFilters":["/restapi/v1.0/account/~/telephony/sessions"],`),
		strings.NewReader(`"deliveryMode":{"transportType":"PubNub"}}`))
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.URL()+"/restapi/v1.0/subscription", body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || !bytes.Contains(data, []byte("OAU-128")) {
		t.Errorf("answer %d %s, want the 401 OAU-128 whole", resp.StatusCode, data)
	}
	if n := len(tokenGrants(t, p)); n != 1 {
		t.Errorf("%d token requests, want only the first login", n)
	}
}
