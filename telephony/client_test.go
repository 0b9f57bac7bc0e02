package telephony

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/internal/rest"
	"github.com/ringwatch/ringwatch/internal/testkit/fixture"
	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
)

func setupClient(t *testing.T, opts ...ClientOption) (*http.ServeMux, *Client) {
	t.Helper()
	leakcheck.Check(t)
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: bearerTransport{tr}}
	return mux, NewClient(testRC(mux, srv.URL, hc), opts...)
}

// testRC is a ringwatch.Client of srv whose logins the mux answers at
// once; hc's transport carries the requests.
func testRC(mux *http.ServeMux, url string, hc *http.Client) *ringwatch.Client {
	mux.HandleFunc("POST /restapi/oauth/token", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"access_token":"login-token","token_type":"bearer","expires_in":3600}`)
	})
	return ringwatch.NewClient(ringwatch.Config{ServerURL: url, ClientID: "id", ClientSecret: "secret", JWT: "jwt"},
		ringwatch.WithHTTPClient(hc))
}

type bearerTransport struct{ base http.RoundTripper }

func (b bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer tok")
	return b.base.RoundTrip(r)
}

func checkGET(t *testing.T, r *http.Request) {
	t.Helper()
	if r.Method != http.MethodGet || r.URL.RawQuery != "" {
		t.Errorf("request %s ?%s, want GET without query", r.Method, r.URL.RawQuery)
	}
	for k, v := range map[string]string{
		"Authorization": "Bearer tok", "Accept": "application/json",
		"User-Agent": rest.UserAgent, "Content-Type": "",
	} {
		if got := r.Header.Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	if b, _ := io.ReadAll(r.Body); len(b) != 0 {
		t.Errorf("body %q, want none", b)
	}
}

func TestClientSession(t *testing.T) {
	body := fixture.Read(t, "rccallcontrol-rest-telephonySessionInbound.json")
	mux, c := setupClient(t)
	mux.HandleFunc("/restapi/v1.0/account/~/telephony/sessions/s-279e175539444bdc96d16c1e2fe4dbe9", func(w http.ResponseWriter, r *http.Request) {
		checkGET(t, r)
		_, _ = w.Write(body)
	})
	got, err := c.Session(context.Background(), "", "s-279e175539444bdc96d16c1e2fe4dbe9")
	if err != nil {
		t.Fatal(err)
	}
	want, err := ParseSession(body)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Session (-want +got):\n%s", d)
	}
	// The REST form is normalised: the id and the owner fold in.
	if got.TelephonySessionID != "s-279e175539444bdc96d16c1e2fe4dbe9" || len(got.Parties) < 2 ||
		got.Parties[1].AccountID != "170848004" || got.Parties[1].ExtensionID != "170848004" {
		t.Errorf("not normalised: %+v", got)
	}
}

func TestClientSessionAccountID(t *testing.T) {
	mux, c := setupClient(t)
	mux.HandleFunc("/restapi/v1.0/account/170848004/telephony/sessions/s-1", func(w http.ResponseWriter, r *http.Request) {
		checkGET(t, r)
		fmt.Fprint(w, `{"id":"s-1","origin":{"type":"Call"},"parties":[]}`)
	})
	got, err := c.Session(context.Background(), "170848004", "s-1")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(&Session{TelephonySessionID: "s-1", Origin: Origin{Type: "Call"}}, got, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("Session (-want +got):\n%s", d)
	}
}

func TestClientParty(t *testing.T) {
	body := fixture.Read(t, "rccallcontrol-rest-telephonySessionInboundParty.json")
	mux, c := setupClient(t)
	mux.HandleFunc("/restapi/v1.0/account/~/telephony/sessions/s-279e/parties/p-279e-2", func(w http.ResponseWriter, r *http.Request) {
		checkGET(t, r)
		_, _ = w.Write(body)
	})
	got, err := c.Party(context.Background(), "~", "s-279e", "p-279e-2")
	if err != nil {
		t.Fatal(err)
	}
	want, err := ParseParty(body)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Party (-want +got):\n%s", d)
	}
	if got.AccountID != "170848004" || got.Status.Code != Proceeding {
		t.Errorf("party %+v", got)
	}
}

func TestClientSessionNotFound(t *testing.T) {
	mux, c := setupClient(t)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"errorCode":"TAS-102","message":"Telephony session not found","errors":[{"errorCode":"TAS-102","message":"Telephony session not found"}]}`)
	})
	_, err := c.Session(context.Background(), "~", "s-gone")
	var ae *ringwatch.APIError
	if !errors.Is(err, ErrSessionNotFound) || !errors.As(err, &ae) || ae.Code != "TAS-102" {
		t.Errorf("err = %v, want ErrSessionNotFound with code TAS-102", err)
	}
	if _, err := c.Party(context.Background(), "~", "s-gone", "p"); !errors.Is(err, ErrSessionNotFound) {
		t.Errorf("Party: err = %v", err)
	}
}

func TestClientEmptyIDs(t *testing.T) {
	mux, c := setupClient(t)
	mux.HandleFunc("/", func(http.ResponseWriter, *http.Request) { t.Error("a request was sent") })
	if _, err := c.Session(context.Background(), "~", ""); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("Session: err = %v", err)
	}
	if _, err := c.Party(context.Background(), "~", "s", ""); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("Party: err = %v", err)
	}
	if _, err := c.Party(context.Background(), "~", "", "p"); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("Party: err = %v", err)
	}
}

func TestClientRetries503(t *testing.T) {
	var sleeps []time.Duration
	sleep := func(_ context.Context, d time.Duration) error { sleeps = append(sleeps, d); return nil }
	mux, c := setupClient(t, withRetryClock(nil, sleep), WithMaxAttempts(3),
		WithRetryBackoff(time.Second, 2*time.Second), WithLogger(nil))
	n := 0
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if n++; n < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, `{"id":"s-1"}`)
	})
	got, err := c.Session(context.Background(), "~", "s-1")
	if err != nil || got.TelephonySessionID != "s-1" {
		t.Fatalf("Session = %+v, %v", got, err)
	}
	if n != 3 || len(sleeps) != 2 || sleeps[0] > time.Second || sleeps[1] > 2*time.Second {
		t.Errorf("%d requests, waits %v", n, sleeps)
	}
}
