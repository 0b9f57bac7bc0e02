package notifytest

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/ringwatch/ringwatch/presence"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/telephony"
)

// deliverer sends notifications over one transport. Each transport
// registers one for its transportType (registerDeliverer); Publish hands it
// the envelope of every matching subscription.
type deliverer interface {
	// deliver queues one notification envelope (the JSON RingCentral would
	// send) for sub. It must not block for long: it queues and returns,
	// honouring ctx. It is called without any platform lock held.
	deliver(ctx context.Context, sub *subRecord, envelope []byte) error
}

// preparer is implemented by a deliverer that needs to act before a
// subscription of its transport is stored (fill delivery-mode fields, check
// an address). It runs without any platform lock held; an error refuses the
// creation.
type preparer interface {
	prepare(ctx context.Context, sub *subRecord) *apiError
}

// remover is implemented by a deliverer that keeps per-subscription state;
// removed is called, without any platform lock held, once a subscription
// of its transport is deleted.
type remover interface {
	removed(sub *subRecord)
}

// registerDeliverer installs the deliverer of a transport type, replacing
// any previous one.
func (p *Platform) registerDeliverer(transportType string, d deliverer) {
	p.mu.Lock()
	p.deliverers[transportType] = d
	p.mu.Unlock()
}

// envelope is RingCentral's notification envelope.
type envelope struct {
	UUID           string          `json:"uuid"`
	Event          string          `json:"event"`
	Timestamp      string          `json:"timestamp"`
	SubscriptionID string          `json:"subscriptionId"`
	OwnerID        string          `json:"ownerId"`
	Body           json.RawMessage `json:"body"`
}

// newNotificationUUID returns an id in the form RingCentral uses: a large
// decimal number.
func newNotificationUUID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return strconv.FormatUint(binary.BigEndian.Uint64(b[:])>>1, 10)
}

// buildEnvelope wraps a body for one subscription; event is the
// subscription's filter that matched.
func (p *Platform) buildEnvelope(sub *subRecord, event string, body json.RawMessage, now time.Time) []byte {
	b, _ := json.Marshal(envelope{ // strings and raw JSON: cannot fail
		UUID:           newNotificationUUID(),
		Event:          event,
		Timestamp:      now.UTC().Format("2006-01-02T15:04:05.000Z"),
		SubscriptionID: sub.id,
		OwnerID:        sub.ownerID,
		Body:           body,
	})
	return b
}

// target is one subscription a notification goes to.
type target struct {
	sub    *subRecord
	filter subscription.ParsedFilter
	event  string
	d      deliverer
}

// targets returns the live, active subscriptions with a filter matching
// ev, with their deliverers. Callers hold p.mu.
func (p *Platform) targets(ev subscription.ParsedFilter, now time.Time) []target {
	var out []target
	for _, s := range p.sortedSubs() {
		if !s.live(now) || s.status != subscription.Active {
			continue
		}
		for i, f := range s.parsed {
			if matches(f, ev) {
				out = append(out, target{sub: s, filter: f, event: string(s.filters[i]), d: p.deliverers[s.mode.TransportType]})
				break
			}
		}
	}
	return out
}

// matches reports whether a subscription's filter f receives an event about
// the resource ev (both with concrete ids).
func matches(f, ev subscription.ParsedFilter) bool {
	if f.AccountID != ev.AccountID {
		return false
	}
	switch ev.Kind {
	case subscription.KindExtensionPresence:
		return f.Kind == subscription.KindAccountPresence ||
			f.Kind == subscription.KindExtensionPresence && f.ExtensionID == ev.ExtensionID
	case subscription.KindExtensionTelephonySessions:
		return f.Kind == subscription.KindAccountTelephonySessions ||
			f.Kind == subscription.KindExtensionTelephonySessions && f.ExtensionID == ev.ExtensionID
	}
	return f.Kind == ev.Kind && f.ExtensionID == ev.ExtensionID && f.Path == ev.Path
}

