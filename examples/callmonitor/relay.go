package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/relay"
	"github.com/ringwatch/ringwatch/relay/embedded"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/telephony"
	"github.com/ringwatch/ringwatch/transport"
	"github.com/ringwatch/ringwatch/transport/webhook"
)

// checkRelayFlags checks the relay's flags (-relay, -role, -receivers,
// -members, -partitions).
func checkRelayFlags(o *options) error {
	if o.relay == "" {
		return nil
	}
	if o.relay != "embedded" {
		if u, err := url.Parse(o.relay); err != nil || u.Scheme == "" || u.Host == "" {
			return &usageError{fmt.Sprintf("-relay %q: want embedded or a NATS URL such as nats://host:4222", o.relay)}
		}
	}
	o.role = strings.ToLower(o.role)
	switch o.role {
	case "both", "receiver", "member":
	default:
		return &usageError{fmt.Sprintf("-role %q: want receiver, member or both", o.role)}
	}
	if o.relay == "embedded" && o.role != "both" {
		return &usageError{"-relay embedded runs every role in this process: -role must be both"}
	}
	if o.receivers < 1 || o.receivers > 64 || o.members < 1 || o.members > 64 {
		return &usageError{"-receivers and -members must be between 1 and 64"}
	}
	if o.partitions < 1 || o.partitions > relay.MaxPartitions {
		return &usageError{fmt.Sprintf("-partitions must be between 1 and %d", relay.MaxPartitions)}
	}
	o.transport = "webhook"
	return nil
}

// relayRun is what a run with -relay started, to stop in order.
type relayRun struct {
	conns    []*nats.Conn
	pubs     []*relay.Publisher
	servers  []*hookServer
	owners   []*relay.Owner // one per member: the one holding the lease maintains the subscription
	ownStop  context.CancelFunc
	ownWG    sync.WaitGroup
	gapPub   *relay.Publisher // passes the owners' gaps on to the members
	subs     []*notify.Subscription
	fwd      sync.WaitGroup
	events   chan notify.Event
	failed   chan error
	stopFwd  chan struct{}
	embedded *embedded.Server
}

