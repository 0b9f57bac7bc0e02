package pubnub

import (
	"context"
	"fmt"
	"github.com/ringwatch/ringwatch"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ringwatch/ringwatch/internal/rcaes"
	"github.com/ringwatch/ringwatch/internal/testkit/fakepubnub"
	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/transport"
)

// fakeAPI is an in-memory Subscription API that hands out PubNub channels.
type fakeAPI struct {
	mu      sync.Mutex
	n       int
	subs    map[string]*subscription.Info
	subKey  string
	key     string // fixed encryption key; "" = random; "-" = unencrypted
	creates []subscription.CreateRequest
	renews  int
	deletes []string
	// onRenew may change the renewed subscription.
	onRenew func(*subscription.Info)
	// createErr, when set, fails creates.
	createErr error
}

func newFakeAPI() *fakeAPI {
	return &fakeAPI{subs: map[string]*subscription.Info{}, subKey: "sub-c-test"}
}

func notFound() error {
	return &ringwatch.APIError{StatusCode: 404, Code: "SUB-507", Message: "subscription expired"}
}

func (a *fakeAPI) Create(ctx context.Context, req subscription.CreateRequest) (*subscription.Info, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.creates = append(a.creates, req)
	if a.createErr != nil {
		return nil, a.createErr
	}
	a.n++
	key := a.key
	switch key {
	case "":
		key = rcaes.NewKey()
	case "-":
		key = ""
	}
	info := &subscription.Info{
		ID:           fmt.Sprintf("sub-%d", a.n),
		EventFilters: req.EventFilters,
		Status:       subscription.Active,
		ExpiresIn:    899 * time.Second,
		DeliveryMode: subscription.DeliveryMode{
			TransportType: subscription.TransportPubNub,
			Encryption:    key != "",
			Address:       fmt.Sprintf("channel-%d", a.n),
			SubscriberKey: a.subKey,
			EncryptionKey: key,
		},
	}
	if key != "" {
		info.DeliveryMode.EncryptionAlgorithm = "AES"
	}
	a.subs[info.ID] = info
	c := *info
	return &c, nil
}

func (a *fakeAPI) Renew(ctx context.Context, id string) (*subscription.Info, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.renews++
	info, ok := a.subs[id]
	if !ok {
		return nil, notFound()
	}
	if a.onRenew != nil {
		a.onRenew(info)
	}
	c := *info
	return &c, nil
}

func (a *fakeAPI) Delete(ctx context.Context, id string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.deletes = append(a.deletes, id)
	if _, ok := a.subs[id]; !ok {
		return notFound()
	}
	delete(a.subs, id)
	return nil
}

// expire removes a subscription as RingCentral does at expiry.
func (a *fakeAPI) expire(id string) {
	a.mu.Lock()
	delete(a.subs, id)
	a.mu.Unlock()
}

func (a *fakeAPI) info(id string) subscription.Info {
	a.mu.Lock()
	defer a.mu.Unlock()
	return *a.subs[id]
}

func (a *fakeAPI) live() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var ids []string
	for id := range a.subs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// fakeSink records what the transport produces.
type fakeSink struct {
	mu     sync.Mutex
	msgs   []string
	states []transport.State
	err    error
	wake   chan struct{}
}

func newSink() *fakeSink { return &fakeSink{wake: make(chan struct{}, 1)} }

func (s *fakeSink) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *fakeSink) Deliver(ctx context.Context, m transport.Message) error {
	if m.Transport != Name || m.Received.IsZero() {
		panic("bad message metadata")
	}
	s.mu.Lock()
	s.msgs = append(s.msgs, string(m.Data))
	s.mu.Unlock()
	s.poke()
	return nil
}

func (s *fakeSink) State(st transport.State) {
	s.mu.Lock()
	s.states = append(s.states, st)
	s.mu.Unlock()
	s.poke()
}

func (s *fakeSink) Fail(err error) {
	s.mu.Lock()
	s.err = err
	s.mu.Unlock()
	s.poke()
}

func (s *fakeSink) messages() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.msgs)
}

func (s *fakeSink) kinds() []transport.StateKind {
	s.mu.Lock()
	defer s.mu.Unlock()
	var k []transport.StateKind
	for _, st := range s.states {
		k = append(k, st.Kind)
	}
	return k
}

func (s *fakeSink) stateList() []transport.State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.states)
}

// waitFor waits up to 10 s for cond.
func (s *fakeSink) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(10 * time.Millisecond) // for conditions the sink does not see (counters)
	defer tick.Stop()
	for !cond() {
		select {
		case <-s.wake:
		case <-tick.C:
		case <-deadline.C:
			t.Fatalf("timed out waiting for %s; messages %q, states %v", what, s.messages(), s.kinds())
		}
	}
}

func (s *fakeSink) waitMessages(t *testing.T, n int) []string {
	t.Helper()
	s.waitFor(t, fmt.Sprintf("%d messages", n), func() bool { return len(s.messages()) >= n })
	return s.messages()
}

func (s *fakeSink) waitState(t *testing.T, k transport.StateKind, n int) {
	t.Helper()
	s.waitFor(t, fmt.Sprintf("%d %v states", n, k), func() bool {
		c := 0
		for _, x := range s.kinds() {
			if x == k {
				c++
			}
		}
		return c >= n
	})
}

// fakeClock drives renewals: only the renewal timer comes from the clock.
type fakeClock struct {
	mu     sync.Mutex
	timers []*fakeTimer
	made   chan struct{}
}

