package relay

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"iter"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/internal/lifecycle"
	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/presence"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/telephony"
	"github.com/ringwatch/ringwatch/transport"
)

// Name is the Member's transport name, as notify reports it in
// *notify.Connected.
const Name = "relay"

// ErrPartitionLost is the Reason (and error) a Member reports when it stops
// consuming a partition because it could not renew its lease in time.
var ErrPartitionLost = errors.New("relay: partition lease lost")

// errKilled ends a member killed by a test.
var errKilled = errors.New("relay: member killed")

// Member consumes the partitions of the relay's stream that it holds, as a
// transport.Transport: give it to notify.Subscribe, with its call tracking
// (CallTracking), and read the events as from any other transport. The
// members of one stream share the partitions among themselves: each
// partition is consumed by one member at a time, and a member's partitions
// are taken over by the others when it dies or closes. See the package
// documentation for how.
//
// Open ignores the filters: the RingCentral subscription is created and
// renewed by the relay's Owner, or by whatever feeds the Publishers.
type Member struct {
	nc     *nats.Conn
	js     jetstream.JetStream
	stream jetstream.Stream
	kv     jetstream.KeyValue
	cfg    config
	subj   subjects
	parts  int
	id     string
	calls  *telephony.Tracker
	pres   *presence.Tracker

	mu     sync.Mutex
	state  lifecycle.Lifecycle
	sink   transport.Sink
	cancel context.CancelFunc
	done   chan struct{}
	held   map[int]*partition
	// release says whether the run loop gives its leases back when it
	// stops (Close) or leaves them to expire (a test's kill).
	release bool

	closeOnce sync.Once

	delivered, replayed, poison, gapMarkers, takeovers, releases, lost atomic.Uint64
}

// MemberStats counts what a Member has done.
type MemberStats struct {
	// Delivered counts notifications handed to notify.
	Delivered uint64
	// Replayed counts notifications applied to the trackers, without
	// being reported, to rebuild the state of a partition taken over.
	Replayed uint64
	// Poison counts messages skipped (terminated in JetStream) because
	// they were not a notification, or were delivered too often.
	Poison uint64
	// GapMarkers counts the Gaps received from Publishers.
	GapMarkers uint64
	// Takeovers counts partitions this member started consuming;
	// Releases those it gave back (to balance the group, or at Close);
	// Lost those it stopped consuming because its lease was not renewed in
	// time.
	Takeovers, Releases, Lost uint64
}

// maxDeliver is how often a message may be delivered to members before it
// is taken for poison and skipped.
const maxDeliver = 5

// NewMember returns a Member on nc, a connection it uses but does not own
// (Connect makes one that suits). It creates the stream (WithPartitions)
// and the lease bucket if they do not exist. It fails with ErrUnreachable
// if nc is not connected or JetStream does not answer within ctx, and
// with ErrPartitions if the stream is not one the relay made with the
// same subject prefix.
func NewMember(ctx context.Context, nc *nats.Conn, opts ...Option) (*Member, error) {
	rs, err := openStream(ctx, nc, opts, "new member")
	if err != nil {
		return nil, err
	}
	cfg, js, st, n := rs.cfg, rs.js, rs.st, rs.parts
	bucket := cfg.stream + "_leases"
	kv, err := js.KeyValue(ctx, bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		kv, err = js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket: bucket, Description: "ringwatch relay: partition leases and live members",
			History: 1, TTL: cfg.leaseTTL, Storage: cfg.storage(), Replicas: cfg.replicas,
		})
		if errors.Is(err, jetstream.ErrBucketExists) {
			kv, err = js.KeyValue(ctx, bucket)
		}
	}
	if err != nil {
		return nil, opError("new member", jsError("lease bucket "+bucket, err))
	}
	id := cfg.memberID
	if id == "" {
		id = nats.NewInbox()[len(nats.InboxPrefix):]
	}
	return &Member{
		nc: nc, js: js, stream: st, kv: kv, cfg: cfg, subj: subjects{cfg.prefix}, parts: n, id: id,
		calls: telephony.NewTracker(), pres: presence.NewTracker(),
		held: map[int]*partition{}, release: true,
	}, nil
}

// ID returns the member's id, as the leases name it.
func (m *Member) ID() string { return m.id }

