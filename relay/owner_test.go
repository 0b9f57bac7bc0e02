package relay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
	"github.com/ringwatch/ringwatch/subscription"
)

// Owner test timing: a 1.5 s lease, a 6 s subscription (RingCentral
// answers 5 s left, so the owner renews about every 2 s: 3 s before
// expiry, twice the lease TTL), a check every second.
const (
	ownerTestTTL       = 1500 * time.Millisecond
	ownerTestExpiresIn = 6 * time.Second
)

var ownerTestFilters = []subscription.Filter{subscription.AccountTelephonySessions()}

// ownerTestMember is one member running an Owner.
type ownerTestMember struct {
	name   string
	o      *Owner
	nc     *nats.Conn
	cancel context.CancelFunc
	done   chan struct{} // closed when Run has returned
	err    error         // Run's result, once done
}

func (m *ownerTestMember) stop(t testing.TB) {
	t.Helper()
	m.cancel()
	select {
	case <-m.done:
		if m.err != nil {
			t.Errorf("%s: Run = %v, want nil after ctx ends", m.name, m.err)
		}
	case <-time.After(10 * time.Second):
		t.Errorf("%s: Run did not return", m.name)
	}
}

// startOwner starts a member; extra options come after the test's.
func startOwner(t testing.TB, s *server.Server, env *ownerTestEnv, name string, opts ...OwnerOption) *ownerTestMember {
	t.Helper()
	nc, js := leaseTestConn(t, s)
	all := append([]OwnerOption{
		WithOwnerExpiresIn(ownerTestExpiresIn),
		WithOwnerCheckInterval(time.Second),
		WithOwnerBackoff(50*time.Millisecond, 500*time.Millisecond),
		WithOwnerLeaseOptions(WithLeaseTTL(ownerTestTTL), WithLeaseHolder(name)),
	}, opts...)
	o := NewOwner(env.client(t, name), js, env.receiver.URL, env.token, ownerTestFilters, all...)
	ctx, cancel := context.WithCancel(context.Background())
	m := &ownerTestMember{name: name, o: o, nc: nc, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(m.done)
		m.err = o.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-m.done:
		case <-time.After(10 * time.Second):
		}
	})
	return m
}

// ownerOf waits for one of ms to own the subscription and returns it.
func ownerOf(t testing.TB, ms []*ownerTestMember, d time.Duration) *ownerTestMember {
	t.Helper()
	var got *ownerTestMember
	leaseTestWait(t, d, "an owner maintaining a subscription", func() bool {
		for _, m := range ms {
			if m.o.IsOwner() && m.o.SubscriptionID() != "" {
				got = m
				return true
			}
		}
		return false
	})
	return got
}

func ownerTestCount(reqs []ownerTestReq, member, op string) int {
	n := 0
	for _, r := range reqs {
		if (member == "" || r.member == member) && r.op == op {
			n++
		}
	}
	return n
}

// checkNoLapse checks that the subscription id was created or renewed
// before each expiry: no gap between two successive create/renew requests
// (of any member) reaches the lifetime, and it is alive at the end.
func checkNoLapse(t *testing.T, env *ownerTestEnv, reqs []ownerTestReq, id string, life time.Duration) {
	t.Helper()
	var last time.Time
	var longest time.Duration
	for _, r := range reqs {
		if r.op != "create" && !(r.op == "renew" && r.id == id) {
			continue
		}
		if !last.IsZero() {
			longest = max(longest, r.at.Sub(last))
		}
		last = r.at
	}
	t.Logf("longest time between two renewals: %v (lifetime %v)", longest, life)
	if longest >= life {
		t.Errorf("the subscription lapsed: %v between renewals, lifetime %v", longest, life)
	}
	if _, ok := env.p.Subscription(id); !ok {
		t.Errorf("subscription %s is not alive at the end", id)
	}
}

