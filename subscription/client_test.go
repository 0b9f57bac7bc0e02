package subscription

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/internal/testkit/fixture"
	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
)

const testToken = "test-access-token"

// setup starts a server behind a mux and returns a client of it whose
// *http.Client adds a bearer token, as ringwatch.Config.Client does.
func setup(t *testing.T, opts ...ClientOption) (*http.ServeMux, *Client) {
	t.Helper()
	leakcheck.Check(t)
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+testToken)
		return tr.RoundTrip(r)
	})}
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

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// testRequest checks the method, the headers every request carries, the
// query and the JSON body (empty string: no body).
func testRequest(t *testing.T, r *http.Request, method, query, body string) {
	t.Helper()
	if r.Method != method {
		t.Errorf("method = %s, want %s", r.Method, method)
	}
	if got := r.URL.RawQuery; got != query {
		t.Errorf("query = %q, want %q", got, query)
	}
	want := map[string]string{
		"Authorization": "Bearer " + testToken,
		"Accept":        "application/json",
		"User-Agent":    "ringwatch/0.1.0 (Go)",
		"Content-Type":  "",
	}
	if body != "" {
		want["Content-Type"] = "application/json"
	}
	for k, v := range want {
		if got := r.Header.Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	b, _ := io.ReadAll(r.Body)
	if body == "" {
		if len(b) != 0 {
			t.Errorf("body = %s, want none", b)
		}
		return
	}
	var got, exp any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("body %s: %v", b, err)
	}
	if err := json.Unmarshal([]byte(body), &exp); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(exp, got); d != "" {
		t.Errorf("body (-want +got):\n%s", d)
	}
}

const infoJSON = `{
  "uri": "https://platform.ringcentral.com/restapi/v1.0/subscription/95fecfc9-9cdc-4e94-a78a-89fd65889d37",
  "id": "95fecfc9-9cdc-4e94-a78a-89fd65889d37",
  "creationTime": "2026-03-01T12:00:00.000Z",
  "status": "Active",
  "eventFilters": ["/restapi/v1.0/account/10366034004/extension/10366034004/presence?detailedTelephonyState=true&sipData=true"],
  "disabledFilters": [{"filter": "/restapi/v1.0/account/10366034004/extension/10366034004/presence/line", "reason": "SUB-412", "message": "Extension permission [HUD] is missing"}],
  "expirationTime": "2026-03-08T11:59:59.000+0000",
  "expiresIn": 604799,
  "deliveryMode": {"transportType": "WebHook", "encryption": false, "address": "https://example.com/hook"}
}`

var wantInfo = &Info{
	URI:          "https://platform.ringcentral.com/restapi/v1.0/subscription/95fecfc9-9cdc-4e94-a78a-89fd65889d37",
	ID:           "95fecfc9-9cdc-4e94-a78a-89fd65889d37",
	CreationTime: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
	Status:       Active,
	EventFilters: []Filter{"/restapi/v1.0/account/10366034004/extension/10366034004/presence?detailedTelephonyState=true&sipData=true"},
	DisabledFilters: []DisabledFilter{{Filter: "/restapi/v1.0/account/10366034004/extension/10366034004/presence/line",
		Reason: "SUB-412", Message: "Extension permission [HUD] is missing"}},
	ExpirationTime: time.Date(2026, 3, 8, 11, 59, 59, 0, time.UTC),
	ExpiresIn:      604799 * time.Second,
	DeliveryMode:   DeliveryMode{TransportType: TransportWebHook, Address: "https://example.com/hook"},
}

const subID = "95fecfc9-9cdc-4e94-a78a-89fd65889d37"

// timeEqual compares instants, whatever their location.
var timeEqual = cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })

func TestCreate(t *testing.T) {
	mux, c := setup(t)
	mux.HandleFunc("/restapi/v1.0/subscription", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "POST", "", `{
		  "eventFilters": ["/restapi/v1.0/account/~/extension/~/presence?detailedTelephonyState=true&sipData=true"],
		  "deliveryMode": {"transportType": "WebHook", "address": "https://example.com/hook", "verificationToken": "vt-secret"},
		  "expiresIn": 604800}`)
		w.Header().Set("X-Rate-Limit-Group", "Medium")
		w.Header().Set("X-Rate-Limit-Limit", "40")
		w.Header().Set("X-Rate-Limit-Remaining", "39")
		w.Header().Set("X-Rate-Limit-Window", "60")
		fmt.Fprint(w, infoJSON)
	})
	got, err := c.Create(context.Background(), CreateRequest{
		EventFilters: []Filter{ExtensionPresence(Me, WithSIP())},
		DeliveryMode: DeliveryMode{TransportType: TransportWebHook, Address: "https://example.com/hook", VerificationToken: "vt-secret"},
		ExpiresIn:    7 * 24 * time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(wantInfo, got, timeEqual); d != "" {
		t.Errorf("Create (-want +got):\n%s", d)
	}
	if d := cmp.Diff(&ringwatch.RateLimit{Group: "Medium", Limit: 40, Remaining: 39, Window: time.Minute}, c.RateLimit()); d != "" {
		t.Errorf("RateLimit (-want +got):\n%s", d)
	}
}

func TestCreateValidatesFirst(t *testing.T) {
	mux, c := setup(t)
	mux.HandleFunc("/", func(http.ResponseWriter, *http.Request) { t.Error("a request was sent") })
	_, err := c.Create(context.Background(), CreateRequest{DeliveryMode: DeliveryMode{TransportType: TransportWebHook}})
	if !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("no filters: err = %v, want ErrInvalidArgument", err)
	}
	_, err = c.Create(context.Background(), CreateRequest{EventFilters: []Filter{AccountTelephonySessions(), "no-slash"}})
	var fe *FilterError
	if !errors.As(err, &fe) || !errors.Is(err, ErrInvalidFilter) {
		t.Errorf("bad filter: err = %v, want *FilterError", err)
	}
	_, err = c.Update(context.Background(), subID, UpdateRequest{EventFilters: []Filter{"no-slash"}})
	if !errors.Is(err, ErrInvalidFilter) {
		t.Errorf("Update with bad filter: err = %v", err)
	}
	for name, err := range map[string]error{
		"Get":    func() error { _, err := c.Get(context.Background(), ""); return err }(),
		"Update": func() error { _, err := c.Update(context.Background(), "", UpdateRequest{}); return err }(),
		"Renew":  func() error { _, err := c.Renew(context.Background(), ""); return err }(),
		"Delete": c.Delete(context.Background(), ""),
	} {
		if !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s(\"\"): err = %v, want ErrInvalidArgument", name, err)
		}
	}
}

func TestGet(t *testing.T) {
	mux, c := setup(t)
	mux.HandleFunc("/restapi/v1.0/subscription/"+subID, func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "GET", "", "")
		fmt.Fprint(w, infoJSON)
	})
	got, err := c.Get(context.Background(), subID)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(wantInfo, got, timeEqual); d != "" {
		t.Errorf("Get (-want +got):\n%s", d)
	}
}

func TestGetEscapesID(t *testing.T) {
	mux, c := setup(t)
	mux.HandleFunc("/restapi/v1.0/subscription/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.EscapedPath() != "/restapi/v1.0/subscription/a%2Fb%3Fc" {
			t.Errorf("path = %s", r.URL.EscapedPath())
		}
		fmt.Fprint(w, `{"id":"a/b?c"}`)
	})
	if got, err := c.Get(context.Background(), "a/b?c"); err != nil || got.ID != "a/b?c" {
		t.Errorf("Get = %+v, %v", got, err)
	}
}