// Name is "relay".
func (m *Member) Name() string { return Name }

// Calls returns the member's telephony tracker: the one CallTracking gives
// notify, and the one a partition's replay rebuilds.
func (m *Member) Calls() *telephony.Tracker { return m.calls }

// Presence returns the member's presence tracker (see Calls).
func (m *Member) Presence() *presence.Tracker { return m.pres }

// CallTracking returns notify's call tracking on the member's trackers,
// with opts added: pass it to notify.Subscribe with the Member, so that a
// partition taken over is replayed into the trackers notify reports from.
func (m *Member) CallTracking(opts ...notify.CallTrackingOption) notify.Option {
	return notify.WithCallTracking(append([]notify.CallTrackingOption{
		notify.UseTracker(m.calls), notify.UsePresenceTracker(m.pres)}, opts...)...)
}

// HoldsCall reports whether this member consumes, now, the partition of
// the call with the given telephonySessionId.
func (m *Member) HoldsCall(telephonySessionID string) bool {
	return m.holds(partitionOf(kindCall, subjectToken(telephonySessionID), m.parts))
}

func (m *Member) holds(p int) bool {
	m.mu.Lock()
	pt, ok := m.held[p]
	m.mu.Unlock()
	return ok && pt.running()
}

// ResyncREST is notify.ResyncREST for a member: the calls a resync reads
// from REST are limited to those of the partitions the member holds, so
// that the members of a group do not each report every call of the
// account after a Gap. Give it to CallTracking.
func (m *Member) ResyncREST(rc *ringwatch.Client) notify.CallTrackingOption {
	return m.ResyncFrom(telephony.NewClient(rc), presence.NewClient(rc))
}

// ResyncFrom is notify.ResyncFrom limited to the member's partitions (see
// ResyncREST).
func (m *Member) ResyncFrom(sessions notify.SessionGetter, pres notify.PresenceGetter) notify.CallTrackingOption {
	if pres != nil {
		pres = heldPresence{m: m, g: pres}
	}
	return notify.ResyncFrom(sessions, pres)
}

// heldPresence keeps, of the active calls that presence lists, those of
// the member's partitions.
type heldPresence struct {
	m *Member
	g notify.PresenceGetter
}

func (h heldPresence) Extension(ctx context.Context, accountID, extensionID string) (*presence.Info, error) {
	info, err := h.g.Extension(ctx, accountID, extensionID)
	return h.keep(info), err
}

func (h heldPresence) Account(ctx context.Context, accountID string, opts *presence.AccountOptions) iter.Seq2[*presence.Info, error] {
	return func(yield func(*presence.Info, error) bool) {
		for info, err := range h.g.Account(ctx, accountID, opts) {
			if !yield(h.keep(info), err) {
				return
			}
		}
	}
}

func (h heldPresence) keep(info *presence.Info) *presence.Info {
	if info == nil {
		return nil
	}
	cp := *info
	cp.ActiveCalls = slices.DeleteFunc(slices.Clone(info.ActiveCalls), func(c presence.ActiveCall) bool {
		return c.TelephonySessionID != "" && !h.m.HoldsCall(c.TelephonySessionID)
	})
	return &cp
}

// Partitions returns the partitions the member consumes now, in order.
func (m *Member) Partitions() []int {
	m.mu.Lock()
	defer m.mu.Unlock()
	var ps []int
	for p, pt := range m.held {
		if pt.running() {
			ps = append(ps, p)
		}
	}
	slices.Sort(ps)
	return ps
}

// Stats returns the member's counters.
func (m *Member) Stats() MemberStats {
	return MemberStats{
		Delivered: m.delivered.Load(), Replayed: m.replayed.Load(), Poison: m.poison.Load(),
		GapMarkers: m.gapMarkers.Load(), Takeovers: m.takeovers.Load(), Releases: m.releases.Load(),
		Lost: m.lost.Load(),
	}
}

