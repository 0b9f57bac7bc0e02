package rest

import (
	"context"
	"errors"
	"github.com/ringwatch/ringwatch"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

type thing struct {
	Name  string `json:"name"`
	Count int    `json:"count,omitempty"`
}

func TestDoRequestShape(t *testing.T) {
	clock := newFakeClock()
	s := newServer(t, clock, answer(200, map[string]string{
		"X-Rate-Limit-Group": "Medium", "X-Rate-Limit-Limit": "40", "X-Rate-Limit-Remaining": "39", "X-Rate-Limit-Window": "60",
	}, `{"name":"out","count":2}`))
	c := New(s.URL+"/", s.client(t), WithClock(clock.Now, clock.Sleep))
	if c.RateLimit() != nil {
		t.Fatal("RateLimit before any answer is not nil")
	}
	var got thing
	err := c.Do(context.Background(), http.MethodPost, "/restapi/v1.0/x/"+Segment("a b/~"), url.Values{"q": {"1 2"}}, thing{Name: "in"}, &got)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(thing{Name: "out", Count: 2}, got); d != "" {
		t.Errorf("decoded (-want +got):\n%s", d)
	}
	reqs := s.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	want := recorded{Method: "POST", Path: "/restapi/v1.0/x/a b/~", RawQuery: "q=1+2", Body: `{"name":"in"}`}
	if d := cmp.Diff(want, r, cmp.FilterPath(func(p cmp.Path) bool {
		f := p.Last().String()
		return f == ".Header" || f == ".At"
	}, cmp.Ignore())); d != "" {
		t.Errorf("request (-want +got):\n%s", d)
	}
	for k, v := range map[string]string{
		"Authorization": "Bearer test-access-token",
		"Accept":        "application/json",
		"Content-Type":  "application/json",
		"User-Agent":    "ringwatch/" + Version + " (Go)",
	} {
		if got := r.Header.Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	if d := cmp.Diff(&ringwatch.RateLimit{Group: "Medium", Limit: 40, Remaining: 39, Window: time.Minute}, c.RateLimit()); d != "" {
		t.Errorf("RateLimit (-want +got):\n%s", d)
	}
}

func TestDoNoBodyNoContentType(t *testing.T) {
	s := newServer(t, nil, answer(http.StatusNoContent, nil, ""))
	c := New(s.URL, s.client(t))
	var out thing
	if err := c.Do(context.Background(), http.MethodDelete, "/r", nil, nil, &out); err != nil {
		t.Fatal(err)
	}
	r := s.Requests()[0]
	if r.Header.Get("Content-Type") != "" || r.Body != "" || r.RawQuery != "" {
		t.Errorf("request without body has Content-Type %q, body %q, query %q", r.Header.Get("Content-Type"), r.Body, r.RawQuery)
	}
	if out != (thing{}) {
		t.Errorf("empty answer decoded into %+v", out)
	}
}

func TestRetry429RetryAfterSeconds(t *testing.T) {
	clock := newFakeClock()
	s := newServer(t, clock,
		answer(429, map[string]string{"Retry-After": "2"}, `{"errorCode":"CMN-301","message":"Request rate exceeded"}`),
		answer(200, nil, `{"name":"ok"}`))
	c := New(s.URL, s.client(t), WithClock(clock.Now, clock.Sleep))
	var got thing
	if err := c.Do(context.Background(), http.MethodPost, "/r", nil, thing{Name: "body"}, &got); err != nil {
		t.Fatal(err)
	}
	if got.Name != "ok" {
		t.Errorf("got %+v", got)
	}
	reqs := s.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(reqs))
	}
	if gap := reqs[1].At.Sub(reqs[0].At); gap != 2*time.Second {
		t.Errorf("retried after %v of fake time, want 2s", gap)
	}
	if d := cmp.Diff([]time.Duration{2 * time.Second}, clock.Sleeps()); d != "" {
		t.Errorf("sleeps (-want +got):\n%s", d)
	}
	// The body is sent again, whole.
	if reqs[0].Body != `{"name":"body"}` || reqs[1].Body != reqs[0].Body {
		t.Errorf("bodies %q then %q", reqs[0].Body, reqs[1].Body)
	}
}

