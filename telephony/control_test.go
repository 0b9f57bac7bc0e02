package telephony

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/internal/rest"
	"github.com/ringwatch/ringwatch/internal/testkit/fixture"
)

const (
	tsPath    = "/restapi/v1.0/account/~/telephony"
	sPath     = tsPath + "/sessions/s-1"
	pPath     = sPath + "/parties/p-1"
	partyJSON = `{"id":"p-1","direction":"Inbound","owner":{"accountId":"1","extensionId":"2"},"status":{"code":"Hold"},"muted":false,"standAlone":false,"missedCall":false}`
)

// controlOp is one Call Control operation as the tests drive it.
type controlOp struct {
	name   string
	call   func(ctx context.Context, c *Client) (any, error)
	method string
	path   string
	query  string
	body   string // the JSON body sent, "" for none
	answer string // the body the server answers
	want   any    // the decoded answer (nil for operations returning only an error)
}

func boolp(b bool) *bool { return &b }

func mustParty(t *testing.T, s string) *Party {
	t.Helper()
	p, err := ParseParty([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func mustSession(t *testing.T, s string) *Session {
	t.Helper()
	var cs callSession
	if err := json.Unmarshal([]byte(s), &cs); err != nil || cs.Session == nil {
		t.Fatalf("session %v", err)
	}
	return cs.Session
}

func controlOps(t *testing.T) []controlOp {
	callOut := string(fixture.Read(t, "rccallcontrol-rest-telephonySessionCallOut.json"))
	conf := string(fixture.Read(t, "rccallcontrol-rest-telephonyConference.json"))
	bringIn := string(fixture.Read(t, "rccallcontrol-rest-telephonyConferenceBringIn.json"))
	bridge := string(fixture.Read(t, "rccallcontrol-rest-telephonySessionBridge.json"))
	forward := string(fixture.Read(t, "rccallcontrol-rest-telephonySessionInboundPartyForward.json"))
	transfer := string(fixture.Read(t, "rccallcontrol-rest-telephonySessionOutboundPartyTransfer.json"))
	session := string(fixture.Read(t, "rccallcontrol-rest-telephonySessionInbound.json"))
	party := mustParty(t, partyJSON)
	rec := `{"id":"r-1","active":true}`
	ts := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	return []controlOp{
		{name: "CallOut", call: func(ctx context.Context, c *Client) (any, error) {
			return c.CallOut(ctx, CallOutRequest{From: CallOutFrom{DeviceID: "d-1"}, To: CallOutTo{PhoneNumber: "+15551234567"}, CountryID: "1"})
		}, method: "POST", path: tsPath + "/call-out", body: `{"from":{"deviceId":"d-1"},"to":{"phoneNumber":"+15551234567"},"countryId":"1"}`,
			answer: callOut, want: mustSession(t, callOut)},
		{name: "StartConference", call: func(ctx context.Context, c *Client) (any, error) { return c.StartConference(ctx) },
			method: "POST", path: tsPath + "/conference", answer: conf, want: mustSession(t, conf)},
		{name: "WaitSession", call: func(ctx context.Context, c *Client) (any, error) {
			return c.WaitSession(ctx, "s-1", SessionWaitOptions{Timestamp: ts, Timeout: 2500 * time.Millisecond})
		}, method: "GET", path: sPath, query: "timeout=3&timestamp=2024-05-06T07%3A08%3A09Z", answer: session, want: func() *Session {
			s, err := ParseSession([]byte(session))
			if err != nil {
				t.Fatal(err)
			}
			return s
		}()},
		{name: "Drop", call: func(ctx context.Context, c *Client) (any, error) { return nil, c.Drop(ctx, "s-1") },
			method: "DELETE", path: sPath},
		{name: "Answer", call: func(ctx context.Context, c *Client) (any, error) { return c.Answer(ctx, "s-1", "p-1", "d-1") },
			method: "POST", path: pPath + "/answer", body: `{"deviceId":"d-1"}`, answer: partyJSON, want: party},
		{name: "Hold", call: func(ctx context.Context, c *Client) (any, error) { return c.Hold(ctx, "s-1", "p-1") },
			method: "POST", path: pPath + "/hold", answer: partyJSON, want: party},
		{name: "HoldWith", call: func(ctx context.Context, c *Client) (any, error) {
			return c.HoldWith(ctx, "s-1", "p-1", HoldBroadWorks)
		},
			method: "POST", path: pPath + "/hold", body: `{"proto":"BroadWorks"}`, answer: partyJSON, want: party},
		{name: "Unhold", call: func(ctx context.Context, c *Client) (any, error) { return c.Unhold(ctx, "s-1", "p-1") },
			method: "POST", path: pPath + "/unhold", answer: partyJSON, want: party},
		{name: "Transfer", call: func(ctx context.Context, c *Client) (any, error) {
			return c.Transfer(ctx, "s-1", "p-1", Target{ExtensionID: "42"})
		}, method: "POST", path: pPath + "/transfer", body: `{"extensionId":"42"}`, answer: transfer, want: mustParty(t, transfer)},
		{name: "TransferParkOrbit", call: func(ctx context.Context, c *Client) (any, error) {
			return c.Transfer(ctx, "s-1", "p-1", Target{ParkOrbit: "po-1"})
		}, method: "POST", path: pPath + "/transfer", body: `{"parkOrbit":"po-1"}`, answer: partyJSON, want: party},
		{name: "Forward", call: func(ctx context.Context, c *Client) (any, error) {
			return c.Forward(ctx, "s-1", "p-1", Target{Voicemail: "2"})
		}, method: "POST", path: pPath + "/forward", body: `{"voicemail":"2"}`, answer: forward, want: mustParty(t, forward)},
		{name: "Reject", call: func(ctx context.Context, c *Client) (any, error) { return nil, c.Reject(ctx, "s-1", "p-1") },
			method: "POST", path: pPath + "/reject"},
		{name: "Ignore", call: func(ctx context.Context, c *Client) (any, error) { return nil, c.Ignore(ctx, "s-1", "p-1", "d-1") },
			method: "POST", path: pPath + "/ignore", body: `{"deviceId":"d-1"}`},
		{name: "Park", call: func(ctx context.Context, c *Client) (any, error) { return c.Park(ctx, "s-1", "p-1") },
			method: "POST", path: pPath + "/park", answer: `{"id":"p-1","status":{"code":"Parked","parkData":"*801"}}`,
			want: &Party{ID: "p-1", Status: Status{Code: Parked, ParkData: "*801"}}},
		{name: "Pickup", call: func(ctx context.Context, c *Client) (any, error) { return c.Pickup(ctx, "s-1", "p-1", "d-1") },
			method: "POST", path: pPath + "/pickup", body: `{"deviceId":"d-1"}`, answer: partyJSON, want: party},
		{name: "Flip", call: func(ctx context.Context, c *Client) (any, error) { return nil, c.Flip(ctx, "s-1", "p-1", "3") },
			method: "POST", path: pPath + "/flip", body: `{"callFlipId":"3"}`},
		{name: "ReplyText", call: func(ctx context.Context, c *Client) (any, error) {
			return c.Reply(ctx, "s-1", "p-1", Reply{Text: "busy"})
		}, method: "POST", path: pPath + "/reply", body: `{"replyWithText":"busy"}`, answer: partyJSON, want: party},
		{name: "ReplyPattern", call: func(ctx context.Context, c *Client) (any, error) {
			return c.Reply(ctx, "s-1", "p-1", Reply{Pattern: &ReplyPattern{Pattern: "WillCallYouBack", Time: 5, TimeUnit: "Minute"}})
		}, method: "POST", path: pPath + "/reply", body: `{"replyWithPattern":{"pattern":"WillCallYouBack","time":5,"timeUnit":"Minute"}}`,
			answer: partyJSON, want: party},
		{name: "Bridge", call: func(ctx context.Context, c *Client) (any, error) { return c.Bridge(ctx, "s-1", "p-1", "s-2", "p-2") },
			method: "POST", path: pPath + "/bridge", body: `{"telephonySessionId":"s-2","partyId":"p-2"}`, answer: bridge, want: mustParty(t, bridge)},
		{name: "BringIn", call: func(ctx context.Context, c *Client) (any, error) { return c.BringIn(ctx, "s-1", "s-2", "p-2") },
			method: "POST", path: sPath + "/parties/bring-in", body: `{"sessionId":"s-2","partyId":"p-2"}`, answer: bringIn, want: mustParty(t, bringIn)},
		{name: "UpdateParty", call: func(ctx context.Context, c *Client) (any, error) {
			return c.UpdateParty(ctx, "s-1", "p-1", PartyUpdate{StandAlone: boolp(true)})
		}, method: "PATCH", path: pPath, body: `{"standAlone":true}`, answer: partyJSON, want: party},
		{name: "Mute", call: func(ctx context.Context, c *Client) (any, error) { return c.Mute(ctx, "s-1", "p-1", false) },
			method: "PATCH", path: pPath, body: `{"muted":false}`, answer: partyJSON, want: party},
		{name: "RemoveParty", call: func(ctx context.Context, c *Client) (any, error) { return nil, c.RemoveParty(ctx, "s-1", "p-1") },
			method: "DELETE", path: pPath},
		{name: "StartRecording", call: func(ctx context.Context, c *Client) (any, error) { return c.StartRecording(ctx, "s-1", "p-1") },
			method: "POST", path: pPath + "/recordings", answer: rec, want: &Recording{ID: "r-1", Active: true}},
		{name: "PauseRecording", call: func(ctx context.Context, c *Client) (any, error) {
			return c.PauseRecording(ctx, "s-1", "p-1", "r-1")
		}, method: "PATCH", path: pPath + "/recordings/r-1", body: `{"active":false}`, answer: `{"id":"r-1","active":false}`, want: &Recording{ID: "r-1"}},
		{name: "ResumeRecording", call: func(ctx context.Context, c *Client) (any, error) {
			return c.ResumeRecording(ctx, "s-1", "p-1", "r-1")
		}, method: "PATCH", path: pPath + "/recordings/r-1", body: `{"active":true}`, answer: rec, want: &Recording{ID: "r-1", Active: true}},
		{name: "SuperviseSession", call: func(ctx context.Context, c *Client) (any, error) {
			return c.SuperviseSession(ctx, "s-1", SuperviseRequest{SupervisorDeviceID: "d-9", AgentExtensionNumber: "101", AutoAnswer: boolp(true)})
		}, method: "POST", path: sPath + "/supervise", body: `{"mode":"Listen","supervisorDeviceId":"d-9","agentExtensionNumber":"101","autoAnswer":true}`,
			answer: partyJSON, want: party},
		{name: "SuperviseParty", call: func(ctx context.Context, c *Client) (any, error) {
			return c.SuperviseParty(ctx, "s-1", "p-1", SuperviseRequest{SupervisorDeviceID: "d-9", AgentExtensionID: "7"})
		}, method: "POST", path: pPath + "/supervise", body: `{"mode":"Listen","supervisorDeviceId":"d-9","agentExtensionId":"7"}`,
			answer: partyJSON, want: party},
	}
}

// checkControlRequest checks the method, path, query, headers and JSON
// body of one request.
func checkControlRequest(t *testing.T, op controlOp, r *http.Request) {
	t.Helper()
	if r.Method != op.method || r.URL.Path != op.path || r.URL.RawQuery != op.query {
		t.Errorf("request %s %s?%s, want %s %s?%s", r.Method, r.URL.Path, r.URL.RawQuery, op.method, op.path, op.query)
	}
	ct := ""
	if op.body != "" {
		ct = "application/json"
	}
	for k, v := range map[string]string{"Authorization": "Bearer tok", "Accept": "application/json", "User-Agent": rest.UserAgent, "Content-Type": ct} {
		if got := r.Header.Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	b, _ := io.ReadAll(r.Body)
	if op.body == "" {
		if len(b) != 0 {
			t.Errorf("body %s, want none", b)
		}
		return
	}
	var got, want any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("body %q: %v", b, err)
	}
	if err := json.Unmarshal([]byte(op.body), &want); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("body (-want +got):\n%s", d)
	}
}

func TestControlOperations(t *testing.T) {
	for _, op := range controlOps(t) {
		t.Run(op.name, func(t *testing.T) {
			mux, c := setupClient(t)
			var n atomic.Int32
			mux.HandleFunc("/restapi/v1.0/account/", func(w http.ResponseWriter, r *http.Request) {
				n.Add(1)
				checkControlRequest(t, op, r)
				if op.answer == "" {
					w.WriteHeader(http.StatusNoContent)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, op.answer)
			})
			got, err := op.call(context.Background(), c)
			if err != nil {
				t.Fatal(err)
			}
			if n.Load() != 1 {
				t.Errorf("%d requests, want 1", n.Load())
			}
			if op.want == nil {
				return
			}
			if d := cmp.Diff(op.want, got); d != "" {
				t.Errorf("answer (-want +got):\n%s", d)
			}
		})
	}
}

func TestControlErrors(t *testing.T) {
	for _, op := range controlOps(t) {
		t.Run(op.name, func(t *testing.T) {
			var sleeps []time.Duration
			sleep := func(_ context.Context, d time.Duration) error { sleeps = append(sleeps, d); return nil }
			mux, c := setupClient(t, withRetryClock(nil, sleep))
			status := http.StatusNotFound
			// Every operation takes the 429 path with Retry-After 0 (the
			// budget holds the group for real time); TestControl429RetryAfter
			// (Transfer) waits a real second once.
			retryAfter := "0"
			if op.name == "Transfer" {
				retryAfter = "1"
			}
			var n atomic.Int32
			mux.HandleFunc("/restapi/v1.0/account/", func(w http.ResponseWriter, r *http.Request) {
				n.Add(1)
				switch status {
				case http.StatusNotFound:
					w.WriteHeader(status)
					fmt.Fprint(w, `{"errorCode":"TAS-102","message":"Telephony session not found"}`)
				case http.StatusConflict, http.StatusBadRequest:
					w.WriteHeader(status)
					fmt.Fprint(w, `{"errorCode":"TAS-104","message":"Party is in invalid state"}`)
				case http.StatusTooManyRequests:
					if n.Load() == 1 {
						w.Header().Set("Retry-After", retryAfter)
						w.WriteHeader(status)
						fmt.Fprint(w, `{"errorCode":"CMN-301","message":"Request rate exceeded"}`)
						return
					}
					if op.answer == "" {
						w.WriteHeader(http.StatusNoContent)
						return
					}
					_, _ = io.WriteString(w, op.answer)
				}
			})
			// 404: the session is gone.
			_, err := op.call(context.Background(), c)
			var ae *ringwatch.APIError
			if !errors.Is(err, ErrSessionNotFound) || !errors.As(err, &ae) || ae.Code != "TAS-102" ||
				ae.Method != op.method || ae.Path != op.path {
				t.Errorf("404: err = %v", err)
			}
			// 409 and 400: the call's state does not allow it.
			for _, st := range []int{http.StatusConflict, http.StatusBadRequest} {
				status = st
				_, err = op.call(context.Background(), c)
				if !errors.As(err, &ae) || ae.StatusCode != st || ae.Code != "TAS-104" || errors.Is(err, ErrSessionNotFound) {
					t.Errorf("%d: err = %v", st, err)
				}
			}
			// 429 with Retry-After: waited for, then sent again.
			status = http.StatusTooManyRequests
			n.Store(0)
			got, err := op.call(context.Background(), c)
			if err != nil {
				t.Fatalf("429: %v", err)
			}
			if wantWait := map[string]time.Duration{"0": 0, "1": time.Second}[retryAfter]; n.Load() != 2 || len(sleeps) != 1 || sleeps[0] != wantWait {
				t.Errorf("429: %d requests, waits %v; want 2 and [%v]", n.Load(), sleeps, wantWait)
			}
			if op.want != nil {
				if d := cmp.Diff(op.want, got); d != "" {
					t.Errorf("429 then answer (-want +got):\n%s", d)
				}
			}
		})
	}
}

// A cancelled ctx sends nothing, for every operation.
func TestControlCancelledContext(t *testing.T) {
	mux, c := setupClient(t)
	mux.HandleFunc("/restapi/v1.0/account/", func(http.ResponseWriter, *http.Request) { t.Error("a request was sent") })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, op := range controlOps(t) {
		if _, err := op.call(ctx, c); !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "telephony: ") {
			t.Errorf("%s: err = %v, want context.Canceled", op.name, err)
		}
	}
}

// Bad input: empty ids, an empty or doubly-set Target, and other invalid
// arguments are errors matching ErrInvalidArgument, and nothing is sent.
func TestControlBadInput(t *testing.T) {
	mux, c := setupClient(t)
	mux.HandleFunc("/restapi/v1.0/account/", func(http.ResponseWriter, *http.Request) { t.Error("a request was sent") })
	ctx := context.Background()
	for _, tc := range []struct {
		name       string
		call       func() error
		target     bool   // also ErrInvalidTarget
		errContain string // part of the message
	}{
		{"Transfer empty target", func() error { _, err := c.Transfer(ctx, "s", "p", Target{}); return err }, true, "no destination"},
		{"Transfer two targets", func() error {
			_, err := c.Transfer(ctx, "s", "p", Target{PhoneNumber: "+1", Voicemail: "2"})
			return err
		}, true, "2 destinations set (phoneNumber, voicemail)"},
		{"Forward park orbit", func() error { _, err := c.Forward(ctx, "s", "p", Target{ParkOrbit: "1"}); return err }, true, "parkOrbit"},
		{"Forward two targets", func() error {
			_, err := c.Forward(ctx, "s", "p", Target{ExtensionNumber: "1", ExtensionID: "2"})
			return err
		}, true, "extensionNumber, extensionId"},
		{"Transfer empty session", func() error { _, err := c.Transfer(ctx, "", "p", Target{PhoneNumber: "+1"}); return err }, false, "empty telephony session id"},
		{"Hold empty party", func() error { _, err := c.Hold(ctx, "s", ""); return err }, false, "telephony: Hold: empty party id"},
		{"Unhold empty session", func() error { _, err := c.Unhold(ctx, "", "p"); return err }, false, "empty telephony session id"},
		{"Drop empty session", func() error { return c.Drop(ctx, "") }, false, "telephony: Drop: empty telephony session id"},
		{"WaitSession negative timeout", func() error {
			_, err := c.WaitSession(ctx, "s", SessionWaitOptions{Timeout: -time.Second})
			return err
		}, false, "negative timeout"},
		{"Answer empty device", func() error { _, err := c.Answer(ctx, "s", "p", ""); return err }, false, "empty device id"},
		{"Pickup empty device", func() error { _, err := c.Pickup(ctx, "s", "p", ""); return err }, false, "empty device id"},
		{"Ignore empty device", func() error { return c.Ignore(ctx, "s", "p", "") }, false, "empty device id"},
		{"Flip empty id", func() error { return c.Flip(ctx, "s", "p", "") }, false, "empty call flip id"},
		{"Reply none", func() error { _, err := c.Reply(ctx, "s", "p", Reply{}); return err }, false, "exactly one"},
		{"Reply both", func() error {
			_, err := c.Reply(ctx, "s", "p", Reply{Text: "x", Pattern: &ReplyPattern{Pattern: "OnMyWay"}})
			return err
		}, false, "exactly one"},
		{"Bridge empty target", func() error { _, err := c.Bridge(ctx, "s", "p", "s2", ""); return err }, false, "empty party id"},
		{"BringIn empty conference", func() error { _, err := c.BringIn(ctx, "", "s", "p"); return err }, false, "empty telephony session id"},
		{"UpdateParty nothing", func() error { _, err := c.UpdateParty(ctx, "s", "p", PartyUpdate{}); return err }, false, "nothing to update"},
		{"PauseRecording empty id", func() error { _, err := c.PauseRecording(ctx, "s", "p", ""); return err }, false, "empty recording id"},
		{"SuperviseSession no agent", func() error {
			_, err := c.SuperviseSession(ctx, "s", SuperviseRequest{SupervisorDeviceID: "d"})
			return err
		}, false, "no agent"},
		{"SuperviseParty number only", func() error {
			_, err := c.SuperviseParty(ctx, "s", "p", SuperviseRequest{SupervisorDeviceID: "d", AgentExtensionNumber: "101"})
			return err
		}, false, "no agent"},
		{"CallOut no caller", func() error { _, err := c.CallOut(ctx, CallOutRequest{To: CallOutTo{PhoneNumber: "+1"}}); return err }, false, "no caller"},
		{"CallOut two callees", func() error {
			_, err := c.CallOut(ctx, CallOutRequest{From: CallOutFrom{DeviceID: "d"}, To: CallOutTo{PhoneNumber: "+1", ExtensionNumber: "1"}})
			return err
		}, false, "exactly one"},
	} {
		err := tc.call()
		if !errors.Is(err, ErrInvalidArgument) || errors.Is(err, ErrInvalidTarget) != tc.target || !strings.Contains(err.Error(), tc.errContain) {
			t.Errorf("%s: err = %v", tc.name, err)
		}
	}
}
