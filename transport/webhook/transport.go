package webhook

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/internal/backoff"
	"github.com/ringwatch/ringwatch/internal/lifecycle"
	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/transport"
)

// subscriptionAPI is the part of the Subscription REST API the Transport
// uses: *subscription.Client, or a fake in tests.
type subscriptionAPI interface {
	Create(ctx context.Context, req subscription.CreateRequest) (*subscription.Info, error)
	Get(ctx context.Context, id string) (*subscription.Info, error)
	Renew(ctx context.Context, id string) (*subscription.Info, error)
	Delete(ctx context.Context, id string) error
}

// Transport receives notifications through a RingCentral WebHook
// subscription. It implements transport.Transport: give it to
// notify.Subscribe, and serve Handler at the address RingCentral posts to,
// before Subscribe (RingCentral validates the address while the
// subscription is being created).
//
// It creates the subscription with a random verification token, renews it
// on RingCentral's renewal reminders and on a timer, reads it back
// periodically, and when RingCentral has blacklisted it or no longer knows
// it, deletes it and creates a new one with a new token, reporting
// Resubscribed and a Gap covering the time since the subscription was last
// known good.
//
// A notification the Handler refuses (503: the consumer is too slow, or
// call tracking's queue is full during a resync) is a possible loss, since
// RingCentral does not promise to deliver it again: the Transport reports
// a Gap for it. Refusals are coalesced: the Gap comes once they have
// stopped for WithRefusalGapDelay (or after ten times that during a long
// burst) and covers them all, so a burst gives one Gap, and with call
// tracking one resync.
type Transport struct {
	api     subscriptionAPI
	address string
	o       options
	h       *Handler
	clock   clock

	// renewNow is signalled when a renewal reminder arrives.
	renewNow chan struct{}

	mu     sync.Mutex
	state  lifecycle.Lifecycle
	sink   transport.Sink
	id     string
	token  string
	expiry time.Time
	life   time.Duration // lifetime granted at the last create or renew
	cancel context.CancelFunc
	done   chan struct{}

	closeOnce sync.Once
	closeErr  error

	// lastDelivery is when the last notification arrived (UnixNano).
	lastDelivery atomic.Int64

	// refused is signalled when a notification is refused (503); the
	// refusals not yet reported as a Gap are counted in refusals.
	refused  chan struct{}
	refusals refusalBurst

	renewals, renewFailures, checks, resubscriptions, refusalGaps atomic.Uint64
}

// New returns a Transport that manages a WebHook subscription of the
// RingCentral user of rc for notifications posted to publicURL, the
// public URL that reaches Handler. It logs to rc's logger unless
// WithLogger gives another. A nil rc does not panic: Open then fails.
func New(rc *ringwatch.Client, publicURL string, opts ...Option) *Transport {
	o := defaultOptions()
	if rc != nil {
		o.log = rc.Logger()
	}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	api := o.api
	if api == nil && rc != nil {
		api = subscription.NewClient(rc)
	}
	address := publicURL
	t := &Transport{
		api:      api,
		address:  address,
		o:        o,
		clock:    o.clock,
		renewNow: make(chan struct{}, 1),
		refused:  make(chan struct{}, 1),
	}
	t.h = NewHandler(o.fixedToken, o.handlerOpts...)
	t.h.now = t.clock.Now
	t.h.setDeliver(t.deliver)
	return t
}

// Name is "webhook".
func (t *Transport) Name() string { return Name }

// Handler returns the http.Handler to serve at the Transport's address. It
// answers the validation handshake at any time, and accepts notifications
// carrying the current subscription's verification token.
func (t *Transport) Handler() *Handler { return t.h }

// SubscriptionID returns the id of the current RingCentral subscription,
// or "" when there is none.
func (t *Transport) SubscriptionID() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.id
}

// VerificationToken returns the current subscription's verification token,
// to store alongside SubscriptionID for WithSubscription. It is a secret:
// do not log it.
func (t *Transport) VerificationToken() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.token
}

// Stats counts what a Transport has done.
type Stats struct {
	// Renewals counts successful renewals; RenewFailures failed ones.
	Renewals, RenewFailures uint64
	// Checks counts the times the subscription was read back.
	Checks uint64
	// Resubscriptions counts subscriptions created anew after
	// blacklisting or loss.
	Resubscriptions uint64
	// RefusalGaps counts the Gaps reported for refused notifications
	// (one per burst of refusals).
	RefusalGaps uint64
	// Handler holds the Handler's counters.
	Handler HandlerStats
}

// Stats returns the Transport's counters.
func (t *Transport) Stats() Stats {
	return Stats{
		Renewals:        t.renewals.Load(),
		RenewFailures:   t.renewFailures.Load(),
		Checks:          t.checks.Load(),
		Resubscriptions: t.resubscriptions.Load(),
		RefusalGaps:     t.refusalGaps.Load(),
		Handler:         t.h.Stats(),
	}
}

