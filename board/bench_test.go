//go:build unix

package board_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/board"
	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/transport/websocket"
)

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchCalls is the number of calls in progress at once on the fake
// platform, and benchViewers the number of browsers watching the board.
const (
	benchCalls   = 1000
	benchViewers = 5
)

// BenchmarkBoardCPU measures the server CPU the board costs with 1,000
// concurrent calls on the fake platform (RunMix) and 5 viewers: the same
// pipeline (fake platform, WebSocket transport, decoding, call tracking)
// runs without the board ("off") and with it ("on"), each reporting the
// process's CPU-seconds per wall-second (getrusage) as cpu-cores; the
// board's share is on minus off. The viewers are headless Chromium tabs
// when Chromium is installed (set BOARD_BENCH_VIEWERS=sse for in-process
// SSE readers instead, whose own CPU is then counted too). Each iteration
// is a window of 5 seconds.
//
//	go test -run '^$' -bench BoardCPU -benchtime 3x ./board/
func BenchmarkBoardCPU(b *testing.B) {
	b.Run("board=off", func(b *testing.B) { benchBoard(b, false) })
	b.Run("board=on", func(b *testing.B) { benchBoard(b, true) })
}

func benchBoard(b *testing.B, on bool) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := notifytest.NewPlatform()
	if err := p.Err(); err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	base := &http.Transport{}
	defer base.CloseIdleConnections()
	rc := ringwatch.NewClient(p.Config(), ringwatch.WithHTTPClient(&http.Client{Transport: base}))
	sub, err := notify.Subscribe(ctx, websocket.New(rc), []subscription.Filter{
		subscription.AccountTelephonySessions(),
		subscription.AccountPresence(subscription.Detailed()),
	}, notify.WithCallTracking(notify.ResyncREST(rc)), notify.WithBufferSize(1<<16))
	if err != nil {
		b.Fatalf("Subscribe: %v", err)
	}
	defer sub.Close()

	var bd *board.Board
	if on {
		var opts []board.Option
		for _, e := range p.Extensions() {
			opts = append(opts, board.WithAgent(e.ID, e.Name, e.Number))
		}
		bd = board.New(opts...)
		defer bd.Close()
	}
	var events atomic.Int64
	consumed := make(chan struct{})
	go func() {
		defer close(consumed)
		for ev := range sub.Events() {
			events.Add(1)
			if bd != nil {
				bd.Observe(ev)
			}
		}
	}()
	defer func() { _ = sub.Close(); <-consumed }()

	var viewers string
	if on {
		srv := httptest.NewServer(bd)
		defer srv.Close()
		defer bd.Close() // ends the streams before the server closes
		viewers = connectViewers(ctx, b, srv.URL)
	}

	mixDone := make(chan struct{})
	go func() {
		defer close(mixDone)
		_, _ = p.RunMix(ctx, notifytest.MixOptions{Concurrency: benchCalls, Pace: 3 * time.Second, Seed: 14})
	}()
	defer func() { cancel(); <-mixDone }()

	// Warm up until the calls are in progress.
	deadline := time.Now().Add(60 * time.Second)
	for sub.Calls().Stats().Active < benchCalls*9/10 {
		if time.Now().After(deadline) {
			b.Fatalf("only %d calls in progress after 60s", sub.Calls().Stats().Active)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if on {
		waitViewers(b, bd)
	}

	cpu0, ev0, t0 := cpuTime(), events.Load(), time.Now()
	active := 0
	for b.Loop() {
		time.Sleep(5 * time.Second) // a measuring window
		active += sub.Calls().Stats().Active
	}
	wall := time.Since(t0)
	b.ReportMetric((cpuTime()-cpu0).Seconds()/wall.Seconds(), "cpu-cores")
	b.ReportMetric(float64(events.Load()-ev0)/wall.Seconds(), "events/s")
	b.ReportMetric((cpuTime()-cpu0).Seconds()*1e6/float64(max(events.Load()-ev0, 1)), "cpu-µs/event")
	b.ReportMetric(float64(active)/float64(b.N), "calls")
	if on {
		st := bd.Stats()
		b.ReportMetric(float64(st.Clients), "viewers")
		b.Logf("viewers: %s; board stats %+v", viewers, st)
	}
}

// connectViewers connects benchViewers viewers to the board at url and
// says which kind.
func connectViewers(ctx context.Context, b *testing.B, url string) string {
	path := ""
	if os.Getenv("BOARD_BENCH_VIEWERS") != "sse" {
		for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
			if p, err := exec.LookPath(name); err == nil {
				path = p
				break
			}
		}
	}
	if path == "" {
		var wg sync.WaitGroup
		for range benchViewers {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/events", nil)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer res.Body.Close()
				_, _ = io.Copy(io.Discard, bufio.NewReader(res.Body))
			}()
		}
		b.Cleanup(wg.Wait)
		return "in-process SSE readers"
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.UserDataDir(b.TempDir()), chromedp.WindowSize(1440, 1000),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	b.Cleanup(func() { _ = chromedp.Cancel(bctx); cancelBrowser(); cancelAlloc() })
	if err := chromedp.Do(bctx); err != nil {
		b.Fatalf("chromium: %v", err)
	}
	for i := range benchViewers {
		tab := bctx
		if i > 0 {
			tab, _ = chromedp.NewContext(bctx)
		}
		if err := chromedp.Do(tab, chromedp.Navigate(url+"/")); err != nil {
			b.Fatalf("tab %d: %v", i, err)
		}
	}
	return "headless Chromium tabs"
}

