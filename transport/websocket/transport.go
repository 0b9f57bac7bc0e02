package websocket

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/internal/backoff"
	"github.com/ringwatch/ringwatch/internal/lifecycle"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/transport"
)

// Name is the transport's name in transport.Message.Transport.
const Name = "websocket"

// subscriptionPath is where the subscription is created over the socket.
const subscriptionPath = "/restapi/v1.0/subscription/"

// Transport receives notifications over RingCentral's WebSocket Gateway.
// Create it with New and hand it to notify.Subscribe.
type Transport struct {
	serverURL  string
	hc         *http.Client
	dialClient *http.Client
	opts       options

	mu      sync.Mutex
	life    lifecycle.Lifecycle
	filters []subscription.Filter
	sink    transport.Sink
	runCtx  context.Context
	cancel  context.CancelFunc
	cur     *conn
	subID   string
	wsc     *wsc
	recTO   time.Duration // recoveryTimeout of the current session
	// subHeld says that the session of wsc holds subID: a session whose
	// recovery failed has a new wsc but no subscription until it is
	// created again, and recovering it would bring nothing.
	subHeld bool
	wg      sync.WaitGroup

	// ownDial is the dial client's transport when New made it (closed by
	// Close).
	ownDial *http.Transport

	// Delivery (deliver.go): readers queue, one goroutine delivers.
	q        *queue
	dctx     context.Context // cancelled when Close begins
	dcancel  context.CancelFunc
	sinkDone bool          // the sink refused a delivery; delivery goroutine only
	openAck  chan struct{} // closed once Open's Connected is delivered
}

var _ transport.Transport = (*Transport)(nil)

// New returns a transport for the RingCentral user of rc. It asks rc's
// platform for the gateway token with rc's authorised client (the only
// request that carries the REST access token), and logs to rc's logger
// unless WithLogger gives another. A nil rc does not panic: Open then
// fails.
//
// The gateway is never dialled with rc's client: it authenticates the
// single-use token in the gateway URL, and the REST access token has no
// business on the gateway host. The transport dials with a client of its
// own (a clone of http.DefaultTransport: proxy from the environment,
// default TLS) unless WithDialClient gives one.
func New(rc *ringwatch.Client, opts ...Option) *Transport {
	o := defaultOptions()
	if rc != nil {
		o.logger = rc.Logger()
	}
	for _, f := range opts {
		if f != nil {
			f(&o)
		}
	}
	t := &Transport{opts: o, recTO: o.recoveryTimeout}
	if rc != nil {
		t.serverURL, t.hc = strings.TrimRight(rc.ServerURL(), "/"), rc.HTTPClient()
	}
	t.q = newQueue(o.deliveryBuffer, defaultDeliveryBytes)
	t.dialClient = o.dialClient
	if t.dialClient == nil {
		t.ownDial, t.dialClient = dialClient()
	}
	return t
}

// dialClient returns a client for the upgrade requests that never
// carries credentials: whatever wraps the caller's client (an OAuth2
// RoundTripper adds the Authorization header inside, where no outer layer
// could remove it) is left out. An upgraded connection is not pooled, so
// keep-alives serve nothing.
func dialClient() (*http.Transport, *http.Client) {
	var tr *http.Transport
	if dt, ok := http.DefaultTransport.(*http.Transport); ok {
		tr = dt.Clone()
	} else {
		tr = &http.Transport{Proxy: http.ProxyFromEnvironment}
	}
	tr.DisableKeepAlives = true
	return tr, &http.Client{Transport: tr}
}

// Name returns "websocket".
func (t *Transport) Name() string { return Name }

// SubscriptionID returns the id of the current RingCentral subscription,
// or "" before Open has succeeded.
func (t *Transport) SubscriptionID() string { return t.subscriptionID() }

