package notifytest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"time"

	ringwatch "github.com/ringwatch/ringwatch"
)

// Platform is a fake RingCentral platform serving on a loopback address.
// All its methods are safe for concurrent use.
type Platform struct {
	set settings
	log *slog.Logger
	err error // why NewPlatform could not start; see Err

	srv *httptest.Server
	mux *http.ServeMux

	// ctx is cancelled by Close: every outbound request (handshakes,
	// deliveries) and every owned goroutine watches it.
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	outbound *http.Transport
	closing  sync.Once

	mu         sync.Mutex
	closed     bool
	closers    []func()
	auth       authState
	subs       map[string]*subRecord
	subSeq     uint64
	calls      callState
	faults     []*Fault
	requests   []Request
	rates      map[rateKey]*rateWindow
	deliverers map[string]deliverer
}

// NewPlatform starts a platform on a loopback address with the given
// options. It never panics: if an option is invalid or the listener cannot
// be opened, it returns a closed platform whose Err says why and whose URL
// is empty. Use NewPlatformErr to get the error directly.
func NewPlatform(opts ...Option) *Platform {
	p, err := NewPlatformErr(opts...)
	if err != nil {
		// A closed platform with empty tables: every method works and
		// does nothing useful, and none panics.
		p = newPlatform(settings{now: time.Now})
		p.err, p.closed = err, true
		p.cancel()
	}
	return p
}

// NewPlatformErr is NewPlatform returning the error instead of a failed
// platform: an *OptionError (errors.Is ErrInvalidOption) for a bad option,
// or the error of opening the loopback listener.
func NewPlatformErr(opts ...Option) (*Platform, error) {
	s := defaultSettings()
	for _, o := range opts {
		if o != nil {
			o(&s)
		}
	}
	if err := s.validate(); err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		l, err = net.Listen("tcp6", "[::1]:0")
	}
	if err != nil {
		return nil, fmt.Errorf("notifytest: listen on loopback: %w", err)
	}
	p := newPlatform(s)
	p.outbound = &http.Transport{
		Proxy:               nil, // loopback only; never through a proxy from the environment
		DialContext:         (&net.Dialer{Timeout: s.handshakeTimeout}).DialContext,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     30 * time.Second,
	}
	p.routes()
	p.deliverers[transportWebHook] = &webhookDeliverer{p: p}
	p.installPubNub()
	p.installWSG()
	p.srv = &httptest.Server{
		Listener: l,
		Config:   &http.Server{Handler: p.mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: nil},
	}
	p.srv.Start()
	p.log.Debug("notifytest: platform started", "url", p.srv.URL, "account", s.accountID, "owner", s.ownerID)
	return p, nil
}

// newPlatform builds a platform's tables, without a server.
func newPlatform(s settings) *Platform {
	p := &Platform{
		set:        s,
		log:        s.logger,
		mux:        http.NewServeMux(),
		subs:       map[string]*subRecord{},
		rates:      map[rateKey]*rateWindow{},
		deliverers: map[string]deliverer{},
	}
	if p.log == nil {
		p.log = discardLogger()
	}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.auth.init(&p.set)
	p.calls.init()
	return p
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// Err reports why NewPlatform could not start the platform, or nil.
func (p *Platform) Err() error { return p.err }

// URL is the server URL to give ringwatch (Config.ServerURL), such as
// "http://127.0.0.1:49152". It is empty if the platform failed to start.
func (p *Platform) URL() string {
	if p.srv == nil {
		return ""
	}
	return p.srv.URL
}

// Config returns credentials the platform accepts: its URL, the client id
// and secret, and the JWT of the owner extension.
func (p *Platform) Config() ringwatch.Config {
	return ringwatch.Config{ServerURL: p.URL(), ClientID: p.set.clientID, ClientSecret: p.set.clientSecret, JWT: p.set.jwt}
}

// ConfigFor returns credentials that log in as another extension of the
// account (its JWT is JWTFor(extensionID), unless WithCredentials set the
// owner's). It reports false for an unknown extension.
func (p *Platform) ConfigFor(extensionID string) (ringwatch.Config, bool) {
	jwt, ok := p.auth.jwtOf(extensionID)
	if !ok {
		return ringwatch.Config{}, false
	}
	c := p.Config()
	c.JWT = jwt
	return c, true
}

// HTTPClient returns a plain client for the platform's server, without
// credentials; Close closes its idle connections.
func (p *Platform) HTTPClient() *http.Client {
	if p.srv == nil {
		return &http.Client{}
	}
	return p.srv.Client()
}

// AccountID returns the account's id.
func (p *Platform) AccountID() string { return p.set.accountID }

// Extensions returns the account's extensions.
func (p *Platform) Extensions() []Extension { return slices.Clone(p.set.extensions) }

// Owner returns the extension that Config's JWT logs in as.
func (p *Platform) Owner() Extension {
	e, _ := p.extension(p.set.ownerID)
	return e
}

func (p *Platform) extension(id string) (Extension, bool) {
	for _, e := range p.set.extensions {
		if e.ID == id {
			return e, true
		}
	}
	return Extension{}, false
}

// Close stops the server, cancels every outbound request and waits for
// every goroutine the platform started. It is idempotent.
func (p *Platform) Close() {
	p.closing.Do(func() {
		p.mu.Lock()
		p.closed = true
		closers := p.closers
		p.closers = nil
		p.mu.Unlock()
		p.cancel()
		// Later components (long polls, sockets) stop before the server
		// waits for its outstanding requests.
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
		if p.srv != nil {
			p.srv.Close()
		}
		p.wg.Wait()
		if p.outbound != nil {
			p.outbound.CloseIdleConnections()
		}
		p.log.Debug("notifytest: platform closed")
	})
}

// onClose registers f to run at Close, before the server stops waiting for
// outstanding requests, in reverse order of registration. It reports false
// (and does not keep f) if the platform is already closed.
func (p *Platform) onClose(f func()) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.closers = append(p.closers, f)
	return true
}

