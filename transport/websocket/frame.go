package websocket

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/ringwatch/ringwatch/internal/jsonx"
	"github.com/ringwatch/ringwatch/internal/rest"
)

// frameKind is a WebSocket Gateway frame type. RingCentral spells them in
// more than one case ("Error" and "ERROR"), so they are compared without
// regard to case.
type frameKind int

const (
	kindUnknown frameKind = iota
	kindConnectionDetails
	kindClientRequest
	kindServerNotification
	kindHeartbeat
	kindError
)

func parseKind(s string) frameKind {
	switch {
	case strings.EqualFold(s, "ServerNotification"):
		return kindServerNotification
	case strings.EqualFold(s, "ClientRequest"):
		return kindClientRequest
	case strings.EqualFold(s, "ConnectionDetails"):
		return kindConnectionDetails
	case strings.EqualFold(s, "Heartbeat"):
		return kindHeartbeat
	case strings.EqualFold(s, "Error"):
		return kindError
	}
	return kindUnknown
}

// wsc is the session-recovery token the gateway hands out in a frame's
// meta; the newest one recovers the session after a reconnection.
type wsc struct {
	Token    string      `json:"token"`
	Sequence jsonx.Int64 `json:"sequence"`
}

// meta is the first element of every frame.
type meta struct {
	Type string `json:"type"`
	// MessageID aliases the frame unless it had escapes.
	MessageID []byte      `json:"messageId"`
	Status    jsonx.Int64 `json:"status"`
	WSC       *wsc        `json:"wsc"`
	// Headers is the frame's headers object, parsed on demand.
	Headers json.RawMessage `json:"headers"`
}

// frame is one parsed gateway frame: [meta, body?].
type frame struct {
	kind frameKind
	meta meta
	// body is the second element verbatim, nil when absent or null. For a
	// multipart frame it is the raw text after the boundary marker.
	body []byte
	// multipart says the body came after a ",--Boundary" marker.
	multipart bool
	// headRead says that parseFrame has read the head of a notification
	// envelope, in the same pass as the meta: subID is its
	// subscriptionId (nil when it names none), or subErr says why it
	// could not be read.
	headRead bool
	subID    []byte
	subErr   error
}

// errMalformed is wrapped by every frame parsing error.
var errMalformed = errors.New("malformed frame")

// boundary marks a multipart body: RingCentral's JavaScript and PHP SDKs
// both split a frame at its first occurrence.
var boundary = []byte(",--Boundary")

