package notifytest_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/ringwatch/ringwatch/notify/notifytest"
)

func TestJWTGrantThenSingleUseRefresh(t *testing.T) {
	p, _ := start(t, notifytest.WithTokenLifetimes(10*time.Minute, 2*time.Hour))
	first := login(t, p)
	want := tokenInfo{
		TokenType: "bearer", ExpiresIn: 600, RefreshTokenExpiresIn: 7200,
		Scope:   "ReadAccounts ReadPresence CallControl SubscriptionWebhook WebSocket",
		OwnerID: "230000101", EndpointID: "notifytest-endpoint-1", SessionID: "1",
	}
	ignoreTokens := cmpopts.IgnoreFields(tokenInfo{}, "AccessToken", "RefreshToken")
	if d := cmp.Diff(want, first, ignoreTokens); d != "" {
		t.Errorf("JWT grant (-want +got):\n%s", d)
	}
	if first.AccessToken == "" || first.RefreshToken == "" {
		t.Fatalf("tokens missing: %+v", first)
	}
	if r := do(t, p, first.AccessToken, "GET", "/restapi/v1.0/subscription", nil); r.status != http.StatusOK {
		t.Fatalf("API call with the new token: %d %s", r.status, r.body)
	}

	cfg := p.Config()
	refresh := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first.RefreshToken}}
	r := tokenRequest(t, p, cfg.ClientID, cfg.ClientSecret, refresh)
	if r.status != http.StatusOK {
		t.Fatalf("refresh: %d %s", r.status, r.body)
	}
	var second tokenInfo
	r.decode(t, &second)
	if d := cmp.Diff(want, second, ignoreTokens); d != "" {
		t.Errorf("refresh grant keeps the session (-want +got):\n%s", d)
	}
	if second.AccessToken == first.AccessToken || second.RefreshToken == first.RefreshToken {
		t.Errorf("refresh returned the same tokens")
	}

	// The refresh token was single-use, and the old access token died with
	// the refresh, as RingCentral documents.
	r = tokenRequest(t, p, cfg.ClientID, cfg.ClientSecret, refresh)
	if st, code := r.code(t); st != http.StatusBadRequest || code != "OAU-211" {
		t.Errorf("reused refresh token: %d %s, want 400 OAU-211", st, code)
	}
	var e rcError
	r.decode(t, &e)
	if e.Error != "invalid_grant" {
		t.Errorf("reused refresh token: error %q, want invalid_grant", e.Error)
	}
	if st, code := do(t, p, first.AccessToken, "GET", "/restapi/v1.0/subscription", nil).code(t); st != http.StatusUnauthorized || code != "OAU-128" {
		t.Errorf("replaced access token: %d %s, want 401 OAU-128", st, code)
	}
	if r := do(t, p, second.AccessToken, "GET", "/restapi/v1.0/subscription", nil); r.status != http.StatusOK {
		t.Errorf("refreshed token: %d %s", r.status, r.body)
	}
}

func TestTokenEndpointErrors(t *testing.T) {
	p, _ := start(t)
	cfg := p.Config()
	tests := []struct {
		name             string
		clientID, secret string
		form             url.Values
		contentType      string
		status           int
		oauth, code      string
	}{
		{"wrong secret", cfg.ClientID, "nope", jwtForm(cfg.JWT), "", 401, "invalid_client", "OAU-146"},
		{"wrong client", "other", cfg.ClientSecret, jwtForm(cfg.JWT), "", 401, "invalid_client", "OAU-146"},
		{"no client auth", "", "", jwtForm(cfg.JWT), "", 401, "invalid_client", "OAU-146"},
		{"wrong JWT", cfg.ClientID, cfg.ClientSecret, jwtForm("eyJ.bad.jwt"), "", 400, "invalid_grant", "OAU-140"},
		{"empty JWT", cfg.ClientID, cfg.ClientSecret, jwtForm(""), "", 400, "invalid_grant", "OAU-140"},
		{"unknown refresh token", cfg.ClientID, cfg.ClientSecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}}, "", 400, "invalid_grant", "OAU-211"},
		{"password grant", cfg.ClientID, cfg.ClientSecret, url.Values{"grant_type": {"password"}}, "", 400, "unsupported_grant_type", "OAU-125"},
		{"no grant", cfg.ClientID, cfg.ClientSecret, url.Values{}, "", 400, "invalid_request", "OAU-101"},
		{"JSON body", cfg.ClientID, cfg.ClientSecret, jwtForm(cfg.JWT), "application/json", 415, "invalid_request", "CMN-415"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", p.URL()+"/restapi/oauth/token", strings.NewReader(tt.form.Encode()))
			ct := tt.contentType
			if ct == "" {
				ct = "application/x-www-form-urlencoded"
			}
			req.Header.Set("Content-Type", ct)
			if tt.clientID != "" {
				req.SetBasicAuth(tt.clientID, tt.secret)
			}
			r := send(t, p, req)
			var e rcError
			r.decode(t, &e)
			got := []any{r.status, e.Error, e.ErrorCode, e.Errors[0].ErrorCode}
			want := []any{tt.status, tt.oauth, tt.code, tt.code}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
			if e.ErrorDescription == "" || e.Message == "" {
				t.Errorf("no description: %s", r.body)
			}
			for _, secret := range []string{cfg.ClientSecret, cfg.JWT} {
				if strings.Contains(string(r.body), secret) {
					t.Errorf("error body contains a secret: %s", r.body)
				}
			}
			if r.header.Get("X-Rate-Limit-Group") != "Auth" {
				t.Errorf("X-Rate-Limit-Group = %q, want Auth", r.header.Get("X-Rate-Limit-Group"))
			}
		})
	}
}