// goOwned runs f in a goroutine that Close waits for; f must return once
// p.ctx is done. It reports false (and does not run f) after Close.
func (p *Platform) goOwned(f func()) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		f()
	}()
	return true
}

func (p *Platform) now() time.Time { return p.set.now() }

// handle registers a raw route on the platform's mux, for components that
// speak something other than the REST API (the WebSocket upgrade, PubNub
// paths). Patterns are net/http.ServeMux patterns.
func (p *Platform) handle(pattern string, h http.Handler) { p.mux.Handle(pattern, h) }

// apiHandler serves one REST endpoint for an authenticated caller (nil for
// routes that need no bearer token).
type apiHandler func(w http.ResponseWriter, r *http.Request, c *caller)

// route registers a REST endpoint. Every request is recorded, may be
// answered by an injected fault, is authenticated (when auth is set),
// counted against its rate-limit group and answered with X-Rate-Limit-*
// headers.
func (p *Platform) route(pattern string, group rateGroup, auth bool, h apiHandler) {
	p.mux.Handle(pattern, p.api(group, auth, h))
}

const maxBody = 1 << 20

func (p *Platform) api(group rateGroup, auth bool, h apiHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		p.record(r, body)
		if err != nil {
			errorf(http.StatusRequestEntityTooLarge, "CMN-101", "Request body is too large").write(w)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		p.log.Debug("notifytest: request", "method", r.Method, "path", r.URL.Path)
		if f := p.takeFault(r); f != nil {
			p.rateHeaders(w, group, "", f.Status == http.StatusTooManyRequests)
			f.write(w)
			return
		}
		var c *caller
		if auth {
			var aerr *apiError
			if c, aerr = p.authenticate(r); aerr != nil {
				p.rateHeaders(w, group, "", false)
				aerr.write(w)
				return
			}
		}
		key := ""
		if c != nil {
			key = c.extensionID
		}
		if aerr := p.countRate(w, group, key); aerr != nil {
			aerr.write(w)
			return
		}
		h(w, r, c)
	})
}

func (p *Platform) routes() {
	p.route("POST /restapi/oauth/token", groupAuth, false, p.serveToken)
	p.route("POST /restapi/oauth/revoke", groupAuth, false, p.serveRevoke)

	p.route("POST /restapi/v1.0/subscription", groupMedium, true, p.serveCreate)
	p.route("GET /restapi/v1.0/subscription", groupLight, true, p.serveList)
	p.route("GET /restapi/v1.0/subscription/{id}", groupLight, true, p.serveGet)
	p.route("PUT /restapi/v1.0/subscription/{id}", groupMedium, true, p.serveUpdate)
	p.route("POST /restapi/v1.0/subscription/{id}/renew", groupLight, true, p.serveRenew)
	p.route("DELETE /restapi/v1.0/subscription/{id}", groupMedium, true, p.serveDelete)

	p.route("GET /restapi/v1.0/account/{account}/telephony/sessions/{session}", groupLight, true, p.serveSession)
	p.route("GET /restapi/v1.0/account/{account}/telephony/sessions/{session}/parties/{party}", groupLight, true, p.serveParty)
	p.route("GET /restapi/v1.0/account/{account}/extension/{extension}/presence", groupLight, true, p.serveExtensionPresence)
	p.route("GET /restapi/v1.0/account/{account}/presence", groupHeavy, true, p.serveAccountPresence)
	p.controlRoutes()

	// Anything else is RingCentral's "Invalid URI".
	p.route("/", groupLight, false, func(w http.ResponseWriter, r *http.Request, _ *caller) {
		errorf(http.StatusNotFound, "CMN-120", "Invalid URI").write(w)
	})
}

func readAll(r *http.Request) ([]byte, error) { return io.ReadAll(r.Body) }

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// newUUID returns a random version-4 UUID, the form of subscription ids.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
