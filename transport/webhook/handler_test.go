package webhook

import (
	"bytes"
	"context"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ringwatch/ringwatch/internal/testkit/fixture"
	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
	"github.com/ringwatch/ringwatch/transport"
)

const testToken = "s3cret-verification-token"

const presenceNote = `{"uuid":"1","event":"/restapi/v1.0/account/~/extension/1/presence","timestamp":"2024-01-01T00:00:00Z","subscriptionId":"sub","body":{"extensionId":"1","telephonyStatus":"Ringing"}}`

// post builds a webhook request as RingCentral sends it.
func post(body string, hdr ...string) *http.Request {
	var rd io.Reader = http.NoBody
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(http.MethodPost, "/hook", rd)
	r.Header.Set("Content-Type", "application/json; charset=UTF-8")
	r.Header.Set("User-Agent", "RingCentral-Webhook/8.3")
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	return r
}

type answer struct {
	Status      int
	ContentType string
	Validation  string
	Allow       string
	Body        string
}

func serve(h http.Handler, r *http.Request) (answer, *httptest.ResponseRecorder) {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return answer{
		Status:      w.Code,
		ContentType: w.Header().Get("Content-Type"),
		Validation:  w.Header().Get("Validation-Token"),
		Allow:       w.Header().Get("Allow"),
		Body:        w.Body.String(),
	}, w
}

func TestHandlerStatuses(t *testing.T) {
	big := `{"uuid":"` + strings.Repeat("x", MaxBodySize) + `"}`
	tests := []struct {
		name  string
		req   *http.Request
		want  answer
		stats HandlerStats
	}{
		{"handshake", post("", "Validation-Token", "abc-123"),
			answer{Status: 200, ContentType: "application/json", Validation: "abc-123"}, HandlerStats{Handshakes: 1}},
		{"handshake with whitespace body", post(" \r\n", "Validation-Token", "abc-123"),
			answer{Status: 200, ContentType: "application/json", Validation: "abc-123"}, HandlerStats{Handshakes: 1}},
		{"handshake token too long", post("", "Validation-Token", strings.Repeat("a", 300)),
			answer{Status: 400, ContentType: "application/json"}, HandlerStats{Handshakes: 1}},
		{"notification", post(presenceNote, "Verification-Token", testToken),
			answer{Status: 200, ContentType: "application/json"}, HandlerStats{Accepted: 1}},
		{"notification with token in Validation-Token", post(presenceNote, "Validation-Token", testToken),
			answer{Status: 200, ContentType: "application/json"}, HandlerStats{Accepted: 1}},
		{"wrong token", post(presenceNote, "Verification-Token", testToken+"x"),
			answer{Status: 401, ContentType: "application/json"}, HandlerStats{Unauthorized: 1}},
		{"wrong token in Validation-Token", post(presenceNote, "Validation-Token", "nope"),
			answer{Status: 401, ContentType: "application/json"}, HandlerStats{Unauthorized: 1}},
		{"missing token", post(presenceNote),
			answer{Status: 401, ContentType: "application/json"}, HandlerStats{Unauthorized: 1}},
		{"GET", httptest.NewRequest(http.MethodGet, "/hook", nil),
			answer{Status: 405, ContentType: "application/json", Allow: "POST"}, HandlerStats{MethodNotAllowed: 1}},
		{"PUT", httptest.NewRequest(http.MethodPut, "/hook", strings.NewReader(presenceNote)),
			answer{Status: 405, ContentType: "application/json", Allow: "POST"}, HandlerStats{MethodNotAllowed: 1}},
		{"too large", post(big, "Verification-Token", testToken),
			answer{Status: 413, ContentType: "application/json"}, HandlerStats{TooLarge: 1}},
		{"bad JSON", post(`{"uuid":`, "Verification-Token", testToken),
			answer{Status: 400, ContentType: "application/json"}, HandlerStats{BadRequests: 1}},
		{"JSON array", post(`[1,2]`, "Verification-Token", testToken),
			answer{Status: 400, ContentType: "application/json"}, HandlerStats{BadRequests: 1}},
		{"empty body", post("", "Verification-Token", testToken),
			answer{Status: 400, ContentType: "application/json"}, HandlerStats{BadRequests: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := NewHandler(testToken)
			got, _ := serve(h, tt.req)
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("answer (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tt.stats, h.Stats()); d != "" {
				t.Errorf("stats (-want +got):\n%s", d)
			}
			wantQueued := tt.stats.Accepted
			if n := uint64(len(h.Messages())); n != wantQueued {
				t.Errorf("queued %d, want %d", n, wantQueued)
			}
		})
	}
}

