package relay

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ringwatch/ringwatch/transport"
)

// Headers the relay sets on what it publishes.
const (
	// HeaderTransport names the transport that received a notification
	// ("webhook", "websocket", "pubnub").
	HeaderTransport = "Ringwatch-Transport"
	// HeaderGapSince and HeaderGapUntil bound a Gap marker (RFC 3339 with
	// nanoseconds); HeaderGapReason says why.
	HeaderGapSince  = "Ringwatch-Gap-Since"
	HeaderGapUntil  = "Ringwatch-Gap-Until"
	HeaderGapReason = "Ringwatch-Gap-Reason"
)

// ReasonRefused begins the Reason of the Gap that members report for
// notifications a Publisher could not store (a webhook then answered 503).
const ReasonRefused = "relay: notifications refused"

// Publisher hands raw notifications to the relay's JetStream stream. Give
// its Deliver to a webhook Handler (webhook.WithDeliver), or its Sink to a
// WebSocket or PubNub transport's Open. A Publisher is safe for concurrent
// use.
//
// Deliver returns only once JetStream has stored the notification (its
// publish acknowledgement), so a webhook that answers 200 after it has
// handed over a notification that survives the receiver's death. Deliver
// fails when the acknowledgement does not come within the publish timeout
// or the caller's context (the Handler then answers 503); the Publisher
// then reports a Gap to the members of every partition, once JetStream
// accepts again and the refusals have stopped for a second, so that their
// call tracking resynchronises from REST.
type Publisher struct {
	nc    *nats.Conn
	js    jetstream.JetStream
	cfg   config
	subj  subjects
	parts int
	id    string

	mu  sync.Mutex
	gap gapState

	kick   chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
	closed atomic.Bool
	once   sync.Once

	published, duplicates, refused, unreadable, gaps atomic.Uint64
}

// gapState is a run of refusals not yet reported to the members.
type gapState struct {
	pending      bool
	since, until time.Time
	reason       string
}

// PublisherStats counts what a Publisher has done.
type PublisherStats struct {
	// Published counts notifications JetStream stored.
	Published uint64
	// Duplicates counts notifications JetStream acknowledged as already
	// stored (same uuid within the duplicate window): a repeated webhook
	// delivery, or the same notification through another receiver.
	Duplicates uint64
	// Refused counts notifications that could not be stored in time
	// (the webhook answered 503).
	Refused uint64
	// Unreadable counts deliveries that were not a notification envelope
	// (not a JSON object); they are dropped.
	Unreadable uint64
	// Gaps counts the Gap markers published (one per partition per run
	// of refusals).
	Gaps uint64
}

// NewPublisher returns a Publisher on nc, a connection it uses but does
// not own (Connect makes one that suits). It creates the stream if it does
// not exist (WithPartitions); it fails with ErrUnreachable if nc is not
// connected or JetStream does not answer within ctx, and with
// ErrPartitions if the stream has another number of partitions than
// WithPartitions asks for.
func NewPublisher(ctx context.Context, nc *nats.Conn, opts ...Option) (*Publisher, error) {
	rs, err := openStream(ctx, nc, opts, "new publisher")
	if err != nil {
		return nil, err
	}
	cfg, js, n := rs.cfg, rs.js, rs.parts
	runCtx, cancel := context.WithCancel(context.Background())
	p := &Publisher{
		nc: nc, js: js, cfg: cfg, subj: subjects{cfg.prefix}, parts: n,
		id:   nats.NewInbox()[len(nats.InboxPrefix):],
		kick: make(chan struct{}, 1), cancel: cancel, done: make(chan struct{}),
	}
	go p.run(runCtx)
	return p, nil
}

// Partitions returns the number of partitions of the stream.
func (p *Publisher) Partitions() int { return p.parts }

// Deliver publishes one raw notification and returns once JetStream has
// stored it, or with an error: it has the signature of a
// webhook.DeliverFunc. The subject is keyed by the call
// (telephonySessionId) or, for presence, the extension; Nats-Msg-Id is
// the notification's uuid, so JetStream drops a notification it already
// has. A delivery that is not a notification envelope is counted and
// dropped (nil). ctx bounds the wait, and so does WithPublishTimeout.
func (p *Publisher) Deliver(ctx context.Context, m transport.Message) error {
	if p.closed.Load() {
		return opError("publish", ErrClosed)
	}
	uuid, kind, key, err := envelopeKey(m.Data)
	if err != nil {
		p.unreadable.Add(1)
		p.cfg.log.Warn("relay: dropped a delivery that is not a notification", "bytes", len(m.Data), "err", err)
		return nil
	}
	msg := &nats.Msg{Subject: p.subj.in(kind, key), Data: m.Data, Header: nats.Header{}}
	if m.Transport != "" {
		msg.Header[HeaderTransport] = []string{m.Transport}
	}
	if dl, ok := ctx.Deadline(); !ok || time.Until(dl) > p.cfg.publishTimeout {
		// The caller's bound is looser than ours (a webhook Handler's
		// usually is not: then no timer of our own).
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.cfg.publishTimeout)
		defer cancel()
	}
	var popts []jetstream.PublishOpt
	if uuid != "" {
		popts = append(popts, jetstream.WithMsgID(uuid))
	}
	ack, err := p.js.PublishMsg(ctx, msg, popts...)
	if err != nil {
		p.refuse(m.Received, err)
		if cerr := connected(p.nc); cerr != nil {
			return opError("publish", fmt.Errorf("%w: %w", cerr, err))
		}
		return opError("publish", err)
	}
	if ack.Duplicate {
		p.duplicates.Add(1)
	} else {
		p.published.Add(1)
	}
	return nil
}

