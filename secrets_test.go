package ringwatch

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// longJWT is a JWT-shaped credential of n bytes.
func longJWT(n int) string {
	s := "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9." + strings.Repeat("eyJzdWIiOiIxMjM0NTY3ODkwIn0", n/27+1)
	sig := ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
	return s[:n-len(sig)] + sig
}

// assertNoPiece fails when any 12-byte piece of secret is in s: a secret
// cut in two must not leave its halves.
func assertNoPiece(t *testing.T, what, s, secret string) {
	t.Helper()
	for i := 0; i+12 <= len(secret); i += 6 {
		if strings.Contains(s, secret[i:i+12]) {
			t.Fatalf("%s shows %q, a piece (at %d) of the secret: %q", what, secret[i:i+12], i, s)
		}
	}
}

// TestAuthErrorJWTStraddlingClip: a 600-byte JWT echoed in an OAuth
// error_description, across the 512-byte bound of the description, is
// removed whole, whether it is the configured JWT or another one.
func TestAuthErrorJWTStraddlingClip(t *testing.T) {
	for _, tc := range []struct {
		name string
		echo func(g grant) string
	}{
		{"configured JWT", func(g grant) string { return g.Assertion }},
		{"other JWT", func(grant) string { return longJWT(601)[1:] }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTokenServer(t)
			jwt := longJWT(600)
			ts.refuse = func(g grant) (int, string) {
				b, _ := json.Marshal(map[string]string{"error": "invalid_grant",
					"error_description": strings.Repeat("x", 300) + " assertion " + tc.echo(g) + " is not valid"})
				return http.StatusBadRequest, string(b)
			}
			cfg := ts.config()
			cfg.JWT = jwt
			_, err := cfg.TokenSource(context.Background()).Token()
			var ae *AuthError
			if !errors.As(err, &ae) || ae.StatusCode != http.StatusBadRequest || ae.ErrorCode != "invalid_grant" {
				t.Fatalf("err = %v", err)
			}
			assertNoPiece(t, "err.Error()", err.Error(), jwt)
			assertNoPiece(t, "Description", ae.Description, jwt)
			if !strings.HasPrefix(ae.Description, strings.Repeat("x", 300)+" assertion [redacted]") {
				t.Errorf("Description = %q", ae.Description)
			}
		})
	}
}
