package websocket

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/ringwatch/ringwatch/internal/testkit/fakewsg"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/transport"
)

// fakeSink records what a transport hands over.
type fakeSink struct {
	mu        sync.Mutex
	delivered [][]byte
	states    []transport.State
	failed    error
	changed   chan struct{} // signalled (non-blocking) on every call
}

func newFakeSink() *fakeSink { return &fakeSink{changed: make(chan struct{}, 1)} }

func (s *fakeSink) poke() {
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

func (s *fakeSink) Deliver(_ context.Context, m transport.Message) error {
	s.mu.Lock()
	s.delivered = append(s.delivered, m.Data)
	s.mu.Unlock()
	s.poke()
	return nil
}

func (s *fakeSink) State(st transport.State) {
	s.mu.Lock()
	s.states = append(s.states, st)
	s.mu.Unlock()
	s.poke()
}

func (s *fakeSink) Fail(err error) {
	s.mu.Lock()
	s.failed = err
	s.mu.Unlock()
	s.poke()
}

// uuids returns the uuids of the delivered envelopes, in order.
func (s *fakeSink) uuids() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.delivered))
	for _, d := range s.delivered {
		var e struct {
			UUID string `json:"uuid"`
		}
		_ = json.Unmarshal(d, &e)
		out = append(out, e.UUID)
	}
	return out
}

func (s *fakeSink) kinds() []transport.StateKind {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]transport.StateKind, 0, len(s.states))
	for _, st := range s.states {
		out = append(out, st.Kind)
	}
	return out
}

func (s *fakeSink) stateList() []transport.State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]transport.State(nil), s.states...)
}

// waitFor waits until cond holds, failing the test after 10 s.
func (s *fakeSink) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-s.changed:
		case <-tick.C:
		case <-deadline.C:
			t.Fatalf("timed out waiting for %s; states %v, %d delivered", what, s.kinds(), len(s.uuids()))
		}
	}
}

func (s *fakeSink) waitDelivered(t *testing.T, n int) {
	t.Helper()
	s.waitFor(t, strconv.Itoa(n)+" notifications", func() bool { return len(s.uuids()) >= n })
}

func (s *fakeSink) countKind(k transport.StateKind) int {
	n := 0
	for _, got := range s.kinds() {
		if got == k {
			n++
		}
	}
	return n
}

// gateway is a fake platform for the transport: a wstoken endpoint that
// wants a Bearer token and hands out single-use gateway tokens, and the
// fake gateway behind it.
type gateway struct {
	*fakewsg.Server
	srv *httptest.Server

	mu      sync.Mutex
	issued  map[string]bool
	n       int
	tokens  int    // wstoken requests answered
	refuse  int    // wstoken requests to answer with 401
	wsPath  string // where the gateway uri points ("/ws" by default)
	bearers []string
}

const bearer = "rest-access-token"

func newGateway(t *testing.T, cfg fakewsg.Config) *gateway {
	t.Helper()
	g := &gateway{issued: map[string]bool{}}
	cfg.Authorize = func(tok string) (any, bool) {
		g.mu.Lock()
		defer g.mu.Unlock()
		ok := g.issued[tok]
		delete(g.issued, tok) // single use
		return nil, ok
	}
	g.Server = fakewsg.New(cfg)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /restapi/oauth/wstoken", func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		g.bearers = append(g.bearers, r.Header.Get("Authorization"))
		refuse := g.refuse > 0
		if refuse {
			g.refuse--
		}
		g.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("Authorization") != "Bearer "+bearer || refuse {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"errorCode":"TokenInvalid","message":"Token not found"}`)
			return
		}
		g.mu.Lock()
		g.n++
		g.tokens++
		tok := fmt.Sprintf("wstok-%d-secret", g.n)
		g.issued[tok] = true
		g.mu.Unlock()
		g.mu.Lock()
		path := g.wsPath
		g.mu.Unlock()
		if path == "" {
			path = "/ws"
		}
		uri := "ws" + strings.TrimPrefix(g.srv.URL, "http") + path
		fmt.Fprintf(w, `{"uri":%q,"ws_access_token":%q,"expires_in":60}`, uri, tok)
	})
	mux.Handle("GET /ws", g.Server)
	mux.HandleFunc("GET /ws-error", func(w http.ResponseWriter, r *http.Request) {
		// A gateway that refuses the session in its first frame.
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer ws.CloseNow()
		_ = ws.Write(r.Context(), websocket.MessageText, []byte(`[{"type":"Error","messageId":"m","status":401},{"errorCode":"WSG-401","message":"Unauthorized"}]`))
		_, _, _ = ws.Read(r.Context())
	})
	g.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		g.Server.Close()
		g.srv.Close()
	})
	return g
}

// bearerTransport adds the REST token, as ringwatch.Config.Client would.
type bearerTransport struct{ base http.RoundTripper }

func (b bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+bearer)
	return b.base.RoundTrip(r)
}

// client returns an authorised client whose idle connections are closed
// at the end of the test.
func (g *gateway) client(t *testing.T) *http.Client {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: bearerTransport{tr}}
}

func noWait(int) time.Duration { return 0 }

// open starts a transport against g and registers its Close.
func (g *gateway) open(t *testing.T, sink transport.Sink, opts ...Option) *Transport {
	t.Helper()
	opts = append([]Option{WithBackoffFunc(noWait), WithDialClient(&http.Client{Transport: g.plain(t)})}, opts...)
	tr := newWithClient(g.srv.URL, g.client(t), opts...)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := tr.Open(ctx, []subscription.Filter{subscription.ExtensionPresence("~", subscription.Detailed())}, sink); err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = tr.Close(context.Background()) })
	return tr
}

func (g *gateway) setPath(p string) {
	g.mu.Lock()
	g.wsPath = p
	g.mu.Unlock()
}

func (g *gateway) setRefuse(n int) {
	g.mu.Lock()
	g.refuse = n
	g.mu.Unlock()
}

func (g *gateway) plain(t *testing.T) *http.Transport {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

// envelope builds a notification of subscription sub.
func envelope(sub string, i int) []byte {
	return fmt.Appendf(nil, `{"uuid":"n-%d","event":"/restapi/v1.0/account/1/extension/2/presence","timestamp":"2024-05-01T10:00:00.000Z","subscriptionId":%q,"ownerId":"2","body":{"extensionId":"2","telephonyStatus":"Ringing","sequence":%d}}`, i, sub, i)
}

func seqUUIDs(from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, "n-"+strconv.Itoa(i))
	}
	return out
}
