package notifytest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/presence"
	"github.com/ringwatch/ringwatch/subscription"
)

// seenRequest is what a webhook received.
type seenRequest struct {
	Method, Token, UserAgent string
	BodyLen                  int
}

func TestWebhookHandshake(t *testing.T) {
	p, _ := start(t, notifytest.WithHandshakeTimeout(200*time.Millisecond))
	tok := token(t, p, "230000101")

	var (
		mu   sync.Mutex
		seen []seenRequest
	)
	note := func(r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, seenRequest{r.Method, r.Header.Get("Validation-Token"), r.Header.Get("User-Agent"), len(b)})
		mu.Unlock()
	}
	echo := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Validation-Token", r.Header.Get("Validation-Token"))
		w.Header().Set("Content-Type", "application/json")
	}
	tests := []struct {
		name    string
		handler http.HandlerFunc
		code    string // "" for success
	}{
		{"echoes", echo, ""},
		{"echoes with a small body", func(w http.ResponseWriter, r *http.Request) {
			echo(w, r)
			_, _ = io.WriteString(w, `{"ok":true}`)
		}, ""},
		{"does not echo", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
		}, "SUB-520"},
		{"echoes something else", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Validation-Token", "other")
		}, "SUB-520"},
		{"answers too late", func(w http.ResponseWriter, r *http.Request) {
			// Block until the platform gives up: no real sleep.
			<-r.Context().Done()
		}, "SUB-521"},
		{"answers 404", func(w http.ResponseWriter, r *http.Request) {
			echo(w, r)
			w.WriteHeader(http.StatusNotFound)
		}, "SUB-521"},
		{"body too large", func(w http.ResponseWriter, r *http.Request) {
			echo(w, r)
			_, _ = io.WriteString(w, strings.Repeat("x", 1000))
		}, "SUB-525"},
		{"headers too large", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Padding", strings.Repeat("p", 1000))
			echo(w, r)
		}, "SUB-525"},
		{"redirects", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		}, "SUB-521"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			seen = nil
			mu.Unlock()
			hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				note(r)
				tt.handler(w, r)
			}))
			defer hook.Close()
			r := do(t, p, tok, "POST", "/restapi/v1.0/subscription", webhookReq(hook.URL, 0, subscription.ExtensionPresence("")))
			if tt.code == "" {
				if r.status != http.StatusOK {
					t.Fatalf("create: %d %s", r.status, r.body)
				}
			} else if st, code := r.code(t); st != 400 || code != tt.code {
				t.Fatalf("create: %d %s, want 400 %s", st, code, tt.code)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(seen) != 1 {
				t.Fatalf("webhook got %d requests, want 1", len(seen))
			}
			got := seen[0]
			if len(got.Token) != 36 {
				t.Errorf("Validation-Token %q is not a UUID", got.Token)
			}
			got.Token = ""
			if d := cmp.Diff(seenRequest{Method: "POST", UserAgent: "RingCentral-Webhook/8.3"}, got); d != "" {
				t.Errorf("handshake request (-want +got):\n%s", d)
			}
		})
	}
	if n := len(p.Subscriptions()); n != 2 {
		t.Errorf("%d subscriptions, want the 2 that passed", n)
	}
}

func TestWebhookHandshakeUnreachable(t *testing.T) {
	p, _ := start(t)
	hook := httptest.NewServer(http.NotFoundHandler())
	addr := hook.URL
	hook.Close() // nothing listens there any more
	r := do(t, p, token(t, p, "230000101"), "POST", "/restapi/v1.0/subscription", webhookReq(addr, 0, subscription.ExtensionPresence("")))
	if st, code := r.code(t); st != 400 || code != "SUB-521" {
		t.Errorf("create: %d %s, want 400 SUB-521", st, code)
	}
}

// TestHandshakeCallsBack checks that the handshake holds no lock: the
// webhook calls the platform's API before it answers.
func TestHandshakeCallsBack(t *testing.T) {
	p, _ := start(t)
	tok := token(t, p, "230000101")
	var inner int
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, _ := http.NewRequest("GET", p.URL()+"/restapi/v1.0/subscription", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		if resp, err := p.HTTPClient().Do(req); err == nil {
			inner = resp.StatusCode
			resp.Body.Close()
		}
		p.Subscriptions()
		_ = p.SetPresence("230000101", presence.Event{TelephonyStatus: presence.Ringing})
		w.Header().Set("Validation-Token", r.Header.Get("Validation-Token"))
	}))
	defer hook.Close()
	if r := do(t, p, tok, "POST", "/restapi/v1.0/subscription", webhookReq(hook.URL, 0, subscription.ExtensionPresence(""))); r.status != 200 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	if inner != 200 {
		t.Errorf("call back during the handshake: %d", inner)
	}
}

// TestCloseDuringHandshake checks that Close cancels a handshake in
// progress and returns.
func TestCloseDuringHandshake(t *testing.T) {
	p, _ := start(t) // 3000 ms timeout: Close must not wait for it
	tok := token(t, p, "230000101")
	arrived := make(chan struct{})
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-r.Context().Done()
	}))
	defer hook.Close()
	done := make(chan response, 1)
	go func() {
		req, _ := http.NewRequest("POST", p.URL()+"/restapi/v1.0/subscription",
			strings.NewReader(`{"eventFilters":["/restapi/v1.0/account/~/extension/~/presence"],"deliveryMode":{"transportType":"WebHook","address":"`+hook.URL+`"}}`))
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := p.HTTPClient().Do(req)
		if err != nil {
			done <- response{}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		done <- response{status: resp.StatusCode, body: b}
	}()
	<-arrived
	t0 := time.Now()
	p.Close()
	if d := time.Since(t0); d > 2*time.Second {
		t.Errorf("Close took %v during a handshake", d)
	}
	if r := <-done; r.status == 200 {
		t.Errorf("create succeeded across Close: %s", r.body)
	}
}
