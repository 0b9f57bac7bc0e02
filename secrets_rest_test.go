package ringwatch_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/internal/rest"
)

// recorder is a slog.Handler that keeps every attribute of every record.
type recorder struct {
	mu    sync.Mutex
	attrs []string
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.attrs = append(r.attrs, rec.Message)
	rec.Attrs(func(a slog.Attr) bool {
		r.attrs = append(r.attrs, a.Key+"="+a.Value.String())
		return true
	})
	return nil
}
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *recorder) WithGroup(string) slog.Handler      { return r }

func (r *recorder) all() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.attrs, "\n")
}

// TestAPIErrorEchoingBearerToken: an API answer that echoes the bearer
// token of the request (in its code, message and parameter value) gives
// an error and retry log lines without it, through the authorised client
// of Config.Client.
func TestAPIErrorEchoingBearerToken(t *testing.T) {
	cfg, mux := ringwatch.NewTokenServerForTest(t)
	var calls int
	var mu sync.Mutex
	mux.HandleFunc("/restapi/v1.0/echo", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		tok := r.Header.Get("Authorization")
		status := http.StatusServiceUnavailable
		if n > 1 {
			status = http.StatusBadRequest
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"errorCode":%q,"message":"Invalid header: %s","errors":[{"errorCode":"CMN-101","parameterName":"Authorization","parameterValue":%q}]}`,
			tok, tok, strings.TrimPrefix(tok, "Bearer "))
	})
	rec := &recorder{}
	rc := rest.New(cfg.ServerURL, cfg.Client(context.Background()), rest.WithLogger(slog.New(rec)),
		rest.WithClock(nil, func(context.Context, time.Duration) error { return nil }))
	err := rc.Do(context.Background(), http.MethodGet, "/restapi/v1.0/echo", nil, nil, nil)
	var ae *ringwatch.APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusBadRequest {
		t.Fatalf("err = %v", err)
	}
	const token = "AT-secret-1"
	if strings.Contains(err.Error(), token) || strings.Contains(fmt.Sprintf("%+v", ae), token) {
		t.Errorf("error shows the bearer token: %v / %+v", err, ae)
	}
	logs := rec.all()
	if !strings.Contains(logs, "retrying request") {
		t.Fatalf("no retry logged: %s", logs)
	}
	if strings.Contains(logs, token) {
		t.Errorf("log attributes show the bearer token:\n%s", logs)
	}
}
