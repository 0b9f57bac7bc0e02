package pubnub

import (
	"errors"
	"fmt"

	"github.com/ringwatch/ringwatch/internal/rcaes"
)

// ErrDecrypt matches every error of Decrypt: a key or message that is not
// base64, a message that is not whole AES blocks, or wrong padding (which
// usually means a wrong key). The error text never holds the key.
var ErrDecrypt = errors.New("pubnub: cannot decrypt message")

// Decrypt decrypts one RingCentral PubNub message: message is the base64
// string PubNub delivers and encryptionKey is deliveryMode.encryptionKey
// (base64). It returns the notification envelope, JSON. Use it when you run
// your own PubNub client.
func Decrypt(encryptionKey, message string) ([]byte, error) {
	b, err := rcaes.DecryptString(encryptionKey, message)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDecrypt, err)
	}
	return b, nil
}
