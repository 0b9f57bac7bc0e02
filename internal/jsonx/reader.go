package jsonx

import (
	"encoding/binary"
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Reader decodes one JSON value in place, in a single pass, with the
// tolerant scalar rules of this package. The model decoders walk objects
// with it field by field, which is what lets notify.Decode beat
// json.Unmarshal into a map while returning typed values: encoding/json
// validates the whole input first and then rescans every value that has an
// UnmarshalJSON method, so nested tolerant fields cost several passes.
//
// The first error sticks: after it every method returns a zero value and
// the loops below end, so a decoder needs to check Err only once, at the
// end. Errors are *Error values that give the field path and byte offset.
// Only malformed JSON is an error: a typed read (String, Enum, Int64,
// Bool, Time, Object, Array) that meets a well-formed value of another
// shape skips that value, records it (Skipped) and returns the zero value,
// so one drifted field never costs the rest of the document.
//
// Objects and arrays are read with loops of this shape:
//
//	for ok := r.Object(); ok; ok = r.More() {
//		switch string(r.Key()) { // does not allocate
//		case "id":
//			v.ID = r.String()
//		default:
//			r.Skip()
//		}
//	}
//
//	for ok := r.Array(); ok; ok = r.More() {
//		v.IDs = append(v.IDs, r.String())
//	}
type Reader struct {
	buf   []byte
	str   string // when set, the same bytes as buf: strings are cut from it
	pos   int
	err   *Error
	depth int // open objects and arrays, the index into path
	path  [maxPath]pathElem
	skips []Skipped // allocated only when a value is skipped
}

// Skipped is a well-formed value that a typed read skipped because it had
// another shape than the model expects: where (a field path such as
// "appearances" or "activeCalls[0].startTime") and why.
type Skipped struct {
	Path   string
	Reason string
}

// MaxSkipped bounds the skipped values a Reader records; further ones are
// skipped all the same but not recorded.
const MaxSkipped = 64

// maxPath bounds the nesting of Object and Array: the models are shallow,
// so a deeper input is an error rather than a reason to grow.
const maxPath = 32

// maxSkip bounds the nesting of a value skipped with Skip or Raw.
const maxSkip = 1000

type pathElem struct {
	key   []byte // the current member name, for an object
	index int    // the current element, for an array
	array bool
}

// Error reports malformed JSON or a value of the wrong kind: what was
// wrong (Msg) and where, as a field path ("activeCalls[0].startTime") and a
// byte offset into the decoded input.
type Error struct {
	Offset int
	Path   string
	Msg    string
}

// Error returns "path: what (at byte N)".
func (e *Error) Error() string {
	var b strings.Builder
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	b.WriteString(" (at byte ")
	b.WriteString(strconv.Itoa(e.Offset))
	b.WriteByte(')')
	return b.String()
}

// NewReader returns a Reader of b. The Reader does not copy b: strings it
// returns are fresh copies, but Raw and Key alias b.
func NewReader(b []byte) Reader { return Reader{buf: b} }

// NewSharedReader returns a Reader of b whose strings are cut from s, which
// must hold the same bytes as b (string(b) == s), instead of being
// allocated one by one. Every string it returns keeps s alive; b must not
// change while the Reader is in use.
func NewSharedReader(b []byte, s string) Reader {
	if len(s) != len(b) {
		return Reader{buf: b}
	}
	return Reader{buf: b, str: s}
}

// Skipped returns the values skipped so far because of their shape, in
// input order; nil when there were none.
func (r *Reader) Skipped() []Skipped { return r.skips }

// drift skips the value at from, which has the wrong shape for a typed
// read, and records it with reason. A malformed value is still an error.
func (r *Reader) drift(from int, reason string) {
	if r.err != nil {
		return
	}
	r.pos = from
	r.skip(0)
	if r.err != nil {
		return
	}
	if len(r.skips) < MaxSkipped {
		r.skips = append(r.skips, Skipped{Path: r.pathString(), Reason: reason})
	}
}

// wrongShape is drift for the value at the current position, with the
// reason "want <want>, got <its kind>".
func (r *Reader) wrongShape(want string) {
	r.peek()
	r.drift(r.pos, "want "+want+", got "+r.what())
}

// Err returns the first error, or nil.
func (r *Reader) Err() error {
	if r.err == nil {
		return nil
	}
	return r.err
}

// Offset returns the position of the next byte to read.
func (r *Reader) Offset() int { return r.pos }

// End checks that nothing but whitespace follows the value and returns the
// first error.
func (r *Reader) End() error {
	if r.err == nil && r.ws() && r.err == nil {
		r.fail("unexpected " + r.what() + " after the top-level value")
	}
	return r.Err()
}

// Fail records an error at the current position unless one is recorded.
func (r *Reader) Fail(msg string) { r.fail(msg) }

func (r *Reader) fail(msg string) {
	if r.err != nil {
		return
	}
	r.err = &Error{Offset: r.pos, Path: r.pathString(), Msg: msg}
	r.pos = len(r.buf)
}

func (r *Reader) pathString() string {
	var b strings.Builder
	n := min(r.depth, maxPath)
	for i := range n {
		p := &r.path[i]
		if p.array {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(p.index))
			b.WriteByte(']')
			continue
		}
		if p.key == nil {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.Write(p.key)
	}
	return b.String()
}

// Kind names the next value ("object", "string", "end of input", …) for
// an error message.
func (r *Reader) Kind() string {
	r.peek()
	return r.what()
}

// what names the next token for an error message.
func (r *Reader) what() string {
	if r.pos >= len(r.buf) {
		return "end of input"
	}
	switch c := r.buf[r.pos]; {
	case c == '{':
		return "object"
	case c == '[':
		return "array"
	case c == '"':
		return "string"
	case c == 't' || c == 'f':
		return "boolean"
	case c == 'n':
		return "null"
	case c == '-' || c >= '0' && c <= '9':
		return "number"
	default:
		return "character " + strconv.QuoteRune(rune(c))
	}
}

// ws skips whitespace and reports whether a byte follows.
func (r *Reader) ws() bool {
	b, i := r.buf, r.pos
	for ; i < len(b); i++ {
		if c := b[i]; c > ' ' || c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			r.pos = i
			return true
		}
	}
	r.pos = i
	return false
}

