package jsonx

// Interner maps the documented values of an enum to shared strings so that
// decoding them does not allocate (Reader.Enum); other values are kept as
// they came.
type Interner map[string]string

// NewInterner returns an Interner for values.
func NewInterner(values ...string) Interner {
	m := make(Interner, len(values))
	for _, v := range values {
		m[v] = v
	}
	return m
}