func TestHandlerQueuesTheBody(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	h := NewHandler(testToken)
	h.now = func() time.Time { return now }
	if got, _ := serve(h, post(presenceNote, "Verification-Token", testToken)); got.Status != 200 {
		t.Fatalf("status %d", got.Status)
	}
	m := <-h.Messages()
	want := transport.Message{Data: []byte(presenceNote), Received: now, Transport: "webhook"}
	if d := cmp.Diff(want, m); d != "" {
		t.Errorf("message (-want +got):\n%s", d)
	}
}

// A chunked body (no Content-Length) takes the other read path.
func TestHandlerChunkedBody(t *testing.T) {
	h := NewHandler(testToken, WithMaxBodySize(64))
	for _, tc := range []struct {
		body string
		want int
	}{{`{"a":1}`, 200}, {`{"a":"` + strings.Repeat("b", 100) + `"}`, 413}} {
		r := post("", "Verification-Token", testToken)
		r.Body = io.NopCloser(strings.NewReader(tc.body))
		r.ContentLength = -1
		if got, _ := serve(h, r); got.Status != tc.want {
			t.Errorf("body of %d bytes: status %d, want %d", len(tc.body), got.Status, tc.want)
		}
	}
}

// The handshake must work before the subscription exists: a Handler
// without a token (the Transport's before its first Create) echoes it,
// and refuses notifications.
func TestHandshakeWithoutToken(t *testing.T) {
	h := NewHandler("")
	if got, _ := serve(h, post("", "Validation-Token", "v")); got.Status != 200 || got.Validation != "v" {
		t.Errorf("handshake: %+v", got)
	}
	if got, _ := serve(h, post(presenceNote, "Verification-Token", "")); got.Status != 401 {
		t.Errorf("notification without token: %d, want 401", got.Status)
	}
}

// The whole answer on the wire, headers and body, stays under RingCentral's
// 1024 bytes, for the handshake and every other answer.
func TestResponseSizeOnTheWire(t *testing.T) {
	leakcheck.Check(t)
	h := NewHandler(testToken)
	srv := httptest.NewServer(h)
	defer srv.Close()
	reqs := map[string]func() *http.Request{
		"handshake":    func() *http.Request { return post("", "Validation-Token", strings.Repeat("t", maxHandshakeToken)) },
		"notification": func() *http.Request { return post(presenceNote, "Verification-Token", testToken) },
		"unauthorized": func() *http.Request { return post(presenceNote) },
	}
	for name, mk := range reqs {
		r := mk()
		r.RequestURI = ""
		u, _ := http.NewRequest(r.Method, srv.URL+"/hook", r.Body)
		u.Header = r.Header
		resp, err := srv.Client().Do(u)
		if err != nil {
			t.Fatal(err)
		}
		dump, err := httputil.DumpResponse(resp, true)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(dump) >= 1024 {
			t.Errorf("%s: answer is %d bytes:\n%s", name, len(dump), dump)
		}
		if name == "handshake" && resp.Header.Get("Validation-Token") != strings.Repeat("t", maxHandshakeToken) {
			t.Errorf("handshake not echoed")
		}
	}
	// Drain what the notification queued.
	<-h.Messages()
}

