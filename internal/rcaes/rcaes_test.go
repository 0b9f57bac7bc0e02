package rcaes_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ringwatch/ringwatch/internal/rcaes"
	"github.com/ringwatch/ringwatch/internal/testkit/fixture"
)

type vector struct {
	Key          string `json:"encryptionKey"`
	Ciphertext   string `json:"ciphertext"`
	PlaintextRaw string `json:"plaintextRaw"`
}

func loadVector(t testing.TB) vector {
	t.Helper()
	var v vector
	if err := json.Unmarshal(fixture.Read(t, "rcjs-subscriptions-deprecated-encrypted-presence-1.json"), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestDecryptVector(t *testing.T) {
	v := loadVector(t)
	got, err := rcaes.DecryptString(v.Key, v.Ciphertext)
	if err != nil {
		t.Fatalf("DecryptString: %v", err)
	}
	if diff := cmp.Diff(v.PlaintextRaw, string(got)); diff != "" {
		t.Errorf("plaintext (-want +got):\n%s", diff)
	}
	if len(got) != 219 {
		t.Errorf("len = %d, want 219", len(got))
	}
}

func TestEncryptVector(t *testing.T) {
	v := loadVector(t)
	got, err := rcaes.EncryptString(v.Key, []byte(v.PlaintextRaw))
	if err != nil {
		t.Fatal(err)
	}
	if got != v.Ciphertext {
		t.Errorf("EncryptString =\n%s\nwant\n%s", got, v.Ciphertext)
	}
}

func TestRoundTrip(t *testing.T) {
	key := rcaes.NewKey()
	for n := range 50 {
		pt := bytes.Repeat([]byte{'x'}, n)
		ct, err := rcaes.EncryptString(key, pt)
		if err != nil {
			t.Fatal(err)
		}
		got, err := rcaes.DecryptString(key, ct)
		if err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		if !bytes.Equal(got, pt) {
			t.Fatalf("n=%d: got %q", n, got)
		}
	}
}

func TestDecryptErrors(t *testing.T) {
	v := loadVector(t)
	key, _ := rcaes.ParseKey(v.Key)
	ct, _ := base64.StdEncoding.DecodeString(v.Ciphertext)
	enc := func(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

	// Single blocks with chosen last bytes.
	badPad, _ := rcaes.Encrypt(key, []byte("0123456789abc\x01\x01"))
	badPad = badPad[:16]
	mixed, _ := rcaes.Encrypt(key, []byte("0123456789ab\x01\x02\x03\x04"))
	mixed = mixed[:16]
	zero, _ := rcaes.Encrypt(key, []byte("0123456789abcde\x00"))
	zero = zero[:16]
	big, _ := rcaes.Encrypt(key, []byte("0123456789abcde\x11"))
	big = big[:16]

	tests := []struct {
		name, key, msg string
		want           error
	}{
		{"key not base64", "!!!", v.Ciphertext, rcaes.ErrKey},
		{"key too short", enc([]byte("short")), v.Ciphertext, rcaes.ErrKey},
		{"empty key", "", v.Ciphertext, rcaes.ErrKey},
		{"msg not base64", v.Key, "not base64!", rcaes.ErrCiphertext},
		{"empty msg", v.Key, "", rcaes.ErrCiphertext},
		{"partial block", v.Key, enc(ct[:len(ct)-1]), rcaes.ErrCiphertext},
		{"wrong key", enc(bytes.Repeat([]byte{1}, 16)), v.Ciphertext, rcaes.ErrPadding},
		{"pad bytes differ", v.Key, enc(mixed), rcaes.ErrPadding},
		{"valid one-byte pad", v.Key, enc(badPad), nil},
		{"pad byte zero", v.Key, enc(zero), rcaes.ErrPadding},
		{"pad byte 17", v.Key, enc(big), rcaes.ErrPadding},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := rcaes.DecryptString(tt.key, tt.msg)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if err != nil && bytes.Contains([]byte(err.Error()), []byte(v.Key)) {
				t.Errorf("error text holds the key: %v", err)
			}
		})
	}
}

func FuzzDecrypt(f *testing.F) {
	v := loadVector(f)
	ct, _ := base64.StdEncoding.DecodeString(v.Ciphertext)
	f.Add(v.Key, v.Ciphertext)
	f.Add(v.Key, "")
	f.Add(v.Key, base64.StdEncoding.EncodeToString(ct[:16]))
	f.Add(v.Key, base64.StdEncoding.EncodeToString(ct[:len(ct)-16]))
	f.Add(v.Key, base64.StdEncoding.EncodeToString(ct[16:]))
	flipped := bytes.Clone(ct)
	flipped[len(flipped)-1] ^= 0xff
	f.Add(v.Key, base64.StdEncoding.EncodeToString(flipped))
	f.Add("", v.Ciphertext)
	f.Add("AAAAAAAAAAAAAAAAAAAAAA==", v.Ciphertext)
	f.Add(v.Key, v.Ciphertext[:len(v.Ciphertext)-4])
	f.Fuzz(func(t *testing.T, key, msg string) {
		pt, err := rcaes.DecryptString(key, msg)
		if err != nil {
			if pt != nil {
				t.Fatalf("plaintext %q with error %v", pt, err)
			}
			if !errors.Is(err, rcaes.ErrKey) && !errors.Is(err, rcaes.ErrCiphertext) && !errors.Is(err, rcaes.ErrPadding) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		// Whatever decrypted must encrypt back to the same message.
		again, err := rcaes.EncryptString(key, pt)
		if err != nil {
			t.Fatalf("EncryptString: %v", err)
		}
		raw, _ := base64.StdEncoding.DecodeString(msg)
		if again != base64.StdEncoding.EncodeToString(raw) {
			t.Fatalf("round trip differs")
		}
	})
}

// BenchmarkDecryptString decrypts the 224-byte vector; the baseline is
// base64 decoding alone, which every PubNub message needs anyway.
func BenchmarkDecryptString(b *testing.B) {
	v := loadVector(b)
	b.Run("base64-only", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := base64.StdEncoding.DecodeString(v.Ciphertext); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decrypt", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := rcaes.DecryptString(v.Key, v.Ciphertext); err != nil {
				b.Fatal(err)
			}
		}
	})
}