// runRelay runs callmonitor with the relay: receivers publish RingCentral's
// webhooks to NATS JetStream, members consume the partitions into call
// tracking, and this process prints what the members report, as a run
// without the relay would.
//
// Every member runs a relay.Owner: the one that holds the owners' lease
// creates and renews the RingCentral subscription (posting to the
// receivers' front, with the verification token they share), and another
// takes over when it dies; a subscription it had to replace is reported
// to the members as a Gap. Receivers and members in separate processes
// share the token through RINGWATCH_WEBHOOK_TOKEN, and the members need
// -public-url, the receivers' public address.
func (m *monitor) runRelay(ctx context.Context) int {
	o := m.opts
	r := &relayRun{events: make(chan notify.Event, 256), failed: make(chan error, o.members), stopFwd: make(chan struct{})}
	defer r.stop()
	natsURL := o.relay
	if o.relay == "embedded" {
		srv, err := embedded.Start()
		if err != nil {
			fmt.Fprintln(m.stderr, "callmonitor: cannot start the embedded NATS server:", err)
			return exitError
		}
		r.embedded, natsURL = srv, srv.URL()
	}
	rc := ringwatch.NewClient(m.cfg, ringwatch.WithLogger(m.log))
	filters := m.boardFilters(m.filters())
	token := os.Getenv(envWebhookToken)
	if token == "" && o.role != "both" {
		fmt.Fprintf(m.stderr, "callmonitor: -role %s: set %s, the verification token the receivers and the members' owner share\n", o.role, envWebhookToken)
		return exitUsage
	}
	if o.role == "member" && o.publicURL == "" {
		fmt.Fprintln(m.stderr, "callmonitor: -role member: -public-url, the receivers' public address, is needed to own the subscription")
		return exitUsage
	}
	if token == "" {
		var b [24]byte
		_, _ = rand.Read(b[:])
		token = hex.EncodeToString(b[:])
	}
	start := m.startInfo(filters)
	start.Transport = fmt.Sprintf("webhook through the relay at %s (%s: %d receivers, %d members, %d partitions)",
		natsURL, o.role, o.receivers, o.members, o.partitions)
	if o.role == "member" {
		start.Transport = fmt.Sprintf("the relay at %s (member: %d members)", natsURL, o.members)
	}
	m.out.start(start)
	var err error
	if m.board, err = m.startBoard(); err != nil {
		fmt.Fprintln(m.stderr, "callmonitor:", err)
		return exitError
	}
	defer m.board.stop()
	opts := []relay.Option{relay.WithPartitions(o.partitions)}
	if m.log != nil {
		opts = append(opts, relay.WithLogger(m.log))
	}
	connect := func() (*nats.Conn, error) {
		nc, err := relay.Connect(natsURL)
		if err == nil {
			r.conns = append(r.conns, nc)
		}
		return nc, err
	}

	public := o.publicURL
	if o.role != "member" {
		front, err := m.startReceivers(ctx, r, token, connect, opts)
		if err != nil {
			fmt.Fprintln(m.stderr, "callmonitor:", err)
			return exitError
		}
		if public == "" { // the embedded platform posts on loopback
			public = "http://" + front + "/ringcentral/webhook"
		}
	}
	ownCtx, ownStop := context.WithCancel(context.WithoutCancel(ctx))
	r.ownStop = ownStop
	if o.role != "receiver" {
		for range o.members {
			nc, err := connect()
			if err != nil {
				fmt.Fprintln(m.stderr, "callmonitor:", err)
				return exitError
			}
			mem, err := relay.NewMember(ctx, nc, opts...)
			if err != nil {
				fmt.Fprintln(m.stderr, "callmonitor:", err)
				return exitError
			}
			// A member resynchronises only the calls of its partitions; it
			// starts from what the stream replays, not from REST.
			tracking := []notify.CallTrackingOption{mem.ResyncREST(rc)}
			if o.account {
				tracking = append(tracking, notify.ResyncAccount(0))
			}
			sub, err := notify.Subscribe(ctx, mem, filters, mem.CallTracking(tracking...), notify.WithLogger(m.log))
			if err != nil {
				fmt.Fprintln(m.stderr, "callmonitor: relay member:", err)
				return exitError
			}
			r.subs = append(r.subs, sub)
			r.fwd.Go(func() { r.forward(sub) })
			if err := m.startOwner(ownCtx, r, rc, nc, public, token, filters, opts); err != nil {
				fmt.Fprintln(m.stderr, "callmonitor:", err)
				return exitError
			}
		}
	}

	code := m.relayLoop(ctx, r)
	if m.stopMix != nil {
		m.stopMix()
	}
	var calls []telephony.Call
	var stats notify.Stats
	for _, sub := range r.subs {
		sub.Close()
		calls = append(calls, sub.Calls().Snapshot()...)
		s := sub.Stats()
		stats.Received += s.Received
		stats.Duplicates += s.Duplicates
		stats.DecodeErrors += s.DecodeErrors
		stats.Dropped += s.Dropped
	}
	// The owners step down; a process that ran the whole group removes
	// the subscription, as callmonitor does without the relay; members of
	// a larger group leave it to the group's next owner.
	subID := r.stopOwners()
	var closeErr error
	removed := o.role == "both" && subID != ""
	if removed {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
		closeErr = subscription.NewClient(rc).Delete(cctx, subID)
		cancel()
	}
	if code != exitOK {
		return code
	}
	if closeErr != nil {
		fmt.Fprintln(m.stderr, "callmonitor: could not remove the subscription:", closeErr)
		return exitError
	}
	l := stopLine{Type: "stop", Time: time.Now(), Reason: stopReason(ctx),
		Changes: m.changes, Calls: m.ended, Active: len(buildTable(time.Now(), calls).Calls), Stats: newStopStats(stats)}
	if removed {
		m.out.stop(l)
	} else {
		m.out.emit(l, fmt.Sprintf("callmonitor: stopped (%s): %d state changes, %d calls ended, %d still active; subscription left to the group\n",
			l.Reason, l.Changes, l.Calls, l.Active))
	}
	return exitOK
}

// envWebhookToken names the variable with the verification token that
// receivers and owners in separate processes share.
const envWebhookToken = "RINGWATCH_WEBHOOK_TOKEN"

// startOwner runs a member's Owner: the members' owners elect one that
// maintains the RingCentral subscription.
func (m *monitor) startOwner(ctx context.Context, r *relayRun, rc *ringwatch.Client, nc *nats.Conn, public, token string, filters []subscription.Filter, opts []relay.Option) error {
	if r.gapPub == nil {
		pub, err := relay.NewPublisher(ctx, nc, opts...)
		if err != nil {
			return err
		}
		r.gapPub = pub
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("relay owner: %w", err)
	}
	gaps := r.gapPub.Sink()
	oopts := []relay.OwnerOption{relay.WithOwnerGapFunc(func(g relay.OwnerGap) {
		gaps.State(transport.State{Kind: transport.Gap, At: g.Until, Since: g.Since, Until: g.Until,
			SubscriptionID: g.SubscriptionID, Reason: "subscription replaced: " + g.Reason})
	})}
	if m.log != nil {
		oopts = append(oopts, relay.WithOwnerLogger(m.log))
	}
	own := relay.NewOwner(rc, js, public, token, filters, oopts...)
	r.owners = append(r.owners, own)
	r.ownWG.Go(func() {
		if err := own.Run(ctx); err != nil {
			fmt.Fprintln(m.stderr, "callmonitor: relay owner:", err)
		}
	})
	return nil
}

// stopOwners stops the owners and returns the subscription they kept.
func (r *relayRun) stopOwners() string {
	if r.ownStop == nil {
		return ""
	}
	id := r.subscriptionID() // the owner forgets it as it steps down
	r.ownStop()
	r.ownWG.Wait()
	r.ownStop = nil
	return id
}

