package rcaes_test

import (
	"fmt"

	"github.com/ringwatch/ringwatch/internal/rcaes"
)

func Example() {
	key := "e0bMTqmumPfFUbwzppkSbA==" // deliveryMode.encryptionKey
	msg, _ := rcaes.EncryptString(key, []byte(`{"uuid":"1"}`))
	pt, err := rcaes.DecryptString(key, msg)
	fmt.Println(string(pt), err)
	// Output: {"uuid":"1"} <nil>
}
