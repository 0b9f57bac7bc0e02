package webhook

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ringwatch/ringwatch/internal/testkit/fixture"
	"github.com/ringwatch/ringwatch/transport"
)

// FuzzHandler feeds the Handler arbitrary bodies, tokens and methods: it
// must answer one of its documented statuses, keep the answer small, and
// deliver exactly the bodies it answered 200 (with the right token).
func FuzzHandler(f *testing.F) {
	for _, name := range fixture.Names(f) {
		body := string(fixture.Read(f, name))
		f.Add(body, "Verification-Token", testToken, "POST")
		f.Add(body, "Validation-Token", testToken, "POST")
	}
	f.Add("", "Validation-Token", "challenge", "POST")
	f.Add("", "Verification-Token", testToken, "POST")
	f.Add(presenceNote, "Verification-Token", "", "POST")
	f.Add(presenceNote, "Verification-Token", testToken[:5], "POST")
	f.Add(presenceNote, "X-Other", testToken, "POST")
	f.Add(presenceNote, "Verification-Token", testToken, "GET")
	f.Add(`{"uuid":`, "Verification-Token", testToken, "POST")
	f.Add(`[{}]`, "Verification-Token", testToken, "POST")
	f.Add(" \n", "Validation-Token", strings.Repeat("v", 300), "POST")
	f.Add("\xff\xfe{", "Verification-Token", testToken, "PATCH")

	f.Fuzz(func(t *testing.T, body, header, value, method string) {
		var delivered []string
		h := NewHandler(testToken, WithMaxBodySize(4096), WithDeliver(func(_ context.Context, m transport.Message) error {
			delivered = append(delivered, string(m.Data))
			return nil
		}))
		r := httptest.NewRequest(http.MethodPost, "/hook", strings.NewReader(body))
		r.Method = method
		if http.CanonicalHeaderKey(header) != "" && validHeader(header, value) {
			r.Header.Set(header, value)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		switch w.Code {
		case 200, 400, 401, 405, 413:
		default:
			t.Fatalf("status %d", w.Code)
		}
		if w.Body.Len() != 0 {
			t.Errorf("answer has a body: %q", w.Body.String())
		}
		if tok := w.Header().Get("Validation-Token"); len(tok) > maxHandshakeToken {
			t.Errorf("echoed a %d-byte token", len(tok))
		}
		if w.Code == 200 && w.Header().Get("Validation-Token") == "" {
			if len(delivered) != 1 || delivered[0] != body {
				t.Errorf("200 without delivering the body: %q", delivered)
			}
			if !isJSONObject([]byte(body)) || !tokenOK(r.Header, []byte(testToken)) {
				t.Errorf("accepted a body that is not an object or a wrong token")
			}
		} else if len(delivered) != 0 {
			t.Errorf("delivered on status %d", w.Code)
		}
	})
}

// validHeader keeps the fuzzer to headers net/http could have received.
func validHeader(k, v string) bool {
	if k == "" || strings.ContainsAny(k, " \t\r\n:") || strings.ContainsAny(v, "\r\n\x00") {
		return false
	}
	for _, c := range k {
		if c < '!' || c > '~' {
			return false
		}
	}
	return true
}
