// Package fakewsg is a fake RingCentral WebSocket Gateway for tests: an
// http.Handler that speaks the gateway's protocol (the
// token exchange, the framed JSON messages, heartbeats, recovery) over
// github.com/coder/websocket, with session recovery and fault injection.
//
// The platform side stays outside: a callback checks the single-use access
// tokens and another answers the subscription requests made over the
// socket, so that notifytest validates them like its REST API. Without
// them the server accepts any token and keeps its own small subscription
// store.
package fakewsg

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// Request is a ClientRequest received over a socket.
type Request struct {
	Method, Path string
	// Query is the request's query parameters, if any.
	Query map[string]string
	// Body is the second element of the frame, or nil.
	Body []byte
	// Auth is what Config.Authorize returned for the connection's token.
	Auth any
	// Session identifies the gateway session ("s1", "s2", …).
	Session string
}

// Response answers a Request.
type Response struct {
	Status  int
	Headers map[string]string
	// Body is sent as the second element of the frame when not empty; it
	// must be JSON.
	Body []byte
}

// Config configures a Server. The zero value is usable.
type Config struct {
	// Authorize checks the access_token of a connection. It returns what
	// identifies the caller (passed on in Request.Auth) and whether the
	// token is valid; a single-use token should be forgotten here. Nil
	// accepts any non-empty token.
	Authorize func(token string) (auth any, ok bool)
	// Handle answers ClientRequests. Nil uses a built-in subscription
	// store. It runs on the connection's reader and should not block.
	Handle func(ctx context.Context, r Request) Response
	// SubscriptionEnded is called, without any lock held, when a session
	// that held a subscription is discarded (expired, failed recovery) or
	// replaces it with another; the platform then forgets it.
	SubscriptionEnded func(subscriptionID string)
	// RecoveryTimeout is how long after a disconnection the session can be
	// recovered (180 s by default).
	RecoveryTimeout time.Duration
	// RecoveryBufferSize is how many notifications a disconnected session
	// keeps (100 by default). One more and recovery fails.
	RecoveryBufferSize int
	// PingInterval is how often protocol pings are sent (20 s by default;
	// negative: never). A ping unanswered for 10 s drops the connection.
	PingInterval time.Duration
	// ErrorFrames answers failed ClientRequests with an "ERROR" frame, as
	// one SDK's recordings show, instead of a "ClientRequest" frame with
	// the error status.
	ErrorFrames bool
	// QueueSize bounds the frames waiting to be written per connection
	// (1024 by default); a client that falls further behind is dropped and
	// its session must recover.
	QueueSize int
	// Logger receives debug logs; nil is silent.
	Logger *slog.Logger
	// Now is the clock (time.Now by default).
	Now func() time.Time
}

// Stats counts what the server saw.
type Stats struct {
	// Connections accepted, Recovered and RecoveryFailed among them.
	Connections, Recovered, RecoveryFailed int
	// Heartbeats answered.
	Heartbeats int
	// Sent notifications written to a socket (replays included); Buffered
	// notifications kept for a disconnected session.
	Sent, Buffered int
	// AuthorizationRefused counts upgrades refused because they carried an
	// Authorization header.
	AuthorizationRefused int
	// FaultsServed counts ClientRequests answered by a RequestFault.
	FaultsServed int
}

// SessionInfo describes a session.
type SessionInfo struct {
	ID             string
	SubscriptionID string
	Connected      bool
}

// Server is a fake WebSocket Gateway. Its methods are safe for concurrent
// use.
type Server struct {
	cfg Config
	log *slog.Logger

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	closed   bool
	sessions map[string]*session // by wsc token
	bySub    map[string]*session
	seq      int
	failNext int
	faults   []*RequestFault
	mute     bool // do not answer heartbeats
	stats    Stats
	requests []Request
	store    *store
}

type session struct {
	id      string
	token   string // the wsc token
	seq     int64  // last wsc sequence sent
	created time.Time
	auth    any
	subID   string
	conn    *wsConn // nil while disconnected
	lostAt  time.Time
	missed  [][]byte // envelopes kept while disconnected
	overflw bool
}

