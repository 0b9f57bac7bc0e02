package relay

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ringwatch/ringwatch/internal/backoff"
)

// DefaultLeaseTTL is the time to live of a lease's key when WithLeaseTTL
// does not say otherwise: a holder that has died is replaced after at most
// this long (plus the server's expiry sweep).
const DefaultLeaseTTL = 15 * time.Second

// minLeaseTTL is the shortest TTL a lease accepts: JetStream keeps the
// marker of an expired key at least a second.
const minLeaseTTL = time.Second

// leaseOpenTimeout bounds opening (or creating) the buckets, so that an
// unreachable server is reported at start rather than waited for.
const leaseOpenTimeout = 5 * time.Second

// ErrLeaseUnavailable matches the error of a Lease or an Owner that
// cannot reach NATS JetStream when it starts: the connection is closed or
// cannot reach a server in time, JetStream is not enabled, or the server
// refuses the bucket. The error also wraps the cause from nats.go.
var ErrLeaseUnavailable = errors.New("relay: lease: JetStream unavailable")

// ErrLeaseLost is the cause (context.Cause) of the context that Hold gives
// its function when the lease is lost while held: another member holds it
// now, or it could not be renewed in time. The holder must stop acting at
// once.
var ErrLeaseLost = errors.New("relay: lease lost")

// errLeaseDone ends a tenure whose function returned.
var errLeaseDone = errors.New("relay: lease: function returned")

// leaseUnavailable is an error of ErrLeaseUnavailable with its cause.
type leaseUnavailable struct {
	op  string
	err error
}

func (e *leaseUnavailable) Error() string   { return "relay: lease: " + e.op + ": " + e.err.Error() }
func (e *leaseUnavailable) Unwrap() []error { return []error{ErrLeaseUnavailable, e.err} }

// LeaseOption configures a Lease.
type LeaseOption func(*leaseConfig)

type leaseConfig struct {
	ttl         time.Duration
	holder      string
	log         *slog.Logger
	replicas    int
	storage     jetstream.StorageType
	openTimeout time.Duration
	// noStepDown makes Hold leave the key in place when it ends, as a
	// process that dies does (tests).
	noStepDown bool
}

// WithLeaseTTL sets the TTL of the lease's bucket when Hold creates it
// (default DefaultLeaseTTL, at least 1 s). When the bucket exists, its own
// TTL governs the lease: every member then agrees on it.
func WithLeaseTTL(d time.Duration) LeaseOption {
	return func(c *leaseConfig) {
		if d > 0 {
			c.ttl = max(d, minLeaseTTL)
		}
	}
}

// WithLeaseHolder names this member in the lease's value and in logs
// (default: the host name, the process id and a random suffix).
func WithLeaseHolder(id string) LeaseOption {
	return func(c *leaseConfig) {
		if id != "" {
			c.holder = id
		}
	}
}

// WithLeaseLogger logs campaigns, wins, renewal failures and losses to l.
// Without it the Lease is silent.
func WithLeaseLogger(l *slog.Logger) LeaseOption {
	return func(c *leaseConfig) {
		if l != nil {
			c.log = l
		}
	}
}

// WithLeaseReplicas sets the number of replicas of the buckets Hold (and
// an Owner) create, for a NATS cluster (default 1).
func WithLeaseReplicas(n int) LeaseOption {
	return func(c *leaseConfig) {
		if n > 0 {
			c.replicas = n
		}
	}
}

// WithLeaseStorage sets the storage of the buckets Hold (and an Owner)
// create (default jetstream.FileStorage).
func WithLeaseStorage(s jetstream.StorageType) LeaseOption {
	return func(c *leaseConfig) { c.storage = s }
}

// withLeaseOpenTimeout shortens the bound on opening the buckets (tests).
func withLeaseOpenTimeout(d time.Duration) LeaseOption {
	return func(c *leaseConfig) { c.openTimeout = d }
}

// withoutLeaseStepDown makes Hold keep the key when it ends, to simulate
// a member that dies (tests).
func withoutLeaseStepDown() LeaseOption {
	return func(c *leaseConfig) { c.noStepDown = true }
}