// peek skips whitespace and returns the next byte, or 0 at the end.
func (r *Reader) peek() byte {
	if r.ws() {
		return r.buf[r.pos]
	}
	return 0
}

// Null consumes a null if one is next.
func (r *Reader) Null() bool {
	if r.peek() == 'n' {
		r.literal("null")
		return r.err == nil
	}
	return false
}

// Object starts reading an object and reports whether it has a first
// member; Key then reads the member's name. A null is read as an empty
// object. Any other value is skipped and recorded (Skipped).
func (r *Reader) Object() bool { return r.open('{', '}', "object", pathElem{}) }

// Array starts reading an array and reports whether it has a first
// element. A null is read as an empty array. Any other value is skipped
// and recorded (Skipped).
func (r *Reader) Array() bool { return r.open('[', ']', "array", pathElem{array: true}) }

// open starts an object or an array, delimited by opening and closing, and
// pushes elem on the path.
func (r *Reader) open(opening, closing byte, kind string, elem pathElem) bool {
	switch r.peek() {
	case opening:
	case 'n':
		r.literal("null")
		return false
	case 0:
		r.fail("want an " + kind + ", got " + r.what())
		return false
	default:
		r.wrongShape("an " + kind)
		return false
	}
	if r.depth >= maxPath {
		r.fail("too deeply nested")
		return false
	}
	r.pos++
	r.path[r.depth] = elem
	r.depth++
	if r.peek() == closing {
		r.pos++
		r.depth--
		return false
	}
	return r.err == nil
}

// More reads the separator after a member or element: it reports whether
// another one follows, and false at the end of the object or array (or on
// error).
func (r *Reader) More() bool {
	if r.err != nil || r.depth == 0 {
		return false
	}
	top := &r.path[r.depth-1]
	closing := byte('}')
	if top.array {
		closing = ']'
	}
	switch r.peek() {
	case ',':
		r.pos++
		if top.array {
			top.index++
		}
		return true
	case closing:
		r.pos++
		r.depth--
		return false
	}
	r.fail("want , or " + string(closing) + ", got " + r.what())
	return false
}

