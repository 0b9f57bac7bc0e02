package relay

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/transport/webhook"
)

// leaseTestServerOpts are the options of an embedded JetStream server on
// loopback, on a random port, storing in a temporary directory.
func leaseTestServerOpts(t testing.TB) *server.Options {
	return &server.Options{
		Host:      "127.0.0.1",
		Port:      -1,
		JetStream: true,
		StoreDir:  t.TempDir(),
		NoLog:     true,
		NoSigs:    true,
	}
}

// leaseTestServer starts an embedded JetStream server; it is shut down
// when the test ends.
func leaseTestServer(t testing.TB) *server.Server {
	t.Helper()
	return leaseTestServerWith(t, leaseTestServerOpts(t))
}

func leaseTestServerWith(t testing.TB, opts *server.Options) *server.Server {
	t.Helper()
	s, err := server.NewServer(opts)
	if err != nil {
		t.Fatalf("nats server: %v", err)
	}
	s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		t.Fatal("nats server: not ready in 10 s")
	}
	t.Cleanup(func() {
		s.Shutdown()
		s.WaitForShutdown()
	})
	return s
}

// leaseTestConn connects to s; the connection is closed when the test
// ends.
func leaseTestConn(t testing.TB, s *server.Server) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	nc, err := nats.Connect(s.ClientURL(), nats.ReconnectWait(50*time.Millisecond), nats.MaxReconnects(-1))
	if err != nil {
		t.Fatalf("nats connect: %v", err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatalf("jetstream: %v", err)
	}
	return nc, js
}

// ownerTestMemberHeader names, in every request a member's client sends
// to the fake platform, the member that sent it.
const ownerTestMemberHeader = "X-Test-Member"

// ownerTestTagger adds the member header to every request.
type ownerTestTagger struct {
	member string
	base   http.RoundTripper
}

func (tg ownerTestTagger) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(ownerTestMemberHeader, tg.member)
	return tg.base.RoundTrip(r)
}

// ownerTestEnv is a fake RingCentral platform and a webhook receiver that
// answers its validation handshake.
type ownerTestEnv struct {
	p        *notifytest.Platform
	receiver *httptest.Server
	token    string
}

const ownerTestToken = "relay-owner-test-verification-token-0123456789"

func newOwnerTestEnv(t testing.TB) *ownerTestEnv {
	t.Helper()
	p := notifytest.NewPlatform()
	if err := p.Err(); err != nil {
		t.Fatalf("notifytest: %v", err)
	}
	t.Cleanup(p.Close)
	recv := httptest.NewServer(webhook.NewHandler(ownerTestToken))
	t.Cleanup(recv.Close)
	return &ownerTestEnv{p: p, receiver: recv, token: ownerTestToken}
}

// client returns a ringwatch client whose requests carry member's name.
func (e *ownerTestEnv) client(t testing.TB, member string) *ringwatch.Client {
	t.Helper()
	base := e.p.HTTPClient()
	rt := base.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	hc := &http.Client{Transport: ownerTestTagger{member: member, base: rt}}
	t.Cleanup(hc.CloseIdleConnections)
	return ringwatch.NewClient(e.p.Config(), ringwatch.WithHTTPClient(hc))
}

// ownerTestReq is a subscription request the platform received.
type ownerTestReq struct {
	at     time.Time
	member string
	op     string // create, renew, get, delete, update, list
	id     string
}

// subscriptionRequests returns the Subscription API requests the platform
// received, oldest first.
func (e *ownerTestEnv) subscriptionRequests() []ownerTestReq {
	const prefix = "/restapi/v1.0/subscription"
	var out []ownerTestReq
	for _, r := range e.p.Requests() {
		if len(r.Path) < len(prefix) || r.Path[:len(prefix)] != prefix {
			continue
		}
		rest := r.Path[len(prefix):]
		q := ownerTestReq{at: r.Time, member: r.Header.Get(ownerTestMemberHeader)}
		switch {
		case rest == "" && r.Method == http.MethodPost:
			q.op = "create"
		case rest == "" && r.Method == http.MethodGet:
			q.op = "list"
		case len(rest) > len("/renew") && rest[len(rest)-len("/renew"):] == "/renew":
			q.op, q.id = "renew", rest[1:len(rest)-len("/renew")]
		case r.Method == http.MethodGet:
			q.op, q.id = "get", rest[1:]
		case r.Method == http.MethodDelete:
			q.op, q.id = "delete", rest[1:]
		case r.Method == http.MethodPut:
			q.op, q.id = "update", rest[1:]
		default:
			q.op = r.Method + " " + rest
		}
		out = append(out, q)
	}
	return out
}
