package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/telephony"
	"github.com/ringwatch/ringwatch/transport"
	"github.com/ringwatch/ringwatch/transport/pubnub"
	"github.com/ringwatch/ringwatch/transport/webhook"
	"github.com/ringwatch/ringwatch/transport/websocket"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // could not run, or the subscription failed
	exitUsage = 2 // bad flags or incomplete configuration
)

// The embedded platform's mix of scripted calls: a few calls at once,
// slow enough to follow on a terminal.
const (
	mixConcurrency = 3
	mixPace        = 250 * time.Millisecond
	mixGap         = 400 * time.Millisecond
)

// run is the whole program: it returns the exit code. ctx ends it early
// (Ctrl-C); stdout gets the call state changes, stderr the errors.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintln(stderr, "callmonitor:", err)
		return exitUsage
	}
	cfg, real, err := configFromEnv()
	if err != nil {
		fmt.Fprintln(stderr, "callmonitor:", err)
		return exitUsage
	}
	if real && o.transport == "webhook" && o.publicURL == "" {
		fmt.Fprintln(stderr, "callmonitor: -transport webhook with real RingCentral needs -public-url, the https address RingCentral can post to")
		return exitUsage
	}
	if o.publicURL != "" {
		if u, err := url.Parse(o.publicURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			fmt.Fprintf(stderr, "callmonitor: -public-url %q is not an http(s) URL\n", o.publicURL)
			return exitUsage
		}
	}
	m := &monitor{opts: o, out: newPrinter(stdout, o.jsonOut), stderr: stderr, names: map[string]string{}}
	if o.verbose {
		m.log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if !real {
		p, err := notifytest.NewPlatformErr(notifytest.WithLogger(m.log))
		if err != nil {
			fmt.Fprintln(stderr, "callmonitor: cannot start the embedded platform:", err)
			return exitError
		}
		defer p.Close()
		m.platform = p
		cfg = p.Config()
		for _, e := range p.Extensions() {
			m.names[e.ID] = e.Name + " (" + e.Number + ")"
		}
	}
	if o.csv != "" {
		l, err := openCSV(o.csv)
		if err != nil {
			fmt.Fprintln(stderr, "callmonitor: -csv:", err)
			return exitError
		}
		m.csv = l
	}
	m.cfg = cfg
	code := m.run(ctx)
	if m.csv != nil {
		if err := m.csv.close(); err != nil {
			fmt.Fprintln(stderr, "callmonitor: -csv:", err)
			code = max(code, exitError)
		}
	}
	return code
}

// configFromEnv reads RingCentral's credentials when any RC_* variable is
// set; real reports whether it did.
func configFromEnv() (cfg ringwatch.Config, real bool, err error) {
	for _, k := range []string{ringwatch.EnvServerURL, ringwatch.EnvClientID, ringwatch.EnvClientSecret, ringwatch.EnvJWT} {
		if os.Getenv(k) != "" {
			real = true
		}
	}
	if !real {
		return cfg, false, nil
	}
	cfg, err = ringwatch.ConfigFromEnv()
	if me, ok := errors.AsType[*ringwatch.MissingError](err); ok {
		return cfg, true, fmt.Errorf("%s not set: set %s, %s, %s and %s to watch real RingCentral, or none of them for the embedded platform",
			strings.Join(me.Missing, ", "), ringwatch.EnvServerURL, ringwatch.EnvClientID, ringwatch.EnvClientSecret, ringwatch.EnvJWT)
	}
	return cfg, true, err
}

// monitor is one run of callmonitor.
type monitor struct {
	opts     options
	out      *printer
	stderr   io.Writer
	log      *slog.Logger // nil: silent
	cfg      ringwatch.Config
	platform *notifytest.Platform // nil against real RingCentral

	names   map[string]string // extension id → "Name (number)", for presence lines
	stopMix func()            // stops the embedded platform's calls; nil until they start
	csv     *csvLog           // -csv; nil without it
	board   *boardServer      // -http; nil without it
	changes int
	ended   int
}