// New returns a server; serve it with an httptest.Server or a mux, and
// Close it before the HTTP server.
func New(cfg Config) *Server {
	if cfg.RecoveryTimeout <= 0 {
		cfg.RecoveryTimeout = 180 * time.Second
	}
	if cfg.RecoveryBufferSize <= 0 {
		cfg.RecoveryBufferSize = 100
	}
	if cfg.PingInterval == 0 {
		cfg.PingInterval = 20 * time.Second
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = 1024
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{cfg: cfg, log: cfg.Logger, sessions: map[string]*session{}, bySub: map[string]*session{}}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if cfg.Handle == nil {
		s.store = newStore(cfg.Now)
		s.cfg.Handle = s.store.handle
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s
}

// Close drops every connection and waits for every goroutine of the
// server, handlers included. It is idempotent.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
}

// add registers a goroutine (or handler) with Close, unless closed.
func (s *Server) add() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	return true
}

func (s *Server) goOwned(f func()) bool {
	if !s.add() {
		return false
	}
	go func() {
		defer s.wg.Done()
		f()
	}()
	return true
}

// ServeHTTP accepts a gateway connection: ?access_token=… and, to recover a
// session, &wsc=….
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.add() {
		http.Error(w, `{"errorCode":"WSG-503","message":"Gateway is closing"}`, http.StatusServiceUnavailable)
		return
	}
	defer s.wg.Done()
	if r.Header.Get("Authorization") != "" {
		// The gateway authenticates the single-use token in the URL. A
		// stricter server refuses an upgrade that carries credentials of
		// its own: the client has sent its REST token to the gateway host.
		s.mu.Lock()
		s.stats.AuthorizationRefused++
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"errorCode":"WSG-400","message":"Authorization header not allowed on the gateway"}`))
		return
	}
	q := r.URL.Query()
	token := q.Get("access_token")
	var auth any
	ok := token != ""
	if ok && s.cfg.Authorize != nil {
		auth, ok = s.cfg.Authorize(token)
	}
	if !ok {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"errorCode":"WSG-401","message":"Invalid access token"}`))
		return
	}
	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	ws.SetReadLimit(1 << 20)
	c := newWSConn(s.ctx, ws, s.cfg.QueueSize)
	s.retire(q.Get("wsc"))
	sess, ended := s.attach(c, q.Get("wsc"), auth)
	for _, id := range ended {
		s.subscriptionEnded(id)
	}
	if !s.goOwned(func() { s.writer(c) }) {
		close(c.writerDone)
	}
	if s.cfg.PingInterval > 0 {
		s.goOwned(func() { s.pinger(c) })
	}
	s.read(c, sess)
	c.end()
	<-c.writerDone
	s.detach(c, sess)
}

// retire ends the connection that a recovery with wscToken replaces and
// waits for its writer, so that attach can take back what it never wrote.
// The client may reconnect before that connection's handler has noticed
// its end; the handler's detach then finds the session moved on, and the
// notifications still queued on it would be lost.
func (s *Server) retire(wscToken string) {
	if wscToken == "" {
		return
	}
	s.mu.Lock()
	var old *wsConn
	if sess := s.sessions[wscToken]; sess != nil {
		old = sess.conn
	}
	s.mu.Unlock()
	if old != nil {
		old.drop()
		<-old.writerDone
	}
}