func TestGetNotFound(t *testing.T) {
	mux, c := setup(t)
	mux.HandleFunc("/restapi/v1.0/subscription/gone", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"errorCode":"CMN-102","message":"Resource for parameter [subscriptionId] is not found","errors":[{"errorCode":"CMN-102","message":"Resource for parameter [subscriptionId] is not found","parameterName":"subscriptionId"}]}`)
	})
	_, err := c.Get(context.Background(), "gone")
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("err = %v, want ErrNotFound", err)
	}
	var ae *ringwatch.APIError
	if !errors.As(err, &ae) || ae.Code != "CMN-102" || ae.Parameter != "subscriptionId" || ae.Method != "GET" {
		t.Errorf("APIError = %+v", ae)
	}
}

func TestList(t *testing.T) {
	mux, c := setup(t)
	mux.HandleFunc("/restapi/v1.0/subscription", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "GET", "", "")
		_, _ = w.Write(fixture.Read(t, "apidocs-webhook-blacklist.json"))
	})
	got, err := c.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []Info{{
		URI:          "https://platform.ringcentral.com/restapi/v1.0/subscription/1423e408-e25c-4421-8dd1-5f754e2f5648",
		ID:           "1423e408-e25c-4421-8dd1-5f754e2f5648",
		CreationTime: time.Date(2022, 3, 18, 1, 45, 30, 573e6, time.UTC),
		Status:       Blacklisted,
		EventFilters: []Filter{
			"/restapi/v1.0/account/37439510/extension/2253168021",
			"/restapi/v1.0/glip/posts",
			"/restapi/v1.0/glip/groups",
		},
		ExpirationTime: time.Date(2037, 3, 14, 1, 45, 30, 573e6, time.UTC),
		ExpiresIn:      464203396 * time.Second,
		DeliveryMode:   DeliveryMode{TransportType: TransportWebHook, Address: "https://google-drive-add-in.integration.ringcentral.com/bot/webhook"},
		BlacklistedData: &BlacklistedData{
			Reason:        "I/O operation is failed. Details: [Read timed out]",
			BlacklistedAt: time.Date(2022, 6, 28, 5, 24, 0, 720e6, time.UTC),
		},
	}}
	if d := cmp.Diff(want, got, timeEqual); d != "" {
		t.Errorf("List (-want +got):\n%s", d)
	}
}

func TestUpdate(t *testing.T) {
	mux, c := setup(t)
	mux.HandleFunc("/restapi/v1.0/subscription/"+subID, func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "PUT", "", `{"eventFilters":["/restapi/v1.0/account/~/telephony/sessions"],"expiresIn":900}`)
		fmt.Fprint(w, infoJSON)
	})
	got, err := c.Update(context.Background(), subID, UpdateRequest{
		EventFilters: []Filter{AccountTelephonySessions()}, ExpiresIn: 15 * time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(wantInfo, got, timeEqual); d != "" {
		t.Errorf("Update (-want +got):\n%s", d)
	}
}

func TestUpdateEmptyRenews(t *testing.T) {
	mux, c := setup(t)
	mux.HandleFunc("/restapi/v1.0/subscription/"+subID, func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "PUT", "", `{}`)
		fmt.Fprint(w, infoJSON)
	})
	if _, err := c.Update(context.Background(), subID, UpdateRequest{}); err != nil {
		t.Fatal(err)
	}
}

func TestRenew(t *testing.T) {
	mux, c := setup(t)
	mux.HandleFunc("/restapi/v1.0/subscription/"+subID+"/renew", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "POST", "", "")
		fmt.Fprint(w, infoJSON)
	})
	got, err := c.Renew(context.Background(), subID)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(wantInfo, got, timeEqual); d != "" {
		t.Errorf("Renew (-want +got):\n%s", d)
	}
}

func TestDelete(t *testing.T) {
	mux, c := setup(t)
	mux.HandleFunc("/restapi/v1.0/subscription/"+subID, func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, "DELETE", "", "")
		w.WriteHeader(http.StatusNoContent)
	})
	if err := c.Delete(context.Background(), subID); err != nil {
		t.Fatal(err)
	}
}

func TestDeleteExpired(t *testing.T) {
	mux, c := setup(t)
	mux.HandleFunc("/restapi/v1.0/subscription/"+subID, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"errors":[{"errorCode":"SUB-507","message":"Subscription with key [x] and assigned session [y] was expired"}]}`)
	})
	if err := c.Delete(context.Background(), subID); !errors.Is(err, ErrNotFound) {
		t.Errorf("err = %v, want ErrNotFound", err)
	}
}

// fakeClock moves on by each wait instead of sleeping.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func (f *fakeClock) Now() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.now }

func (f *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sleeps, f.now = append(f.sleeps, d), f.now.Add(d)
	return nil
}

func TestRateLimitedCreateRetried(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	mux, c := setup(t, withRetryClock(clock.Now, clock.Sleep))
	var (
		mu     sync.Mutex
		bodies []string
		times  []time.Time
	)
	mux.HandleFunc("/restapi/v1.0/subscription", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		n := len(bodies)
		bodies, times = append(bodies, string(b)), append(times, clock.Now())
		mu.Unlock()
		if n == 0 {
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"errorCode":"CMN-301","message":"Request rate exceeded"}`)
			return
		}
		fmt.Fprint(w, infoJSON)
	})
	got, err := c.Create(context.Background(), CreateRequest{
		EventFilters: []Filter{AccountTelephonySessions()},
		DeliveryMode: DeliveryMode{TransportType: TransportWebHook, Address: "https://example.com/hook"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != subID {
		t.Errorf("ID = %q", got.ID)
	}
	if len(bodies) != 2 || bodies[0] != bodies[1] || times[1].Sub(times[0]) != 2*time.Second {
		t.Errorf("requests %d, bodies equal %v, gap %v; want 2, true, 2s", len(bodies), len(bodies) == 2 && bodies[0] == bodies[1], times[len(times)-1].Sub(times[0]))
	}
}

func TestMaxAttemptsOne(t *testing.T) {
	clock := &fakeClock{}
	mux, c := setup(t, withRetryClock(clock.Now, clock.Sleep), WithMaxAttempts(1), WithLogger(nil), WithRetryBackoff(time.Second, time.Minute), WithMaxRetryAfter(time.Minute))
	n := 0
	mux.HandleFunc("/restapi/v1.0/subscription", func(w http.ResponseWriter, r *http.Request) {
		n++
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	_, err := c.List(context.Background())
	var ae *ringwatch.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 503 || !ae.Temporary() || n != 1 || len(clock.sleeps) != 0 {
		t.Errorf("err = %v after %d requests and %d waits; want a 503 after 1 and 0", err, n, len(clock.sleeps))
	}
}
