package ringwatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
	"golang.org/x/oauth2"
)

const (
	testClientID = "client-id-1"
	testSecret   = "client-secret-S3CR3T"
	testJWT      = "eyJhbGciOiJSUzI1NiJ9.jwt-credential.signature"
)

// grant is one token request as the fake endpoint saw it.
type grant struct {
	GrantType, Assertion, RefreshToken string
	BasicID, BasicSecret               string
	ContentType                        string
}

// tokenServer is a fake RingCentral token endpoint.
type tokenServer struct {
	*httptest.Server
	mu     sync.Mutex
	grants []grant
	n      int
	valid  map[string]bool // refresh tokens not yet used

	expiresIn        int                         // access token lifetime, seconds
	refreshExpiresIn int                         // refresh token lifetime, seconds
	refuse           func(g grant) (int, string) // non-zero status: answer with that status and body
	hold             chan struct{}               // if not nil, every request waits for it to close
}

func newTokenServer(t *testing.T) *tokenServer {
	t.Helper()
	leakcheck.Check(t)
	ts := &tokenServer{expiresIn: 3600, refreshExpiresIn: 604800, valid: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /restapi/oauth/token", ts.serve)
	mux.HandleFunc("/restapi/v1.0/hello", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, r.Header.Get("Authorization"))
	})
	ts.Server = httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return ts
}

func (ts *tokenServer) config() Config {
	return Config{ServerURL: ts.URL, ClientID: testClientID, ClientSecret: testSecret, JWT: testJWT}
}

func (ts *tokenServer) serve(w http.ResponseWriter, r *http.Request) {
	if ts.hold != nil {
		<-ts.hold
	}
	_ = r.ParseForm()
	g := grant{GrantType: r.PostForm.Get("grant_type"), Assertion: r.PostForm.Get("assertion"),
		RefreshToken: r.PostForm.Get("refresh_token"), ContentType: r.Header.Get("Content-Type")}
	g.BasicID, g.BasicSecret, _ = r.BasicAuth()
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.grants = append(ts.grants, g)
	w.Header().Set("Content-Type", "application/json")
	if ts.refuse != nil {
		if status, body := ts.refuse(g); status != 0 {
			w.WriteHeader(status)
			io.WriteString(w, body)
			return
		}
	}
	if g.BasicID != testClientID || g.BasicSecret != testSecret {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":"invalid_client","errors":[{"errorCode":"OAU-146","message":"Invalid client credentials"}],"error_description":"Invalid client credentials"}`)
		return
	}
	switch g.GrantType {
	case GrantJWT:
		if g.Assertion != testJWT {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":"invalid_grant","error_description":"Invalid token"}`)
			return
		}
	case "refresh_token":
		if !ts.valid[g.RefreshToken] {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":"invalid_grant","errors":[{"errorCode":"OAU-211","message":"Token is revoked"}],"error_description":"Token is revoked"}`)
			return
		}
		delete(ts.valid, g.RefreshToken) // single use, as RingCentral's
	default:
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error":"unsupported_grant_type"}`)
		return
	}
	ts.n++
	rt := fmt.Sprintf("RT-secret-%d", ts.n)
	ts.valid[rt] = true
	_ = json.NewEncoder(w).Encode(map[string]any{
		"access_token": fmt.Sprintf("AT-secret-%d", ts.n), "token_type": "bearer", "expires_in": ts.expiresIn,
		"refresh_token": rt, "refresh_token_expires_in": ts.refreshExpiresIn,
		"scope": "ReadPresence CallControl", "owner_id": "101", "session_id": "s1",
	})
}

func (ts *tokenServer) Grants() []grant {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]grant(nil), ts.grants...)
}

func jwtGrant() grant {
	return grant{GrantType: GrantJWT, Assertion: testJWT, BasicID: testClientID, BasicSecret: testSecret,
		ContentType: "application/x-www-form-urlencoded"}
}

func refreshGrant(rt string) grant {
	return grant{GrantType: "refresh_token", RefreshToken: rt, BasicID: testClientID, BasicSecret: testSecret,
		ContentType: "application/x-www-form-urlencoded"}
}

func tokens(t *testing.T, src oauth2.TokenSource, n int) []string {
	t.Helper()
	var out []string
	for range n {
		tok, err := src.Token()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, tok.AccessToken)
	}
	return out
}

