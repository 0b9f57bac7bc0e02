package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
)

// TestRun runs the policy on the embedded fake for its default 20 s, with
// short thresholds so that both rules fire, and wants exit 0 with at least
// one decision of each kind carried out.
func TestRun(t *testing.T) {
	leakcheck.Check(t)
	t.Cleanup(func() { http.DefaultTransport.(*http.Transport).CloseIdleConnections() })
	for _, k := range []string{"RC_SERVER_URL", "RC_APP_CLIENT_ID", "RC_APP_CLIENT_SECRET", "RC_USER_JWT"} {
		t.Setenv(k, "")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"-duration", "20s", "-ring", "1s", "-hold", "1s", "-every", "2s"}, &stdout, &stderr)
	out := stdout.String()
	if code != exitOK {
		t.Fatalf("exit %d; stdout:\n%s\nstderr:\n%s", code, out, &stderr)
	}
	if !strings.Contains(out, "forward to voicemail → done") || !strings.Contains(out, "take it off hold → done") {
		t.Errorf("no forward and unhold carried out:\n%s\nstderr:\n%s", out, &stderr)
	}
	if strings.Contains(out, "failed") || strings.Contains(out, " 0 decisions acted on") {
		t.Errorf("a decision failed or none was acted on:\n%s", out)
	}
}

func TestBadFlag(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"-duration", "0"}, &stdout, &stderr); code != exitUsage || strings.Count(stderr.String(), "\n") != 1 {
		t.Errorf("exit %d, stderr %q", code, &stderr)
	}
}