// attach binds a new connection to a session, recovered or new, and queues
// the ConnectionDetails (and the replay). It returns the subscriptions of
// the sessions it discarded.
func (s *Server) attach(c *wsConn, wscToken string, auth any) (*session, []string) {
	now := s.cfg.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Connections++
	ended := s.sweep(now)
	var (
		sess      *session
		state     string
		errorCode string
	)
	if wscToken != "" {
		old := s.sessions[wscToken]
		switch {
		case s.failNext > 0:
			s.failNext--
			errorCode = "WSG-1005"
		case old == nil:
			errorCode = "WSG-1005" // unknown or expired session
		case old.overflw:
			errorCode = "WSG-1006"
		}
		if errorCode == "" {
			sess, state = old, "Successful"
			if old.conn != nil {
				old.conn.drop() // the client moved on; this one is gone
				select {
				case <-old.conn.writerDone:
					// Nothing is kept while a connection is attached, so
					// these are the oldest to replay.
					for _, env := range old.conn.unsent() {
						s.bufferLocked(old, env)
					}
				default:
					// Not retired (it attached after retire looked).
				}
				old.conn = nil
			}
			s.stats.Recovered++
		} else {
			state = "Failed"
			s.stats.RecoveryFailed++
			if old != nil {
				ended = append(ended, s.discard(old)...)
			}
		}
	}
	if sess == nil {
		s.seq++
		sess = &session{id: "s" + strconv.Itoa(s.seq), token: randomToken(), created: now, auth: auth}
		s.sessions[sess.token] = sess
	}
	sess.conn = c
	sess.seq++
	body := map[string]any{
		"creationTime":             sess.created.UTC().Format("2006-01-02T15:04:05.000-0700"),
		"maxConnectionsPerSession": 50,
		"recoveryBufferSize":       s.cfg.RecoveryBufferSize,
		"recoveryTimeout":          int(s.cfg.RecoveryTimeout / time.Second),
		"idleTimeout":              1800,
		"absoluteTimeout":          86400,
		"maxActiveRequests":        10,
	}
	if state != "" {
		body["recoveryState"] = state
		if errorCode != "" {
			body["recoveryErrorCode"] = errorCode
		}
	}
	id := newID()
	c.enqueue(item{frame: buildFrame(map[string]any{
		"type": "ConnectionDetails", "messageId": id, "status": 200,
		"wsc":     map[string]any{"token": sess.token, "sequence": sess.seq},
		"headers": map[string]string{"RCRequestId": id},
	}, mustJSON(body))})
	if state == "Successful" {
		for _, env := range sess.missed {
			s.sendLocked(sess, env)
		}
		sess.missed = nil
	}
	return sess, ended
}

// sweep discards the sessions whose recovery window has passed.
func (s *Server) sweep(now time.Time) []string {
	var ended []string
	for _, sess := range s.sessions {
		if sess.conn == nil && now.Sub(sess.lostAt) > s.cfg.RecoveryTimeout {
			ended = append(ended, s.discard(sess)...)
		}
	}
	return ended
}

func (s *Server) discard(sess *session) []string {
	delete(s.sessions, sess.token)
	if sess.conn != nil {
		sess.conn.drop()
		sess.conn = nil
	}
	if sess.subID != "" {
		delete(s.bySub, sess.subID)
		id := sess.subID
		sess.subID = ""
		return []string{id}
	}
	return nil
}

// detach marks the session disconnected when c was its connection, and
// keeps the notifications c did not write for recovery.
func (s *Server) detach(c *wsConn, sess *session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sess.conn != c {
		return
	}
	sess.conn = nil
	sess.lostAt = s.cfg.Now()
	for _, env := range c.unsent() {
		s.bufferLocked(sess, env)
	}
}

func (s *Server) bufferLocked(sess *session, env []byte) {
	s.stats.Buffered++
	sess.missed = append(sess.missed, env)
	if len(sess.missed) > s.cfg.RecoveryBufferSize {
		sess.overflw = true
		sess.missed = slices.Delete(sess.missed, 0, len(sess.missed)-s.cfg.RecoveryBufferSize)
	}
}

// sendLocked queues one notification on the session's connection.
func (s *Server) sendLocked(sess *session, env []byte) {
	var head struct {
		UUID string `json:"uuid"`
	}
	_ = json.Unmarshal(env, &head)
	id := head.UUID
	if id == "" {
		id = newID()
	}
	sess.seq++
	f := buildFrame(map[string]any{
		"type": "ServerNotification", "messageId": id, "status": 200,
		"wsc":     map[string]any{"token": sess.token, "sequence": sess.seq},
		"headers": map[string]string{"RCRequestId": newID()},
	}, env)
	if !sess.conn.enqueue(item{frame: f, envelope: env}) {
		s.log.Debug("fakewsg: client too slow, dropping the connection", "session", sess.id)
	}
	s.stats.Sent++
}

