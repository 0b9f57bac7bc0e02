package jsonx

import (
	"encoding/json"
	"reflect"
	"strconv"
	"time"
	"unicode/utf8"
)

// The scalar types below are the Reader's tolerant reads packaged as
// json.Unmarshaler, for structs decoded with encoding/json: they accept
// exactly what the corresponding Reader method accepts, so there is one
// definition of each tolerant form. Where the Reader would skip a value of
// the wrong shape, they return an error, since encoding/json has no way to
// report a skip.

// String is a string that also accepts a JSON number (kept as its literal
// digits), a boolean (kept as "true"/"false") and null (kept as ""), as
// Reader.String does. RingCentral documents identifiers such as extensionId
// as strings but sends numbers in several payloads.
type String string

// UnmarshalJSON implements json.Unmarshaler.
func (s *String) UnmarshalJSON(b []byte) error {
	r := NewReader(b)
	v := r.String()
	if err := scalarErr(&r, b, stringType); err != nil {
		return err
	}
	*s = String(v)
	return nil
}

// Time is a time.Time that accepts what Reader.Time does: RFC 3339
// ("2019-07-09T16:17:38.286Z") and the offset-without-colon form
// RingCentral also sends ("2014-03-12T20:47:54.712+0000"), with or without
// fractional seconds. Null and the empty string decode to the zero time.
type Time time.Time

// UnmarshalJSON implements json.Unmarshaler.
func (t *Time) UnmarshalJSON(b []byte) error {
	r := NewReader(b)
	v := r.Time()
	if err := scalarErr(&r, b, timeType); err != nil {
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

// Bool is a bool that accepts what Reader.Bool does: true, false, null and
// the strings "true", "false" in any case and "" (the documented PubNub
// request sends "encryption": "true").
type Bool bool

// UnmarshalJSON implements json.Unmarshaler.
func (v *Bool) UnmarshalJSON(b []byte) error {
	r := NewReader(b)
	x := r.Bool()
	if err := scalarErr(&r, b, boolType); err != nil {
		return err
	}
	*v = Bool(x)
	return nil
}

// Int64 is an int64 that accepts what Reader.Int64 does: a number, a
// quoted number, an integral float literal, null and "".
type Int64 int64

// UnmarshalJSON implements json.Unmarshaler.
func (v *Int64) UnmarshalJSON(b []byte) error {
	r := NewReader(b)
	n := r.Int64()
	if err := scalarErr(&r, b, int64Type); err != nil {
		return err
	}
	*v = Int64(n)
	return nil
}

// scalarErr turns what a Reader of the single value b met into an error
// for encoding/json: a syntax error as it is, a skipped value as a
// *json.UnmarshalTypeError (so encoding/json adds the field's path).
func scalarErr(r *Reader, b []byte, t reflect.Type) error {
	if err := r.End(); err != nil {
		return err
	}
	if sk := r.Skipped(); len(sk) > 0 {
		what := "nothing"
		if len(b) > 0 {
			what = kind(b[0])
		}
		return &json.UnmarshalTypeError{Value: what + " (" + sk[0].Reason + ")", Type: t}
	}
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
