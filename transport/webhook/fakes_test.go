package webhook

import (
	"context"
	"fmt"
	"github.com/ringwatch/ringwatch"
	"sync"
	"testing"
	"time"

	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/transport"
)

// fakeClock is a manual clock: timers fire when Advance passes them.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	timers  []*fakeTimer
	created int
}

type fakeTimer struct {
	c    chan time.Time
	at   time.Time
	clk  *fakeClock
	done bool
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) NewTimer(d time.Duration) timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{c: make(chan time.Time, 1), at: c.now.Add(d), clk: c}
	c.created++
	if d <= 0 {
		t.c <- c.now
		t.done = true
	} else {
		c.timers = append(c.timers, t)
	}
	return t
}

func (t *fakeTimer) C() <-chan time.Time { return t.c }

func (t *fakeTimer) Stop() bool {
	t.clk.mu.Lock()
	defer t.clk.mu.Unlock()
	was := !t.done
	t.done = true
	return was
}

// Advance moves the clock and fires the timers that are due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	keep := c.timers[:0]
	for _, t := range c.timers {
		switch {
		case t.done:
		case !t.at.After(c.now):
			t.done = true
			t.c <- c.now
		default:
			keep = append(keep, t)
		}
	}
	c.timers = keep
}

// pending counts the timers waiting.
func (c *fakeClock) pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, t := range c.timers {
		if !t.done {
			n++
		}
	}
	return n
}

// waitFor polls cond for up to 5 s; the transport works on its own
// goroutine, so the tests wait for its effects.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// fakeAPI is an in-memory Subscription API.
type fakeAPI struct {
	mu       sync.Mutex
	clk      *fakeClock
	life     time.Duration
	seq      int
	subs     map[string]*subscription.Info
	tokens   map[string]string
	creates  []subscription.CreateRequest
	calls    []string
	failures map[string][]error // by operation: errors returned first
}

func newFakeAPI(clk *fakeClock) *fakeAPI {
	return &fakeAPI{clk: clk, life: time.Hour, subs: map[string]*subscription.Info{}, tokens: map[string]string{}, failures: map[string][]error{}}
}

func (a *fakeAPI) fail(op string, errs ...error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.failures[op] = append(a.failures[op], errs...)
}

// call records op and returns the next injected failure for it.
func (a *fakeAPI) call(op, id string) error {
	if id != "" {
		a.calls = append(a.calls, op+" "+id)
	} else {
		a.calls = append(a.calls, op)
	}
	if errs := a.failures[op]; len(errs) > 0 {
		a.failures[op] = errs[1:]
		return errs[0]
	}
	return nil
}

func (a *fakeAPI) Calls() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.calls...)
}

func (a *fakeAPI) info(s *subscription.Info) *subscription.Info {
	c := *s
	c.ExpiresIn = c.ExpirationTime.Sub(a.clk.Now())
	return &c
}

func notFound() error { return &ringwatch.APIError{StatusCode: 404, Code: "CMN-102"} }

func (a *fakeAPI) Create(_ context.Context, req subscription.CreateRequest) (*subscription.Info, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.call("create", ""); err != nil {
		return nil, err
	}
	a.seq++
	id := fmt.Sprintf("sub-%d", a.seq)
	a.creates = append(a.creates, req)
	now := a.clk.Now()
	s := &subscription.Info{ID: id, EventFilters: req.EventFilters, Status: subscription.Active, CreationTime: now,
		ExpirationTime: now.Add(a.life), DeliveryMode: subscription.DeliveryMode{TransportType: "WebHook", Address: req.DeliveryMode.Address}}
	a.subs[id] = s
	a.tokens[id] = req.DeliveryMode.VerificationToken
	return a.info(s), nil
}

func (a *fakeAPI) Get(_ context.Context, id string) (*subscription.Info, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.call("get", id); err != nil {
		return nil, err
	}
	s, ok := a.subs[id]
	if !ok {
		return nil, notFound()
	}
	return a.info(s), nil
}

func (a *fakeAPI) Renew(_ context.Context, id string) (*subscription.Info, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.call("renew", id); err != nil {
		return nil, err
	}
	s, ok := a.subs[id]
	if !ok {
		return nil, notFound()
	}
	s.ExpirationTime = a.clk.Now().Add(a.life)
	return a.info(s), nil
}

func (a *fakeAPI) Delete(_ context.Context, id string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.call("delete", id); err != nil {
		return err
	}
	if _, ok := a.subs[id]; !ok {
		return notFound()
	}
	delete(a.subs, id)
	return nil
}

// blacklist marks a subscription as RingCentral does.
func (a *fakeAPI) blacklist(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.subs[id].Status = subscription.Blacklisted
	a.subs[id].BlacklistedData = &subscription.BlacklistedData{BlacklistedAt: a.clk.Now(), Reason: "Webhook responses with code: [404]"}
}

func (a *fakeAPI) remove(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.subs, id)
}

func (a *fakeAPI) has(id string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	_, ok := a.subs[id]
	return ok
}

// fakeSink records what the transport produced.
type fakeSink struct {
	mu     sync.Mutex
	msgs   []string
	states []transport.State
	failed error
}

func (s *fakeSink) Deliver(_ context.Context, m transport.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, string(m.Data))
	return nil
}

func (s *fakeSink) State(st transport.State) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st.Err = nil // errors are compared by kind in the tests
	s.states = append(s.states, st)
}

func (s *fakeSink) Fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failed = err
}

func (s *fakeSink) States() []transport.State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]transport.State(nil), s.states...)
}

func (s *fakeSink) Msgs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.msgs...)
}
