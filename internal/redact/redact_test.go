package redact

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

// fakeJWT builds a JWT-shaped string of n bytes.
func fakeJWT(n int) string {
	head := "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9"
	body := strings.Repeat("eyJzdWIiOiIxMjM0NTY3ODkwIn0", n/27+1)
	s := head + "." + body
	sig := ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
	return s[:n-len(sig)] + sig
}

func TestString(t *testing.T) {
	jwt := fakeJWT(600)
	rc := "U0pDMDFQMDdQQVMwMHxBQUJfNFRZdGR6bmZ2eWZ2Z3ZkY3Z6"
	for _, tc := range []struct {
		name, in string
		secrets  []string
		gone     []string // must not survive
		kept     []string // must survive
	}{
		{"known", "token abcdef was refused", []string{"abcdef"}, []string{"abcdef"}, []string{"token", "was refused"}},
		{"known url-encoded", "sent a+b/c=d%", []string{"a+b/c=d%"}, []string{"a+b/c=d%"}, []string{"sent"}},
		{"known json-escaped", `"v":"ab\/cd\/ef"`, []string{"ab/cd/ef"}, []string{`ab\/cd\/ef`}, []string{`"v"`}},
		{"short secret ignored", "a b c", []string{"b"}, nil, []string{"a b c"}},
		{"bearer", "header Authorization: Bearer tok-123.abc was invalid", nil, []string{"tok-123.abc"}, []string{"Bearer", "was invalid"}},
		{"bearer prose", "Bearer authentication required", nil, nil, []string{"Bearer authentication required"}},
		{"basic", "Basic Y2xpZW50OnNlY3JldA== refused", nil, []string{"Y2xpZW50OnNlY3JldA=="}, []string{"refused"}},
		{"jwt", "assertion " + jwt + " is expired", nil, []string{jwt[:40], jwt[len(jwt)-20:]}, []string{"is expired"}},
		{"cut jwt", "assertion " + jwt[:300], nil, []string{jwt[:40], jwt[280:300]}, []string{"assertion"}},
		{"rc token", "token " + rc + " expired", nil, []string{rc}, []string{"expired"}},
		{"query", "GET /ws?access_token=abc&wsc=1 failed", nil, []string{"abc&"}, []string{"access_token=", "wsc=1"}},
		{"json field", `{"refresh_token": "r1"}`, nil, []string{`"r1"`}, []string{"refresh_token"}},
		{"token prose", "token: expired", nil, nil, []string{"token: expired"}},
		{"ids", "Subscription [5b2b3b43-3c2a-4f0e-9d8f-0a1b2c3d4e5f] not found, extension 12345678901234567890123456789012", nil, nil,
			[]string{"5b2b3b43-3c2a-4f0e-9d8f-0a1b2c3d4e5f", "12345678901234567890123456789012"}},
		{"host", "cannot reach platform.ringcentral.com/restapi/v1.0/subscription", nil, nil, []string{"platform.ringcentral.com/restapi/v1.0/subscription"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := String(tc.in, tc.secrets...)
			for _, g := range tc.gone {
				if strings.Contains(got, g) {
					t.Errorf("String(%q) = %q: %q survived", tc.in, got, g)
				}
			}
			for _, k := range tc.kept {
				if !strings.Contains(got, k) {
					t.Errorf("String(%q) = %q: %q lost", tc.in, got, k)
				}
			}
		})
	}
}

// TestClipScrubsFirst: a 600-byte JWT that straddles the bound leaves no
// piece of itself.
func TestClipScrubsFirst(t *testing.T) {
	jwt := fakeJWT(600)
	s := strings.Repeat("x", 100) + " " + jwt
	got := Clip(s, 512, jwt)
	if strings.Contains(got, jwt[:20]) || strings.Contains(got, jwt[300:320]) || !strings.Contains(got, Mark) {
		t.Fatalf("Clip = %q", got)
	}
	// Without known secrets, the pattern alone does it too.
	if got := Clip(s, 512); strings.Contains(got, jwt[:20]) {
		t.Fatalf("Clip without secrets = %q", got)
	}
	if got := Clip(strings.Repeat("é", 10), 5); got != "éé…" {
		t.Fatalf("Clip on a rune boundary = %q", got)
	}
}

func TestError(t *testing.T) {
	base := errors.New("refused Bearer abc.def-123")
	err := Error(base)
	if strings.Contains(err.Error(), "abc.def-123") || !errors.Is(err, base) {
		t.Fatalf("Error = %v", err)
	}
	clean := errors.New("fine")
	if Error(clean) != clean || Error(nil) != nil {
		t.Fatal("Error changed a clean or nil error")
	}
}

type holder []string

func (h holder) Secrets() []string                               { return h }
func (h holder) RoundTrip(*http.Request) (*http.Response, error) { return nil, errors.New("no") }

func TestOf(t *testing.T) {
	req, _ := http.NewRequest(http.MethodGet, "http://x", nil)
	req.Header.Set("Authorization", "Bearer sent-token")
	got := Of(&http.Client{Transport: holder{"held"}}, &http.Response{Request: req})
	if strings.Join(got, ",") != "held,sent-token" {
		t.Fatalf("Of = %v", got)
	}
	if Of(nil, nil) != nil {
		t.Fatal("Of(nil, nil) not nil")
	}
}

func FuzzString(f *testing.F) {
	f.Add("Bearer abc.def", "abc")
	f.Fuzz(func(t *testing.T, s, secret string) {
		got := String(s, secret)
		if len(secret) >= minSecret && strings.Contains(got, secret) && !strings.Contains(Mark, secret) {
			t.Fatalf("String(%q, %q) = %q", s, secret, got)
		}
	})
}