// Key reads a member name and its colon. The result aliases the input
// unless the name has escapes.
func (r *Reader) Key() []byte {
	if r.err != nil {
		return nil
	}
	if r.peek() != '"' {
		r.fail("want a member name, got " + r.what())
		return nil
	}
	start := r.pos
	inner, flags := r.scanString()
	if r.err != nil {
		return nil
	}
	key := inner
	if flags != 0 {
		s, err := unquoteSlow(r.buf[start:r.pos])
		if err != nil {
			r.fail("malformed member name")
			return nil
		}
		key = []byte(s)
	}
	if r.depth > 0 {
		r.path[r.depth-1].key = key
	}
	if r.peek() != ':' {
		r.fail("want : after member name, got " + r.what())
		return nil
	}
	r.pos++
	return key
}

const (
	strEscaped  = 1 << iota // the literal has a backslash escape
	strNonASCII             // the literal has a byte >= 0x80
)

// scanString reads the string literal at r.pos, which is a '"', and
// returns its contents without the quotes.
func (r *Reader) scanString() (inner []byte, flags int) {
	b := r.buf
	i := r.pos + 1
	for i < len(b) {
		// Eight plain bytes (printable ASCII other than '"' and '\\') at
		// a time; a word with anything else is read byte by byte.
		for i+8 <= len(b) && plain8(binary.LittleEndian.Uint64(b[i:])) {
			i += 8
		}
		if i >= len(b) {
			break
		}
		c := b[i]
		switch {
		case c == '"':
			inner = b[r.pos+1 : i]
			r.pos = i + 1
			return inner, flags
		case c == '\\':
			flags |= strEscaped
			if i+1 >= len(b) {
				r.pos = i
				r.fail("unterminated string")
				return nil, 0
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) || !isHex4(b[i+2:i+6]) {
					r.pos = i
					r.fail("malformed \\u escape in string")
					return nil, 0
				}
				i += 6
			default:
				r.pos = i
				r.fail("malformed escape in string")
				return nil, 0
			}
		case c < 0x20:
			r.pos = i
			r.fail("control character in string")
			return nil, 0
		default:
			if c >= 0x80 {
				flags |= strNonASCII
			}
			i++
		}
	}
	r.pos = i
	r.fail("unterminated string")
	return nil, 0
}

// plain8 reports whether the eight bytes of w are all printable ASCII
// other than '"' and '\\', which a string literal holds as they are.
func plain8(w uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	if w&highs != 0 {
		return false // a byte >= 0x80
	}
	// With every byte below 0x80, a byte of x - ones*n has its high bit set
	// where a byte of x is below n (a borrow only spreads upwards from
	// such a byte), so these flag bytes below 0x20, '"' and '\\'.
	low := w - ones*0x20
	quote := (w ^ (ones * '"')) - ones
	slash := (w ^ (ones * '\\')) - ones
	return (low|quote|slash)&highs == 0
}

func isHex4(b []byte) bool {
	for _, c := range b[:4] {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// text turns the contents of a scanned string literal into a Go string the
// way encoding/json does (escapes decoded, invalid UTF-8 replaced).
func (r *Reader) text(start int, inner []byte, flags int) string {
	if flags == 0 || flags == strNonASCII && utf8.Valid(inner) {
		if r.str != "" {
			return r.str[start+1 : r.pos-1]
		}
		return string(inner)
	}
	s, err := unquoteSlow(r.buf[start:r.pos])
	if err != nil {
		r.pos = start
		r.fail("malformed string")
	}
	return s
}

func unquoteSlow(lit []byte) (string, error) {
	var s string
	err := json.Unmarshal(lit, &s)
	return s, err
}

// scanNumber reads the number literal at r.pos and returns it.
func (r *Reader) scanNumber() []byte {
	b := r.buf
	start, i := r.pos, r.pos
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i++; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		}
	default:
		r.pos = i
		r.fail("malformed number")
		return nil
	}
	if i < len(b) && b[i] == '.' {
		i++
		d := i
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		}
		if i == d {
			r.pos = i
			r.fail("malformed number")
			return nil
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := i
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		}
		if i == d {
			r.pos = i
			r.fail("malformed number")
			return nil
		}
	}
	r.pos = i
	return b[start:i]
}

func (r *Reader) literal(lit string) {
	if len(r.buf)-r.pos >= len(lit) && string(r.buf[r.pos:r.pos+len(lit)]) == lit {
		r.pos += len(lit)
		return
	}
	r.fail("malformed literal, want " + lit)
}

