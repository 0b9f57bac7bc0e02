package ringwatch

import (
	"context"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// TokenPath is the token endpoint, relative to the server URL.
const TokenPath = "/restapi/oauth/token"

// GrantJWT is the grant_type of RingCentral's JWT bearer grant.
const GrantJWT = "urn:ietf:params:oauth:grant-type:jwt-bearer"

// Token timing.
const (
	// earlyExpiry is how long before an access token's expiry a new one is
	// fetched, so that a request never leaves with a token about to die.
	earlyExpiry = time.Minute
	// refreshMargin is how long before a refresh token's expiry it is no
	// longer tried, in favour of a new JWT grant.
	refreshMargin = time.Minute
)

// TokenSource returns the OAuth2 token source of the Config. The first
// token comes from RingCentral's JWT bearer grant (client id and secret in
// a Basic header); later ones from the refresh_token grant while the
// refresh token is valid, and from a new JWT grant when there is none or
// RingCentral refuses it. A token is reused until a minute before it
// expires. The source is safe for concurrent use, and concurrent callers
// share one token request.
//
// ctx is used for every token request, as in golang.org/x/oauth2: it must
// outlive the source (context.Background() in most programs), and its
// oauth2.HTTPClient value, if any, is the *http.Client for token requests.
//
// Failures are *AuthError values, which never hold the client secret, the
// JWT or a token; a Config lacking a credential fails with *MissingError.
func (c Config) TokenSource(ctx context.Context) oauth2.TokenSource {
	if err := c.Validate(); err != nil {
		return errSource{err}
	}
	return oauth2.ReuseTokenSourceWithExpiry(nil, newJWTSource(ctx, c), earlyExpiry)
}

// Client returns an *http.Client that authorises every request with a
// token obtained as by TokenSource(ctx). Its transport is that of ctx's
// oauth2.HTTPClient, or http.DefaultTransport. Give it to
// subscription.NewClient and the other REST clients.
//
// When the server answers 401 with an expired or invalid token (OAU-128,
// OAU-129, OAU-149, OAU-213) before the token's own expiry — it was
// invalidated on the server — the client drops its cached token, gets a
// new one (by refresh token first) and sends the request once more, if its
// body can be sent again (GetBody). It forces such a refresh at most once
// per MinReauthInterval; a 401 meanwhile is returned as it came.
func (c Config) Client(ctx context.Context) *http.Client {
	cc := contextClient(ctx)
	base := cc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	return c.authorised(ctx, base, cc)
}

// authorised returns a client that authorises every request sent through
// rt, with tokens fetched as by TokenSource(ctx); like carries the
// redirect policy, the jar and the timeout.
func (c Config) authorised(ctx context.Context, rt http.RoundTripper, like *http.Client) *http.Client {
	var src *reauthSource
	if err := c.Validate(); err != nil {
		src = newReauthSource(errSource{err})
	} else {
		src = newReauthSource(newJWTSource(ctx, c))
	}
	return &http.Client{
		Transport:     &authTransport{base: rt, src: src},
		CheckRedirect: like.CheckRedirect,
		Jar:           like.Jar,
		Timeout:       like.Timeout,
	}
}

type errSource struct{ err error }

func (s errSource) Token() (*oauth2.Token, error) { return nil, s.err }

// jwtSource fetches tokens. It is serialised by the ReuseTokenSource that
// wraps it; the mutex only guards its state against a caller that uses it
// directly.
type jwtSource struct {
	ctx   context.Context
	grant *clientcredentials.Config // the JWT bearer grant
	oauth *oauth2.Config            // the refresh_token grant
	now   func() time.Time

	// san lists the secret values that must not appear in an error: the
	// client secret, the JWT and the newest tokens. It has its own mutex
	// so that Secrets does not wait for a token request.
	sanMu sync.Mutex
	san   []string

	mu       sync.Mutex
	refresh  string    // the last refresh token
	rtExpiry time.Time // its expiry; zero when unknown
}

func newJWTSource(ctx context.Context, c Config) *jwtSource {
	tokenURL := c.server() + TokenPath
	return &jwtSource{
		ctx: ctx,
		grant: &clientcredentials.Config{
			ClientID:     c.ClientID,
			ClientSecret: c.ClientSecret,
			TokenURL:     tokenURL,
			AuthStyle:    oauth2.AuthStyleInHeader,
			// clientcredentials lets grant_type be overridden, which turns
			// it into RingCentral's JWT bearer grant.
			EndpointParams: map[string][]string{"grant_type": {GrantJWT}, "assertion": {c.JWT}},
		},
		oauth: &oauth2.Config{
			ClientID:     c.ClientID,
			ClientSecret: c.ClientSecret,
			Endpoint:     oauth2.Endpoint{TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInHeader},
		},
		san: []string{c.ClientSecret, c.JWT},
		now: time.Now,
	}
}

// Token returns a new token: by refresh while that can work, else by the
// JWT grant.
func (s *jwtSource) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rt := s.refresh; rt != "" && (s.rtExpiry.IsZero() || s.now().Before(s.rtExpiry.Add(-refreshMargin))) {
		// An empty access token makes oauth2 refresh at once.
		tok, err := s.oauth.TokenSource(s.ctx, &oauth2.Token{RefreshToken: rt}).Token()
		if err == nil {
			return s.keep(tok), nil
		}
		ae := s.authError("refresh_token", err)
		if !refused(ae) {
			// Unreachable server, cancelled context, rate limit: a JWT
			// grant would fail the same way. Keep the refresh token for
			// the next try.
			return nil, ae
		}
		s.refresh, s.rtExpiry = "", time.Time{}
	}
	tok, err := s.grant.Token(s.ctx)
	if err != nil {
		return nil, s.authError("jwt-bearer", err)
	}
	return s.keep(tok), nil
}

// keep records the refresh token of tok and returns tok.
func (s *jwtSource) keep(tok *oauth2.Token) *oauth2.Token {
	s.refresh, s.rtExpiry = tok.RefreshToken, time.Time{}
	if secs := number(tok.Extra("refresh_token_expires_in")); secs > 0 {
		s.rtExpiry = s.now().Add(time.Duration(secs) * time.Second)
	}
	// The error sanitiser must also know the newest token values.
	s.sanMu.Lock()
	s.san = append(s.san[:2:2], tok.AccessToken, tok.RefreshToken)
	s.sanMu.Unlock()
	return tok
}

// secrets returns the values that must not appear in an error or a log.
func (s *jwtSource) secrets() []string {
	s.sanMu.Lock()
	defer s.sanMu.Unlock()
	return append([]string(nil), s.san...)
}

// refused reports whether the token endpoint refused the refresh token
// itself (a 4xx other than 429), so that a JWT grant may do better.
func refused(err *AuthError) bool {
	return err.StatusCode >= 400 && err.StatusCode < 500 && err.StatusCode != http.StatusTooManyRequests
}

func number(v any) int64 {
	switch n := v.(type) {
	case float64:
		return int64(n)
	case int64:
		return n
	case int:
		return int64(n)
	case string:
		var x int64
		for _, c := range n {
			if c < '0' || c > '9' {
				return 0
			}
			x = x*10 + int64(c-'0')
			if x > 1<<40 {
				return 0
			}
		}
		return x
	}
	return 0
}
