package board_test

import (
	"context"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/board"
	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/presence"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/telephony"
	"github.com/ringwatch/ringwatch/transport/websocket"
)

var update = flag.Bool("update", false, "write ../docs/board.png, a screenshot of the board playing the fake platform's calls")

// chromiumPath finds a Chromium to drive. Without one the test skips on a
// developer machine and fails under CI.
func chromiumPath(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("board: no chromium on PATH, and CI is set: the browser tests must run in CI (.ci/run installs Debian's chromium)")
	}
	t.Skip("board: no chromium on PATH (install Debian's chromium package to run the browser tests)")
	return ""
}

// newBrowser starts a headless Chromium for the test; it is stopped at the
// test's end.
func newBrowser(t testing.TB) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1440, 1000),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		_ = chromedp.Cancel(ctx)
		cancel()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil { // start the browser, without a timeout
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

// env is a board on the fake platform, served on loopback.
type env struct {
	p    *notifytest.Platform
	rc   *ringwatch.Client
	sub  *notify.Subscription
	b    *board.Board
	srv  *httptest.Server
	exts []notifytest.Extension
}

func newEnv(t testing.TB, opts ...board.Option) *env {
	t.Helper()
	p := notifytest.NewPlatform()
	if err := p.Err(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	base := &http.Transport{}
	t.Cleanup(base.CloseIdleConnections)
	rc := ringwatch.NewClient(p.Config(), ringwatch.WithHTTPClient(&http.Client{Transport: base}))
	sub, err := notify.Subscribe(context.Background(), websocket.New(rc), []subscription.Filter{
		subscription.AccountTelephonySessions(),
		subscription.AccountPresence(subscription.Detailed()),
	}, notify.WithCallTracking(notify.ResyncREST(rc)))
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	exts := p.Extensions()
	for _, e := range exts {
		opts = append(opts, board.WithAgent(e.ID, e.Name, e.Number))
	}
	b := board.New(append([]board.Option{board.WithFlushInterval(50 * time.Millisecond)}, opts...)...)
	ran := make(chan struct{})
	go func() {
		defer close(ran)
		_ = b.Run(context.Background(), sub.Events())
	}()
	srv := httptest.NewServer(b)
	t.Cleanup(func() {
		_ = b.Close()
		srv.Close()
		_ = sub.Close()
		<-ran
	})
	return &env{p: p, rc: rc, sub: sub, b: b, srv: srv, exts: exts}
}

// waitFor polls a JavaScript predicate in the page for at most 10s.
func waitFor(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr,
		chromedp.WithPollingInterval(25*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		state, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('main').innerText.slice(0, 2000)`))
		t.Fatalf("%s: %v\npage:\n%s", what, err, state)
	}
}

func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// rowJS is a JavaScript expression for the row of a table keyed by id.
func rowJS(table, id string) string {
	return `[...document.querySelectorAll('#` + table + ` tbody tr')].find(r => r.dataset.id === ` + strconv.Quote(id) + `)`
}

const evilName = `<script>window.pwned=1</script><img src=x onerror="window.pwned=2">`

// TestBrowserBoard drives headless Chromium against a board on the fake
// platform: the agent grid and the live calls appear; a call the fake
// rings shows ringing, then answered and held, updated in place without a
// reload; when it ends it moves to the recent calls with its outcome; a
// caller named like a script shows as text; a dropped event stream
// reconnects and resumes; a gap shows until its resync completes; the page
// passes a basic accessibility check.
func TestBrowserBoard(t *testing.T) {
	leakcheck.Check(t)
	ctx := newBrowser(t)
	e := newEnv(t)
	tctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	ctx = tctx

	if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/")); err != nil {
		t.Fatalf("navigate: %v", err)
	}
	eval[bool](t, ctx, `window.__page = 'first load'; true`)
	n := strconv.Itoa(len(e.exts))
	waitFor(t, ctx, "agent grid", `document.querySelectorAll('#agents tbody tr').length === `+n)
	waitFor(t, ctx, "stream live", `document.getElementById('live').textContent === 'Live'`)

	// An outside caller rings an agent.
	agent := e.exts[1]
	sid, pid := "s-board-1", "p-board-1"
	if err := e.p.StartCall(ctx, telephony.Session{TelephonySessionID: sid, Parties: []telephony.Party{{
		ID: pid, AccountID: e.p.AccountID(), ExtensionID: agent.ID, Direction: telephony.Inbound,
		From:   telephony.Endpoint{PhoneNumber: "+16505550100", Name: evilName},
		To:     telephony.Endpoint{PhoneNumber: agent.PhoneNumber, ExtensionID: agent.ID, Name: agent.Name},
		Status: telephony.Status{Code: telephony.Proceeding},
	}}}); err != nil {
		t.Fatalf("StartCall: %v", err)
	}
	if _, err := e.p.Publish(ctx, "/restapi/v1.0/account/~/extension/"+agent.ID+"/presence", presence.Event{
		ExtensionID: agent.ID, TelephonyStatus: presence.Ringing, Sequence: 10, TotalActiveCalls: 1,
		ActiveCalls: []presence.ActiveCall{{ID: "c-1", Direction: presence.Inbound, From: "+16505550100", FromName: evilName,
			TelephonyStatus: presence.Ringing, TelephonySessionID: sid, PartyID: pid}},
	}); err != nil {
		t.Fatalf("Publish presence: %v", err)
	}
	row := rowJS("calls", sid)
	waitFor(t, ctx, "the call rings", row+`?.cells[3].textContent === 'Ringing'`)
	waitFor(t, ctx, "the agent rings", rowJS("agents", agent.ID)+`?.cells[2].textContent === 'Ringing'`)
	eval[bool](t, ctx, `window.__row = `+row+`; true`)
	if got := eval[string](t, ctx, row+`.cells[0].textContent`); got != evilName+" (+16505550100)" {
		t.Errorf("caller cell = %q, want the name as text", got)
	}
	if got := eval[string](t, ctx, rowJS("agents", agent.ID)+`.cells[4].textContent`); got != evilName+" (+16505550100)" {
		t.Errorf("agent's other party = %q, want the name as text", got)
	}

	// The agent answers and holds; the row changes in place.
	ctl := telephony.NewClient(e.rc)
	if _, err := ctl.Answer(ctx, sid, pid, "d-1"); err != nil {
		t.Fatalf("Answer: %v", err)
	}
	waitFor(t, ctx, "the call is answered", row+`?.cells[3].textContent === 'Talking'`)
	waitFor(t, ctx, "the talk timer ticks", row+`?.cells[6].textContent === '0:01'`)
	if _, err := ctl.Hold(ctx, sid, pid); err != nil {
		t.Fatalf("Hold: %v", err)
	}
	waitFor(t, ctx, "the call is held", row+`?.cells[3].textContent === 'On hold'`)
	waitFor(t, ctx, "the strip counts the hold", `document.getElementById('s-hold').textContent === '1'`)
	if !eval[bool](t, ctx, `window.__page === 'first load' && window.__row === `+row+` && window.__row.isConnected`) {
		t.Error("the page reloaded or re-rendered the call's row instead of updating it in place")
	}

	// A dropped event stream reconnects and resumes from Last-Event-ID.
	before := e.b.Stats()
	e.srv.CloseClientConnections()
	waitFor(t, ctx, "the stream reconnects", `document.getElementById('live').textContent === 'Live'`)
	deadline := time.Now().Add(10 * time.Second)
	for e.b.Stats().Resumed == before.Resumed && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if after := e.b.Stats(); after.Resumed == before.Resumed {
		t.Errorf("the stream did not resume: before %+v, after %+v", before, after)
	}

	// The call ends: it leaves the live table for the recent calls, with
	// its outcome, changes made while the stream was down included.
	if err := ctl.Drop(ctx, sid); err != nil {
		t.Fatalf("Drop: %v", err)
	}
	waitFor(t, ctx, "the call leaves the live table", `!(`+row+`)`)
	waitFor(t, ctx, "the call is listed as ended", rowJS("recent", sid)+`?.cells[4].textContent === 'Answered'`)
	waitFor(t, ctx, "the strip counts it", `document.getElementById('s-answered').textContent === '1'`)
	if got := eval[string](t, ctx, rowJS("recent", sid)+`.cells[1].textContent`); got != evilName+" (+16505550100)" {
		t.Errorf("recent caller cell = %q, want the name as text", got)
	}
	if eval[bool](t, ctx, `window.pwned !== undefined || document.querySelectorAll('main script, main img').length > 0`) {
		t.Error("a caller name was interpreted as HTML")
	}

	// A gap shows until its resync completes.
	e.b.Observe(&notify.Gap{Since: time.Now().Add(-time.Minute), Reason: "recovery failed"})
	waitFor(t, ctx, "the gap shows", `!document.getElementById('gap').hidden && document.getElementById('gap').textContent.includes('recovery failed')`)
	e.b.Observe(&notify.ResyncFailed{Trigger: "recovery failed"})
	e.b.Observe(&notify.Resynced{Trigger: "recovery failed"})
	waitFor(t, ctx, "the gap is resolved", `document.getElementById('gap').hidden && document.getElementById('h-gaps').textContent === '1' && document.getElementById('h-resyncs').textContent === '1'`)

	// Accessibility: headings, table headers, a text label on every state.
	problems := eval[[]string](t, ctx, `(() => {
		const p = [];
		if (!document.documentElement.lang) p.push('no lang on <html>');
		if (document.querySelectorAll('h1').length !== 1) p.push('want one h1');
		for (const id of ['h-now', 'h-agents', 'h-calls', 'h-recent', 'h-health']) {
			const h = document.getElementById(id);
			if (!h || h.tagName !== 'H2' || !h.textContent.trim()) p.push('no heading ' + id);
		}
		for (const t of document.querySelectorAll('table')) {
			const th = t.querySelectorAll('thead th[scope=col]');
			if (th.length === 0) p.push(t.id + ': no column headers');
			if (!t.caption || !t.caption.textContent.trim()) p.push(t.id + ': no caption');
			for (const r of t.tBodies[0].rows) if (r.cells.length !== th.length) p.push(t.id + ': a row does not match the headers');
		}
		for (const s of document.querySelectorAll('.state')) if (!s.textContent.trim()) p.push('a state without a text label: ' + s.className);
		if (document.querySelectorAll('.state').length < `+n+`) p.push('too few states shown');
		return p;
	})()`)
	for _, p := range problems {
		t.Error("accessibility:", p)
	}

	if *update {
		screenshot(t, ctx, e)
	}
}

// screenshot plays the fake platform's mix of calls for a few seconds and
// writes docs/board.png.
func screenshot(t *testing.T, ctx context.Context, e *env) {
	mixCtx, stop := context.WithTimeout(ctx, 6*time.Second)
	defer stop()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = e.p.RunMix(mixCtx, notifytest.MixOptions{Concurrency: 6, Pace: 900 * time.Millisecond, Gap: 300 * time.Millisecond, Seed: 14})
	}()
	waitFor(t, ctx, "calls in progress", `document.querySelectorAll('#calls tbody tr').length >= 4 && document.querySelectorAll('#recent tbody tr').length >= 4`)
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	stop()
	<-done
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join("..", "docs", "board.png")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d bytes)", path, len(png))
}
