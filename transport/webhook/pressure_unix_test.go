//go:build unix

package webhook_test

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
	"github.com/ringwatch/ringwatch/transport/webhook"
)

// Issue 10, item 2: unauthenticated requests cost no memory. 1,000
// connections send headers with a large Content-Length and no (or a wrong)
// token, and keep the body back; the heap stays under 16 MiB.
func TestHeaderOnlyConnectionsHoldNoMemory(t *testing.T) {
	const conns = 1000
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur < 2*conns+200 {
		msg := fmt.Sprintf("open-file limit %d (err %v) is too low for %d loopback connections (both ends)", lim.Cur, err, conns)
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	leakcheck.Check(t)
	const body = 64 << 10
	h := webhook.NewHandler("secret", webhook.WithMaxBodySize(body))
	var entered atomic.Int64
	addr := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered.Add(1)
		h.ServeHTTP(w, r)
	}))
	cs := make([]net.Conn, 0, conns)
	defer func() {
		for _, c := range cs {
			_ = c.Close()
		}
	}()
	for i := range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		cs = append(cs, c)
		tok := ""
		if i%2 == 1 {
			tok = "Verification-Token: wrong\r\n"
		}
		if _, err := fmt.Fprintf(c, "POST /hook HTTP/1.1\r\nHost: x\r\n%sContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", tok, body); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for entered.Load() < conns {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d requests reached the handler within 20s", entered.Load(), conns)
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // let the handlers do what they do
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("heap with %d header-only connections: %.1f MiB", conns, float64(ms.HeapAlloc)/(1<<20))
	if ms.HeapAlloc >= 16<<20 {
		t.Errorf("heap %.1f MiB with %d header-only connections, want under 16 MiB", float64(ms.HeapAlloc)/(1<<20), conns)
	}
	if st := h.Stats(); st.Unauthorized != conns {
		t.Errorf("stats %+v, want %d unauthorized", st, conns)
	}
}