func (m *monitor) run(ctx context.Context) int {
	if m.opts.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, m.opts.duration)
		defer cancel()
	}
	if m.opts.relay != "" {
		return m.runRelay(ctx)
	}
	// The Client's token source does not end with ctx: tokens are still
	// needed after Ctrl-C, when Close removes the subscription.
	rc := ringwatch.NewClient(m.cfg, ringwatch.WithLogger(m.log))

	tr, hook, err := m.transport(rc)
	if err != nil {
		fmt.Fprintln(m.stderr, "callmonitor:", err)
		return exitUsage
	}
	if hook != nil {
		defer hook.stop()
	}
	filters := m.boardFilters(m.filters())
	m.out.start(m.startInfo(filters))
	if m.board, err = m.startBoard(); err != nil {
		fmt.Fprintln(m.stderr, "callmonitor:", err)
		return exitError
	}
	defer m.board.stop()

	tracking := []notify.CallTrackingOption{notify.ResyncREST(rc), notify.ResyncOnConnect()}
	if m.opts.account {
		tracking = append(tracking, notify.ResyncAccount(0))
	}
	// ctx bounds the subscription: on Ctrl-C (or -duration) its events
	// end, and Close (below) still removes it from RingCentral within its
	// own bound.
	sub, err := notify.Subscribe(ctx, tr, filters, notify.WithCallTracking(tracking...), notify.WithLogger(m.log))
	if err != nil {
		if ctx.Err() != nil {
			m.out.stop(stopLine{Type: "stop", Time: time.Now(), Reason: stopReason(ctx)})
			return exitOK
		}
		fmt.Fprintf(m.stderr, "callmonitor: cannot subscribe at %s: %v\n", m.serverURL(), err)
		return exitError
	}

	code := m.loop(ctx, sub)

	// Shut down in order: no more calls, then remove the subscription
	// while the platform still answers.
	if m.stopMix != nil {
		m.stopMix()
	}
	closeErr := sub.Close()
	active := len(buildTable(time.Now(), sub.Calls().Snapshot()).Calls)
	if code != exitOK {
		return code
	}
	if closeErr != nil {
		fmt.Fprintln(m.stderr, "callmonitor: could not remove the subscription:", closeErr)
		return exitError
	}
	m.out.stop(stopLine{Type: "stop", Time: time.Now(), Reason: stopReason(ctx),
		Changes: m.changes, Calls: m.ended, Active: active, Stats: newStopStats(sub.Stats())})
	return exitOK
}

// loop prints events until ctx ends (exitOK) or the subscription fails.
func (m *monitor) loop(ctx context.Context, sub *notify.Subscription) int {
	var tick <-chan time.Time
	if m.opts.table > 0 {
		t := time.NewTicker(m.opts.table)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case now := <-tick:
			m.out.table(buildTable(now, sub.Calls().Snapshot()))
		case ev, ok := <-sub.Events():
			if !ok {
				if ctx.Err() != nil { // Ctrl-C, or -duration reached
					return exitOK
				}
				fmt.Fprintln(m.stderr, "callmonitor: the subscription ended:", sub.Err())
				return exitError
			}
			m.event(ctx, time.Now(), ev)
		}
	}
}

// event prints one event of the subscription. The raw notifications are
// not printed: the changes the trackers computed from them are.
func (m *monitor) event(ctx context.Context, now time.Time, ev notify.Event) {
	m.board.observe(ev)
	switch ev := ev.(type) {
	case *notify.Resynced, *notify.ResyncFailed:
		// The embedded platform starts its calls once the first resync
		// (ResyncOnConnect) has read the calls in progress, as a real
		// platform's calls would already be going on by then.
		if m.platform != nil && m.stopMix == nil {
			m.stopMix = m.startMix(ctx)
		}
		if l, ok := newStateLine(now, ev); ok {
			m.out.state(l)
		}
	case *notify.CallChange:
		m.changes++
		if ev.CallEnded {
			m.ended++
		}
		m.learn(&ev.Party)
		m.out.call(newCallLine(now, ev))
		if ev.Summary != nil {
			l := newSummaryLine(now, ev.Summary)
			m.out.summary(l)
			if m.csv != nil {
				m.csv.row(l)
			}
		}
	case *notify.PresenceChange:
		if ev.Empty() || !m.opts.presence { // -http alone subscribes to presence for the board
			return
		}
		m.out.presence(newPresenceLine(now, ev, m.names[ev.ExtensionID]))
	default:
		if l, ok := newStateLine(now, ev); ok {
			m.out.state(l)
		}
	}
}

// learn remembers an extension's name from a party of a call, to name it
// in presence lines.
func (m *monitor) learn(p *telephony.Party) {
	if p.ExtensionID == "" || !m.opts.presence {
		return
	}
	if _, ok := m.names[p.ExtensionID]; ok {
		return
	}
	if len(m.names) >= 10_000 { // bounded: a large account's names are re-learnt
		clear(m.names)
	}
	m.names[p.ExtensionID] = partyLabel(p)
}

