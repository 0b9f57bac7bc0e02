package modeltest

import (
	"strconv"

	"github.com/ringwatch/ringwatch/internal/jsonx"
)

// Corruption is a JSON document with the value at Path replaced by one of
// another JSON type.
type Corruption struct {
	// Path locates the replaced value, as jsonx paths do ("body.parties[0].status").
	Path string
	// Data is the corrupted document.
	Data []byte
}

// Corruptions returns, for every non-null value in the well-formed
// document b (members and elements, at every depth), a copy of b with that
// value replaced by one of another JSON type: a string for an object or an
// array, an object for a scalar.
func Corruptions(b []byte) []Corruption {
	var out []Corruption
	walkValues(b, 0, "", func(path string, start, end int) {
		repl := `{"drift":[1]}`
		if c := b[start]; c == '{' || c == '[' {
			repl = `"drift"`
		} else if c == 'n' {
			return
		}
		d := make([]byte, 0, len(b)+len(repl))
		d = append(d, b[:start]...)
		d = append(d, repl...)
		d = append(d, b[end:]...)
		out = append(out, Corruption{Path: path, Data: d})
	})
	return out
}

// walkValues calls f with the path and span (relative to the whole
// document, base being b's offset in it) of every member and element in b.
func walkValues(b []byte, base int, path string, f func(path string, start, end int)) {
	r := jsonx.NewReader(b)
	visit := func(p string) {
		raw := r.Raw()
		end := r.Offset()
		start := end - len(raw)
		if raw == nil {
			return
		}
		f(p, base+start, base+end)
		walkValues(raw, base+start, p, f)
	}
	switch r.Peek() {
	case '{':
		for ok := r.Object(); ok; ok = r.More() {
			k := string(r.Key())
			p := k
			if path != "" {
				p = path + "." + k
			}
			visit(p)
		}
	case '[':
		i := 0
		for ok := r.Array(); ok; ok = r.More() {
			visit(path + "[" + strconv.Itoa(i) + "]")
			i++
		}
	}
}
