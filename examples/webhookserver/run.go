package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/transport/webhook"
)

const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

type options struct {
	listen, publicURL, path string
	tlsCert, tlsKey         string
	account, demo           bool
	duration                time.Duration
}

func parse(args []string, stdout io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("webhookserver", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.listen, "listen", ":8080", "address to serve on")
	fs.StringVar(&o.publicURL, "public-url", "", "the public https URL RingCentral posts to (it must forward to -listen)")
	fs.StringVar(&o.path, "path", "", "path to serve the webhook on (default: the path of -public-url)")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "TLS certificate file (PEM); serve https when given with -tls-key")
	fs.StringVar(&o.tlsKey, "tls-key", "", "TLS private key file (PEM)")
	fs.BoolVar(&o.account, "account", false, "subscribe to the account's telephony sessions instead of your extension's")
	fs.BoolVar(&o.demo, "demo", false, "run against the embedded fake platform, which plays scripted calls")
	fs.DurationVar(&o.duration, "duration", 0, "stop after this long (0: until SIGINT or SIGTERM)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fs.PrintDefaults()
		}
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if (o.tlsCert == "") != (o.tlsKey == "") {
		return o, errors.New("-tls-cert and -tls-key go together")
	}
	if o.publicURL != "" {
		u, err := url.Parse(o.publicURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return o, fmt.Errorf("-public-url %q is not an http(s) URL", o.publicURL)
		}
		if o.path == "" {
			o.path = u.Path
		}
	}
	if o.path == "" {
		o.path = "/ringcentral/webhook"
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parse(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintln(stderr, "webhookserver:", err)
		return exitUsage
	}
	if o.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.duration)
		defer cancel()
	}
	log := slog.New(slog.NewJSONHandler(stderr, nil))

	var (
		cfg      ringwatch.Config
		platform *notifytest.Platform
	)
	if o.demo {
		platform, err = notifytest.NewPlatformErr()
		if err != nil {
			fmt.Fprintln(stderr, "webhookserver: cannot start the embedded platform:", err)
			return exitError
		}
		defer platform.Close()
		cfg = platform.Config()
		if o.listen == ":8080" {
			o.listen = "127.0.0.1:0" // the platform posts on loopback
		}
	} else {
		cfg, err = ringwatch.ConfigFromEnv()
		if me, ok := errors.AsType[*ringwatch.MissingError](err); ok {
			fmt.Fprintf(stderr, "webhookserver: %v: set RC_SERVER_URL, RC_APP_CLIENT_ID, RC_APP_CLIENT_SECRET and RC_USER_JWT, or run with -demo\n", me)
			return exitUsage
		}
		if o.publicURL == "" {
			fmt.Fprintln(stderr, "webhookserver: -public-url is required: the https address RingCentral posts to")
			return exitUsage
		}
	}

	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		fmt.Fprintln(stderr, "webhookserver:", err)
		return exitError
	}
	if o.publicURL == "" { // -demo
		scheme := "http"
		if o.tlsCert != "" {
			scheme = "https"
		}
		o.publicURL = scheme + "://" + ln.Addr().String() + o.path
	}

	// The Client's token source does not end with ctx: tokens are still
	// needed after SIGINT, when Close removes the subscription.
	rc := ringwatch.NewClient(cfg, ringwatch.WithLogger(log))
	// RingCentral gives a webhook 3 s: a body must arrive within 2 s, and a
	// notification waits at most 250 ms for room before the Handler
	// answers 503 (which the Transport reports as a Gap).
	tr := webhook.New(rc, o.publicURL, webhook.WithLogger(log),
		webhook.WithHandlerOptions(webhook.WithBodyTimeout(webhook.DefaultBodyTimeout), webhook.WithMaxWait(webhook.DefaultMaxWait)))

	mux := http.NewServeMux()
	mux.Handle("POST "+o.path, tr.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	srv := newServer(mux, log)
	serveErr := make(chan error, 1)
	go func() {
		if o.tlsCert != "" {
			serveErr <- srv.ServeTLS(ln, o.tlsCert, o.tlsKey)
		} else {
			serveErr <- srv.Serve(ln)
		}
	}()
	log.Info("serving", "listen", ln.Addr().String(), "path", o.path, "public_url", o.publicURL, "tls", o.tlsCert != "")
	shutdownServer := func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			log.Warn("server shutdown", "err", err)
			_ = srv.Close()
		}
		if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("server", "err", err)
		}
	}

	filters := []subscription.Filter{subscription.ExtensionTelephonySessions(subscription.Me)}
	tracking := []notify.CallTrackingOption{notify.ResyncREST(rc)}
	if o.account {
		filters = []subscription.Filter{subscription.AccountTelephonySessions()}
		tracking = append(tracking, notify.ResyncAccount(0))
	}
	// ctx bounds the subscription: on Ctrl-C its events end, and Close
	// (below) still removes it from RingCentral within its own bound.
	sub, err := notify.Subscribe(ctx, tr, filters, notify.WithCallTracking(tracking...), notify.WithLogger(log))
	if err != nil {
		log.Error("subscribe", "err", err)
		shutdownServer()
		if ctx.Err() != nil {
			return exitOK
		}
		return exitError
	}

	var mix sync.WaitGroup
	mixCtx, stopMix := context.WithCancel(ctx)
	if platform != nil {
		mix.Go(func() {
			_, _ = platform.RunMix(mixCtx, notifytest.MixOptions{Concurrency: 2, Pace: 200 * time.Millisecond, Gap: 500 * time.Millisecond})
		})
	}

	code := exitOK
