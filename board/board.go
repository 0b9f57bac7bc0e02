package board

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/ringwatch/ringwatch/notify"
)

// Option configures a Board.
type Option func(*config)

type config struct {
	log        *slog.Logger
	title      string
	flush      time.Duration
	heartbeat  time.Duration
	clientBuf  int
	history    int
	maxClients int
	maxCalls   int
	maxAgents  int
	recent     int
	agents     []agentInfo
	now        func() time.Time // test hook; not exported
}

type agentInfo struct{ id, name, number string }

// WithLogger sets the logger for the board's debug messages (clients
// connecting, falling behind). The default is silent.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.log = l
		}
	}
}

// WithTitle sets the page's title and main heading (default "ringwatch
// call board").
func WithTitle(title string) Option {
	return func(c *config) {
		if title != "" {
			c.title = title
		}
	}
}

// WithFlushInterval sets how often the changes observed are sent to the
// browsers, as one patch (default 250ms; at least 10ms). Events are never
// sent one by one: many changes of one call within an interval cost one
// row.
func WithFlushInterval(d time.Duration) Option {
	return func(c *config) { c.flush = max(d, 10*time.Millisecond) }
}

// WithClientBuffer sets how many patches wait for one browser before it
// counts as fallen behind and gets a fresh snapshot instead (default 64).
func WithClientBuffer(n int) Option {
	return func(c *config) { c.clientBuf = max(n, 1) }
}

// WithMaxClients caps the browsers connected at once; more are refused with
// 503 (default 100).
func WithMaxClients(n int) Option {
	return func(c *config) { c.maxClients = max(n, 1) }
}

// WithMaxCalls caps the live calls the board shows (default 5000); calls
// beyond the cap are counted in the top strip but get no row.
func WithMaxCalls(n int) Option {
	return func(c *config) { c.maxCalls = max(n, 1) }
}

// WithMaxAgents caps the agents in the grid (default 2000).
func WithMaxAgents(n int) Option {
	return func(c *config) { c.maxAgents = max(n, 1) }
}

// WithRecent sets how many recently ended calls the board lists (default
// 50).
func WithRecent(n int) Option {
	return func(c *config) { c.recent = max(n, 1) }
}

// WithAgent names an extension for the agent grid: it is listed from the
// start, and its presence events fill its row. Extensions not named this
// way join the grid when their presence arrives, named from the calls they
// take part in.
func WithAgent(extensionID, name, number string) Option {
	return func(c *config) {
		if extensionID != "" {
			c.agents = append(c.agents, agentInfo{extensionID, name, number})
		}
	}
}

// Board is a live call board: an http.Handler serving the page and its
// event stream, fed with the events of a notify.Subscription. It is safe
// for concurrent use. Close it when done.
type Board struct {
	cfg   config
	epoch string // distinguishes the event ids of this Board from another's

	mu   sync.Mutex
	st   *state
	seq  uint64
	hist [][]byte // the last patches sent, hist[len-1] has id seq
	// histBytes is the size of hist, at most maxHistoryBytes (and
	// cfg.history patches): a stream that resumes from before them gets
	// a snapshot.
	histBytes int
	clients   map[*client]struct{}
	stats     Stats
	closed    bool

	done     chan struct{}
	closeOne sync.Once
	wg       sync.WaitGroup // the flusher and the stream handlers
}

// Stats counts what a Board did, for monitoring and tests.
type Stats struct {
	// Events is the number of events observed.
	Events uint64
	// Patches is the number of patches sent (to every client at once).
	Patches uint64
	// Snapshots is the number of snapshots sent: one per new stream, and
	// one per client that fell behind or resumed too late.
	Snapshots uint64
	// Resumed counts the streams that resumed from Last-Event-ID without a
	// snapshot.
	Resumed uint64
	// FellBehind counts the times a client's buffer was full.
	FellBehind uint64
	// Clients is the number of streams open now.
	Clients int
}

