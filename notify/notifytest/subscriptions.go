package notifytest

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/ringwatch/ringwatch/subscription"
)

const (
	transportWebHook   = subscription.TransportWebHook
	transportWebSocket = subscription.TransportWebSocket
	transportPubNub    = subscription.TransportPubNub

	subscriptionPath = "/restapi/v1.0/subscription"
)

// lifetime is the default and the maximum of expiresIn for a transport.
// RingCentral ignores expiresIn for WebSocket
// subscriptions, which live a day and are renewed while the socket is up.
type lifetime struct{ def, max time.Duration }

var lifetimes = map[string]lifetime{
	transportWebHook:   {604800 * time.Second, 315360000 * time.Second},
	transportPubNub:    {900 * time.Second, 900 * time.Second},
	transportWebSocket: {86400 * time.Second, 86400 * time.Second},
}

// subRecord is one subscription. id, ownerID, sessionID, mode,
// verificationToken, created and viaSocket never change once the record is
// stored; the other fields are guarded by Platform.mu.
type subRecord struct {
	id                string
	ownerID           string // the extension that created it
	sessionID         string // the auth session that created it
	mode              subscription.DeliveryMode
	verificationToken string // WebHook: sent with every notification, never returned
	created           time.Time
	seq               uint64 // creation order
	viaSocket         bool   // created over a WebSocket Gateway connection

	filters     []subscription.Filter
	parsed      []subscription.ParsedFilter
	lifetime    time.Duration
	expires     time.Time
	status      subscription.Status
	blacklisted *subscription.BlacklistedData
	failures    int // webhook deliveries that failed in a row
	// state belongs to the deliverer of the subscription's transport.
	state any
}

func (s *subRecord) live(now time.Time) bool { return now.Before(s.expires) }

// lifetimeFor applies the transport's default and maximum to a requested
// lifetime (zero for none).
func lifetimeFor(transport string, requested time.Duration) (time.Duration, *apiError) {
	lt, ok := lifetimes[transport]
	if !ok {
		lt = lifetimes[transportWebHook]
	}
	switch {
	case transport == transportWebSocket:
		return lt.def, nil
	case requested < 0:
		return 0, invalidParam("expiresIn", "")
	case requested == 0:
		return lt.def, nil
	case requested > lt.max:
		return lt.max, nil
	}
	return requested, nil
}

// expandFilters validates the filters of a create or update request and
// replaces "~" with the account's and the caller's ids, as RingCentral
// does in the filters it returns. lifetime bounds a renewal reminder's
// threshold.
func (p *Platform) expandFilters(c *caller, filters []subscription.Filter, lifetime time.Duration) ([]subscription.Filter, []subscription.ParsedFilter, *apiError) {
	if len(filters) == 0 {
		return nil, nil, invalidParam("eventFilters", "Parameter [eventFilters] is required")
	}
	outF := make([]subscription.Filter, 0, len(filters))
	outP := make([]subscription.ParsedFilter, 0, len(filters))
	for _, f := range filters {
		pf, err := subscription.ParseFilter(string(f))
		if err != nil {
			if subscription.Classify(string(f)) == subscription.KindRenewalReminder {
				return nil, nil, &apiError{status: http.StatusBadRequest, code: "SUB-516", message: "Invalid reminder parameters", param: "eventFilters"}
			}
			return nil, nil, &apiError{status: http.StatusBadRequest, code: "SUB-508", message: "Invalid event filters: [" + string(f) + "]", param: "eventFilters"}
		}
		if pf.Kind == subscription.KindRenewalReminder {
			if pf.Threshold > lifetime/2 {
				return nil, nil, &apiError{status: http.StatusBadRequest, code: "SUB-516", message: "Invalid reminder parameters", param: "eventFilters"}
			}
			// The reminder's "~" stands for the subscription itself and is
			// sent back unchanged in the notifications' event field.
			outF, outP = append(outF, f), append(outP, pf)
			continue
		}
		if pf.AccountID != "" && pf.AccountID != subscription.Me && pf.AccountID != p.set.accountID {
			return nil, nil, errorf(http.StatusForbidden, "SUB-406", "Not allowed subscribe for events to extensions of other account")
		}
		if pf.ExtensionID != "" && pf.ExtensionID != subscription.Me {
			if _, ok := p.extension(pf.ExtensionID); !ok {
				return nil, nil, errorf(http.StatusForbidden, "SUB-408", "Not allowed subscribe for unknown user")
			}
		}
		ex := subscription.Filter(expandTilde(string(f), p.set.accountID, c.extensionID))
		pe, err := subscription.ParseFilter(string(ex))
		if err != nil { // cannot happen: only ids changed
			pe = pf
		}
		outF, outP = append(outF, ex), append(outP, pe)
	}
	return outF, outP, nil
}

