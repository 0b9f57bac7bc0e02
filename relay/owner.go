package relay

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/internal/backoff"
	"github.com/ringwatch/ringwatch/subscription"
)

// Defaults of an Owner.
const (
	// DefaultOwnerLeaseBucket is the bucket of the lease that elects the
	// Owner (its TTL is the lease's).
	DefaultOwnerLeaseBucket = "ringwatch_owner_lease"
	// DefaultOwnerStateBucket is the bucket, without TTL, where the Owner
	// records the subscription it maintains, for its successor to adopt.
	DefaultOwnerStateBucket = "ringwatch_owner_state"
	// DefaultOwnerCheckInterval is how often the Owner reads the
	// subscription back to notice that RingCentral blacklisted or lost it.
	DefaultOwnerCheckInterval = 5 * time.Minute
)

// ownerKey is the key of the lease and of the record.
const ownerKey = "subscription"

// ownerCleanupTimeout bounds the removal of a subscription the Owner
// created but could not record.
const ownerCleanupTimeout = 5 * time.Second

// errOwnerFenced: the record changed under the Owner, so another member
// owns the subscription now.
var errOwnerFenced = errors.New("relay: owner: the subscription record was changed by another member")

// OwnerOption configures an Owner.
type OwnerOption func(*ownerConfig)

type ownerConfig struct {
	leaseBucket, stateBucket string
	leaseOpts                []LeaseOption
	expiresIn                time.Duration
	renewBefore              time.Duration
	checkInterval            time.Duration
	minBackoff, maxBackoff   time.Duration
	log                      *slog.Logger
	onGap                    func(OwnerGap)
}

// OwnerGap says that the owner replaced a subscription that RingCentral
// had blacklisted or lost (or that a new configuration replaced):
// notifications between Since and Until may have been lost, and the
// group's call state should be resynchronised from REST, as a
// transport.Gap makes notify do.
type OwnerGap struct {
	// Since is when the old subscription was last known good (its
	// blacklisting time when RingCentral gives it); Until is when the new
	// one was created.
	Since, Until time.Time
	// SubscriptionID is the new subscription's id.
	SubscriptionID string
	// Reason is "not found", "blacklisted" (or another status in lower
	// case), or "configuration changed".
	Reason string
}

// WithOwnerGapFunc makes the owner call f after it replaced a lost or
// blacklisted subscription, on its own goroutine: f should hand the gap
// on (to the members, for a resync) and return quickly.
func WithOwnerGapFunc(f func(OwnerGap)) OwnerOption {
	return func(c *ownerConfig) { c.onGap = f }
}

// WithOwnerBuckets names the lease's bucket and the record's bucket
// (defaults DefaultOwnerLeaseBucket and DefaultOwnerStateBucket), for
// several deployments on one NATS account. Empty names keep the defaults.
func WithOwnerBuckets(lease, state string) OwnerOption {
	return func(c *ownerConfig) {
		if lease != "" {
			c.leaseBucket = lease
		}
		if state != "" {
			c.stateBucket = state
		}
	}
}

// WithOwnerLeaseOptions configures the Owner's lease: its TTL, this
// member's name, the buckets' replicas and storage (the record's bucket
// gets the same replicas and storage).
func WithOwnerLeaseOptions(opts ...LeaseOption) OwnerOption {
	return func(c *ownerConfig) { c.leaseOpts = append(c.leaseOpts, opts...) }
}

// WithOwnerExpiresIn asks RingCentral for a subscription lifetime (whole
// seconds). By default RingCentral's own default applies (about 7 days).
func WithOwnerExpiresIn(d time.Duration) OwnerOption {
	return func(c *ownerConfig) { c.expiresIn = max(d, 0) }
}

// WithOwnerRenewBefore makes the Owner renew the subscription when less
// than d of its lifetime is left. By default d is a third of the lifetime
// RingCentral granted. Either way it is at least twice the lease's TTL
// (when the lifetime allows), so that when the owner dies just before a
// renewal, its successor wins the lease and renews (it renews on
// adoption) before the subscription expires.
func WithOwnerRenewBefore(d time.Duration) OwnerOption {
	return func(c *ownerConfig) { c.renewBefore = max(d, 0) }
}

