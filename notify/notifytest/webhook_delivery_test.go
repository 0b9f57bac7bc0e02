package notifytest_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/presence"
	"github.com/ringwatch/ringwatch/subscription"
)

// recordingHook passes the handshake, records each notification's headers
// and sequence, and answers with status (200 unless set).
type recordingHook struct {
	srv    *httptest.Server
	status atomic.Int32
	mu     sync.Mutex
	seqs   []int64
	hdrs   []http.Header
}

func newRecordingHook(t *testing.T) *recordingHook {
	t.Helper()
	h := &recordingHook{}
	h.status.Store(http.StatusOK)
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v := r.Header.Get("Validation-Token"); v != "" {
			w.Header().Set("Validation-Token", v)
			return
		}
		b, _ := io.ReadAll(r.Body)
		ev, err := notify.Decode(b)
		if err != nil {
			t.Errorf("undecodable notification: %v", err)
			return
		}
		h.mu.Lock()
		if pe, ok := ev.(*notify.PresenceEvent); ok {
			h.seqs = append(h.seqs, pe.Body.Sequence)
		}
		h.hdrs = append(h.hdrs, r.Header.Clone())
		h.mu.Unlock()
		w.WriteHeader(int(h.status.Load()))
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *recordingHook) received() []int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]int64(nil), h.seqs...)
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// publishSeq publishes presence events with sequences from..to to the
// owner's presence.
func publishSeq(t *testing.T, p *notifytest.Platform, from, to int) {
	t.Helper()
	for i := from; i <= to; i++ {
		ev := presence.Event{TelephonyStatus: presence.Ringing, Sequence: int64(i)}
		if _, err := p.Publish(context.Background(), "/restapi/v1.0/account/~/extension/~/presence", ev); err != nil {
			t.Fatal(err)
		}
	}
}

func seqs(from, to int) []int64 {
	var out []int64
	for i := from; i <= to; i++ {
		out = append(out, int64(i))
	}
	return out
}

func TestWebhookDeliveryHeadersAndOrder(t *testing.T) {
	p, _ := start(t)
	hook := newRecordingHook(t)
	in := create(t, p, token(t, p, "230000101"), webhookReq(hook.srv.URL, 0, subscription.ExtensionPresence("")))
	publishSeq(t, p, 1, 50)
	waitUntil(t, "50 deliveries", func() bool { return len(hook.received()) == 50 })
	// The receiver sees a delivery before the platform counts it.
	waitUntil(t, "50 counted", func() bool { st, _ := p.WebhookStats(in.ID); return st.Delivered == 50 })
	if d := cmp.Diff(seqs(1, 50), hook.received()); d != "" {
		t.Errorf("order (-want +got):\n%s", d)
	}
	hook.mu.Lock()
	h := hook.hdrs[0]
	hook.mu.Unlock()
	got := map[string]string{}
	for _, k := range []string{"Verification-Token", "Content-Type", "User-Agent", "Accept"} {
		got[k] = h.Get(k)
	}
	want := map[string]string{"Verification-Token": "s3cret-verification", "Content-Type": "application/json; charset=UTF-8",
		"User-Agent": "RingCentral-Webhook/8.3", "Accept": "application/json"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("headers (-want +got):\n%s", d)
	}
	st, _ := p.WebhookStats(in.ID)
	if d := cmp.Diff(notifytest.WebhookStats{Delivered: 50}, st); d != "" {
		t.Errorf("stats (-want +got):\n%s", d)
	}
	if _, ok := p.WebhookStats("nope"); ok {
		t.Errorf("stats of an unknown subscription")
	}
}

// Publish does not wait for a slow webhook: delivery is asynchronous, one
// worker per subscription, so a slow webhook does not delay another.
func TestWebhookDeliveryIsAsynchronousPerSubscription(t *testing.T) {
	p, _ := start(t)
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v := r.Header.Get("Validation-Token"); v != "" {
			w.Header().Set("Validation-Token", v)
			return
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)
	fast := newRecordingHook(t)
	tok := token(t, p, "230000101")
	create(t, p, tok, webhookReq(slow.URL, 0, subscription.ExtensionPresence("")))
	create(t, p, tok, webhookReq(fast.srv.URL, 0, subscription.ExtensionPresence("")))
	done := make(chan struct{})
	go func() { defer close(done); publishSeq(t, p, 1, 5) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Publish waited for the slow webhook")
	}
	waitUntil(t, "the fast webhook", func() bool { return len(fast.received()) == 5 })
}

