package pubnub

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	pn "github.com/pubnub/go/v7"
)

// Timeouts of the connections to PubNub. A real long-poll is held about
// 280 s, so the subscribe requests get more than that.
const (
	connectTimeout          = 10 * time.Second
	subscribeRequestTimeout = 320 * time.Second
	requestTimeout          = 10 * time.Second
)

// session is one SDK instance: one subscribe key, one listener, one pump.
type session struct {
	subKey  string
	pn      *pn.PubNub
	l       *pn.Listener
	subTr   *http.Transport // the subscribe client's, closed by us (Destroy does not)
	tr      *http.Transport
	channel string // subscribed channel; owned by the control goroutine

	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

// newSession creates an SDK instance for subKey and starts its pump. It
// works around the SDK's faults: both HTTP clients are
// injected before anything else (Destroy panics on a nil client), the
// reconnection policy stays PNNonePolicy, and Config.Log stays nil so that
// the SDK swaps in a discard logger instead of printing the keys.
func (t *Transport) newSession(ctx context.Context, subKey string) *session {
	cfg := pn.NewConfigWithUserId(pn.UserId(t.uuid))
	cfg.SubscribeKey = subKey
	cfg.Origin = t.opts.origin
	cfg.Secure = t.opts.secure
	cfg.PNReconnectionPolicy = pn.PNNonePolicy
	cfg.SuppressLeaveEvents = true // presence leave is useless to RingCentral
	cfg.ConnectTimeout = int(connectTimeout / time.Second)
	cfg.SubscribeRequestTimeout = int(subscribeRequestTimeout / time.Second)
	cfg.NonSubscribeRequestTimeout = int(requestTimeout / time.Second)
	cfg.Log = nil

	s := &session{subKey: subKey, l: pn.NewListener(), done: make(chan struct{})}
	s.tr, s.subTr = t.newHTTPTransport(), t.newHTTPTransport()
	s.pn = pn.NewPubNub(cfg)
	s.pn.SetClient(&http.Client{Transport: s.tr, Timeout: requestTimeout})
	s.pn.SetSubscribeClient(&http.Client{
		Transport: &ttRecorder{next: s.subTr, tt: &t.lastTT},
		Timeout:   subscribeRequestTimeout,
	})
	s.pn.AddListener(s.l)
	t.instances.Add(1)

	pctx, cancel := context.WithCancel(ctx)
	s.cancel = cancel
	go t.pump(pctx, ctx, s)
	return s
}

func (t *Transport) newHTTPTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: connectTimeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       t.opts.tlsConfig.Clone(),
		TLSHandshakeTimeout:   connectTimeout,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: 0, // the long-poll holds the headers back
	}
}

// subscribe subscribes to channel from timetoken tt (0: from now). A
// session serves one channel for its life: a second call may only repeat
// the same channel (a retry after a failed poll, which keeps the SDK's
// message worker alive across the hand-over); a new channel takes a new
// session (Transport.apply).
func (s *session) subscribe(channel string, tt int64) {
	s.channel = channel
	b := s.pn.Subscribe().Channels([]string{channel})
	if tt > 0 {
		b = b.Timetoken(tt)
	}
	b.Execute()
}

// close destroys the SDK instance and waits for the pump. Safe to call
// more than once.
func (s *session) close() {
	s.once.Do(func() {
		// Destroy unsubscribes, cancels the loop and frees the SDK's
		// announcing goroutines; it does not close the listener channels,
		// so the pump is stopped through its context.
		s.pn.Destroy()
		s.cancel()
		<-s.done
		s.subTr.CloseIdleConnections()
		s.tr.CloseIdleConnections()
	})
}

// ttRecorder notes the timetoken of every subscribe poll the SDK makes:
// that is where a re-subscription must resume so that PubNub replays
// everything after it. (PNMessage only carries message timetokens, and a
// channel may have had none yet.)
type ttRecorder struct {
	next http.RoundTripper
	tt   *atomic.Int64
}

func (r *ttRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if strings.Contains(req.URL.Path, "/subscribe/") || strings.Contains(req.URL.Opaque, "/subscribe/") {
		if tt, err := strconv.ParseInt(queryValue(req.URL, "tt"), 10, 64); err == nil && tt > 0 {
			storeMax(r.tt, tt)
		}
	}
	return r.next.RoundTrip(req)
}

func queryValue(u *url.URL, key string) string {
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return ""
	}
	return q.Get(key)
}

func storeMax(a *atomic.Int64, v int64) {
	for {
		cur := a.Load()
		if v <= cur || a.CompareAndSwap(cur, v) {
			return
		}
	}
}