// Open joins the group and starts consuming the partitions this member
// wins; it reports *Connected at once. filters are ignored (see Member).
func (m *Member) Open(ctx context.Context, _ []subscription.Filter, sink transport.Sink) error {
	if sink == nil {
		return errors.New("relay: open: nil sink")
	}
	m.mu.Lock()
	if err := m.state.BeginOpen(); err != nil {
		m.mu.Unlock()
		return opError("open", err)
	}
	m.sink = sink
	m.mu.Unlock()
	if err := ctx.Err(); err != nil {
		m.mu.Lock()
		m.state.OpenFailed()
		m.mu.Unlock()
		return opError("open", err)
	}
	if err := connected(m.nc); err != nil {
		m.mu.Lock()
		m.state.OpenFailed()
		m.mu.Unlock()
		return opError("open", err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	m.mu.Lock()
	if !m.state.Opened() {
		m.mu.Unlock()
		cancel()
		return opError("open", transport.ErrClosed)
	}
	m.cancel, m.done = cancel, make(chan struct{})
	m.mu.Unlock()
	sink.State(transport.State{Kind: transport.Connected, At: time.Now(), Reason: "member " + m.id})
	go m.run(runCtx)
	return nil
}

// Close gives the member's partitions back (each after the notification
// being delivered, and once JetStream has its acknowledgement), leaves the
// group, and returns once every goroutine of the member has exited. It is
// idempotent and safe before Open.
func (m *Member) Close(ctx context.Context) error {
	m.closeOnce.Do(func() {
		m.mu.Lock()
		prev := m.state.Close()
		cancel, done := m.cancel, m.done
		m.mu.Unlock()
		if prev != lifecycle.Open || cancel == nil {
			return
		}
		cancel()
		<-done
		m.leave(ctx)
	})
	return nil
}

// kill stops the member as if its process died between two
// notifications: its partitions stop (the last acknowledgement reaches
// JetStream), its leases are left to expire, and its sink fails.
func (m *Member) kill() {
	m.mu.Lock()
	m.release = false
	sink := m.sink
	m.mu.Unlock()
	_ = m.Close(context.Background())
	if sink != nil {
		sink.Fail(errKilled)
	}
}

// leave removes the member's entry from the group.
func (m *Member) leave(ctx context.Context) {
	m.mu.Lock()
	release := m.release
	m.mu.Unlock()
	if !release || !m.nc.IsConnected() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, m.cfg.leaseTTL/3)
	defer cancel()
	_ = m.kv.Delete(ctx, m.memberKey())
}

func (m *Member) memberKey() string         { return "m." + m.id }
func leaseKey(p int) string                 { return "p." + strconv.Itoa(p) }
func (m *Member) consumerName(p int) string { return m.cfg.stream + "_p" + strconv.Itoa(p) }

// run is the member's loop: every third of the lease TTL it renews its
// leases and its presence in the group, watches the connection, and takes
// or gives back partitions to hold its share.
func (m *Member) run(ctx context.Context) {
	defer close(m.done)
	every := m.cfg.leaseTTL / 3
	t := time.NewTicker(every)
	defer t.Stop()
	reconnecting := false
	for {
		switch st := m.nc.Status(); {
		case st == nats.CLOSED:
			m.stopAll(false)
			m.sink.Fail(opError("member", fmt.Errorf("%w: connection closed", ErrUnreachable)))
			return
		case st != nats.CONNECTED && !reconnecting:
			reconnecting = true
			m.sink.State(transport.State{Kind: transport.Reconnecting, At: time.Now(), Reason: "NATS connection lost"})
		case st == nats.CONNECTED && reconnecting:
			reconnecting = false
			m.sink.State(transport.State{Kind: transport.Recovered, At: time.Now(), Reason: "NATS connection back"})
		}
		if !reconnecting {
			m.tick(ctx, every)
		}
		select {
		case <-ctx.Done():
			m.mu.Lock()
			release := m.release
			m.mu.Unlock()
			m.stopAll(release)
			return
		case <-t.C:
		}
	}
}

// tick renews, then balances.
func (m *Member) tick(ctx context.Context, bound time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, bound)
	defer cancel()
	if _, err := m.kv.Put(ctx, m.memberKey(), []byte(m.id)); err != nil {
		m.cfg.log.Warn("relay: member heartbeat failed", "member", m.id, "err", err)
		return
	}
	m.mu.Lock()
	held := make(map[int]*partition, len(m.held))
	for p, pt := range m.held {
		held[p] = pt
	}
	m.mu.Unlock()
	for p, pt := range held {
		if !pt.running() { // stopped by itself (lease lost, consumer deleted, error)
			m.drop(ctx, p, pt, true)
			continue
		}
		sent := time.Now()
		rev, err := m.kv.Update(ctx, leaseKey(p), []byte(m.id), pt.rev)
		if err != nil {
			if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyNotFound) {
				m.lost.Add(1)
				m.cfg.log.Warn("relay: partition lease taken", "partition", p, "member", m.id)
				m.drop(ctx, p, pt, false)
			}
			continue // the partition stops by itself when the lease runs out
		}
		pt.renewed(rev, sent)
	}
	share, err := m.share(ctx)
	if err != nil {
		return
	}
	m.mu.Lock()
	n := len(m.held)
	m.mu.Unlock()
	switch {
	case n > share:
		// Give back one partition per tick, the one ranked last for us.
		ps := m.ranked()
		for i := len(ps) - 1; i >= 0; i-- {
			if pt, ok := held[ps[i]]; ok {
				m.releases.Add(1)
				m.drop(ctx, ps[i], pt, true)
				break
			}
		}
	case n < share:
		for _, p := range m.ranked() {
			if n >= share {
				break
			}
			if _, ok := held[p]; ok {
				continue
			}
			sent := time.Now()
			rev, err := m.kv.Create(ctx, leaseKey(p), []byte(m.id))
			if err != nil {
				continue
			}
			m.start(p, rev, sent)
			n++
		}
	}
}