func newFakeClock() *fakeClock { return &fakeClock{made: make(chan struct{}, 100)} }

func (c *fakeClock) Now() time.Time { return time.Now() }

func (c *fakeClock) NewTimer(d time.Duration) timer {
	t := &fakeTimer{c: make(chan time.Time, 1), d: d}
	c.mu.Lock()
	c.timers = append(c.timers, t)
	c.mu.Unlock()
	c.made <- struct{}{}
	return t
}

// fireNoWait fires the newest live timer.
func (c *fakeClock) fireNoWait(t *testing.T) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := len(c.timers) - 1; i >= 0; i-- {
		if !c.timers[i].stopped.Load() {
			c.timers[i].send(t)
			return
		}
	}
	t.Fatal("no live timer")
}

// fire fires the newest live timer and waits until the transport has set
// the next one (that is, until it has handled the firing).
func (c *fakeClock) fire(t *testing.T) time.Duration {
	t.Helper()
	c.mu.Lock()
	var tm *fakeTimer
	for i := len(c.timers) - 1; i >= 0; i-- {
		if !c.timers[i].stopped.Load() {
			tm = c.timers[i]
			break
		}
	}
	c.mu.Unlock()
	if tm == nil {
		t.Fatal("no live timer")
	}
	// drain earlier notifications
	for len(c.made) > 0 {
		<-c.made
	}
	tm.send(t)
	select {
	case <-c.made:
	case <-time.After(10 * time.Second):
		t.Fatal("transport did not set the next renewal timer")
	}
	return tm.d
}

type fakeTimer struct {
	c       chan time.Time
	d       time.Duration
	stopped atomic.Bool
}

// send fires the timer. Like a time.Timer's, its channel holds one value,
// and a fire never blocks: firing a timer whose last value is still unread
// is a test bug, reported at once.
func (t *fakeTimer) send(tb testing.TB) {
	tb.Helper()
	select {
	case t.c <- time.Now():
	default:
		tb.Fatal("fake timer fired again before the transport read its last firing")
	}
}

func (t *fakeTimer) C() <-chan time.Time { return t.c }
func (t *fakeTimer) Stop() bool          { return !t.stopped.Swap(true) }

// closeOnCleanup closes tr when the test ends, and fails the test with
// every goroutine's stack instead of hanging it if Close does not return:
// Close waits for the control loop, which an SDK call can block.
func closeOnCleanup(t *testing.T, tr *Transport) {
	t.Helper()
	t.Cleanup(func() {
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = tr.Close(context.Background())
		}()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			buf := make([]byte, 1<<20)
			t.Errorf("Close did not return in 30 s; goroutines:\n%s", buf[:runtime.Stack(buf, true)])
		}
	})
}

// env is a test fixture: a fake PubNub origin and a fake REST API.
type env struct {
	pn  *fakepubnub.Server
	hs  *httptest.Server
	api *fakeAPI
}

func newEnv(t *testing.T) *env {
	t.Helper()
	leakcheck.Check(t)
	e := &env{pn: fakepubnub.New(), api: newFakeAPI()}
	e.pn.SetHoldMax(time.Second)
	e.hs = httptest.NewServer(e.pn)
	t.Cleanup(func() {
		e.pn.Close()
		e.hs.Close()
	})
	return e
}

func (e *env) origin() string {
	u, _ := url.Parse(e.hs.URL)
	return u.Host
}

func (e *env) transport(opts ...Option) *Transport {
	return newWithAPI(e.api, append([]Option{WithOrigin(e.origin(), false), WithReconnectBackoff(50*time.Millisecond, 200*time.Millisecond), WithUUID("rw-test")}, opts...)...)
}

// publish sends envelope on the subscription's channel as RingCentral
// would: encrypted with its key, or as a plain object.
func (e *env) publish(t *testing.T, id, envelope string) int64 {
	t.Helper()
	info := e.api.info(id)
	if k := info.DeliveryMode.EncryptionKey; k != "" {
		ct, err := rcaes.EncryptString(k, []byte(envelope))
		if err != nil {
			t.Fatal(err)
		}
		return e.pn.Publish(info.DeliveryMode.Address, ct)
	}
	return e.pn.Publish(info.DeliveryMode.Address, jsonRaw(envelope))
}

type jsonRaw string

func (j jsonRaw) MarshalJSON() ([]byte, error) { return []byte(j), nil }

func envelope(uuid string) string {
	return fmt.Sprintf(`{"uuid":"%s","event":"/restapi/v1.0/account/1/extension/2/presence","timestamp":"2026-01-02T03:04:05.000Z","subscriptionId":"s","body":{"extensionId":2,"telephonyStatus":"Ringing","sequence":1}}`, uuid)
}

// subscribePaths returns the channel part of every subscribe request.
func (e *env) subscribes() []fakepubnub.Request {
	var out []fakepubnub.Request
	for _, r := range e.pn.Requests() {
		if strings.HasPrefix(r.Path, "/v2/subscribe/") {
			out = append(out, r)
		}
	}
	return out
}

// readQueues counts the goroutines pubnub/go leaks per instance.
func readQueues() int {
	buf := make([]byte, 1<<20)
	n := runtime.Stack(buf, true)
	return strings.Count(string(buf[:n]), "(*RequestWorkers).ReadQueue")
}

var _ http.Handler = (*fakepubnub.Server)(nil)