// Skip reads and discards one value, checking that it is well formed.
func (r *Reader) Skip() { r.skip(0) }

// Since returns the input from offset start to the current position: the
// raw text of the values read since Offset returned start.
func (r *Reader) Since(start int) []byte {
	if start < 0 || start > r.pos {
		return nil
	}
	return r.buf[start:r.pos]
}

// Raw reads one value and returns its bytes, which alias the input.
func (r *Reader) Raw() []byte {
	if !r.ws() {
		r.fail("want a value, got end of input")
		return nil
	}
	start := r.pos
	r.skip(0)
	if r.err != nil {
		return nil
	}
	return r.buf[start:r.pos]
}

func (r *Reader) skip(depth int) {
	switch c := r.peek(); {
	case c == '"':
		r.scanString()
	case c == '{':
		if depth >= maxSkip {
			r.fail("too deeply nested")
			return
		}
		r.pos++
		if r.peek() == '}' {
			r.pos++
			return
		}
		for r.err == nil {
			if r.peek() != '"' {
				r.fail("want a member name, got " + r.what())
				return
			}
			r.scanString()
			if r.peek() != ':' {
				r.fail("want : after member name, got " + r.what())
				return
			}
			r.pos++
			r.skip(depth + 1)
			switch r.peek() {
			case ',':
				r.pos++
			case '}':
				r.pos++
				return
			default:
				r.fail("want , or }, got " + r.what())
			}
		}
	case c == '[':
		if depth >= maxSkip {
			r.fail("too deeply nested")
			return
		}
		r.pos++
		if r.peek() == ']' {
			r.pos++
			return
		}
		for r.err == nil {
			r.skip(depth + 1)
			switch r.peek() {
			case ',':
				r.pos++
			case ']':
				r.pos++
				return
			default:
				r.fail("want , or ], got " + r.what())
			}
		}
	case c == 't':
		r.literal("true")
	case c == 'f':
		r.literal("false")
	case c == 'n':
		r.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		r.scanNumber()
	default:
		r.fail("want a value, got " + r.what())
	}
}

// String reads a string, or a number (kept as its literal digits, so large
// ids stay exact), or a boolean ("true"/"false"); null is "". Objects and
// arrays are skipped and recorded.
func (r *Reader) String() string {
	switch c := r.peek(); {
	case c == '"':
		start := r.pos
		inner, flags := r.scanString()
		if r.err != nil {
			return ""
		}
		return r.text(start, inner, flags)
	case c == '-' || c >= '0' && c <= '9':
		start := r.pos
		lit := r.scanNumber()
		if r.str != "" && r.err == nil {
			return r.str[start:r.pos]
		}
		return string(lit)
	case c == 't':
		r.literal("true")
		return "true"
	case c == 'f':
		r.literal("false")
		return "false"
	case c == 'n':
		r.literal("null")
		return ""
	case c == '{' || c == '[':
		r.wrongShape("a string")
		return ""
	}
	r.fail("want a string, got " + r.what())
	return ""
}

// Enum reads a string through in, so documented values are shared and
// others kept as they came; null is "". A number is kept as its literal.
func (r *Reader) Enum(in Interner) string {
	if r.peek() == '"' {
		start := r.pos
		inner, flags := r.scanString()
		if r.err != nil {
			return ""
		}
		if flags == 0 {
			if s, ok := in[string(inner)]; ok { // map index by converted bytes does not allocate
				return s
			}
		}
		return r.text(start, inner, flags)
	}
	return r.String()
}

// Int64 reads an integer, sent as a number or a quoted number; a float
// literal with an integral value is accepted; null and "" are 0.
func (r *Reader) Int64() int64 {
	var lit []byte
	start := r.peek()
	from := r.pos
	switch {
	case start == '"':
		inner, flags := r.scanString()
		if r.err != nil {
			return 0
		}
		if len(inner) == 0 {
			return 0
		}
		if flags != 0 {
			r.drift(from, "want an integer, got string")
			return 0
		}
		lit = inner
	case start == '-' || start >= '0' && start <= '9':
		lit = r.scanNumber()
		if r.err != nil {
			return 0
		}
	case start == 'n':
		r.literal("null")
		return 0
	case start == '{' || start == '[' || start == 't' || start == 'f':
		r.wrongShape("an integer")
		return 0
	default:
		r.fail("want an integer, got " + r.what())
		return 0
	}
	if n, ok := atoi(lit); ok {
		return n
	}
	n, err := strconv.ParseInt(string(lit), 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(string(lit), 64)
		if ferr != nil || f != float64(int64(f)) || f >= 1<<63 || f < -(1<<63) {
			r.drift(from, "want an integer, got "+strconv.Quote(truncate(string(lit), 24)))
			return 0
		}
		n = int64(f)
	}
	return n
}