// Open gets a gateway token, connects, waits for ConnectionDetails, creates
// the subscription for filters over the socket and returns. From then on
// the transport delivers to sink and reconnects by itself until Close (it
// does not stop when ctx ends; ctx bounds Open only). Failures that may be
// temporary are retried (WithOpenAttempts).
func (t *Transport) Open(ctx context.Context, filters []subscription.Filter, sink transport.Sink) error {
	if t.hc == nil {
		return errors.New("websocket: open: nil *ringwatch.Client")
	}
	if sink == nil {
		return errors.New("websocket: open: nil sink")
	}
	if len(filters) == 0 {
		return errors.New("websocket: open: no event filters")
	}
	t.mu.Lock()
	if err := t.life.BeginOpen(); err != nil {
		t.mu.Unlock()
		return opErr("open", err)
	}
	t.filters = append([]subscription.Filter(nil), filters...)
	t.sink = sink
	t.runCtx, t.cancel = context.WithCancel(context.WithoutCancel(ctx))
	t.dctx, t.dcancel = context.WithCancel(t.runCtx)
	t.openAck = make(chan struct{})
	t.mu.Unlock()

	octx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(t.runCtx, cancel)
	defer stop()
	for attempt := 1; ; attempt++ {
		c, err := t.connect(octx, nil)
		if err == nil {
			dctx := t.dctx
			if !t.goOwned(func() { t.deliverLoop(dctx) }) || !t.goOwned(func() { t.run(c) }) {
				t.release(c)
				return opErr("open", transport.ErrClosed)
			}
			t.mu.Lock()
			t.life.Opened()
			t.mu.Unlock()
			// Connected reaches the sink before Open returns, as the
			// first of everything.
			select {
			case <-t.openAck:
			case <-dctx.Done():
			}
			return nil
		}
		if t.runCtx.Err() != nil {
			return opErr("open", transport.ErrClosed)
		}
		if attempt >= t.opts.openAttempts || !temporary(err) || octx.Err() != nil {
			return t.openFailed(err)
		}
		wait := t.retryDelay(err, attempt)
		t.opts.logger.LogAttrs(ctx, slog.LevelWarn, "websocket: open failed, retrying",
			slog.Int("attempt", attempt), slog.Duration("wait", wait), slog.String("error", err.Error()))
		if !t.opts.sleep(octx, wait) {
			return t.openFailed(err)
		}
	}
}

// openFailed ends a failed Open: the transport is New again (unless Close
// came meanwhile), so that Open may be tried again.
func (t *Transport) openFailed(err error) error {
	t.mu.Lock()
	t.life.OpenFailed()
	cancel := t.cancel
	t.mu.Unlock()
	cancel()
	return opErr("open", err)
}

// goOwned runs f on a goroutine that Close waits for, unless Close has
// begun.
func (t *Transport) goOwned(f func()) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.life.Closed() {
		return false
	}
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		f()
	}()
	return true
}

// lost describes the connection a reconnection replaces.
type lost struct {
	at       time.Time // when the loss was noticed
	lastRecv time.Time // the last frame received before it
}