// filters are the event filters of the subscription.
func (m *monitor) filters() []subscription.Filter {
	var fs []subscription.Filter
	if m.opts.account {
		fs = append(fs, subscription.AccountTelephonySessions())
		if m.opts.presence {
			fs = append(fs, subscription.AccountPresence(subscription.Detailed()))
		}
		return fs
	}
	fs = append(fs, subscription.ExtensionTelephonySessions(subscription.Me))
	if m.opts.presence {
		fs = append(fs, subscription.ExtensionPresence(subscription.Me, subscription.Detailed()))
	}
	return fs
}

// transport builds the transport the flags ask for. For a webhook it also
// starts the HTTP server RingCentral posts to.
func (m *monitor) transport(rc *ringwatch.Client) (transport.Transport, *hookServer, error) {
	switch m.opts.transport {
	case "webhook":
		return m.webhook(rc)
	case "pubnub":
		opts := []pubnub.Option{pubnub.WithLogger(m.log)}
		if m.platform != nil {
			opts = append(opts, pubnub.WithOrigin(m.platform.PubNubOrigin(), false))
		}
		return pubnub.New(rc, opts...), nil, nil
	default:
		return websocket.New(rc, websocket.WithLogger(m.log)), nil, nil
	}
}

// hookServer is the HTTP server of the webhook transport.
type hookServer struct {
	srv  *http.Server
	done chan struct{}
	addr string
}

func (h *hookServer) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := h.srv.Shutdown(ctx); err != nil {
		_ = h.srv.Close()
	}
	<-h.done
}

func (m *monitor) webhook(rc *ringwatch.Client) (transport.Transport, *hookServer, error) {
	listen := m.opts.listen
	if listen == "" {
		listen = ":8080"
		if m.platform != nil {
			listen = "127.0.0.1:0"
		}
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, nil, fmt.Errorf("webhook: cannot listen on %s: %w", listen, err)
	}
	public := m.opts.publicURL
	if public == "" { // the embedded platform posts on loopback
		public = "http://" + ln.Addr().String() + "/ringcentral/webhook"
	}
	u, _ := url.Parse(public) // checked in run
	path := u.Path
	if path == "" {
		path = "/"
	}
	tr := webhook.New(rc, public, webhook.WithLogger(m.log))
	mux := http.NewServeMux()
	mux.Handle(path, tr.Handler())
	h := &hookServer{
		srv:  &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slogErrorLog(m.log)},
		done: make(chan struct{}),
	}
	go func() {
		defer close(h.done)
		_ = h.srv.Serve(ln) // ends with Shutdown
	}()
	return tr, h, nil
}

// startMix plays scripted calls on the embedded platform until the
// returned stop is called; against real RingCentral it does nothing.
func (m *monitor) startMix(ctx context.Context) (stop func()) {
	if m.platform == nil {
		return func() {}
	}
	seed := m.opts.seed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	mixCtx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		_, err := m.platform.RunMix(mixCtx, notifytest.MixOptions{
			Concurrency: mixConcurrency, Pace: mixPace, Gap: mixGap, Seed: seed,
		})
		if err != nil && mixCtx.Err() == nil {
			fmt.Fprintln(m.stderr, "callmonitor: the scripted calls stopped:", err)
		}
	})
	return func() { cancel(); wg.Wait() }
}

func (m *monitor) startInfo(filters []subscription.Filter) startInfo {
	s := startInfo{Type: "start", Time: time.Now(), Platform: "ringcentral", URL: m.serverURL(),
		Transport: m.opts.transport, Scope: "extension"}
	if m.platform != nil {
		s.Platform = "embedded"
	}
	if m.opts.account {
		s.Scope = "account"
	}
	for _, f := range filters {
		s.Filters = append(s.Filters, string(f))
	}
	return s
}

func (m *monitor) serverURL() string {
	if m.cfg.ServerURL == "" {
		return ringwatch.DefaultServerURL
	}
	return m.cfg.ServerURL
}

// stopReason says why the run is over.
func stopReason(ctx context.Context) string {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return "duration reached"
	}
	return "interrupted"
}

// slogErrorLog routes the HTTP server's own error log to the logger, or
// discards it when there is none.
func slogErrorLog(l *slog.Logger) *log.Logger {
	if l == nil {
		return log.New(io.Discard, "", 0)
	}
	return slog.NewLogLogger(l.Handler(), slog.LevelWarn)
}
