package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
)

// lockedBuffer is a bytes buffer written by run and read by the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestHTTPAddr: -http binds to loopback unless a host is given; a host
// beyond loopback is flagged as public.
func TestHTTPAddr(t *testing.T) {
	for _, c := range []struct {
		flag, addr  string
		public, bad bool
	}{
		{"", "", false, false},
		{"8080", "127.0.0.1:8080", false, false},
		{":8080", "127.0.0.1:8080", false, false},
		{"127.0.0.1:0", "127.0.0.1:0", false, false},
		{"localhost:8080", "localhost:8080", false, false},
		{"[::1]:8080", "[::1]:8080", false, false},
		{"0.0.0.0:8080", "0.0.0.0:8080", true, false},
		{"192.0.2.7:8080", "192.0.2.7:8080", true, false},
		{"example.com:8080", "example.com:8080", true, false},
		{"a:b:c", "", false, true},
	} {
		addr, public, err := httpAddr(c.flag)
		if addr != c.addr || public != c.public || (err != nil) != c.bad {
			t.Errorf("httpAddr(%q) = %q, %v, %v; want %q, %v, error %v", c.flag, addr, public, err, c.addr, c.public, c.bad)
		}
		if c.bad && !errors.Is(err, errUsage) {
			t.Errorf("httpAddr(%q): %v is not a usage error", c.flag, err)
		}
	}
}

// TestRunHTTP runs callmonitor on the embedded platform with -http on a
// loopback port: the board's URL is the line after the platform line, the
// page and its stream answer GET and refuse POST, and everything stops
// with the program.
func TestRunHTTP(t *testing.T) {
	leakcheck.Check(t)
	t.Cleanup(func() { http.DefaultTransport.(*http.Transport).CloseIdleConnections() })
	for _, k := range []string{"RC_SERVER_URL", "RC_APP_CLIENT_ID", "RC_APP_CLIENT_SECRET", "RC_USER_JWT"} {
		t.Setenv(k, "")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var stdout, stderr lockedBuffer
	code := make(chan int, 1)
	go func() { code <- run(ctx, []string{"-http", ":0", "-table", "0", "-account"}, &stdout, &stderr) }()

	var url string
	for url == "" {
		ls := strings.Split(stdout.String(), "\n")
		if len(ls) >= 3 {
			if !strings.HasPrefix(ls[0], "callmonitor: embedded fake platform") || !strings.HasPrefix(ls[1], "callmonitor: live call board at http://127.0.0.1:") {
				t.Fatalf("first lines:\n%s\n%s", ls[0], ls[1])
			}
			url = strings.TrimPrefix(ls[1], "callmonitor: live call board at ")
			break
		}
		select {
		case c := <-code:
			t.Fatalf("run ended (%d) before printing the board's URL: %s %s", c, stdout.String(), stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}

	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(page), "<h2 id=\"h-calls\">Live calls</h2>") {
		t.Errorf("GET %s: %s\n%s", url, res.Status, page)
	}
	res, err = http.Post(url+"events", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST events: %s, want 405", res.Status)
	}

	// The stream shows the embedded platform's calls and agents.
	sctx, scancel := context.WithCancel(ctx)
	req, _ := http.NewRequestWithContext(sctx, http.MethodGet, url+"events", nil)
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(nil, 1<<20)
	var sawAgents, sawCall bool
	for sc.Scan() && !(sawAgents && sawCall) {
		line := sc.Text()
		sawAgents = sawAgents || strings.HasPrefix(line, "data: ") && strings.Contains(line, `"agents":[{`)
		sawCall = sawCall || strings.HasPrefix(line, "data: ") && strings.Contains(line, `"calls":[{`)
	}
	scancel()
	res.Body.Close()
	if !sawAgents || !sawCall {
		t.Errorf("stream: agents %v, calls %v (err %v)", sawAgents, sawCall, sc.Err())
	}

	cancel()
	if c := <-code; c != exitOK {
		t.Errorf("run = %d, stderr %q", c, stderr.String())
	}
	if strings.Contains(stdout.String(), "  presence ") {
		t.Errorf("presence lines printed without -presence:\n%s", stdout.String())
	}
	if _, err := http.Get(url); err == nil {
		t.Error("the board still answers after run returned")
	}
}
