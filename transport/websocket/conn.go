package websocket

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/ringwatch/ringwatch/internal/rest"
	"github.com/ringwatch/ringwatch/transport"
)

// conn is one WebSocket connection to the gateway and its reader
// goroutine. The reader is the only goroutine that calls the sink while the
// connection lives, so notifications and the state changes they follow
// (Connected, Recovered, Resubscribed, Gap) reach the sink in frame order.
type conn struct {
	t          *Transport
	ws         *websocket.Conn
	recovering bool // dialled with &wsc=

	first chan firstFrame // the ConnectionDetails or Error that opens the session
	done  chan struct{}   // closed when the reader has exited
	err   error           // why the reader exited; read after done

	lastRecv atomic.Int64 // UnixNano of the last frame received
	// waiting is set while the reader waits for room in the delivery
	// queue: the gateway is not silent then, the consumer is slow.
	waiting atomic.Bool

	mu       sync.Mutex
	pending  map[string]*pending
	closed   bool
	gotFirst bool // reader only
}

type firstFrame struct {
	details connectionDetails
	err     error
}

// pending is a ClientRequest waiting for its answer.
type pending struct {
	method, path string
	// onOK runs on the reader goroutine with a 2xx answer's body, before
	// any later frame is handled; an error fails the request.
	onOK func(body []byte) error
	ch   chan result // buffered 1
}

type result struct {
	status int
	body   []byte
	err    error
}

var errConnClosed = errors.New("connection closed")

func newConn(t *Transport, ws *websocket.Conn, recovering bool) *conn {
	c := &conn{
		t:          t,
		ws:         ws,
		recovering: recovering,
		first:      make(chan firstFrame, 1),
		done:       make(chan struct{}),
		pending:    map[string]*pending{},
	}
	c.lastRecv.Store(time.Now().UnixNano())
	return c
}

func (c *conn) lastReceived() time.Time { return time.Unix(0, c.lastRecv.Load()) }

// shutdown closes the socket at once and waits for the reader.
func (c *conn) shutdown() {
	_ = c.ws.CloseNow()
	<-c.done
}

// alive reports whether the reader is still running.
func (c *conn) alive() bool {
	select {
	case <-c.done:
		return false
	default:
		return true
	}
}

// readLoop reads every frame until the connection ends. It runs from dial
// to close so that pings are always answered.
func (c *conn) readLoop(ctx context.Context) {
	defer func() {
		c.mu.Lock()
		c.closed = true
		ps := c.pending
		c.pending = nil
		c.mu.Unlock()
		err := c.err
		if err == nil {
			err = errConnClosed
		}
		for _, p := range ps {
			p.ch <- result{err: opErr(p.method+" "+p.path, err)}
		}
		close(c.done)
	}()
	for {
		_, data, err := c.ws.Read(ctx)
		if err != nil {
			c.err = readError(err)
			return
		}
		now := time.Now()
		c.lastRecv.Store(now.UnixNano())
		if stop := c.handleFrame(ctx, data, now); stop != nil {
			c.err = stop
			_ = c.ws.CloseNow()
			return
		}
	}
}

// handleFrame parses one frame received at now and acts on it; a
// malformed frame is logged and skipped. A non-nil result ends the
// connection.
func (c *conn) handleFrame(ctx context.Context, data []byte, now time.Time) error {
	f, err := parseFrame(data)
	if err != nil {
		c.t.opts.logger.LogAttrs(ctx, slog.LevelWarn, "websocket: skipped a malformed frame",
			slog.Int("bytes", len(data)), slog.String("error", err.Error()))
		return nil
	}
	return c.handle(ctx, &f, now)
}

// readError turns a read failure into the cause reported with
// Reconnecting. Errors from coder/websocket never name the URL.
func readError(err error) error {
	if s := websocket.CloseStatus(err); s != -1 {
		return fmt.Errorf("websocket: %w by the gateway (%d)", errConnClosed, s)
	}
	return fmt.Errorf("websocket: read: %w", err)
}

// handle acts on one frame; a non-nil result ends the connection.
func (c *conn) handle(ctx context.Context, f *frame, now time.Time) error {
	t := c.t
	log := t.opts.logger
	if !c.gotFirst {
		switch f.kind {
		case kindConnectionDetails:
			c.gotFirst = true
			var d connectionDetails
			if f.body != nil {
				if err := json.Unmarshal(f.body, &d); err != nil {
					log.LogAttrs(ctx, slog.LevelWarn, "websocket: ConnectionDetails body not understood", slog.String("error", err.Error()))
				}
			}
			t.noteWSC(f, d.RecoveryState != "")
			t.noteDetails(&d)
			if c.recovering && strings.EqualFold(d.RecoveryState, "Successful") {
				// Before any replayed notification reaches the sink.
				t.emit(transport.State{Kind: transport.Recovered, At: now, SubscriptionID: t.subscriptionID()})
				t.promote(c)
			} else {
				// A new session: it holds no subscription until one is
				// created on it.
				t.mu.Lock()
				t.subHeld = false
				t.mu.Unlock()
			}
			c.first <- firstFrame{details: d}
			return nil
		case kindError:
			c.gotFirst = true
			ge := gatewayError(f)
			c.first <- firstFrame{err: ge}
			return ge
		}
	}
	t.noteWSC(f, false)
	switch f.kind {
	case kindServerNotification:
		c.deliver(ctx, f, now)
	case kindClientRequest, kindError:
		if c.answer(f) {
			return nil
		}
		if f.kind == kindError {
			ge := gatewayError(f)
			if ge.Timeout() {
				return ge
			}
			log.LogAttrs(ctx, slog.LevelWarn, "websocket: gateway error", slog.String("code", ge.Code), slog.String("message", ge.Message))
			return nil
		}
		log.LogAttrs(ctx, slog.LevelDebug, "websocket: answer to no pending request", slog.String("messageId", string(f.meta.MessageID)))
	case kindHeartbeat:
		log.LogAttrs(ctx, slog.LevelDebug, "websocket: heartbeat")
	case kindConnectionDetails:
		log.LogAttrs(ctx, slog.LevelDebug, "websocket: repeated ConnectionDetails")
	default:
		log.LogAttrs(ctx, slog.LevelDebug, "websocket: skipped a frame of unknown type", slog.String("type", f.meta.Type))
	}
	return nil
}