func TestWebhookBlacklistAfterFailures(t *testing.T) {
	p, clk := start(t)
	p.SetWebhookFailureLimit(3)
	hook := newRecordingHook(t)
	hook.status.Store(http.StatusInternalServerError)
	in := create(t, p, token(t, p, "230000101"), webhookReq(hook.srv.URL, 0, subscription.ExtensionPresence("")))

	publishSeq(t, p, 1, 2)
	waitUntil(t, "2 failures", func() bool { st, _ := p.WebhookStats(in.ID); return st.Failed == 2 })
	hook.status.Store(http.StatusOK) // a success resets the run
	publishSeq(t, p, 3, 3)
	waitUntil(t, "a success", func() bool { st, _ := p.WebhookStats(in.ID); return st.Delivered == 1 })
	hook.status.Store(http.StatusNotFound)
	publishSeq(t, p, 4, 6)
	waitUntil(t, "blacklisting", func() bool { st, _ := p.WebhookStats(in.ID); return st.Blacklisted })

	st, _ := p.WebhookStats(in.ID)
	if d := cmp.Diff(notifytest.WebhookStats{Delivered: 1, Failed: 5, ConsecutiveFailures: 3, Blacklisted: true}, st); d != "" {
		t.Errorf("stats (-want +got):\n%s", d)
	}
	info, ok := p.Subscription(in.ID)
	if !ok {
		t.Fatal("subscription gone")
	}
	want := &subscription.BlacklistedData{BlacklistedAt: clk.Now(), Reason: "Webhook responses with code: [404], reason: [Not Found]"}
	if info.Status != subscription.Blacklisted {
		t.Errorf("status %q, want Blacklisted", info.Status)
	}
	if d := cmp.Diff(want, info.BlacklistedData); d != "" {
		t.Errorf("blacklistedData (-want +got):\n%s", d)
	}
	// A blacklisted subscription gets nothing more.
	if n, err := p.Publish(context.Background(), "/restapi/v1.0/account/~/extension/~/presence", presence.Event{Sequence: 7}); err != nil || n != 0 {
		t.Errorf("Publish to a blacklisted subscription = %d, %v", n, err)
	}
}

func TestWebhookBlacklistOnTimeout(t *testing.T) {
	p, _ := start(t, notifytest.WithHandshakeTimeout(200*time.Millisecond))
	p.SetWebhookFailureLimit(1)
	stuck := make(chan struct{})
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v := r.Header.Get("Validation-Token"); v != "" {
			w.Header().Set("Validation-Token", v)
			return
		}
		select {
		case <-stuck:
		case <-r.Context().Done():
		}
	}))
	defer hook.Close()
	defer close(stuck)
	in := create(t, p, token(t, p, "230000101"), webhookReq(hook.URL, 0, subscription.ExtensionPresence("")))
	publishSeq(t, p, 1, 1)
	waitUntil(t, "blacklisting", func() bool { st, _ := p.WebhookStats(in.ID); return st.Blacklisted })
	info, _ := p.Subscription(in.ID)
	if info.BlacklistedData == nil || info.BlacklistedData.Reason != "I/O operation is failed. Details: [Read timed out]" {
		t.Errorf("blacklistedData %+v", info.BlacklistedData)
	}
}

func TestWebhookBlacklistingOff(t *testing.T) {
	p, _ := start(t)
	p.SetWebhookFailureLimit(0)
	hook := newRecordingHook(t)
	hook.status.Store(http.StatusServiceUnavailable)
	in := create(t, p, token(t, p, "230000101"), webhookReq(hook.srv.URL, 0, subscription.ExtensionPresence("")))
	publishSeq(t, p, 1, notifytest.DefaultWebhookFailureLimit+2)
	waitUntil(t, "the failures", func() bool {
		st, _ := p.WebhookStats(in.ID)
		return st.Failed == notifytest.DefaultWebhookFailureLimit+2
	})
	if info, _ := p.Subscription(in.ID); info.Status != subscription.Active {
		t.Errorf("status %q with blacklisting off", info.Status)
	}
}

func TestWebhookDuplicateAndReorderInjection(t *testing.T) {
	p, _ := start(t)
	hook := newRecordingHook(t)
	in := create(t, p, token(t, p, "230000101"), webhookReq(hook.srv.URL, 0, subscription.ExtensionPresence("")))
	publishSeq(t, p, 1, 1)
	p.DuplicateWebhooks(2)
	publishSeq(t, p, 2, 3)
	p.ReorderWebhooks(1)
	publishSeq(t, p, 4, 6)
	want := []int64{1, 2, 2, 3, 3, 5, 4, 6}
	waitUntil(t, "the deliveries", func() bool { return len(hook.received()) == len(want) })
	if d := cmp.Diff(want, hook.received()); d != "" {
		t.Errorf("sequences (-want +got):\n%s", d)
	}
	// The platform counts a delivery once the answer is back, just after
	// the hook has recorded it.
	waitUntil(t, "the answers", func() bool { st, _ := p.WebhookStats(in.ID); return st.Delivered == len(want) })
	st, _ := p.WebhookStats(in.ID)
	if d := cmp.Diff(notifytest.WebhookStats{Delivered: 8, Duplicated: 2, Reordered: 1}, st); d != "" {
		t.Errorf("stats (-want +got):\n%s", d)
	}
}

// Deleting the subscription ends its worker; what is still queued is
// dropped. leakcheck (in start) checks the workers end by Close.
func TestWebhookWorkerEndsOnDelete(t *testing.T) {
	p, _ := start(t)
	hook := newRecordingHook(t)
	tok := token(t, p, "230000101")
	for i := range 3 {
		in := create(t, p, tok, webhookReq(hook.srv.URL+"/"+strconv.Itoa(i), 0, subscription.ExtensionPresence("")))
		publishSeq(t, p, 1, 1)
		waitUntil(t, "a delivery", func() bool { return len(hook.received()) == i+1 })
		if r := do(t, p, tok, "DELETE", "/restapi/v1.0/subscription/"+in.ID, nil); r.status != http.StatusNoContent {
			t.Fatalf("delete: %d", r.status)
		}
	}
	if n, _ := p.Publish(context.Background(), "/restapi/v1.0/account/~/extension/~/presence", presence.Event{}); n != 0 {
		t.Errorf("published to %d deleted subscriptions", n)
	}
}