// Open creates the WebHook subscription for filters (adding a renewal
// reminder unless WithoutRenewalReminder) or adopts the one given to
// WithSubscription, and starts maintaining it. It retries a create that
// failed for a temporary reason (429, 502, 503, 504) a few times.
func (t *Transport) Open(ctx context.Context, filters []subscription.Filter, sink transport.Sink) error {
	if t.api == nil {
		return errors.New("webhook: open: nil *ringwatch.Client")
	}
	if sink == nil {
		return errors.New("webhook: open: nil sink")
	}
	t.mu.Lock()
	if err := t.state.BeginOpen(); err != nil {
		t.mu.Unlock()
		return fmt.Errorf("webhook: open: %w", err)
	}
	t.sink = sink
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	t.cancel, t.done = cancel, make(chan struct{})
	t.mu.Unlock()

	req := t.createRequest(filters)
	// Close during Open aborts the creation.
	openCtx, stop := context.WithCancel(ctx)
	defer stop()
	defer context.AfterFunc(runCtx, stop)()
	info, adopted, gapSince, err := t.start(openCtx, req)
	if err != nil {
		t.mu.Lock()
		t.cancel = nil
		t.state.OpenFailed()
		t.mu.Unlock()
		cancel()
		close(t.done)
		return err
	}
	t.mu.Lock()
	opened := t.state.Opened()
	t.mu.Unlock()
	if !opened { // Close came first; it deletes the subscription once done is closed
		cancel()
		close(t.done)
		return fmt.Errorf("webhook: open: %w", transport.ErrClosed)
	}
	now := t.clock.Now()
	t.sink.State(transport.State{Kind: transport.Connected, At: now, SubscriptionID: info.ID})
	if !adopted && t.o.adoptID != "" {
		t.sink.State(transport.State{Kind: transport.Gap, At: now, Since: gapSince, Until: now,
			SubscriptionID: info.ID, Reason: "adopted subscription lost"})
	}
	go t.run(runCtx, req, now)
	return nil
}

// start adopts or creates the subscription. adopted is false when a new
// one was created; gapSince is then when the adopted one was blacklisted,
// if known.
func (t *Transport) start(ctx context.Context, req subscription.CreateRequest) (info *subscription.Info, adopted bool, gapSince time.Time, err error) {
	if id := t.o.adoptID; id != "" {
		t.setToken(t.o.fixedToken)
		info, err := t.api.Get(ctx, id)
		switch {
		case err == nil && info.Status == subscription.Active:
			t.setCurrent(info)
			return info, true, time.Time{}, nil
		case err == nil:
			if info.BlacklistedData != nil {
				gapSince = info.BlacklistedData.BlacklistedAt
			}
			t.o.log.Warn("webhook: adopted subscription is not active; creating a new one", "subscription", id, "status", string(info.Status))
			_ = t.deleteQuietly(ctx, id)
		case errors.Is(err, subscription.ErrNotFound):
			t.o.log.Warn("webhook: adopted subscription not found; creating a new one", "subscription", id)
		default:
			return nil, false, time.Time{}, fmt.Errorf("webhook: read subscription %s: %w", id, err)
		}
	}
	for attempt := 1; ; attempt++ {
		info, err = t.create(ctx, req)
		if err == nil {
			return info, false, gapSince, nil
		}
		var ae *ringwatch.APIError
		if attempt >= t.o.openAttempts || !errors.As(err, &ae) || !ae.Temporary() {
			return nil, false, time.Time{}, err
		}
		if err := t.sleep(ctx, t.retryDelay(attempt, err)); err != nil {
			return nil, false, time.Time{}, fmt.Errorf("webhook: create subscription: %w", err)
		}
	}
}

// createRequest adds the reminder filter to the caller's filters.
func (t *Transport) createRequest(filters []subscription.Filter) subscription.CreateRequest {
	fs := append([]subscription.Filter(nil), filters...)
	hasReminder := false
	for _, f := range fs {
		if subscription.Classify(string(f)) == subscription.KindRenewalReminder {
			hasReminder = true
		}
	}
	if !hasReminder && !t.o.noReminder {
		threshold, interval := t.o.threshold, t.o.interval
		if threshold <= 0 {
			life := t.o.expiresIn
			if life <= 0 {
				life = DefaultLifetime
			}
			threshold = (life / 3).Truncate(time.Second)
		}
		if interval <= 0 {
			interval = (threshold / 4).Truncate(time.Second)
		}
		if threshold >= 2*time.Second && interval >= time.Second {
			fs = append(fs, subscription.RenewalReminder(threshold, interval))
		}
	}
	return subscription.CreateRequest{
		EventFilters: fs,
		DeliveryMode: subscription.DeliveryMode{TransportType: subscription.TransportWebHook, Address: t.address},
		ExpiresIn:    t.o.expiresIn,
	}
}

