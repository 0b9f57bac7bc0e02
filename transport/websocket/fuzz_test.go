package websocket

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ringwatch/ringwatch/internal/testkit/fixture"
	"github.com/ringwatch/ringwatch/transport"
)

// frameFixtures are the recorded gateway frames.
func frameFixtures(t testing.TB) map[string][]byte {
	out := map[string][]byte{}
	for _, name := range fixture.Names(t) {
		if strings.HasPrefix(name, "apidocs-ws-") || strings.HasPrefix(name, "rcphp-ws-") ||
			(strings.HasPrefix(name, "rcwidgets-ws-") && !strings.Contains(name, "wstoken")) {
			out[name] = fixture.Read(t, name)
		}
	}
	return out
}

func TestParseFixtures(t *testing.T) {
	type got struct {
		Kind      frameKind
		MessageID string
		Status    int64
		WSC       string
		Body      bool
	}
	want := map[string]got{
		"apidocs-ws-connection-details.json":                  {kindConnectionDetails, "156eec30-xxxx-xxxx-xxxx-005056bf7145", 200, "RTFhRG5nfExxxxxxxxxxxcHE3bXkyRURQVQ", true},
		"apidocs-ws-heart-beat-request.json":                  {kindHeartbeat, "<message_id>", 0, "", false},
		"apidocs-ws-heart-beat-response.json":                 {kindHeartbeat, "<message_id>", 0, "", false},
		"apidocs-ws-session-recovery.json":                    {kindConnectionDetails, "XXX", 200, "G86G3HLB9HJH45MU7D", true},
		"apidocs-ws-subscription-request.json":                {kindClientRequest, "11618510-987d-442e-8dcf-0640b82e4ff5", 0, "", true},
		"apidocs-ws-websocket-notification.json":              {kindServerNotification, "2661273919712564939", 200, "", true},
		"rcphp-ws-connectionDetails-headeronly.json":          {kindConnectionDetails, "156eec30-f154-11ea-9629-005056bf7145", 200, "", false},
		"rcphp-ws-error-response-400.json":                    {kindError, "xxxx", 400, "", true},
		"rcphp-ws-server-notification.json":                   {kindServerNotification, "6419467329489567279", 200, "", true},
		"rcphp-ws-subscription-create-response.json":          {kindClientRequest, "xxxx", 200, "", true},
		"rcwidgets-ws-subscriptionResponse.json":              {kindClientRequest, "oMtcBl8rQ9mvrPHdP4TYxA/0", 200, "", true},
		"rcwidgets-ws-connectionDetails-recovery-failed.json": {kindConnectionDetails, "4cc688a8-db2a-11eb-a334-005056be4c3c", 200, "", true},
		"rcphp-ws-connectionDetails-full.json":                {kindConnectionDetails, "156eec30-f154-11ea-9629-005056bf7145", 200, "", true},
	}
	fx := frameFixtures(t)
	for name, w := range want {
		data, ok := fx[name]
		if !ok {
			t.Errorf("fixture %s missing", name)
			continue
		}
		f, err := parseFrame(data)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		g := got{Kind: f.kind, MessageID: string(f.meta.MessageID), Status: int64(f.meta.Status), Body: f.body != nil}
		if f.meta.WSC != nil && len(f.meta.WSC.Token) < 40 {
			g.WSC = f.meta.WSC.Token
		}
		if diff := cmp.Diff(w, g); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
}

func TestKeepsNewestWSC(t *testing.T) {
	tr := &Transport{}
	steps := []struct {
		frame string
		force bool
		want  string
	}{
		{`[{"type":"ConnectionDetails","wsc":{"token":"a","sequence":5}}]`, false, "a"},    // none stored
		{`[{"type":"ServerNotification","wsc":{"token":"b","sequence":4}}]`, false, "a"},   // older
		{`[{"type":"ServerNotification","wsc":{"token":"c","sequence":"6"}}]`, false, "c"}, // newer, any type
		{`[{"type":"Heartbeat"}]`, false, "c"},                                             // none
		{`[{"type":"ConnectionDetails","wsc":{"token":"d","sequence":1}}]`, true, "d"},     // recovery answer
		{`[{"type":"ServerNotification","wsc":{"token":"","sequence":99}}]`, false, "d"},   // empty token
	}
	for i, s := range steps {
		f, err := parseFrame([]byte(s.frame))
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		tr.noteWSC(&f, s.force)
		if tr.wsc.Token != s.want {
			t.Errorf("step %d: stored %q, want %q", i, tr.wsc.Token, s.want)
		}
	}
}

// nopSink swallows everything.
type nopSink struct{}

func (nopSink) Deliver(context.Context, transport.Message) error { return nil }
func (nopSink) State(transport.State)                            {}
func (nopSink) Fail(error)                                       {}

// FuzzFrame feeds arbitrary frames through the parser and the reader's
// handling: no panic, a delivered notification is a JSON object, and the
// subscriptionId read in the frame's pass is the envelope's own.
func FuzzFrame(f *testing.F) {
	for _, data := range frameFixtures(f) {
		f.Add(data)
	}
	f.Add([]byte(`[{"type":"ServerNotification"},--Boundary_1` + "\r\n\r\n" + `{"uuid":"1"}` + "\r\n--Boundary_1--]"))
	f.Add([]byte(`[{"type":"ERROR","status":"503"},{"errors":[{"errorCode":"WSG-903"}]}]`))
	f.Add([]byte(`[{"type":"clientrequest","messageId":"p","status":201},{"id":"s"}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, err := parseFrame(data)
		if err != nil {
			return
		}
		if fr.kind == kindServerNotification {
			if env, err := notificationEnvelope(&fr); err == nil && (len(env) == 0 || env[0] != '{') {
				t.Fatalf("envelope %q is not an object", env)
			}
			// The head read in the frame's pass agrees with a read of the
			// envelope alone.
			if fr.headRead {
				id, err := envelopeSubscription(fr.body)
				if string(id) != string(fr.subID) || (err == nil) != (fr.subErr == nil) {
					t.Fatalf("head in the frame's pass = %q, %v; alone = %q, %v", fr.subID, fr.subErr, id, err)
				}
			}
		}
		tr := newWithClient("http://127.0.0.1:1", nil)
		tr.sink = nopSink{}
		c := newConn(tr, nil, true)
		c.pending["p"] = &pending{method: "POST", path: subscriptionPath, ch: make(chan result, 1), onOK: tr.subscribed(c, nil, false, "")}
		_ = c.handle(context.Background(), &fr, time.Now())
		_ = c.handle(context.Background(), &fr, time.Now()) // and once more, past the first frame
	})
}
