package websocket_test

import (
	"context"
	"errors"
	"golang.org/x/oauth2"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/transport"
	"github.com/ringwatch/ringwatch/transport/websocket"
)

// sleeps records the waits between attempts and returns at once: a fake
// clock for the retry rules.
type sleeps struct {
	mu   sync.Mutex
	got  []time.Duration
	hold chan struct{} // if not nil, each wait first waits for it
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) bool {
	s.mu.Lock()
	s.got = append(s.got, d)
	hold := s.hold
	s.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
			return false
		}
	}
	return ctx.Err() == nil
}

func (s *sleeps) waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.got...)
}

// platformClient is cfg.Client over a base transport closed with the test.
func platformClient(t *testing.T, cfg ringwatch.Config) *ringwatch.Client {
	base := &http.Transport{}
	t.Cleanup(base.CloseIdleConnections)
	return ringwatch.NewClient(cfg, ringwatch.WithHTTPClient(&http.Client{Transport: base}))
}

// bareClient is an authorised client without a rate-limit budget.
func bareClient(t *testing.T, cfg ringwatch.Config) *http.Client {
	base := &http.Transport{}
	t.Cleanup(base.CloseIdleConnections)
	return cfg.Client(context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Transport: base}))
}

func newPlatform(t *testing.T, opts ...notifytest.Option) *notifytest.Platform {
	t.Helper()
	p := notifytest.NewPlatform(opts...)
	if err := p.Err(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

var telephonyFilters = []subscription.Filter{subscription.AccountTelephonySessions()}

func countPath(p *notifytest.Platform, path string) int {
	n := 0
	for _, r := range p.Requests() {
		if r.Path == path {
			n++
		}
	}
	return n
}

// Issue 10.4: the waits Open takes after a refused wstoken request. A 429
// without Retry-After waits 30 s (a quicker retry restarts RingCentral's
// 60 s penalty); a Retry-After is honoured up to DefaultMaxRetryAfter, so
// that Open cannot block for 10 minutes because a server said 600; a 503
// with Retry-After waits what it says.
func TestOpenRetryWaits(t *testing.T) {
	for _, tc := range []struct {
		name       string
		status     int
		retryAfter string
		want       time.Duration
	}{
		{"429 without Retry-After", http.StatusTooManyRequests, "", websocket.DefaultRetryAfter},
		{"429 Retry-After 600", http.StatusTooManyRequests, "600", websocket.DefaultMaxRetryAfter},
		{"429 Retry-After 7", http.StatusTooManyRequests, "7", 7 * time.Second},
		{"503 Retry-After 3", http.StatusServiceUnavailable, "3", 3 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leakcheck.Check(t)
			p := newPlatform(t)
			p.FailNext("POST", "/restapi/oauth/wstoken", tc.status, tc.retryAfter, 1)
			s := &sleeps{}
			tr := websocket.NewWithHTTPClient(p.URL(), bareClient(t, p.Config()), websocket.WithSleep(s.sleep),
				websocket.WithReconnectBackoff(time.Millisecond, 2*time.Millisecond))
			defer tr.Close(context.Background())
			if err := tr.Open(context.Background(), telephonyFilters, &recorder{}); err != nil {
				t.Fatalf("Open: %v", err)
			}
			if diff := cmp.Diff([]time.Duration{tc.want}, s.waits()); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("WithMaxRetryAfter", func(t *testing.T) {
		leakcheck.Check(t)
		p := newPlatform(t)
		p.FailNext("POST", "/restapi/oauth/wstoken", http.StatusTooManyRequests, "600", 1)
		s := &sleeps{}
		tr := websocket.NewWithHTTPClient(p.URL(), bareClient(t, p.Config()), websocket.WithSleep(s.sleep),
			websocket.WithBackoffFunc(func(int) time.Duration { return 0 }), websocket.WithMaxRetryAfter(10*time.Second))
		defer tr.Close(context.Background())
		if err := tr.Open(context.Background(), telephonyFilters, &recorder{}); err != nil {
			t.Fatalf("Open: %v", err)
		}
		if diff := cmp.Diff([]time.Duration{10 * time.Second}, s.waits()); diff != "" {
			t.Errorf("waits (-want +got):\n%s", diff)
		}
	})
}

// Issue 10.4: an invalid JWT is refused by the token endpoint for good.
// Open does not ask again (RingCentral allows 5 token requests a minute).
func TestOpenInvalidJWTNotRetried(t *testing.T) {
	leakcheck.Check(t)
	p := newPlatform(t)
	cfg := p.Config()
	cfg.JWT = notifytest.JWTFor("999999999") // no such extension
	s := &sleeps{}
	tr := websocket.New(platformClient(t, cfg), websocket.WithSleep(s.sleep), websocket.WithOpenAttempts(5))
	defer tr.Close(context.Background())
	err := tr.Open(context.Background(), telephonyFilters, &recorder{})
	var ae *ringwatch.AuthError
	if !errors.As(err, &ae) || ae.Temporary() {
		t.Fatalf("Open = %v, want a permanent *ringwatch.AuthError", err)
	}
	if n := countPath(p, ringwatch.TokenPath); n != 1 {
		t.Errorf("%d token requests, want 1 (no retry)", n)
	}
	if w := s.waits(); len(w) != 0 {
		t.Errorf("waits %v, want none", w)
	}
}

// Issue 10.4: credentials refused while reconnecting end the subscription
// (sink.Fail) at the first refusal instead of hammering the token
// endpoint.
func TestReconnectAuthRefusedFails(t *testing.T) {
	leakcheck.Check(t)
	p := newPlatform(t)
	s := &sleeps{}
	tr := websocket.New(platformClient(t, p.Config()), websocket.WithSleep(s.sleep),
		websocket.WithBackoffFunc(func(int) time.Duration { return 0 }))
	defer tr.Close(context.Background())
	sink := &recorder{}
	if err := tr.Open(context.Background(), telephonyFilters, sink); err != nil {
		t.Fatalf("Open: %v", err)
	}
	// Every token request from now on is refused as an invalid grant (a
	// revoked JWT or app): the refresh and the JWT grant alike.
	p.InjectFault(notifytest.Fault{PathPrefix: ringwatch.TokenPath, Status: http.StatusBadRequest, Count: 1000,
		Body: []byte(`{"error":"invalid_grant","error_description":"Invalid token","errorCode":"OAU-140","message":"Invalid token"}`)})
	p.ResetRequests()
	p.ExpireTokens()
	p.DropWebSockets()
	eventually(t, "Fail", func() bool {
		sink.mu.Lock()
		defer sink.mu.Unlock()
		return sink.failed != nil
	})
	sink.mu.Lock()
	failed := sink.failed
	sink.mu.Unlock()
	var ae *ringwatch.AuthError
	if !errors.As(failed, &ae) {
		t.Errorf("Fail(%v), want a *ringwatch.AuthError", failed)
	}
	if n := sink.count(transport.Reconnecting); n != 1 {
		t.Errorf("%d reconnection attempts, want 1", n)
	}
	n := countPath(p, ringwatch.TokenPath)
	time.Sleep(100 * time.Millisecond)
	if m := countPath(p, ringwatch.TokenPath); m != n || n > 2 {
		t.Errorf("token requests: %d, then %d; want at most 2 (refresh, JWT) and no more", n, m)
	}
}