func TestAccessTokenChecks(t *testing.T) {
	p, clk := start(t, notifytest.WithTokenLifetimes(10*time.Second, time.Minute))
	ti := login(t, p)
	tests := []struct {
		name    string
		header  string
		advance time.Duration
		status  int
		code    string
	}{
		{"valid", "Bearer " + ti.AccessToken, 0, 200, ""},
		{"no header", "", 0, 401, "OAU-149"},
		{"basic scheme", "Basic Zm9vOmJhcg==", 0, 401, "OAU-149"},
		{"garbage", "Bearer not-a-token", 0, 401, "OAU-149"},
		{"expired", "Bearer " + ti.AccessToken, 11 * time.Second, 401, "OAU-128"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk.Advance(tt.advance)
			req, _ := http.NewRequest("GET", p.URL()+"/restapi/v1.0/subscription", nil)
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			r := send(t, p, req)
			if tt.code == "" {
				if r.status != tt.status {
					t.Fatalf("status %d %s, want %d", r.status, r.body, tt.status)
				}
				return
			}
			if st, code := r.code(t); st != tt.status || code != tt.code {
				t.Errorf("got %d %s, want %d %s", st, code, tt.status, tt.code)
			}
		})
	}

	// The refresh token outlives the access token, then expires too.
	cfg := p.Config()
	refresh := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {ti.RefreshToken}}
	clk.Advance(time.Minute)
	if st, code := tokenRequest(t, p, cfg.ClientID, cfg.ClientSecret, refresh).code(t); st != 400 || code != "OAU-211" {
		t.Errorf("expired refresh token: %d %s, want 400 OAU-211", st, code)
	}
}

func TestExpireAndRevokeTokens(t *testing.T) {
	p, _ := start(t)
	ti := login(t, p)
	p.ExpireTokens()
	if st, code := do(t, p, ti.AccessToken, "GET", "/restapi/v1.0/subscription", nil).code(t); st != 401 || code != "OAU-128" {
		t.Fatalf("after ExpireTokens: %d %s, want 401 OAU-128", st, code)
	}
	cfg := p.Config()
	r := tokenRequest(t, p, cfg.ClientID, cfg.ClientSecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {ti.RefreshToken}})
	if r.status != 200 {
		t.Fatalf("refresh after ExpireTokens: %d %s", r.status, r.body)
	}
	var next tokenInfo
	r.decode(t, &next)
	p.RevokeRefreshTokens()
	if st, code := tokenRequest(t, p, cfg.ClientID, cfg.ClientSecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {next.RefreshToken}}).code(t); st != 400 || code != "OAU-211" {
		t.Errorf("refresh after RevokeRefreshTokens: %d %s, want 400 OAU-211", st, code)
	}

	// Revoke ends the whole session.
	ti = login(t, p)
	rev := url.Values{"token": {ti.RefreshToken}}
	req, _ := http.NewRequest("POST", p.URL()+"/restapi/oauth/revoke", strings.NewReader(rev.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(cfg.ClientID, cfg.ClientSecret)
	if r := send(t, p, req); r.status != 200 {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	if r := do(t, p, ti.AccessToken, "GET", "/restapi/v1.0/subscription", nil); r.status != 401 {
		t.Errorf("access token after revoke: %d, want 401", r.status)
	}
}

// TestOAuth2Interop logs in the way ringwatch does, with x/oauth2's
// clientcredentials (grant_type overridden, Basic client auth), then
// refreshes with oauth2.Config.
func TestOAuth2Interop(t *testing.T) {
	p, _ := start(t)
	cfg := p.Config()
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, p.HTTPClient())
	cc := clientcredentials.Config{
		ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
		TokenURL: cfg.ServerURL + "/restapi/oauth/token",
		EndpointParams: url.Values{
			"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"},
			"assertion":  {cfg.JWT},
		},
		AuthStyle: oauth2.AuthStyleInHeader,
	}
	tok, err := cc.Token(ctx)
	if err != nil {
		t.Fatalf("JWT grant through x/oauth2: %v", err)
	}
	if tok.Extra("owner_id") != p.Owner().ID || tok.RefreshToken == "" {
		t.Errorf("token: owner %v refresh %q", tok.Extra("owner_id"), tok.RefreshToken)
	}
	oc := oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
		Endpoint: oauth2.Endpoint{TokenURL: cc.TokenURL, AuthStyle: oauth2.AuthStyleInHeader}}
	next, err := oc.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken, Expiry: time.Unix(1, 0)}).Token()
	if err != nil {
		t.Fatalf("refresh through x/oauth2: %v", err)
	}
	if next.AccessToken == tok.AccessToken {
		t.Errorf("refresh gave the same access token")
	}

	cc.ClientSecret = "wrong"
	_, err = cc.Token(ctx)
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_client" || re.Response.StatusCode != 401 {
		t.Errorf("wrong secret: %v, want a 401 invalid_client RetrieveError", err)
	}
}

func TestConfigFor(t *testing.T) {
	p, _ := start(t)
	cfg, ok := p.ConfigFor("230000102")
	if !ok {
		t.Fatal("ConfigFor(230000102) not found")
	}
	r := tokenRequest(t, p, cfg.ClientID, cfg.ClientSecret, jwtForm(cfg.JWT))
	var ti tokenInfo
	r.decode(t, &ti)
	if ti.OwnerID != "230000102" {
		t.Errorf("owner_id = %q, want 230000102", ti.OwnerID)
	}
	if _, ok := p.ConfigFor("999"); ok {
		t.Errorf("ConfigFor(999) found")
	}
	if owner, _ := p.ConfigFor(p.Owner().ID); owner != p.Config() {
		t.Errorf("ConfigFor(owner) = %+v, want Config() %+v", owner, p.Config())
	}
}