// waitViewers waits until every viewer's stream is open.
func waitViewers(b *testing.B, bd *board.Board) {
	deadline := time.Now().Add(30 * time.Second)
	for bd.Stats().Clients < benchViewers {
		if time.Now().After(deadline) {
			b.Fatalf("%d viewers connected after 30s, want %d", bd.Stats().Clients, benchViewers)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// recording is the event stream of the fake platform with 1,000 calls in
// progress, recorded once for BenchmarkBoardCPUReplay.
type recording struct {
	warm   []notify.Event // until the calls were in progress
	events []notify.Event // then, for recordWindow
	at     []time.Duration
}

const recordWindow = 10 * time.Second

var (
	recOnce sync.Once
	rec     recording
	recErr  string
)

func record(b *testing.B) *recording {
	recOnce.Do(func() {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		p := notifytest.NewPlatform()
		defer p.Close()
		base := &http.Transport{}
		defer base.CloseIdleConnections()
		rc := ringwatch.NewClient(p.Config(), ringwatch.WithHTTPClient(&http.Client{Transport: base}))
		sub, err := notify.Subscribe(ctx, websocket.New(rc), []subscription.Filter{
			subscription.AccountTelephonySessions(),
			subscription.AccountPresence(subscription.Detailed()),
		}, notify.WithCallTracking(notify.ResyncREST(rc)), notify.WithBufferSize(1<<16))
		if err != nil {
			recErr = err.Error()
			return
		}
		mixDone := make(chan struct{})
		go func() {
			defer close(mixDone)
			_, _ = p.RunMix(ctx, notifytest.MixOptions{Concurrency: benchCalls, Pace: 3 * time.Second, Seed: 14})
		}()
		deadline := time.Now().Add(60 * time.Second)
		var t0 time.Time
		for ev := range sub.Events() {
			if t0.IsZero() {
				rec.warm = append(rec.warm, ev)
				if sub.Calls().Stats().Active >= benchCalls*9/10 {
					t0 = time.Now()
				} else if time.Now().After(deadline) {
					recErr = "the calls did not start within 60s"
					break
				}
				continue
			}
			d := time.Since(t0)
			if d > recordWindow {
				break
			}
			rec.events = append(rec.events, ev)
			rec.at = append(rec.at, d)
		}
		cancel()
		<-mixDone
		_ = sub.Close()
		for range sub.Events() {
		}
	})
	if recErr != "" {
		b.Fatal(recErr)
	}
	return &rec
}

// BenchmarkBoardCPUReplay isolates the board: it records 10 seconds of the
// fake platform's events with 1,000 calls in progress (once), stops the
// platform, then replays them in real time to nothing ("off") or to a
// board with 5 viewers ("on"), reporting the process's CPU-seconds per
// wall-second (getrusage) as cpu-cores. Each iteration replays the 10
// seconds.
//
//	go test -run '^$' -bench BoardCPUReplay -benchtime 3x ./board/
func BenchmarkBoardCPUReplay(b *testing.B) {
	b.Run("board=off", func(b *testing.B) { benchReplay(b, false) })
	b.Run("board=on", func(b *testing.B) { benchReplay(b, true) })
}

func benchReplay(b *testing.B, on bool) {
	r := record(b)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	observe := func(notify.Event) {}
	var bd *board.Board
	if on {
		bd = board.New()
		defer bd.Close()
		for _, ev := range r.warm {
			bd.Observe(ev)
		}
		srv := httptest.NewServer(bd)
		defer srv.Close()
		defer bd.Close()
		b.Logf("viewers: %s", connectViewers(ctx, b, srv.URL))
		waitViewers(b, bd)
		observe = bd.Observe
	}
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	cpu0, t0 := cpuTime(), time.Now()
	n := 0
	for b.Loop() {
		start, i := time.Now(), 0
		for i < len(r.events) {
			now := <-tick.C
			for ; i < len(r.events) && r.at[i] <= now.Sub(start); i++ {
				observe(r.events[i])
			}
		}
		n += i
	}
	wall := time.Since(t0)
	b.ReportMetric((cpuTime()-cpu0).Seconds()/wall.Seconds(), "cpu-cores")
	b.ReportMetric(float64(n)/wall.Seconds(), "events/s")
	if on {
		b.ReportMetric(float64(bd.Stats().Clients), "viewers")
		b.Logf("board stats %+v", bd.Stats())
	}
}
