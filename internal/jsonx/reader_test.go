package jsonx

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestReaderScalars(t *testing.T) {
	type got struct {
		S, E    string
		I       int64
		B       bool
		T       time.Time
		Raw     string
		Strings []string
	}
	in := ` { "s" : 12345678901234567890123 , "e":"OnHold", "i":"-42", "b":"True", "t":"2014-03-12T20:47:54.712+0000",
		"raw": {"x":[1,2.5e3,"\u00e9",true,false,null]}, "strings":["a",1,true,null,"\"q\""], "skip":[{"deep":[[[]]]}] } `
	in2 := NewInterner("OnHold")
	r := NewReader([]byte(in))
	var g got
	for ok := r.Object(); ok; ok = r.More() {
		switch string(r.Key()) {
		case "s":
			g.S = r.String()
		case "e":
			g.E = r.Enum(in2)
		case "i":
			g.I = r.Int64()
		case "b":
			g.B = r.Bool()
		case "t":
			g.T = r.Time()
		case "raw":
			g.Raw = string(r.Raw())
		case "strings":
			for ok := r.Array(); ok; ok = r.More() {
				g.Strings = append(g.Strings, r.String())
			}
		default:
			r.Skip()
		}
	}
	if err := r.End(); err != nil {
		t.Fatal(err)
	}
	want := got{S: "12345678901234567890123", E: "OnHold", I: -42, B: true,
		T:   time.Date(2014, 3, 12, 20, 47, 54, 712e6, time.UTC),
		Raw: `{"x":[1,2.5e3,"\u00e9",true,false,null]}`, Strings: []string{"a", "1", "true", "", `"q"`}}
	if diff := cmp.Diff(want, g); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestReaderInt64(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		err  string
	}{
		{`0`, 0, ""}, {`-7`, -7, ""}, {`"12"`, 12, ""}, {`""`, 0, ""}, {`null`, 0, ""},
		{`9223372036854775807`, 9223372036854775807, ""}, {`1e3`, 1000, ""}, {`5.0`, 5, ""},
		{`1.5`, 0, `want an integer, got "1.5"`}, {`"x"`, 0, `want an integer, got "x"`},
		{`9223372036854775808`, 0, "want an integer"}, {`1e30`, 0, "want an integer"},
		{`{}`, 0, "want an integer, got object"}, {`"\u0031"`, 0, "want an integer, got string"},
	}
	for _, tt := range tests {
		r := NewReader([]byte(tt.in))
		n := r.Int64()
		err := endOrSkip(&r)
		switch {
		case tt.err == "" && (err != nil || n != tt.want):
			t.Errorf("Int64(%s) = %d, %v; want %d", tt.in, n, err, tt.want)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("Int64(%s) error = %v; want %q", tt.in, err, tt.err)
		}
	}
}

// endOrSkip returns the Reader's error, or else the reason of its first
// skipped value, or nil.
func endOrSkip(r *Reader) error {
	if err := r.End(); err != nil {
		return err
	}
	if sk := r.Skipped(); len(sk) > 0 {
		return errors.New(sk[0].Reason)
	}
	return nil
}

func TestReaderBool(t *testing.T) {
	for in, want := range map[string]bool{`true`: true, `false`: false, `null`: false, `"true"`: true, `"TRUE"`: true,
		`"False"`: false, `""`: false} {
		r := NewReader([]byte(in))
		if got := r.Bool(); got != want || r.End() != nil {
			t.Errorf("Bool(%s) = %v, %v", in, got, r.End())
		}
	}
	for _, in := range []string{`1`, `"yes"`, `[]`, `tru`} {
		r := NewReader([]byte(in))
		r.Bool()
		if endOrSkip(&r) == nil {
			t.Errorf("Bool(%s): no error", in)
		}
	}
}

// TestReaderMatchesEncodingJSON checks that the Reader accepts exactly the
// documents encoding/json accepts, and decodes strings the same way.
func TestReaderMatchesEncodingJSON(t *testing.T) {
	for _, in := range readerSeeds {
		checkAgainstEncodingJSON(t, []byte(in))
	}
}

var readerSeeds = []string{
	`{}`, `[]`, `null`, `1`, `-0.5e-3`, `"a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00"`, `"\ud800"`, "\"\xff\xfe\"",
	`{"a":[1,{"b":null}],"c":"d"}`, `{"a":1,}`, `[1,]`, `[1 2]`, `{"a" 1}`, `{1:2}`, `01`, `1.`, `.5`, `-`, `1e`, `1e+`,
	`"abc`, "\"a\x01\"", `"\x"`, `"\u12"`, `tru`, `nul`, `falsey`, `{"a":1}}`, ` `, ``, `[[[[[]]]]]`, "\t\n\r {}",
	`{"a":"\u0000"}`, `"é"`, `[1e400]`,
}

