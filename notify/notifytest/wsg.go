package notifytest

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ringwatch/ringwatch/internal/testkit/fakewsg"
	"github.com/ringwatch/ringwatch/subscription"
)

// The platform's WebSocket Gateway: POST /restapi/oauth/wstoken hands out
// single-use tokens for ws://…/ws, where internal/testkit/fakewsg serves the
// gateway protocol. Subscriptions made over a socket are created, updated
// and deleted through the same code as the REST API (validation, "~"
// expansion, limits), and Publish routes WebSocket subscriptions'
// notifications to the socket that holds them.

const (
	wsgPath       = "/ws"
	wsTokenTTL    = 60 * time.Second
	wsTokenPrefix = "wsg-"
)

type wsgDeliverer struct {
	p   *Platform
	srv *fakewsg.Server

	mu     sync.Mutex
	tokens map[string]wsTokenGrant
}

type wsTokenGrant struct {
	caller  caller
	expires time.Time
}

// installWSG mounts the gateway and registers the WebSocket deliverer.
func (p *Platform) installWSG() {
	d := &wsgDeliverer{p: p, tokens: map[string]wsTokenGrant{}}
	d.srv = fakewsg.New(fakewsg.Config{
		Authorize:         d.authorize,
		Handle:            d.handle,
		SubscriptionEnded: d.ended,
		Logger:            p.log,
		Now:               p.now,
	})
	p.route("POST /restapi/oauth/wstoken", groupAuth, true, d.serveToken)
	p.handle("GET "+wsgPath, d.srv)
	p.onClose(d.srv.Close) // drops the sockets before the server waits for its handlers
	p.registerDeliverer(transportWebSocket, d)
}

func (d *wsgDeliverer) serveToken(w http.ResponseWriter, _ *http.Request, c *caller) {
	tok := wsTokenPrefix + randomHex(24)
	d.mu.Lock()
	now := d.p.now()
	for t, g := range d.tokens {
		if !now.Before(g.expires) {
			delete(d.tokens, t)
		}
	}
	d.tokens[tok] = wsTokenGrant{caller: *c, expires: now.Add(wsTokenTTL)}
	d.mu.Unlock()
	uri := "ws" + strings.TrimPrefix(d.p.URL(), "http") + wsgPath
	writeJSON(w, http.StatusOK, map[string]any{
		"uri": uri, "ws_access_token": tok, "expires_in": int(wsTokenTTL / time.Second),
	})
}

// authorize accepts a gateway token once, before it expires.
func (d *wsgDeliverer) authorize(tok string) (any, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	g, ok := d.tokens[tok]
	delete(d.tokens, tok)
	if !ok || !d.p.now().Before(g.expires) {
		return nil, false
	}
	c := g.caller
	return &c, true
}

// handle answers the REST requests made over a socket.
func (d *wsgDeliverer) handle(ctx context.Context, r fakewsg.Request) fakewsg.Response {
	p := d.p
	c, _ := r.Auth.(*caller)
	if c == nil {
		return wsgError(errorf(http.StatusUnauthorized, "OAU-149", "Unparsable access token"))
	}
	path := strings.TrimSuffix(r.Path, "/")
	rest, isSub := strings.CutPrefix(path, subscriptionPath)
	id, action, _ := strings.Cut(strings.TrimPrefix(rest, "/"), "/")
	switch {
	case !isSub || (rest != "" && !strings.HasPrefix(rest, "/")):
		return wsgError(errorf(http.StatusNotFound, "CMN-120", "Invalid URI"))
	case id == "" && r.Method == http.MethodPost:
		var req subscription.CreateRequest
		if err := json.Unmarshal(r.Body, &req); err != nil {
			return wsgError(invalidParam("body", "Request body is not valid JSON"))
		}
		rec, aerr := p.createSubscription(ctx, c, req, true)
		if aerr != nil {
			return wsgError(aerr)
		}
		return wsgJSON(p.subscriptionInfo(rec))
	case id == "":
		return wsgError(errorf(http.StatusMethodNotAllowed, "CMN-405", "Method not allowed"))
	case action == "renew" && r.Method == http.MethodPost:
		rec, aerr := p.renewSubscription(c, id, true)
		if aerr != nil {
			return wsgError(aerr)
		}
		return wsgJSON(p.subscriptionInfo(rec))
	case action != "":
		return wsgError(errorf(http.StatusNotFound, "CMN-120", "Invalid URI"))
	}
	switch r.Method {
	case http.MethodGet:
		now := p.now()
		p.mu.Lock()
		rec, aerr := p.lookup(c, id, now)
		var in subscription.Info
		if aerr == nil {
			in = p.info(rec, now)
		}
		p.mu.Unlock()
		if aerr != nil {
			return wsgError(aerr)
		}
		return wsgJSON(in)
	case http.MethodPut:
		var req *subscription.UpdateRequest
		if len(r.Body) > 0 {
			req = new(subscription.UpdateRequest)
			if err := json.Unmarshal(r.Body, req); err != nil {
				return wsgError(invalidParam("body", "Request body is not valid JSON"))
			}
		}
		rec, aerr := p.updateSubscription(c, id, req, true)
		if aerr != nil {
			return wsgError(aerr)
		}
		return wsgJSON(p.subscriptionInfo(rec))
	case http.MethodDelete:
		if aerr := p.deleteSubscription(c, id); aerr != nil {
			return wsgError(aerr)
		}
		return fakewsg.Response{Status: http.StatusNoContent}
	}
	return wsgError(errorf(http.StatusMethodNotAllowed, "CMN-405", "Method not allowed"))
}