loop:
	for {
		select {
		case err := <-serveErr:
			log.Error("server", "err", err)
			serveErr <- err // for shutdownServer
			code = exitError
			break loop
		case ev, ok := <-sub.Events():
			if !ok {
				if ctx.Err() != nil { // Ctrl-C, or -duration reached
					log.Info("stopping", "cause", context.Cause(ctx).Error())
				} else {
					log.Error("subscription ended", "err", sub.Err())
					code = exitError
				}
				break loop
			}
			logEvent(log, ev)
		}
	}

	// Order matters: remove the subscription while the server still
	// answers RingCentral, then stop serving.
	stopMix()
	if err := sub.Close(); err != nil {
		log.Error("remove subscription", "err", err)
		code = exitError
	} else {
		log.Info("subscription removed")
	}
	mix.Wait()
	shutdownServer()
	log.Info("stopped")
	return code
}

// logEvent logs the call state changes and the connection states; the raw
// notifications are logged at debug level only.
func logEvent(log *slog.Logger, ev notify.Event) {
	switch ev := ev.(type) {
	case *notify.CallChange:
		log.Info("call",
			"session", ev.TelephonySessionID, "party", ev.PartyID, "extension", ev.Party.ExtensionID,
			"from", string(ev.From), "to", string(ev.To), "kind", ev.Kind.String(), "reason", ev.Reason,
			"call_started", ev.CallStarted, "call_ended", ev.CallEnded, "resync", ev.Resync)
	case *notify.Connected:
		log.Info("connected", "subscription", ev.SubscriptionID)
	case *notify.Resubscribed:
		log.Warn("resubscribed", "subscription", ev.SubscriptionID, "previous", ev.PreviousID, "reason", ev.Reason)
	case *notify.Gap:
		log.Warn("gap", "since", ev.Since, "until", ev.Until, "reason", ev.Reason)
	case *notify.Resynced:
		log.Info("resynced", "trigger", ev.Trigger, "sessions", ev.Sessions, "active", ev.Active)
	case *notify.ResyncFailed:
		log.Error("resync failed", "trigger", ev.Trigger, "attempts", ev.Attempts, "err", ev.Err)
	case *notify.Overflow:
		log.Warn("overflow", "dropped", ev.Dropped)
	default:
		log.Debug("notification", "type", fmt.Sprintf("%T", ev), "uuid", ev.EventHeader().UUID)
	}
}

// The server timeouts a webhook deployment should set. They bound what the
// Handler cannot see: headers dripped slowly (ReadHeaderTimeout), a whole
// request (ReadTimeout, above the Handler's own body bound of 2 s), an
// answer the peer does not read (WriteTimeout, above RingCentral's 3 s),
// idle keep-alive connections, and header size.
const (
	readHeaderTimeout = 2 * time.Second
	readTimeout       = 5 * time.Second
	writeTimeout      = 5 * time.Second
	idleTimeout       = time.Minute
	maxHeaderBytes    = 16 << 10
)

// newServer returns the HTTP server for h, with the timeouts above.
func newServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}
