package board

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/telephony"
)

func testConfig() *config {
	return &config{maxCalls: 100, maxAgents: 100, recent: 3, now: time.Now}
}

func change(sid string, to telephony.StatusCode, at time.Time) *notify.CallChange {
	return &notify.CallChange{Change: telephony.Change{
		TelephonySessionID: sid, PartyID: "p-1", To: to, EventTime: at,
		Party: telephony.Party{Direction: telephony.Inbound, Status: telephony.Status{Code: to},
			From: telephony.Endpoint{PhoneNumber: "+16505550100"}},
	}}
}

func decode(t *testing.T, b []byte) message {
	t.Helper()
	var m message
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return m
}

// TestPatchIsIncremental: a patch holds only the rows that changed since
// the previous one, and names the calls that ended.
func TestPatchIsIncremental(t *testing.T) {
	now := time.Now()
	s := newState(testConfig())
	for _, sid := range []string{"a", "b", "c"} {
		s.apply(now, change(sid, telephony.Proceeding, now))
	}
	if m := decode(t, must(s.patch(now))); len(m.Calls) != 3 {
		t.Fatalf("first patch has %d calls, want 3", len(m.Calls))
	}
	if _, changed := s.patch(now); changed {
		t.Error("a patch with nothing observed reports a change")
	}
	s.apply(now, change("b", telephony.Answered, now.Add(time.Second)))
	m := decode(t, must(s.patch(now)))
	if len(m.Calls) != 1 || m.Calls[0].ID != "b" || m.Calls[0].State != "Talking" || m.Calls[0].Answer == 0 {
		t.Errorf("patch calls = %+v, want only b, talking", m.Calls)
	}
	end := change("c", telephony.Disconnected, now)
	end.CallEnded = true
	end.Summary = &telephony.CallSummary{TelephonySessionID: "c", Outcome: telephony.OutcomeMissed, Ring: 3 * time.Second}
	s.apply(now, end)
	m = decode(t, must(s.patch(now)))
	if len(m.Calls) != 0 || len(m.Gone) != 1 || m.Gone[0] != "c" || len(m.Recent) != 1 || m.Recent[0].Outcome != "Missed" || m.Recent[0].Ring != 3000 {
		t.Errorf("patch = %+v, want c gone and listed as missed", m)
	}
	if m.Strip == nil || m.Strip.Missed15 != 1 || m.Strip.Active != 2 || m.Strip.Ringing != 1 {
		t.Errorf("strip = %+v, want 2 active, 1 ringing, 1 missed", m.Strip)
	}
}

func must(b []byte, _ bool) []byte { return b }

// TestHoldAndTimers: the hold span of a call adds up; event times ahead of
// the board's clock are clamped to it.
func TestHoldAndTimers(t *testing.T) {
	now := time.Now()
	s := newState(testConfig())
	t0 := now.Add(-time.Minute)
	s.apply(now, change("a", telephony.Proceeding, t0))
	s.apply(now, change("a", telephony.Answered, t0.Add(5*time.Second)))
	s.apply(now, change("a", telephony.Hold, t0.Add(10*time.Second)))
	if c := s.calls["a"]; c.HoldStart != ms(t0.Add(10*time.Second)) || c.State != "On hold" {
		t.Errorf("held call = %+v", c)
	}
	s.apply(now, change("a", telephony.Answered, t0.Add(17*time.Second)))
	c := s.calls["a"]
	if c.HoldStart != 0 || c.HoldAcc != 7000 || c.Answer != ms(t0.Add(5*time.Second)) || c.Start != ms(t0) {
		t.Errorf("resumed call = %+v, want 7s of hold", c)
	}
	s.apply(now, change("f", telephony.Proceeding, now.Add(time.Hour)))
	if c := s.calls["f"]; c.Start != ms(now) {
		t.Errorf("a call starting in the future starts at %d, want now %d", c.Start, ms(now))
	}
}

// TestGapShownUntilResynced: a Gap stays on the board until the resync
// completes, a failed resync included.
func TestGapShownUntilResynced(t *testing.T) {
	now := time.Now()
	s := newState(testConfig())
	s.apply(now, &notify.Connected{Header: notify.Header{SubscriptionID: "sub-1"}, Transport: "websocket"})
	s.apply(now, &notify.Gap{Since: now.Add(-time.Minute), Reason: "recovery failed"})
	if !s.health.GapOpen || s.health.Gaps != 1 {
		t.Fatalf("health after a gap = %+v", s.health)
	}
	s.apply(now, &notify.ResyncFailed{Trigger: "recovery failed"})
	if !s.health.GapOpen {
		t.Fatal("a failed resync closed the gap")
	}
	s.apply(now, &notify.Resynced{Trigger: "recovery failed"})
	if h := s.health; h.GapOpen || h.Resyncs != 1 || h.Transport != "websocket" || h.Sub != "sub-1" {
		t.Errorf("health after the resync = %+v", h)
	}
	if m := decode(t, s.snapshot(now)); m.Health == nil || m.Health.GapOpen || !m.Reset {
		t.Errorf("snapshot = %+v", m)
	}
}

