package ringwatch

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/ringwatch/ringwatch/internal/errbody"
	scrub "github.com/ringwatch/ringwatch/internal/redact"
)

// AuthError is a failed token request: the token endpoint's answer, or why
// there was none (Err). It never holds the client secret, the JWT or a
// token: the endpoint's body is not kept, and any of those values found
// in the texts it does keep, and anything shaped like a credential (a
// bearer token, a JWT), are replaced with "[redacted]".
type AuthError struct {
	// Grant is "jwt-bearer" or "refresh_token".
	Grant string
	// StatusCode is the HTTP status of the answer; zero when there was
	// none.
	StatusCode int
	// ErrorCode is the OAuth error, such as "invalid_grant" or
	// "invalid_client".
	ErrorCode string
	// Code is RingCentral's error code, such as "OAU-146".
	Code string
	// Description is the endpoint's explanation (error_description, or
	// RingCentral's message).
	Description string
	// RetryAfter is the wait the endpoint asked for (Retry-After), or zero.
	RetryAfter time.Duration
	// Err is the failure when there was no answer (network, context).
	Err error
}

func (e *AuthError) Error() string {
	var b strings.Builder
	b.WriteString("ringwatch: token request (")
	b.WriteString(e.Grant)
	b.WriteString(" grant)")
	if e.StatusCode != 0 {
		b.WriteString(": ")
		b.WriteString(strconv.Itoa(e.StatusCode))
		if t := http.StatusText(e.StatusCode); t != "" {
			b.WriteByte(' ')
			b.WriteString(t)
		}
	}
	if e.ErrorCode != "" {
		b.WriteString(": ")
		b.WriteString(e.ErrorCode)
	}
	if e.Code != "" {
		b.WriteString(" [")
		b.WriteString(e.Code)
		b.WriteByte(']')
	}
	if e.Description != "" {
		b.WriteString(": ")
		b.WriteString(e.Description)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns Err, so that errors.Is(err, context.Canceled) works.
func (e *AuthError) Unwrap() error { return e.Err }

// Temporary reports whether the same request may succeed later (no
// answer, 429, or a 5xx).
func (e *AuthError) Temporary() bool {
	return e.StatusCode == 0 || e.StatusCode == http.StatusTooManyRequests || e.StatusCode >= 500
}

// maxDescription bounds the description kept from an answer.
const maxDescription = 512

// authError turns an error of x/oauth2 into an *AuthError without secrets:
// the known ones (client secret, JWT, tokens) and anything shaped like a
// credential are removed from every text before it is clipped, so that a
// secret the endpoint echoes cannot survive by being cut in two.
func (s *jwtSource) authError(grant string, err error) *AuthError {
	secrets := s.secrets()
	ae := &AuthError{Grant: grant}
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		ae.Err = sanitized{msg: scrub.String(err.Error(), secrets...), err: err}
		return ae
	}
	ae.ErrorCode, ae.Description = re.ErrorCode, re.ErrorDescription
	if re.Response != nil {
		// RingCentral's body adds its own code next to the OAuth one.
		pe := errbody.Parse(re.Response.StatusCode, re.Response.Header, re.Body, s.now(), secrets...)
		ae.StatusCode, ae.RetryAfter = pe.StatusCode, pe.RetryAfter
		if pe.Code != scrub.Clip(re.ErrorCode, 128, secrets...) { // not only the OAuth error
			ae.Code = pe.Code
		}
		if ae.Description == "" {
			ae.Description = pe.Message
		}
	}
	ae.ErrorCode = scrub.Clip(ae.ErrorCode, 64, secrets...)
	ae.Code = scrub.Clip(ae.Code, 64, secrets...)
	ae.Description = scrub.Clip(ae.Description, maxDescription, secrets...)
	return ae
}

// sanitized is an error whose text has been cleaned of secrets; it still
// unwraps to the original, for errors.Is.
type sanitized struct {
	msg string
	err error
}

func (e sanitized) Error() string { return e.msg }
func (e sanitized) Unwrap() error { return e.err }