// create creates a subscription with a fresh token (or the fixed one). The
// Handler accepts the token before the request is sent: RingCentral may
// deliver before its answer arrives.
func (t *Transport) create(ctx context.Context, req subscription.CreateRequest) (*subscription.Info, error) {
	tok := t.o.fixedToken
	if tok == "" {
		tok = newToken()
	}
	t.setToken(tok)
	req.DeliveryMode.VerificationToken = tok
	info, err := t.api.Create(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("webhook: create subscription: %w", err)
	}
	if info == nil || info.ID == "" {
		return nil, errors.New("webhook: create subscription: answer without id")
	}
	t.setCurrent(info)
	return info, nil
}

func (t *Transport) setToken(tok string) {
	t.h.setToken(tok)
	t.mu.Lock()
	t.token = tok
	t.mu.Unlock()
}

// setCurrent records the subscription and when it expires.
func (t *Transport) setCurrent(info *subscription.Info) {
	now := t.clock.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.id = info.ID
	switch {
	case info.ExpiresIn > 0:
		t.expiry, t.life = now.Add(info.ExpiresIn), info.ExpiresIn
	case !info.ExpirationTime.IsZero():
		t.expiry, t.life = info.ExpirationTime, info.ExpirationTime.Sub(now)
	}
}

// newToken returns 192 random bits, URL-safe.
func newToken() string {
	var b [24]byte
	_, _ = rand.Read(b[:]) // never fails since Go 1.24
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// reminderMarker is in the event of every renewal reminder; checking for
// it first keeps the envelope peek off the path of other notifications.
var reminderMarker = []byte("/subscription/")

// deliver is the Handler's DeliverFunc: it notes a renewal reminder, then
// hands the notification to notify.
func (t *Transport) deliver(ctx context.Context, m transport.Message) error {
	t.mu.Lock()
	sink, state := t.sink, t.state.State()
	t.mu.Unlock()
	if state != lifecycle.Open || sink == nil {
		return transport.ErrClosed
	}
	t.lastDelivery.Store(m.Received.UnixNano())
	if bytes.Contains(m.Data, reminderMarker) && isReminder(m.Data) {
		select {
		case t.renewNow <- struct{}{}:
		default:
		}
	}
	err := sink.Deliver(ctx, m)
	if err != nil && !errors.Is(err, notify.ErrClosed) {
		// The Handler answers 503: the notification is lost unless
		// RingCentral delivers it again, which it does not promise.
		t.refusals.note(t.clock.Now())
		select {
		case t.refused <- struct{}{}:
		default:
		}
	}
	return err
}

func isReminder(data []byte) bool {
	var env struct {
		Event string `json:"event"`
	}
	if json.Unmarshal(data, &env) != nil {
		return false
	}
	return subscription.Classify(env.Event) == subscription.KindRenewalReminder
}

// Close stops maintaining the subscription, deletes it unless
// KeepSubscription was given, and returns once its goroutine has exited.
// The Handler then answers notifications with 503. Close is idempotent.
func (t *Transport) Close(ctx context.Context) error {
	t.closeOnce.Do(func() {
		t.mu.Lock()
		prev := t.state.Close()
		cancel, done := t.cancel, t.done
		t.mu.Unlock()
		if prev != lifecycle.Open && prev != lifecycle.Opening {
			return
		}
		if cancel != nil {
			cancel()
			<-done
		}
		id := t.SubscriptionID()
		if id == "" || t.o.keep {
			return
		}
		if err := t.api.Delete(ctx, id); err != nil && !errors.Is(err, subscription.ErrNotFound) {
			t.closeErr = fmt.Errorf("webhook: delete subscription %s: %w", id, err)
			return
		}
		t.mu.Lock()
		t.id = ""
		t.mu.Unlock()
	})
	return t.closeErr
}

// deleteQuietly deletes a subscription being replaced; failure only
// matters to the logs.
func (t *Transport) deleteQuietly(ctx context.Context, id string) error {
	err := t.api.Delete(ctx, id)
	if err != nil && !errors.Is(err, subscription.ErrNotFound) {
		t.o.log.Warn("webhook: delete replaced subscription", "subscription", id, "err", err)
		return err
	}
	return nil
}

// retryDelay is the backoff for attempt, or the server's Retry-After when
// longer.
func (t *Transport) retryDelay(attempt int, err error) time.Duration {
	d := backoff.Jittered(attempt, t.o.minBackoff, t.o.maxBackoff)
	var ae *ringwatch.APIError
	if errors.As(err, &ae) && ae.RetryAfter > d {
		d = ae.RetryAfter
	}
	return d
}

// sleep waits d on the Transport's clock, or until ctx is done.
func (t *Transport) sleep(ctx context.Context, d time.Duration) error {
	tm := t.clock.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

var _ transport.Transport = (*Transport)(nil)
var _ http.Handler = (*Handler)(nil)
