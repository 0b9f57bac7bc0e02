package notifytest

import (
	"crypto/subtle"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	grantJWT     = "urn:ietf:params:oauth:grant-type:jwt-bearer"
	grantRefresh = "refresh_token"

	// tokenScope is the scope the fake grants: everything ringwatch uses.
	tokenScope = "ReadAccounts ReadPresence CallControl SubscriptionWebhook WebSocket"
	// maxTokens bounds the token tables; past it, dead tokens are purged.
	maxTokens = 10000
)

// caller is the authenticated extension of a request.
type caller struct {
	extensionID string
	sessionID   string
}

type accessToken struct {
	session     string
	extensionID string
	expires     time.Time
	revoked     bool
}

type refreshToken struct {
	session     string
	extensionID string
	expires     time.Time
}

// authState holds the credentials and tokens. It has its own lock so that
// authentication never waits for the subscription tables.
type authState struct {
	mu       sync.Mutex
	set      *settings
	jwts     map[string]string // JWT → extension id
	extJWT   map[string]string // extension id → JWT
	access   map[string]*accessToken
	refresh  map[string]*refreshToken
	sessions int
}

func (a *authState) init(s *settings) {
	a.set = s
	a.jwts, a.extJWT = map[string]string{}, map[string]string{}
	for _, e := range s.extensions {
		jwt := JWTFor(e.ID)
		if e.ID == s.ownerID {
			jwt = s.jwt
		}
		a.jwts[jwt], a.extJWT[e.ID] = e.ID, jwt
	}
	a.access, a.refresh = map[string]*accessToken{}, map[string]*refreshToken{}
}

func (a *authState) jwtOf(extensionID string) (string, bool) {
	if a.extJWT == nil {
		return "", false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	j, ok := a.extJWT[extensionID]
	return j, ok
}

// tokenResponse is RingCentral's TokenInfo.
type tokenResponse struct {
	AccessToken           string `json:"access_token"`
	TokenType             string `json:"token_type"`
	ExpiresIn             int64  `json:"expires_in"`
	RefreshToken          string `json:"refresh_token"`
	RefreshTokenExpiresIn int64  `json:"refresh_token_expires_in"`
	Scope                 string `json:"scope"`
	OwnerID               string `json:"owner_id"`
	EndpointID            string `json:"endpoint_id"`
	SessionID             string `json:"session_id"`
}

func oauthError(status int, oauth, code, message string) *apiError {
	return &apiError{status: status, code: code, message: message, oauth: oauth}
}

var errInvalidClient = oauthError(http.StatusUnauthorized, "invalid_client", "OAU-146", "Invalid client credentials")

// serveToken is POST /restapi/oauth/token.
func (p *Platform) serveToken(w http.ResponseWriter, r *http.Request, _ *caller) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		oauthError(http.StatusUnsupportedMediaType, "invalid_request", "CMN-415",
			"Content-Type must be application/x-www-form-urlencoded").write(w)
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthError(http.StatusBadRequest, "invalid_request", "OAU-101", "Malformed request body").write(w)
		return
	}
	if !p.clientAuthenticated(r) {
		errInvalidClient.write(w)
		return
	}
	var (
		tok  tokenResponse
		aerr *apiError
	)
	switch gt := r.PostForm.Get("grant_type"); gt {
	case grantJWT:
		tok, aerr = p.auth.jwtGrant(r.PostForm.Get("assertion"), p.now())
	case grantRefresh:
		tok, aerr = p.auth.refreshGrant(r.PostForm.Get("refresh_token"), p.now())
	case "":
		aerr = oauthError(http.StatusBadRequest, "invalid_request", "OAU-101", "Parameter [grant_type] is missing")
	default:
		aerr = oauthError(http.StatusBadRequest, "unsupported_grant_type", "OAU-125", "Unsupported grant type")
	}
	if aerr != nil {
		p.log.Debug("notifytest: token refused", "grant", r.PostForm.Get("grant_type"), "code", aerr.code)
		aerr.write(w)
		return
	}
	p.log.Debug("notifytest: token issued", "grant", r.PostForm.Get("grant_type"), "owner", tok.OwnerID, "session", tok.SessionID)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, tok)
}