// Publish sends envelope (a notification's JSON) to the session that holds
// subscriptionID, or keeps it for recovery if that session is
// disconnected. It reports false if no session holds the subscription.
func (s *Server) Publish(subscriptionID string, envelope []byte) bool {
	env := slices.Clone(envelope)
	now := s.cfg.Now()
	s.mu.Lock()
	sess := s.bySub[subscriptionID]
	if sess == nil {
		s.mu.Unlock()
		return false
	}
	if sess.conn == nil && now.Sub(sess.lostAt) > s.cfg.RecoveryTimeout {
		ended := s.discard(sess)
		s.mu.Unlock()
		for _, id := range ended {
			s.subscriptionEnded(id)
		}
		return false
	}
	if sess.conn == nil {
		s.bufferLocked(sess, env)
	} else {
		s.sendLocked(sess, env)
	}
	s.mu.Unlock()
	return true
}

// Drop closes the TCP connection of session id ("" for every session)
// without a close frame, as a network failure would. The sessions stay
// recoverable. It returns how many connections it dropped.
func (s *Server) Drop(id string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, sess := range s.sessions {
		if sess.conn != nil && (id == "" || sess.id == id) {
			sess.conn.drop()
			n++
		}
	}
	return n
}

// SendError sends an Error frame with code (such as "WSG-903") on every
// connection, then closes it with a close frame, as the gateway does when
// a session times out. It returns how many connections it closed.
func (s *Server) SendError(code string) int {
	msg := map[string]string{"WSG-902": "Idle timeout expired", "WSG-903": "Absolute timeout expired"}[code]
	if msg == "" {
		msg = "Gateway error"
	}
	body := mustJSON(map[string]string{"errorCode": code, "message": msg})
	return s.broadcast(func() item {
		return item{frame: buildFrame(map[string]any{"type": "Error", "messageId": newID(), "status": 400}, body), closeAfter: code}
	})
}

// SendRaw writes frame as is on every connection (malformed frames,
// unusual spellings). It returns how many connections it wrote to.
func (s *Server) SendRaw(frame []byte) int {
	f := slices.Clone(frame)
	return s.broadcast(func() item { return item{frame: f} })
}

func (s *Server) broadcast(mk func() item) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, sess := range s.sessions {
		if sess.conn != nil {
			sess.conn.enqueue(mk())
			n++
		}
	}
	return n
}

// FailNextRecovery makes the next recovery attempt fail (recoveryState
// Failed), as when the gateway has lost the session.
func (s *Server) FailNextRecovery() {
	s.mu.Lock()
	s.failNext++
	s.mu.Unlock()
}

// RemoveSubscription makes the session holding subscriptionID forget it
// (the platform deleted it by other means); SubscriptionEnded is not
// called.
func (s *Server) RemoveSubscription(subscriptionID string) {
	s.mu.Lock()
	if sess := s.bySub[subscriptionID]; sess != nil {
		delete(s.bySub, subscriptionID)
		sess.subID = ""
	}
	s.mu.Unlock()
}

// MuteHeartbeats stops (true) or resumes (false) the answers to
// Heartbeat frames, to make a connection look dead to the client.
func (s *Server) MuteHeartbeats(mute bool) {
	s.mu.Lock()
	s.mute = mute
	s.mu.Unlock()
}

// Stats returns the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Sessions lists the live sessions, in creation order.
func (s *Server) Sessions() []SessionInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SessionInfo, 0, len(s.sessions))
	for _, sess := range s.sessions {
		out = append(out, SessionInfo{ID: sess.id, SubscriptionID: sess.subID, Connected: sess.conn != nil})
	}
	slices.SortFunc(out, func(a, b SessionInfo) int {
		x, _ := strconv.Atoi(a.ID[1:])
		y, _ := strconv.Atoi(b.ID[1:])
		return x - y
	})
	return out
}

// Requests returns the ClientRequests received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

func (s *Server) subscriptionEnded(id string) {
	if s.cfg.SubscriptionEnded != nil {
		s.cfg.SubscriptionEnded(id)
	}
	if s.store != nil {
		s.store.remove(id)
	}
}

func randomToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// newID returns a random version-4 UUID.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// buildFrame makes [meta, body] (or [meta] without a body).
func buildFrame(meta map[string]any, body []byte) []byte {
	var b strings.Builder
	b.WriteByte('[')
	b.Write(mustJSON(meta))
	if len(body) > 0 {
		b.WriteByte(',')
		b.Write(body)
	}
	b.WriteByte(']')
	return []byte(b.String())
}
