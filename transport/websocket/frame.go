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

// wsc is the session-recovery token the gateway hands out (reference §4.8).
type wsc struct {
	Token    string      `json:"token"`
	Sequence jsonx.Int64 `json:"sequence"`
}

// meta is the first element of every frame.
type meta struct {
	Type      string       `json:"type"`
	MessageID jsonx.String `json:"messageId"`
	Status    jsonx.Int64  `json:"status"`
	WSC       *wsc         `json:"wsc"`
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
}

// errMalformed is wrapped by every frame parsing error.
var errMalformed = errors.New("malformed frame")

// boundary marks a multipart body: both RingCentral SDKs split a frame at
// its first occurrence (reference §4.3).
var boundary = []byte(",--Boundary")

// parseFrame parses one text frame. It never panics; the body aliases data.
func parseFrame(data []byte) (frame, error) {
	var f frame
	data = bytes.TrimSpace(data)
	if len(data) < 2 || data[0] != '[' || data[len(data)-1] != ']' {
		return f, fmt.Errorf("%w: not a JSON array", errMalformed)
	}
	if i := bytes.Index(data, boundary); i > 0 {
		if err := json.Unmarshal(data[1:i], &f.meta); err != nil {
			return f, fmt.Errorf("%w: multipart meta: %w", errMalformed, err)
		}
		f.body = bytes.TrimSpace(data[i+1 : len(data)-1])
		f.multipart = true
	} else {
		var parts []jsonx.Ref
		if err := json.Unmarshal(data, &parts); err != nil {
			return f, fmt.Errorf("%w: %w", errMalformed, err)
		}
		if len(parts) == 0 || parts[0].IsNull() {
			return f, fmt.Errorf("%w: no meta", errMalformed)
		}
		if err := json.Unmarshal(parts[0], &f.meta); err != nil {
			return f, fmt.Errorf("%w: meta: %w", errMalformed, err)
		}
		if len(parts) > 1 && !parts[1].IsNull() {
			f.body = parts[1]
		}
	}
	f.kind = parseKind(f.meta.Type)
	return f, nil
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

// envelopeHead is the part of the envelope the transport looks at.
type envelopeHead struct {
	SubscriptionID jsonx.String `json:"subscriptionId"`
}

// connectionDetails is the body of a ConnectionDetails frame (§4.4).
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
