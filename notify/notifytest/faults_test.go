package notifytest_test

import (
	"context"
	"errors"
	"github.com/ringwatch/ringwatch"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/subscription"
)

func TestRateLimitHeaders(t *testing.T) {
	p, _ := start(t)
	tok := token(t, p, "230000101")
	hook := echoHook(t)
	in := create(t, p, tok, webhookReq(hook.URL, 0, subscription.ExtensionPresence(""))) // Medium #1
	sub := "/restapi/v1.0/subscription/" + in.ID
	tests := []struct {
		method, path string
		body         any
		want         ringwatch.RateLimit
	}{
		{"GET", "/restapi/v1.0/subscription", nil, ringwatch.RateLimit{Group: "Light", Limit: 50, Remaining: 49, Window: time.Minute}},
		{"GET", sub, nil, ringwatch.RateLimit{Group: "Light", Limit: 50, Remaining: 48, Window: time.Minute}},
		{"POST", sub + "/renew", nil, ringwatch.RateLimit{Group: "Light", Limit: 50, Remaining: 47, Window: time.Minute}},
		{"PUT", sub, nil, ringwatch.RateLimit{Group: "Medium", Limit: 40, Remaining: 38, Window: time.Minute}},
		{"DELETE", sub, nil, ringwatch.RateLimit{Group: "Medium", Limit: 40, Remaining: 37, Window: time.Minute}},
		{"GET", "/restapi/v1.0/account/~/presence", nil, ringwatch.RateLimit{Group: "Heavy", Limit: 10, Remaining: 9, Window: time.Minute}},
		{"GET", "/restapi/v1.0/account/~/extension/~/presence", nil, ringwatch.RateLimit{Group: "Light", Limit: 50, Remaining: 46, Window: time.Minute}},
		{"GET", "/restapi/v1.0/account/~/telephony/sessions/s-x", nil, ringwatch.RateLimit{Group: "Light", Limit: 50, Remaining: 45, Window: time.Minute}},
		{"GET", "/restapi/v1.0/nowhere", nil, ringwatch.RateLimit{Group: "Light", Limit: 50, Remaining: 49, Window: time.Minute}},
	}
	for _, tt := range tests {
		r := do(t, p, tok, tt.method, tt.path, tt.body)
		if d := cmp.Diff(&tt.want, subscription.ParseRateLimit(r.header)); d != "" {
			t.Errorf("%s %s (%d): rate limit (-want +got):\n%s", tt.method, tt.path, r.status, d)
		}
	}
	if st, code := do(t, p, tok, "GET", "/restapi/v1.0/nowhere", nil).code(t); st != 404 || code != "CMN-120" {
		t.Errorf("unknown path: %d %s, want 404 CMN-120", st, code)
	}
	r := tokenRequest(t, p, p.Config().ClientID, p.Config().ClientSecret, jwtForm(p.Config().JWT))
	if rl := subscription.ParseRateLimit(r.header); rl == nil || rl.Group != "Auth" || rl.Limit != 5 {
		t.Errorf("token endpoint rate limit: %+v", rl)
	}
}

func TestEnforcedRateLimit(t *testing.T) {
	p, clk := start(t, notifytest.EnforceRateLimits())
	tok := token(t, p, "230000101")
	for i := range 10 {
		if r := do(t, p, tok, "GET", "/restapi/v1.0/account/~/presence", nil); r.status != 200 {
			t.Fatalf("request %d: %d", i+1, r.status)
		}
	}
	clk.Advance(20 * time.Second)
	r := do(t, p, tok, "GET", "/restapi/v1.0/account/~/presence", nil)
	if st, code := r.code(t); st != 429 || code != "CMN-301" || r.header.Get("Retry-After") != "40" {
		t.Fatalf("11th Heavy request: %d %s Retry-After %q, want 429 CMN-301 40", st, code, r.header.Get("Retry-After"))
	}
	// Other groups and other extensions have their own budgets.
	if r := do(t, p, tok, "GET", "/restapi/v1.0/subscription", nil); r.status != 200 {
		t.Errorf("Light request: %d", r.status)
	}
	if r := do(t, p, token(t, p, "230000102"), "GET", "/restapi/v1.0/account/~/presence", nil); r.status != 200 {
		t.Errorf("other extension: %d", r.status)
	}
	clk.Advance(40 * time.Second)
	if r := do(t, p, tok, "GET", "/restapi/v1.0/account/~/presence", nil); r.status != 200 {
		t.Errorf("after the window: %d", r.status)
	}
}

