package pubnub

import (
	"context"
	"errors"
	"github.com/ringwatch/ringwatch"
	"log/slog"
	"net/http"
	"time"

	pn "github.com/pubnub/go/v7"
	"github.com/ringwatch/ringwatch/internal/backoff"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/transport"
)

// StatusError is the error of a Reconnecting state: the SDK's subscribe
// loop reported Category and stopped.
type StatusError struct {
	// Category is the SDK's status category, such as
	// "Disconnected Unexpectedly".
	Category string
}

func (e *StatusError) Error() string { return "pubnub: subscribe loop stopped: " + e.Category }

// run is the control loop: it reacts to the SDK's statuses, re-subscribes
// after failures with its own backoff, and renews or re-creates the
// subscription. It owns t.sess and t.info.
func (t *Transport) run(ctx context.Context) {
	defer close(t.done)
	defer func() { t.sess.close() }()

	var (
		renew        = t.opts.clock.NewTimer(t.renewIn(t.info))
		recreate     bool // the next renew timer re-creates instead
		retryTimer   *time.Timer
		retry        <-chan time.Time
		attempt      int
		check        bool // renew before re-subscribing (access denied)
		connected    bool
		reconnecting bool
	)
	defer func() {
		renew.Stop()
		if retryTimer != nil {
			retryTimer.Stop()
		}
	}()
	resetRenew := func(d time.Duration) {
		renew.Stop()
		renew = t.opts.clock.NewTimer(d)
	}

	for {
		select {
		case <-ctx.Done():
			return

		case ev := <-t.status:
			if ev.s != t.sess {
				continue // a retired session's
			}
			cat := ev.st.Category
			switch cat {
			case pn.PNConnectedCategory:
				now := t.opts.clock.Now()
				t.lastOK.Store(now.UnixNano())
				switch {
				case !connected:
					t.sink.State(transport.State{Kind: transport.Connected, At: now, SubscriptionID: t.info.ID})
				case reconnecting:
					// PubNub replayed everything after the timetoken we
					// resumed from: nothing was lost.
					t.sink.State(transport.State{Kind: transport.Recovered, At: now, SubscriptionID: t.info.ID, Reason: "resubscribed from timetoken"})
				}
				connected, reconnecting, attempt = true, false, 0
			case pn.PNDisconnectedUnexpectedlyCategory, pn.PNUnknownCategory, pn.PNTimeoutCategory,
				pn.PNAccessDeniedCategory, pn.PNBadRequestCategory, pn.PNNoStubMatchedCategory,
				pn.PNReconnectionAttemptsExhausted:
				if cat == pn.PNAccessDeniedCategory || cat == pn.PNBadRequestCategory {
					check = true // the SDK unsubscribed everything; is the subscription alive?
				}
				if retry != nil {
					continue // already waiting to re-subscribe
				}
				attempt++
				reconnecting = true
				d := backoff.Jittered(attempt, t.opts.backoffMin, t.opts.backoffMax)
				err := &StatusError{Category: cat.String()}
				t.log.LogAttrs(ctx, slog.LevelInfo, "pubnub: reconnecting", slog.Int("attempt", attempt), slog.Duration("wait", d), slog.String("status", cat.String()))
				t.sink.State(transport.State{Kind: transport.Reconnecting, At: t.opts.clock.Now(), SubscriptionID: t.info.ID, Attempt: attempt, Err: err})
				retryTimer = time.NewTimer(d)
				retry = retryTimer.C
			default:
				t.log.LogAttrs(ctx, slog.LevelDebug, "pubnub: status", slog.String("status", cat.String()))
			}

		case <-retry:
			retry, retryTimer = nil, nil
			if check {
				check = false
				d, again := t.renew(ctx)
				if d < 0 || ctx.Err() != nil {
					return
				}
				recreate = again
				resetRenew(d)
				if again {
					continue // nothing to re-subscribe to until re-created
				}
			}
			// Resume from the last poll's timetoken: PubNub replays what
			// was published since, so this is no gap.
			t.sess.subscribe(t.info.DeliveryMode.Address, t.lastTT.Load())

		case <-renew.C():
			var d time.Duration
			var again bool
			if recreate {
				d, again = t.recreate(ctx, "expired")
			} else {
				d, again = t.renew(ctx)
			}
			if ctx.Err() != nil {
				return
			}
			if d < 0 { // failed for good
				return
			}
			recreate = again
			resetRenew(d)
		}
	}
}