// WithOwnerCheckInterval sets how often the Owner reads the subscription
// back (default DefaultOwnerCheckInterval); a blacklisted or vanished
// subscription is replaced within this interval.
func WithOwnerCheckInterval(d time.Duration) OwnerOption {
	return func(c *ownerConfig) {
		if d > 0 {
			c.checkInterval = d
		}
	}
}

// WithOwnerBackoff sets the bounds of the capped exponential backoff with
// jitter between failed attempts to create, renew or record the
// subscription (default 1 s to 5 min). A longer Retry-After from
// RingCentral is honoured.
func WithOwnerBackoff(minDelay, maxDelay time.Duration) OwnerOption {
	return func(c *ownerConfig) {
		if minDelay > 0 && maxDelay >= minDelay {
			c.minBackoff, c.maxBackoff = minDelay, maxDelay
		}
	}
}

// WithOwnerLogger logs the Owner's and its lease's work to l instead of
// the logger of the *ringwatch.Client given to NewOwner. The verification
// token is never logged.
func WithOwnerLogger(l *slog.Logger) OwnerOption {
	return func(c *ownerConfig) {
		if l != nil {
			c.log = l
		}
	}
}

// Owner makes one member of a relay group own the group's RingCentral
// WebHook subscription: every member runs an Owner, and the one that holds
// the lease (see Lease) creates the subscription, pointed at the
// receivers' public URL with the group's shared verification token,
// renews it before it expires, reads it back every check interval and
// replaces it when RingCentral has blacklisted or lost it. The others
// only wait for the lease.
//
// The owner records the subscription's id and expiry in a key-value
// bucket (without TTL); its successor, when it dies or steps down, adopts
// the recorded subscription (reading it back, and renewing it at once)
// instead of creating a second one. The record also holds a fingerprint
// of the address, the filters and the token (SHA-256; never the token), so
// that a change of configuration replaces the subscription. Every write
// of the record is checked against its revision: an owner that was
// replaced cannot overwrite its successor's record.
//
// The subscription outlives the members: Run leaves it in place when it
// returns, for the group's next owner.
type Owner struct {
	api     *subscription.Client
	js      jetstream.JetStream
	address string
	token   string
	filters []subscription.Filter
	fp      string
	cfg     ownerConfig
	lease   *Lease
	nilRC   bool

	mu    sync.Mutex
	state jetstream.KeyValue
	subID string

	running atomic.Bool
	// counters (tests)
	creates, renewals, adoptions, replacements atomic.Uint64
}

// NewOwner returns an Owner for the RingCentral user of rc, electing
// through js among the members that share the buckets. publicURL is where
// RingCentral posts the notifications (the receivers' front);
// verificationToken is the shared token the receivers check (give the
// same one to their webhook Handlers); filters are the event filters to
// subscribe. It logs to rc's logger unless WithOwnerLogger gives another.
// Nothing is sent until Run; a nil rc or js does not panic: Run then
// fails.
func NewOwner(rc *ringwatch.Client, js jetstream.JetStream, publicURL, verificationToken string, filters []subscription.Filter, opts ...OwnerOption) *Owner {
	c := ownerConfig{
		leaseBucket:   DefaultOwnerLeaseBucket,
		stateBucket:   DefaultOwnerStateBucket,
		checkInterval: DefaultOwnerCheckInterval,
		minBackoff:    time.Second,
		maxBackoff:    5 * time.Minute,
		log:           slog.New(slog.DiscardHandler),
	}
	if rc != nil {
		c.log = rc.Logger()
	}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	o := &Owner{
		js:      js,
		address: publicURL,
		token:   verificationToken,
		filters: slices.Clone(filters),
		cfg:     c,
		nilRC:   rc == nil,
	}
	if rc != nil {
		o.api = subscription.NewClient(rc)
	}
	o.fp = ownerFingerprint(publicURL, verificationToken, filters)
	lopts := append([]LeaseOption{WithLeaseLogger(c.log)}, c.leaseOpts...)
	o.lease = NewLease(js, c.leaseBucket, ownerKey, lopts...)
	return o
}

