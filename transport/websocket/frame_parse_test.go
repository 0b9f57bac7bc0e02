package websocket

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"
)

// TestBoundaryInsideABodyString: a ",--Boundary" inside a JSON string of
// the body is text, not a multipart marker.
func TestBoundaryInsideABodyString(t *testing.T) {
	data := []byte(`[{"type":"ClientRequest","messageId":"m","status":200},{"id":"s","note":"a,--Boundary b"}]`)
	f, err := parseFrame(data)
	if err != nil {
		t.Fatal(err)
	}
	if f.multipart || string(f.body) != `{"id":"s","note":"a,--Boundary b"}` {
		t.Errorf("body = %q (multipart %v), want the object", f.body, f.multipart)
	}
}

// TestMetaKeysIgnoreCase: meta members are matched without regard to
// case, as encoding/json matched them.
func TestMetaKeysIgnoreCase(t *testing.T) {
	f, err := parseFrame([]byte(`[{"Type":"ServerNotification","MessageId":"m","STATUS":"200","WSC":{"Token":"t","Sequence":3},"Headers":{"Retry-After":"5"}}, {"uuid":"u"}]`))
	if err != nil {
		t.Fatal(err)
	}
	if f.kind != kindServerNotification || string(f.meta.MessageID) != "m" || f.meta.Status != 200 ||
		f.meta.WSC == nil || f.meta.WSC.Token != "t" || f.meta.WSC.Sequence != 3 || f.headers().Get("Retry-After") != "5" {
		t.Errorf("meta = %+v, wsc %+v", f.meta, f.meta.WSC)
	}
}

// TestNotificationBodyNotRescanned: the envelope of a ServerNotification
// is handed on as the frame's own bytes, and only its head (up to the
// subscriptionId) is read by the transport; notify.Decode checks the
// rest. Other frames' bodies are checked in full.
func TestNotificationBodyNotRescanned(t *testing.T) {
	data := []byte("[{\"type\":\"ServerNotification\"}, {\"subscriptionId\":\"s\",\"body\":{\"x\": oops} } \n]")
	f, err := parseFrame(data)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"subscriptionId":"s","body":{"x": oops} }`
	if string(f.body) != want || &f.body[0] != &data[bytes.Index(data, []byte(want))] {
		t.Errorf("body = %q, want %q aliasing the frame", f.body, want)
	}
	if !f.headRead || string(f.subID) != "s" || f.subErr != nil {
		t.Errorf("head = %v %q %v, want s", f.headRead, f.subID, f.subErr)
	}
	if _, err := parseFrame([]byte(`[{"type":"ClientRequest"},{"id": oops}]`)); !errors.Is(err, errMalformed) {
		t.Errorf("malformed ClientRequest body: err = %v, want errMalformed", err)
	}
}

func TestEnvelopeSubscription(t *testing.T) {
	for _, c := range []struct {
		env, want string
		bad       bool
	}{
		{`{"uuid":"u","event":"/e","subscriptionId":"abc","body":{}}`, "abc", false},
		{`{"subscriptionId":"a\u002db"}`, "a-b", false},
		{`{"subscriptionId":123}`, "123", false},
		{`{"SubscriptionID":"abc"}`, "abc", false},
		{`{"body":{"subscriptionId":"inner"},"subscriptionId":"outer"}`, "outer", false},
		{`{"uuid":"u","body":{"subscriptionId":"inner"}}`, "", false},
		{`{"subscriptionId":null}`, "", false},
		{`{}`, "", false},
		{`{"subscriptionId":""}`, "", false},
		{`{"subscriptionId":{}}`, "", true},
		{`{"subscriptionId":`, "", true},
		{`{"subscriptionId":"a\x"}`, "", true},
		{`{"uuid":`, "", true},
		{`{"uuid" "u"}`, "", true},
	} {
		id, err := envelopeSubscription([]byte(c.env))
		if string(id) != c.want || (err != nil) != c.bad {
			t.Errorf("envelopeSubscription(%s) = %q, %v; want %q, error %v", c.env, id, err, c.want, c.bad)
		}
	}
}

// TestSubscriptionCheck runs frames through the reader's handling: the
// current subscription's notifications (and those naming none) are
// queued, others and malformed heads are not.
func TestSubscriptionCheck(t *testing.T) {
	tr := newWithClient("http://127.0.0.1:1", nil)
	tr.subID = "sub-1"
	tr.dctx = t.Context()
	c := newConn(tr, nil, false)
	c.gotFirst = true
	frames := []struct {
		data string
		want bool
	}{
		{`[{"type":"ServerNotification"},{"uuid":"1","subscriptionId":"sub-1","body":{}}]`, true},
		{`[{"type":"ServerNotification"},{"uuid":"2","subscriptionId":"sub-\u0031","body":{}}]`, true},
		{`[{"type":"ServerNotification"},{"uuid":"3","body":{}}]`, true},
		{`[{"type":"ServerNotification"},{"uuid":"4","subscriptionId":"sub-2","body":{}}]`, false},
		{`[{"type":"ServerNotification"},{"uuid":"5","subscriptionId":["sub-1"]}]`, false},
		{`[{"type":"ServerNotification"},{"uuid" 6}]`, false},
		{"[{\"type\":\"ServerNotification\"},--Boundary_1\r\n\r\n{\"uuid\":\"7\",\"subscriptionId\":\"sub-2\"}\r\n--Boundary_1--]", false},
		{"[{\"type\":\"ServerNotification\"},--Boundary_1\r\n\r\n{\"uuid\":\"8\",\"subscriptionId\":\"sub-1\"}\r\n--Boundary_1--]", true},
	}
	for _, f := range frames {
		if err := c.handleFrame(context.Background(), []byte(f.data), time.Now()); err != nil {
			t.Fatalf("%s: %v", f.data, err)
		}
		queued := tr.q.notes == 1
		if queued != f.want {
			t.Errorf("%s: queued %v, want %v", f.data, queued, f.want)
		}
		if queued {
			it, _ := tr.q.take(context.Background())
			if len(it.msg.Data) == 0 || it.msg.Data[0] != '{' || it.msg.Transport != Name {
				t.Errorf("%s: queued %+v", f.data, it.msg)
			}
		}
	}
}
