package rest

import (
	"context"
	"errors"
	"github.com/ringwatch/ringwatch"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/jarcoal/httpmock"
)

// The tests of this file drive the Client through an *http.Client whose
// transport is httpmock's: no socket at all, one responder per case.

const mockBase = "https://platform.example"

// mockClient returns a Client sending through mt, with a bearer token set
// on every request as Config.Client would, a fake clock and no jitter.
func mockClient(mt *httpmock.MockTransport, clock *fakeClock, opts ...Option) *Client {
	hc := &http.Client{Transport: mockBearer{token: mockToken, next: mt}}
	opts = append([]Option{WithClock(clock.Now, clock.Sleep), WithJitter(func(d time.Duration) time.Duration { return d }),
		WithBackoff(time.Second, 8*time.Second)}, opts...)
	return New(mockBase, hc, opts...)
}

// mockToken is deliberately not shaped like a credential, so that only
// knowing it (from the request's Authorization header) can remove it.
const mockToken = "plain-opaque-value"

type mockBearer struct {
	token string
	next  http.RoundTripper
}

func (b mockBearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.RoundTrip(r)
}

// TestErrorBodyForms: each of RingCentral's error body forms fills the
// *APIError fields.
func TestErrorBodyForms(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		want   ringwatch.APIError
	}{
		{"errors list", 400, `{"errors":[{"errorCode":"CMN-101","message":"Parameter [to] value is invalid","parameterName":"to","parameterValue":12}]}`,
			ringwatch.APIError{StatusCode: 400, Code: "CMN-101", Message: "Parameter [to] value is invalid", Parameter: "to",
				Errors: []ringwatch.ErrorDetail{{Code: "CMN-101", Message: "Parameter [to] value is invalid", ParameterName: "to", ParameterValue: "12"}}}},
		{"top-level code", 404, `{"errorCode":"SUB-507","message":"Subscription expired"}`,
			ringwatch.APIError{StatusCode: 404, Code: "SUB-507", Message: "Subscription expired"}},
		{"both", 400, `{"errorCode":"SUB-505","message":"Too many subscriptions","errors":[{"errorCode":"SUB-505","message":"Too many subscriptions"}]}`,
			ringwatch.APIError{StatusCode: 400, Code: "SUB-505", Message: "Too many subscriptions",
				Errors: []ringwatch.ErrorDetail{{Code: "SUB-505", Message: "Too many subscriptions"}}}},
		{"OAuth", 401, `{"error":"invalid_grant","error_description":"Token is revoked"}`,
			ringwatch.APIError{StatusCode: 401, Code: "invalid_grant", Message: "Token is revoked"}},
		{"OAuth with RingCentral code", 401, `{"error":"invalid_grant","errors":[{"errorCode":"OAU-211","message":"Token is revoked"}],"error_description":"Token is revoked"}`,
			ringwatch.APIError{StatusCode: 401, Code: "OAU-211", Message: "Token is revoked",
				Errors: []ringwatch.ErrorDetail{{Code: "OAU-211", Message: "Token is revoked"}}}},
		{"not JSON", 502, `<html>Bad Gateway</html>`, ringwatch.APIError{StatusCode: 502}},
		{"empty", 403, ``, ringwatch.APIError{StatusCode: 403}},
		{"echoed bearer token", 401, `{"errorCode":"OAU-213","message":"Token plain-opaque-value not found","errors":[{"errorCode":"OAU-213","parameterName":"access_token","parameterValue":"plain-opaque-value"}]}`,
			ringwatch.APIError{StatusCode: 401, Code: "OAU-213", Message: "Token [redacted] not found", Parameter: "access_token",
				Errors: []ringwatch.ErrorDetail{{Code: "OAU-213", ParameterName: "access_token", ParameterValue: "[redacted]"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mt := httpmock.NewMockTransport()
			mt.RegisterResponder(http.MethodGet, mockBase+"/restapi/v1.0/x", httpmock.NewStringResponder(tc.status, tc.body))
			err := mockClient(mt, newFakeClock(), WithMaxAttempts(1)).Do(context.Background(), http.MethodGet, "/restapi/v1.0/x", nil, nil, nil)
			var ae *ringwatch.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %T %v, want *ringwatch.APIError", err, err)
			}
			want := tc.want
			want.Method, want.Path = http.MethodGet, "/restapi/v1.0/x"
			if d := cmp.Diff(&want, ae, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("ringwatch.APIError (-want +got):\n%s", d)
			}
			if strings.Contains(err.Error(), mockToken) {
				t.Errorf("error shows the bearer token: %v", err)
			}
		})
	}
}

// logRecorder keeps every attribute logged.
type logRecorder struct {
	mu    sync.Mutex
	lines []string
}

