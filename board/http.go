package board

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"
)

//go:embed assets/page.html assets/board.js assets/board.css
var assets embed.FS

var page = template.Must(template.ParseFS(assets, "assets/page.html"))

var (
	script, _ = assets.ReadFile("assets/board.js")
	style, _  = assets.ReadFile("assets/board.css")
)

// writeTimeout bounds one write to a browser; a browser that does not take
// its data within it is disconnected.
const writeTimeout = 10 * time.Second

// retryMillis is the reconnection delay the event stream asks browsers for.
const retryMillis = 1000

// ServeHTTP serves the page (path "/" or ""), its script ("board.js"), its
// style sheet ("board.css") and the event stream ("events"), relative to
// where the Board is mounted: mount it with http.StripPrefix under a path
// that ends in a slash. Any method but GET gets 405.
func (b *Board) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	switch strings.TrimPrefix(r.URL.Path, "/") {
	case "", "index.html":
		b.servePage(w)
	case "board.js":
		h.Set("Content-Type", "text/javascript; charset=utf-8")
		h.Set("Cache-Control", "no-cache")
		_, _ = w.Write(script)
	case "board.css":
		h.Set("Content-Type", "text/css; charset=utf-8")
		h.Set("Cache-Control", "no-cache")
		_, _ = w.Write(style)
	case "events":
		b.serveEvents(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (b *Board) servePage(w http.ResponseWriter) {
	var buf bytes.Buffer
	if err := page.Execute(&buf, struct{ Title string }{b.cfg.title}); err != nil {
		http.Error(w, "board: cannot render the page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}

// client is one open event stream.
type client struct {
	addr  string
	ch    chan []byte   // patches, bounded
	kick  chan struct{} // the client fell behind: send a snapshot
	stale bool          // guarded by Board.mu: patches are not queued until the snapshot
}

// resumeFrom returns the patches after the event id last, when they are all
// still kept. Call with b.mu held.
func (b *Board) resumeFrom(last string) ([][]byte, bool) {
	epoch, n, ok := strings.Cut(last, "-")
	if !ok || epoch != b.epoch {
		return nil, false
	}
	seq, err := strconv.ParseUint(n, 10, 64)
	if err != nil || seq > b.seq {
		return nil, false
	}
	first := b.seq - uint64(len(b.hist)) // the id before hist[0]
	if seq < first {
		return nil, false
	}
	return append([][]byte(nil), b.hist[seq-first:]...), true
}

// snapshotLocked returns the snapshot frame, with the id of the last patch
// sent. Call with b.mu held.
func (b *Board) snapshotLocked() []byte {
	b.stats.Snapshots++
	return frame(b.id(b.seq), "snapshot", b.st.snapshot(b.cfg.now()))
}

func (b *Board) serveEvents(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	c := &client{addr: r.RemoteAddr, ch: make(chan []byte, b.cfg.clientBuf), kick: make(chan struct{}, 1)}

	b.mu.Lock()
	switch {
	case b.closed:
		b.mu.Unlock()
		http.Error(w, "board: closed", http.StatusServiceUnavailable)
		return
	case len(b.clients) >= b.cfg.maxClients:
		b.mu.Unlock()
		http.Error(w, "board: too many viewers", http.StatusServiceUnavailable)
		return
	}
	first, resumed := b.resumeFrom(r.Header.Get("Last-Event-ID"))
	if resumed {
		b.stats.Resumed++
	} else {
		first = [][]byte{b.snapshotLocked()}
	}
	b.clients[c] = struct{}{}
	b.wg.Add(1)
	b.mu.Unlock()
	b.cfg.log.Debug("board: client connected", "client", c.addr, "resumed", resumed)

	defer func() {
		b.mu.Lock()
		delete(b.clients, c)
		b.mu.Unlock()
		b.wg.Done()
		b.cfg.log.Debug("board: client gone", "client", c.addr)
	}()

	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	send := func(frames ...[]byte) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(writeTimeout))
		for _, f := range frames {
			if _, err := w.Write(f); err != nil {
				return false
			}
		}
		return rc.Flush() == nil
	}
	if !send([]byte("retry: "+strconv.Itoa(retryMillis)+"\n\n"), bytes.Join(first, nil)) {
		return
	}
	ctx := r.Context()
	for {
		select {
		case <-ctx.Done():
			return
		case <-b.done:
			return
		case f := <-c.ch:
			if !send(f) {
				return
			}
		case <-c.kick:
			b.mu.Lock()
			for len(c.ch) > 0 {
				<-c.ch
			}
			c.stale = false
			f := b.snapshotLocked()
			b.mu.Unlock()
			if !send(f) {
				return
			}
		}
	}
}
