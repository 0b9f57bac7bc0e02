package ringwatch

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"testing"
	"testing/synctest"
	"time"
)

// fakeRT answers every request with the headers that head returns, and
// records when each request left.
type fakeRT struct {
	status int
	head   func() http.Header
	sent   []time.Time
}

func (f *fakeRT) RoundTrip(r *http.Request) (*http.Response, error) {
	f.sent = append(f.sent, time.Now())
	h := http.Header{}
	if f.head != nil {
		h = f.head()
	}
	st := f.status
	if st == 0 {
		st = http.StatusOK
	}
	return &http.Response{StatusCode: st, Header: h, Body: http.NoBody, Request: r}, nil
}

func newTestBudget(rt http.RoundTripper) (*budget, *http.Client) {
	b := newBudget(slog.New(slog.DiscardHandler))
	return b, &http.Client{Transport: &budgetTransport{base: rt, b: b}}
}

func get(ctx context.Context, hc *http.Client, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://rc.test"+path, nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

const heavyPath = "/restapi/v1.0/account/~/presence"

// A spent group waits a window plus the margin before its next request.
func TestBudgetWaitsWhenSpent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := &fakeRT{}
		_, hc := newTestBudget(rt)
		start := time.Now()
		for range DefaultHeavyLimit + 1 {
			if err := get(t.Context(), hc, heavyPath); err != nil {
				t.Fatal(err)
			}
		}
		if len(rt.sent) != DefaultHeavyLimit+1 {
			t.Fatalf("%d sent", len(rt.sent))
		}
		for i, at := range rt.sent[:DefaultHeavyLimit] {
			if at != start {
				t.Errorf("request %d waited %v, want none", i, at.Sub(start))
			}
		}
		if got, want := rt.sent[DefaultHeavyLimit].Sub(start), DefaultRateWindow+margin(DefaultRateWindow); got != want {
			t.Errorf("request %d left after %v, want %v", DefaultHeavyLimit, got, want)
		}
	})
}

// A wait ends with the request's context, with an error wrapping its
// cause.
func TestBudgetHonoursContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := &fakeRT{}
		b, hc := newTestBudget(rt)
		for range DefaultHeavyLimit {
			if err := get(t.Context(), hc, heavyPath); err != nil {
				t.Fatal(err)
			}
		}
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		start := time.Now()
		err := get(ctx, hc, heavyPath)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want context.DeadlineExceeded", err)
		}
		if d := time.Since(start); d != 5*time.Second {
			t.Errorf("gave up after %v, want 5s", d)
		}
		if len(rt.sent) != DefaultHeavyLimit {
			t.Errorf("%d sent, want %d", len(rt.sent), DefaultHeavyLimit)
		}
		var heavy RateLimit
		for _, rl := range b.snapshot(time.Now()) {
			if rl.Group == GroupHeavy {
				heavy = rl
			}
		}
		if heavy.Remaining != 0 || heavy.WaitUntil.IsZero() {
			t.Errorf("Heavy = %+v, want spent with a WaitUntil", heavy)
		}
	})
}

// The group, limit and window of a route are learnt from the headers.
func TestBudgetLearnsFromHeaders(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		used := 0
		rt := &fakeRT{head: func() http.Header {
			used++
			return http.Header{"X-Rate-Limit-Group": {"Custom"}, "X-Rate-Limit-Limit": {"3"},
				"X-Rate-Limit-Remaining": {strconv.Itoa(100)}, "X-Rate-Limit-Window": {"10"}}
		}}
		b, hc := newTestBudget(rt)
		const path = "/restapi/v1.0/account/~/extension/12345/something/67"
		start := time.Now()
		for range 4 {
			if err := get(t.Context(), hc, path); err != nil {
				t.Fatal(err)
			}
		}
		if got, want := rt.sent[3].Sub(start), 10*time.Second+margin(10*time.Second); got != want {
			t.Errorf("4th request left after %v, want %v (limit 3 per 10 s learnt)", got, want)
		}
		b.mu.Lock()
		g := b.routes[routeKey(http.MethodGet, "/restapi/v1.0/account/~/extension/999/something/1")]
		b.mu.Unlock()
		if g != "Custom" {
			t.Errorf("route's group = %q, want Custom", g)
		}
	})
}