// Lease elects one holder among the members that share a key of a
// JetStream key-value bucket whose TTL is the lease's time to live.
//
// A member wins by creating the key (it must be absent: never written,
// deleted, or expired), holds it by updating it with the revision it last
// wrote, and steps down by deleting it with that revision, so that a
// waiting member takes over at once (waiters watch the key, and poll it).
// A holder that dies stops renewing; the key expires after the TTL and
// the server leaves a marker that wakes the waiters.
//
// Timing, for a TTL T (the bucket's): the holder renews every T/4, and
// after a failed renewal retries every T/8. It counts its tenure from the
// moment it sent its last successful write, which the server stored no
// earlier, and gives it up on its own at T - T/4 after that send if no
// renewal succeeded by then: the context given to Hold's function is
// cancelled (ErrLeaseLost) and Held reports false. The server cannot let
// another member win before T after that send, so a holder that is cut off
// from NATS stops acting at least T/4 (the margin) before anybody else can
// start. The margin covers the holder's own timer latency and a request it
// had in flight, which the function bounds with the context; it assumes
// the clocks of the member and the server run at the same rate (not that
// they agree). A renewal that is refused because the key changed (another
// holder, or the key expired) ends the tenure at once.
//
// A Lease is safe for concurrent use, but one Lease holds one tenure at a
// time: Hold calls run one after the other.
type Lease struct {
	js     jetstream.JetStream
	bucket string
	key    string
	cfg    leaseConfig

	mu  sync.Mutex // guards kv and ttl while opening
	kv  jetstream.KeyValue
	ttl time.Duration

	holdMu sync.Mutex // one Hold at a time
	held   atomic.Bool
}

// NewLease returns a Lease on key in the bucket named bucket, reached
// through js. Nothing is sent until Hold. A nil js does not panic: Hold
// then fails with ErrLeaseUnavailable.
func NewLease(js jetstream.JetStream, bucket, key string, opts ...LeaseOption) *Lease {
	c := leaseConfig{
		ttl:         DefaultLeaseTTL,
		log:         slog.New(slog.DiscardHandler),
		replicas:    1,
		storage:     jetstream.FileStorage,
		openTimeout: leaseOpenTimeout,
	}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	if c.holder == "" {
		c.holder = defaultLeaseHolder()
	}
	return &Lease{js: js, bucket: bucket, key: key, cfg: c}
}

func defaultLeaseHolder() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "member"
	}
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), leaseNonce()[:8])
}

// leaseNonce returns 128 random bits in hex.
func leaseNonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails since Go 1.24
	return hex.EncodeToString(b[:])
}

// Holder returns the name this member writes in the lease.
func (l *Lease) Holder() string { return l.cfg.holder }

// Held reports whether this member holds the lease now. It turns false
// as soon as the tenure ends, before the function given to Hold returns.
func (l *Lease) Held() bool { return l.held.Load() }

// TTL returns the lease's time to live: the bucket's TTL once Hold has
// opened it, the configured one before.
func (l *Lease) TTL() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ttl > 0 {
		return l.ttl
	}
	return l.cfg.ttl
}

// leaseTiming is the timing derived from a TTL (see Lease).
type leaseTiming struct {
	ttl, renew, retry, margin, poll time.Duration
}

func timingFor(ttl time.Duration) leaseTiming {
	return leaseTiming{ttl: ttl, renew: ttl / 4, retry: ttl / 8, margin: ttl / 4, poll: ttl / 4}
}

// valid is how long after sending a successful write the holder may act.
func (t leaseTiming) valid() time.Duration { return t.ttl - t.margin }

// open binds the bucket, creating it when absent, within the open timeout.
func (l *Lease) open(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.kv != nil {
		return nil
	}
	if l.js == nil {
		return &leaseUnavailable{op: "open bucket", err: errors.New("nil jetstream.JetStream")}
	}
	ctx, cancel := context.WithTimeout(ctx, l.cfg.openTimeout)
	defer cancel()
	kv, err := leaseOpenBucket(ctx, l.js, jetstream.KeyValueConfig{
		Bucket:         l.bucket,
		Description:    "ringwatch relay lease",
		History:        1,
		TTL:            l.cfg.ttl,
		LimitMarkerTTL: max(l.cfg.ttl, minLeaseTTL),
		Storage:        l.cfg.storage,
		Replicas:       l.cfg.replicas,
	})
	if err != nil {
		return &leaseUnavailable{op: fmt.Sprintf("open bucket %q", l.bucket), err: leaseOpenCause(ctx, err, l.cfg.openTimeout)}
	}
	st, err := kv.Status(ctx)
	if err != nil {
		return &leaseUnavailable{op: fmt.Sprintf("read bucket %q", l.bucket), err: err}
	}
	if st.TTL() <= 0 {
		return fmt.Errorf("relay: lease: bucket %q has no TTL: a holder that dies would keep it", l.bucket)
	}
	if st.TTL() != l.cfg.ttl {
		l.cfg.log.Warn("relay: lease: the bucket's TTL governs the lease", "bucket", l.bucket, "ttl", st.TTL(), "configured", l.cfg.ttl)
	}
	l.kv, l.ttl = kv, st.TTL()
	return nil
}