// renew renews the subscription and applies a changed delivery mode. It
// returns the delay to the next renewal, and again=true when the
// subscription must be re-created at that time (which it may already have
// tried and failed).
func (t *Transport) renew(ctx context.Context) (d time.Duration, again bool) {
	info, err := t.api.Renew(ctx, t.info.ID)
	switch {
	case err == nil:
	case errors.Is(err, subscription.ErrNotFound):
		return t.recreate(ctx, "expired")
	case ctx.Err() != nil:
		return 0, false
	default:
		t.renewFails++
		t.log.LogAttrs(ctx, slog.LevelWarn, "pubnub: renew failed", slog.String("error", err.Error()))
		return t.retryDelay(err, t.renewFails), false
	}
	t.renewFails = 0
	t.checked = t.opts.clock.Now()
	if err := t.apply(ctx, info, t.info); err != nil {
		// A renewal answer without a usable delivery mode: keep the
		// current channel, which still works until the next renewal.
		t.log.LogAttrs(ctx, slog.LevelWarn, "pubnub: renewal answer ignored", slog.String("error", err.Error()))
		return t.renewIn(info), false
	}
	return t.renewIn(info), false
}

// recreate creates a new subscription after the old one vanished, switches
// to its channel and reports Resubscribed and Gap. On failure it returns
// the delay before the next try and again=true, or d<0 after sink.Fail.
func (t *Transport) recreate(ctx context.Context, reason string) (d time.Duration, again bool) {
	since := t.checked
	info, err := t.create(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return 0, false
		}
		t.createFails++
		if permanent(err) {
			t.sink.Fail(err)
			return -1, false
		}
		t.log.LogAttrs(ctx, slog.LevelWarn, "pubnub: re-create failed", slog.String("error", err.Error()))
		return t.retryDelay(err, t.createFails), true
	}
	t.createFails = 0
	prev := t.info
	if err := t.apply(ctx, info, prev); err != nil { // cannot happen: create checked it
		t.sink.Fail(err)
		return -1, false
	}
	now := t.opts.clock.Now()
	t.checked = now
	t.sink.State(transport.State{Kind: transport.Resubscribed, At: now, SubscriptionID: info.ID, Reason: reason})
	t.sink.State(transport.State{Kind: transport.Gap, At: now, Since: since, Until: now, SubscriptionID: info.ID, Reason: reason})
	return t.renewIn(info), false
}

// apply makes info the current subscription, re-subscribing if its channel
// or subscribe key changed. A new subscribe key needs a new SDK instance.
func (t *Transport) apply(ctx context.Context, info, prev *subscription.Info) error {
	if err := t.setKeys(info, prev); err != nil {
		return err
	}
	t.mu.Lock()
	t.info = info
	t.mu.Unlock()
	dm, tt := info.DeliveryMode, t.lastTT.Load()
	if dm.SubscriberKey == t.sess.subKey && dm.Address == t.sess.channel {
		return nil
	}
	// A new subscribe key needs a new SDK instance; so does a new channel,
	// because pubnub/go v7.4.0 cannot be moved from one channel to another
	// safely: Unsubscribe lets its message worker quit, and the worker that
	// the next Subscribe starts then blocks for ever handing over to it,
	// holding the lock that Destroy needs (see newSession).
	t.log.LogAttrs(ctx, slog.LevelInfo, "pubnub: channel or subscribe key changed; new PubNub instance")
	old := t.sess
	t.sess = t.newSession(ctx, dm.SubscriberKey)
	t.sess.subscribe(dm.Address, tt)
	old.close()
	return nil
}

// renewIn is when to renew: at two thirds of the lifetime.
func (t *Transport) renewIn(info *subscription.Info) time.Duration {
	d := info.ExpiresIn
	if d <= 0 && !info.ExpirationTime.IsZero() {
		d = info.ExpirationTime.Sub(t.opts.clock.Now())
	}
	if d <= 0 {
		d = 15 * time.Minute
	}
	return max(d*2/3, 100*time.Millisecond)
}

// retryDelay honours Retry-After, else backs off.
func (t *Transport) retryDelay(err error, n int) time.Duration {
	var ae *ringwatch.APIError
	if errors.As(err, &ae) && ae.RetryAfter > 0 {
		return ae.RetryAfter
	}
	return backoff.Jittered(n, t.opts.backoffMin, t.opts.backoffMax)
}

// permanent reports whether retrying err cannot help.
func permanent(err error) bool {
	if errors.Is(err, ErrDeliveryMode) {
		return true
	}
	var ae *ringwatch.APIError
	if errors.As(err, &ae) {
		switch ae.StatusCode {
		case http.StatusBadRequest, http.StatusForbidden, http.StatusUnprocessableEntity:
			return true
		}
	}
	return false
}