// expandTilde replaces a "~" account or extension segment of a filter's
// path with the given ids.
func expandTilde(filter, account, extension string) string {
	path, query, hasQuery := strings.Cut(filter, "?")
	segs := strings.Split(path, "/")
	for i := 1; i < len(segs); i++ {
		if segs[i] != subscription.Me {
			continue
		}
		switch segs[i-1] {
		case "account":
			segs[i] = account
		case "extension":
			segs[i] = extension
		}
	}
	out := strings.Join(segs, "/")
	if hasQuery {
		out += "?" + query
	}
	return out
}

// createSubscription creates a subscription for c. viaSocket says the
// WebSocket Gateway creates it over a connection: the delivery mode is then
// WebSocket whatever the request says. Over HTTP, WebSocket is refused, as
// on RingCentral. A WebHook subscription is created only after the
// validation handshake, which runs without holding any lock.
func (p *Platform) createSubscription(ctx context.Context, c *caller, req subscription.CreateRequest, viaSocket bool) (*subRecord, *apiError) {
	mode := req.DeliveryMode
	if viaSocket {
		mode = subscription.DeliveryMode{TransportType: transportWebSocket}
	}
	rec := &subRecord{ownerID: c.extensionID, sessionID: c.sessionID, viaSocket: viaSocket, status: subscription.Active}
	switch mode.TransportType {
	case transportWebHook:
		u, err := url.Parse(mode.Address)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, invalidParam("deliveryMode.address", "")
		}
		rec.mode = subscription.DeliveryMode{TransportType: transportWebHook, Address: mode.Address}
		rec.verificationToken = mode.VerificationToken
	case transportPubNub:
		rec.mode = p.pubnubMode(mode.Encryption)
	case transportWebSocket:
		if !viaSocket {
			return nil, invalidParam("deliveryMode.transportType", "WebSocket subscriptions are created over the WebSocket connection")
		}
		rec.mode = subscription.DeliveryMode{TransportType: transportWebSocket}
	case "":
		return nil, invalidParam("deliveryMode.transportType", "Parameter [deliveryMode.transportType] is required")
	default:
		return nil, invalidParam("deliveryMode.transportType", "")
	}
	lt, aerr := lifetimeFor(rec.mode.TransportType, req.ExpiresIn)
	if aerr != nil {
		return nil, aerr
	}
	filters, parsed, aerr := p.expandFilters(c, req.EventFilters, lt)
	if aerr != nil {
		return nil, aerr
	}
	rec.filters, rec.parsed, rec.lifetime = filters, parsed, lt

	// Refuse early what would be refused after the handshake anyway.
	p.mu.Lock()
	aerr = p.checkLimit(c.extensionID, p.now())
	d := p.deliverers[rec.mode.TransportType]
	p.mu.Unlock()
	if aerr != nil {
		return nil, aerr
	}
	if pr, ok := d.(preparer); ok {
		if aerr := pr.prepare(ctx, rec); aerr != nil {
			return nil, aerr
		}
	}
	if rec.mode.TransportType == transportWebHook {
		if aerr := p.handshake(ctx, rec.mode.Address); aerr != nil {
			return nil, aerr
		}
	}

	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, errorf(http.StatusServiceUnavailable, "CMN-201", "Service Temporary Unavailable")
	}
	if aerr := p.checkLimit(c.extensionID, now); aerr != nil {
		return nil, aerr
	}
	p.purgeExpired(now)
	rec.id = newUUID()
	p.subSeq++
	rec.seq = p.subSeq
	rec.created = now
	rec.expires = now.Add(lt)
	p.subs[rec.id] = rec
	p.log.Debug("notifytest: subscription created", "id", rec.id, "owner", rec.ownerID, "transport", rec.mode.TransportType, "filters", len(rec.filters))
	return rec, nil
}

// checkLimit refuses one more subscription for an extension at its limit.
// Callers hold p.mu.
func (p *Platform) checkLimit(ext string, now time.Time) *apiError {
	if p.closed {
		return errorf(http.StatusServiceUnavailable, "CMN-201", "Service Temporary Unavailable")
	}
	n := 0
	for _, s := range p.subs {
		if s.ownerID == ext && s.live(now) {
			n++
		}
	}
	if n >= p.set.subLimit {
		return errorf(http.StatusForbidden, "SUB-505", "Subscriptions limit exceeded")
	}
	return nil
}

// purgeExpired forgets subscriptions that expired more than an hour ago;
// until then they answer SUB-507 rather than "not found". Callers hold
// p.mu.
func (p *Platform) purgeExpired(now time.Time) {
	for id, s := range p.subs {
		if now.Sub(s.expires) > time.Hour {
			delete(p.subs, id)
		}
	}
}

