package ringwatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ringwatch/ringwatch/internal/rest"
)

// longJWT is a JWT-shaped credential of n bytes.
func longJWT(n int) string {
	s := "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9." + strings.Repeat("eyJzdWIiOiIxMjM0NTY3ODkwIn0", n/27+1)
	sig := ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
	return s[:n-len(sig)] + sig
}

// assertNoPiece fails when any 12-byte piece of secret is in s: a secret
// cut in two must not leave its halves.
func assertNoPiece(t *testing.T, what, s, secret string) {
	t.Helper()
	for i := 0; i+12 <= len(secret); i += 6 {
		if strings.Contains(s, secret[i:i+12]) {
			t.Fatalf("%s shows %q, a piece (at %d) of the secret: %q", what, secret[i:i+12], i, s)
		}
	}
}

// TestAuthErrorJWTStraddlingClip: a 600-byte JWT echoed in an OAuth
// error_description, across the 512-byte bound of the description, is
// removed whole, whether it is the configured JWT or another one.
func TestAuthErrorJWTStraddlingClip(t *testing.T) {
	for _, tc := range []struct {
		name string
		echo func(g grant) string
	}{
		{"configured JWT", func(g grant) string { return g.Assertion }},
		{"other JWT", func(grant) string { return longJWT(601)[1:] }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTokenServer(t)
			jwt := longJWT(600)
			ts.refuse = func(g grant) (int, string) {
				b, _ := json.Marshal(map[string]string{"error": "invalid_grant",
					"error_description": strings.Repeat("x", 300) + " assertion " + tc.echo(g) + " is not valid"})
				return http.StatusBadRequest, string(b)
			}
			cfg := ts.config()
			cfg.JWT = jwt
			_, err := cfg.TokenSource(context.Background()).Token()
			var ae *AuthError
			if !errors.As(err, &ae) || ae.StatusCode != http.StatusBadRequest || ae.ErrorCode != "invalid_grant" {
				t.Fatalf("err = %v", err)
			}
			assertNoPiece(t, "err.Error()", err.Error(), jwt)
			assertNoPiece(t, "Description", ae.Description, jwt)
			if !strings.HasPrefix(ae.Description, strings.Repeat("x", 300)+" assertion [redacted]") {
				t.Errorf("Description = %q", ae.Description)
			}
		})
	}
}

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
	ts := newTokenServer(t)
	var calls int
	var mu sync.Mutex
	mux := ts.Config.Handler.(*http.ServeMux)
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
	rc := rest.New(ts.URL, ts.config().Client(context.Background()), rest.WithLogger(slog.New(rec)),
		rest.WithClock(nil, func(context.Context, time.Duration) error { return nil }))
	err := rc.Do(context.Background(), http.MethodGet, "/restapi/v1.0/echo", nil, nil, nil)
	var ae *rest.APIError
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
