package notifytest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/ringwatch/ringwatch/subscription"
)

// webhookQueue bounds the notifications waiting for delivery to one
// WebHook subscription; Publish waits for room beyond it.
const webhookQueue = 256

// DefaultWebhookFailureLimit is how many webhook deliveries in a row may
// fail before the platform blacklists the subscription, unless
// SetWebhookFailureLimit says otherwise. RingCentral publishes no number.
const DefaultWebhookFailureLimit = 5

// webhookDeliverer POSTs notifications to WebHook subscriptions. Each
// subscription has one worker goroutine (owned by the platform, started
// with its first notification, ended when the subscription is deleted or
// the platform closes) and a bounded queue, so deliveries are
// asynchronous from Publish but in publication order per subscription.
// Deliveries that fail in a row are counted; at the failure limit the
// subscription is blacklisted, as RingCentral does.
type webhookDeliverer struct {
	p *Platform

	mu      sync.Mutex
	workers map[string]*webhookWorker
	stats   map[string]*WebhookStats
	limit   int
	// limitSet: SetWebhookFailureLimit was called (else the default).
	limitSet bool
	dup      int // notifications still to be delivered twice
	swap     int // notifications still to be held back behind the next one
}

// webhookWorker delivers to one subscription.
type webhookWorker struct {
	sub   *subRecord
	queue chan []byte
	stop  chan struct{} // closed when the subscription is removed
	// enq serialises enqueuing, so that a held-back notification and the
	// one overtaking it go in together and in order.
	enq  sync.Mutex
	held []byte // a notification held back to go after the next one
}

// WebhookStats counts the webhook deliveries to one subscription.
type WebhookStats struct {
	// Delivered counts POSTs answered 200; Failed counts the others
	// (error statuses, timeouts, refused connections).
	Delivered, Failed int
	// ConsecutiveFailures is the current run of failures, reset by a
	// success.
	ConsecutiveFailures int
	// Duplicated and Reordered count the injected faults applied
	// (DuplicateWebhooks, ReorderWebhooks).
	Duplicated, Reordered int
	// Dropped counts notifications not sent because the subscription had
	// been blacklisted or deleted meanwhile.
	Dropped int
	// Blacklisted is true once the failure limit blacklisted it.
	Blacklisted bool
}

func newWebhookDeliverer(p *Platform) *webhookDeliverer { return &webhookDeliverer{p: p} }

// init makes the zero deliverer (with p set) usable; d.mu is held.
func (d *webhookDeliverer) init() {
	if d.workers == nil {
		d.workers, d.stats = map[string]*webhookWorker{}, map[string]*WebhookStats{}
	}
	if !d.limitSet {
		d.limit = DefaultWebhookFailureLimit
	}
}

// webhooks returns the platform's webhook deliverer, installing it if a
// platform was built without one.
func (p *Platform) webhooks() *webhookDeliverer {
	p.mu.Lock()
	defer p.mu.Unlock()
	if d, ok := p.deliverers[transportWebHook].(*webhookDeliverer); ok {
		return d
	}
	d := newWebhookDeliverer(p)
	if p.deliverers != nil {
		p.deliverers[transportWebHook] = d
	}
	return d
}

// SetWebhookFailureLimit sets how many deliveries in a row may fail before
// a WebHook subscription is blacklisted (status Blacklisted, with
// blacklistedData), from the next failure on. n < 1 turns blacklisting
// off. The default is DefaultWebhookFailureLimit.
func (p *Platform) SetWebhookFailureLimit(n int) {
	d := p.webhooks()
	d.mu.Lock()
	d.init()
	d.limit, d.limitSet = n, true
	d.mu.Unlock()
}

// DuplicateWebhooks makes each of the next n webhook notifications (to any
// subscription) be delivered twice in a row, as RingCentral may do.
func (p *Platform) DuplicateWebhooks(n int) {
	d := p.webhooks()
	d.mu.Lock()
	d.init()
	d.dup += max(n, 0)
	d.mu.Unlock()
}

// ReorderWebhooks makes each of the next n webhook notifications be held
// back and delivered just after the following notification to the same
// subscription, so that the two arrive out of order. A held notification
// waits for that next one.
func (p *Platform) ReorderWebhooks(n int) {
	d := p.webhooks()
	d.mu.Lock()
	d.init()
	d.swap += max(n, 0)
	d.mu.Unlock()
}

// WebhookStats returns the delivery counts of a WebHook subscription,
// also after it was deleted; false if nothing was ever published to it.
func (p *Platform) WebhookStats(subscriptionID string) (WebhookStats, bool) {
	d := p.webhooks()
	d.mu.Lock()
	d.init()
	defer d.mu.Unlock()
	s, ok := d.stats[subscriptionID]
	if !ok {
		return WebhookStats{}, false
	}
	return *s, true
}

