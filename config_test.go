package ringwatch

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func setEnv(t *testing.T, server, id, secret, jwt string) {
	t.Helper()
	t.Setenv(EnvServerURL, server)
	t.Setenv(EnvClientID, id)
	t.Setenv(EnvClientSecret, secret)
	t.Setenv(EnvJWT, jwt)
}

func TestConfigFromEnv(t *testing.T) {
	setEnv(t, "https://platform.devtest.ringcentral.com", "id", " secret\n", "jwt")
	got, err := ConfigFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	want := Config{ServerURL: "https://platform.devtest.ringcentral.com", ClientID: "id", ClientSecret: "secret", JWT: "jwt"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestConfigFromEnvDefaultServer(t *testing.T) {
	setEnv(t, "", "id", "secret", "jwt")
	got, err := ConfigFromEnv()
	if err != nil || got.ServerURL != DefaultServerURL {
		t.Errorf("ServerURL %q, err %v; want %q", got.ServerURL, err, DefaultServerURL)
	}
}

func TestConfigFromEnvMissing(t *testing.T) {
	tests := []struct {
		id, secret, jwt string
		missing         []string
		msg             string
	}{
		{"", "", "", []string{EnvClientID, EnvClientSecret, EnvJWT},
			"ringwatch: missing environment variables RC_APP_CLIENT_ID, RC_APP_CLIENT_SECRET, RC_USER_JWT"},
		{"id", "secret", " ", []string{EnvJWT}, "ringwatch: missing environment variable RC_USER_JWT"},
		{"id", "", "jwt", []string{EnvClientSecret}, "ringwatch: missing environment variable RC_APP_CLIENT_SECRET"},
	}
	for _, tt := range tests {
		setEnv(t, "", tt.id, tt.secret, tt.jwt)
		_, err := ConfigFromEnv()
		var me *MissingError
		if !errors.As(err, &me) {
			t.Fatalf("err = %v, want *MissingError", err)
		}
		if d := cmp.Diff(tt.missing, me.Missing); d != "" {
			t.Errorf("Missing (-want +got):\n%s", d)
		}
		if err.Error() != tt.msg {
			t.Errorf("message %q, want %q", err, tt.msg)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	if err := (Config{ClientID: "a", ClientSecret: "b", JWT: "c"}).Validate(); err != nil {
		t.Errorf("complete config: %v", err)
	}
	err := Config{ClientSecret: "b"}.Validate()
	if err == nil || err.Error() != "ringwatch: Config lacks ClientID, JWT" {
		t.Errorf("err = %v", err)
	}
}

func TestConfigRedacts(t *testing.T) {
	c := Config{ServerURL: "https://x", ClientID: "id-1", ClientSecret: testSecret, JWT: testJWT}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("config", "cfg", c)
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%v %+v %#v %s", c, c, c, c), fmt.Sprint(&c), logged.String()} {
		if strings.Contains(s, testSecret) || strings.Contains(s, testJWT) {
			t.Errorf("secret shown: %s", s)
		}
		if !strings.Contains(s, "id-1") || !strings.Contains(s, "[redacted]") {
			t.Errorf("not described: %s", s)
		}
	}
	want := `ringwatch.Config{ServerURL: "https://x", ClientID: "id-1", ClientSecret: "[redacted]", JWT: "[redacted]"}`
	if got := c.String(); got != want {
		t.Errorf("String = %s", got)
	}
	if got := (Config{}).String(); strings.Contains(got, "redacted") {
		t.Errorf("empty config String = %s", got)
	}
}