// Three members campaign: exactly one creates the subscription and renews
// it; when it dies (no step-down), another takes the renewals over within
// the lease TTL and adopts the same subscription, which never lapses.
// Renewals come from one member at a time.
func TestOwnerOneMemberAtATimeAndTakeover(t *testing.T) {
	leakcheck.Check(t)
	s := leaseTestServer(t)
	env := newOwnerTestEnv(t)
	var ms []*ownerTestMember
	for i := range 3 {
		ms = append(ms, startOwner(t, s, env, fmt.Sprintf("m%d", i), WithOwnerLeaseOptions(withoutLeaseStepDown())))
	}
	first := ownerOf(t, ms, 10*time.Second)
	id := first.o.SubscriptionID()
	leaseTestWait(t, 10*time.Second, "two renewals by the first owner", func() bool {
		return ownerTestCount(env.subscriptionRequests(), first.name, "renew") >= 2
	})
	for _, m := range ms {
		if m != first && (m.o.IsOwner() || m.o.SubscriptionID() != "") {
			t.Errorf("%s acts as owner too", m.name)
		}
	}

	// Kill the owner: its context ends, it does not step down.
	killed := time.Now()
	first.stop(t)
	var rest []*ownerTestMember
	for _, m := range ms {
		if m != first {
			rest = append(rest, m)
		}
	}
	second := ownerOf(t, rest, 3*ownerTestTTL)
	if got := second.o.SubscriptionID(); got != id {
		t.Errorf("successor maintains %s; want the adopted %s", got, id)
	}
	leaseTestWait(t, 10*time.Second, "two renewals by the successor", func() bool {
		return ownerTestCount(env.subscriptionRequests(), second.name, "renew") >= 2
	})
	for _, m := range rest {
		m.stop(t)
	}

	reqs := env.subscriptionRequests()
	if n := ownerTestCount(reqs, "", "create"); n != 1 {
		t.Errorf("%d subscriptions created; want exactly 1", n)
	}
	// Renewals (and every other subscription request) by one member at a
	// time: the first owner's, then the successor's, never interleaved.
	var runs []string
	for _, r := range reqs {
		if len(runs) == 0 || runs[len(runs)-1] != r.member {
			runs = append(runs, r.member)
		}
	}
	if want := []string{first.name, second.name}; strings.Join(runs, ",") != strings.Join(want, ",") {
		t.Errorf("subscription requests by member, in order: %v; want %v", runs, want)
	}
	var firstRenewal time.Time
	for _, r := range reqs {
		if r.member == second.name && r.op == "renew" {
			firstRenewal = r.at
			break
		}
	}
	took := firstRenewal.Sub(killed)
	t.Logf("the successor renewed %v after the owner died (lease TTL %v)", took, ownerTestTTL)
	if took > ownerTestTTL+ownerTestTTL/2 {
		t.Errorf("the successor renewed %v after the owner died; want within the lease TTL %v (+ half for the server's sweep)", took, ownerTestTTL)
	}
	checkNoLapse(t, env, reqs, id, ownerTestExpiresIn)
	if got := env.p.Subscriptions(); len(got) != 1 {
		t.Errorf("%d live subscriptions; want 1", len(got))
	}
}

// An owner that steps down (its context ends) hands over at once: the
// next member adopts the subscription without waiting for the TTL.
func TestOwnerStepDownHandsOverAtOnce(t *testing.T) {
	leakcheck.Check(t)
	s := leaseTestServer(t)
	env := newOwnerTestEnv(t)
	a := startOwner(t, s, env, "a")
	ownerOf(t, []*ownerTestMember{a}, 10*time.Second)
	id := a.o.SubscriptionID()
	b := startOwner(t, s, env, "b")
	// b campaigns while a holds.
	time.Sleep(ownerTestTTL / 2)
	if b.o.IsOwner() {
		t.Fatal("b owns while a holds the lease")
	}
	stopped := time.Now()
	a.stop(t)
	ownerOf(t, []*ownerTestMember{b}, ownerTestTTL)
	took := time.Since(stopped)
	t.Logf("b took over %v after a stepped down", took)
	if took > timingFor(ownerTestTTL).poll {
		t.Errorf("b took over %v after a stepped down; want at once", took)
	}
	if got := b.o.SubscriptionID(); got != id {
		t.Errorf("b maintains %s; want the adopted %s", got, id)
	}
	b.stop(t)
	reqs := env.subscriptionRequests()
	if n := ownerTestCount(reqs, "", "create"); n != 1 {
		t.Errorf("%d subscriptions created; want 1", n)
	}
	checkNoLapse(t, env, reqs, id, ownerTestExpiresIn)
}

