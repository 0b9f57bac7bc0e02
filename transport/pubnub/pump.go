package pubnub

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"slices"
	"sort"
	"time"

	pn "github.com/pubnub/go/v7"
	"github.com/ringwatch/ringwatch/internal/rcaes"
	"github.com/ringwatch/ringwatch/transport"
)

// statusEvent is an SDK status, tagged with the session it came from so
// that the control loop can ignore a retired session's.
type statusEvent struct {
	s  *session
	st *pn.PNStatus
}

// reorderDelay is how long pump holds a message for the ones announced
// with it: pubnub/go announces every message of a poll from its own
// goroutine, so they reach the listener in any order, and RingCentral's
// notifications of one change (a blind transfer's two parties, say) would
// otherwise reach the tracker swapped. maxHeld bounds the messages held.
const (
	reorderDelay = 50 * time.Millisecond
	maxHeld      = 1024
)

// pump drains every listener channel of one session at once: the SDK
// announces each value from its own goroutine on an unbuffered channel, so
// an unread channel parks goroutines. Messages go to the sink in timetoken
// order: each is held for reorderDelay after the first of a burst, then the
// burst is delivered sorted (a message older than one already delivered
// goes out as it comes). Statuses go to the control loop.
//
// Deliveries use runCtx, not the session's ctx, so that retiring a session
// (on a new subscribe key) does not drop a message already read.
func (t *Transport) pump(ctx, runCtx context.Context, s *session) {
	defer close(s.done)
	var held []*pn.PNMessage
	timer := time.NewTimer(reorderDelay)
	timer.Stop()
	defer timer.Stop()
	var due <-chan time.Time
	flush := func() {
		for i, m := range held {
			t.message(runCtx, m)
			held[i] = nil
		}
		held, due = held[:0], nil
	}
	defer flush()
	for {
		select {
		case <-ctx.Done():
			return
		case m := <-s.l.Message:
			if m == nil {
				continue
			}
			if len(held) >= maxHeld {
				flush()
			}
			i := sort.Search(len(held), func(i int) bool { return held[i].Timetoken > m.Timetoken })
			held = slices.Insert(held, i, m)
			if due == nil {
				timer.Reset(reorderDelay)
				due = timer.C
			}
		case <-due:
			flush()
		case st := <-s.l.Status:
			if st == nil {
				continue
			}
			select {
			case t.status <- statusEvent{s, st}:
			case <-ctx.Done():
				return
			}
		// RingCentral uses none of these; drained so that nothing parks.
		case <-s.l.Presence:
		case <-s.l.Signal:
		case <-s.l.UUIDEvent:
		case <-s.l.ChannelEvent:
		case <-s.l.MembershipEvent:
		case <-s.l.MessageActionsEvent:
		case <-s.l.File:
		}
	}
}

// message turns one PubNub message into envelope bytes and delivers them.
func (t *Transport) message(ctx context.Context, m *pn.PNMessage) {
	if m == nil {
		return
	}
	now := t.opts.clock.Now()
	storeMax(&t.lastTT, m.Timetoken)
	t.lastOK.Store(now.UnixNano())
	data, err := t.payload(m)
	if err != nil {
		t.dropped.Add(1)
		t.log.LogAttrs(ctx, slog.LevelWarn, "pubnub: message skipped", slog.Int64("timetoken", m.Timetoken), slog.String("error", err.Error()))
		return
	}
	if err := t.sink.Deliver(ctx, transport.Message{Data: data, Received: now, Transport: Name}); err != nil {
		t.log.LogAttrs(ctx, slog.LevelDebug, "pubnub: sink refused message", slog.String("error", err.Error()))
		return
	}
	t.delivered.Add(1)
}

func (t *Transport) payload(m *pn.PNMessage) ([]byte, error) {
	switch v := m.Message.(type) {
	case string:
		keys := t.keysFor(m.Channel)
		if len(keys) == 0 {
			// Not encrypted after all: accept a JSON object sent as text.
			if len(v) > 0 && v[0] == '{' && json.Valid([]byte(v)) {
				return []byte(v), nil
			}
			return nil, errNoKey
		}
		ct, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return nil, ErrDecrypt
		}
		var derr error
		for i, k := range keys {
			decrypt := rcaes.Decrypt
			if i == len(keys)-1 {
				decrypt = rcaes.DecryptInPlace // the last try may consume ct
			}
			pt, err := decrypt(k, ct)
			if err == nil {
				return pt, nil
			}
			derr = err
		}
		return nil, errorsJoinDecrypt(derr)
	case map[string]any:
		// An unencrypted notification, decoded by the SDK; numbers went
		// through float64, which keeps every id below 2^53 exact.
		return json.Marshal(v)
	}
	return nil, errPayload
}