// leaseOpenCause explains the usual causes of a failure to open a
// bucket.
func leaseOpenCause(ctx context.Context, err error, timeout time.Duration) error {
	switch {
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil:
		return fmt.Errorf("no answer from NATS within %v: %w", timeout, err)
	case errors.Is(err, nats.ErrNoResponders):
		return fmt.Errorf("is JetStream enabled on the server? %w", err)
	}
	return err
}

// leaseOpenBucket binds a bucket, creating it with cfg when absent (and
// binding it when another member created it meanwhile).
func leaseOpenBucket(ctx context.Context, js jetstream.JetStream, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	kv, err := js.KeyValue(ctx, cfg.Bucket)
	if err == nil || !errors.Is(err, jetstream.ErrBucketNotFound) {
		return kv, err
	}
	kv, err = js.CreateKeyValue(ctx, cfg)
	if errors.Is(err, jetstream.ErrBucketExists) {
		return js.KeyValue(ctx, cfg.Bucket)
	}
	return kv, err
}

// leaseValue is what a holder writes: its name and a nonce of its tenure,
// so that it recognises its own write after an ambiguous answer.
type leaseValue struct {
	Holder string    `json:"holder"`
	Term   string    `json:"term"`
	Since  time.Time `json:"since"`
}

// leaseTerm is one tenure: the revision last written and until when the
// holder may act.
type leaseTerm struct {
	value      []byte
	rev        uint64
	validUntil time.Time
}

// Hold campaigns for the lease until it wins it or ctx ends, then runs fn
// with a context that is cancelled when the tenure ends: when ctx ends, or
// when the lease is lost (context.Cause is then ErrLeaseLost). While fn
// runs, Hold renews the lease in the background. When fn returns, Hold
// stops renewing and, unless the lease was lost, steps down by deleting
// the key with its revision (on its own bounded context, so that this also
// happens when ctx has ended), so that a waiting member takes over at
// once.
//
// Hold returns an error wrapping ErrLeaseLost when the lease was lost;
// otherwise fn's error if any, ctx's error when ctx ended, or nil when fn
// returned of its own accord. It fails with ErrLeaseUnavailable when the
// bucket cannot be opened (bounded by 5 s). fn must stop acting as soon as
// its context is done.
func (l *Lease) Hold(ctx context.Context, fn func(ctx context.Context) error) error {
	if fn == nil {
		return errors.New("relay: lease: Hold: nil function")
	}
	l.holdMu.Lock()
	defer l.holdMu.Unlock()
	if err := l.open(ctx); err != nil {
		return err
	}
	tm := timingFor(l.TTL())
	term, err := l.campaign(ctx, tm)
	if err != nil {
		return err
	}
	held, lose := context.WithCancelCause(ctx)
	defer lose(nil)
	l.held.Store(true)
	l.cfg.log.Info("relay: lease won", "bucket", l.bucket, "key", l.key, "holder", l.cfg.holder, "revision", term.rev)

	kept := make(chan struct{})
	go func() {
		defer close(kept)
		l.keep(held, lose, term, tm)
	}()
	ferr := fn(held)
	lose(errLeaseDone) // stops keep; a loss reported first stays the cause
	<-kept
	l.held.Store(false)
	lost := errors.Is(context.Cause(held), ErrLeaseLost)
	if !lost && !l.cfg.noStepDown {
		l.release(ctx, term, tm)
	}
	switch {
	case lost:
		return context.Cause(held)
	case ferr != nil:
		return ferr
	}
	return ctx.Err()
}

// campaign tries to create the key until it succeeds or ctx ends. It
// tries at once, whenever the key is deleted or expires (a watch), and
// every poll interval.
func (l *Lease) campaign(ctx context.Context, tm leaseTiming) (*leaseTerm, error) {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var updates <-chan jetstream.KeyValueEntry
	if w, err := l.kv.Watch(wctx, l.key, jetstream.UpdatesOnly()); err == nil {
		defer func() { _ = w.Stop() }()
		updates = w.Updates()
	} else {
		l.cfg.log.Debug("relay: lease: watch failed; polling only", "err", err)
	}
	poll := time.NewTimer(0)
	defer poll.Stop()
	var pending *leaseTerm // a create whose answer was lost
	failures := 0
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case e, ok := <-updates:
			if !ok {
				updates = nil
				continue
			}
			if e == nil || e.Operation() == jetstream.KeyValuePut {
				continue // held by someone; wait
			}
		case <-poll.C:
		}
		value, _ := json.Marshal(leaseValue{Holder: l.cfg.holder, Term: leaseNonce(), Since: time.Now().UTC()})
		sent := time.Now()
		opCtx, opCancel := context.WithTimeout(ctx, tm.valid())
		rev, err := l.kv.Create(opCtx, l.key, value)
		opCancel()
		switch {
		case err == nil:
			return &leaseTerm{value: value, rev: rev, validUntil: sent.Add(tm.valid())}, nil
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case leaseConflict(err):
			if pending != nil {
				if t, ok := l.recognise(ctx, pending, tm); ok {
					return t, nil
				}
				pending = nil
			}
			failures = 0
			poll.Reset(tm.poll)
		default:
			// The create may have been stored although its answer was
			// lost: remember it, to recognise it on the next attempt.
			pending = &leaseTerm{value: value, validUntil: sent.Add(tm.valid())}
			failures++
			l.cfg.log.Warn("relay: lease: campaign", "bucket", l.bucket, "key", l.key, "attempt", failures, "err", err)
			poll.Reset(backoff.Jittered(failures, tm.poll, 4*tm.ttl))
		}
	}
}

