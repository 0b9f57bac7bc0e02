package presence

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

	"github.com/google/go-cmp/cmp"
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

func checkGET(t *testing.T, r *http.Request, query string) {
	t.Helper()
	if r.Method != http.MethodGet {
		t.Errorf("method %s, want GET", r.Method)
	}
	if r.URL.RawQuery != query {
		t.Errorf("query %q, want %q", r.URL.RawQuery, query)
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

func decodeInfo(t *testing.T, b []byte) *Info {
	t.Helper()
	var in Info
	if err := json.Unmarshal(b, &in); err != nil {
		t.Fatal(err)
	}
	return &in
}

func TestClientExtension(t *testing.T) {
	body := fixture.Read(t, "rccallcontrol-rest-presence.json")
	mux, c := setupClient(t)
	mux.HandleFunc("/restapi/v1.0/account/~/extension/~/presence", func(w http.ResponseWriter, r *http.Request) {
		checkGET(t, r, "detailedTelephonyState=true&sipData=true")
		_, _ = w.Write(body)
	})
	got, err := c.Extension(context.Background(), "~", "")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(decodeInfo(t, body), got); d != "" {
		t.Errorf("Extension (-want +got):\n%s", d)
	}
	if got.ExtensionID != "170848004" || got.TelephonyStatus != CallConnected || len(got.ActiveCalls) == 0 {
		t.Errorf("Extension = %+v", got)
	}
}

func TestClientExtensionNotFound(t *testing.T) {
	mux, c := setupClient(t)
	mux.HandleFunc("/restapi/v1.0/account/1/extension/404/presence", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"errorCode":"CMN-102","message":"Resource for parameter [extensionId] is not found"}`)
	})
	_, err := c.Extension(context.Background(), "1", "404")
	var ae *ringwatch.APIError
	if !errors.Is(err, ErrNotFound) || !errors.As(err, &ae) || ae.Code != "CMN-102" {
		t.Errorf("err = %v, want ErrNotFound", err)
	}
}

// pagedServer serves the fixture's records one per page, announcing the
// next page the way next says.
func pagedServer(t *testing.T, next func(page, total int, w map[string]any)) (*Client, []*Info, *[]string) {
	t.Helper()
	var fx struct {
		Records []json.RawMessage `json:"records"`
	}
	if err := json.Unmarshal(fixture.Read(t, "rccallcontrol-rest-accountPresence.json"), &fx); err != nil {
		t.Fatal(err)
	}
	// Three pages: the fixture's two records and the first again.
	records := append(fx.Records, fx.Records[0])
	var want []*Info
	for _, r := range records {
		want = append(want, decodeInfo(t, r))
	}
	var (
		mu      sync.Mutex
		queries []string
	)
	mux, c := setupClient(t)
	mux.HandleFunc("/restapi/v1.0/account/~/presence", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		queries = append(queries, r.URL.RawQuery)
		mu.Unlock()
		page := 0
		_, _ = fmt.Sscan(r.URL.Query().Get("page"), &page)
		if page < 1 || page > len(records) {
			t.Errorf("page %d requested", page)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		doc := map[string]any{
			"uri":     "https://platform.ringcentral.com/restapi/v1.0/account/170848004/presence?" + r.URL.RawQuery,
			"records": []json.RawMessage{records[page-1]},
		}
		next(page, len(records), doc)
		_ = json.NewEncoder(w).Encode(doc)
	})
	return c, want, &queries
}

func queriesFor(pages int) []string {
	var q []string
	for p := 1; p <= pages; p++ {
		q = append(q, fmt.Sprintf("detailedTelephonyState=true&page=%d&perPage=1&sipData=true", p))
	}
	return q
}

func collect(t *testing.T, seq func(func(*Info, error) bool)) []*Info {
	t.Helper()
	var got []*Info
	for in, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, in)
	}
	return got
}

func TestClientAccountNavigation(t *testing.T) {
	c, want, queries := pagedServer(t, func(page, total int, doc map[string]any) {
		nav := map[string]any{"firstPage": map[string]string{"uri": "x?page=1"}}
		if page < total {
			nav["nextPage"] = map[string]string{"uri": fmt.Sprintf("x?page=%d", page+1)}
		}
		doc["navigation"] = nav
	})
	got := collect(t, c.Account(context.Background(), "", &AccountOptions{PerPage: 1}))
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Account (-want +got):\n%s", d)
	}
	if d := cmp.Diff(queriesFor(3), *queries); d != "" {
		t.Errorf("queries (-want +got):\n%s", d)
	}
}

func TestClientAccountPaging(t *testing.T) {
	c, want, queries := pagedServer(t, func(page, total int, doc map[string]any) {
		doc["paging"] = map[string]any{"page": page, "totalPages": total, "perPage": 1}
	})
	got := collect(t, c.Account(context.Background(), "~", &AccountOptions{PerPage: 1}))
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Account (-want +got):\n%s", d)
	}
	if d := cmp.Diff(queriesFor(3), *queries); d != "" {
		t.Errorf("queries (-want +got):\n%s", d)
	}
}

func TestClientAccountFixtureSinglePage(t *testing.T) {
	body := fixture.Read(t, "rccallcontrol-rest-accountPresence.json")
	mux, c := setupClient(t)
	n := 0
	mux.HandleFunc("/restapi/v1.0/account/170848004/presence", func(w http.ResponseWriter, r *http.Request) {
		n++
		checkGET(t, r, "detailedTelephonyState=true&page=1&perPage=100&sipData=true")
		_, _ = w.Write(body)
	})
	got := collect(t, c.Account(context.Background(), "170848004", nil))
	if len(got) != 2 || n != 1 {
		t.Fatalf("%d records in %d requests, want 2 in 1", len(got), n)
	}
	if got[0].ExtensionID != "170848004" {
		t.Errorf("first record %+v", got[0])
	}
}

func TestClientAccountStopEarly(t *testing.T) {
	c, _, queries := pagedServer(t, func(page, total int, doc map[string]any) {
		doc["paging"] = map[string]any{"page": page, "totalPages": total}
	})
	for range c.Account(context.Background(), "~", &AccountOptions{PerPage: 1}) {
		break
	}
	if len(*queries) != 1 {
		t.Errorf("%d pages read after break on the first record, want 1", len(*queries))
	}
}

func TestClientAccountError(t *testing.T) {
	mux, c := setupClient(t, WithMaxAttempts(1))
	mux.HandleFunc("/restapi/v1.0/account/~/presence", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page") == "1" {
			fmt.Fprint(w, `{"records":[{"extension":{"id":1}}],"paging":{"page":1,"totalPages":2}}`)
			return
		}
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(w, `{"errorCode":"CMN-301","message":"Request rate exceeded"}`)
	})
	var ids []string
	var errs []error
	for in, err := range c.Account(context.Background(), "~", nil) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ids = append(ids, in.ExtensionID)
	}
	if d := cmp.Diff([]string{"1"}, ids); d != "" {
		t.Errorf("records (-want +got):\n%s", d)
	}
	if len(errs) != 1 || !errors.Is(errs[0], ringwatch.ErrRateLimited) {
		t.Errorf("errors %v, want one rate-limit error", errs)
	}
}

func TestClientAccountEmptyPageStops(t *testing.T) {
	mux, c := setupClient(t)
	n := 0
	mux.HandleFunc("/restapi/v1.0/account/~/presence", func(w http.ResponseWriter, r *http.Request) {
		n++
		fmt.Fprint(w, `{"records":[],"navigation":{"nextPage":{"uri":"always"}},"paging":{"totalPages":99}}`)
	})
	if got := collect(t, c.Account(context.Background(), "~", nil)); len(got) != 0 || n != 1 {
		t.Errorf("%d records in %d requests, want 0 in 1", len(got), n)
	}
}