// clientAuthenticated checks the Basic client credentials (as x/oauth2
// sends them: URL-encoded, then base64) or client_id and client_secret in
// the form.
func (p *Platform) clientAuthenticated(r *http.Request) bool {
	id, secret, ok := r.BasicAuth()
	if ok {
		if u, err := url.QueryUnescape(id); err == nil {
			id = u
		}
		if u, err := url.QueryUnescape(secret); err == nil {
			secret = u
		}
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	return equal(id, p.set.clientID) && equal(secret, p.set.clientSecret)
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

func (a *authState) jwtGrant(assertion string, now time.Time) (tokenResponse, *apiError) {
	a.mu.Lock()
	defer a.mu.Unlock()
	ext := ""
	for jwt, e := range a.jwts {
		if equal(jwt, assertion) {
			ext = e
		}
	}
	if ext == "" {
		return tokenResponse{}, oauthError(http.StatusBadRequest, "invalid_grant", "OAU-140", "Invalid resource owner credentials")
	}
	a.sessions++
	return a.issue(strconv.Itoa(a.sessions), ext, now), nil
}

// refreshGrant exchanges a refresh token, which is single-use; the new
// tokens belong to the same session, and the session's previous access
// tokens stop working at once, as RingCentral documents.
func (a *authState) refreshGrant(token string, now time.Time) (tokenResponse, *apiError) {
	a.mu.Lock()
	defer a.mu.Unlock()
	rt, ok := a.refresh[token]
	if !ok {
		// Unknown and already used tokens look alike: RingCentral's
		// codes for them are not documented; OAU-211 is "Token is revoked".
		return tokenResponse{}, oauthError(http.StatusBadRequest, "invalid_grant", "OAU-211", "Token is revoked")
	}
	delete(a.refresh, token)
	if !now.Before(rt.expires) {
		return tokenResponse{}, oauthError(http.StatusBadRequest, "invalid_grant", "OAU-211", "Token is expired")
	}
	for _, at := range a.access {
		if at.session == rt.session {
			at.revoked = true
		}
	}
	return a.issue(rt.session, rt.extensionID, now), nil
}

// issue creates an access and a refresh token. Callers hold a.mu.
func (a *authState) issue(session, ext string, now time.Time) tokenResponse {
	a.purge(now)
	at, rt := "nt-at-"+randomHex(24), "nt-rt-"+randomHex(24)
	a.access[at] = &accessToken{session: session, extensionID: ext, expires: now.Add(a.set.accessTTL)}
	a.refresh[rt] = &refreshToken{session: session, extensionID: ext, expires: now.Add(a.set.refreshTTL)}
	return tokenResponse{
		AccessToken:           at,
		TokenType:             "bearer",
		ExpiresIn:             ceilSeconds(a.set.accessTTL),
		RefreshToken:          rt,
		RefreshTokenExpiresIn: ceilSeconds(a.set.refreshTTL),
		Scope:                 tokenScope,
		OwnerID:               ext,
		EndpointID:            "notifytest-endpoint-" + session,
		SessionID:             session,
	}
}

// purge drops dead tokens once the tables are large. Callers hold a.mu.
func (a *authState) purge(now time.Time) {
	if len(a.access) > maxTokens {
		for k, t := range a.access {
			if t.revoked || !now.Before(t.expires) {
				delete(a.access, k)
			}
		}
	}
	if len(a.refresh) > maxTokens {
		for k, t := range a.refresh {
			if !now.Before(t.expires) {
				delete(a.refresh, k)
			}
		}
	}
}

func ceilSeconds(d time.Duration) int64 { return int64((d + time.Second - 1) / time.Second) }

// authenticate checks the bearer token of r (or its access_token query
// parameter, which RingCentral also accepts).
func (p *Platform) authenticate(r *http.Request) (*caller, *apiError) {
	token := ""
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, rest, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") {
			return nil, errorf(http.StatusUnauthorized, "OAU-149", "Unparsable access token")
		}
		token = strings.TrimSpace(rest)
	} else {
		token = r.URL.Query().Get("access_token")
	}
	return p.auth.check(token, p.now())
}

func (a *authState) check(token string, now time.Time) (*caller, *apiError) {
	if token == "" {
		return nil, errorf(http.StatusUnauthorized, "OAU-149", "Unparsable access token")
	}
	a.mu.Lock()
	at, ok := a.access[token]
	var c caller
	if ok {
		c = caller{extensionID: at.extensionID, sessionID: at.session}
	}
	expired := ok && (at.revoked || !now.Before(at.expires))
	a.mu.Unlock()
	switch {
	case !ok:
		return nil, errorf(http.StatusUnauthorized, "OAU-149", "Invalid token")
	case expired:
		return nil, errorf(http.StatusUnauthorized, "OAU-128", "Access token expired")
	}
	return &c, nil
}

// serveRevoke is POST /restapi/oauth/revoke: it ends the whole session of
// the token, as RingCentral does.
func (p *Platform) serveRevoke(w http.ResponseWriter, r *http.Request, _ *caller) {
	if err := r.ParseForm(); err != nil {
		oauthError(http.StatusBadRequest, "invalid_request", "OAU-101", "Malformed request body").write(w)
		return
	}
	if !p.clientAuthenticated(r) {
		errInvalidClient.write(w)
		return
	}
	token := r.Form.Get("token")
	a := &p.auth
	a.mu.Lock()
	session := ""
	if t, ok := a.access[token]; ok {
		session = t.session
	} else if t, ok := a.refresh[token]; ok {
		session = t.session
	}
	if session != "" {
		for _, t := range a.access {
			if t.session == session {
				t.revoked = true
			}
		}
		for k, t := range a.refresh {
			if t.session == session {
				delete(a.refresh, k)
			}
		}
	}
	a.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// ExpireTokens makes every access token issued so far expired: the next API
// call with one of them gets 401 OAU-128. Refresh tokens keep working.
func (p *Platform) ExpireTokens() {
	now := p.now()
	p.auth.mu.Lock()
	for _, t := range p.auth.access {
		if now.Before(t.expires) {
			t.expires = now
		}
	}
	p.auth.mu.Unlock()
}

// RevokeRefreshTokens makes every refresh token issued so far unusable
// (400 invalid_grant), so that a client has to log in with its JWT again.
func (p *Platform) RevokeRefreshTokens() {
	p.auth.mu.Lock()
	clear(p.auth.refresh)
	p.auth.mu.Unlock()
}

// AccessToken logs an extension in without going through the token
// endpoint and returns a valid access token for it, for tests that call the
// API with their own HTTP client. ok is false for an unknown extension.
func (p *Platform) AccessToken(extensionID string) (token string, ok bool) {
	if _, known := p.extension(extensionID); !known {
		return "", false
	}
	now := p.now()
	p.auth.mu.Lock()
	defer p.auth.mu.Unlock()
	p.auth.sessions++
	return p.auth.issue(strconv.Itoa(p.auth.sessions), extensionID, now).AccessToken, true
}
