package board_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ringwatch/ringwatch/board"
	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/telephony"
)

// sse is one server-sent event.
type sse struct{ id, event, data string }

// readEvent reads the next event (skipping retry and comment lines).
func readEvent(t *testing.T, r *bufio.Reader) sse {
	t.Helper()
	var ev sse
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading the stream: %v (so far %+v)", err, ev)
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "":
			if ev.event != "" {
				return ev
			}
		case strings.HasPrefix(line, "id: "):
			ev.id = line[4:]
		case strings.HasPrefix(line, "event: "):
			ev.event = line[7:]
		case strings.HasPrefix(line, "data: "):
			ev.data = line[6:]
		}
	}
}

// openStream opens the event stream; lastID, if set, is sent as
// Last-Event-ID.
func openStream(t *testing.T, url, lastID string) (*bufio.Reader, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/events", nil)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatalf("GET /events: %v", err)
	}
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" {
		cancel()
		t.Fatalf("GET /events: %s, %q", res.Status, res.Header.Get("Content-Type"))
	}
	return bufio.NewReader(res.Body), func() { cancel(); res.Body.Close() }
}

func ringing(sid, caller string) *notify.CallChange {
	return &notify.CallChange{Change: telephony.Change{
		TelephonySessionID: sid, PartyID: "p-1", To: telephony.Proceeding, Kind: telephony.KindRinging,
		Party: telephony.Party{Direction: telephony.Inbound, Status: telephony.Status{Code: telephony.Proceeding},
			From: telephony.Endpoint{PhoneNumber: "+16505550100", Name: caller}},
	}}
}

func newServer(t *testing.T, opts ...board.Option) (*board.Board, *httptest.Server) {
	t.Helper()
	b := board.New(append([]board.Option{board.WithFlushInterval(10 * time.Millisecond)}, opts...)...)
	srv := httptest.NewServer(b)
	t.Cleanup(func() {
		_ = b.Close()
		srv.Close()
	})
	return b, srv
}

// waitPatches waits (at most 5s) until the board has sent n patches.
func waitPatches(t *testing.T, b *board.Board, n uint64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for b.Stats().Patches < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d patches after 5s, want %d", b.Stats().Patches, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestOnlyGET: every path of the board answers anything but GET with 405.
func TestOnlyGET(t *testing.T) {
	leakcheck.Check(t)
	_, srv := newServer(t)
	for _, path := range []string{"/", "/events", "/board.js", "/board.css", "/nothing"} {
		for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodHead, http.MethodOptions, "TRACE"} {
			req, _ := http.NewRequest(m, srv.URL+path, strings.NewReader("x"))
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("%s %s: %v", m, path, err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "GET" {
				t.Errorf("%s %s: %s, Allow %q; want 405, GET", m, path, res.Status, res.Header.Get("Allow"))
			}
		}
	}
	res, err := http.Get(srv.URL + "/nothing")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("GET /nothing: %s, want 404", res.Status)
	}
}

// TestPageEscapes: the page is rendered by html/template, loads only its
// own script and style sheet, and forbids anything else.
func TestPageEscapes(t *testing.T) {
	leakcheck.Check(t)
	_, srv := newServer(t, board.WithTitle(`<script>alert(1)</script>`))
	res, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	page := string(body)
	if strings.Contains(page, "<script>alert") || !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("the title is not escaped:\n%s", page)
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}
	for _, ref := range []string{"http:", "https:", "//"} {
		if strings.Contains(strings.ReplaceAll(page, "<!doctype html>", ""), `="`+ref) {
			t.Errorf("the page refers to %s", ref)
		}
	}
}

// TestSnapshotThenPatches: a new stream starts with a snapshot, then gets
// patches holding only what changed; RingCentral's values are JSON-escaped.
func TestSnapshotThenPatches(t *testing.T) {
	leakcheck.Check(t)
	b, srv := newServer(t)
	b.Observe(ringing("s-1", "Ada"))
	waitPatches(t, b, 1) // s-1 is sent, to no one
	r, stop := openStream(t, srv.URL, "")
	defer stop()
	snap := readEvent(t, r)
	if snap.event != "snapshot" || !strings.Contains(snap.data, `"id":"s-1"`) || !strings.Contains(snap.data, `"reset":true`) {
		t.Fatalf("first event = %+v, want a snapshot with the call", snap)
	}
	b.Observe(ringing("s-2", "<script>x</script>"))
	for {
		ev := readEvent(t, r)
		if ev.event != "patch" {
			t.Fatalf("event after the snapshot = %+v, want patches", ev)
		}
		if !strings.Contains(ev.data, `"calls"`) {
			continue
		}
		if strings.Contains(ev.data, `"id":"s-1"`) || !strings.Contains(ev.data, `"id":"s-2"`) {
			t.Errorf("patch = %s, want only the call that changed", ev.data)
		}
		if strings.Contains(ev.data, "<script>") || !strings.Contains(ev.data, `\u003cscript\u003ex`) {
			t.Errorf("patch = %s, want the name escaped", ev.data)
		}
		break
	}
}

// TestResumeFromLastEventID: a stream that reconnects with Last-Event-ID
// gets the patches it missed, not a snapshot; an unknown id gets a
// snapshot.
func TestResumeFromLastEventID(t *testing.T) {
	leakcheck.Check(t)
	b, srv := newServer(t)
	r, stop := openStream(t, srv.URL, "")
	snap := readEvent(t, r)
	stop()
	b.Observe(ringing("s-1", "Ada"))
	waitPatches(t, b, 1)
	r, stop = openStream(t, srv.URL, snap.id)
	ev := readEvent(t, r)
	stop()
	if ev.event != "patch" || !strings.Contains(ev.data, `"id":"s-1"`) {
		t.Errorf("resumed stream's first event = %+v, want the missed patch", ev)
	}
	if s := b.Stats(); s.Resumed != 1 || s.Snapshots != 1 {
		t.Errorf("stats = %+v, want 1 resumed, 1 snapshot", s)
	}
	for _, id := range []string{"other-1", "garbage", snap.id + "999"} {
		r, stop = openStream(t, srv.URL, id)
		ev = readEvent(t, r)
		stop()
		if ev.event != "snapshot" {
			t.Errorf("Last-Event-ID %q: first event %+v, want a snapshot", id, ev)
		}
	}
}

// TestCloseEndsStreams: Close ends the open streams and leaves no
// goroutine; it is idempotent.
func TestCloseEndsStreams(t *testing.T) {
	leakcheck.Check(t)
	b := board.New()
	srv := httptest.NewServer(b)
	defer srv.Close()
	r, stop := openStream(t, srv.URL, "")
	defer stop()
	readEvent(t, r)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(r); err != nil {
		t.Fatalf("stream after Close: %v", err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	b.Observe(ringing("s-1", "late")) // ignored
	res, err := http.Get(srv.URL + "/events")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("GET /events after Close: %s, want 503", res.Status)
	}
}

// TestMaxClients: streams beyond the cap are refused.
func TestMaxClients(t *testing.T) {
	leakcheck.Check(t)
	_, srv := newServer(t, board.WithMaxClients(1))
	r, stop := openStream(t, srv.URL, "")
	defer stop()
	readEvent(t, r)
	res, err := http.Get(srv.URL + "/events")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("second stream: %s, want 503", res.Status)
	}
}