// An owner cut off from NATS stops acting before another member can win:
// none of its requests reach RingCentral after the successor's first.
func TestOwnerCutOffFromNATSStopsActing(t *testing.T) {
	leakcheck.Check(t)
	s := leaseTestServer(t)
	env := newOwnerTestEnv(t)
	a := startOwner(t, s, env, "a", WithOwnerLeaseOptions(withoutLeaseStepDown()))
	ownerOf(t, []*ownerTestMember{a}, 10*time.Second)
	id := a.o.SubscriptionID()
	b := startOwner(t, s, env, "b")
	time.Sleep(ownerTestTTL / 2)

	cut := time.Now()
	a.nc.Close()
	leaseTestWait(t, ownerTestTTL, "a to stop acting", func() bool { return !a.o.IsOwner() })
	stoppedAfter := time.Since(cut)
	ownerOf(t, []*ownerTestMember{b}, 3*ownerTestTTL)
	t.Logf("a stopped acting %v after the cut; b owns %v after it", stoppedAfter, time.Since(cut))
	if got := b.o.SubscriptionID(); got != id {
		t.Errorf("b maintains %s; want the adopted %s", got, id)
	}
	leaseTestWait(t, 10*time.Second, "a renewal by b", func() bool {
		return ownerTestCount(env.subscriptionRequests(), "b", "renew") >= 1
	})
	b.stop(t)
	a.stop(t)
	reqs := env.subscriptionRequests()
	var lastA, firstB time.Time
	for _, r := range reqs {
		switch {
		case r.member == "a":
			lastA = r.at
		case r.member == "b" && firstB.IsZero():
			firstB = r.at
		}
	}
	if !lastA.Before(firstB) {
		t.Errorf("a's last request at %v is not before b's first at %v", lastA, firstB)
	}
	if n := ownerTestCount(reqs, "", "create"); n != 1 {
		t.Errorf("%d subscriptions created; want 1", n)
	}
	checkNoLapse(t, env, reqs, id, ownerTestExpiresIn)
}

// A blacklisted subscription is replaced within the check interval, and
// the record points at the new one, which a successor adopts.
func TestOwnerReplacesBlacklistedSubscription(t *testing.T) {
	leakcheck.Check(t)
	s := leaseTestServer(t)
	env := newOwnerTestEnv(t)
	gaps := make(chan OwnerGap, 4)
	a := startOwner(t, s, env, "a", WithOwnerGapFunc(func(g OwnerGap) { gaps <- g }))
	ownerOf(t, []*ownerTestMember{a}, 10*time.Second)
	old := a.o.SubscriptionID()
	blacklisted := time.Now()
	if !env.p.Blacklist(old, "test") {
		t.Fatal("Blacklist failed")
	}
	leaseTestWait(t, 5*time.Second, "a new subscription", func() bool {
		id := a.o.SubscriptionID()
		return id != "" && id != old
	})
	fresh := a.o.SubscriptionID()
	select {
	case g := <-gaps:
		if g.Reason != "blacklisted" || g.SubscriptionID != fresh || g.Since.After(blacklisted) || g.Until.Before(blacklisted) {
			t.Errorf("gap %+v; want blacklisted, covering %v, for %s", g, blacklisted, fresh)
		}
	case <-time.After(2 * time.Second):
		t.Error("no gap reported for the replaced subscription")
	}
	if _, ok := env.p.Subscription(old); ok {
		t.Errorf("the blacklisted subscription %s was not deleted", old)
	}
	if n := a.o.replacements.Load(); n != 1 {
		t.Errorf("replacements = %d", n)
	}
	a.stop(t)
	b := startOwner(t, s, env, "b")
	ownerOf(t, []*ownerTestMember{b}, 5*time.Second)
	if got := b.o.SubscriptionID(); got != fresh {
		t.Errorf("b maintains %s; want the recorded %s", got, fresh)
	}
	b.stop(t)
	if n := ownerTestCount(env.subscriptionRequests(), "", "create"); n != 2 {
		t.Errorf("%d subscriptions created; want 2 (the first and its replacement)", n)
	}
}