func TestFailNext(t *testing.T) {
	p, _ := start(t)
	tok := token(t, p, "230000101")
	p.FailNext("POST", "/restapi/v1.0/subscription", 429, "2", 2)
	p.FailNext("", "/restapi/v1.0/account", 503, "", 1)
	p.InjectFault(notifytest.Fault{Method: "GET", PathPrefix: "/restapi/v1.0/subscription", Status: 500, Code: "CMN-999", Message: "boom"})
	p.InjectFault(notifytest.Fault{PathPrefix: "/restapi/oauth/token", Status: 503, Body: []byte(`{"custom":true}`), RetryAfter: "7"})
	p.InjectFault(notifytest.Fault{Status: 42}) // ignored

	type result struct {
		Status     int
		Code       string
		RetryAfter string
		Group      string
	}
	get := func(r response) result {
		var e rcError
		r.decode(t, &e)
		return result{r.status, e.ErrorCode, r.header.Get("Retry-After"), r.header.Get("X-Rate-Limit-Group")}
	}
	req := pubnubReq(0, subscription.ExtensionPresence(""))
	got := []result{
		get(do(t, p, tok, "POST", "/restapi/v1.0/subscription", req)),
		get(do(t, p, "", "POST", "/restapi/v1.0/subscription", req)), // before authentication
		get(do(t, p, tok, "GET", "/restapi/v1.0/account/~/presence", nil)),
		get(do(t, p, tok, "GET", "/restapi/v1.0/subscription", nil)),
	}
	want := []result{
		{429, "CMN-301", "2", "Medium"},
		{429, "CMN-301", "2", "Medium"},
		{503, "CMN-201", "", "Heavy"},
		{500, "CMN-999", "", "Light"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("faults (-want +got):\n%s", d)
	}
	r := tokenRequest(t, p, "a", "b", url.Values{})
	if r.status != 503 || string(r.body) != `{"custom":true}` || r.header.Get("Retry-After") != "7" {
		t.Errorf("custom body fault: %d %s %q", r.status, r.body, r.header.Get("Retry-After"))
	}
	// Used up: the API answers again.
	if r := do(t, p, tok, "POST", "/restapi/v1.0/subscription", req); r.status != 200 {
		t.Errorf("after the faults: %d %s", r.status, r.body)
	}
	p.FailNext("", "", 503, "", 5)
	p.ClearFaults()
	if r := do(t, p, tok, "GET", "/restapi/v1.0/subscription", nil); r.status != 200 {
		t.Errorf("after ClearFaults: %d", r.status)
	}
}

func TestRequestsRecorded(t *testing.T) {
	p, _ := start(t, notifytest.WithRequestLimit(3))
	tok := token(t, p, "230000101")
	do(t, p, tok, "GET", "/restapi/v1.0/account/~/presence?page=2&perPage=1", nil)
	do(t, p, tok, "POST", "/restapi/v1.0/subscription", `{"x":1}`)
	reqs := p.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests recorded, want 2", len(reqs))
	}
	type rec struct {
		Method, Path, Auth string
		Query              url.Values
		Body               string
	}
	var got []rec
	for _, r := range reqs {
		got = append(got, rec{r.Method, r.Path, r.Header.Get("Authorization"), r.Query, string(r.Body)})
	}
	want := []rec{
		{"GET", "/restapi/v1.0/account/~/presence", "Bearer " + tok, url.Values{"page": {"2"}, "perPage": {"1"}}, ""},
		{"POST", "/restapi/v1.0/subscription", "Bearer " + tok, url.Values{}, `{"x":1}`},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("requests (-want +got):\n%s", d)
	}
	if !reqs[0].Time.Equal(newClock().Now()) {
		t.Errorf("request time %v is not the platform clock's", reqs[0].Time)
	}
	reqs[0].Header.Set("Authorization", "changed") // a copy
	for range 3 {
		do(t, p, "", "GET", "/x", nil)
	}
	reqs = p.Requests()
	if len(reqs) != 3 || reqs[0].Path != "/x" {
		t.Errorf("WithRequestLimit(3): %d requests, first %s", len(reqs), reqs[0].Path)
	}
	p.ResetRequests()
	if n := len(p.Requests()); n != 0 {
		t.Errorf("after ResetRequests: %d", n)
	}
}

