package webhook_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/telephony"
	"github.com/ringwatch/ringwatch/transport/webhook"
)

// ringCentralBudget is the time RingCentral gives a webhook to answer.
const ringCentralBudget = 3 * time.Second

// bodyBound is webhook.DefaultBodyTimeout (spelt out so that the test
// also builds against the code from before the bound).
const bodyBound = 2 * time.Second

// slowREST is a resync source whose reads block, once armed, until
// released (or 10 s): a REST API that is slow while notifications keep
// arriving.
type slowREST struct {
	mu       sync.Mutex
	sessions map[string]telephony.Session
	armed    atomic.Bool
	entered  chan struct{}
	gate     chan struct{}
	once     sync.Once
}

func newSlowREST() *slowREST {
	return &slowREST{sessions: map[string]telephony.Session{}, entered: make(chan struct{}, 1), gate: make(chan struct{})}
}

func (r *slowREST) set(s telephony.Session) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sessions[s.TelephonySessionID] = s
}

func (r *slowREST) release() { r.once.Do(func() { close(r.gate) }) }

func (r *slowREST) Session(ctx context.Context, _, id string) (*telephony.Session, error) {
	if r.armed.Load() {
		select {
		case r.entered <- struct{}{}:
		default:
		}
		t := time.NewTimer(10 * time.Second)
		defer t.Stop()
		select {
		case <-r.gate:
		case <-t.C:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.sessions[id]
	if !ok {
		return nil, fmt.Errorf("session %s: %w", id, subscription.ErrNotFound)
	}
	return &s, nil
}

func (r *slowREST) waitEntered(t *testing.T) {
	t.Helper()
	select {
	case <-r.entered:
	case <-time.After(5 * time.Second):
		t.Fatal("the resync did not start within 5s")
	}
}

var t0 = time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)

// sessionNote is a telephony notification as RingCentral posts it.
func sessionNote(uuid, subID string, seq int64, at time.Time, session, party string, code telephony.StatusCode) []byte {
	return fmt.Appendf(nil, `{"uuid":%q,"event":"/restapi/v1.0/account/~/extension/~/telephony/sessions",`+
		`"timestamp":%q,"subscriptionId":%q,"body":{"sequence":%d,"telephonySessionId":%q,"eventTime":%q,`+
		`"parties":[{"id":%q,"extensionId":"101","direction":"Inbound","status":{"code":%q}}]}}`,
		uuid, at.Format(time.RFC3339Nano), subID, seq, session, at.Format(time.RFC3339Nano), party, code)
}

// hooker posts to the webhook as RingCentral does, giving up after
// RingCentral's budget.
type hooker struct {
	c *http.Client
}

func newHooker(t *testing.T) *hooker {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &hooker{c: &http.Client{Transport: tr, Timeout: ringCentralBudget}}
}

// post returns the status (0 if there was no answer within the budget)
// and how long the answer took.
func (h *hooker) post(t *testing.T, url, token string, body []byte) (int, time.Duration) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Verification-Token", token)
	start := time.Now()
	resp, err := h.c.Do(req)
	d := time.Since(start)
	if err != nil {
		return 0, d
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode, d
}

// describe renders the events a test compares.
func describe(ev notify.Event) string {
	switch e := ev.(type) {
	case *notify.TelephonyEvent:
		return "note " + e.UUID
	case *notify.PresenceEvent:
		return fmt.Sprintf("presence %d", e.Body.Sequence)
	case *notify.CallChange:
		return fmt.Sprintf("change %s/%s %s->%s started=%t resync=%t", e.TelephonySessionID, e.PartyID, e.From, e.To, e.CallStarted, e.Resync)
	case *notify.Gap:
		return "gap " + e.Reason
	case *notify.Resynced:
		return fmt.Sprintf("resynced active=%d", e.Active)
	case *notify.ResyncFailed:
		return "resync failed"
	}
	return fmt.Sprintf("%T", ev)
}

// Issue 10, item 1: a resync after a Gap, against a REST API that takes
// long, does not hold up the webhook: every notification that arrives
// meanwhile is answered within RingCentral's 3 s, and, once the resync is
// done, applied in order to the reconciled model (one older than the REST
// state is dropped as stale).
func TestHandlerAnswersWhileResyncIsSlow(t *testing.T) {
	rest := newSlowREST()
	e := startE2EFull(t, nil, nil,
		[]notify.Option{notify.WithCallTracking(notify.ResyncFrom(rest, nil), notify.ResyncRetry(1, 0, 0))},
		webhook.WithCheckInterval(20*time.Millisecond))
	t.Cleanup(rest.release) // before the subscription's Close
	h := newHooker(t)

	first := e.tr.SubscriptionID()
	if st, _ := h.post(t, e.url, e.tr.VerificationToken(), sessionNote("u-0", first, 1, t0.Add(time.Second), "s-1", "p-1", telephony.Proceeding)); st != http.StatusOK {
		t.Fatalf("first notification: status %d", st)
	}
	if d := cmp.Diff([]string{"note u-0", "change s-1/p-1 ->Proceeding started=true resync=false"}, []string{describe(e.next(t)), describe(e.next(t))}); d != "" {
		t.Fatalf("before the gap (-want +got):\n%s", d)
	}

	// The call is answered during the gap; the REST API knows it.
	rest.set(telephony.Session{TelephonySessionID: "s-1", CreationTime: t0.Add(2 * time.Second),
		Parties: []telephony.Party{{ID: "p-1", ExtensionID: "101", Direction: "Inbound", Status: telephony.Status{Code: telephony.Answered}}}})
	rest.armed.Store(true)
	// The webhook fails once: RingCentral blacklists it, the Transport
	// re-creates the subscription and reports a Gap, and the resync
	// starts, and blocks.
	e.p.SetWebhookFailureLimit(1)
	e.broken.Store(true)
	e.publishPresence(t, 1)
	rest.waitEntered(t)
	e.broken.Store(false)

	// Meanwhile RingCentral posts: a notification older than the REST
	// state, then two newer ones. Each is answered at once.
	tok, sub := e.tr.VerificationToken(), e.tr.SubscriptionID()
	for _, note := range [][]byte{
		sessionNote("u-a", sub, 2, t0.Add(1500*time.Millisecond), "s-1", "p-1", telephony.Proceeding),
		sessionNote("u-b", sub, 3, t0.Add(3*time.Second), "s-1", "p-1", telephony.Hold),
		sessionNote("u-c", sub, 1, t0.Add(3*time.Second), "s-2", "p-2", telephony.Setup),
	} {
		st, d := h.post(t, e.url, tok, note)
		if st != http.StatusOK || d >= ringCentralBudget {
			t.Fatalf("during the resync: status %d after %v, want 200 within %v", st, d, ringCentralBudget)
		}
	}
	rest.release()

	want := []string{
		"Resubscribed", "gap blacklisted",
		"change s-1/p-1 Proceeding->Answered started=false resync=true",
		"resynced active=1",
		"note u-a",
		"note u-b", "change s-1/p-1 Answered->Hold started=false resync=false",
		"note u-c", "change s-2/p-2 ->Setup started=true resync=false",
	}
	var got []string
	for range want {
		ev := e.next(t)
		if _, ok := ev.(*notify.Resubscribed); ok {
			got = append(got, "Resubscribed")
			continue
		}
		got = append(got, describe(ev))
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
}

// Issue 10, item 3: notifications refused with 503 because the consumer
// is slow are a possible loss: a burst of them gives one Gap, and with call
// tracking one resync.
func TestRefusalsReportOneGap(t *testing.T) {
	rest := newSlowREST()
	e := startE2EFull(t, nil, nil,
		[]notify.Option{notify.WithBufferSize(1), notify.WithCallTracking(notify.ResyncFrom(rest, nil))},
		webhook.WithHandlerOptions(webhook.WithMaxWait(20*time.Millisecond)))
	h := newHooker(t)
	tok, sub := e.tr.VerificationToken(), e.tr.SubscriptionID()
	// Nobody reads: the buffer fills, and the rest is refused.
	refused := 0
	for i := range 8 {
		st, _ := h.post(t, e.url, tok, sessionNote(fmt.Sprintf("u-%d", i), sub, int64(i+1), t0.Add(time.Duration(i)*time.Second), "s-1", "p-1", telephony.Proceeding))
		switch st {
		case http.StatusOK:
		case http.StatusServiceUnavailable:
			refused++
		default:
			t.Fatalf("status %d", st)
		}
	}
	if refused < 4 {
		t.Fatalf("%d refusals, want at least 4", refused)
	}
	gaps, resyncs := 0, 0
	var gap *notify.Gap
	deadline := time.After(5 * time.Second)
	for resyncs == 0 {
		select {
		case ev := <-e.sub.Events():
			switch x := ev.(type) {
			case *notify.Gap:
				gaps++
				gap = x
			case *notify.Resynced, *notify.ResyncFailed:
				resyncs++
			}
		case <-deadline:
			t.Fatalf("no Gap and resync within 5s after %d refusals (gaps %d)", refused, gaps)
		}
	}
	// Nothing more comes: the burst is one Gap.
	quiet := time.After(1500 * time.Millisecond)
	for done := false; !done; {
		select {
		case ev := <-e.sub.Events():
			switch ev.(type) {
			case *notify.Gap:
				gaps++
			case *notify.Resynced, *notify.ResyncFailed:
				resyncs++
			}
		case <-quiet:
			done = true
		}
	}
	if gaps != 1 || resyncs != 1 {
		t.Errorf("%d gaps and %d resyncs for a burst of %d refusals, want 1 and 1", gaps, resyncs, refused)
	}
	if want := fmt.Sprintf("notifications refused: %d", refused); gap.Reason != want {
		t.Errorf("gap reason %q, want %q", gap.Reason, want)
	}
	if gap.Since.IsZero() || gap.Until.Before(gap.Since) {
		t.Errorf("gap covers %v to %v", gap.Since, gap.Until)
	}
}

// Issue 10, item 2: a body dripped slowly is answered within the bound
// (DefaultBodyTimeout) instead of holding the request open.
func TestDrippedBodyIsAnsweredWithinTheBound(t *testing.T) {
	leakcheck.Check(t)
	h := webhook.NewHandler("secret")
	srv := newServer(t, h)
	conn, err := net.Dial("tcp", srv)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := fmt.Fprintf(conn, "POST /hook HTTP/1.1\r\nHost: x\r\nVerification-Token: secret\r\nContent-Length: 1000\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	dripped := make(chan struct{})
	go func() { // one byte every 100 ms: 100 s for the body
		defer close(dripped)
		tk := time.NewTicker(100 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tk.C:
				if _, err := conn.Write([]byte{' '}); err != nil {
					return
				}
			}
		}
	}()
	defer func() { close(stop); <-dripped }()
	_ = conn.SetReadDeadline(time.Now().Add(bodyBound + ringCentralBudget))
	line, err := readStatusLine(conn)
	if err != nil {
		t.Fatalf("no answer to a dripped body within %v: %v", bodyBound+ringCentralBudget, err)
	}
	if !strings.HasPrefix(line, "HTTP/1.1 408") {
		t.Errorf("answer %q, want 408", line)
	}
}

func readStatusLine(c net.Conn) (string, error) {
	var b []byte
	one := make([]byte, 1)
	for len(b) < 256 {
		if _, err := c.Read(one); err != nil {
			return string(b), err
		}
		if one[0] == '\n' {
			return strings.TrimSpace(string(b)), nil
		}
		b = append(b, one[0])
	}
	return string(b), nil
}

// newServer serves h on loopback with the server timeouts a deployment
// should set, and returns its address.
func newServer(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 2 * time.Second, ReadTimeout: 5 * time.Second,
		WriteTimeout: 5 * time.Second, IdleTimeout: 60 * time.Second, MaxHeaderBytes: 16 << 10}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
	})
	return ln.Addr().String()
}
