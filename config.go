package ringwatch

import (
	"fmt"
	"log/slog"
	"os"
	"strings"
)

// DefaultServerURL is RingCentral's production API server, used when
// Config.ServerURL or RC_SERVER_URL is empty.
const DefaultServerURL = "https://platform.ringcentral.com"

// The environment variables ConfigFromEnv reads.
const (
	EnvServerURL    = "RC_SERVER_URL"
	EnvClientID     = "RC_APP_CLIENT_ID"
	EnvClientSecret = "RC_APP_CLIENT_SECRET"
	EnvJWT          = "RC_USER_JWT"
)

// Config holds what ringwatch needs to log in to RingCentral: the server,
// the app's client credentials and the user's JWT credential.
//
// Its String, GoString and LogValue methods redact the secret and the JWT,
// so a Config can be printed or logged.
type Config struct {
	// ServerURL is the API base URL, such as https://platform.ringcentral.com
	// (the default when empty).
	ServerURL string
	// ClientID and ClientSecret identify the app (Basic client
	// authentication at the token endpoint).
	ClientID, ClientSecret string
	// JWT is the user's JWT credential from the Developer Console; it is
	// exchanged for an access token with the JWT bearer grant.
	JWT string
}

// ConfigFromEnv reads the configuration from the environment: RC_SERVER_URL
// (default https://platform.ringcentral.com), RC_APP_CLIENT_ID,
// RC_APP_CLIENT_SECRET and RC_USER_JWT. When any of the last three is unset
// or empty it returns a *MissingError naming them all.
func ConfigFromEnv() (Config, error) {
	c := Config{
		ServerURL:    strings.TrimSpace(os.Getenv(EnvServerURL)),
		ClientID:     strings.TrimSpace(os.Getenv(EnvClientID)),
		ClientSecret: strings.TrimSpace(os.Getenv(EnvClientSecret)),
		JWT:          strings.TrimSpace(os.Getenv(EnvJWT)),
	}
	if c.ServerURL == "" {
		c.ServerURL = DefaultServerURL
	}
	if m := c.missing(EnvClientID, EnvClientSecret, EnvJWT); len(m) > 0 {
		return c, &MissingError{Missing: m, env: true}
	}
	return c, nil
}

// Validate reports whether the Config has everything a login needs: a
// *MissingError naming the empty fields, or nil. An empty ServerURL is
// allowed (it means DefaultServerURL).
func (c Config) Validate() error {
	if m := c.missing("ClientID", "ClientSecret", "JWT"); len(m) > 0 {
		return &MissingError{Missing: m}
	}
	return nil
}

func (c Config) missing(id, secret, jwt string) []string {
	var m []string
	if c.ClientID == "" {
		m = append(m, id)
	}
	if c.ClientSecret == "" {
		m = append(m, secret)
	}
	if c.JWT == "" {
		m = append(m, jwt)
	}
	return m
}

func (c Config) server() string {
	if c.ServerURL == "" {
		return DefaultServerURL
	}
	return strings.TrimRight(c.ServerURL, "/")
}

// MissingError says which settings a Config lacks.
type MissingError struct {
	// Missing names the absent settings: environment variables for
	// ConfigFromEnv, Config fields otherwise.
	Missing []string
	env     bool
}

func (e *MissingError) Error() string {
	if e.env {
		s := "variable "
		if len(e.Missing) > 1 {
			s = "variables "
		}
		return "ringwatch: missing environment " + s + strings.Join(e.Missing, ", ")
	}
	return "ringwatch: Config lacks " + strings.Join(e.Missing, ", ")
}

const redacted = "[redacted]"

func redact(s string) string {
	if s == "" {
		return ""
	}
	return redacted
}

// String describes the Config with the client secret and the JWT redacted.
func (c Config) String() string {
	return fmt.Sprintf("ringwatch.Config{ServerURL: %q, ClientID: %q, ClientSecret: %q, JWT: %q}",
		c.ServerURL, c.ClientID, redact(c.ClientSecret), redact(c.JWT))
}

// GoString is String, so that %#v redacts too.
func (c Config) GoString() string { return c.String() }

// LogValue logs the Config with the client secret and the JWT redacted.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("server_url", c.ServerURL),
		slog.String("client_id", c.ClientID),
		slog.String("client_secret", redact(c.ClientSecret)),
		slog.String("jwt", redact(c.JWT)),
	)
}
