package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
	"github.com/ringwatch/ringwatch/transport/webhook"
)

// TestDemo runs the server against the embedded platform until its
// context ends, as SIGINT does, and checks the JSON log: calls logged,
// the subscription removed, a clean stop.
func TestDemo(t *testing.T) {
	leakcheck.Check(t)
	t.Cleanup(func() { http.DefaultTransport.(*http.Transport).CloseIdleConnections() })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	time.AfterFunc(2*time.Second, cancel)
	var stdout, stderr bytes.Buffer
	if code := run(ctx, []string{"-demo"}, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d; log:\n%s", code, &stderr)
	}
	msgs := map[string]int{}
	for _, l := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		var rec struct {
			Level, Msg string
		}
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("log line is not JSON: %s", l)
		}
		if rec.Level == "ERROR" {
			t.Errorf("error logged: %s", l)
		}
		msgs[rec.Msg]++
	}
	for _, m := range []string{"serving", "connected", "call", "stopping", "subscription removed", "stopped"} {
		if msgs[m] == 0 {
			t.Errorf("no %q in the log:\n%s", m, &stderr)
		}
	}
}

// TestNeedsConfiguration: without RC_* nor -demo it says what it needs in
// one line and exits 2; so do bad flags.
func TestNeedsConfiguration(t *testing.T) {
	for _, k := range []string{"RC_SERVER_URL", "RC_APP_CLIENT_ID", "RC_APP_CLIENT_SECRET", "RC_USER_JWT"} {
		t.Setenv(k, "")
	}
	for _, args := range [][]string{nil, {"-tls-cert", "c.pem"}, {"-public-url", "ftp://x"}, {"-nope"}} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), args, &stdout, &stderr)
		if code != exitUsage || strings.Count(stderr.String(), "\n") != 1 || !strings.HasPrefix(stderr.String(), "webhookserver: ") {
			t.Errorf("%v: exit %d, stderr %q", args, code, &stderr)
		}
	}
}

// The server sets every timeout a webhook deployment needs, within
// RingCentral's 3 s for the part before the answer.
func TestServerTimeouts(t *testing.T) {
	srv := newServer(http.NotFoundHandler(), slog.New(slog.DiscardHandler))
	if srv.ReadHeaderTimeout <= 0 || srv.ReadHeaderTimeout > 3*time.Second {
		t.Errorf("ReadHeaderTimeout %v, want within (0, 3s]", srv.ReadHeaderTimeout)
	}
	if srv.ReadTimeout <= webhook.DefaultBodyTimeout || srv.WriteTimeout < 3*time.Second || srv.IdleTimeout <= 0 || srv.MaxHeaderBytes <= 0 {
		t.Errorf("server timeouts %v %v %v %d", srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout, srv.MaxHeaderBytes)
	}
}
