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

func TestRun(t *testing.T) {
	leakcheck.Check(t)
	t.Cleanup(func() { http.DefaultTransport.(*http.Transport).CloseIdleConnections() })
	for _, k := range []string{"RC_SERVER_URL", "RC_APP_CLIENT_ID", "RC_APP_CLIENT_SECRET", "RC_USER_JWT"} {
		t.Setenv(k, "")
	}
	for _, tc := range []struct {
		scenario string
		code     int
		says     string
	}{
		{"inbound-answered", exitAnswered, "answered after"},
		{"inbound-voicemail", exitUnanswered, "ended without an answer"},
		{"queue", exitAnswered, "answered after"},
		{"no-such-call", exitUsage, ""},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			var stdout, stderr bytes.Buffer
			code := run(ctx, []string{"-scenario", tc.scenario, "-pace", "20ms"}, &stdout, &stderr)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stdout:\n%s\nstderr:\n%s", code, tc.code, &stdout, &stderr)
			}
			if !strings.Contains(stdout.String(), tc.says) || !strings.Contains(stdout.String(), "embedded fake platform") {
				t.Errorf("stdout does not say %q:\n%s", tc.says, &stdout)
			}
		})
	}
}

func TestBadFlag(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"-nope"}, &stdout, &stderr); code != exitUsage || strings.Count(stderr.String(), "\n") != 1 {
		t.Errorf("exit %d, stderr %q", code, &stderr)
	}
}