// connect opens a connection with a subscription: a new one when prev is
// nil (Open) or the session cannot be recovered, the recovered one
// otherwise. On success the connection is current and its reader running.
func (t *Transport) connect(ctx context.Context, prev *lost) (*conn, error) {
	tok, err := t.fetchToken(ctx)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(tok.URI)
	if err != nil {
		return nil, fmt.Errorf("%w: gateway uri: %w", ErrProtocol, scrub(err, tok.AccessToken))
	}
	q := u.Query()
	q.Set("access_token", tok.AccessToken)
	t.mu.Lock()
	recovering := prev != nil && t.wsc != nil && t.subID != "" && t.subHeld && time.Since(prev.at) < t.recTO
	var wscToken string
	if recovering {
		wscToken = t.wsc.Token
		q.Set("wsc", wscToken)
	} else {
		t.wsc = nil // a new session brings its own
	}
	t.mu.Unlock()
	u.RawQuery = q.Encode()

	hctx, hcancel := context.WithTimeout(ctx, t.opts.requestTimeout)
	defer hcancel()
	ws, resp, err := websocket.Dial(hctx, u.String(), &websocket.DialOptions{HTTPClient: t.dialClient})
	if err != nil {
		de := &DialError{URL: redactedURL(u), Err: scrub(err, tok.AccessToken, wscToken)}
		if resp != nil {
			de.StatusCode = resp.StatusCode
		}
		return nil, de
	}
	ws.SetReadLimit(t.opts.readLimit)
	c := newConn(t, ws, recovering)
	if !t.goOwned(func() { c.readLoop(t.runCtx) }) {
		_ = ws.CloseNow()
		return nil, transport.ErrClosed
	}
	t.opts.logger.LogAttrs(ctx, slog.LevelDebug, "websocket: connected", slog.String("url", redactedURL(u)), slog.Bool("recovering", recovering))

	var first firstFrame
	select {
	case first = <-c.first:
	case <-c.done:
		return nil, fmt.Errorf("websocket: waiting for ConnectionDetails: %w", c.err)
	case <-hctx.Done():
		t.release(c)
		return nil, fmt.Errorf("websocket: waiting for ConnectionDetails: %w", hctx.Err())
	}
	if first.err != nil {
		t.release(c)
		return nil, first.err
	}
	if recovering && strings.EqualFold(first.details.RecoveryState, "Successful") {
		t.opts.logger.LogAttrs(ctx, slog.LevelInfo, "websocket: session recovered")
		return c, t.setCurrent(c)
	}

	onOK := t.subscribed(c, prev, recovering, first.details.RecoveryErrorCode)
	body := subscription.CreateRequest{
		EventFilters: t.filters,
		DeliveryMode: subscription.DeliveryMode{TransportType: subscription.TransportWebSocket},
	}
	if _, err := c.request(hctx, http.MethodPost, subscriptionPath, body, onOK); err != nil {
		t.release(c)
		return nil, err
	}
	return c, t.setCurrent(c)
}

// subscribed returns what the reader does when the subscription has been
// created: remember it, then report Connected (Open) or Resubscribed and
// the Gap (reconnection without recovery), before any notification.
func (t *Transport) subscribed(c *conn, prev *lost, recoveryTried bool, recoveryCode string) func([]byte) error {
	return func(body []byte) error {
		var info subscription.Info
		if err := json.Unmarshal(body, &info); err != nil || info.ID == "" {
			return fmt.Errorf("%w: subscription answer without an id", ErrProtocol)
		}
		t.mu.Lock()
		t.subID = info.ID
		t.subHeld = true
		t.mu.Unlock()
		t.promote(c)
		now := time.Now()
		if prev == nil {
			t.emitAck(transport.State{Kind: transport.Connected, At: now, SubscriptionID: info.ID}, t.openAck)
			return nil
		}
		reason, cause := "session expired", error(ErrRecoveryFailed)
		if recoveryTried {
			reason = "recovery failed"
			if recoveryCode != "" {
				cause = fmt.Errorf("%w (%s)", ErrRecoveryFailed, recoveryCode)
			}
		}
		t.emit(transport.State{Kind: transport.Resubscribed, At: now, SubscriptionID: info.ID, Reason: reason, Err: cause})
		t.emit(transport.State{Kind: transport.Gap, At: now, Since: prev.lastRecv, Until: now, SubscriptionID: info.ID, Reason: reason, Err: cause})
		return nil
	}
}

// promote makes c the connection Close removes the subscription over, as
// soon as c holds the subscription: the reader may deliver notifications
// (and the caller may Close) before connect returns and calls setCurrent.
func (t *Transport) promote(c *conn) {
	t.mu.Lock()
	if !t.life.Closed() {
		t.cur = c
	}
	t.mu.Unlock()
}

func (t *Transport) setCurrent(c *conn) error {
	t.mu.Lock()
	closed := t.life.Closed()
	if !closed {
		t.cur = c
	}
	t.mu.Unlock()
	if closed {
		t.release(c)
		return transport.ErrClosed
	}
	return nil
}