// TestBounded: calls beyond the cap are counted but get no row; the recent
// list keeps its size.
func TestBounded(t *testing.T) {
	now := time.Now()
	cfg := testConfig()
	cfg.maxCalls = 2
	s := newState(cfg)
	for _, sid := range []string{"a", "b", "c", "d"} {
		s.apply(now, change(sid, telephony.Proceeding, now))
	}
	if len(s.calls) != 2 || s.stripNow(now).Active != 4 || s.stripNow(now).NotShown != 2 {
		t.Errorf("%d rows, strip %+v; want 2 rows of 4 active", len(s.calls), s.stripNow(now))
	}
	for i := range 10 {
		end := change("x"+itoa(i), telephony.Disconnected, now)
		end.CallEnded = true
		s.apply(now, end)
	}
	if len(s.recent) != cfg.recent {
		t.Errorf("%d recent calls, want %d", len(s.recent), cfg.recent)
	}
}

// blockedWriter is a ResponseWriter whose writes wait for the reader of
// its pipe: a browser that does not read.
type blockedWriter struct {
	h  http.Header
	pw *io.PipeWriter
}

func (w *blockedWriter) Header() http.Header         { return w.h }
func (w *blockedWriter) WriteHeader(int)             {}
func (w *blockedWriter) Write(p []byte) (int, error) { return w.pw.Write(p) }
func (w *blockedWriter) Flush()                      {}

// TestSlowClientGetsSnapshot: a client that does not read does not hold
// the board up; once its buffer is full it is sent a fresh snapshot
// instead of the patches it missed.
func TestSlowClientGetsSnapshot(t *testing.T) {
	leakcheck.Check(t)
	b := New(WithFlushInterval(10*time.Millisecond), WithClientBuffer(2))
	defer b.Close()
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/events", nil)
	served := make(chan struct{})
	go func() {
		defer close(served)
		b.ServeHTTP(&blockedWriter{h: http.Header{}, pw: pw}, req)
	}()
	defer func() {
		cancel() // the browser leaves
		pr.Close()
		<-served
	}()
	buf := make([]byte, 64<<10)
	if n, err := pr.Read(buf); err != nil || !strings.Contains(string(buf[:n]), "retry:") {
		t.Fatalf("first read %q, %v", buf[:n], err)
	}
	// The client reads no more (the first snapshot waits in the pipe); the
	// board goes on.
	deadline := time.Now().Add(5 * time.Second)
	for i := 0; b.Stats().FellBehind == 0; i++ {
		if time.Now().After(deadline) {
			t.Fatalf("no client fell behind: %+v", b.Stats())
		}
		b.Observe(change("s-"+itoa(i), telephony.Proceeding, time.Now()))
		time.Sleep(5 * time.Millisecond)
	}
	var got strings.Builder
	for strings.Count(got.String(), "event: snapshot") < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("no snapshot after falling behind; read:\n%s", got.String())
		}
		n, err := pr.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		got.Write(buf[:n])
	}
	if s := b.Stats(); s.Snapshots != 2 {
		t.Errorf("stats = %+v, want 2 snapshots (the first, then the fresh one)", s)
	}
}

// TestHistoryBounded: the patches kept for resuming streams are bounded
// in number and in bytes, and a stream that resumes from before them gets
// a snapshot.
func TestHistoryBounded(t *testing.T) {
	b := New(WithFlushInterval(time.Hour))
	defer b.Close()
	b.mu.Lock()
	defer b.mu.Unlock()
	for range 300 {
		b.sendLocked([]byte(`{}`))
	}
	if len(b.hist) != b.cfg.history {
		t.Errorf("%d patches kept, want %d", len(b.hist), b.cfg.history)
	}
	if _, ok := b.resumeFrom(b.id(10)); ok {
		t.Error("resumed from a patch no longer kept")
	}
	if fs, ok := b.resumeFrom(b.id(290)); !ok || len(fs) != 10 {
		t.Errorf("resume from 290 of 300: %d patches, %v; want 10", len(fs), ok)
	}
	big := make([]byte, 1<<20)
	for range 10 {
		b.sendLocked(big)
	}
	if b.histBytes > maxHistoryBytes || len(b.hist) != maxHistoryBytes/len(b.hist[len(b.hist)-1]) {
		t.Errorf("%d patches of %d bytes kept, want at most %d bytes", len(b.hist), b.histBytes, maxHistoryBytes)
	}
}
