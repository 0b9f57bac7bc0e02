package webhook

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/ringwatch/ringwatch/transport"
)

// Name is the transport's name, as Transport.Name and Message.Transport
// give it.
const Name = "webhook"

// Defaults of a Handler.
const (
	// DefaultMaxWait bounds how long a notification may wait for room in
	// a full buffer before the Handler answers 503. RingCentral gives a
	// webhook 3 s; a full buffer that does not drain within this bound is
	// better reported at once, so that RingCentral retries later.
	DefaultMaxWait = 250 * time.Millisecond
	// DefaultQueueSize is the size of the Handler's own buffer, used when
	// no DeliverFunc is given.
	DefaultQueueSize = 1024
	// DefaultBodyTimeout bounds the time a notification's body may take to
	// arrive once the Handler starts reading it. With DefaultMaxWait it
	// keeps the answer within RingCentral's 3 s.
	DefaultBodyTimeout = 2 * time.Second
)

// DeliverFunc takes one verified notification from a Handler. It may block
// to apply backpressure, but must return once ctx is done (the Handler's
// bound, WithMaxWait); an error makes the Handler answer 503, so that
// RingCentral delivers the notification again later. It owns m.Data.
type DeliverFunc func(ctx context.Context, m transport.Message) error

// Handler is the http.Handler a webhook address serves. It answers
// RingCentral's validation handshake by echoing Validation-Token (even
// before the subscription's creation has returned), refuses anything but a
// POST (405), a body over the limit (413), a missing or wrong verification
// token (401, without detail), a body that does not arrive within a bound
// (408, WithBodyTimeout) and a body that is not a JSON object (400), and
// hands each notification to its buffer: its own bounded queue (Messages)
// or a DeliverFunc. It answers 200 once the notification is buffered, or
// 503 if there is no room within the bound (WithMaxWait).
//
// Nothing unauthenticated costs more than its headers: the token is
// checked before the body is read (RingCentral sends it in a header), and
// a request without it is answered 401 at once and its connection closed.
// A verified body is read into a buffer that grows as bytes arrive, up to
// the size limit.
//
// Serve it from an http.Server with timeouts of its own, which bound what
// the Handler cannot see: ReadHeaderTimeout (say 2 s: headers dripped
// slowly hold a connection before any handler runs), ReadTimeout (a
// little above WithBodyTimeout, say 5 s), WriteTimeout (say 5 s, above the
// Handler's own 3 s budget), IdleTimeout (say 60 s) and MaxHeaderBytes
// (say 16 KiB). examples/webhookserver sets them.
//
// A Handler is safe for concurrent use; mount it on any router.
type Handler struct {
	token   atomic.Pointer[[]byte]
	deliver atomic.Pointer[DeliverFunc]
	queue   chan transport.Message

	maxBody     int64
	maxWait     time.Duration
	bodyTimeout time.Duration
	log         *slog.Logger
	now         func() time.Time

	handshakes, accepted, unauthorized, badRequests, tooLarge, badMethods, unavailable atomic.Uint64
}

// HandlerOption configures a Handler.
type HandlerOption interface{ applyHandler(*Handler) }

type handlerOption func(*Handler)

func (f handlerOption) applyHandler(h *Handler) { f(h) }

// WithDeliver sends verified notifications to f instead of the Handler's
// own queue (Messages).
func WithDeliver(f DeliverFunc) HandlerOption {
	return handlerOption(func(h *Handler) {
		if f != nil {
			h.deliver.Store(&f)
		}
	})
}

// WithMaxWait sets how long a notification may wait for room in the buffer
// before the Handler answers 503 (default DefaultMaxWait). A bound that is
// not positive is ignored.
func WithMaxWait(d time.Duration) HandlerOption {
	return handlerOption(func(h *Handler) {
		if d > 0 {
			h.maxWait = d
		}
	})
}

// WithBodyTimeout sets how long a notification's body may take to arrive
// (default DefaultBodyTimeout); a body still incomplete then is answered
// with 408 and its connection closed. The Handler sets a read deadline on
// the connection (http.ResponseController), which works with net/http's
// server; behind a ResponseWriter that cannot set one, the server's
// ReadTimeout is the only bound. A bound that is not positive is ignored.
func WithBodyTimeout(d time.Duration) HandlerOption {
	return handlerOption(func(h *Handler) {
		if d > 0 {
			h.bodyTimeout = d
		}
	})
}

// WithQueueSize sets the size of the Handler's own queue (default
// DefaultQueueSize; at least 1).
func WithQueueSize(n int) HandlerOption {
	return handlerOption(func(h *Handler) { h.queue = make(chan transport.Message, max(n, 1)) })
}

// WithMaxBodySize sets the largest body accepted (default MaxBodySize);
// larger ones are answered with 413.
func WithMaxBodySize(n int64) HandlerOption {
	return handlerOption(func(h *Handler) {
		if n > 0 {
			h.maxBody = n
		}
	})
}

// WithHandlerLogger logs refused requests (debug) and answers of 503
// (warn) to l. Tokens are never logged. By default the Handler is silent.
func WithHandlerLogger(l *slog.Logger) HandlerOption {
	return handlerOption(func(h *Handler) {
		if l != nil {
			h.log = l
		}
	})
}

// NewHandler returns a Handler that accepts notifications carrying
// verificationToken. With an empty token it answers handshakes but refuses
// every notification.
func NewHandler(verificationToken string, opts ...HandlerOption) *Handler {
	h := &Handler{
		maxBody:     MaxBodySize,
		maxWait:     DefaultMaxWait,
		bodyTimeout: DefaultBodyTimeout,
		log:         slog.New(slog.DiscardHandler),
		now:         time.Now,
	}
	h.setToken(verificationToken)
	for _, o := range opts {
		if o != nil {
			o.applyHandler(h)
		}
	}
	if h.queue == nil {
		h.queue = make(chan transport.Message, DefaultQueueSize)
	}
	return h
}

