package relay

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/transport"
)

// partition is one partition a member holds: its goroutine takes the
// partition over, replays it, then consumes it until stopped or until its
// lease runs out.
type partition struct {
	m      *Member
	p      int
	cancel context.CancelFunc
	done   chan struct{}

	mu        sync.Mutex
	rev       uint64
	validTill time.Time
}

// renewed records a renewal of the lease sent at sent: the lease then
// lives until at least sent + TTL on the server, and the partition stops
// consuming a sixth of the TTL before that.
func (pt *partition) renewed(rev uint64, sent time.Time) {
	ttl := pt.m.cfg.leaseTTL
	pt.mu.Lock()
	pt.rev, pt.validTill = rev, sent.Add(ttl-ttl/6)
	pt.mu.Unlock()
}

func (pt *partition) revision() uint64 {
	pt.mu.Lock()
	defer pt.mu.Unlock()
	return pt.rev
}

func (pt *partition) valid() bool {
	pt.mu.Lock()
	defer pt.mu.Unlock()
	return time.Now().Before(pt.validTill)
}

func (pt *partition) running() bool {
	select {
	case <-pt.done:
		return false
	default:
		return true
	}
}

// stop stops the partition after the notification being delivered and
// waits for its goroutine.
func (pt *partition) stop() {
	pt.cancel()
	<-pt.done
}

// work takes the partition over and consumes it.
func (pt *partition) work(ctx context.Context) {
	defer close(pt.done)
	m := pt.m
	log := m.cfg.log.With("partition", pt.p, "member", m.id)
	cons, floor, err := pt.takeOver(ctx)
	if err != nil {
		if ctx.Err() == nil {
			log.Warn("relay: partition takeover failed", "err", err)
		}
		return
	}
	if err := pt.replay(ctx, floor); err != nil {
		if ctx.Err() == nil {
			log.Warn("relay: partition replay failed", "err", err)
		}
		return
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(512))
	if err != nil {
		log.Warn("relay: partition consume failed", "err", err)
		return
	}
	stopIt := context.AfterFunc(ctx, it.Stop)
	defer stopIt()
	// Acknowledgements are cumulative (AckAll): one for every ackEvery
	// notifications, and one when the partition falls idle, so that the
	// acknowledgement floor never lags far behind.
	var last, unacked jetstream.Msg
	n := 0
	for {
		var (
			msg jetstream.Msg
			err error
		)
		if unacked != nil {
			msg, err = it.Next(jetstream.NextMaxWait(ackIdle))
			if errors.Is(err, nats.ErrTimeout) {
				_ = unacked.Ack()
				unacked, n = nil, 0
				continue
			}
		} else {
			msg, err = it.Next()
		}
		if err != nil {
			if !errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				log.Warn("relay: partition stopped", "err", err)
			}
			break
		}
		if ctx.Err() != nil {
			break // not delivered, not acknowledged: the next holder has it
		}
		if !pt.valid() {
			m.lost.Add(1)
			log.Warn("relay: stopped consuming: " + ErrPartitionLost.Error())
			break
		}
		ok, acked := pt.handle(ctx, msg)
		if !ok {
			break
		}
		last = msg
		if acked {
			unacked, n = nil, 0
			continue
		}
		unacked = msg
		if n++; n >= ackEvery {
			_ = msg.Ack()
			unacked, n = nil, 0
		}
	}
	it.Stop()
	if unacked != nil {
		_ = unacked.Ack()
	}
	if last != nil {
		pt.confirmAcks(cons, last)
	}
}

// Acknowledgement batching: every ackEvery notifications, or after ackIdle
// without one.
const (
	ackEvery = 32
	ackIdle  = 20 * time.Millisecond
)

// takeOver reads how far the partition's consumer was acknowledged, and
// makes the consumer anew from the next message on: the messages a dead
// holder had received but not acknowledged then come first, in order,
// instead of after the acknowledgement timeout.
func (pt *partition) takeOver(ctx context.Context) (jetstream.Consumer, uint64, error) {
	m := pt.m
	name := m.consumerName(pt.p)
	var floor uint64
	c, err := m.stream.Consumer(ctx, name)
	switch {
	case err == nil:
		floor = c.CachedInfo().AckFloor.Stream
		if err := m.stream.DeleteConsumer(ctx, name); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
			return nil, 0, fmt.Errorf("relay: take over partition %d: %w", pt.p, err)
		}
	case errors.Is(err, jetstream.ErrConsumerNotFound):
	default:
		return nil, 0, fmt.Errorf("relay: take over partition %d: %w", pt.p, err)
	}
	cfg := jetstream.ConsumerConfig{
		Durable:       name,
		Description:   "ringwatch relay partition",
		FilterSubject: m.subj.partition(pt.p),
		AckPolicy:     jetstream.AckAllPolicy,
		AckWait:       m.cfg.ackWait,
		MaxAckPending: 1024,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		Replicas:      m.cfg.replicas,
	}
	if floor > 0 {
		cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, floor+1
	}
	cons, err := m.stream.CreateConsumer(ctx, cfg)
	if err != nil {
		return nil, 0, fmt.Errorf("relay: take over partition %d: %w", pt.p, err)
	}
	return cons, floor, nil
}

