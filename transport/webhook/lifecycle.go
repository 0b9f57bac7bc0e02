package webhook

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/transport"
)

// run maintains the subscription until ctx is cancelled (Close): it renews
// on reminders and before expiry, reads the subscription back every check
// interval, and re-creates it when it was blacklisted or lost. It owns the
// Transport's other goroutine, reportRefusals, and waits for it.
func (t *Transport) run(ctx context.Context, req subscription.CreateRequest, lastGood time.Time) {
	defer close(t.done)
	reporter := make(chan struct{})
	go func() {
		defer close(reporter)
		t.reportRefusals(ctx)
	}()
	defer func() { <-reporter }()
	now := t.clock.Now()
	nextCheck := now.Add(t.o.checkInterval)
	var renewRetry time.Time // when a failed renewal is retried; zero: none
	renewAttempt := 0
	for {
		// A failed renewal is retried after its backoff, not at once
		// because the renewal time has passed.
		renewDue := t.renewAt()
		if !renewRetry.IsZero() {
			renewDue = renewRetry
		}
		wake := nextCheck
		if renewDue.Before(wake) {
			wake = renewDue
		}
		reminded := false
		tm := t.clock.NewTimer(max(wake.Sub(t.clock.Now()), 0))
		select {
		case <-ctx.Done():
			tm.Stop()
			return
		case <-t.renewNow:
			reminded = true
		case <-tm.C():
		}
		tm.Stop()
		now = t.clock.Now()

		if reminded || !now.Before(renewDue) {
			err := t.renew(ctx)
			switch {
			case err == nil:
				renewRetry, renewAttempt = time.Time{}, 0
				lastGood = t.clock.Now()
			case ctx.Err() != nil:
				return
			case errors.Is(err, subscription.ErrNotFound):
				renewRetry, renewAttempt = time.Time{}, 0
				if d := t.lastDeliveryTime(); d.After(lastGood) {
					lastGood = d
				}
				if !t.recreate(ctx, req, lastGood, "not found") {
					return
				}
				lastGood = t.clock.Now()
				nextCheck = lastGood.Add(t.o.checkInterval)
				continue
			default:
				renewAttempt++
				renewRetry = now.Add(t.retryDelay(renewAttempt, err))
			}
		}
		if now.Before(nextCheck) {
			continue
		}
		reason, err := t.check(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case reason != "":
			if d := t.lastDeliveryTime(); d.After(lastGood) {
				lastGood = d
			}
			if !t.recreate(ctx, req, lastGood, reason) {
				return
			}
			lastGood = t.clock.Now()
			nextCheck = lastGood.Add(t.o.checkInterval)
		case err != nil:
			// The subscription's state is unknown; look again soon.
			nextCheck = now.Add(min(t.retryDelay(1, err), t.o.checkInterval))
		default:
			lastGood = now
			nextCheck = now.Add(t.o.checkInterval)
		}
	}
}

// renewAt is when the timer renews the subscription.
func (t *Transport) renewAt() time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.expiry.IsZero() {
		return t.clock.Now().Add(100 * 365 * 24 * time.Hour)
	}
	before := t.o.renewBefore
	if before <= 0 {
		before = t.life / 6
	}
	return t.expiry.Add(-before)
}

func (t *Transport) renew(ctx context.Context) error {
	id := t.SubscriptionID()
	info, err := t.api.Renew(ctx, id)
	if err != nil {
		if ctx.Err() == nil {
			t.renewFailures.Add(1)
			t.o.log.Warn("webhook: renew subscription", "subscription", id, "err", err)
		}
		return err
	}
	t.renewals.Add(1)
	if info != nil && info.ID == id {
		t.setCurrent(info)
	}
	t.o.log.Debug("webhook: subscription renewed", "subscription", id)
	return nil
}

// check reads the subscription back. reason is non-empty when it must be
// replaced: "blacklisted" (or another inactive status), or "not found".
func (t *Transport) check(ctx context.Context) (reason string, err error) {
	id := t.SubscriptionID()
	t.checks.Add(1)
	info, err := t.api.Get(ctx, id)
	switch {
	case errors.Is(err, subscription.ErrNotFound):
		return "not found", nil
	case err != nil:
		if ctx.Err() == nil {
			t.o.log.Warn("webhook: read subscription", "subscription", id, "err", err)
		}
		return "", err
	case info.Status != subscription.Active && info.Status != "":
		return strings.ToLower(string(info.Status)), nil
	}
	t.setCurrent(info)
	return "", nil
}

// recreate deletes the subscription (best effort) and creates a new one
// with a new token, retrying with backoff until it succeeds or ctx ends
// (false). It reports Resubscribed and a Gap from since.
func (t *Transport) recreate(ctx context.Context, req subscription.CreateRequest, since time.Time, reason string) bool {
	old := t.SubscriptionID()
	t.o.log.Warn("webhook: replacing subscription", "subscription", old, "reason", reason)
	if old != "" {
		_ = t.deleteQuietly(ctx, old)
		t.mu.Lock()
		if t.id == old {
			t.id = ""
		}
		t.expiry = time.Time{}
		t.mu.Unlock()
	}
	for attempt := 1; ; attempt++ {
		info, err := t.create(ctx, req)
		if err == nil {
			t.resubscriptions.Add(1)
			now := t.clock.Now()
			t.sink.State(transport.State{Kind: transport.Resubscribed, At: now, SubscriptionID: info.ID, Reason: reason})
			t.sink.State(transport.State{Kind: transport.Gap, At: now, Since: since, Until: now, SubscriptionID: info.ID, Reason: reason})
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		t.o.log.Warn("webhook: re-create subscription", "attempt", attempt, "err", err)
		t.sink.State(transport.State{Kind: transport.Reconnecting, At: t.clock.Now(), Attempt: attempt, Err: err, Reason: reason})
		if t.sleep(ctx, t.retryDelay(attempt, err)) != nil {
			return false
		}
	}
}

func (t *Transport) lastDeliveryTime() time.Time {
	n := t.lastDelivery.Load()
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// refusalBurst counts the refusals not yet reported.
type refusalBurst struct {
	mu          sync.Mutex
	n           int
	first, last time.Time
}

func (b *refusalBurst) note(at time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.n == 0 {
		b.first = at
	}
	b.n++
	b.last = at
}

// take returns and resets the burst.
func (b *refusalBurst) take() (n int, first, last time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, first, last = b.n, b.first, b.last
	b.n = 0
	return n, first, last
}

// reportRefusals reports a Gap for each burst of refused notifications,
// once no refusal has come for the refusal delay (or ten times the delay
// after the burst began), until ctx is done.
func (t *Transport) reportRefusals(ctx context.Context) {
	quiet := t.o.refusalDelay
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.refused:
		}
		cutoff := t.clock.Now().Add(10 * quiet)
	burst:
		for {
			wait := min(quiet, max(cutoff.Sub(t.clock.Now()), 0))
			tm := t.clock.NewTimer(wait)
			select {
			case <-ctx.Done():
				tm.Stop()
				return
			case <-t.refused:
				tm.Stop()
			case <-tm.C():
				break burst
			}
		}
		n, first, last := t.refusals.take()
		if n == 0 {
			continue
		}
		t.refusalGaps.Add(1)
		t.o.log.Warn("webhook: notifications refused with 503; reporting a gap", "refused", n)
		t.sink.State(transport.State{Kind: transport.Gap, At: t.clock.Now(), Since: first, Until: last,
			SubscriptionID: t.SubscriptionID(), Reason: fmt.Sprintf("%s: %d", ReasonRefused, n)})
	}
}
