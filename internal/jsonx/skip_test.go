package jsonx

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestReaderSkipsWrongShapes checks that a typed read meeting a
// well-formed value of another shape skips it, records where and why, and
// lets the rest of the document decode.
func TestReaderSkipsWrongShapes(t *testing.T) {
	in := `{"s":{"x":[1]},"i":[1,2],"b":12,"t":true,"o":"str","a":{"k":1},"list":[{"n":"x"},{"n":3}],"last":"ok"}`
	r := NewReader([]byte(in))
	var last string
	var ns []int64
	for ok := r.Object(); ok; ok = r.More() {
		switch string(r.Key()) {
		case "s":
			_ = r.String()
		case "i":
			r.Int64()
		case "b":
			r.Bool()
		case "t":
			r.Time()
		case "o":
			for ok := r.Object(); ok; ok = r.More() {
				r.Key()
				r.Skip()
			}
		case "a":
			for ok := r.Array(); ok; ok = r.More() {
				r.Skip()
			}
		case "list":
			for ok := r.Array(); ok; ok = r.More() {
				for ok := r.Object(); ok; ok = r.More() {
					r.Key()
					ns = append(ns, r.Int64())
				}
			}
		case "last":
			last = r.String()
		}
	}
	if err := r.End(); err != nil {
		t.Fatal(err)
	}
	want := []Skipped{
		{"s", "want a string, got object"},
		{"i", "want an integer, got array"},
		{"b", "want a boolean, got number"},
		{"t", "want a timestamp, got boolean"},
		{"o", "want an object, got string"},
		{"a", "want an array, got object"},
		{"list[0].n", `want an integer, got "x"`},
	}
	if diff := cmp.Diff(want, r.Skipped()); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}
	if last != "ok" || !cmp.Equal(ns, []int64{0, 3}) {
		t.Errorf("last = %q, ns = %v", last, ns)
	}
}

// TestReaderSkipKeepsSyntaxErrors checks that a malformed value met by a
// typed read is still an error, not a skip.
func TestReaderSkipKeepsSyntaxErrors(t *testing.T) {
	for _, in := range []string{`{"s":{"x":}}`, `{"s":[1,}`, `{"s":tru}`, `{"s":{"a":1}`} {
		r := NewReader([]byte(in))
		for ok := r.Object(); ok; ok = r.More() {
			r.Key()
			r.Int64()
		}
		if r.End() == nil {
			t.Errorf("%s: no error", in)
		}
	}
}

// TestReaderSkippedBounded checks that at most MaxSkipped skips are kept.
func TestReaderSkippedBounded(t *testing.T) {
	in := "[" + strings.Repeat(`{},`, 2*MaxSkipped) + "{}]"
	r := NewReader([]byte(in))
	for ok := r.Array(); ok; ok = r.More() {
		_ = r.String()
	}
	if err := r.End(); err != nil || len(r.Skipped()) != MaxSkipped {
		t.Fatalf("err %v, %d skipped", err, len(r.Skipped()))
	}
}

// TestSharedReaderDoesNotAllocate checks that a shared Reader cuts strings
// and number literals from its string instead of allocating them.
func TestSharedReaderDoesNotAllocate(t *testing.T) {
	in := `{"id":"abc","n":402853446008,"x":"é","esc":"a\nb"}`
	b, s := []byte(in), in
	var got []string
	allocs := testing.AllocsPerRun(100, func() {
		got = got[:0]
		r := NewSharedReader(b, s)
		for ok := r.Object(); ok; ok = r.More() {
			if string(r.Key()) == "esc" {
				r.Skip()
				continue
			}
			got = append(got, r.String())
		}
		if r.End() != nil {
			panic("bad")
		}
	})
	if allocs != 0 || !cmp.Equal(got, []string{"abc", "402853446008", "é"}) {
		t.Errorf("%v allocations, got %q", allocs, got)
	}
	r := NewSharedReader(b, s)
	var esc string
	for ok := r.Object(); ok; ok = r.More() {
		if string(r.Key()) == "esc" {
			esc = r.String()
		} else {
			r.Skip()
		}
	}
	if esc != "a\nb" {
		t.Errorf("esc = %q", esc)
	}
}

// TestScalarTypesAgreeWithReader checks that each json.Unmarshaler scalar
// accepts exactly what its Reader method accepts, with the same result:
// one tolerant mechanism, not two.
func TestScalarTypesAgreeWithReader(t *testing.T) {
	inputs := []string{`true`, `false`, `null`, `"true"`, `"True"`, `"TRUE"`, `"tRuE"`, `"false"`, `"False"`, `"FALSE"`,
		`""`, `"yes"`, `1`, `0`, `"12"`, `-7`, `1e3`, `1.5`, `"x"`, `{}`, `[]`, `"2014-03-12T20:47:54.712+0000"`,
		`"2019-07-09T16:17:38Z"`, `"yesterday"`, `402853446008`, `"\u0031"`}
	for _, in := range inputs {
		check := func(name string, read func(*Reader) any, unmarshal func([]byte) (any, error)) {
			r := NewReader([]byte(in))
			want := read(&r)
			readerOK := endOrSkip(&r) == nil
			got, err := unmarshal([]byte(in))
			if (err == nil) != readerOK {
				t.Errorf("%s(%s): Reader ok %v, UnmarshalJSON error %v", name, in, readerOK, err)
				return
			}
			if err == nil && !cmp.Equal(got, want) {
				t.Errorf("%s(%s): Reader %v, UnmarshalJSON %v", name, in, want, got)
			}
		}
		check("Bool", func(r *Reader) any { return r.Bool() }, func(b []byte) (any, error) {
			var v Bool
			err := json.Unmarshal(b, &v)
			return bool(v), err
		})
		check("Int64", func(r *Reader) any { return r.Int64() }, func(b []byte) (any, error) {
			var v Int64
			err := json.Unmarshal(b, &v)
			return int64(v), err
		})
		check("String", func(r *Reader) any { return r.String() }, func(b []byte) (any, error) {
			var v String
			err := json.Unmarshal(b, &v)
			return string(v), err
		})
		check("Time", func(r *Reader) any { return r.Time() }, func(b []byte) (any, error) {
			var v Time
			err := json.Unmarshal(b, &v)
			return time.Time(v), err
		})
	}
}
