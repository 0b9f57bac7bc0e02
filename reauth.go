package ringwatch

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/ringwatch/ringwatch/internal/errbody"
)

// MinReauthInterval is the least time between two forced token refreshes
// of one Config.Client. RingCentral advises against refreshing on every
// 401 (a broken token store would hammer the token endpoint), but a token
// the server has invalidated early (a password change, an admin's session
// timeout, too many sessions) is otherwise kept until its own expiry, up
// to an hour, and every call fails meanwhile.
const MinReauthInterval = 30 * time.Second

// reauthCodes are the 401 error codes that mean "this access token is no
// good": expired, corrupted, unparsable or invalid, not found. Other 401s
// (CMN-405, login to extension required) would fail with a new token too.
var reauthCodes = map[string]bool{"OAU-128": true, "OAU-129": true, "OAU-149": true, "OAU-213": true}

// reauthNow is the clock of the forced-refresh rate limit; tests replace
// it.
var reauthNow = time.Now

// maxPeek bounds what is read of a 401 body to find its error code.
const maxPeek = 16 << 10

// reauthSource caches tokens like oauth2.ReuseTokenSourceWithExpiry, and
// can drop the cached token once the server has refused it.
type reauthSource struct {
	fetch oauth2.TokenSource // the token-fetching source, never nil

	mu      sync.Mutex
	cur     oauth2.TokenSource // reuses the token of fetch
	last    string             // the access token cur handed out last
	dropped string             // the access token dropped last
	at      time.Time          // when; zero before the first drop
}

func newReauthSource(fetch oauth2.TokenSource) *reauthSource {
	return &reauthSource{fetch: fetch, cur: oauth2.ReuseTokenSourceWithExpiry(nil, fetch, earlyExpiry)}
}

// Token returns the cached token, fetching a new one when there is none
// or it is about to expire.
func (s *reauthSource) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	cur := s.cur
	s.mu.Unlock()
	tok, err := cur.Token()
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if cur == s.cur {
		s.last = tok.AccessToken
	}
	s.mu.Unlock()
	return tok, nil
}

// refused is told that the server refused access; it reports whether the
// request is worth sending once more. When access is still the cached
// token, the cache is dropped (at most once per MinReauthInterval), so
// that the next Token fetches a new one: by refresh token first, as ever.
func (s *reauthSource) refused(access string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case access == s.dropped:
		// A concurrent request met the same token and dropped it already.
		return true
	case access != s.last:
		// A newer token has been handed out since this request left.
		return true
	case !s.at.IsZero() && reauthNow().Sub(s.at) < MinReauthInterval:
		return false
	}
	s.cur = oauth2.ReuseTokenSourceWithExpiry(nil, s.fetch, earlyExpiry)
	s.dropped, s.at = access, reauthNow()
	return true
}

// authTransport sets the bearer token of every request, and sends a
// request once more with a new token when the server says that the token
// it carried is expired or invalid.
type authTransport struct {
	base http.RoundTripper
	src  *reauthSource
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	tok, err := t.src.Token()
	if err != nil {
		closeBody(req)
		return nil, err
	}
	resp, err := t.base.RoundTrip(authorised(req, tok))
	if err != nil || resp.StatusCode != http.StatusUnauthorized || !resendable(req) {
		return resp, err
	}
	if !reauthCodes[peekCode(resp)] || !t.src.refused(tok.AccessToken) {
		return resp, nil
	}
	body, err := getBody(req)
	if err != nil {
		return resp, nil // keep the 401: it says more than a GetBody failure
	}
	drain(resp)
	tok, err = t.src.Token()
	if err != nil {
		if body != nil {
			_ = body.Close()
		}
		return nil, err
	}
	again := authorised(req, tok)
	again.Body = body
	return t.base.RoundTrip(again)
}

// Secrets returns the secrets that the requests of t may carry or that
// their answers may echo (the client secret, the JWT, the current tokens),
// so that the REST clients remove them from error texts (scrub.Holder).
func (t *authTransport) Secrets() []string {
	var out []string
	if js, ok := t.src.fetch.(*jwtSource); ok {
		out = js.secrets()
	}
	t.src.mu.Lock()
	if t.src.last != "" {
		out = append(out, t.src.last)
	}
	t.src.mu.Unlock()
	return out
}

// authorised is a shallow copy of req with the Authorization header of tok
// (a RoundTripper must not modify its request).
func authorised(req *http.Request, tok *oauth2.Token) *http.Request {
	r := req.Clone(req.Context())
	r.Body = req.Body
	tok.SetAuthHeader(r)
	return r
}

// resendable reports whether req's body can be sent again.
func resendable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

func getBody(req *http.Request) (io.ReadCloser, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return req.Body, nil
	}
	return req.GetBody()
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}

// peekCode returns RingCentral's error code of the answer, leaving the
// body readable from the start.
func peekCode(resp *http.Response) string {
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxPeek))
	resp.Body = readCloser{io.MultiReader(bytes.NewReader(data), resp.Body), resp.Body}
	if err != nil {
		return ""
	}
	return errbody.Parse(resp.StatusCode, resp.Header, data, time.Time{}).Code
}

// drain lets the connection of an answer that is thrown away be reused.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	_ = resp.Body.Close()
}

type readCloser struct {
	io.Reader
	io.Closer
}

// contextClient is the *http.Client x/oauth2 would use for ctx.
func contextClient(ctx context.Context) *http.Client {
	if ctx != nil {
		if hc, ok := ctx.Value(oauth2.HTTPClient).(*http.Client); ok && hc != nil {
			return hc
		}
	}
	return http.DefaultClient
}