// A subscription RingCentral no longer knows (404 on renewal) is created
// anew.
func TestOwnerRecreatesLostSubscription(t *testing.T) {
	leakcheck.Check(t)
	s := leaseTestServer(t)
	env := newOwnerTestEnv(t)
	gaps := make(chan OwnerGap, 4)
	a := startOwner(t, s, env, "a", WithOwnerGapFunc(func(g OwnerGap) { gaps <- g }))
	ownerOf(t, []*ownerTestMember{a}, 10*time.Second)
	old := a.o.SubscriptionID()
	// Someone else deletes it.
	if err := subscription.NewClient(env.client(t, "intruder")).Delete(t.Context(), old); err != nil {
		t.Fatal(err)
	}
	leaseTestWait(t, 5*time.Second, "a new subscription", func() bool {
		id := a.o.SubscriptionID()
		return id != "" && id != old
	})
	select {
	case g := <-gaps:
		if g.Reason != "not found" || g.SubscriptionID != a.o.SubscriptionID() || !g.Since.Before(g.Until) {
			t.Errorf("gap %+v", g)
		}
	case <-time.After(2 * time.Second):
		t.Error("no gap reported for the lost subscription")
	}
	a.stop(t)
	if got := env.p.Subscriptions(); len(got) != 1 || got[0].ID == old {
		t.Errorf("live subscriptions %v; want only the new one", got)
	}
}

// A member started with another configuration (here another token)
// replaces the recorded subscription instead of adopting it.
func TestOwnerConfigurationChangeReplaces(t *testing.T) {
	leakcheck.Check(t)
	s := leaseTestServer(t)
	env := newOwnerTestEnv(t)
	a := startOwner(t, s, env, "a")
	ownerOf(t, []*ownerTestMember{a}, 10*time.Second)
	old := a.o.SubscriptionID()
	a.stop(t)
	env.token = "another-shared-verification-token-abcdefghij"
	b := startOwner(t, s, env, "b")
	ownerOf(t, []*ownerTestMember{b}, 5*time.Second)
	if got := b.o.SubscriptionID(); got == old {
		t.Errorf("b adopted %s despite the new token", got)
	}
	b.stop(t)
	if _, ok := env.p.Subscription(old); ok {
		t.Errorf("the old subscription %s is still alive", old)
	}
	if got := env.p.Subscriptions(); len(got) != 1 {
		t.Errorf("%d live subscriptions; want 1", len(got))
	}
}

// The record holds the id, the expiry and a fingerprint, never the token.
func TestOwnerRecord(t *testing.T) {
	leakcheck.Check(t)
	s := leaseTestServer(t)
	env := newOwnerTestEnv(t)
	a := startOwner(t, s, env, "a")
	ownerOf(t, []*ownerTestMember{a}, 10*time.Second)
	id := a.o.SubscriptionID()
	a.stop(t)
	_, js := leaseTestConn(t, s)
	kv, err := js.KeyValue(t.Context(), DefaultOwnerStateBucket)
	if err != nil {
		t.Fatal(err)
	}
	e, err := kv.Get(t.Context(), ownerKey)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(e.Value()), env.token) {
		t.Error("the record holds the verification token")
	}
	var rec ownerRecord
	if err := json.Unmarshal(e.Value(), &rec); err != nil {
		t.Fatal(err)
	}
	if rec.SubscriptionID != id || rec.RenewedBy != "a" || rec.ExpiresAt.IsZero() || rec.Fingerprint == "" {
		t.Errorf("record %+v", rec)
	}
	// The lease was released.
	lkv, err := js.KeyValue(t.Context(), DefaultOwnerLeaseBucket)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lkv.Get(t.Context(), ownerKey); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Errorf("lease after Run returned: %v; want released", err)
	}
}