// ownerFingerprint identifies a configuration without revealing the
// token.
func ownerFingerprint(address, token string, filters []subscription.Filter) string {
	fs := make([]string, len(filters))
	for i, f := range filters {
		fs[i] = string(f)
	}
	slices.Sort(fs)
	h := sha256.New()
	h.Write([]byte("ringwatch relay owner v1\x00" + address + "\x00" + token + "\x00" + strings.Join(fs, "\x00")))
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// IsOwner reports whether this member holds the lease, and so maintains
// the subscription, now.
func (o *Owner) IsOwner() bool { return o.lease.Held() }

// Lease returns the Owner's lease (for its TTL and this member's name).
func (o *Owner) Lease() *Lease { return o.lease }

// SubscriptionID returns the id of the subscription this member
// maintains, or "" when it is not the owner.
func (o *Owner) SubscriptionID() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.subID
}

func (o *Owner) setSubscriptionID(id string) {
	o.mu.Lock()
	o.subID = id
	o.mu.Unlock()
}

// Run campaigns for the lease and, while this member holds it, maintains
// the subscription; when the lease is lost it campaigns again. It returns
// nil once ctx ends, after stepping down if it held the lease (the next
// member then takes over at once). It returns an error at once when its
// arguments are unusable, or when NATS JetStream cannot be reached or
// refuses the buckets at start (ErrLeaseUnavailable, within 5 s); later
// failures of NATS or RingCentral are retried with backoff and logged.
// One Run at a time.
func (o *Owner) Run(ctx context.Context) error {
	if err := o.validate(); err != nil {
		return err
	}
	if !o.running.CompareAndSwap(false, true) {
		return errors.New("relay: owner: Run: already running")
	}
	defer o.running.Store(false)
	if err := o.lease.open(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	if err := o.openState(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	failures := 0
	for {
		start := time.Now()
		err := o.lease.Hold(ctx, o.maintain)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			o.cfg.log.Warn("relay: owner: tenure ended", "holder", o.lease.Holder(), "err", err)
		}
		if time.Since(start) < o.lease.TTL() {
			failures++
		} else {
			failures = 0
		}
		if failures > 0 && ownerSleep(ctx, backoff.Jittered(failures, o.cfg.minBackoff, o.cfg.maxBackoff)) != nil {
			return nil
		}
	}
}

func (o *Owner) validate() error {
	switch {
	case o.nilRC:
		return errors.New("relay: owner: nil *ringwatch.Client")
	case o.js == nil:
		return &leaseUnavailable{op: "open bucket", err: errors.New("nil jetstream.JetStream")}
	case o.token == "":
		return errors.New("relay: owner: empty verification token")
	case len(o.filters) == 0:
		return errors.New("relay: owner: no event filters")
	}
	u, err := url.Parse(o.address)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("relay: owner: public URL is not an absolute http(s) URL")
	}
	for _, f := range o.filters {
		if err := f.Validate(); err != nil {
			return fmt.Errorf("relay: owner: %w", err)
		}
	}
	return nil
}

// openState binds the record's bucket, creating it when absent.
func (o *Owner) openState(ctx context.Context) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.state != nil {
		return nil
	}
	lc := o.lease.cfg
	ctx, cancel := context.WithTimeout(ctx, lc.openTimeout)
	defer cancel()
	kv, err := leaseOpenBucket(ctx, o.js, jetstream.KeyValueConfig{
		Bucket:      o.cfg.stateBucket,
		Description: "ringwatch relay: the RingCentral subscription the owner maintains",
		History:     1,
		Storage:     lc.storage,
		Replicas:    lc.replicas,
	})
	if err != nil {
		return &leaseUnavailable{op: fmt.Sprintf("open bucket %q", o.cfg.stateBucket), err: leaseOpenCause(ctx, err, lc.openTimeout)}
	}
	o.state = kv
	return nil
}

// ownerRecord is what the owner records about the subscription.
type ownerRecord struct {
	SubscriptionID string    `json:"subscriptionId"`
	Fingerprint    string    `json:"fingerprint"`
	ExpiresAt      time.Time `json:"expiresAt,omitzero"`
	RenewedBy      string    `json:"renewedBy,omitempty"`
	RenewedAt      time.Time `json:"renewedAt,omitzero"`
}

