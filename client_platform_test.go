package ringwatch_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ringwatch "github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/telephony"
)

// statusCounter counts the answers of each status that pass through it.
type statusCounter struct {
	base http.RoundTripper
	n429 atomic.Int64
	all  atomic.Int64
}

func (s *statusCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := s.base.RoundTrip(r)
	if err == nil {
		s.all.Add(1)
		if resp.StatusCode == http.StatusTooManyRequests {
			s.n429.Add(1)
		}
	}
	return resp, err
}

// burst makes, concurrently through hc's REST clients, a resync of 100
// sessions, 20 call-control-sized requests (party reads) and a
// subscription renewal, each without retries, and returns the errors other
// than a missing session or party.
func burst(ctx context.Context, sc *subscription.Client, tc *telephony.Client, info *subscription.Info) []error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	keep := func(err error) {
		if err != nil && !errors.Is(err, subscription.ErrNotFound) {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		}
	}
	for i := range 100 {
		wg.Go(func() {
			_, err := tc.Session(ctx, "", fmt.Sprintf("s-resync-%d", i))
			keep(err)
		})
	}
	for i := range 20 {
		wg.Go(func() {
			_, err := tc.Party(ctx, "", "s-control", fmt.Sprintf("p-%d", i))
			keep(err)
		})
	}
	wg.Go(func() {
		_, err := sc.Renew(ctx, info.ID)
		keep(err)
	})
	wg.Wait()
	return errs
}

// A resync of 100 sessions, 20 call-control-sized requests and a renewal,
// sent at once through one Client against a platform that enforces
// RingCentral's limits, get no 429: the budget learns the platform's 1 s
// window from the headers and spaces the requests. The same burst through
// the bare Config.Client (no budget) does earn 429s, so the platform
// enforces what the test relies on.
func TestClientBudgetSharedByResyncControlAndRenewal(t *testing.T) {
	p, ctx := platform(t, notifytest.EnforceRateLimits(), notifytest.WithRateLimitWindow(time.Second))
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()

	counter := &statusCounter{base: p.HTTPClient().Transport}
	rc := ringwatch.NewClient(p.Config(), ringwatch.WithHTTPClient(&http.Client{Transport: counter}))
	sc := subscription.NewClient(rc, subscription.WithMaxAttempts(1))
	tc := telephony.NewClient(rc, telephony.WithMaxAttempts(1))
	info, err := createPubNub(ctx, sc)
	if err != nil {
		t.Fatal(err)
	}
	if errs := burst(ctx, sc, tc, info); len(errs) > 0 {
		t.Errorf("%d calls failed, the first: %v", len(errs), errs[0])
	}
	if n := counter.n429.Load(); n > 0 {
		t.Errorf("%d answers were 429, want none", n)
	}
	if got, want := counter.all.Load(), int64(1+1+100+20+1); got != want { // login, create, burst
		t.Errorf("%d requests sent, want %d", got, want)
	}
	var light *ringwatch.RateLimit
	for _, rl := range rc.RateLimits() {
		if rl.Group == ringwatch.GroupLight {
			light = &rl
		}
	}
	if light == nil || light.Window != time.Second || light.Limit != 50 {
		t.Errorf("Light group = %+v, want the platform's 50 per 1 s learnt", light)
	}

	// The control: the same burst without a budget trips the limits.
	bare := p.Config().Client(ctx)
	bc := &statusCounter{base: bare.Transport}
	bare.Transport = bc
	info2, err := createPubNub(ctx, sc)
	if err != nil {
		t.Fatal(err)
	}
	errs := burstBare(ctx, t, p, bare, info2)
	if bc.n429.Load() == 0 || errs == 0 {
		t.Errorf("without the budget: %d answers 429, %d calls failed; want some (the platform does not enforce?)", bc.n429.Load(), errs)
	}
}

// burstBare sends the burst through hc with plain requests, and counts the
// calls that failed with a 429.
func burstBare(ctx context.Context, t *testing.T, p *notifytest.Platform, hc *http.Client, info *subscription.Info) int {
	t.Helper()
	var (
		wg     sync.WaitGroup
		failed atomic.Int64
	)
	get := func(method, path string) {
		req, err := http.NewRequestWithContext(ctx, method, p.URL()+path, nil)
		if err != nil {
			t.Error(err)
			return
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Error(err)
			return
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests {
			failed.Add(1)
		}
	}
	for i := range 100 {
		wg.Go(func() { get(http.MethodGet, fmt.Sprintf("/restapi/v1.0/account/~/telephony/sessions/s-resync-%d", i)) })
	}
	for i := range 20 {
		wg.Go(func() {
			get(http.MethodGet, fmt.Sprintf("/restapi/v1.0/account/~/telephony/sessions/s-control/parties/p-%d", i))
		})
	}
	wg.Go(func() { get(http.MethodPost, "/restapi/v1.0/subscription/"+info.ID+"/renew") })
	wg.Wait()
	return int(failed.Load())
}