func TestRetry429WithoutRetryAfterWaits30s(t *testing.T) {
	clock := newFakeClock()
	s := newServer(t, clock, answer(429, nil, ""), answer(200, nil, `{}`))
	c := New(s.URL, s.client(t), WithClock(clock.Now, clock.Sleep))
	if err := c.Do(context.Background(), http.MethodGet, "/r", nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	reqs := s.Requests()
	if len(reqs) != 2 || reqs[1].At.Sub(reqs[0].At) != 30*time.Second {
		t.Fatalf("requests %d, gap %v; want 2 after 30s", len(reqs), reqs[len(reqs)-1].At.Sub(reqs[0].At))
	}
}

func TestRetry429RetryAfterDate(t *testing.T) {
	clock := newFakeClock()
	date := clock.Now().Add(5 * time.Second).Format(http.TimeFormat)
	s := newServer(t, clock, answer(429, map[string]string{"Retry-After": date}, ""), answer(200, nil, `{}`))
	c := New(s.URL, s.client(t), WithClock(clock.Now, clock.Sleep))
	if err := c.Do(context.Background(), http.MethodGet, "/r", nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]time.Duration{5 * time.Second}, clock.Sleeps()); d != "" {
		t.Errorf("sleeps (-want +got):\n%s", d)
	}
}

func TestRetryAttemptsBounded(t *testing.T) {
	clock := newFakeClock()
	s := newServer(t, clock, answer(429, map[string]string{"Retry-After": "1"}, `{"errorCode":"CMN-301"}`))
	c := New(s.URL, s.client(t), WithClock(clock.Now, clock.Sleep), WithMaxAttempts(3))
	err := c.Do(context.Background(), http.MethodGet, "/r", nil, nil, nil)
	var ae *ringwatch.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 429 || !errors.Is(err, ringwatch.ErrRateLimited) {
		t.Fatalf("err = %v, want a 429 *ringwatch.APIError", err)
	}
	if ae.RetryAfter != time.Second {
		t.Errorf("RetryAfter = %v, want 1s", ae.RetryAfter)
	}
	if n := len(s.Requests()); n != 3 {
		t.Errorf("%d requests, want 3 (MaxAttempts)", n)
	}
	if n := len(clock.Sleeps()); n != 2 {
		t.Errorf("%d waits, want 2", n)
	}
}

func TestRetryDefaultAttempts(t *testing.T) {
	clock := newFakeClock()
	s := newServer(t, clock, answer(503, nil, ""))
	c := New(s.URL, s.client(t), WithClock(clock.Now, clock.Sleep))
	_ = c.Do(context.Background(), http.MethodGet, "/r", nil, nil, nil)
	if n := len(s.Requests()); n != DefaultMaxAttempts {
		t.Errorf("%d requests, want %d", n, DefaultMaxAttempts)
	}
}

func TestRetryAfterTooLongNotWaited(t *testing.T) {
	clock := newFakeClock()
	s := newServer(t, clock, answer(429, map[string]string{"Retry-After": "3600"}, ""))
	c := New(s.URL, s.client(t), WithClock(clock.Now, clock.Sleep))
	err := c.Do(context.Background(), http.MethodGet, "/r", nil, nil, nil)
	var ae *ringwatch.APIError
	if !errors.As(err, &ae) || ae.RetryAfter != time.Hour {
		t.Fatalf("err = %v, want *ringwatch.APIError with RetryAfter 1h", err)
	}
	if n := len(s.Requests()); n != 1 || len(clock.Sleeps()) != 0 {
		t.Errorf("%d requests and %d waits, want 1 and 0", n, len(clock.Sleeps()))
	}
}

func TestNoRetryOn4xx(t *testing.T) {
	for _, status := range []int{400, 401, 403, 404, 409, 415} {
		clock := newFakeClock()
		s := newServer(t, clock, answer(status, nil, `{"errors":[{"errorCode":"X-1","message":"no"}]}`))
		c := New(s.URL, s.client(t), WithClock(clock.Now, clock.Sleep))
		err := c.Do(context.Background(), http.MethodPost, "/r", nil, thing{}, nil)
		var ae *ringwatch.APIError
		if !errors.As(err, &ae) || ae.StatusCode != status {
			t.Errorf("%d: err = %v", status, err)
		}
		if n := len(s.Requests()); n != 1 || len(clock.Sleeps()) != 0 {
			t.Errorf("%d: %d requests and %d waits, want 1 and 0", status, n, len(clock.Sleeps()))
		}
	}
}

func TestRetry503BackoffCapped(t *testing.T) {
	clock := newFakeClock()
	s := newServer(t, clock, answer(503, nil, `{"errorCode":"CMN-201","message":"Service Temporary Unavailable"}`))
	// The jitter returns its ceiling, which shows the capped exponential.
	c := New(s.URL, s.client(t), WithClock(clock.Now, clock.Sleep), WithMaxAttempts(6),
		WithBackoff(time.Second, 4*time.Second), WithJitter(func(d time.Duration) time.Duration { return d }))
	err := c.Do(context.Background(), http.MethodGet, "/r", nil, nil, nil)
	var ae *ringwatch.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 503 || ae.Code != "CMN-201" || !ae.Temporary() {
		t.Fatalf("err = %v", err)
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second, 4 * time.Second}
	if d := cmp.Diff(want, clock.Sleeps()); d != "" {
		t.Errorf("waits (-want +got):\n%s", d)
	}
	if n := len(s.Requests()); n != 6 {
		t.Errorf("%d requests, want 6", n)
	}
}