func TestJWTGrantThenReuse(t *testing.T) {
	ts := newTokenServer(t)
	src := ts.config().TokenSource(context.Background())
	if d := cmp.Diff([]string{"AT-secret-1", "AT-secret-1", "AT-secret-1"}, tokens(t, src, 3)); d != "" {
		t.Errorf("tokens (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]grant{jwtGrant()}, ts.Grants()); d != "" {
		t.Errorf("grants (-want +got):\n%s", d)
	}
	tok, _ := src.Token()
	if tok.Type() != "Bearer" || tok.Extra("owner_id") != "101" {
		t.Errorf("token type %q, owner %v", tok.Type(), tok.Extra("owner_id"))
	}
}

func TestRefreshAfterExpiry(t *testing.T) {
	ts := newTokenServer(t)
	// A lifetime within the early-expiry margin makes every token stale at
	// once, so each call needs a new one: no real waiting.
	ts.expiresIn = int(earlyExpiry / time.Second)
	src := ts.config().TokenSource(context.Background())
	if d := cmp.Diff([]string{"AT-secret-1", "AT-secret-2", "AT-secret-3"}, tokens(t, src, 3)); d != "" {
		t.Errorf("tokens (-want +got):\n%s", d)
	}
	want := []grant{jwtGrant(), refreshGrant("RT-secret-1"), refreshGrant("RT-secret-2")}
	if d := cmp.Diff(want, ts.Grants()); d != "" {
		t.Errorf("grants (-want +got):\n%s", d)
	}
}

func TestFailedRefreshFallsBackToJWT(t *testing.T) {
	ts := newTokenServer(t)
	ts.expiresIn = 1
	src := ts.config().TokenSource(context.Background())
	tokens(t, src, 1)
	ts.mu.Lock()
	clear(ts.valid) // the session was revoked
	ts.mu.Unlock()
	if d := cmp.Diff([]string{"AT-secret-2", "AT-secret-3"}, tokens(t, src, 2)); d != "" {
		t.Errorf("tokens (-want +got):\n%s", d)
	}
	want := []grant{jwtGrant(), refreshGrant("RT-secret-1"), jwtGrant(), refreshGrant("RT-secret-2")}
	if d := cmp.Diff(want, ts.Grants()); d != "" {
		t.Errorf("grants (-want +got):\n%s", d)
	}
}

func TestExpiredRefreshTokenNotTried(t *testing.T) {
	ts := newTokenServer(t)
	ts.expiresIn = 1
	ts.refreshExpiresIn = int(refreshMargin/time.Second) - 1
	src := ts.config().TokenSource(context.Background())
	tokens(t, src, 2)
	if d := cmp.Diff([]grant{jwtGrant(), jwtGrant()}, ts.Grants()); d != "" {
		t.Errorf("grants (-want +got):\n%s", d)
	}
}

func TestRefreshTokenExpiryUsesClock(t *testing.T) {
	ts := newTokenServer(t)
	ts.expiresIn = 1
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	src := newJWTSource(context.Background(), ts.config())
	src.now = func() time.Time { return now }
	for range 2 {
		if _, err := src.Token(); err != nil {
			t.Fatal(err)
		}
	}
	now = now.Add(7 * 24 * time.Hour) // the refresh token has expired
	if _, err := src.Token(); err != nil {
		t.Fatal(err)
	}
	want := []grant{jwtGrant(), refreshGrant("RT-secret-1"), jwtGrant()}
	if d := cmp.Diff(want, ts.Grants()); d != "" {
		t.Errorf("grants (-want +got):\n%s", d)
	}
}

func TestRefreshUnavailableNoFallback(t *testing.T) {
	ts := newTokenServer(t)
	ts.expiresIn = 1
	src := ts.config().TokenSource(context.Background())
	tokens(t, src, 1)
	ts.refuse = func(g grant) (int, string) {
		if g.GrantType == "refresh_token" {
			return http.StatusServiceUnavailable, `{"errorCode":"CMN-201","message":"Service Temporary Unavailable"}`
		}
		return 0, ""
	}
	_, err := src.Token()
	var ae *AuthError
	if !errors.As(err, &ae) || ae.StatusCode != 503 || ae.Grant != "refresh_token" || ae.Code != "CMN-201" || !ae.Temporary() {
		t.Fatalf("err = %v, want a 503 AuthError of the refresh grant", err)
	}
	ts.refuse = nil
	// The refresh token was kept: the next call refreshes.
	if d := cmp.Diff([]string{"AT-secret-2"}, tokens(t, src, 1)); d != "" {
		t.Errorf("tokens (-want +got):\n%s", d)
	}
	want := []grant{jwtGrant(), refreshGrant("RT-secret-1"), refreshGrant("RT-secret-1")}
	if d := cmp.Diff(want, ts.Grants()); d != "" {
		t.Errorf("grants (-want +got):\n%s", d)
	}
}

func TestConcurrentCallersShareOneFetch(t *testing.T) {
	ts := newTokenServer(t)
	ts.hold = make(chan struct{})
	src := ts.config().TokenSource(context.Background())
	const callers = 20
	var (
		wg      sync.WaitGroup
		started sync.WaitGroup
		mu      sync.Mutex
		got     = map[string]int{}
	)
	started.Add(callers)
	for range callers {
		wg.Go(func() {
			started.Done()
			tok, err := src.Token()
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			got[tok.AccessToken]++
			mu.Unlock()
		})
	}
	started.Wait()
	time.Sleep(20 * time.Millisecond) // let the callers queue up behind the first fetch
	close(ts.hold)
	wg.Wait()
	if d := cmp.Diff(map[string]int{"AT-secret-1": callers}, got); d != "" {
		t.Errorf("tokens (-want +got):\n%s", d)
	}
	if n := len(ts.Grants()); n != 1 {
		t.Errorf("%d token requests, want 1", n)
	}
}

func TestClientAuthorises(t *testing.T) {
	ts := newTokenServer(t)
	// Token requests go through the context's client.
	var tokenCalls int
	var mu sync.Mutex
	base := &http.Transport{}
	t.Cleanup(base.CloseIdleConnections)
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.URL.Path == TokenPath {
			mu.Lock()
			tokenCalls++
			mu.Unlock()
		}
		return base.RoundTrip(r)
	})}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, hc)
	c := ts.config().Client(ctx)
	for range 2 {
		resp, err := c.Get(ts.URL + "/restapi/v1.0/hello")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "Bearer AT-secret-1" {
			t.Errorf("Authorization = %q", b)
		}
	}
	if tokenCalls != 1 {
		t.Errorf("%d token requests through the context's client, want 1", tokenCalls)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// secrets are the values no error may show.
var secrets = []string{testSecret, testJWT, "AT-secret-1", "RT-secret-1", "AT-secret-2", "RT-secret-2"}

func assertNoSecret(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	for _, form := range []string{err.Error(), fmt.Sprint(err), fmt.Sprintf("%+v", err), fmt.Sprintf("%q", err)} {
		for _, s := range secrets {
			if strings.Contains(form, s) {
				t.Errorf("error %q shows the secret %q", form, s)
			}
		}
	}
}

func TestAuthErrors(t *testing.T) {
	echo := func(g grant) string {
		// A careless server that echoes what it was sent.
		return fmt.Sprintf("client %s:%s assertion %s refresh %s", g.BasicID, g.BasicSecret, g.Assertion, g.RefreshToken)
	}
	tests := []struct {
		name   string
		cfg    func(Config) Config
		refuse func(grant) (int, string)
		want   *AuthError
	}{
		{
			name: "bad client", cfg: func(c Config) Config { c.ClientSecret = "wrong-" + testSecret; return c },
			want: &AuthError{Grant: "jwt-bearer", StatusCode: 401, ErrorCode: "invalid_client", Code: "OAU-146", Description: "Invalid client credentials"},
		},
		{
			name: "bad JWT", cfg: func(c Config) Config { c.JWT = "x" + testJWT; return c },
			want: &AuthError{Grant: "jwt-bearer", StatusCode: 400, ErrorCode: "invalid_grant", Description: "Invalid token"},
		},
		{
			name: "echoing OAuth error",
			refuse: func(g grant) (int, string) {
				b, _ := json.Marshal(map[string]any{"error": "invalid_request", "error_description": echo(g),
					"errors": []map[string]string{{"errorCode": "OAU-101", "message": echo(g)}}})
				return 400, string(b)
			},
			want: &AuthError{Grant: "jwt-bearer", StatusCode: 400, ErrorCode: "invalid_request", Code: "OAU-101",
				Description: "client client-id-1:[redacted] assertion [redacted] refresh "},
		},
		{
			name: "echoing non-JSON 500",
			refuse: func(g grant) (int, string) {
				return 500, "<html>" + echo(g) + "</html>"
			},
			want: &AuthError{Grant: "jwt-bearer", StatusCode: 500},
		},
		{
			name: "echoing 429",
			refuse: func(g grant) (int, string) {
				return 429, `{"errorCode":"CMN-301","message":"Request rate exceeded ` + g.Assertion + `"}`
			},
			want: &AuthError{Grant: "jwt-bearer", StatusCode: 429, Code: "CMN-301", Description: "Request rate exceeded [redacted]"},
		},
		{
			name: "200 without access token",
			refuse: func(g grant) (int, string) {
				return 200, `{"token_type":"bearer","refresh_token":"RT-secret-1","echo":"` + testSecret + `"}`
			},
			want: &AuthError{Grant: "jwt-bearer"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTokenServer(t)
			ts.refuse = tt.refuse
			cfg := ts.config()
			if tt.cfg != nil {
				cfg = tt.cfg(cfg)
			}
			_, err := cfg.TokenSource(context.Background()).Token()
			assertNoSecret(t, err)
			var ae *AuthError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %T %v, want *AuthError", err, err)
			}
			if d := cmp.Diff(tt.want, ae, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Err" }, cmp.Ignore())); d != "" {
				t.Errorf("AuthError (-want +got):\n%s", d)
			}
			// Through an authorised client, the same error, still clean.
			resp, err := cfg.Client(context.Background()).Get(ts.URL + "/restapi/v1.0/hello")
			if err == nil {
				resp.Body.Close()
				t.Fatal("request succeeded without a token")
			}
			assertNoSecret(t, err)
			if !errors.As(err, &ae) {
				t.Errorf("client error %v does not unwrap to *AuthError", err)
			}
		})
	}
}