// ownerTenure is what the owner knows during one tenure.
type ownerTenure struct {
	rec    ownerRecord
	recRev uint64 // 0: no record
	id     string
	expiry time.Time     // local time when the subscription expires
	life   time.Duration // lifetime granted at the last create or renew
	// lastGood is when the subscription was last known good (created,
	// renewed or read back active).
	lastGood time.Time
}

// set records a subscription's id and expiry from RingCentral's answer.
func (t *ownerTenure) set(info *subscription.Info, requested time.Duration) {
	now := time.Now()
	t.id = info.ID
	switch {
	case info.ExpiresIn > 0:
		t.expiry, t.life = now.Add(info.ExpiresIn), info.ExpiresIn
	case !info.ExpirationTime.IsZero():
		t.expiry, t.life = info.ExpirationTime, info.ExpirationTime.Sub(now)
	case requested > 0:
		t.expiry, t.life = now.Add(requested), requested
	}
}

// renewBefore is how long before expiry the owner renews.
func (o *Owner) renewBefore(life time.Duration) time.Duration {
	d := o.cfg.renewBefore
	if d <= 0 {
		d = life / 3
	}
	if floor := 2 * o.lease.TTL(); d < floor && floor < life {
		d = floor
	}
	return d
}

// maintain is the owner's work during one tenure: adopt or create the
// subscription, then renew, check and repair it until ctx ends.
func (o *Owner) maintain(ctx context.Context) error {
	defer o.setSubscriptionID("")
	t := &ownerTenure{}
	if err := o.retry(ctx, "read the record", func() error { return o.load(ctx, t) }); err != nil {
		return err
	}
	if err := o.retry(ctx, "establish the subscription", func() error { return o.establish(ctx, t) }); err != nil {
		return err
	}
	nextCheck := time.Now().Add(o.cfg.checkInterval)
	var retryAt time.Time
	attempt := 0
	for {
		renewAt := t.expiry.Add(-o.renewBefore(t.life))
		if t.expiry.IsZero() {
			renewAt = nextCheck
		}
		if !retryAt.IsZero() {
			renewAt = retryAt
		}
		wake := renewAt
		if nextCheck.Before(wake) {
			wake = nextCheck
		}
		if ownerSleep(ctx, time.Until(wake)) != nil {
			return nil
		}
		now := time.Now()
		if !now.Before(renewAt) {
			err := o.renew(ctx, t)
			switch {
			case err == nil:
				retryAt, attempt = time.Time{}, 0
			case ctx.Err() != nil:
				return nil
			case errors.Is(err, errOwnerFenced):
				return err
			case errors.Is(err, subscription.ErrNotFound):
				retryAt, attempt = time.Time{}, 0
				if err := o.replace(ctx, t, "not found"); err != nil {
					return err
				}
				nextCheck = time.Now().Add(o.cfg.checkInterval)
				continue
			default:
				attempt++
				retryAt = now.Add(o.retryDelay(attempt, err))
				o.cfg.log.Warn("relay: owner: renew subscription", "subscription", t.id, "attempt", attempt, "err", err)
			}
		}
		if now.Before(nextCheck) {
			continue
		}
		reason, err := o.check(ctx, t)
		switch {
		case ctx.Err() != nil:
			return nil
		case reason != "":
			if err := o.replace(ctx, t, reason); err != nil {
				return err
			}
			nextCheck = time.Now().Add(o.cfg.checkInterval)
		case err != nil:
			nextCheck = now.Add(min(o.retryDelay(1, err), o.cfg.checkInterval))
		default:
			nextCheck = now.Add(o.cfg.checkInterval)
		}
	}
}

// retry runs f until it succeeds, ctx ends (nil) or the record is fenced.
func (o *Owner) retry(ctx context.Context, what string, f func() error) error {
	for attempt := 1; ; attempt++ {
		err := f()
		switch {
		case err == nil:
			return nil
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, errOwnerFenced):
			return err
		}
		o.cfg.log.Warn("relay: owner: "+what, "attempt", attempt, "err", err)
		if ownerSleep(ctx, o.retryDelay(attempt, err)) != nil {
			return ctx.Err()
		}
	}
}