// New returns a Board and starts its flusher, which Close stops.
func New(opts ...Option) *Board {
	cfg := config{
		log:        slog.New(slog.DiscardHandler),
		title:      "ringwatch call board",
		flush:      250 * time.Millisecond,
		heartbeat:  5 * time.Second,
		clientBuf:  64,
		history:    256,
		maxClients: 100,
		maxCalls:   5000,
		maxAgents:  2000,
		recent:     50,
		now:        time.Now,
	}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	b := &Board{
		cfg:     cfg,
		epoch:   strconv.FormatInt(cfg.now().UnixNano(), 36),
		clients: map[*client]struct{}{},
		done:    make(chan struct{}),
	}
	b.st = newState(&b.cfg)
	b.wg.Add(1)
	go b.flusher()
	return b
}

// Observe applies one event of a subscription to the board. It never
// blocks on a browser; events after Close are ignored. Events the board
// does not show are ignored.
func (b *Board) Observe(ev notify.Event) {
	if ev == nil {
		return
	}
	now := b.cfg.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	b.stats.Events++
	b.st.apply(now, ev)
}

// Run observes the events of ch until it is closed (it returns nil) or ctx
// ends (it returns ctx's error).
func (b *Board) Run(ctx context.Context, ch <-chan notify.Event) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev, ok := <-ch:
			if !ok {
				return nil
			}
			b.Observe(ev)
		}
	}
}

// Stats returns the board's counters.
func (b *Board) Stats() Stats {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.stats
	s.Clients = len(b.clients)
	return s
}

// Close ends every event stream and the flusher, and waits for them. It is
// idempotent and always returns nil.
func (b *Board) Close() error {
	b.closeOne.Do(func() {
		b.mu.Lock()
		b.closed = true
		b.mu.Unlock()
		close(b.done)
	})
	b.wg.Wait()
	return nil
}

// flusher sends the changes observed as one patch per flush interval, and
// an empty patch (the server's clock) when nothing changed for the
// heartbeat interval.
func (b *Board) flusher() {
	defer b.wg.Done()
	t := time.NewTicker(b.cfg.flush)
	defer t.Stop()
	var quiet time.Duration
	for {
		select {
		case <-b.done:
			return
		case <-t.C:
		}
		now := b.cfg.now()
		b.mu.Lock()
		data, changed := b.st.patch(now)
		quiet += b.cfg.flush
		if changed || quiet >= b.cfg.heartbeat {
			quiet = 0
			b.sendLocked(data)
		}
		b.mu.Unlock()
	}
}

// sendLocked numbers a patch, keeps it for resuming streams and hands it
// to every client without waiting: a client whose buffer is full is told
// to start again from a snapshot.
func (b *Board) sendLocked(data []byte) {
	b.seq++
	b.stats.Patches++
	f := frame(b.id(b.seq), "patch", data)
	b.hist = append(b.hist, f)
	b.histBytes += len(f)
	drop := 0
	for len(b.hist)-drop > b.cfg.history || (b.histBytes > maxHistoryBytes && len(b.hist)-drop > 1) {
		b.histBytes -= len(b.hist[drop])
		b.hist[drop] = nil
		drop++
	}
	if drop > 0 {
		b.hist = append(b.hist[:0], b.hist[drop:]...)
	}
	for c := range b.clients {
		if c.stale {
			continue
		}
		select {
		case c.ch <- f:
		default:
			c.stale = true
			b.stats.FellBehind++
			b.cfg.log.Debug("board: a client fell behind; it gets a fresh snapshot", "client", c.addr)
			select {
			case c.kick <- struct{}{}:
			default:
			}
		}
	}
}

// maxHistoryBytes bounds the patches kept for streams that resume.
const maxHistoryBytes = 4 << 20

func (b *Board) id(seq uint64) string { return b.epoch + "-" + strconv.FormatUint(seq, 10) }

// frame is one server-sent event.
func frame(id, event string, data []byte) []byte {
	f := make([]byte, 0, len(id)+len(event)+len(data)+24)
	f = append(f, "id: "...)
	f = append(f, id...)
	f = append(f, "\nevent: "...)
	f = append(f, event...)
	f = append(f, "\ndata: "...)
	f = append(f, data...)
	return append(f, "\n\n"...)
}
