package jsonx

import (
	"encoding/binary"
	"testing"
)

// TestPlain8 checks the eight-byte test of scanString against the
// byte-by-byte rule, for every byte value in every position.
func TestPlain8(t *testing.T) {
	plain := func(c byte) bool { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\' }
	base := []byte("abcdefgh")
	for pos := range 8 {
		for c := range 256 {
			b := append([]byte(nil), base...)
			b[pos] = byte(c)
			// A neighbour that borrows must not hide or fake a flag.
			for _, n := range []byte{'a', 0x00, 0x20, 0x7f} {
				if pos > 0 {
					b[pos-1] = n
				}
				want := true
				for _, x := range b {
					want = want && plain(x)
				}
				if got := plain8(binary.LittleEndian.Uint64(b)); got != want {
					t.Fatalf("plain8(%q) = %v, want %v", b, got, want)
				}
			}
		}
	}
}
