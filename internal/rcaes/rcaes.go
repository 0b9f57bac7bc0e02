// Package rcaes implements RingCentral's PubNub payload encryption:
// AES-128 in ECB mode with PKCS#7 padding, key and ciphertext in base64.
//
// The standard library has no ECB mode (it is unsafe for general use, and
// RingCentral chose it anyway), so the package runs cipher.Block over
// 16-byte blocks itself. Decryption checks the padding strictly and returns
// an error, never panics, on any input.
package rcaes

import (
	"crypto/aes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
)

// Sentinel errors. Their text never holds the key or the data.
var (
	// ErrKey: the key is not valid base64 of 16, 24 or 32 bytes.
	ErrKey = errors.New("rcaes: invalid key")
	// ErrCiphertext: the ciphertext is not base64, is empty or is not a
	// whole number of blocks.
	ErrCiphertext = errors.New("rcaes: invalid ciphertext")
	// ErrPadding: the PKCS#7 padding is wrong (usually a wrong key).
	ErrPadding = errors.New("rcaes: invalid padding")
)

// ParseKey decodes a base64 key (RingCentral's deliveryMode.encryptionKey).
func ParseKey(b64 string) ([]byte, error) {
	k, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, ErrKey
	}
	switch len(k) {
	case 16, 24, 32:
		return k, nil
	}
	return nil, ErrKey
}

// Decrypt decrypts ciphertext with key and removes the padding. It does not
// modify ciphertext.
func Decrypt(key, ciphertext []byte) ([]byte, error) {
	return decrypt(key, ciphertext, nil)
}

// DecryptInPlace is Decrypt reusing ciphertext's memory for the result.
func DecryptInPlace(key, ciphertext []byte) ([]byte, error) {
	return decrypt(key, ciphertext, ciphertext)
}

func decrypt(key, ciphertext, pt []byte) ([]byte, error) {
	blk, err := aes.NewCipher(key)
	if err != nil {
		return nil, ErrKey
	}
	n := len(ciphertext)
	if n == 0 || n%aes.BlockSize != 0 {
		return nil, fmt.Errorf("%w: length %d is not a positive multiple of %d", ErrCiphertext, n, aes.BlockSize)
	}
	if pt == nil {
		pt = make([]byte, n)
	}
	for i := 0; i < n; i += aes.BlockSize {
		blk.Decrypt(pt[i:i+aes.BlockSize], ciphertext[i:i+aes.BlockSize])
	}
	p := int(pt[n-1])
	if p < 1 || p > aes.BlockSize {
		return nil, ErrPadding
	}
	// Check every pad byte; a constant-time check is not needed, as there is
	// no oracle to protect (the key never leaves the client).
	for _, b := range pt[n-p:] {
		if int(b) != p {
			return nil, ErrPadding
		}
	}
	return pt[:n-p], nil
}

// DecryptString decrypts a base64 message with a base64 key, as RingCentral
// sends them over PubNub.
func DecryptString(keyB64, msgB64 string) ([]byte, error) {
	key, err := ParseKey(keyB64)
	if err != nil {
		return nil, err
	}
	ct, err := base64.StdEncoding.DecodeString(msgB64)
	if err != nil {
		return nil, fmt.Errorf("%w: not base64", ErrCiphertext)
	}
	return DecryptInPlace(key, ct)
}

// Encrypt pads plaintext and encrypts it with key: what RingCentral does
// before publishing, for fakes and tests.
func Encrypt(key, plaintext []byte) ([]byte, error) {
	blk, err := aes.NewCipher(key)
	if err != nil {
		return nil, ErrKey
	}
	p := aes.BlockSize - len(plaintext)%aes.BlockSize
	n := len(plaintext) + p
	buf := make([]byte, n)
	copy(buf, plaintext)
	for i := len(plaintext); i < n; i++ {
		buf[i] = byte(p)
	}
	for i := 0; i < n; i += aes.BlockSize {
		blk.Encrypt(buf[i:i+aes.BlockSize], buf[i:i+aes.BlockSize])
	}
	return buf, nil
}

// EncryptString encrypts plaintext with a base64 key and returns base64.
func EncryptString(keyB64 string, plaintext []byte) (string, error) {
	key, err := ParseKey(keyB64)
	if err != nil {
		return "", err
	}
	ct, err := Encrypt(key, plaintext)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(ct), nil
}

// NewKey returns a random base64 AES-128 key, for fakes.
func NewKey() string {
	k := make([]byte, 16)
	_, _ = rand.Read(k) // never fails since Go 1.24
	return base64.StdEncoding.EncodeToString(k)
}
