package pubnub

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	ringwatch "github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/internal/lifecycle"
	"github.com/ringwatch/ringwatch/internal/rcaes"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/transport"
)

// Name is the transport's name in transport.Message.Transport.
const Name = "pubnub"

// subscriptionAPI is the part of the Subscription API the transport uses:
// *subscription.Client, or a fake in tests.
type subscriptionAPI interface {
	Create(ctx context.Context, req subscription.CreateRequest) (*subscription.Info, error)
	Renew(ctx context.Context, id string) (*subscription.Info, error)
	Delete(ctx context.Context, id string) error
}

// Errors of Open.
var (
	// ErrDeliveryMode: RingCentral's answer lacks the PubNub channel or
	// subscribe key, or holds an unusable encryption key.
	ErrDeliveryMode = errors.New("pubnub: subscription has no usable PubNub delivery mode")
)

var (
	errNoKey   = errors.New("pubnub: encrypted message but the subscription has no encryption key")
	errPayload = errors.New("pubnub: message is neither a string nor an object")
)

func errorsJoinDecrypt(err error) error { return fmt.Errorf("%w: %w", ErrDecrypt, err) }

// Transport is the PubNub transport. Create it with New and give it to
// notify.Subscribe.
type Transport struct {
	api  subscriptionAPI
	opts options
	log  *slog.Logger
	uuid string

	mu      sync.Mutex
	state   lifecycle.Lifecycle
	cancel  context.CancelFunc
	done    chan struct{} // closed when the control loop has exited
	sink    transport.Sink
	filters []subscription.Filter

	// Owned by the control loop (and by Open before it starts).
	info        *subscription.Info
	sess        *session
	checked     time.Time // when the subscription was last known to exist
	renewFails  int
	createFails int

	keysMu  sync.Mutex
	keys    map[string][][]byte // channel → AES keys, newest first; none: unencrypted
	current string              // the subscribed channel

	status    chan statusEvent
	lastTT    atomic.Int64 // resume point: newest poll or message timetoken
	lastOK    atomic.Int64 // unix ns of the last message or connection
	instances atomic.Int64 // SDK instances created
	delivered atomic.Uint64
	dropped   atomic.Uint64
}

// New returns a transport that manages a PubNub subscription of the
// RingCentral user of rc. It logs to rc's logger unless WithLogger gives
// another. A nil rc does not panic: Open then fails.
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
	api := o.api
	if api == nil && rc != nil {
		api = subscription.NewClient(rc)
	}
	id := o.uuid
	if id == "" {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id = "ringwatch-" + hex.EncodeToString(b)
	}
	return &Transport{
		api:    api,
		opts:   o,
		log:    o.logger,
		uuid:   id,
		keys:   map[string][][]byte{},
		status: make(chan statusEvent, 16),
	}
}

// Stats counts what the transport has handled.
type Stats struct {
	// Delivered is the number of messages handed to the sink.
	Delivered uint64
	// Dropped is the number of messages that could not be decrypted or
	// decoded, and were skipped.
	Dropped uint64
	// Instances is the number of PubNub SDK instances created: one at
	// Open and one more each time a renewal or re-creation moves the
	// subscription to another channel or subscribe key. Each leaves one
	// goroutine behind for the life of the process.
	Instances int64
}

// Stats returns the transport's counters.
func (t *Transport) Stats() Stats {
	return Stats{Delivered: t.delivered.Load(), Dropped: t.dropped.Load(), Instances: t.instances.Load()}
}

// SubscriptionID returns the id of the current RingCentral subscription, or
// "" before Open.
func (t *Transport) SubscriptionID() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.info == nil {
		return ""
	}
	return t.info.ID
}

// Open creates the PubNub subscription and subscribes to its channel. See
// transport.Transport.
func (t *Transport) Open(ctx context.Context, filters []subscription.Filter, sink transport.Sink) error {
	if t.api == nil {
		return errors.New("pubnub: open: nil *ringwatch.Client")
	}
	t.mu.Lock()
	if err := t.state.BeginOpen(); err != nil {
		t.mu.Unlock()
		return fmt.Errorf("pubnub: open: %w", err)
	}
	t.sink = sink
	t.filters = append([]subscription.Filter(nil), filters...)
	t.mu.Unlock()

	fail := func(err error) error {
		t.mu.Lock()
		t.state.OpenFailed()
		t.mu.Unlock()
		return err
	}
	// Before creating anything, note PubNub's time: subscribing from it
	// replays what RingCentral publishes before the SDK's first poll.
	t0 := t.serverTime(ctx)
	info, err := t.create(ctx)
	if err != nil {
		return fail(err)
	}

	runCtx, cancel := context.WithCancel(context.Background())
	t.mu.Lock()
	if !t.state.Opened() { // closed meanwhile
		t.mu.Unlock()
		cancel()
		t.deleteQuietly(ctx, info.ID)
		return fmt.Errorf("pubnub: open: %w", transport.ErrClosed)
	}
	t.cancel = cancel
	t.done = make(chan struct{})
	t.info = info
	t.checked = t.opts.clock.Now()
	t.mu.Unlock()

	storeMax(&t.lastTT, t0)
	t.sess = t.newSession(runCtx, info.DeliveryMode.SubscriberKey)
	t.sess.subscribe(info.DeliveryMode.Address, t0)
	go t.run(runCtx)
	return nil
}

