package relay

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/relay/embedded"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/transport"
	"github.com/ringwatch/ringwatch/transport/webhook"
)

// testToken is the verification token of the tests' webhook subscription.
const testToken = "relay-test-verification-token-0123456789"

// startNATS starts an embedded JetStream server on loopback, stopped at
// the end of the test.
func startNATS(t testing.TB, opts ...embedded.Option) *embedded.Server {
	t.Helper()
	srv, err := embedded.Start(append([]embedded.Option{embedded.WithStoreDir(t.TempDir())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	return srv
}

func connect(t testing.TB, url string) *nats.Conn {
	t.Helper()
	nc, err := Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// receiver is one webhook receiver: a Handler that publishes to the
// relay, served on its own loopback server.
type receiver struct {
	pub *Publisher
	h   *webhook.Handler
	srv *httptest.Server
}

func newReceiver(t testing.TB, url string, opts ...Option) *receiver {
	t.Helper()
	nc := connect(t, url)
	pub, err := NewPublisher(context.Background(), nc, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pub.Close() })
	h := webhook.NewHandler(testToken, webhook.WithDeliver(pub.Deliver), webhook.WithMaxWait(time.Second))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &receiver{pub: pub, h: h, srv: srv}
}

// front is a round-robin load balancer in front of receivers: a backend
// that refuses a connection is taken out (as a balancer's health check
// would) and the request goes to the next, and every dupEvery-th request is also sent to the next live
// backend (a duplicate receiver).
type front struct {
	mu       sync.Mutex
	backends []string
	dead     []bool
	next     int
	dupEvery int
	n        atomic.Int64
	dups     atomic.Int64
	client   *http.Client
	srv      *httptest.Server
}

func newFront(t testing.TB, rs []*receiver) *front {
	f := &front{client: &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}}
	for _, r := range rs {
		f.backends = append(f.backends, r.srv.URL)
		f.dead = append(f.dead, false)
	}
	f.srv = httptest.NewServer(f)
	t.Cleanup(func() {
		f.srv.Close()
		f.client.CloseIdleConnections()
	})
	return f
}

// down marks backend i dead (a passive health check: its connection was
// refused).
func (f *front) down(i int) {
	f.mu.Lock()
	f.dead[i] = true
	f.mu.Unlock()
}

func (f *front) pick() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	var order []int
	for k := range f.backends {
		i := (f.next + k) % len(f.backends)
		if !f.dead[i] {
			order = append(order, i)
		}
	}
	f.next++
	return order
}

func (f *front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	order := f.pick()
	status, answer, hdr := http.StatusBadGateway, []byte(nil), http.Header{}
	sent := -1
	for k, i := range order {
		s, b, h, err := f.forward(r, f.backends[i], body)
		if err != nil {
			f.down(i) // connection refused: the balancer tries the next
			continue
		}
		status, answer, hdr, sent = s, b, h, k
		break
	}
	if sent >= 0 && f.dupEvery > 0 && f.n.Add(1)%int64(f.dupEvery) == 0 && len(order) > 1 {
		// A duplicate receiver: the same notification through another.
		if _, _, _, err := f.forward(r, f.backends[order[(sent+1)%len(order)]], body); err == nil {
			f.dups.Add(1)
		}
	}
	if v := hdr.Get("Validation-Token"); v != "" {
		w.Header().Set("Validation-Token", v)
	}
	w.WriteHeader(status)
	w.Write(answer)
}

func (f *front) forward(r *http.Request, base string, body []byte) (int, []byte, http.Header, error) {
	req, err := http.NewRequestWithContext(r.Context(), r.Method, base+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header = r.Header.Clone()
	resp, err := f.client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header, nil
}

// createWebhook creates the webhook subscription to filters on the
// platform, delivering to address.
func createWebhook(t testing.TB, p *notifytest.Platform, address string, filters ...subscription.Filter) *subscription.Info {
	t.Helper()
	rc := ringwatch.NewClient(p.Config())
	info, err := subscription.NewClient(rc).Create(context.Background(), subscription.CreateRequest{
		EventFilters: filters,
		DeliveryMode: subscription.DeliveryMode{TransportType: "WebHook", Address: address, VerificationToken: testToken},
		ExpiresIn:    time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// change is a call change as a comparable string.
func changeKey(c *notify.CallChange) string {
	s := fmt.Sprintf("%s|%s|%d|%s>%s|%s", c.TelephonySessionID, c.PartyID, c.Sequence, c.From, c.To, c.Reason)
	if c.CallEnded {
		s += "|ended"
		if c.Summary != nil {
			s += fmt.Sprintf("|%v|%d parties|partial=%v|talk=%v", c.Summary.Outcome, len(c.Summary.Parties), c.Summary.Partial, c.Summary.Talk)
		}
	}
	return s
}

// collector reads a subscription's events on its own goroutine.
type collector struct {
	mu      sync.Mutex
	all     []notify.Event
	changes []*notify.CallChange
	gaps    int
	events  int
	done    chan struct{}
}

func collect(sub *notify.Subscription) *collector {
	c := &collector{done: make(chan struct{})}
	go func() {
		defer close(c.done)
		for ev := range sub.Events() {
			c.mu.Lock()
			c.events++
			c.all = append(c.all, ev)
			switch e := ev.(type) {
			case *notify.CallChange:
				c.changes = append(c.changes, e)
			case *notify.Gap:
				c.gaps++
			}
			c.mu.Unlock()
		}
	}()
	return c
}

func (c *collector) snapshot() ([]*notify.CallChange, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*notify.CallChange(nil), c.changes...), c.gaps
}

// memberUnit is a member with its subscription and collector.
type memberUnit struct {
	m   *Member
	sub *notify.Subscription
	col *collector
}

func newMemberUnit(t testing.TB, url string, opts ...Option) *memberUnit {
	t.Helper()
	return newMemberUnitWith(t, url, nil, opts...)
}

// newMemberUnitWith is newMemberUnit with call-tracking options made for
// the member.
func newMemberUnitWith(t testing.TB, url string, tracking func(*Member) []notify.CallTrackingOption, opts ...Option) *memberUnit {
	t.Helper()
	nc := connect(t, url)
	m, err := NewMember(context.Background(), nc, opts...)
	if err != nil {
		t.Fatal(err)
	}
	var topts []notify.CallTrackingOption
	if tracking != nil {
		topts = tracking(m)
	}
	sub, err := notify.Subscribe(context.Background(), m, []subscription.Filter{subscription.AccountTelephonySessions()}, m.CallTracking(topts...))
	if err != nil {
		t.Fatal(err)
	}
	u := &memberUnit{m: m, sub: sub, col: collect(sub)}
	t.Cleanup(func() {
		sub.Close()
		<-u.col.done
	})
	return u
}

// waitFor polls cond every 10 ms for at most d.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// drained reports whether every partition's consumer has acknowledged
// everything in the stream.
func drained(t testing.TB, nc *nats.Conn, stream string, parts int) bool {
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	st, err := js.Stream(ctx, stream)
	if err != nil {
		return false
	}
	for p := range parts {
		c, err := st.Consumer(ctx, fmt.Sprintf("%s_p%d", stream, p))
		if err != nil {
			return false
		}
		info := c.CachedInfo()
		if info.NumPending != 0 || info.NumAckPending != 0 {
			return false
		}
	}
	return true
}

// streamMessages returns every message of the stream, in order.
func streamMessages(t testing.TB, nc *nats.Conn, stream string) []jetstream.Msg {
	t.Helper()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := js.Stream(ctx, stream)
	if err != nil {
		t.Fatal(err)
	}
	total := st.CachedInfo().State.Msgs
	oc, err := st.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var out []jetstream.Msg
	for uint64(len(out)) < total {
		msg, err := oc.Next(jetstream.FetchMaxWait(5 * time.Second))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, msg)
	}
	return out
}

// feedTransport is a transport.Transport whose notifications the test
// delivers itself, for the single-process reference run.
type feedTransport struct{ sink transport.Sink }

func (f *feedTransport) Name() string { return "feed" }
func (f *feedTransport) Open(_ context.Context, _ []subscription.Filter, s transport.Sink) error {
	f.sink = s
	return nil
}
func (f *feedTransport) Close(context.Context) error { return nil }

// singleProcess runs notifications through one notify subscription with
// call tracking and returns the changes it reports.
func singleProcess(t testing.TB, notes [][]byte) []*notify.CallChange {
	t.Helper()
	ft := &feedTransport{}
	sub, err := notify.Subscribe(context.Background(), ft, []subscription.Filter{subscription.AccountTelephonySessions()}, notify.WithCallTracking())
	if err != nil {
		t.Fatal(err)
	}
	col := collect(sub)
	for _, n := range notes {
		if err := ft.sink.Deliver(context.Background(), transport.Message{Data: n, Received: time.Now(), Transport: "feed"}); err != nil {
			t.Fatal(err)
		}
	}
	ft.sink.Fail(errFed) // Events closes once the consumer has read everything
	<-col.done
	sub.Close()
	ch, _ := col.snapshot()
	return ch
}

func sortedKeys(m map[string]int) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

var errFed = errors.New("all fed")

// count counts the events so far that match.
func (c *collector) count(match func(notify.Event) bool) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, ev := range c.all {
		if match(ev) {
			n++
		}
	}
	return n
}