// atoi parses a short run of decimal digits without allocating.
func atoi(b []byte) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// Bool reads a boolean, also sent as the string "true" or "false" (any
// case); null and "" are false.
func (r *Reader) Bool() bool {
	switch r.peek() {
	case 't':
		r.literal("true")
		return r.err == nil
	case 'f':
		r.literal("false")
		return false
	case 'n':
		r.literal("null")
		return false
	case '"':
		from := r.pos
		inner, _ := r.scanString()
		if r.err != nil {
			return false
		}
		switch {
		case strings.EqualFold(string(inner), "true"):
			return true
		case len(inner) == 0 || strings.EqualFold(string(inner), "false"):
			return false
		}
		r.drift(from, "want a boolean, got string "+strconv.Quote(truncate(string(inner), 24)))
		return false
	case '{', '[', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		r.wrongShape("a boolean")
		return false
	}
	r.fail("want a boolean, got " + r.what())
	return false
}

// Time reads a timestamp in any form ParseTime accepts; null and "" are
// the zero time.
func (r *Reader) Time() time.Time {
	switch r.peek() {
	case 'n':
		r.literal("null")
		return time.Time{}
	case '"':
	case '{', '[', 't', 'f', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		r.wrongShape("a timestamp")
		return time.Time{}
	default:
		r.fail("want a timestamp, got " + r.what())
		return time.Time{}
	}
	from := r.pos
	inner, flags := r.scanString()
	if r.err != nil {
		return time.Time{}
	}
	if flags == 0 {
		if t, ok := parseTimeFast(inner); ok {
			return t
		}
	}
	text := r.text(from, inner, flags)
	t, err := ParseTime(text)
	if err != nil && r.err == nil {
		r.drift(from, "want a timestamp such as 2006-01-02T15:04:05.000Z, got "+strconv.Quote(truncate(text, 40)))
	}
	return t
}

// parseTimeFast parses the two forms RingCentral sends,
// "2006-01-02T15:04:05.999Z" and "2006-01-02T15:04:05.999+0000" (also with
// "+00:00", and without fraction), without allocating for a UTC offset.
// Anything else is left to ParseTime.
func parseTimeFast(b []byte) (time.Time, bool) {
	if len(b) < 20 || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return time.Time{}, false
	}
	year, ok1 := digits(b[0:4])
	month, ok2 := digits(b[5:7])
	day, ok3 := digits(b[8:10])
	hour, ok4 := digits(b[11:13])
	minute, ok5 := digits(b[14:16])
	sec, ok6 := digits(b[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || month < 1 || month > 12 || day < 1 ||
		day > daysIn(month, year) || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	rest := b[19:]
	nsec := 0
	if rest[0] == '.' {
		i := 1
		scale := 100000000
		for ; i < len(rest) && rest[i] >= '0' && rest[i] <= '9'; i++ {
			if i > 9 {
				return time.Time{}, false
			}
			nsec += int(rest[i]-'0') * scale
			scale /= 10
		}
		if i == 1 {
			return time.Time{}, false
		}
		rest = rest[i:]
	}
	offset := 0
	switch {
	case len(rest) == 1 && rest[0] == 'Z':
	case (len(rest) == 5 || len(rest) == 6 && rest[3] == ':') && (rest[0] == '+' || rest[0] == '-'):
		oh, okh := digits(rest[1:3])
		om, okm := digits(rest[len(rest)-2:])
		if !okh || !okm || oh > 23 || om > 59 {
			return time.Time{}, false
		}
		offset = (oh*60 + om) * 60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	if offset != 0 {
		t = t.Add(-time.Duration(offset) * time.Second).In(time.FixedZone("", offset))
	}
	return t, true
}

func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// Peek returns the first byte of the next value without reading it, or 0
// at the end of the input or after an error.
func (r *Reader) Peek() byte {
	if r.err != nil {
		return 0
	}
	return r.peek()
}