// share is the number of partitions this member should hold: the live
// members, sorted by id, share the partitions as evenly as they can.
func (m *Member) share(ctx context.Context) (int, error) {
	kl, err := m.kv.ListKeysFiltered(ctx, "m.>")
	if err != nil {
		return 0, err
	}
	var ids []string
	for k := range kl.Keys() {
		ids = append(ids, k[2:])
	}
	if !slices.Contains(ids, m.id) {
		ids = append(ids, m.id)
	}
	slices.Sort(ids)
	i := slices.Index(ids, m.id)
	share := m.parts / len(ids)
	if i < m.parts%len(ids) {
		share++
	}
	return share, nil
}

// ranked returns the partitions in this member's order of preference
// (rendezvous hashing), so that members try different ones first.
func (m *Member) ranked() []int {
	type ps struct {
		p     int
		score uint64
	}
	all := make([]ps, m.parts)
	for p := range all {
		h := fnv.New64a()
		h.Write([]byte(m.id))
		h.Write([]byte{'/'})
		h.Write([]byte(strconv.Itoa(p)))
		all[p] = ps{p, h.Sum64()}
	}
	slices.SortFunc(all, func(a, b ps) int { return cmp.Compare(b.score, a.score) })
	out := make([]int, len(all))
	for i, x := range all {
		out[i] = x.p
	}
	return out
}

// start begins consuming partition p, whose lease has revision rev.
func (m *Member) start(p int, rev uint64, sent time.Time) {
	ctx, cancel := context.WithCancel(context.Background())
	pt := &partition{m: m, p: p, cancel: cancel, done: make(chan struct{})}
	pt.renewed(rev, sent)
	m.mu.Lock()
	m.held[p] = pt
	m.mu.Unlock()
	m.takeovers.Add(1)
	m.cfg.log.Info("relay: partition taken", "partition", p, "member", m.id)
	go pt.work(ctx)
}

// drop stops partition p and, if release, gives its lease back.
func (m *Member) drop(ctx context.Context, p int, pt *partition, release bool) {
	pt.stop()
	m.mu.Lock()
	delete(m.held, p)
	m.mu.Unlock()
	if release {
		_ = m.kv.Delete(ctx, leaseKey(p), jetstream.LastRevision(pt.revision()))
	}
}

// stopAll stops every partition, giving the leases back if release.
func (m *Member) stopAll(release bool) {
	m.mu.Lock()
	held := m.held
	m.held = map[int]*partition{}
	m.mu.Unlock()
	var wg sync.WaitGroup
	for _, pt := range held {
		wg.Go(pt.stop)
	}
	wg.Wait()
	if !release || !m.nc.IsConnected() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), m.cfg.leaseTTL/3)
	defer cancel()
	for p, pt := range held {
		_ = m.kv.Delete(ctx, leaseKey(p), jetstream.LastRevision(pt.revision()))
	}
}