// recognise reports whether the key holds t's value (a write of ours
// whose answer was lost), and returns t with the key's revision then. It
// is not ours once t's tenure would have ended.
func (l *Lease) recognise(ctx context.Context, t *leaseTerm, tm leaseTiming) (*leaseTerm, bool) {
	if !time.Now().Before(t.validUntil) {
		return nil, false
	}
	opCtx, cancel := context.WithDeadline(ctx, t.validUntil)
	defer cancel()
	e, err := l.kv.Get(opCtx, l.key)
	if err != nil || !bytes.Equal(e.Value(), t.value) {
		return nil, false
	}
	return &leaseTerm{value: t.value, rev: e.Revision(), validUntil: t.validUntil}, true
}

// leaseConflict reports whether err says the key was not as expected: it
// exists (create), or has another revision (update).
func leaseConflict(err error) bool {
	if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return true
	}
	var ae *jetstream.APIError
	return errors.As(err, &ae) && (ae.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
		ae.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant)
}

// keep renews the lease until held ends, and ends the
// tenure (lose with ErrLeaseLost) when a renewal is refused or none
// succeeds before the tenure runs out.
func (l *Lease) keep(held context.Context, lose context.CancelCauseFunc, t *leaseTerm, tm leaseTiming) {
	end := func(why string, err error) {
		l.held.Store(false)
		l.cfg.log.Warn("relay: lease lost", "bucket", l.bucket, "key", l.key, "holder", l.cfg.holder, "why", why, "err", err)
		lose(fmt.Errorf("%w: %s/%s: %s", ErrLeaseLost, l.bucket, l.key, why))
	}
	renew := time.NewTimer(tm.renew)
	defer renew.Stop()
	expire := time.NewTimer(time.Until(t.validUntil))
	defer expire.Stop()
	for {
		select {
		case <-held.Done():
			return
		case <-expire.C:
			end("not renewed in time", nil)
			return
		case <-renew.C:
		}
		opCtx, cancel := context.WithDeadline(held, t.validUntil)
		sent := time.Now()
		rev, err := l.kv.Update(opCtx, l.key, t.value, t.rev)
		cancel()
		switch {
		case err == nil:
			t.rev, t.validUntil = rev, sent.Add(tm.valid())
			expire.Reset(time.Until(t.validUntil))
			renew.Reset(tm.renew)
		case held.Err() != nil:
			return // the tenure ended meanwhile (ctx, or fn returned)
		case leaseConflict(err) || errors.Is(err, jetstream.ErrKeyNotFound):
			// A renewal whose answer was lost may have moved the revision.
			if r, ok := l.recognise(held, t, tm); ok {
				t.rev = r.rev
				renew.Reset(0)
				continue
			}
			end("taken over or expired", err)
			return
		default:
			if time.Now().Before(t.validUntil) {
				l.cfg.log.Warn("relay: lease: renewal failed; retrying", "bucket", l.bucket, "key", l.key, "err", err)
			}
			renew.Reset(tm.retry)
		}
	}
}

// release steps down: it deletes the key if it still holds this tenure's
// revision (or this tenure's value, after a renewal whose answer was
// lost), on a context of its own bounded by the TTL.
func (l *Lease) release(ctx context.Context, t *leaseTerm, tm leaseTiming) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), tm.ttl)
	defer cancel()
	err := l.kv.Delete(rctx, l.key, jetstream.LastRevision(t.rev))
	if err != nil && leaseConflict(err) {
		if e, gerr := l.kv.Get(rctx, l.key); gerr == nil && bytes.Equal(e.Value(), t.value) {
			err = l.kv.Delete(rctx, l.key, jetstream.LastRevision(e.Revision()))
		}
	}
	if err != nil {
		l.cfg.log.Warn("relay: lease: step down", "bucket", l.bucket, "key", l.key, "err", err)
		return
	}
	l.cfg.log.Info("relay: lease released", "bucket", l.bucket, "key", l.key, "holder", l.cfg.holder)
}