func TestRetry5xxJitter(t *testing.T) {
	for _, status := range []int{502, 503, 504} {
		clock := newFakeClock()
		s := newServer(t, clock, answer(status, nil, ""))
		c := New(s.URL, s.client(t), WithClock(clock.Now, clock.Sleep), WithMaxAttempts(40),
			WithBackoff(100*time.Millisecond, time.Second))
		_ = c.Do(context.Background(), http.MethodGet, "/r", nil, nil, nil)
		sleeps := clock.Sleeps()
		if len(sleeps) != 39 {
			t.Fatalf("%d: %d waits, want 39", status, len(sleeps))
		}
		distinct := map[time.Duration]bool{}
		ceil := 100 * time.Millisecond
		for i, d := range sleeps {
			if i > 0 {
				ceil = min(2*ceil, time.Second)
			}
			if d < 0 || d > ceil {
				t.Errorf("%d: wait %d = %v, outside [0, %v]", status, i, d, ceil)
			}
			distinct[d] = true
		}
		if len(distinct) < 10 {
			t.Errorf("%d: only %d distinct waits in 39: not jittered", status, len(distinct))
		}
	}
}

func TestRetry503HonoursRetryAfter(t *testing.T) {
	clock := newFakeClock()
	s := newServer(t, clock, answer(503, map[string]string{"Retry-After": "7"}, ""), answer(200, nil, `{}`))
	c := New(s.URL, s.client(t), WithClock(clock.Now, clock.Sleep))
	if err := c.Do(context.Background(), http.MethodGet, "/r", nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]time.Duration{7 * time.Second}, clock.Sleeps()); d != "" {
		t.Errorf("waits (-want +got):\n%s", d)
	}
}

func TestCancelDuringRetryWait(t *testing.T) {
	s := newServer(t, nil, answer(429, nil, `{"errorCode":"CMN-301"}`))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	waiting := make(chan time.Duration, 1)
	// The real Sleep, told when the wait starts so the test can cancel it.
	sleep := func(ctx context.Context, d time.Duration) error {
		waiting <- d
		return Sleep(ctx, d)
	}
	c := New(s.URL, s.client(t), WithClock(nil, sleep))
	errc := make(chan error, 1)
	go func() { errc <- c.Do(ctx, http.MethodGet, "/r", nil, nil, nil) }()
	if d := <-waiting; d != 30*time.Second {
		t.Errorf("waiting %v, want 30s", d)
	}
	start := time.Now()
	cancel()
	select {
	case err := <-errc:
		if el := time.Since(start); el > time.Second {
			t.Errorf("returned %v after cancel", el)
		}
		if !errors.Is(err, context.Canceled) || !errors.Is(err, ringwatch.ErrRateLimited) {
			t.Errorf("err = %v, want context.Canceled and ringwatch.ErrRateLimited", err)
		}
		if !strings.Contains(err.Error(), "abandoned") {
			t.Errorf("err = %q", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Do did not return after cancel")
	}
	if n := len(s.Requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestCancelledBeforeSend(t *testing.T) {
	s := newServer(t, nil, answer(200, nil, `{}`))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := New(s.URL, s.client(t)).Do(ctx, http.MethodGet, "/r", nil, nil, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestDecodeFailure(t *testing.T) {
	s := newServer(t, nil, answer(200, nil, `{"name":`))
	var out thing
	err := New(s.URL, s.client(t)).Do(context.Background(), http.MethodGet, "/r", nil, nil, &out)
	if err == nil || !strings.Contains(err.Error(), "decoding response") {
		t.Errorf("err = %v", err)
	}
}

func TestSleep(t *testing.T) {
	if err := Sleep(context.Background(), 0); err != nil {
		t.Error(err)
	}
	if err := Sleep(context.Background(), time.Millisecond); err != nil {
		t.Error(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep after cancel = %v", err)
	}
}

func TestCheckID(t *testing.T) {
	if err := CheckID("op", "id", "x"); err != nil {
		t.Error(err)
	}
	err := CheckID("subscription: Get", "subscription id", "")
	if !errors.Is(err, ErrInvalidArgument) || err.Error() != "subscription: Get: empty subscription id: invalid argument" {
		t.Errorf("err = %v", err)
	}
}
