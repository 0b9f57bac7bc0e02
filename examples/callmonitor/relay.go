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
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/relay"
	"github.com/ringwatch/ringwatch/relay/embedded"
	"github.com/ringwatch/ringwatch/telephony"
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
	owner    *webhook.Transport // the RingCentral subscription (see below)
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
// The RingCentral subscription is created and renewed by a webhook
// Transport whose Gaps go to the relay; its own Handler is not served
// (the receivers' are). In a deployment of several receiver processes,
// the relay's Owner elects the one process that does this; until then,
// give -public-url to one receiver process only.
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
	filters := m.filters()
	start := m.startInfo(filters)
	start.Transport = fmt.Sprintf("webhook through the relay at %s (%s: %d receivers, %d members, %d partitions)",
		natsURL, o.role, o.receivers, o.members, o.partitions)
	if o.role == "member" {
		start.Transport = fmt.Sprintf("the relay at %s (member: %d members)", natsURL, o.members)
	}
	m.out.start(start)
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

	if o.role != "member" {
		if err := m.startReceivers(ctx, r, rc, connect, opts); err != nil {
			fmt.Fprintln(m.stderr, "callmonitor:", err)
			return exitError
		}
	}
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
		}
	}

	if m.platform != nil && o.role == "both" {
		m.stopMix = m.startMix(ctx)
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
	var closeErr error
	if r.owner != nil {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
		closeErr = r.owner.Close(cctx)
		cancel()
		r.owner = nil
	}
	if code != exitOK {
		return code
	}
	if closeErr != nil {
		fmt.Fprintln(m.stderr, "callmonitor: could not remove the subscription:", closeErr)
		return exitError
	}
	m.out.stop(stopLine{Type: "stop", Time: time.Now(), Reason: stopReason(ctx),
		Changes: m.changes, Calls: m.ended, Active: len(buildTable(time.Now(), calls).Calls), Stats: newStopStats(stats)})
	return exitOK
}

// startReceivers starts the webhook receivers, the round-robin front
// before them, and the RingCentral subscription that posts to the front.
func (m *monitor) startReceivers(ctx context.Context, r *relayRun, rc *ringwatch.Client, connect func() (*nats.Conn, error), opts []relay.Option) error {
	o := m.opts
	var b [24]byte
	_, _ = rand.Read(b[:])
	token := hex.EncodeToString(b[:])
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
			return err
		}
		pub, err := relay.NewPublisher(ctx, nc, opts...)
		if err != nil {
			return err
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
			return fmt.Errorf("receiver %d: %w", i, err)
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
			return fmt.Errorf("front: %w", err)
		}
		r.servers = append(r.servers, srv)
		front = ln.Addr().String()
	}
	public := o.publicURL
	if public == "" {
		public = "http://" + front + "/ringcentral/webhook"
	}
	r.owner = webhook.New(rc, public, webhook.WithVerificationToken(token), webhook.WithLogger(m.log))
	if err := r.owner.Open(ctx, m.filters(), r.pubs[0].Sink()); err != nil {
		r.owner = nil
		return fmt.Errorf("cannot subscribe at %s: %w", m.serverURL(), err)
	}
	return nil
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
	for {
		select {
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
	if r.owner != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		_ = r.owner.Close(ctx)
		cancel()
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