func (r *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *logRecorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	line := rec.Message
	rec.Attrs(func(a slog.Attr) bool { line += " " + a.String(); return true })
	r.lines = append(r.lines, line)
	return nil
}
func (r *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *logRecorder) WithGroup(string) slog.Handler      { return r }

// TestRetryTable: which answers are retried, after how long, and how many
// requests go out.
func TestRetryTable(t *testing.T) {
	ok := httpmock.NewStringResponder(200, `{"id":"1"}`)
	ra := func(status int, v string) httpmock.Responder {
		r := httpmock.NewStringResponder(status, `{"errorCode":"CMN-301","message":"Request rate exceeded"}`)
		if v != "" {
			r = r.HeaderSet(http.Header{"Retry-After": {v}})
		}
		return r
	}
	for _, tc := range []struct {
		name     string
		resp     httpmock.Responder
		calls    int
		sleeps   []time.Duration
		wantCode int // 0: success
	}{
		{"429 with Retry-After", ra(429, "7").Once().Then(ok), 2, []time.Duration{7 * time.Second}, 0},
		{"429 without Retry-After", ra(429, "").Once().Then(ok), 2, []time.Duration{DefaultRetryAfter}, 0},
		{"429 Retry-After beyond the bound", ra(429, "3600"), 1, nil, 429},
		{"503 retried then success", httpmock.NewStringResponder(503, "").Then(httpmock.NewStringResponder(503, "")).Then(ok), 3, []time.Duration{time.Second, 2 * time.Second}, 0},
		{"503 with Retry-After", ra(503, "3").Once().Then(ok), 2, []time.Duration{3 * time.Second}, 0},
		{"502 and 504 retried", httpmock.NewStringResponder(502, "").Once().Then(httpmock.NewStringResponder(504, "").Once()).Then(ok), 3,
			[]time.Duration{time.Second, 2 * time.Second}, 0},
		{"503 until attempts run out", httpmock.NewStringResponder(503, ""), DefaultMaxAttempts,
			[]time.Duration{time.Second, 2 * time.Second, 4 * time.Second}, 503},
		{"400 not retried", httpmock.NewStringResponder(400, `{"errorCode":"CMN-101"}`), 1, nil, 400},
		{"401 not retried", httpmock.NewStringResponder(401, `{"errorCode":"OAU-213"}`), 1, nil, 401},
		{"404 not retried", httpmock.NewStringResponder(404, `{"errorCode":"CMN-102"}`), 1, nil, 404},
		{"500 not retried", httpmock.NewStringResponder(500, ``), 1, nil, 500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mt := httpmock.NewMockTransport()
			mt.RegisterResponder(http.MethodPost, mockBase+"/restapi/v1.0/subscription", tc.resp)
			clock := newFakeClock()
			var out struct{ ID string }
			err := mockClient(mt, clock).Do(context.Background(), http.MethodPost, "/restapi/v1.0/subscription", nil, map[string]any{"a": 1}, &out)
			if got := mt.GetTotalCallCount(); got != tc.calls {
				t.Errorf("%d requests, want %d", got, tc.calls)
			}
			if d := cmp.Diff(tc.sleeps, clock.Sleeps(), cmpopts.EquateEmpty()); d != "" {
				t.Errorf("sleeps (-want +got):\n%s", d)
			}
			var ae *ringwatch.APIError
			switch {
			case tc.wantCode == 0 && (err != nil || out.ID != "1"):
				t.Errorf("err = %v, out = %+v, want success", err, out)
			case tc.wantCode != 0 && (!errors.As(err, &ae) || ae.StatusCode != tc.wantCode):
				t.Errorf("err = %v, want an *ringwatch.APIError %d", err, tc.wantCode)
			}
		})
	}
}

// TestRetryLogWithoutEchoedToken: a retried answer echoing the bearer
// token in its code leaves it neither in the error nor in the log line.
func TestRetryLogWithoutEchoedToken(t *testing.T) {
	mt := httpmock.NewMockTransport()
	body := `{"errorCode":"Bearer ` + mockToken + `","message":"bad ` + mockToken + `"}`
	mt.RegisterResponder(http.MethodGet, mockBase+"/x", httpmock.NewStringResponder(503, body))
	rec := &logRecorder{}
	err := mockClient(mt, newFakeClock(), WithMaxAttempts(2), WithLogger(slog.New(rec))).
		Do(context.Background(), http.MethodGet, "/x", nil, nil, nil)
	if err == nil || strings.Contains(err.Error(), mockToken) {
		t.Errorf("err = %v", err)
	}
	if len(rec.lines) != 1 || strings.Contains(strings.Join(rec.lines, "\n"), mockToken) {
		t.Errorf("log lines = %q", rec.lines)
	}
}
