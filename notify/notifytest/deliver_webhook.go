package notifytest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
)

// webhookQueue bounds the notifications waiting for webhook delivery.
const webhookQueue = 1024

// webhookDeliverer POSTs notifications to WebHook subscriptions, one at a
// time and in publication order, from a single goroutine that the platform
// owns (started with the first notification). It counts failed deliveries
// in a row per subscription; it does not retry and does not blacklist.
type webhookDeliverer struct {
	p     *Platform
	start sync.Once
	ok    bool // the worker runs; set by start
	queue chan webhookJob
}

type webhookJob struct {
	sub      *subRecord
	envelope []byte
}

func (d *webhookDeliverer) deliver(ctx context.Context, sub *subRecord, envelope []byte) error {
	d.start.Do(func() {
		d.queue = make(chan webhookJob, webhookQueue)
		d.ok = d.p.goOwned(d.run)
	})
	if !d.ok {
		return ErrClosed
	}
	select {
	case d.queue <- webhookJob{sub, envelope}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-d.p.ctx.Done():
		return ErrClosed
	}
}

func (d *webhookDeliverer) run() {
	for {
		select {
		case <-d.p.ctx.Done():
			return
		case j := <-d.queue:
			d.post(j)
		}
	}
}

// post sends one notification with RingCentral's headers.
func (d *webhookDeliverer) post(j webhookJob) {
	p := d.p
	ctx, cancel := context.WithTimeout(p.ctx, p.set.handshakeTimeout)
	defer cancel()
	err := func() error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, j.sub.mode.Address, bytes.NewReader(j.envelope))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json; charset=UTF-8")
		req.Header.Set("Accept", "application/json")
		req.Header.Set("User-Agent", webhookUserAgent)
		if j.sub.verificationToken != "" {
			req.Header.Set("Verification-Token", j.sub.verificationToken)
		}
		resp, err := (&http.Client{Transport: p.outbound, CheckRedirect: noRedirect}).Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return errors.New(resp.Status)
		}
		return nil
	}()
	p.mu.Lock()
	if err != nil {
		j.sub.failures++
	} else {
		j.sub.failures = 0
	}
	failures := j.sub.failures
	p.mu.Unlock()
	if err != nil {
		p.log.Debug("notifytest: webhook delivery failed", "subscription", j.sub.id, "failures", failures, "err", redactErr(err))
	}
}

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