// Messages returns the Handler's own queue of verified notifications, used
// when no DeliverFunc was given. It is never closed: receive from it in a
// select with your own context.
func (h *Handler) Messages() <-chan transport.Message { return h.queue }

// HandlerStats counts a Handler's answers since it was created.
type HandlerStats struct {
	// Handshakes is the number of validation handshakes answered.
	Handshakes uint64
	// Accepted is the number of notifications buffered (answered 200).
	Accepted uint64
	// Unauthorized counts 401 answers (missing or wrong token).
	Unauthorized uint64
	// BadRequests counts 400 answers (body not a JSON object) and 408
	// answers (body not received within WithBodyTimeout).
	BadRequests uint64
	// TooLarge counts 413 answers.
	TooLarge uint64
	// MethodNotAllowed counts 405 answers.
	MethodNotAllowed uint64
	// Unavailable counts 503 answers: the buffer stayed full past the
	// bound, or the consumer had stopped. RingCentral retries those.
	Unavailable uint64
}

// Stats returns the Handler's counters.
func (h *Handler) Stats() HandlerStats {
	return HandlerStats{
		Handshakes:       h.handshakes.Load(),
		Accepted:         h.accepted.Load(),
		Unauthorized:     h.unauthorized.Load(),
		BadRequests:      h.badRequests.Load(),
		TooLarge:         h.tooLarge.Load(),
		MethodNotAllowed: h.badMethods.Load(),
		Unavailable:      h.unavailable.Load(),
	}
}

// setToken replaces the verification token; the Transport rotates it when
// it re-creates the subscription.
func (h *Handler) setToken(tok string) {
	b := []byte(tok)
	h.token.Store(&b)
}

// setDeliver routes notifications to f (the Transport's sink).
func (h *Handler) setDeliver(f DeliverFunc) { h.deliver.Store(&f) }

var (
	allowPost = []string{http.MethodPost}
	closeConn = []string{"close"}
)

// ServeHTTP answers one request from RingCentral.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && r.Body != nil {
		// The server then closes the connection of a sender that goes
		// over the limit instead of reading the rest.
		r.Body = http.MaxBytesReader(w, r.Body, h.maxBody)
	}
	// The bound on the body's arrival: a deadline on the connection,
	// lifted once the body is read, so that it does not cut the wait for
	// room (the server watches the connection once the body is read, and
	// would cancel the request's context at the deadline) or the next
	// request on the connection.
	deadline := false
	if r.Method == http.MethodPost && r.Body != nil && r.Body != http.NoBody {
		deadline = http.NewResponseController(w).SetReadDeadline(time.Now().Add(h.bodyTimeout)) == nil
	}
	body, err := verify(r, *h.token.Load(), h.maxBody)
	if deadline {
		_ = http.NewResponseController(w).SetReadDeadline(time.Time{})
	}
	switch {
	case err == nil:
	case errors.Is(err, ErrHandshake):
		h.handshakes.Add(1)
		WriteHandshake(w, r)
		return
	default:
		h.refuse(w, r, err)
		return
	}
	m := transport.Message{Data: body, Received: h.now(), Transport: Name}
	if err := h.hand(r.Context(), m); err != nil {
		h.unavailable.Add(1)
		h.log.Warn("webhook: notification refused with 503", "bytes", len(body), "err", err)
		writeStatus(w, http.StatusServiceUnavailable)
		return
	}
	h.accepted.Add(1)
	writeStatus(w, http.StatusOK)
}

func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, err error) {
	status := StatusOf(err)
	switch status {
	case http.StatusMethodNotAllowed:
		h.badMethods.Add(1)
		w.Header()["Allow"] = allowPost
	case http.StatusUnauthorized:
		h.unauthorized.Add(1)
		// The body was not read: close rather than drain it.
		w.Header()["Connection"] = closeConn
	case http.StatusRequestEntityTooLarge:
		h.tooLarge.Add(1)
		w.Header()["Connection"] = closeConn
	case http.StatusRequestTimeout:
		h.badRequests.Add(1)
		w.Header()["Connection"] = closeConn
	default:
		h.badRequests.Add(1)
	}
	h.log.Debug("webhook: request refused", "status", status, "method", r.Method, "remote", r.RemoteAddr, "err", err)
	writeStatus(w, status)
	if w.Header().Get("Connection") == "close" {
		// The server would otherwise wait for the rest of the body
		// (up to 256 KiB, until its ReadTimeout) before closing: a
		// deadline already past makes it give up at once, once the
		// answer is written.
		_ = http.NewResponseController(w).SetReadDeadline(time.Unix(1, 0))
	}
}

// errFull is why a notification found no room within the bound.
var errFull = errors.New("webhook: buffer full")

// hand buffers m, waiting at most maxWait.
func (h *Handler) hand(ctx context.Context, m transport.Message) error {
	if f := h.deliver.Load(); f != nil {
		ctx, cancel := context.WithTimeout(ctx, h.maxWait)
		defer cancel()
		return (*f)(ctx, m)
	}
	select {
	case h.queue <- m:
		return nil
	default:
	}
	t := time.NewTimer(h.maxWait)
	defer t.Stop()
	select {
	case h.queue <- m:
		return nil
	case <-t.C:
		return errFull
	case <-ctx.Done():
		return ctx.Err()
	}
}
