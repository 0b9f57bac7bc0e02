package websocket

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Sentinel errors for errors.Is.
var (
	// ErrHeartbeatTimeout is the cause of a reconnection when the gateway
	// answered neither a Heartbeat nor anything else in time.
	ErrHeartbeatTimeout = errors.New("websocket: no answer to heartbeat")
	// ErrProtocol matches a gateway that broke the protocol: a first frame
	// that was neither ConnectionDetails nor Error, or a malformed answer to
	// a request.
	ErrProtocol = errors.New("websocket: protocol error")
	// ErrRecoveryFailed is the Err of the Gap reported when the gateway
	// could not recover the session (recoveryState Failed) or the
	// reconnection came too late to try.
	ErrRecoveryFailed = errors.New("websocket: session recovery failed")
)

// GatewayError is an Error frame from the WebSocket Gateway, such as
// WSG-902 (idle timeout) or WSG-903 (absolute timeout).
type GatewayError struct {
	// Code is the gateway's error code ("WSG-903").
	Code string
	// Message is the gateway's message for Code.
	Message string
	// Status is the frame's HTTP-like status, if any.
	Status int
}

func (e *GatewayError) Error() string {
	var b strings.Builder
	b.WriteString("websocket: gateway error")
	if e.Status != 0 {
		fmt.Fprintf(&b, " (status %d)", e.Status)
	}
	if e.Code != "" {
		b.WriteString(" [")
		b.WriteString(e.Code)
		b.WriteByte(']')
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	return b.String()
}

// Timeout reports whether the gateway closed the session for inactivity
// (WSG-902) or age (WSG-903); the transport reconnects after either.
func (e *GatewayError) Timeout() bool { return e.Code == "WSG-902" || e.Code == "WSG-903" }

// DialError is a failure to open the WebSocket connection. It never holds
// the access token: the URL it names has no query.
type DialError struct {
	// URL is the gateway's address without its query.
	URL string
	// StatusCode is the HTTP status of a refused upgrade, or zero.
	StatusCode int
	// Err is the cause, stripped of the request URL.
	Err error
}

func (e *DialError) Error() string {
	s := "websocket: dial " + e.URL
	if e.StatusCode != 0 {
		s += fmt.Sprintf(": HTTP %d", e.StatusCode)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *DialError) Unwrap() error { return e.Err }

// opError is an error leaving the transport through op (open, close,
// reconnect): "websocket: op: detail". The errors this package makes
// begin with "websocket: "; the prefix is written once.
type opError struct {
	op  string
	err error
}

func opErr(op string, err error) error { return &opError{op: op, err: err} }

func (e *opError) Error() string {
	return "websocket: " + e.op + ": " + strings.TrimPrefix(e.err.Error(), "websocket: ")
}

func (e *opError) Unwrap() error { return e.err }

// redactedURL returns u without query, fragment or user info, for logs and
// errors: the gateway URL carries the single-use access token and the
// session-recovery token in its query.
func redactedURL(u *url.URL) string {
	c := *u
	c.RawQuery, c.Fragment, c.RawFragment, c.User = "", "", "", nil
	return c.String()
}

// scrub removes the request URL from err (a *url.Error names it, token
// included) and, as a last resort, any of secrets still in its text.
func scrub(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	msg := err.Error()
	for _, s := range secrets {
		if s != "" && strings.Contains(msg, s) {
			return errors.New(strings.ReplaceAll(msg, s, "REDACTED"))
		}
	}
	return err
}
