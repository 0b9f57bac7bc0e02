package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/ringwatch/ringwatch/board"
	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/subscription"
)

// The live call board (-http).
//
// -http takes host:port. A missing host (":8080", or a bare port "8080")
// binds to loopback (127.0.0.1), so the board, which has no login, is not
// offered to the network by accident. A host given explicitly is used as
// given; when it is not a loopback address (such as 0.0.0.0) callmonitor
// warns on stderr that anyone who can reach it sees the calls.

// boardLine is the line that says where the board is served.
type boardLine struct {
	Type string    `json:"type"` // "board"
	Time time.Time `json:"time"`
	URL  string    `json:"url"`
}

// httpAddr checks the -http flag and returns the address to listen on,
// and whether it is reachable beyond this machine.
func httpAddr(flag string) (addr string, public bool, err error) {
	if flag == "" {
		return "", false, nil
	}
	if !strings.Contains(flag, ":") {
		flag = ":" + flag
	}
	host, port, err := net.SplitHostPort(flag)
	if err != nil || port == "" {
		return "", false, &usageError{fmt.Sprintf("-http %q: want host:port or a port, such as 127.0.0.1:8080", flag)}
	}
	if host == "" {
		return net.JoinHostPort("127.0.0.1", port), false, nil
	}
	if host == "localhost" {
		return flag, false, nil
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return flag, ip == nil || !ip.IsLoopback(), nil
}

// checkHTTPFlag validates -http in parseFlags.
func checkHTTPFlag(o *options) error {
	_, _, err := httpAddr(o.http)
	return err
}

// boardServer serves the board while callmonitor runs.
type boardServer struct {
	b    *board.Board
	srv  *http.Server
	done chan struct{}
}

// boardFilters adds, for the board's agent grid, the presence filter that
// -presence would add; its changes are printed only with -presence.
func (m *monitor) boardFilters(fs []subscription.Filter) []subscription.Filter {
	if m.opts.http == "" || m.opts.presence {
		return fs
	}
	if m.opts.account {
		return append(fs, subscription.AccountPresence(subscription.Detailed()))
	}
	return append(fs, subscription.ExtensionPresence(subscription.Me, subscription.Detailed()))
}

// startBoard starts serving the board when -http is set, and prints its
// URL; it returns nil without -http.
func (m *monitor) startBoard() (*boardServer, error) {
	addr, public, err := httpAddr(m.opts.http)
	if err != nil || addr == "" {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("-http: %w", err)
	}
	opts := []board.Option{board.WithLogger(m.log)}
	if m.platform != nil {
		opts = append(opts, board.WithTitle("ringwatch call board (embedded fake platform)"))
		for _, e := range m.platform.Extensions() {
			opts = append(opts, board.WithAgent(e.ID, e.Name, e.Number))
		}
	}
	mux := http.NewServeMux()
	bs := &boardServer{b: board.New(opts...), done: make(chan struct{})}
	mux.Handle("/", bs.b)
	bs.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(bs.done)
		if err := bs.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(m.stderr, "callmonitor: -http:", err)
		}
	}()
	url := "http://" + ln.Addr().String() + "/"
	m.out.emit(boardLine{Type: "board", Time: time.Now(), URL: url}, "callmonitor: live call board at "+url+"\n")
	if public {
		fmt.Fprintf(m.stderr, "callmonitor: warning: -http %s is reachable beyond this machine, and the board has no login: anyone who reaches it sees the calls\n", m.opts.http)
	}
	return bs, nil
}

// observe hands an event to the board; a nil boardServer ignores it.
func (bs *boardServer) observe(ev notify.Event) {
	if bs != nil {
		bs.b.Observe(ev)
	}
}

// stop closes the board's streams, then its server.
func (bs *boardServer) stop() {
	if bs == nil {
		return
	}
	_ = bs.b.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := bs.srv.Shutdown(ctx); err != nil {
		_ = bs.srv.Close()
	}
	<-bs.done
}
