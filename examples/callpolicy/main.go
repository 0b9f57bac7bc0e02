// Callpolicy is a call-control policy: it watches your extension's calls
// with ringwatch's call tracking and acts on them through the Call Control
// API (telephony.Client):
//
//   - a call that rings longer than -ring is forwarded to your voicemail
//     (Forward with Target{Voicemail: extension id});
//   - a call on hold longer than -hold is taken off hold (Unhold).
//
// It prints each decision and its result, and stops after -duration:
//
//	go run ./examples/callpolicy                       # 20 s on the embedded fake
//	go run ./examples/callpolicy -ring 10s -duration 5m
//
// With no RC_* variables it runs against ringwatch's embedded fake
// platform, which starts a call on your extension every few seconds that
// rings, or waits on hold, until a control request moves it on. With
// RC_SERVER_URL, RC_APP_CLIENT_ID, RC_APP_CLIENT_SECRET and RC_USER_JWT
// set it acts on the real calls of your extension instead.
//
// The operations go through telephony.Client.WithTracker, so one the
// tracked state forbids (forwarding a call that was answered meanwhile) is
// refused before any request, with a *telephony.StateError.
//
// Exit status: 0 when -duration passed (or Ctrl-C), 1 on an error, 2 on
// bad flags or configuration.
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
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// partyState is what the policy knows of one party: its status and since
// when (by this program's clock), and whether it has acted on it.
type partyState struct {
	code  telephony.StatusCode
	since time.Time
	ext   string
	acted bool
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("callpolicy", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are said in one line below
	ring := fs.Duration("ring", 3*time.Second, "forward to voicemail a call ringing longer than this")
	hold := fs.Duration("hold", 3*time.Second, "take off hold a call on hold longer than this")
	duration := fs.Duration("duration", 20*time.Second, "stop after this long")
	every := fs.Duration("every", 4*time.Second, "embedded platform: start a call this often")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return exitOK
		}
		fmt.Fprintln(stderr, "callpolicy:", err)
		return exitUsage
	}
	if *ring <= 0 || *hold <= 0 || *duration <= 0 || *every <= 0 {
		fmt.Fprintln(stderr, "callpolicy: -ring, -hold, -duration and -every must be positive")
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(ctx, *duration)
	defer cancel()

	// The configuration: real RingCentral from RC_*, or the embedded platform.
	var platform *notifytest.Platform
	cfg, err := ringwatch.ConfigFromEnv()
	if _, missing := errors.AsType[*ringwatch.MissingError](err); missing && !anyRCVariable() {
		platform, err = notifytest.NewPlatformErr()
		if err != nil {
			fmt.Fprintln(stderr, "callpolicy: cannot start the embedded platform:", err)
			return exitError
		}
		defer platform.Close()
		cfg = platform.Config()
		fmt.Fprintf(stdout, "embedded fake platform at %s; a call every %s\n", cfg.ServerURL, *every)
	} else if err != nil {
		fmt.Fprintln(stderr, "callpolicy:", err)
		return exitUsage
	} else {
		fmt.Fprintf(stdout, "real RingCentral at %s; acting on your extension's calls\n", cfg.ServerURL)
	}

	rc := ringwatch.NewClient(cfg) // tokens refresh themselves
	sub, err := notify.Subscribe(ctx, websocket.New(rc),
		[]subscription.Filter{subscription.ExtensionTelephonySessions(subscription.Me)},
		notify.WithCallTracking())
	if err != nil {
		fmt.Fprintln(stderr, "callpolicy: cannot subscribe:", err)
		return exitError
	}
	var wg sync.WaitGroup
	defer func() {
		_ = sub.Close() // removes the subscription and closes the stream
		wg.Wait()
	}()
	if platform != nil {
		wg.Go(func() { startCalls(ctx, platform, *every, stderr) })
	}

	ctl := telephony.NewClient(rc).WithTracker(sub.Calls())
	start := time.Now()
	parties := map[[2]string]*partyState{} // {session, party}
	acted := 0
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case ev, ok := <-sub.Events():
			if !ok {
				if err := sub.Err(); err != nil && ctx.Err() == nil {
					fmt.Fprintln(stderr, "callpolicy: subscription ended:", err)
					return exitError
				}
				fmt.Fprintf(stdout, "done after %.0fs: %d decisions acted on\n", time.Since(start).Seconds(), acted)
				return exitOK
			}
			c, ok := ev.(*notify.CallChange)
			if !ok || c.PartyID == "" {
				continue
			}
			key := [2]string{c.TelephonySessionID, c.PartyID}
			if c.To.Final() {
				delete(parties, key)
				continue
			}
			parties[key] = &partyState{code: c.To, since: time.Now(), ext: c.Party.ExtensionID}
		case <-tick.C:
			for key, ps := range parties {
				if ps.acted {
					continue
				}
				if n, ok := decide(ctx, ctl, key, ps, *ring, *hold, stdout); ok {
					acted += n
				}
			}
		case <-ctx.Done():
			fmt.Fprintf(stdout, "done after %.0fs: %d decisions acted on\n", time.Since(start).Seconds(), acted)
			return exitOK
		}
	}
}

// decide applies the policy to one party; it reports whether it made a
// decision, and 1 if the decision was carried out.
func decide(ctx context.Context, ctl *telephony.Control, key [2]string, ps *partyState, ring, hold time.Duration, out io.Writer) (int, bool) {
	sid, pid := key[0], key[1]
	age := time.Since(ps.since)
	var (
		what string
		err  error
	)
	switch {
	case (ps.code == telephony.Setup || ps.code == telephony.Proceeding) && age > ring && ps.ext != "":
		what = fmt.Sprintf("call %s rang %.1fs: forward to voicemail", sid, age.Seconds())
		_, err = ctl.Forward(ctx, sid, pid, telephony.Target{Voicemail: ps.ext})
	case ps.code == telephony.Hold && age > hold:
		what = fmt.Sprintf("call %s on hold %.1fs: take it off hold", sid, age.Seconds())
		_, err = ctl.Unhold(ctx, sid, pid)
	default:
		return 0, false
	}
	ps.acted = true
	if err != nil {
		fmt.Fprintf(out, "%s → failed: %v\n", what, err)
		return 0, true
	}
	fmt.Fprintf(out, "%s → done\n", what)
	return 1, true
}

// startCalls starts a call on the embedded platform's owner every every,
// alternately ringing and on hold, until ctx ends. Each waits for the
// policy's request.
func startCalls(ctx context.Context, p *notifytest.Platform, every time.Duration, stderr io.Writer) {
	owner := p.Owner()
	t := time.NewTimer(500 * time.Millisecond)
	defer t.Stop()
	for i := 1; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		code := telephony.Proceeding
		if i%2 == 0 {
			code = telephony.Hold
		}
		sid := fmt.Sprintf("s-policy-%d", i)
		err := p.StartCall(ctx, telephony.Session{TelephonySessionID: sid, Parties: []telephony.Party{{
			ID: sid + "-1", AccountID: p.AccountID(), ExtensionID: owner.ID, Direction: telephony.Inbound,
			From:   telephony.Endpoint{PhoneNumber: fmt.Sprintf("+1650555%04d", i)},
			To:     telephony.Endpoint{ExtensionID: owner.ID, Name: owner.Name, PhoneNumber: owner.PhoneNumber},
			Status: telephony.Status{Code: code},
		}}})
		if err != nil && ctx.Err() == nil {
			fmt.Fprintln(stderr, "callpolicy: the embedded platform could not start a call:", err)
		}
		t.Reset(every)
	}
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