// release ends c for a goroutine that gives up on it, unless Close has
// taken c (promoted before Close began) to remove the subscription over
// it: closing c then would make that DELETE fail with a closed socket and
// leave the subscription on the platform. Close ends such a c itself.
func (t *Transport) release(c *conn) {
	t.mu.Lock()
	taken := t.life.Closed() && t.cur == c
	t.mu.Unlock()
	if !taken {
		c.shutdown()
	}
}

func (t *Transport) isClosed() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.life.Closed()
}

func (t *Transport) subscriptionID() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.subID
}

// noteWSC keeps the newest recovery token: the first one, one that comes
// with a recovery answer (force), or one with a higher sequence.
func (t *Transport) noteWSC(f *frame, force bool) {
	w := f.meta.WSC
	if w == nil || w.Token == "" {
		return
	}
	t.mu.Lock()
	if t.wsc == nil || force || w.Sequence > t.wsc.Sequence {
		c := *w
		t.wsc = &c
	}
	t.mu.Unlock()
}

func (t *Transport) noteDetails(d *connectionDetails) {
	if d.RecoveryTimeout <= 0 {
		return
	}
	t.mu.Lock()
	t.recTO = time.Duration(d.RecoveryTimeout) * time.Second
	t.mu.Unlock()
}

// run owns the connections after Open: it watches the current one and
// replaces it when it ends, until Close.
func (t *Transport) run(c *conn) {
	ctx := t.runCtx
	for {
		cause := t.watch(ctx, c)
		t.release(c)
		if ctx.Err() != nil || t.isClosed() {
			// Close ends the connection before it cancels ctx: that end
			// is no loss to report.
			return
		}
		l := &lost{at: time.Now(), lastRecv: c.lastReceived()}
		t.opts.logger.LogAttrs(ctx, slog.LevelWarn, "websocket: connection lost", slog.String("error", cause.Error()))
		if c = t.reconnect(ctx, cause, l); c == nil {
			return
		}
	}
}

// watch returns when c ends, sending Heartbeats when it is silent.
func (t *Transport) watch(ctx context.Context, c *conn) error {
	every := t.opts.heartbeat
	timer := time.NewTimer(every)
	defer timer.Stop()
	var hbAt time.Time // when the unanswered heartbeat was sent
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-c.done:
			return c.err
		case <-timer.C:
		}
		if c.waiting.Load() {
			// The reader waits for the consumer, not for the gateway:
			// that time is not silence (the reader notes the end of the
			// wait as a reception).
			hbAt = time.Time{}
			timer.Reset(every)
			continue
		}
		last := c.lastReceived()
		idle := time.Since(last)
		if !hbAt.IsZero() && last.After(hbAt) {
			hbAt = time.Time{}
		}
		switch {
		case idle < every:
			timer.Reset(every - idle)
		case hbAt.IsZero():
			// Noted before the write: the answer may be read before the
			// write returns.
			hbAt = time.Now()
			wctx, cancel := context.WithTimeout(ctx, every)
			err := c.heartbeat(wctx)
			cancel()
			if err != nil {
				return err
			}
			timer.Reset(every)
		case time.Since(hbAt) >= every:
			return ErrHeartbeatTimeout
		default:
			timer.Reset(every - time.Since(hbAt))
		}
	}
}

// reconnect connects again with backoff until it succeeds, Close, or the
// attempts run out (then it fails the sink).
func (t *Transport) reconnect(ctx context.Context, cause error, l *lost) *conn {
	for attempt := 1; ; attempt++ {
		t.emitWait(item{state: &transport.State{Kind: transport.Reconnecting, At: time.Now(), Attempt: attempt, Err: cause, SubscriptionID: t.subscriptionID()}})
		if !t.opts.sleep(ctx, t.retryDelay(cause, attempt)) {
			return nil
		}
		c, err := t.connect(ctx, l)
		if err == nil {
			return c
		}
		if ctx.Err() != nil || errors.Is(err, transport.ErrClosed) {
			return nil
		}
		t.opts.logger.LogAttrs(ctx, slog.LevelWarn, "websocket: reconnection failed",
			slog.Int("attempt", attempt), slog.String("error", err.Error()))
		cause = err
		if permanent(err) || (t.opts.maxAttempts > 0 && attempt >= t.opts.maxAttempts) {
			t.emitWait(item{fail: opErr(fmt.Sprintf("reconnect (attempt %d)", attempt), err)})
			return nil
		}
	}
}