func wsgJSON(v any) fakewsg.Response {
	b, err := json.Marshal(v)
	if err != nil {
		return wsgError(errorf(http.StatusInternalServerError, "CMN-500", "notifytest: cannot encode the response"))
	}
	return fakewsg.Response{Status: http.StatusOK, Body: b}
}

func wsgError(e *apiError) fakewsg.Response {
	return fakewsg.Response{Status: e.status, Body: e.body()}
}

// ended forgets a subscription whose gateway session is gone.
func (d *wsgDeliverer) ended(id string) {
	_ = d.p.deleteSubscription(nil, id)
}

func (d *wsgDeliverer) deliver(_ context.Context, sub *subRecord, envelope []byte) error {
	// A subscription no session holds (its socket gone for good) loses the
	// notification, as on RingCentral.
	d.srv.Publish(sub.id, envelope)
	return nil
}

// removed is called when the subscription is deleted (over the socket or
// the REST API).
func (d *wsgDeliverer) removed(sub *subRecord) { d.srv.RemoveSubscription(sub.id) }

func (p *Platform) wsg() *wsgDeliverer {
	p.mu.Lock()
	defer p.mu.Unlock()
	d, _ := p.deliverers[transportWebSocket].(*wsgDeliverer)
	return d
}

// DropWebSockets closes every WebSocket Gateway connection's TCP
// connection without a close frame, as a network failure would. The
// sessions stay recoverable (with &wsc=) for their recovery timeout, and
// notifications published meanwhile are kept for them (up to 100). It
// returns how many connections it dropped.
func (p *Platform) DropWebSockets() int {
	if d := p.wsg(); d != nil {
		return d.srv.Drop("")
	}
	return 0
}

// SendWebSocketError sends an Error frame with code (such as "WSG-903",
// absolute timeout, or "WSG-902", idle timeout) on every WebSocket
// Gateway connection and closes it. It returns how many it closed.
func (p *Platform) SendWebSocketError(code string) int {
	if d := p.wsg(); d != nil {
		return d.srv.SendError(code)
	}
	return 0
}

// FailNextWebSocketRecovery makes the next session recovery fail
// (recoveryState Failed): the client must create its subscription again,
// and what was published while it was away is lost. Calls add up.
func (p *Platform) FailNextWebSocketRecovery() {
	if d := p.wsg(); d != nil {
		d.srv.FailNextRecovery()
	}
}

// MuteWebSocketHeartbeats stops (true) or resumes the gateway's answers
// to Heartbeat frames.
func (p *Platform) MuteWebSocketHeartbeats(mute bool) {
	if d := p.wsg(); d != nil {
		d.srv.MuteHeartbeats(mute)
	}
}

// WebSocketStats counts what the platform's WebSocket Gateway saw.
type WebSocketStats struct {
	// Connections accepted; Recovered and RecoveryFailed among them.
	Connections, Recovered, RecoveryFailed int
	// Heartbeats received.
	Heartbeats int
	// Sent notifications written to sockets (replays included); Buffered
	// kept for disconnected sessions.
	Sent, Buffered int
	// AuthorizationRefused counts upgrades refused because they carried an
	// Authorization header: the gateway authenticates the single-use token
	// in the URL, and a client must not send it the REST token.
	AuthorizationRefused int
	// FaultsServed counts socket requests answered by InjectWebSocketFault.
	FaultsServed int
}

// WebSocketStats returns the gateway's counters.
func (p *Platform) WebSocketStats() WebSocketStats {
	d := p.wsg()
	if d == nil {
		return WebSocketStats{}
	}
	s := d.srv.Stats()
	return WebSocketStats{Connections: s.Connections, Recovered: s.Recovered, RecoveryFailed: s.RecoveryFailed,
		Heartbeats: s.Heartbeats, Sent: s.Sent, Buffered: s.Buffered,
		AuthorizationRefused: s.AuthorizationRefused, FaultsServed: s.FaultsServed}
}