// pubnubMode is the delivery mode RingCentral returned for a PubNub
// subscription: a channel and keys. Presence filters force encryption on
// RingCentral; the fake always encrypts.
func (p *Platform) pubnubMode(_ bool) subscription.DeliveryMode {
	key := make([]byte, 16)
	_, _ = rand.Read(key)
	return subscription.DeliveryMode{
		TransportType:       transportPubNub,
		Address:             p.set.accountID + "_" + randomHex(4),
		SubscriberKey:       "sub-c-" + newUUID(),
		SecretKey:           "sec-c-" + randomHex(16),
		Encryption:          true,
		EncryptionAlgorithm: "AES",
		EncryptionKey:       base64.StdEncoding.EncodeToString(key),
	}
}

// lookup returns the caller's subscription id: 404 CMN-102 when it does not
// exist (or belongs to someone else), 404 SUB-507 when it has expired.
// Callers hold p.mu.
func (p *Platform) lookup(c *caller, id string, now time.Time) (*subRecord, *apiError) {
	s, ok := p.subs[id]
	if !ok || (c != nil && s.ownerID != c.extensionID) {
		return nil, notFound("subscriptionId")
	}
	if !s.live(now) {
		return nil, errorf(http.StatusNotFound, "SUB-507",
			"Subscription with key ["+id+"] and assigned session ["+s.sessionID+"] was expired")
	}
	return s, nil
}

// info describes a subscription as RingCentral does. Callers hold p.mu.
func (p *Platform) info(s *subRecord, now time.Time) subscription.Info {
	// RingCentral reports the whole seconds strictly left: 604799 and 899
	// for fresh subscriptions.
	left := max(s.expires.Sub(now)-1, 0)
	in := subscription.Info{
		ID:             s.id,
		URI:            p.URL() + subscriptionPath + "/" + s.id,
		EventFilters:   slices.Clone(s.filters),
		ExpirationTime: s.expires.UTC().Truncate(time.Millisecond),
		ExpiresIn:      left.Truncate(time.Second),
		Status:         s.status,
		CreationTime:   s.created.UTC().Truncate(time.Millisecond),
		DeliveryMode:   s.mode,
	}
	if b := s.blacklisted; b != nil {
		bd := *b
		in.BlacklistedData = &bd
	}
	return in
}

// subscriptionInfo is info taking the lock.
func (p *Platform) subscriptionInfo(s *subRecord) subscription.Info {
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.info(s, now)
}

// updateSubscription applies an update (nil for an empty body: renew with
// the default lifetime). Over HTTP a WebSocket subscription cannot be
// updated.
func (p *Platform) updateSubscription(c *caller, id string, req *subscription.UpdateRequest, viaSocket bool) (*subRecord, *apiError) {
	now := p.now()
	p.mu.Lock()
	s, aerr := p.lookup(c, id, now)
	p.mu.Unlock()
	if aerr != nil {
		return nil, aerr
	}
	if s.mode.TransportType == transportWebSocket && !viaSocket {
		return nil, errorf(http.StatusMethodNotAllowed, "SUB-511", "Action not allowed for WebSocket subscription")
	}
	var requested time.Duration
	if req != nil {
		requested = req.ExpiresIn
	}
	lt, aerr := lifetimeFor(s.mode.TransportType, requested)
	if aerr != nil {
		return nil, aerr
	}
	var filters []subscription.Filter
	var parsed []subscription.ParsedFilter
	if req != nil && len(req.EventFilters) > 0 {
		if filters, parsed, aerr = p.expandFilters(c, req.EventFilters, lt); aerr != nil {
			return nil, aerr
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if s, aerr = p.lookup(c, id, now); aerr != nil {
		return nil, aerr
	}
	if filters != nil {
		s.filters, s.parsed = filters, parsed
	}
	s.lifetime, s.expires = lt, now.Add(lt)
	return s, nil
}

// renewSubscription extends a subscription by its current lifetime
// (RingCentral keeps the expiresIn of the last create or update).
func (p *Platform) renewSubscription(c *caller, id string, viaSocket bool) (*subRecord, *apiError) {
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	s, aerr := p.lookup(c, id, now)
	if aerr != nil {
		return nil, aerr
	}
	if s.mode.TransportType == transportWebSocket && !viaSocket {
		return nil, errorf(http.StatusMethodNotAllowed, "SUB-511", "Action not allowed for WebSocket subscription")
	}
	s.expires = now.Add(s.lifetime)
	return s, nil
}

// deleteSubscription deletes the caller's subscription and tells its
// deliverer.
func (p *Platform) deleteSubscription(c *caller, id string) *apiError {
	now := p.now()
	p.mu.Lock()
	s, aerr := p.lookup(c, id, now)
	if aerr == nil {
		delete(p.subs, id)
	} else if s0, ok := p.subs[id]; ok && aerr.code == "SUB-507" && (c == nil || s0.ownerID == c.extensionID) {
		delete(p.subs, id) // an expired one goes too, but still answers 404
	}
	d := p.deliverers[transportOf(s)]
	p.mu.Unlock()
	if aerr != nil {
		return aerr
	}
	if rm, ok := d.(remover); ok {
		rm.removed(s)
	}
	p.log.Debug("notifytest: subscription deleted", "id", id)
	return nil
}

func transportOf(s *subRecord) string {
	if s == nil {
		return ""
	}
	return s.mode.TransportType
}

func (p *Platform) serveCreate(w http.ResponseWriter, r *http.Request, c *caller) {
	var req subscription.CreateRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		invalidParam("body", "Request body is not valid JSON").write(w)
		return
	}
	s, aerr := p.createSubscription(r.Context(), c, req, false)
	if aerr != nil {
		aerr.write(w)
		return
	}
	writeJSON(w, http.StatusOK, p.subscriptionInfo(s))
}

func (p *Platform) serveList(w http.ResponseWriter, _ *http.Request, c *caller) {
	now := p.now()
	p.mu.Lock()
	list := subscription.List{URI: p.URL() + subscriptionPath, Records: []subscription.Info{}}
	for _, s := range p.sortedSubs() {
		if s.ownerID == c.extensionID && s.live(now) {
			list.Records = append(list.Records, p.info(s, now))
		}
	}
	p.mu.Unlock()
	writeJSON(w, http.StatusOK, list)
}

// sortedSubs returns the subscriptions in creation order. Callers hold
// p.mu.
func (p *Platform) sortedSubs() []*subRecord {
	out := make([]*subRecord, 0, len(p.subs))
	for _, s := range p.subs {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b *subRecord) int { return cmp.Compare(a.seq, b.seq) })
	return out
}

