// Waitforanswer follows one call until it is answered or ends, with the
// waiting API of ringwatch's call tracker: telephony.Tracker.Wait blocks
// until a call reaches a status, returns at once if it is already there,
// and returns a *telephony.CallEndedError if the call ends first.
//
// It waits for the next call of your extension to start, then for that
// call to be answered:
//
//	go run ./examples/waitforanswer                            # an answered call
//	go run ./examples/waitforanswer -scenario inbound-voicemail # a call that goes to voicemail
//
// With no RC_* variables it runs against ringwatch's embedded fake
// platform and plays the one scripted call -scenario names. With
// RC_SERVER_URL, RC_APP_CLIENT_ID, RC_APP_CLIENT_SECRET and RC_USER_JWT set
// it waits for a real call on your extension instead.
//
// Exit status: 0 when the call was answered, 3 when it ended unanswered,
// 1 on an error or timeout, 2 on bad flags or configuration.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/telephony"
	"github.com/ringwatch/ringwatch/transport/websocket"
)

const (
	exitAnswered   = 0
	exitError      = 1
	exitUsage      = 2
	exitUnanswered = 3
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("waitforanswer", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are said in one line below
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after this long")
	scenario := fs.String("scenario", "inbound-answered", "embedded platform: the scripted call to play (inbound-answered, inbound-voicemail, queue, …)")
	pace := fs.Duration("pace", 300*time.Millisecond, "embedded platform: real time between two steps of the scripted call")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return exitAnswered
		}
		fmt.Fprintln(stderr, "waitforanswer:", err)
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	// The configuration: real RingCentral from RC_*, or the embedded platform.
	var platform *notifytest.Platform
	cfg, err := ringwatch.ConfigFromEnv()
	if _, missing := errors.AsType[*ringwatch.MissingError](err); missing && !anyRCVariable() {
		platform, err = notifytest.NewPlatformErr()
		if err != nil {
			fmt.Fprintln(stderr, "waitforanswer: cannot start the embedded platform:", err)
			return exitError
		}
		defer platform.Close()
		cfg = platform.Config()
		fmt.Fprintf(stdout, "embedded fake platform at %s; playing the %q call\n", cfg.ServerURL, *scenario)
	} else if err != nil {
		fmt.Fprintln(stderr, "waitforanswer:", err)
		return exitUsage
	} else {
		fmt.Fprintf(stdout, "real RingCentral at %s; waiting for a call on your extension\n", cfg.ServerURL)
	}
	var script notifytest.Script
	if platform != nil {
		sc, ok := notifytest.ScenarioNamed(*scenario)
		if !ok {
			fmt.Fprintf(stderr, "waitforanswer: no scenario %q\n", *scenario)
			return exitUsage
		}
		script = sc.New(platform.Cast())
	}

	// Subscribe with call tracking: the subscription's tracker is what we
	// wait on. ctx bounds the subscription (Ctrl-C, -timeout); the deferred
	// Close still removes it from RingCentral within its own bound.
	rc := ringwatch.NewClient(cfg) // tokens refresh themselves
	sub, err := notify.Subscribe(ctx, websocket.New(rc),
		[]subscription.Filter{subscription.ExtensionTelephonySessions(subscription.Me)},
		notify.WithCallTracking())
	if err != nil {
		fmt.Fprintln(stderr, "waitforanswer: cannot subscribe:", err)
		return exitError
	}

	// The stream must be read for the tracker to move on. The reader
	// prints each change and hands over the first call that starts.
	start := time.Now()
	first := make(chan telephony.Change, 1)
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex // one line at a time on stdout
		say = func(format string, a ...any) { mu.Lock(); fmt.Fprintf(stdout, format, a...); mu.Unlock() }
	)
	playCtx, stopPlay := context.WithCancel(ctx)
	defer func() {
		stopPlay()
		_ = sub.Close() // removes the subscription and closes the stream, which ends the reader
		wg.Wait()
	}()
	wg.Go(func() {
		for ev := range sub.Events() {
			c, ok := ev.(*notify.CallChange)
			if !ok {
				continue
			}
			say("  %5.1fs  %s → %s (%s)\n", time.Since(start).Seconds(), or(c.From, "·"), c.To, c.Kind)
			if c.CallStarted {
				select {
				case first <- c.Change:
				default:
				}
			}
		}
	})
	if platform != nil {
		wg.Go(func() {
			if _, err := platform.Play(playCtx, script, notifytest.WithPace(*pace)); err != nil && playCtx.Err() == nil {
				fmt.Fprintln(stderr, "waitforanswer: the scripted call stopped:", err)
			}
		})
	}

	var call telephony.Change
	select {
	case call = <-first:
	case <-ctx.Done():
		fmt.Fprintln(stderr, "waitforanswer: no call started:", context.Cause(ctx))
		return exitError
	}
	say("following call %s: %s\n", call.TelephonySessionID, describe(&call.Party))

	// The waiting API: returns at once if the party is already Answered,
	// and cannot miss an answer that happens meanwhile.
	party, err := sub.Calls().Wait(ctx, call.TelephonySessionID, call.PartyID, telephony.Answered)
	var ended *telephony.CallEndedError
	switch {
	case err == nil:
		say("answered after %.1fs: %s\n", time.Since(start).Seconds(), describe(&party))
		return exitAnswered
	case errors.As(err, &ended):
		say("ended without an answer after %.1fs (the party is %s)\n", time.Since(start).Seconds(), ended.Last.Status.Code)
		return exitUnanswered
	default:
		fmt.Fprintln(stderr, "waitforanswer:", err)
		return exitError
	}
}

// describe names the two ends of a call as a party sees it.
func describe(p *telephony.Party) string {
	name := func(e telephony.Endpoint) string {
		if e.Name != "" {
			return e.Name + " " + e.PhoneNumber
		}
		return e.PhoneNumber
	}
	return fmt.Sprintf("%s → %s", name(p.From), name(p.To))
}

func or(code telephony.StatusCode, alt string) string {
	if code == "" {
		return alt
	}
	return string(code)
}

// anyRCVariable reports whether any RC_* variable is set: then a missing
// one is a mistake, not a request for the embedded platform.
func anyRCVariable() bool {
	for _, k := range []string{ringwatch.EnvServerURL, ringwatch.EnvClientID, ringwatch.EnvClientSecret, ringwatch.EnvJWT} {
		if os.Getenv(k) != "" {
			return true
		}
	}
	return false
}