func TestOptionsAndClose(t *testing.T) {
	tests := []struct {
		name string
		opts []notifytest.Option
	}{
		{"empty account", []notifytest.Option{notifytest.WithAccount("")}},
		{"no extension", []notifytest.Option{notifytest.WithExtensions()}},
		{"duplicate extension", []notifytest.Option{notifytest.WithExtensions(notifytest.Extension{ID: "1"}, notifytest.Extension{ID: "1"})}},
		{"unknown owner", []notifytest.Option{notifytest.WithOwner("404")}},
		{"short token", []notifytest.Option{notifytest.WithTokenLifetimes(time.Millisecond, time.Hour)}},
		{"nil clock", []notifytest.Option{notifytest.WithClock(nil)}},
		{"no secret", []notifytest.Option{notifytest.WithCredentials("id", "", "jwt")}},
		{"zero timeout", []notifytest.Option{notifytest.WithHandshakeTimeout(0)}},
		{"zero limit", []notifytest.Option{notifytest.WithSubscriptionLimit(0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := notifytest.NewPlatformErr(tt.opts...)
			var oe *notifytest.OptionError
			if p != nil || !errors.Is(err, notifytest.ErrInvalidOption) || !errors.As(err, &oe) {
				t.Fatalf("NewPlatformErr = %v, %v; want an OptionError", p, err)
			}
			fp := notifytest.NewPlatform(tt.opts...)
			if fp.Err() == nil || fp.URL() != "" {
				t.Errorf("NewPlatform: Err %v URL %q", fp.Err(), fp.URL())
			}
			// A failed platform does nothing, and nothing panics.
			if err := fp.SetSession(testSession(time.Now())); err != nil {
				t.Errorf("SetSession: %v", err)
			}
			_ = fp.SetPresence("1", ringing(time.Now()))
			if _, err := fp.Publish(context.Background(), "/restapi/v1.0/account/~/extension/~/presence", nil); err == nil {
				t.Errorf("Publish on a failed platform succeeded")
			}
			if _, ok := fp.AccessToken("230000101"); ok || len(fp.Subscriptions()) != 0 || fp.Blacklist("x", "y") {
				t.Errorf("failed platform has state")
			}
			fp.FailNext("", "", 503, "", 1)
			fp.ExpireTokens()
			fp.RevokeRefreshTokens()
			_, _ = fp.Presence("1")
			_ = fp.Requests()
			_, _ = fp.Config(), fp.HTTPClient()
			fp.Close()
			fp.Close()
		})
	}

	p, _ := start(t,
		notifytest.WithAccount("77"),
		notifytest.WithExtensions(notifytest.Extension{ID: "7001", Number: "1"}, notifytest.Extension{ID: "7002", Number: "2"}),
		notifytest.WithOwner("7002"),
		notifytest.WithCredentials("cid", "csecret", "my.jwt"),
	)
	if d := cmp.Diff([]string{"77", "7002", "cid", "csecret", "my.jwt"},
		[]string{p.AccountID(), p.Owner().ID, p.Config().ClientID, p.Config().ClientSecret, p.Config().JWT}); d != "" {
		t.Errorf("configured platform (-want +got):\n%s", d)
	}
	if ti := login(t, p); ti.OwnerID != "7002" {
		t.Errorf("owner_id %q", ti.OwnerID)
	}
	url := p.URL()
	p.Close()
	p.Close()
	if _, err := http.Get(url + "/restapi/v1.0/subscription"); err == nil {
		t.Errorf("server still answers after Close")
	}
}