// create creates the subscription and checks its delivery mode.
func (t *Transport) create(ctx context.Context) (*subscription.Info, error) {
	info, err := t.api.Create(ctx, subscription.CreateRequest{
		EventFilters: t.filters,
		DeliveryMode: subscription.DeliveryMode{TransportType: subscription.TransportPubNub, Encryption: true},
		ExpiresIn:    t.opts.expiresIn,
	})
	if err != nil {
		return nil, fmt.Errorf("pubnub: create subscription: %w", err)
	}
	if err := t.setKeys(info, nil); err != nil {
		t.deleteQuietly(ctx, info.ID)
		return nil, err
	}
	return info, nil
}

// setKeys records the channel's key after checking the delivery mode. The
// previous channel's keys, and the channel's previous key, are kept for
// messages still in flight.
func (t *Transport) setKeys(info, prev *subscription.Info) error {
	dm := info.DeliveryMode
	if dm.Address == "" || dm.SubscriberKey == "" {
		return ErrDeliveryMode
	}
	var key []byte
	if dm.EncryptionKey != "" {
		k, err := rcaes.ParseKey(dm.EncryptionKey)
		if err != nil {
			return fmt.Errorf("%w: bad encryption key", ErrDeliveryMode)
		}
		key = k
	}
	t.keysMu.Lock()
	defer t.keysMu.Unlock()
	keep := map[string][][]byte{}
	if key != nil {
		keep[dm.Address] = [][]byte{key}
	}
	if prev != nil {
		pa := prev.DeliveryMode.Address
		if old := t.keys[pa]; len(old) > 0 {
			if pa == dm.Address {
				if key != nil && !bytes.Equal(old[0], key) {
					keep[pa] = [][]byte{key, old[0]}
				}
			} else {
				keep[pa] = old[:1]
			}
		}
	}
	t.keys = keep
	t.current = dm.Address
	return nil
}

// keysFor returns the keys to try on a message of channel.
func (t *Transport) keysFor(channel string) [][]byte {
	t.keysMu.Lock()
	defer t.keysMu.Unlock()
	if k, ok := t.keys[channel]; ok {
		return k
	}
	return t.keys[t.current] // unknown channel (should not happen): try the current key
}

// serverTime asks PubNub for its time, or returns 0 (subscribe from now).
func (t *Transport) serverTime(ctx context.Context) int64 {
	scheme := "https"
	if !t.opts.secure {
		scheme = "http"
	}
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, scheme+"://"+t.opts.origin+"/time/0", nil)
	if err != nil {
		return 0
	}
	tr := t.newHTTPTransport()
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.log.LogAttrs(ctx, slog.LevelDebug, "pubnub: time", slog.String("error", err.Error()))
		return 0
	}
	defer resp.Body.Close()
	var tt []json.Number
	if resp.StatusCode != http.StatusOK || json.NewDecoder(http.MaxBytesReader(nil, resp.Body, 1<<10)).Decode(&tt) != nil || len(tt) != 1 {
		return 0
	}
	n, _ := strconv.ParseInt(tt[0].String(), 10, 64)
	return n
}

// Close unsubscribes, stops every goroutine and deletes the RingCentral
// subscription. It returns the deletion's error, if any but "not found".
func (t *Transport) Close(ctx context.Context) error {
	t.mu.Lock()
	wasOpen := t.state.Close() == lifecycle.Open && t.cancel != nil
	cancel, done := t.cancel, t.done
	t.mu.Unlock()
	if !wasOpen {
		return nil
	}
	cancel()
	<-done // the control loop closes the sessions on its way out
	t.mu.Lock()
	id := t.info.ID
	t.mu.Unlock()
	if err := t.api.Delete(ctx, id); err != nil && !errors.Is(err, subscription.ErrNotFound) {
		return fmt.Errorf("pubnub: delete subscription: %w", err)
	}
	return nil
}

func (t *Transport) deleteQuietly(ctx context.Context, id string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), requestTimeout)
	defer cancel()
	if err := t.api.Delete(ctx, id); err != nil {
		t.log.LogAttrs(ctx, slog.LevelDebug, "pubnub: delete subscription", slog.String("error", err.Error()))
	}
}

// Name returns "pubnub"; notify names the transport in its Connected
// events with it.
func (t *Transport) Name() string { return Name }
