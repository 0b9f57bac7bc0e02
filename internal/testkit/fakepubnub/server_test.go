package fakepubnub_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ringwatch/ringwatch/internal/testkit/fakepubnub"
	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
)

type env struct {
	T struct {
		T string `json:"t"`
	} `json:"t"`
	M []struct {
		C string          `json:"c"`
		D json.RawMessage `json:"d"`
		P struct {
			T string `json:"t"`
		} `json:"p"`
	} `json:"m"`
}

func get(t *testing.T, url string) (int, env) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var e env
	if resp.StatusCode == 200 {
		if err := json.Unmarshal(b, &e); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
	}
	return resp.StatusCode, e
}

func newServer(t *testing.T) (*fakepubnub.Server, *httptest.Server) {
	leakcheck.Check(t)
	f := fakepubnub.New()
	f.SetHoldMax(200 * time.Millisecond)
	hs := httptest.NewServer(f)
	t.Cleanup(func() { f.Close(); hs.Close() })
	return f, hs
}

func TestHandshakePollPublish(t *testing.T) {
	f, hs := newServer(t)
	base := hs.URL + "/v2/subscribe/sub-c-1/ch-a,ch-b/0?uuid=u&tr=0"
	st, hand := get(t, base)
	if st != 200 || len(hand.M) != 0 || hand.T.T != "17000000000000000" {
		t.Fatalf("handshake = %d %+v", st, hand)
	}
	tt1 := f.Publish("ch-a", "c2VjcmV0")
	f.Publish("ch-other", map[string]int{"x": 1})
	tt3 := f.Publish("ch-b", map[string]int{"n": 3})

	st, e := get(t, base+"&tt="+hand.T.T)
	if st != 200 {
		t.Fatalf("poll = %d", st)
	}
	type got struct{ C, D, P string }
	var msgs []got
	for _, m := range e.M {
		msgs = append(msgs, got{m.C, string(m.D), m.P.T})
	}
	want := []got{{"ch-a", `"c2VjcmV0"`, "17000000000010000"}, {"ch-b", `{"n":3}`, "17000000000030000"}}
	if diff := cmp.Diff(want, msgs); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
	if tt1 != 17000000000010000 || tt3 != 17000000000030000 || e.T.T != "17000000000030000" {
		t.Errorf("timetokens %d %d %s", tt1, tt3, e.T.T)
	}

	// An idle poll is held, then answered empty with the same timetoken.
	start := time.Now()
	st, e = get(t, base+"&tt="+e.T.T)
	if st != 200 || len(e.M) != 0 || e.T.T != "17000000000030000" || time.Since(start) < 150*time.Millisecond {
		t.Errorf("idle poll = %d %+v after %v", st, e, time.Since(start))
	}
}

func TestHeldPollReleasedByPublishAndFailure(t *testing.T) {
	f, hs := newServer(t)
	f.SetHoldMax(10 * time.Second)
	poll := hs.URL + "/v2/subscribe/k/ch/0?tt=17000000000000000"
	type res struct {
		st int
		e  env
	}
	do := func(url string) chan res {
		c := make(chan res, 1)
		go func() { st, e := get(t, url); c <- res{st, e} }()
		return c
	}
	waitHeld := func(n int) {
		// The log records a request when it arrives: the held poll is
		// the n-th, not answered yet.
		waitLogged(t, f, n)
	}
	c := do(poll)
	waitHeld(1)
	tt := f.Publish("ch", "x")
	if r := <-c; r.st != 200 || len(r.e.M) != 1 {
		t.Fatalf("released poll = %+v", r)
	}
	f.FailNextPoll(502)
	if st, _ := get(t, poll+"0"); st != 502 {
		t.Fatalf("failed poll = %d", st)
	}
	c = do(fmt.Sprintf("%s/v2/subscribe/k/ch/0?tt=%d", hs.URL, tt))
	waitHeld(3)
	f.Close()
	if r := <-c; r.st != 503 {
		t.Fatalf("poll after Close = %d", r.st)
	}
	var got []int
	for _, r := range f.Requests() {
		got = append(got, r.Status)
	}
	if diff := cmp.Diff([]int{200, 502, 503}, got); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
}

func TestLeaveAndTime(t *testing.T) {
	f, hs := newServer(t)
	if st, _ := get(t, hs.URL+"/v2/presence/sub-key/k/channel/ch/leave?uuid=u"); st != 200 {
		t.Errorf("leave = %d", st)
	}
	resp, err := http.Get(hs.URL + "/time/0")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "[17000000000000000]" {
		t.Errorf("time = %s", b)
	}
	if st, _ := get(t, hs.URL+"/nope"); st != 404 {
		t.Errorf("unknown path = %d", st)
	}
	if n := len(f.Requests()); n != 3 {
		t.Errorf("requests = %d", n)
	}
}

// waitLogged waits until the log holds n requests, the last one still
// unanswered (Status 0).
func waitLogged(t *testing.T, f *fakepubnub.Server, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if rs := f.Requests(); len(rs) == n && rs[n-1].Status == 0 {
			return
		}
	}
	t.Fatalf("requests = %+v, want %d, the last in flight", f.Requests(), n)
}

// TestRequestsLoggedOnArrival: a long-poll is logged when it arrives, so
// a poll cancelled after a later request was answered still comes first
// in the log (the order transport/pubnub's renewal test relies on).
func TestRequestsLoggedOnArrival(t *testing.T) {
	f, hs := newServer(t)
	f.SetHoldMax(time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, hs.URL+"/v2/subscribe/old-key/ch/0?tt=17000000000000000", nil)
	if err != nil {
		t.Fatal(err)
	}
	gone := make(chan struct{})
	go func() {
		defer close(gone)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	waitLogged(t, f, 1)
	if st, _ := get(t, hs.URL+"/v2/subscribe/new-key/ch/0?tt=0"); st != 200 {
		t.Fatalf("handshake = %d", st)
	}
	cancel()
	<-gone
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if rs := f.Requests(); len(rs) == 2 && rs[0].Status != 0 {
			break
		}
	}
	var got []string
	for _, r := range f.Requests() {
		got = append(got, fmt.Sprintf("%s %d", r.Path, r.Status))
	}
	want := []string{"/v2/subscribe/old-key/ch/0 499", "/v2/subscribe/new-key/ch/0 200"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("log (-want +got):\n%s", diff)
	}
}