// permanent reports an error that retrying cannot fix: the platform
// refuses the subscription itself, or the credentials are refused for good
// (see authRefused).
func permanent(err error) bool {
	var ae *ringwatch.APIError
	if errors.As(err, &ae) && ae.Path == subscriptionPath {
		return ae.StatusCode == http.StatusBadRequest || ae.StatusCode == http.StatusForbidden
	}
	return authRefused(err)
}

// Close removes the subscription (a DELETE over the socket, bounded by ctx
// and at most 5 s), closes the connection and waits for every goroutine of
// the transport. It is safe to call more than once and before Open; only
// the first call removes the subscription and reports its error.
//
// Removal is best effort when there is no live connection to send it on:
// if the connection is already gone (dropped by the gateway or the
// network, or a reconnection is still creating the subscription), Close
// does not reconnect to send the DELETE and returns no error for it. A
// WebSocket subscription belongs to its gateway session and does not
// outlive it.
func (t *Transport) Close(ctx context.Context) error {
	t.mu.Lock()
	if t.life.Close() == lifecycle.Closed {
		t.mu.Unlock()
		t.wg.Wait()
		return nil
	}
	c, sub, cancel, dcancel := t.cur, t.subID, t.cancel, t.dcancel
	t.mu.Unlock()
	if dcancel != nil {
		// Nothing more reaches the sink, and a reader waiting for room
		// goes back to reading (the DELETE's answer among the rest).
		dcancel()
	}

	var err error
	if c != nil && sub != "" && c.alive() {
		dctx, dcancel := context.WithTimeout(ctx, min(5*time.Second, t.opts.requestTimeout))
		_, err = c.request(dctx, http.MethodDelete, subscriptionPath+sub, nil, nil)
		dcancel()
		switch {
		case err == nil || errors.Is(err, subscription.ErrNotFound):
			err = nil
			t.opts.logger.LogAttrs(ctx, slog.LevelDebug, "websocket: subscription deleted", slog.String("subscription", sub))
		case errors.Is(err, errConnClosed) || errors.Is(err, net.ErrClosed):
			// The connection ended under the request: best effort (see above).
			t.opts.logger.LogAttrs(ctx, slog.LevelDebug, "websocket: subscription not deleted, connection gone",
				slog.String("subscription", sub), slog.String("error", err.Error()))
			err = nil
		}
	}
	if c != nil && c.alive() {
		cctx, ccancel := context.WithTimeout(ctx, time.Second)
		stop := context.AfterFunc(cctx, func() { _ = c.ws.CloseNow() })
		_ = c.ws.Close(websocket.StatusNormalClosure, "")
		stop()
		ccancel()
	}
	if cancel != nil {
		cancel()
	}
	t.wg.Wait()
	if t.ownDial != nil {
		t.ownDial.CloseIdleConnections()
	}
	if err != nil {
		return opErr("close", err)
	}
	return nil
}

// backoff is the wait before attempt n: exponential from the minimum,
// capped, with jitter over its upper half.
func (t *Transport) backoff(n int) time.Duration {
	if t.opts.backoff != nil { // set by tests
		return t.opts.backoff(n)
	}
	return backoff.Jittered(n, t.opts.backoffMin, t.opts.backoffMax)
}

// sleep waits d or until ctx is done, reporting whether it waited d.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return true
	case <-ctx.Done():
		return false
	}
}