// replay applies the partition's messages up to floor (the last one
// acknowledged) to the member's trackers without reporting them, so that
// the calls in progress go on from the state their previous holder had.
// When the stream no longer holds the partition's beginning (its
// retention removed messages), the replay cannot cover every call: the
// member reports a Gap, and notify's call tracking resynchronises from
// REST.
func (pt *partition) replay(ctx context.Context, floor uint64) error {
	m := pt.m
	info, err := m.stream.Info(ctx)
	if err != nil {
		return err
	}
	first := info.State.FirstSeq
	if first > 1 {
		// Reported once the replay is over, so that the resync it
		// starts reads REST on top of what the replay rebuilt.
		since := info.State.FirstTime
		defer func() {
			now := time.Now()
			m.sink.State(transport.State{Kind: transport.Gap, At: now, Since: since, Until: now,
				Reason: fmt.Sprintf("relay: partition %d replay incomplete (stream begins at %d)", pt.p, first)})
		}()
	}
	if floor == 0 || floor < first {
		return nil
	}
	oc, err := m.stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{m.subj.partition(pt.p)},
		DeliverPolicy:  jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return err
	}
	it, err := oc.Messages()
	if err != nil {
		return err
	}
	defer it.Stop()
	stopIt := context.AfterFunc(ctx, it.Stop)
	defer stopIt()
	for {
		msg, err := it.Next(jetstream.NextMaxWait(m.cfg.replayWait))
		if err != nil {
			if errors.Is(err, jetstream.ErrMsgIteratorClosed) && ctx.Err() != nil {
				return ctx.Err()
			}
			if errors.Is(err, nats.ErrTimeout) {
				return nil // the partition holds less than expected
			}
			return err
		}
		md, err := msg.Metadata()
		if err != nil || md.Sequence.Stream > floor {
			return nil
		}
		pt.replayOne(msg)
		if md.Sequence.Stream == floor || md.NumPending == 0 {
			return nil
		}
	}
}

// replayOne applies one replayed notification to the trackers.
func (pt *partition) replayOne(msg jetstream.Msg) {
	m := pt.m
	if isGapMarker(msg.Headers()) {
		return
	}
	ev, err := notify.Decode(msg.Data())
	if err != nil {
		return
	}
	m.replayed.Add(1)
	switch e := ev.(type) {
	case *notify.TelephonyEvent:
		m.calls.Apply(&e.Body)
	case *notify.PresenceEvent:
		body := &e.Body
		if body.ExtensionID == "" {
			if f, err := subscription.ParseFilter(e.Event); err == nil && f.ExtensionID != "" && f.ExtensionID != "~" {
				cp := *body
				cp.ExtensionID = f.ExtensionID
				body = &cp
			}
		}
		m.pres.Apply(body)
	}
}

// handle delivers one message to notify. ok is false when the partition
// must stop (the message is then left unacknowledged, for the next
// holder); acked is true when handle acknowledged or terminated the
// message itself.
func (pt *partition) handle(ctx context.Context, msg jetstream.Msg) (ok, acked bool) {
	m := pt.m
	md, err := msg.Metadata()
	if err != nil {
		pt.skip(msg, "no metadata", err)
		return true, true
	}
	if h := msg.Headers(); isGapMarker(h) {
		since, _ := time.Parse(time.RFC3339Nano, h.Get(HeaderGapSince))
		until, _ := time.Parse(time.RFC3339Nano, h.Get(HeaderGapUntil))
		m.gapMarkers.Add(1)
		m.sink.State(transport.State{Kind: transport.Gap, At: time.Now(), Since: since, Until: until,
			Reason: h.Get(HeaderGapReason)})
		return true, false
	}
	if md.NumDelivered > maxDeliver {
		pt.skip(msg, "delivered too often", nil)
		return true, true
	}
	if !jsonObject(msg.Data()) {
		pt.skip(msg, "not a JSON object", nil)
		return true, true
	}
	name := msg.Headers().Get(HeaderTransport)
	if name == "" {
		name = Name
	}
	if err := m.sink.Deliver(ctx, transport.Message{Data: msg.Data(), Received: md.Timestamp, Transport: name}); err != nil {
		return false, false
	}
	m.delivered.Add(1)
	return true, false
}

// skip terminates a poison message: it is counted and never delivered
// again, and the partition goes on.
func (pt *partition) skip(msg jetstream.Msg, why string, err error) {
	pt.m.poison.Add(1)
	pt.m.cfg.log.Warn("relay: skipped a poison message", "partition", pt.p, "subject", msg.Subject(), "why", why, "err", err)
	_ = msg.TermWithReason(why)
}

// confirmAcks waits, for a bounded time, until JetStream has applied the
// acknowledgement of last, so that the next holder starts after it.
func (pt *partition) confirmAcks(cons jetstream.Consumer, last jetstream.Msg) {
	md, err := last.Metadata()
	if err != nil {
		return
	}
	deadline := time.Now().Add(pt.m.cfg.leaseTTL / 3)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 250*time.Millisecond)
		info, err := cons.Info(ctx)
		cancel()
		if err == nil && info.AckFloor.Stream >= md.Sequence.Stream {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// isGapMarker reports whether a message is a Publisher's Gap marker.
func isGapMarker(h nats.Header) bool { return len(h[HeaderGapSince]) > 0 }

// jsonObject reports whether data looks like a JSON object: the cheap
// check of a poison message. What a Publisher published always is (it
// read its envelope); a notification that is an object but cannot be
// decoded is notify's to skip and count (Stats.DecodeErrors).
func jsonObject(data []byte) bool {
	data = bytes.TrimSpace(data)
	return len(data) >= 2 && data[0] == '{' && data[len(data)-1] == '}'
}
