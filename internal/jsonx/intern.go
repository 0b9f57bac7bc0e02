package jsonx

// Interner maps the documented values of an enum to shared strings so that
// decoding them does not allocate; other values are kept as they came.
type Interner map[string]string

// NewInterner returns an Interner for values.
func NewInterner(values ...string) Interner {
	m := make(Interner, len(values))
	for _, v := range values {
		m[v] = v
	}
	return m
}

// String returns the shared copy of the JSON string literal b when b is a
// documented value, and a fresh string otherwise.
func (in Interner) String(b []byte) (string, error) {
	if len(b) == 0 {
		return "", typeError("nothing", stringType)
	}
	switch b[0] {
	case '"':
		if len(b) >= 2 {
			if s, ok := in[string(b[1:len(b)-1])]; ok { // no allocation: map index by converted bytes
				return s, nil
			}
		}
		return unquote(b)
	case 'n':
		return "", nil
	default:
		return "", typeError(kind(b[0]), stringType)
	}
}
