package webhook

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ringwatch/ringwatch/internal/testkit/fixture"
	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/presence"
)

func TestParseRequest(t *testing.T) {
	ev, err := ParseRequest(post(presenceNote, "Verification-Token", testToken), testToken)
	if err != nil {
		t.Fatal(err)
	}
	pe, ok := ev.(*notify.PresenceEvent)
	if !ok {
		t.Fatalf("got %T, want *notify.PresenceEvent", ev)
	}
	want := presence.Event{ExtensionID: "1", TelephonyStatus: presence.Ringing}
	got := presence.Event{ExtensionID: pe.Body.ExtensionID, TelephonyStatus: pe.Body.TelephonyStatus}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("body (-want +got):\n%s", d)
	}
	if pe.UUID != "1" || pe.SubscriptionID != "sub" {
		t.Errorf("header %+v", pe.Header)
	}
}

func TestParseRequestFixtures(t *testing.T) {
	for _, name := range []string{
		"apidocs-event-detailed-extension-presence-with-sip.json",
		"apidocs-voice-telephony-session-event.json",
		"apidocs-event-account-telephony-sessions.json",
		"grokify-goclient-event-subscription-renewal.json",
	} {
		body := fixture.Read(t, name)
		ev, err := ParseRequest(post(string(body), "Validation-Token", testToken), testToken)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		want, err := notify.Decode(body)
		if err != nil {
			t.Fatalf("%s: Decode: %v", name, err)
		}
		if d := cmp.Diff(want, ev); d != "" {
			t.Errorf("%s (-Decode +ParseRequest):\n%s", name, d)
		}
	}
}

func TestParseRequestErrors(t *testing.T) {
	tests := []struct {
		name   string
		req    *http.Request
		want   error
		status int
	}{
		{"handshake", post("", "Validation-Token", "x"), ErrHandshake, 200},
		{"no token", post(presenceNote), ErrInvalidToken, 401},
		{"wrong token", post(presenceNote, "Verification-Token", "x"), ErrInvalidToken, 401},
		{"GET", httptest.NewRequest(http.MethodGet, "/", nil), ErrMethod, 405},
		{"too large", post(`{"a":"`+strings.Repeat("b", MaxBodySize)+`"}`, "Verification-Token", testToken), ErrTooLarge, 413},
		{"not JSON", post("hello", "Verification-Token", testToken), ErrInvalidBody, 400},
		{"not an envelope", post(`{"a":1}`, "Verification-Token", testToken), nil, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := ParseRequest(tt.req, testToken)
			if err == nil || ev != nil {
				t.Fatalf("ParseRequest = %v, %v; want an error", ev, err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("error %v, want %v", err, tt.want)
			}
			if tt.want == nil {
				var de *notify.DecodeError
				if !errors.As(err, &de) {
					t.Errorf("error %v (%T), want a *notify.DecodeError", err, err)
				}
			}
			if s := StatusOf(err); s != tt.status {
				t.Errorf("StatusOf = %d, want %d", s, tt.status)
			}
			if strings.Contains(err.Error(), testToken) {
				t.Errorf("error %q holds the token", err)
			}
		})
	}
	if StatusOf(nil) != 200 {
		t.Errorf("StatusOf(nil) != 200")
	}
}

func TestVerifyRequestEmptyTokenAcceptsNothing(t *testing.T) {
	if _, err := VerifyRequest(post(presenceNote, "Verification-Token", ""), ""); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("err %v, want ErrInvalidToken", err)
	}
}

func TestWriteHandshake(t *testing.T) {
	w := httptest.NewRecorder()
	WriteHandshake(w, post("", "Validation-Token", "challenge"))
	got := answer{Status: w.Code, ContentType: w.Header().Get("Content-Type"), Validation: w.Header().Get("Validation-Token"), Body: w.Body.String()}
	if d := cmp.Diff(answer{Status: 200, ContentType: "application/json", Validation: "challenge"}, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	w = httptest.NewRecorder()
	WriteHandshake(w, post(""))
	if w.Code != 400 {
		t.Errorf("without token: %d", w.Code)
	}
}