// deliver queues env for sub's worker, starting it if needed, and applies
// the injected duplicate and reorder faults.
func (d *webhookDeliverer) deliver(ctx context.Context, sub *subRecord, env []byte) error {
	d.mu.Lock()
	d.init()
	w, ok := d.workers[sub.id]
	if !ok {
		w = &webhookWorker{sub: sub, queue: make(chan []byte, webhookQueue), stop: make(chan struct{})}
		if !d.p.goOwned(func() { d.run(w) }) {
			d.mu.Unlock()
			return ErrClosed
		}
		d.workers[sub.id] = w
		d.stats[sub.id] = &WebhookStats{}
	}
	st := d.stats[sub.id]
	twice, hold := d.dup > 0, false
	if twice {
		d.dup--
		st.Duplicated++
	} else if d.swap > 0 {
		d.swap--
		st.Reordered++
		hold = true
	}
	d.mu.Unlock()

	w.enq.Lock()
	defer w.enq.Unlock()
	if hold && w.held == nil {
		w.held = env
		return nil
	}
	batch := [][]byte{env}
	if twice {
		batch = append(batch, env)
	}
	if w.held != nil {
		batch = append(batch, w.held)
		w.held = nil
	}
	if hold { // a second hold while one is pending: hold the newer one
		w.held, batch = env, batch[1:]
	}
	for _, b := range batch {
		select {
		case w.queue <- b:
		case <-w.stop:
			return nil // deleted meanwhile: dropped, like RingCentral would
		case <-ctx.Done():
			return ctx.Err()
		case <-d.p.ctx.Done():
			return ErrClosed
		}
	}
	return nil
}

// removed stops the worker of a deleted subscription.
func (d *webhookDeliverer) removed(sub *subRecord) {
	d.mu.Lock()
	d.init()
	w, ok := d.workers[sub.id]
	delete(d.workers, sub.id)
	d.mu.Unlock()
	if ok {
		close(w.stop)
	}
}

func (d *webhookDeliverer) run(w *webhookWorker) {
	for {
		select {
		case <-d.p.ctx.Done():
			return
		case <-w.stop:
			return
		case env := <-w.queue:
			d.send(w, env)
		}
	}
}

// send posts one notification unless the subscription is no longer
// active, and counts the outcome.
func (d *webhookDeliverer) send(w *webhookWorker, env []byte) {
	p, sub := d.p, w.sub
	p.mu.Lock()
	active := p.subs[sub.id] == sub && sub.status == subscription.Active
	p.mu.Unlock()
	if !active {
		d.mu.Lock()
		d.init()
		d.stats[sub.id].Dropped++
		d.mu.Unlock()
		return
	}
	status, err := d.post(sub, env)

	d.mu.Lock()
	d.init()
	limit := d.limit
	st := d.stats[sub.id]
	if err == nil {
		st.Delivered++
	} else {
		st.Failed++
	}
	d.mu.Unlock()

	now := p.now()
	p.mu.Lock()
	if err != nil {
		sub.failures++
	} else {
		sub.failures = 0
	}
	failures := sub.failures
	blacklist := err != nil && limit > 0 && failures >= limit && sub.status == subscription.Active && p.subs[sub.id] == sub
	if blacklist {
		sub.status = subscription.Blacklisted
		sub.blacklisted = &subscription.BlacklistedData{BlacklistedAt: now.UTC().Truncate(time.Millisecond), Reason: blacklistReason(status)}
	}
	p.mu.Unlock()

	d.mu.Lock()
	d.init()
	st.ConsecutiveFailures = failures
	if blacklist {
		st.Blacklisted = true
	}
	d.mu.Unlock()
	if err != nil {
		p.log.Debug("notifytest: webhook delivery failed", "subscription", sub.id, "failures", failures, "err", redactErr(err))
	}
	if blacklist {
		p.log.Debug("notifytest: webhook subscription blacklisted", "subscription", sub.id, "failures", failures)
	}
}

// blacklistReason words the reason as RingCentral does.
func blacklistReason(status int) string {
	if status == 0 {
		return "I/O operation is failed. Details: [Read timed out]"
	}
	return fmt.Sprintf("Webhook responses with code: [%d], reason: [%s]", status, http.StatusText(status))
}

// post sends one notification with RingCentral's headers; status is 0
// when no answer came.
func (d *webhookDeliverer) post(sub *subRecord, env []byte) (status int, err error) {
	p := d.p
	ctx, cancel := context.WithTimeout(p.ctx, p.set.handshakeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.mode.Address, bytes.NewReader(env))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json; charset=UTF-8")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Accept-Encoding", "UTF-8")
	req.Header.Set("User-Agent", webhookUserAgent)
	if sub.verificationToken != "" {
		req.Header.Set("Verification-Token", sub.verificationToken)
	}
	resp, err := (&http.Client{Transport: p.outbound, CheckRedirect: noRedirect}).Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, errors.New(resp.Status)
	}
	return resp.StatusCode, nil
}

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