// refuse records a notification that could not be stored.
func (p *Publisher) refuse(received time.Time, err error) {
	p.refused.Add(1)
	now := time.Now()
	if received.IsZero() || received.After(now) {
		received = now
	}
	p.noteGap(received, now, ReasonRefused)
	p.cfg.log.Warn("relay: notification not stored", "err", err)
}

// noteGap adds [since, until] to the gap to report.
func (p *Publisher) noteGap(since, until time.Time, reason string) {
	p.mu.Lock()
	g := &p.gap
	if !g.pending {
		*g = gapState{pending: true, since: since, until: until, reason: reason}
	} else {
		if since.Before(g.since) {
			g.since = since
		}
		if until.After(g.until) {
			g.until = until
		}
	}
	p.mu.Unlock()
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// run reports gaps: once refusals have stopped for the retry delay, it
// publishes a Gap marker to every partition, and tries again later when
// JetStream does not take them.
func (p *Publisher) run(ctx context.Context) {
	defer close(p.done)
	for {
		var (
			tick <-chan time.Time
			t    *time.Timer
		)
		p.mu.Lock()
		pending := p.gap.pending
		p.mu.Unlock()
		if pending {
			t = time.NewTimer(p.cfg.gapRetry)
			tick = t.C
		}
		fire := false
		select {
		case <-ctx.Done():
		case <-p.kick: // a refusal: wait until they stop
		case <-tick:
			fire = true
		}
		if t != nil {
			t.Stop()
		}
		if ctx.Err() != nil {
			return
		}
		if fire {
			p.flushGap(ctx)
		}
	}
}

// flushGap publishes the pending gap to every partition.
func (p *Publisher) flushGap(ctx context.Context) {
	p.mu.Lock()
	g := p.gap
	p.mu.Unlock()
	if !g.pending {
		return
	}
	for part := range p.parts {
		msg := &nats.Msg{Subject: p.subj.partition(part), Header: nats.Header{
			HeaderGapSince:  {g.since.UTC().Format(time.RFC3339Nano)},
			HeaderGapUntil:  {g.until.UTC().Format(time.RFC3339Nano)},
			HeaderGapReason: {g.reason},
		}}
		id := "gap-" + p.id + "-" + strconv.FormatInt(g.since.UnixNano(), 36) + "-" + strconv.Itoa(part)
		pctx, cancel := context.WithTimeout(ctx, p.cfg.publishTimeout)
		_, err := p.js.PublishMsg(pctx, msg, jetstream.WithMsgID(id), jetstream.WithExpectStream(p.cfg.stream))
		cancel()
		if err != nil {
			if !errors.Is(err, context.Canceled) {
				p.cfg.log.Warn("relay: gap marker not stored; will retry", "partition", part, "err", err)
			}
			return
		}
		p.gaps.Add(1)
	}
	p.mu.Lock()
	if p.gap.until.Equal(g.until) {
		p.gap = gapState{}
	} else { // refused again meanwhile: what is left starts where this ended
		p.gap.since = g.until
	}
	p.mu.Unlock()
}

// Sink returns a transport.Sink that publishes what a transport delivers,
// to forward a WebSocket or PubNub transport's notifications into the
// relay: t.Open(ctx, filters, p.Sink()). Deliver publishes (see Deliver);
// a Gap the transport reports is passed on to the members as a Gap marker;
// other states are logged; Fail is logged and reported as a Gap from then
// on until the next notification is stored.
func (p *Publisher) Sink() transport.Sink { return pubSink{p} }

type pubSink struct{ p *Publisher }

func (s pubSink) Deliver(ctx context.Context, m transport.Message) error { return s.p.Deliver(ctx, m) }

func (s pubSink) State(st transport.State) {
	s.p.cfg.log.Info("relay: upstream transport state", "state", st.Kind.String(), "reason", st.Reason)
	if st.Kind != transport.Gap {
		return
	}
	reason := st.Reason
	if reason == "" && st.Err != nil {
		reason = st.Err.Error()
	}
	until := st.Until
	if until.IsZero() {
		until = time.Now()
	}
	s.p.noteGap(st.Since, until, reason)
}

func (s pubSink) Fail(err error) {
	s.p.cfg.log.Error("relay: upstream transport stopped", "err", err)
	now := time.Now()
	s.p.noteGap(now, now, "upstream transport stopped")
}

// Stats returns the Publisher's counters.
func (p *Publisher) Stats() PublisherStats {
	return PublisherStats{
		Published: p.published.Load(), Duplicates: p.duplicates.Load(), Refused: p.refused.Load(),
		Unreadable: p.unreadable.Load(), Gaps: p.gaps.Load(),
	}
}

// Close stops the Publisher's goroutine; Deliver then fails with
// ErrClosed. It does not close the NATS connection. It is idempotent.
func (p *Publisher) Close() error {
	p.once.Do(func() {
		p.closed.Store(true)
		p.cancel()
		<-p.done
	})
	return nil
}