func checkAgainstEncodingJSON(t *testing.T, in []byte) {
	t.Helper()
	r := NewReader(in)
	raw := r.Raw()
	err := r.End()
	valid := json.Valid(in)
	if (err == nil) != valid {
		t.Fatalf("%q: Reader error %v, json.Valid %v", in, err, valid)
	}
	if err != nil {
		return
	}
	if string(raw) != strings.TrimSpace(string(in)) && strings.Trim(string(in), " \t\r\n") != string(raw) {
		t.Fatalf("%q: Raw = %q", in, raw)
	}
	var want any
	if json.Unmarshal(in, &want) != nil {
		return // a number out of float64 range: valid JSON, nothing to compare
	}
	if s, ok := want.(string); ok {
		r := NewReader(in)
		if got := r.String(); got != s || r.End() != nil {
			t.Fatalf("%q: String = %q, want %q", in, got, s)
		}
	}
}

func FuzzReader(f *testing.F) {
	for _, s := range readerSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		checkAgainstEncodingJSON(t, in)
	})
}

func TestParseTimeForms(t *testing.T) {
	utc := func(nsec int) time.Time { return time.Date(2019, 7, 9, 16, 17, 38, nsec, time.UTC) }
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2019-07-09T16:17:38.286Z", utc(286e6)},
		{"2019-07-09T16:17:38Z", utc(0)},
		{"2019-07-09T16:17:38.286+0000", utc(286e6)},
		{"2019-07-09T16:17:38+0000", utc(0)},
		{"2019-07-09T16:17:38.123456789Z", utc(123456789)},
		{"2019-07-09T18:17:38.286+02:00", utc(286e6)},
		{"2019-07-09T12:17:38.286-0400", utc(286e6)},
		{"2019-07-09T16:17:38.286", utc(286e6)},
		{"2019-07-09 16:17:38.286+0000", utc(286e6)},
		{"", time.Time{}},
	}
	for _, tt := range tests {
		r := NewReader([]byte(`"` + tt.in + `"`))
		got := r.Time()
		if err := r.End(); err != nil || !got.Equal(tt.want) {
			t.Errorf("Time(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"2019-02-29T00:00:00Z", "2019-07-09T24:00:00Z", "2019-07-09T16:17:38.Z", "yesterday", "2019-07-09T16:17:38+2500"} {
		r := NewReader([]byte(`"` + in + `"`))
		r.Time()
		if err := endOrSkip(&r); err == nil || !strings.Contains(err.Error(), "want a timestamp") {
			t.Errorf("Time(%q): error %v", in, err)
		}
	}
}

// FuzzParseTimeFast checks that the allocation-free path agrees with
// time.Parse whenever it accepts a timestamp.
func FuzzParseTimeFast(f *testing.F) {
	for _, s := range []string{"2019-07-09T16:17:38.286Z", "2014-03-12T20:47:54.712+0000", "2019-07-09T16:17:38+02:00",
		"2000-02-29T23:59:59.999999999-1130", "1900-02-29T00:00:00Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseTimeFast([]byte(s))
		if !ok {
			return
		}
		layout := time.RFC3339Nano
		if n := len(s); s[n-1] != 'Z' && s[n-3] != ':' {
			layout = "2006-01-02T15:04:05.999999999-0700"
		}
		want, err := time.Parse(layout, s)
		if err != nil {
			t.Fatalf("fast path accepted %q, time.Parse: %v", s, err)
		}
		if !got.Equal(want) {
			t.Fatalf("%q: fast %v, time.Parse %v", s, got, want)
		}
		_, gotOff := got.Zone()
		_, wantOff := want.Zone()
		if gotOff != wantOff {
			t.Fatalf("%q: offset %d, want %d", s, gotOff, wantOff)
		}
	})
}

func TestScalarTypes(t *testing.T) {
	var v struct {
		S String `json:"s"`
		T Time   `json:"t"`
		B Bool   `json:"b"`
		I Int64  `json:"i"`
		R Ref    `json:"r"`
	}
	in := `{"s":402853446008,"t":"2014-03-12T20:47:54.712+0000","b":"true","i":"9","r":{"a":1}}`
	if err := json.Unmarshal([]byte(in), &v); err != nil {
		t.Fatal(err)
	}
	if v.S != "402853446008" || !time.Time(v.T).Equal(time.Date(2014, 3, 12, 20, 47, 54, 712e6, time.UTC)) ||
		!bool(v.B) || v.I != 9 || string(v.R) != `{"a":1}` || v.R.IsNull() {
		t.Errorf("got %+v", v)
	}
	err := json.Unmarshal([]byte(`{"t":"2014-03-12T20:47:54.712+0000","s":{"a":1}}`), &v)
	if err == nil || !strings.Contains(err.Error(), "s") {
		t.Errorf("object into String: %v", err)
	}
}

func TestReaderDoesNotAllocate(t *testing.T) {
	in := []byte(`{"status":"OnHold","seq":12,"ok":true,"t":"2019-07-09T16:17:38.286Z","skip":{"a":[1,"b",null]}}`)
	enums := NewInterner("OnHold")
	var sink string
	allocs := testing.AllocsPerRun(100, func() {
		r := NewReader(in)
		for ok := r.Object(); ok; ok = r.More() {
			switch string(r.Key()) {
			case "status":
				sink = r.Enum(enums)
			case "seq":
				r.Int64()
			case "ok":
				r.Bool()
			case "t":
				r.Time()
			default:
				r.Skip()
			}
		}
		if r.End() != nil {
			panic("bad")
		}
	})
	if allocs != 0 || sink != "OnHold" {
		t.Errorf("%v allocations, want 0", allocs)
	}
}
