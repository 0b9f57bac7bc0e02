package jsonx

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"time"
	"unicode/utf8"
)

// String is a string that also accepts a JSON number (kept as its literal
// digits), a boolean (kept as "true"/"false") and null (kept as ""). RingCentral
// documents identifiers such as extensionId as strings but sends numbers in
// several payloads.
type String string

// UnmarshalJSON implements json.Unmarshaler.
func (s *String) UnmarshalJSON(b []byte) error {
	if len(b) == 0 {
		return fmt.Errorf("jsonx: empty value")
	}
	switch b[0] {
	case '"':
		v, err := unquote(b)
		if err != nil {
			return err
		}
		*s = String(v)
		return nil
	case 'n':
		*s = ""
		return nil
	case 't', 'f':
		*s = String(b)
		return nil
	case '{', '[':
		return typeError(kind(b[0]), stringType)
	default:
		// A JSON number: keep its literal form, which preserves large ids
		// exactly (a float64 round trip would not).
		*s = String(b)
		return nil
	}
}

// Time is a time.Time that accepts RFC 3339 ("2019-07-09T16:17:38.286Z") and
// the offset-without-colon form RingCentral also sends
// ("2014-03-12T20:47:54.712+0000"), with or without fractional seconds. Null
// and the empty string decode to the zero time.
type Time time.Time

// UnmarshalJSON implements json.Unmarshaler.
func (t *Time) UnmarshalJSON(b []byte) error {
	if len(b) == 0 {
		return fmt.Errorf("jsonx: empty value")
	}
	if b[0] == 'n' {
		*t = Time{}
		return nil
	}
	if b[0] != '"' {
		return typeError(kind(b[0]), timeType)
	}
	v, err := ParseTime(string(b[1 : len(b)-1]))
	if err != nil {
		return err
	}
	*t = Time(v)
	return nil
}

// ParseTime parses the timestamp forms RingCentral sends. The empty string is
// the zero time.
func ParseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	for _, layout := range [...]string{
		"2006-01-02T15:04:05.999999999-0700",
		"2006-01-02T15:04:05.999999999",
		"2006-01-02 15:04:05.999999999-0700",
	} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, typeError("timestamp "+strconv.Quote(truncate(s, 40)), timeType)
}

// Bool is a bool that also accepts the strings "true" and "false" (the
// documented PubNub request sends "encryption": "true") and null.
type Bool bool

// UnmarshalJSON implements json.Unmarshaler.
func (v *Bool) UnmarshalJSON(b []byte) error {
	if len(b) == 0 {
		return fmt.Errorf("jsonx: empty value")
	}
	switch string(b) {
	case "true", `"true"`, `"True"`, `"TRUE"`:
		*v = true
	case "false", `"false"`, `"False"`, `"FALSE"`, "null", `""`:
		*v = false
	default:
		return typeError(kind(b[0]), boolType)
	}
	return nil
}

// Int64 is an int64 that also accepts a quoted number and null.
type Int64 int64

// UnmarshalJSON implements json.Unmarshaler.
func (v *Int64) UnmarshalJSON(b []byte) error {
	if len(b) == 0 {
		return fmt.Errorf("jsonx: empty value")
	}
	if b[0] == 'n' {
		*v = 0
		return nil
	}
	if b[0] == '"' {
		b = b[1 : len(b)-1]
		if len(b) == 0 {
			*v = 0
			return nil
		}
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		// Accept a float literal with an integral value (1e3, 5.0).
		f, ferr := strconv.ParseFloat(string(b), 64)
		if ferr != nil || f != float64(int64(f)) {
			return typeError("number "+truncate(string(b), 24), int64Type)
		}
		n = int64(f)
	}
	*v = Int64(n)
	return nil
}

// Ref holds the bytes of a JSON value without copying them: it aliases the
// buffer being decoded, so it is only valid while that buffer is. Decoders
// that own their input use it to defer decoding of a nested object.
type Ref []byte

// UnmarshalJSON implements json.Unmarshaler.
func (r *Ref) UnmarshalJSON(b []byte) error {
	*r = b
	return nil
}

// IsNull reports whether r is absent or the JSON null.
func (r Ref) IsNull() bool {
	return len(r) == 0 || (len(r) == 4 && string(r) == "null")
}

// typeError reports a JSON value the field cannot take. It is a
// *json.UnmarshalTypeError so that encoding/json adds the path of the field
// ("activeCalls.0.startTime") to the message, which tells the caller where
// the bad value was.
func typeError(got string, t reflect.Type) error {
	return &json.UnmarshalTypeError{Value: got, Type: t}
}

var (
	stringType = reflect.TypeFor[string]()
	timeType   = reflect.TypeFor[time.Time]()
	boolType   = reflect.TypeFor[bool]()
	int64Type  = reflect.TypeFor[int64]()
)

func kind(c byte) string {
	switch c {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	default:
		return "number"
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// unquote decodes a JSON string literal. The common case, no escapes, costs
// one allocation for the result.
func unquote(b []byte) (string, error) {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return "", typeError("malformed string", stringType)
	}
	inner := b[1 : len(b)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return string(inner), nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return "", err
	}
	return s, nil
}