// Publish sends a notification about resource to every live, active
// subscription with a matching filter, and returns how many subscriptions
// it was handed to. resource names what changed, in filter form with
// concrete ids or "~" (the account; the owner extension):
//
//	/restapi/v1.0/account/~/extension/230000102/presence
//	/restapi/v1.0/account/~/extension/230000102/telephony/sessions
//
// An extension's presence reaches that extension's presence filters and the
// account presence filters; an extension's telephony session reaches its
// telephony filters and the account telephony filters; any other resource
// reaches filters with the same path. Each envelope's event is the
// subscriber's own filter, with ids expanded.
//
// body is encoded with encoding/json. A presence.Event or telephony.Session
// (or a pointer to one) is shaped for each filter as RingCentral does: a
// simple presence filter gets no activeCalls, a filter without sipData=true
// gets no SIP data, the presence body carries the subscriber as ownerId,
// and a telephony filter's direction, statusCode, missedCall and
// phoneNumber parameters drop sessions that no party matches.
//
// A subscription whose transport has no deliverer is skipped.
func (p *Platform) Publish(ctx context.Context, resource string, body any) (int, error) {
	ev, err := subscription.ParseFilter(resource)
	if err != nil {
		return 0, fmt.Errorf("notifytest: publish: %w", err)
	}
	if ev.Kind != subscription.KindRenewalReminder {
		ev, err = subscription.ParseFilter(expandTilde(resource, p.set.accountID, p.set.ownerID))
		if err != nil {
			return 0, fmt.Errorf("notifytest: publish: %w", err)
		}
	}
	now := p.now()
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return 0, ErrClosed
	}
	ts := p.targets(ev, now)
	p.mu.Unlock()

	n := 0
	for _, t := range ts {
		if t.d == nil {
			continue
		}
		b, ok, err := shapeBody(body, t.filter, t.sub.ownerID)
		if err != nil {
			return n, fmt.Errorf("notifytest: publish: encode body: %w", err)
		}
		if !ok {
			continue
		}
		if err := t.d.deliver(ctx, t.sub, p.buildEnvelope(t.sub, t.event, b, now)); err != nil {
			return n, fmt.Errorf("notifytest: publish to %s: %w", t.sub.id, err)
		}
		n++
	}
	return n, nil
}

// shapeBody encodes body for one filter; ok is false when the filter's
// parameters exclude it.
func shapeBody(body any, f subscription.ParsedFilter, owner string) (b json.RawMessage, ok bool, err error) {
	switch v := body.(type) {
	case *presence.Event:
		if v == nil {
			break
		}
		return shapeBody(*v, f, owner)
	case presence.Event:
		if !f.Detailed {
			v.ActiveCalls, v.TotalActiveCalls = nil, 0
		} else if !f.SIP {
			v.ActiveCalls = slices.Clone(v.ActiveCalls)
			for i := range v.ActiveCalls {
				v.ActiveCalls[i].SIPData = nil
			}
		}
		if v.OwnerID == "" {
			v.OwnerID = owner
		}
		body = v
	case *telephony.Session:
		if v == nil {
			break
		}
		return shapeBody(*v, f, owner)
	case telephony.Session:
		if !sessionMatches(&v, f) {
			return nil, false, nil
		}
		if !f.SIP {
			v.Parties = slices.Clone(v.Parties)
			for i := range v.Parties {
				v.Parties[i].SIPData = nil
			}
		}
		body = v
	}
	b, err = json.Marshal(body)
	return b, err == nil, err
}

// sessionMatches applies a telephony filter's parameters: some party must
// match all of them.
func sessionMatches(s *telephony.Session, f subscription.ParsedFilter) bool {
	if !f.Kind.IsTelephony() {
		return true
	}
	dir, code := f.Query.Get("direction"), f.Query.Get("statusCode")
	missed, phone := f.Query.Get("missedCall") == "true", f.Query.Get("phoneNumber")
	if dir == "" && code == "" && !missed && phone == "" {
		return true
	}
	for _, pt := range s.Parties {
		if (dir == "" || pt.Direction == dir) &&
			(code == "" || string(pt.Status.Code) == code) &&
			(!missed || pt.MissedCall) &&
			(phone == "" || pt.From.PhoneNumber == phone || pt.To.PhoneNumber == phone) {
			return true
		}
	}
	return false
}