func (p *Platform) serveGet(w http.ResponseWriter, r *http.Request, c *caller) {
	now := p.now()
	p.mu.Lock()
	s, aerr := p.lookup(c, r.PathValue("id"), now)
	var in subscription.Info
	if aerr == nil {
		in = p.info(s, now)
	}
	p.mu.Unlock()
	if aerr != nil {
		aerr.write(w)
		return
	}
	writeJSON(w, http.StatusOK, in)
}

func (p *Platform) serveUpdate(w http.ResponseWriter, r *http.Request, c *caller) {
	var req *subscription.UpdateRequest
	body, _ := readAll(r)
	if len(bytes.TrimSpace(body)) > 0 {
		req = new(subscription.UpdateRequest)
		if err := json.Unmarshal(body, req); err != nil {
			invalidParam("body", "Request body is not valid JSON").write(w)
			return
		}
	}
	s, aerr := p.updateSubscription(c, r.PathValue("id"), req, false)
	if aerr != nil {
		aerr.write(w)
		return
	}
	writeJSON(w, http.StatusOK, p.subscriptionInfo(s))
}

func (p *Platform) serveRenew(w http.ResponseWriter, r *http.Request, c *caller) {
	s, aerr := p.renewSubscription(c, r.PathValue("id"), false)
	if aerr != nil {
		aerr.write(w)
		return
	}
	writeJSON(w, http.StatusOK, p.subscriptionInfo(s))
}

func (p *Platform) serveDelete(w http.ResponseWriter, r *http.Request, c *caller) {
	if aerr := p.deleteSubscription(c, r.PathValue("id")); aerr != nil {
		aerr.write(w)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// Subscriptions returns every live subscription, of every extension, in
// creation order.
func (p *Platform) Subscriptions() []subscription.Info {
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	out := []subscription.Info{}
	for _, s := range p.sortedSubs() {
		if s.live(now) {
			out = append(out, p.info(s, now))
		}
	}
	return out
}

// Subscription returns a live subscription by id, whoever owns it.
func (p *Platform) Subscription(id string) (subscription.Info, bool) {
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	s, aerr := p.lookup(nil, id, now)
	if aerr != nil {
		return subscription.Info{}, false
	}
	return p.info(s, now), true
}

// Blacklist marks a live subscription Blacklisted with the given reason, as
// RingCentral does to a webhook that keeps failing: it gets no more
// notifications until it is deleted. It reports false for an unknown or
// expired subscription.
func (p *Platform) Blacklist(id, reason string) bool {
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	s, aerr := p.lookup(nil, id, now)
	if aerr != nil {
		return false
	}
	s.status = subscription.Blacklisted
	s.blacklisted = &subscription.BlacklistedData{BlacklistedAt: now.UTC().Truncate(time.Millisecond), Reason: reason}
	p.log.Debug("notifytest: subscription blacklisted", "id", id)
	return true
}
