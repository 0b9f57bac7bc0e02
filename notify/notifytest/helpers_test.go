package notifytest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
	"github.com/ringwatch/ringwatch/notify/notifytest"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// start checks for leaks, starts a platform on a fake clock and closes it
// at the end of the test.
func start(t *testing.T, opts ...notifytest.Option) (*notifytest.Platform, *fakeClock) {
	t.Helper()
	leakcheck.Check(t)
	clk := newClock()
	p, err := notifytest.NewPlatformErr(append([]notifytest.Option{notifytest.WithClock(clk.Now)}, opts...)...)
	if err != nil {
		t.Fatalf("NewPlatformErr: %v", err)
	}
	t.Cleanup(p.Close)
	return p, clk
}

// response is an answer read whole.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// rcError is RingCentral's error body in both its forms.
type rcError struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	ErrorCode        string `json:"errorCode"`
	Message          string `json:"message"`
	Errors           []struct {
		ErrorCode     string `json:"errorCode"`
		Message       string `json:"message"`
		ParameterName string `json:"parameterName"`
	} `json:"errors"`
}

// code returns the status and RingCentral error code of an answer,
// checking that both body forms agree.
func (r response) code(t *testing.T) (int, string) {
	t.Helper()
	var e rcError
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("error body %q: %v", r.body, err)
	}
	if len(e.Errors) != 1 || e.Errors[0].ErrorCode != e.ErrorCode {
		t.Fatalf("error body forms disagree: %s", r.body)
	}
	return r.status, e.ErrorCode
}

// do sends a request to the platform; body is JSON-encoded unless it is a
// string or nil. token "" sends no Authorization header.
func do(t *testing.T, p *notifytest.Platform, token, method, path string, body any) response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, p.URL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return send(t, p, req)
}

func send(t *testing.T, p *notifytest.Platform, req *http.Request) response {
	t.Helper()
	resp, err := p.HTTPClient().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, b}
}

// tokenRequest posts a form to the token endpoint with Basic client
// authentication.
func tokenRequest(t *testing.T, p *notifytest.Platform, clientID, secret string, form url.Values) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, p.URL()+"/restapi/oauth/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if clientID != "" {
		req.SetBasicAuth(clientID, secret)
	}
	return send(t, p, req)
}

type tokenInfo struct {
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

func jwtForm(jwt string) url.Values {
	return url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {jwt}}
}

// login runs the JWT grant with the platform's own credentials.
func login(t *testing.T, p *notifytest.Platform) tokenInfo {
	t.Helper()
	cfg := p.Config()
	r := tokenRequest(t, p, cfg.ClientID, cfg.ClientSecret, jwtForm(cfg.JWT))
	if r.status != http.StatusOK {
		t.Fatalf("login: %d %s", r.status, r.body)
	}
	var ti tokenInfo
	r.decode(t, &ti)
	return ti
}

// token returns a valid access token for an extension.
func token(t *testing.T, p *notifytest.Platform, ext string) string {
	t.Helper()
	tok, ok := p.AccessToken(ext)
	if !ok {
		t.Fatalf("AccessToken(%s): unknown extension", ext)
	}
	return tok
}