func TestAuthErrorRefreshEchoRedacted(t *testing.T) {
	ts := newTokenServer(t)
	ts.expiresIn = 1
	src := ts.config().TokenSource(context.Background())
	tokens(t, src, 1)
	ts.refuse = func(g grant) (int, string) {
		return 503, `{"errorCode":"CMN-201","message":"refresh ` + g.RefreshToken + ` and access AT-secret-1 failed"}`
	}
	_, err := src.Token()
	assertNoSecret(t, err)
	var ae *AuthError
	if !errors.As(err, &ae) || ae.Description != "refresh [redacted] and access [redacted] failed" {
		t.Errorf("err = %v", err)
	}
}

func TestAuthErrorNoServer(t *testing.T) {
	ts := newTokenServer(t)
	cfg := ts.config()
	ts.Close()
	_, err := cfg.TokenSource(context.Background()).Token()
	assertNoSecret(t, err)
	var ae *AuthError
	if !errors.As(err, &ae) || ae.StatusCode != 0 || ae.Err == nil || !ae.Temporary() {
		t.Errorf("err = %v, want an AuthError without status", err)
	}
}

func TestAuthErrorCancelled(t *testing.T) {
	ts := newTokenServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := ts.config().TokenSource(ctx).Token()
	assertNoSecret(t, err)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if n := len(ts.Grants()); n != 0 {
		t.Errorf("%d token requests", n)
	}
}

func TestTokenSourceIncompleteConfig(t *testing.T) {
	ts := newTokenServer(t)
	cfg := ts.config()
	cfg.JWT, cfg.ClientSecret = "", ""
	_, err := cfg.TokenSource(context.Background()).Token()
	var me *MissingError
	if !errors.As(err, &me) || err.Error() != "ringwatch: Config lacks ClientSecret, JWT" {
		t.Errorf("err = %v", err)
	}
	if n := len(ts.Grants()); n != 0 {
		t.Errorf("%d token requests", n)
	}
}

func TestTokenURL(t *testing.T) {
	for _, tt := range []struct{ server, want string }{
		{"", "https://platform.ringcentral.com/restapi/oauth/token"},
		{"https://platform.devtest.ringcentral.com/", "https://platform.devtest.ringcentral.com/restapi/oauth/token"},
	} {
		s := newJWTSource(context.Background(), Config{ServerURL: tt.server, ClientID: "a", ClientSecret: "b", JWT: "c"})
		if s.grant.TokenURL != tt.want || s.oauth.Endpoint.TokenURL != tt.want {
			t.Errorf("%q: token URLs %q, %q", tt.server, s.grant.TokenURL, s.oauth.Endpoint.TokenURL)
		}
	}
}