// load reads the record.
func (o *Owner) load(ctx context.Context, t *ownerTenure) error {
	e, err := o.state.Get(ctx, ownerKey)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		t.rec, t.recRev = ownerRecord{}, 0
		if e != nil { // deleted: its revision guards the next write
			t.recRev = e.Revision()
		}
		return nil
	case err != nil:
		return fmt.Errorf("relay: owner: read the record: %w", err)
	}
	var rec ownerRecord
	if err := json.Unmarshal(e.Value(), &rec); err != nil {
		o.cfg.log.Warn("relay: owner: unreadable record; replacing it", "err", err)
		rec = ownerRecord{}
	}
	t.rec, t.recRev = rec, e.Revision()
	return nil
}

// save writes the record, checked against the revision read or last
// written.
func (o *Owner) save(ctx context.Context, t *ownerTenure) error {
	rec := ownerRecord{SubscriptionID: t.id, Fingerprint: o.fp, ExpiresAt: t.expiry.UTC(),
		RenewedBy: o.lease.Holder(), RenewedAt: time.Now().UTC()}
	b, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("relay: owner: record: %w", err)
	}
	var rev uint64
	if t.recRev == 0 {
		rev, err = o.state.Create(ctx, ownerKey, b)
	} else {
		rev, err = o.state.Update(ctx, ownerKey, b, t.recRev)
	}
	switch {
	case err == nil:
		t.rec, t.recRev = rec, rev
		return nil
	case leaseConflict(err):
		return errOwnerFenced
	}
	return fmt.Errorf("relay: owner: write the record: %w", err)
}

// establish adopts the recorded subscription, renewing it at once, or
// creates one.
func (o *Owner) establish(ctx context.Context, t *ownerTenure) error {
	id := t.rec.SubscriptionID
	switch {
	case id == "":
		return o.create(ctx, t, "none recorded", time.Time{})
	case t.rec.Fingerprint != o.fp:
		o.cfg.log.Warn("relay: owner: configuration changed; replacing the subscription", "subscription", id)
		since := time.Now()
		o.deleteQuietly(ctx, id)
		return o.create(ctx, t, "configuration changed", since)
	}
	// The record's last renewal is the last time the subscription was
	// known good.
	since := t.rec.RenewedAt
	if since.IsZero() {
		since = time.Now()
	}
	info, err := o.api.Get(ctx, id)
	switch {
	case errors.Is(err, subscription.ErrNotFound):
		o.cfg.log.Warn("relay: owner: recorded subscription not found; creating one", "subscription", id)
		return o.create(ctx, t, "not found", since)
	case err != nil:
		return fmt.Errorf("relay: owner: read subscription %s: %w", id, err)
	case info.Status != subscription.Active && info.Status != "":
		o.cfg.log.Warn("relay: owner: recorded subscription not active; replacing it", "subscription", id, "status", string(info.Status))
		if b := info.BlacklistedData; b != nil && !b.BlacklistedAt.IsZero() {
			since = b.BlacklistedAt
		}
		o.deleteQuietly(ctx, id)
		return o.create(ctx, t, strings.ToLower(string(info.Status)), since)
	}
	t.set(info, o.cfg.expiresIn)
	o.setSubscriptionID(t.id)
	err = o.renew(ctx, t)
	if errors.Is(err, subscription.ErrNotFound) {
		return o.create(ctx, t, "not found", since)
	}
	if err != nil {
		return err
	}
	o.adoptions.Add(1)
	o.cfg.log.Info("relay: owner: adopted the subscription", "subscription", t.id, "holder", o.lease.Holder())
	return nil
}