func TestHandlerFullQueueAnswers503AfterTheBound(t *testing.T) {
	h := NewHandler(testToken, WithQueueSize(1), WithMaxWait(20*time.Millisecond))
	if got, _ := serve(h, post(presenceNote, "Verification-Token", testToken)); got.Status != 200 {
		t.Fatalf("first: %d", got.Status)
	}
	start := time.Now()
	got, _ := serve(h, post(presenceNote, "Verification-Token", testToken))
	took := time.Since(start)
	if got.Status != 503 {
		t.Fatalf("second: %d, want 503", got.Status)
	}
	if took < 20*time.Millisecond || took > time.Second {
		t.Errorf("503 after %v, want about the 20ms bound", took)
	}
	if d := cmp.Diff(HandlerStats{Accepted: 1, Unavailable: 1}, h.Stats()); d != "" {
		t.Errorf("stats (-want +got):\n%s", d)
	}
	// Room frees up while the handler waits: 200.
	go func() {
		time.Sleep(5 * time.Millisecond)
		<-h.Messages()
	}()
	h2 := h
	h2.maxWait = 2 * time.Second
	if got, _ := serve(h2, post(presenceNote, "Verification-Token", testToken)); got.Status != 200 {
		t.Errorf("third: %d, want 200 once room is made", got.Status)
	}
}

func TestHandlerDeliverFuncBound(t *testing.T) {
	leakcheck.Check(t)
	var got []string
	block := make(chan struct{})
	defer close(block)
	h := NewHandler(testToken, WithMaxWait(10*time.Millisecond), WithDeliver(func(ctx context.Context, m transport.Message) error {
		if bytes.Contains(m.Data, []byte(`"block"`)) {
			select {
			case <-block:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		got = append(got, string(m.Data))
		return nil
	}))
	if a, _ := serve(h, post(`{"uuid":"ok"}`, "Verification-Token", testToken)); a.Status != 200 {
		t.Errorf("delivered: %d", a.Status)
	}
	if a, _ := serve(h, post(`{"uuid":"block"}`, "Verification-Token", testToken)); a.Status != 503 {
		t.Errorf("blocked: %d, want 503", a.Status)
	}
	if d := cmp.Diff([]string{`{"uuid":"ok"}`}, got); d != "" {
		t.Errorf("delivered (-want +got):\n%s", d)
	}
	if d := cmp.Diff(HandlerStats{Accepted: 1, Unavailable: 1}, h.Stats()); d != "" {
		t.Errorf("stats (-want +got):\n%s", d)
	}
}

func TestHandlerDeliverError503(t *testing.T) {
	h := NewHandler(testToken, WithDeliver(func(context.Context, transport.Message) error { return errors.New("closed") }))
	if a, _ := serve(h, post(presenceNote, "Verification-Token", testToken)); a.Status != 503 {
		t.Errorf("status %d, want 503", a.Status)
	}
}

// Every fixture is accepted as a body; non-notification fixtures too,
// since the Handler only checks that the body is a JSON object.
func TestHandlerAcceptsFixtures(t *testing.T) {
	for _, name := range fixture.Names(t) {
		body := fixture.Read(t, name)
		h := NewHandler(testToken)
		a, _ := serve(h, post(string(body), "Verification-Token", testToken))
		want := 200
		if !isJSONObject(body) {
			want = 400
		}
		if a.Status != want {
			t.Errorf("%s: status %d, want %d", name, a.Status, want)
		}
	}
}

// The token comparison must be constant-time: tokenOK calls
// subtle.ConstantTimeCompare and compares no token with ==.
func TestTokenCompareIsConstantTime(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "request.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var fn *ast.FuncDecl
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == "tokenOK" {
			fn = fd
		}
	}
	if fn == nil {
		t.Fatal("tokenOK not found")
	}
	constantTime, equality := false, false
	ast.Inspect(fn, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			if id, ok := n.X.(*ast.Ident); ok && id.Name == "subtle" && n.Sel.Name == "ConstantTimeCompare" {
				constantTime = true
			}
		case *ast.BinaryExpr:
			if n.Op == token.EQL || n.Op == token.NEQ {
				if _, isLit := n.Y.(*ast.BasicLit); !isLit {
					equality = true
				}
			}
		}
		return true
	})
	if !constantTime || equality {
		t.Errorf("tokenOK: ConstantTimeCompare used %v, non-constant equality used %v", constantTime, equality)
	}
}