// Unusable arguments and unreachable NATS fail Run at once with a clear
// error.
func TestOwnerRunErrors(t *testing.T) {
	leakcheck.Check(t)
	s := leaseTestServer(t)
	env := newOwnerTestEnv(t)
	rc := env.client(t, "x")
	_, js := leaseTestConn(t, s)
	closedNC, closedJS := leaseTestConn(t, s)
	closedNC.Close()
	cases := []struct {
		name    string
		o       *Owner
		want    string
		unavail bool
	}{
		{"nil client", NewOwner(nil, js, env.receiver.URL, env.token, ownerTestFilters), "relay: owner: nil *ringwatch.Client", false},
		{"nil jetstream", NewOwner(rc, nil, env.receiver.URL, env.token, ownerTestFilters), "relay: lease: open bucket: nil jetstream.JetStream", true},
		{"no token", NewOwner(rc, js, env.receiver.URL, "", ownerTestFilters), "relay: owner: empty verification token", false},
		{"relative URL", NewOwner(rc, js, "/hook", env.token, ownerTestFilters), "relay: owner: public URL", false},
		{"no filters", NewOwner(rc, js, env.receiver.URL, env.token, nil), "relay: owner: no event filters", false},
		{"bad filter", NewOwner(rc, js, env.receiver.URL, env.token, []subscription.Filter{"nonsense"}), "relay: owner: subscription: invalid event filter", false},
		{"NATS closed", NewOwner(rc, closedJS, env.receiver.URL, env.token, ownerTestFilters), `relay: lease: open bucket "ringwatch_owner_lease": nats: connection closed`, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			err := c.o.Run(ctx)
			if err == nil || !strings.HasPrefix(err.Error(), c.want) {
				t.Fatalf("Run = %v; want %q…", err, c.want)
			}
			if errors.Is(err, ErrLeaseUnavailable) != c.unavail {
				t.Errorf("errors.Is(%v, ErrLeaseUnavailable) = %v", err, !c.unavail)
			}
			if strings.Contains(err.Error(), env.token) {
				t.Error("the error holds the token")
			}
		})
	}
	// NATS gone at start: bounded.
	_, goneJS := leaseTestConn(t, s)
	s.Shutdown()
	s.WaitForShutdown()
	o := NewOwner(rc, goneJS, env.receiver.URL, env.token, ownerTestFilters,
		WithOwnerLeaseOptions(withLeaseOpenTimeout(300*time.Millisecond)))
	start := time.Now()
	err := o.Run(t.Context())
	if !errors.Is(err, ErrLeaseUnavailable) || time.Since(start) > 3*time.Second {
		t.Errorf("Run with NATS gone = %v after %v; want ErrLeaseUnavailable at once", err, time.Since(start))
	}
	if o.IsOwner() {
		t.Error("IsOwner after a failed Run")
	}
	_ = ringwatch.ErrNotFound
}

// NATS restarts under a running group: the owner stops acting while it
// cannot renew, and once NATS is back an owner adopts the recorded
// subscription (no second one), which never lapsed.
func TestOwnerResumesAfterNATSRestart(t *testing.T) {
	leakcheck.Check(t)
	opts := leaseTestServerOpts(t)
	s := leaseTestServerWith(t, opts)
	env := newOwnerTestEnv(t)
	a := startOwner(t, s, env, "a")
	b := startOwner(t, s, env, "b")
	ms := []*ownerTestMember{a, b}
	first := ownerOf(t, ms, 10*time.Second)
	id := first.o.SubscriptionID()
	leaseTestWait(t, 5*time.Second, "both members campaigning", func() bool {
		return leaseTestOpened(a.o.lease) && leaseTestOpened(b.o.lease)
	})

	restart := *opts
	restart.Port = s.Addr().(*net.TCPAddr).Port
	s.Shutdown()
	s.WaitForShutdown()
	leaseTestWait(t, ownerTestTTL, "the owner to stop acting", func() bool { return !a.o.IsOwner() && !b.o.IsOwner() })
	leaseTestServerWith(t, &restart)
	again := ownerOf(t, ms, 10*time.Second)
	if got := again.o.SubscriptionID(); got != id {
		t.Errorf("after the restart %s maintains %s; want the recorded %s", again.name, got, id)
	}
	leaseTestWait(t, 10*time.Second, "a renewal after the restart", func() bool {
		n := 0
		for _, r := range env.subscriptionRequests() {
			if r.op == "renew" && r.at.After(time.Now().Add(-time.Second)) {
				n++
			}
		}
		return n > 0
	})
	a.stop(t)
	b.stop(t)
	reqs := env.subscriptionRequests()
	if n := ownerTestCount(reqs, "", "create"); n != 1 {
		t.Errorf("%d subscriptions created; want 1", n)
	}
	checkNoLapse(t, env, reqs, id, ownerTestExpiresIn)
}
