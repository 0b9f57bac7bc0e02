// Package redact removes secrets from text that a server sent, before the
// text becomes part of an error or a log attribute.
//
// A server may echo what it was sent: an error body that quotes the bearer
// token, an OAuth error_description that quotes the JWT assertion. String
// removes the secrets it is told about (the client secret, the JWT, the
// access and refresh tokens, a verification token, PubNub keys) and
// everything shaped like a credential (a "Bearer …" or "Basic …"
// credential, a JWT, a long opaque token such as RingCentral's, a value of
// a parameter named like a credential). Clip does the same and then bounds
// the length, in that order, so that a secret cut by the bound cannot
// escape a match.
package redact

import (
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
)

// Mark replaces what is removed.
const Mark = "[redacted]"

// minSecret is the length under which a known secret is not looked for
// (a one-letter "secret" would redact every word).
const minSecret = 4

var (
	// authScheme matches an HTTP credential: "Bearer <token>" or
	// "Basic <base64>" (also URL-encoded, "Bearer%20…").
	authScheme = regexp.MustCompile(`(?i)\b(bearer|basic)(?:\s+|%20|\+)([A-Za-z0-9._~+/=%-]{8,})`)
	// param matches a value given to a parameter named like a credential,
	// in a query string (access_token=…), a JSON object ("access_token":
	// "…") or prose (access_token: …).
	param = regexp.MustCompile(`(?i)\b(access_token|refresh_token|ws_access_token|id_token|client_secret|client_assertion|assertion|password|verification[_-]token|auth_key|auth|token)("?\s*[:=]\s*"?)([^\s"&,;<>]+)`)
	// jwt matches a JWT (a base64url JSON header, "eyJ", then the payload
	// and signature), whole or cut, and any triple of long base64url
	// segments joined by dots.
	jwt = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]*){0,2}|[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}`)
	// opaque matches a long base64 run; only those mixing upper case,
	// lower case and digits are removed (RingCentral's access, refresh and
	// WebSocket tokens look like "U0pDMDFQMDdQQ…"), which spares ids, UUIDs
	// and words.
	opaque = regexp.MustCompile(`[A-Za-z0-9+/_-]{32,}={0,2}`)
)

// String returns s with every one of secrets, and everything shaped like
// a credential, replaced by Mark. Empty and very short secrets are
// ignored.
func String(s string, secrets ...string) string {
	if s == "" {
		return s
	}
	s = known(s, secrets)
	// "Bearer authentication" is prose; a token has a digit or a symbol.
	s = replaceGroup(authScheme, s, 2, symbolic)
	s = replaceParams(s)
	s = jwt.ReplaceAllLiteralString(s, Mark)
	s = opaque.ReplaceAllStringFunc(s, func(m string) string {
		if mixed(m) {
			return Mark
		}
		return m
	})
	return s
}

// Clip returns String(s, secrets...) cut to at most n bytes on a rune
// boundary, the cut marked with an ellipsis. The secrets are removed
// first: a secret cut in two would no longer be found.
func Clip(s string, n int, secrets ...string) string {
	return clip(String(s, secrets...), n)
}

func clip(s string, n int) string {
	if n < 0 {
		n = 0
	}
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

// Error returns err when its text holds nothing to remove, and otherwise
// an error whose text is String(err.Error(), secrets...) and which unwraps
// to err (errors.Is and errors.As still see the original chain; its
// values are not cleaned, only the text). A nil err stays nil.
func Error(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if clean := String(msg, secrets...); clean != msg {
		return &cleaned{msg: clean, err: err}
	}
	return err
}

type cleaned struct {
	msg string
	err error
}

func (e *cleaned) Error() string { return e.msg }
func (e *cleaned) Unwrap() error { return e.err }

// Holder is implemented by an http.RoundTripper that adds credentials to
// the requests it sends (ringwatch.Config.Client's transport): Secrets
// returns the values it may have sent, for String.
type Holder interface {
	Secrets() []string
}

// Credential returns the credential of an Authorization header value
// ("Bearer abc" gives "abc"), or "" when there is none.
func Credential(authorization string) string {
	v := strings.TrimSpace(authorization)
	if i := strings.IndexAny(v, " \t"); i >= 0 {
		v = strings.TrimSpace(v[i+1:])
	}
	return v
}

// Of returns the secrets that a request sent through hc may have carried
// and that its answer resp may echo: those of hc's transport, when it is
// a Holder, and the credential of the Authorization header that went out
// (resp.Request, as the transport saw it). Both arguments may be nil.
func Of(hc *http.Client, resp *http.Response) []string {
	var out []string
	if hc != nil {
		if h, ok := hc.Transport.(Holder); ok {
			out = append(out, h.Secrets()...)
		}
	}
	if resp != nil && resp.Request != nil {
		if c := Credential(resp.Request.Header.Get("Authorization")); c != "" {
			out = append(out, c)
		}
	}
	return out
}

// known replaces the known secrets, longest first (one may contain
// another), in the forms a server may echo them: as sent, URL-encoded and
// JSON-escaped.
func known(s string, secrets []string) string {
	var vs []string
	for _, v := range secrets {
		if len(v) < minSecret {
			continue
		}
		vs = append(vs, v)
		if q := url.QueryEscape(v); q != v {
			vs = append(vs, q)
		}
		if j := strings.ReplaceAll(v, "/", `\/`); j != v {
			vs = append(vs, j)
		}
	}
	sort.Slice(vs, func(i, j int) bool { return len(vs[i]) > len(vs[j]) })
	for _, v := range vs {
		if strings.Contains(s, v) {
			s = strings.ReplaceAll(s, v, Mark)
		}
	}
	return s
}

// replaceParams replaces the values of parameters named like
// credentials. The generic names ("token", "auth") are prose as often as
// not, so their values go only when they look like one (see symbolic).
func replaceParams(s string) string {
	idx := param.FindAllStringSubmatchIndex(s, -1)
	if idx == nil {
		return s
	}
	var b strings.Builder
	last, changed := 0, false
	for _, m := range idx {
		name, lo, hi := strings.ToLower(s[m[2]:m[3]]), m[6], m[7]
		v := s[lo:hi]
		if strings.HasPrefix(v, Mark) || (name == "token" || name == "auth") && !(len(v) >= 8 && symbolic(v)) {
			continue
		}
		b.WriteString(s[last:lo])
		b.WriteString(Mark)
		last, changed = hi, true
	}
	if !changed {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// replaceGroup replaces submatch g of every match of re with Mark when
// isSecret says that it is a credential.
func replaceGroup(re *regexp.Regexp, s string, g int, isSecret func(string) bool) string {
	idx := re.FindAllStringSubmatchIndex(s, -1)
	if idx == nil {
		return s
	}
	var b strings.Builder
	last, changed := 0, false
	for _, m := range idx {
		lo, hi := m[2*g], m[2*g+1]
		if lo < 0 || !isSecret(s[lo:hi]) {
			continue
		}
		b.WriteString(s[last:lo])
		b.WriteString(Mark)
		last, changed = hi, true
	}
	if !changed {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// symbolic reports whether s has a digit or one of the symbols of
// base64, base64url or a URL-encoded value: prose has none.
func symbolic(s string) bool { return strings.ContainsAny(s, "0123456789._~+/=%-") }

// mixed reports whether s has an upper-case letter, a lower-case letter
// and a digit.
func mixed(s string) bool {
	var up, low, dig bool
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'A' && c <= 'Z':
			up = true
		case c >= 'a' && c <= 'z':
			low = true
		case c >= '0' && c <= '9':
			dig = true
		}
	}
	return up && low && dig
}