// parseFrame parses one text frame in one pass with jsonx.Reader. It never
// panics; the body aliases data.
//
// The meta and, for every frame but a ServerNotification, the body are
// read and checked. A ServerNotification's body is not scanned here: it is
// everything between the separator after the meta and the closing bracket,
// and the notification envelope it holds is checked by notify.Decode,
// which reads it anyway (conn.deliver reads only its head, up to the
// subscriptionId). So each notification is scanned once, not once by the
// transport and again by its decoder.
func parseFrame(data []byte) (frame, error) {
	var f frame
	data = bytes.TrimSpace(data)
	if len(data) < 2 || data[0] != '[' || data[len(data)-1] != ']' {
		return f, fmt.Errorf("%w: not a JSON array", errMalformed)
	}
	r := jsonx.NewReader(data)
	if !r.Array() || r.Peek() == 'n' {
		if err := r.Err(); err != nil {
			return f, fmt.Errorf("%w: %w", errMalformed, err)
		}
		return f, fmt.Errorf("%w: no meta", errMalformed)
	}
	readMeta(&r, &f.meta)
	if err := r.Err(); err != nil {
		return f, fmt.Errorf("%w: meta: %w", errMalformed, err)
	}
	if sk := r.Skipped(); len(sk) > 0 {
		return f, fmt.Errorf("%w: meta: %s: %s", errMalformed, sk[0].Path, sk[0].Reason)
	}
	f.kind = parseKind(f.meta.Type)
	last := len(data) - 1 // the closing bracket
	switch c := r.Peek(); {
	case c == ']' && r.Offset() == last:
		return f, nil // no body
	case c != ',':
		return f, fmt.Errorf("%w: want , or ] after the meta, got %q", errMalformed, c)
	}
	if comma := r.Offset(); bytes.HasPrefix(data[comma:], boundary) {
		f.body = bytes.TrimSpace(data[comma+1 : last])
		f.multipart = true
		return f, nil
	}
	if !r.More() { // consumes the comma
		return f, fmt.Errorf("%w: %w", errMalformed, r.Err())
	}
	if f.kind == kindServerNotification {
		// Left to notify.Decode, which rejects anything after the
		// envelope: a frame of more than two elements is not a
		// notification the gateway sends.
		c := r.Peek() // to the body's first byte
		end := last
		for end > r.Offset() && isSpace(data[end-1]) {
			end--
		}
		body := data[r.Offset():end]
		switch {
		case len(body) == 0:
			return f, fmt.Errorf("%w: want a value after ,", errMalformed)
		case string(body) != "null":
			f.body = body
		}
		if c == '{' {
			// Go on into the envelope's head with the same reader.
			f.subID, f.subErr = readSubscription(&r)
			f.headRead = true
		}
		return f, nil
	}
	if r.Null() {
		f.body = nil
	} else {
		f.body = r.Raw()
	}
	for r.More() { // further elements are read and ignored
		r.Skip()
	}
	if err := r.End(); err != nil {
		return f, fmt.Errorf("%w: %w", errMalformed, err)
	}
	return f, nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// stringBytes returns the text of raw, a value read with Reader.Raw, as
// jsonx.String reads it (a number as its digits, null as nothing). A plain
// string literal is not copied: the result aliases raw.
func stringBytes(raw []byte) ([]byte, error) {
	if len(raw) >= 2 && raw[0] == '"' && bytes.IndexByte(raw, '\\') < 0 {
		return raw[1 : len(raw)-1], nil
	}
	if raw == nil { // Raw met an error
		return nil, nil
	}
	v := jsonx.NewReader(raw)
	s := v.String()
	if sk := v.Skipped(); len(sk) > 0 {
		return nil, errors.New(sk[0].Reason)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if s == "" {
		return nil, nil
	}
	return []byte(s), nil
}

// keyIs reports whether the member name k is name, ignoring case as
// encoding/json does.
func keyIs(k []byte, name string) bool {
	return len(k) == len(name) && (string(k) == name || strings.EqualFold(string(k), name))
}

// frameTypes are the documented frame type spellings, read without
// allocating.
var frameTypes = jsonx.NewInterner("ServerNotification", "ClientRequest", "ConnectionDetails", "Heartbeat", "Error", "ERROR")

// readMeta reads the meta object with the tolerant scalar rules of
// jsonx.String and jsonx.Int64; a value of the wrong shape is recorded in
// r.Skipped, which parseFrame refuses.
func readMeta(r *jsonx.Reader, m *meta) {
	for ok := r.Object(); ok; ok = r.More() {
		k := r.Key()
		switch {
		case keyIs(k, "type"):
			m.Type = r.Enum(frameTypes)
		case keyIs(k, "messageId"):
			id, err := stringBytes(r.Raw())
			if err != nil {
				r.Fail("messageId: " + err.Error())
			}
			m.MessageID = id
		case keyIs(k, "status"):
			m.Status = jsonx.Int64(r.Int64())
		case keyIs(k, "headers"):
			m.Headers = r.Raw()
		case keyIs(k, "wsc"):
			if r.Null() {
				m.WSC = nil
				continue
			}
			w := new(wsc)
			for ok := r.Object(); ok; ok = r.More() {
				k := r.Key()
				switch {
				case keyIs(k, "token"):
					w.Token = r.String()
				case keyIs(k, "sequence"):
					w.Sequence = jsonx.Int64(r.Int64())
				default:
					r.Skip()
				}
			}
			m.WSC = w
		default:
			r.Skip()
		}
	}
}

// notificationEnvelope returns the JSON envelope of a ServerNotification
// body. A multipart body is searched for its JSON part.
func notificationEnvelope(f *frame) ([]byte, error) {
	b := f.body
	if f.multipart {
		b = jsonPart(b)
	}
	if len(b) == 0 || b[0] != '{' {
		return nil, fmt.Errorf("%w: notification without a JSON object body", errMalformed)
	}
	return b, nil
}

// jsonPart extracts the first part of a multipart body ("--Boundary…\r\n
// headers\r\n\r\n{…}\r\n--Boundary…"), or returns b unchanged if it does not
// look like one.
func jsonPart(b []byte) []byte {
	if !bytes.HasPrefix(b, []byte("--")) {
		return b
	}
	sep := []byte("\r\n\r\n")
	i := bytes.Index(b, sep)
	if i < 0 {
		sep = []byte("\n\n")
		if i = bytes.Index(b, sep); i < 0 {
			return nil
		}
	}
	b = b[i+len(sep):]
	if j := bytes.Index(b, []byte("\n--")); j >= 0 {
		b = b[:j]
	}
	return bytes.TrimSpace(b)
}

// envelopeSubscription reads the subscriptionId of a notification
// envelope (an object) and stops there: the members before it are read,
// the rest (the body among them, in the order RingCentral sends) is left
// to notify.Decode. It returns nil when the envelope names no
// subscription. The result aliases env unless the id has escapes or is not
// a plain string (the forms jsonx.String accepts).
func envelopeSubscription(env []byte) ([]byte, error) {
	r := jsonx.NewReader(env)
	return readSubscription(&r)
}

// readSubscription is envelopeSubscription for a reader at the envelope.
func readSubscription(r *jsonx.Reader) ([]byte, error) {
	for ok := r.Object(); ok; ok = r.More() {
		if !keyIs(r.Key(), "subscriptionId") {
			r.Skip()
			continue
		}
		raw := r.Raw()
		if err := r.Err(); err != nil {
			return nil, fmt.Errorf("%w: envelope: %w", errMalformed, err)
		}
		id, err := stringBytes(raw)
		if err != nil {
			return nil, fmt.Errorf("%w: subscriptionId: %w", errMalformed, err)
		}
		return id, nil
	}
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("%w: envelope: %w", errMalformed, err)
	}
	return nil, nil
}

// connectionDetails is the body of a ConnectionDetails frame, which the
// gateway sends first on every connection.
type connectionDetails struct {
	RecoveryState     string      `json:"recoveryState"`
	RecoveryErrorCode string      `json:"recoveryErrorCode"`
	RecoveryTimeout   jsonx.Int64 `json:"recoveryTimeout"`
	IdleTimeout       jsonx.Int64 `json:"idleTimeout"`
}

// parseErrorBody reads the code and message of the body of an Error frame
// or of a failed ClientRequest, in any of RingCentral's error forms.
func parseErrorBody(b []byte) (code, msg string) {
	e := rest.ParseError(0, nil, b, time.Time{})
	return e.Code, e.Message
}

// headers returns the frame's headers (the answer's Retry-After among
// them), ignoring values that are not strings or numbers.
func (f *frame) headers() http.Header {
	if len(f.meta.Headers) == 0 {
		return nil
	}
	var m map[string]jsonx.Ref
	if json.Unmarshal(f.meta.Headers, &m) != nil {
		return nil
	}
	h := http.Header{}
	for k, v := range m {
		var s jsonx.String
		if json.Unmarshal(v, &s) == nil && s != "" {
			h.Set(k, string(s))
		}
	}
	return h
}