// Remaining 0 holds the group for a window from the answer.
func TestBudgetHoldsWhenServerSaysSpent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := &fakeRT{head: func() http.Header {
			return http.Header{"X-Rate-Limit-Group": {"Light"}, "X-Rate-Limit-Limit": {"50"},
				"X-Rate-Limit-Remaining": {"0"}, "X-Rate-Limit-Window": {"60"}}
		}}
		_, hc := newTestBudget(rt)
		start := time.Now()
		for range 2 {
			if err := get(t.Context(), hc, "/restapi/v1.0/subscription"); err != nil {
				t.Fatal(err)
			}
		}
		if got, want := rt.sent[1].Sub(start), time.Minute+margin(time.Minute); got != want {
			t.Errorf("2nd request left after %v, want %v", got, want)
		}
	})
}

// After a 429 the group waits for Retry-After (at most MaxRateHold), 30 s
// without one.
func TestBudgetBlocksAfter429(t *testing.T) {
	for _, tc := range []struct {
		retryAfter string
		want       time.Duration
	}{{"7", 7 * time.Second}, {"", DefaultRetryAfter}, {"600", MaxRateHold}} {
		t.Run("Retry-After="+tc.retryAfter, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt := &fakeRT{status: http.StatusTooManyRequests, head: func() http.Header {
					h := http.Header{}
					if tc.retryAfter != "" {
						h.Set("Retry-After", tc.retryAfter)
					}
					return h
				}}
				_, hc := newTestBudget(rt)
				start := time.Now()
				for range 2 {
					if err := get(t.Context(), hc, "/restapi/v1.0/account/~/telephony/sessions/s1"); err != nil {
						t.Fatal(err)
					}
				}
				if got := rt.sent[1].Sub(start); got != tc.want {
					t.Errorf("2nd request left after %v, want %v", got, tc.want)
				}
			})
		})
	}
}

// The default route table.
func TestBudgetDefaultGroups(t *testing.T) {
	for _, tc := range []struct{ method, path, group string }{
		{"POST", "/restapi/oauth/token", GroupAuth},
		{"POST", "/restapi/oauth/wstoken", GroupAuth},
		{"POST", "/restapi/v1.0/subscription", GroupMedium},
		{"GET", "/restapi/v1.0/subscription", GroupLight},
		{"GET", "/restapi/v1.0/subscription/abc", GroupLight},
		{"PUT", "/restapi/v1.0/subscription/abc", GroupMedium},
		{"DELETE", "/restapi/v1.0/subscription/abc", GroupMedium},
		{"POST", "/restapi/v1.0/subscription/abc/renew", GroupLight},
		{"GET", "/restapi/v1.0/account/~/telephony/sessions/s1", GroupLight},
		{"DELETE", "/restapi/v1.0/account/~/telephony/sessions/s1", GroupLight},
		{"POST", "/restapi/v1.0/account/~/telephony/sessions/s1/parties/p1/hold", GroupLight},
		{"GET", "/restapi/v1.0/account/~/telephony/sessions/s1/parties/p1", GroupLight},
		{"POST", "/restapi/v1.0/account/~/telephony/sessions/s1/supervise", GroupLight},
		{"POST", "/restapi/v1.0/account/~/telephony/sessions/s1/parties/bring-in", GroupLight},
		{"PATCH", "/restapi/v1.0/account/~/telephony/sessions/s1/parties/p1/recordings/r1", GroupLight},
		{"DELETE", "/restapi/v1.0/account/~/telephony/sessions/s1/parties/p1", GroupLight},
		{"POST", "/restapi/v1.0/account/~/telephony/call-out", GroupHeavy},
		{"POST", "/restapi/v1.0/account/~/telephony/conference", GroupHeavy},
		{"GET", "/restapi/v1.0/account/~/extension/~/presence", GroupLight},
		{"GET", "/restapi/v1.0/account/~/presence", GroupHeavy},
	} {
		if got := defaultGroup(routeKey(tc.method, tc.path)); got != tc.group {
			t.Errorf("%s %s: group %s, want %s", tc.method, tc.path, got, tc.group)
		}
	}
}

// An invalid Config makes requests fail with its *MissingError, and no
// panic.
func TestNewClientInvalidConfig(t *testing.T) {
	rc := NewClient(Config{ClientID: "id"}, nil)
	err := get(context.Background(), rc.HTTPClient(), "/restapi/v1.0/subscription")
	var me *MissingError
	if !errors.As(err, &me) {
		t.Fatalf("err = %v, want *MissingError", err)
	}
	if rc.Logger() == nil || rc.ServerURL() != DefaultServerURL {
		t.Errorf("Logger %v, ServerURL %q", rc.Logger(), rc.ServerURL())
	}
}