func gatewayError(f *frame) *GatewayError {
	code, msg := parseErrorBody(f.body)
	return &GatewayError{Code: code, Message: msg, Status: int(f.meta.Status)}
}

// deliver hands a notification of the current subscription to the sink.
func (c *conn) deliver(ctx context.Context, f *frame, now time.Time) {
	t := c.t
	log := t.opts.logger
	env, err := notificationEnvelope(f)
	if err != nil {
		log.LogAttrs(ctx, slog.LevelWarn, "websocket: skipped a notification", slog.String("error", err.Error()))
		return
	}
	id, err := f.subID, f.subErr
	if !f.headRead { // a multipart body
		id, err = envelopeSubscription(env)
	}
	if err != nil {
		log.LogAttrs(ctx, slog.LevelWarn, "websocket: skipped a malformed notification",
			slog.Int("bytes", len(env)), slog.String("error", err.Error()))
		return
	}
	// The one subscription check of the WebSocket path: notify does not
	// repeat it.
	if len(id) > 0 && string(id) != t.subscriptionID() {
		log.LogAttrs(ctx, slog.LevelDebug, "websocket: skipped a notification of another subscription",
			slog.String("subscription", string(id)))
		return
	}
	msg := transport.Message{Data: env, Received: now, Transport: Name}
	t.q.put(t.dctx, item{msg: msg}, false, c.setWaiting)
}

// setWaiting marks the reader waiting for room in the delivery queue, or
// no longer. A wait ends as if a frame had just arrived (noted before the
// mark is cleared, for watch): whatever the gateway sent meanwhile is
// waiting to be read.
func (c *conn) setWaiting(w bool) {
	if !w {
		c.lastRecv.Store(time.Now().UnixNano())
	}
	c.waiting.Store(w)
}

// answer resolves the pending request f answers, reporting whether there
// was one.
func (c *conn) answer(f *frame) bool {
	id := string(f.meta.MessageID)
	c.mu.Lock()
	p, ok := c.pending[id]
	if ok {
		delete(c.pending, id)
	}
	c.mu.Unlock()
	if !ok {
		return false
	}
	status := int(f.meta.Status)
	if f.kind == kindClientRequest && status == 0 {
		status = http.StatusOK
	}
	if f.kind != kindClientRequest || status/100 != 2 {
		if status/100 == 2 || status == 0 {
			status = http.StatusInternalServerError // an Error frame with a 2xx status
		}
		e := rest.ParseError(status, f.headers(), f.body, time.Now())
		e.Method, e.Path = p.method, p.path
		p.ch <- result{status: status, err: e}
		return true
	}
	var err error
	if p.onOK != nil {
		err = p.onOK(f.body)
	}
	p.ch <- result{status: status, body: f.body, err: err}
	return true
}

// request sends a ClientRequest and waits for its answer.
func (c *conn) request(ctx context.Context, method, path string, body any, onOK func([]byte) error) (result, error) {
	id := newMessageID()
	m := struct {
		Type      string `json:"type"`
		MessageID string `json:"messageId"`
		Method    string `json:"method"`
		Path      string `json:"path"`
	}{"ClientRequest", id, method, path}
	parts := []any{m}
	if body != nil {
		parts = append(parts, body)
	}
	data, err := json.Marshal(parts)
	if err != nil {
		return result{}, opErr(method+" "+path, err)
	}
	p := &pending{method: method, path: path, onOK: onOK, ch: make(chan result, 1)}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return result{}, opErr(method+" "+path, errConnClosed)
	}
	c.pending[id] = p
	c.mu.Unlock()
	forget := func() {
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
	}
	if err := c.ws.Write(ctx, websocket.MessageText, data); err != nil {
		forget()
		return result{}, fmt.Errorf("websocket: %s %s: write: %w", method, path, err)
	}
	select {
	case r := <-p.ch:
		return r, r.err
	case <-ctx.Done():
		forget()
		return result{}, opErr(method+" "+path, ctx.Err())
	}
}

// heartbeat sends a Heartbeat frame; its answer only needs to arrive, so
// it is not matched.
func (c *conn) heartbeat(ctx context.Context) error {
	data, _ := json.Marshal([]any{struct {
		Type      string `json:"type"`
		MessageID string `json:"messageId"`
	}{"Heartbeat", newMessageID()}})
	if err := c.ws.Write(ctx, websocket.MessageText, data); err != nil {
		return fmt.Errorf("websocket: heartbeat: %w", err)
	}
	return nil
}

// newMessageID returns a random version-4 UUID.
func newMessageID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (Go 1.24+)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