// subscriptionID is the id of the subscription an owner maintains, or "".
func (r *relayRun) subscriptionID() string {
	for _, o := range r.owners {
		if id := o.SubscriptionID(); id != "" {
			return id
		}
	}
	return ""
}

// startReceivers starts the webhook receivers and the round-robin front
// before them, and returns the front's address.
func (m *monitor) startReceivers(ctx context.Context, r *relayRun, token string, connect func() (*nats.Conn, error), opts []relay.Option) (string, error) {
	o := m.opts
	listen := o.listen
	if listen == "" {
		listen = ":8080"
		if m.platform != nil {
			listen = "127.0.0.1:0"
		}
	}
	var backends []*url.URL
	for i := range o.receivers {
		nc, err := connect()
		if err != nil {
			return "", err
		}
		pub, err := relay.NewPublisher(ctx, nc, opts...)
		if err != nil {
			return "", err
		}
		r.pubs = append(r.pubs, pub)
		h := webhook.NewHandler(token, webhook.WithDeliver(pub.Deliver), webhook.WithMaxWait(2*time.Second),
			webhook.WithHandlerLogger(m.log))
		addr := "127.0.0.1:0"
		if o.receivers == 1 {
			addr = listen
		}
		srv, ln, err := serve(addr, h, m)
		if err != nil {
			return "", fmt.Errorf("receiver %d: %w", i, err)
		}
		r.servers = append(r.servers, srv)
		backends = append(backends, &url.URL{Scheme: "http", Host: ln.Addr().String()})
		if o.receivers == 1 {
			r.servers[0].addr = ln.Addr().String()
		}
	}
	front := r.servers[0].addr
	if o.receivers > 1 {
		var next atomic.Uint64
		proxy := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(backends[next.Add(1)%uint64(len(backends))])
		}, ErrorLog: slogErrorLog(m.log)}
		srv, ln, err := serve(listen, proxy, m)
		if err != nil {
			return "", fmt.Errorf("front: %w", err)
		}
		r.servers = append(r.servers, srv)
		front = ln.Addr().String()
	}
	return front, nil
}

// serve serves h on addr.
func serve(addr string, h http.Handler, m *monitor) (*hookServer, net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot listen on %s: %w", addr, err)
	}
	s := &hookServer{
		srv: &http.Server{Handler: h, ReadHeaderTimeout: 2 * time.Second, ReadTimeout: 5 * time.Second,
			WriteTimeout: 5 * time.Second, IdleTimeout: 60 * time.Second, MaxHeaderBytes: 16 << 10, ErrorLog: slogErrorLog(m.log)},
		done: make(chan struct{}),
		addr: ln.Addr().String(),
	}
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(ln)
	}()
	return s, ln, nil
}

// forward passes a member's events to the loop, and its failure.
func (r *relayRun) forward(sub *notify.Subscription) {
	for ev := range sub.Events() {
		select {
		case r.events <- ev:
		case <-r.stopFwd:
			return
		}
	}
	if err := sub.Err(); err != nil {
		select {
		case r.failed <- err:
		default:
		}
	}
}

// relayLoop prints the members' events until ctx ends or a member fails.
func (m *monitor) relayLoop(ctx context.Context, r *relayRun) int {
	var tick <-chan time.Time
	if m.opts.table > 0 && len(r.subs) > 0 {
		t := time.NewTicker(m.opts.table)
		defer t.Stop()
		tick = t.C
	}
	// The embedded platform's calls start once the owner has created the
	// subscription, as a real platform's would already be going on.
	var mixTick <-chan time.Time
	if m.platform != nil && m.opts.role == "both" {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		mixTick = t.C
	}
	for {
		select {
		case <-mixTick:
			if r.subscriptionID() != "" {
				m.stopMix = m.startMix(ctx)
				mixTick = nil
			}
		case <-ctx.Done():
			return exitOK
		case err := <-r.failed:
			if ctx.Err() != nil {
				return exitOK
			}
			fmt.Fprintln(m.stderr, "callmonitor: a relay member ended:", err)
			return exitError
		case now := <-tick:
			var calls []telephony.Call
			for _, sub := range r.subs {
				calls = append(calls, sub.Calls().Snapshot()...)
			}
			m.out.table(buildTable(now, calls))
		case ev := <-r.events:
			m.event(ctx, time.Now(), ev)
		}
	}
}

// stop stops what is left running, in order.
func (r *relayRun) stop() {
	for _, sub := range r.subs {
		sub.Close()
	}
	close(r.stopFwd)
	r.fwd.Wait()
	r.stopOwners()
	if r.gapPub != nil {
		r.gapPub.Close()
	}
	for _, s := range r.servers {
		s.stop()
	}
	for _, p := range r.pubs {
		p.Close()
	}
	for _, nc := range r.conns {
		nc.Close()
	}
	if r.embedded != nil {
		r.embedded.Shutdown()
	}
}