// create creates a subscription and records it; one that cannot be
// recorded is deleted, since no successor could find it.
//
// A subscription that replaces one lost since a known time (not zero)
// reports that gap (WithOwnerGapFunc).
func (o *Owner) create(ctx context.Context, t *ownerTenure, reason string, since time.Time) error {
	req := subscription.CreateRequest{
		EventFilters: slices.Clone(o.filters),
		DeliveryMode: subscription.DeliveryMode{
			TransportType:     subscription.TransportWebHook,
			Address:           o.address,
			VerificationToken: o.token,
		},
		ExpiresIn: o.cfg.expiresIn,
	}
	info, err := o.api.Create(ctx, req)
	if err != nil {
		return fmt.Errorf("relay: owner: create subscription: %w", err)
	}
	if info == nil || info.ID == "" {
		return errors.New("relay: owner: create subscription: answer without id")
	}
	t.set(info, o.cfg.expiresIn)
	err = o.retry(ctx, "record the subscription", func() error { return o.save(ctx, t) })
	if err != nil {
		o.cfg.log.Warn("relay: owner: created subscription not recorded; deleting it", "subscription", info.ID, "err", err)
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ownerCleanupTimeout)
		o.deleteQuietly(dctx, info.ID)
		cancel()
		t.id = ""
		return err
	}
	o.creates.Add(1)
	o.setSubscriptionID(t.id)
	t.lastGood = time.Now()
	o.cfg.log.Info("relay: owner: created the subscription", "subscription", t.id, "reason", reason, "holder", o.lease.Holder())
	if !since.IsZero() && o.cfg.onGap != nil {
		o.cfg.onGap(OwnerGap{Since: since, Until: t.lastGood, SubscriptionID: t.id, Reason: reason})
	}
	return nil
}

// renew renews the subscription and records its new expiry.
func (o *Owner) renew(ctx context.Context, t *ownerTenure) error {
	info, err := o.api.Renew(ctx, t.id)
	if err != nil {
		return err
	}
	if info != nil && info.ID == t.id {
		t.set(info, o.cfg.expiresIn)
	}
	o.renewals.Add(1)
	t.lastGood = time.Now()
	o.cfg.log.Debug("relay: owner: subscription renewed", "subscription", t.id)
	if err := o.save(ctx, t); err != nil {
		if errors.Is(err, errOwnerFenced) {
			return err
		}
		// The record's expiry is advisory; the next renewal writes it.
		o.cfg.log.Warn("relay: owner: record the renewal", "subscription", t.id, "err", err)
	}
	return nil
}

// check reads the subscription back; reason is non-empty when it must be
// replaced.
func (o *Owner) check(ctx context.Context, t *ownerTenure) (reason string, err error) {
	info, err := o.api.Get(ctx, t.id)
	switch {
	case errors.Is(err, subscription.ErrNotFound):
		return "not found", nil
	case err != nil:
		o.cfg.log.Warn("relay: owner: read subscription", "subscription", t.id, "err", err)
		return "", err
	case info.Status != subscription.Active && info.Status != "":
		return strings.ToLower(string(info.Status)), nil
	}
	// The lifetime granted at the last renewal stays: the renewal time
	// keeps to it.
	life := t.life
	t.lastGood = time.Now()
	t.set(info, o.cfg.expiresIn)
	if life > 0 {
		t.life = life
	}
	return "", nil
}

// replace deletes the subscription (best effort) and creates another,
// retrying until it succeeds or ctx ends.
func (o *Owner) replace(ctx context.Context, t *ownerTenure, reason string) error {
	o.cfg.log.Warn("relay: owner: replacing the subscription", "subscription", t.id, "reason", reason)
	if reason != "not found" {
		o.deleteQuietly(ctx, t.id)
	}
	o.setSubscriptionID("")
	since := t.lastGood
	if err := o.retry(ctx, "re-create the subscription", func() error { return o.create(ctx, t, reason, since) }); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	o.replacements.Add(1)
	return nil
}

func (o *Owner) deleteQuietly(ctx context.Context, id string) {
	if err := o.api.Delete(ctx, id); err != nil && !errors.Is(err, subscription.ErrNotFound) && ctx.Err() == nil {
		o.cfg.log.Warn("relay: owner: delete subscription", "subscription", id, "err", err)
	}
}

// retryDelay is the wait before retry attempt, at least a Retry-After.
func (o *Owner) retryDelay(attempt int, err error) time.Duration {
	d := backoff.Jittered(attempt, o.cfg.minBackoff, o.cfg.maxBackoff)
	var ae *ringwatch.APIError
	if errors.As(err, &ae) && ae.RetryAfter > d {
		d = ae.RetryAfter
	}
	return d
}

// ownerSleep waits d or until ctx ends (its error).
func ownerSleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}
