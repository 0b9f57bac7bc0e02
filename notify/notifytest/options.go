package notifytest

import (
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// ErrInvalidOption is matched (errors.Is) by the error NewPlatformErr
// returns for an option it cannot honour.
var ErrInvalidOption = errors.New("notifytest: invalid option")

// OptionError says which option was wrong and why.
type OptionError struct {
	Option string // the option's function name, such as "WithOwner"
	Reason string
}

func (e *OptionError) Error() string { return "notifytest: " + e.Option + ": " + e.Reason }

// Is makes errors.Is(err, ErrInvalidOption) true.
func (e *OptionError) Is(target error) bool { return target == ErrInvalidOption }

// Option configures a Platform.
type Option func(*settings)

// Extension is an extension (a user) of the fake account.
type Extension struct {
	// ID is the extension's internal id, such as "230000101".
	ID string
	// Number is the short extension number, such as "101".
	Number string
	// Name is the user's name.
	Name string
	// PhoneNumber is the extension's direct number in E.164 form; it may be
	// empty.
	PhoneNumber string
}

// The defaults a Platform starts with.
const (
	DefaultAccountID    = "230000001"
	DefaultClientID     = "notifytest-client-id"
	DefaultClientSecret = "notifytest-client-secret"
)

// DefaultExtensions returns the extensions of a platform started without
// WithExtensions; the first one owns the JWT.
func DefaultExtensions() []Extension {
	return []Extension{
		{ID: "230000101", Number: "101", Name: "Alice Smith", PhoneNumber: "+16505550101"},
		{ID: "230000102", Number: "102", Name: "Bob Brown", PhoneNumber: "+16505550102"},
		{ID: "230000103", Number: "103", Name: "Charlie Williams", PhoneNumber: "+16505550103"},
	}
}

// JWTFor returns the JWT credential a platform accepts for an extension
// when WithCredentials did not set one: a well-formed, unsigned JWT naming
// the extension.
func JWTFor(extensionID string) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." +
		enc.EncodeToString([]byte(`{"iss":"notifytest","sub":"`+extensionID+`"}`)) + ".notifytest"
}

type settings struct {
	accountID                  string
	extensions                 []Extension
	ownerID                    string
	clientID, clientSecret     string
	jwt                        string
	accessTTL, refreshTTL      time.Duration
	now                        func() time.Time
	handshakeTimeout           time.Duration
	subLimit                   int
	maxRequests                int
	logger                     *slog.Logger
	enforceRateLimits          bool
	rateWindow                 time.Duration
	errs                       []error
	credentialsSet, ownerGiven bool
}

func defaultSettings() settings {
	return settings{
		accountID:        DefaultAccountID,
		extensions:       DefaultExtensions(),
		clientID:         DefaultClientID,
		clientSecret:     DefaultClientSecret,
		accessTTL:        time.Hour,
		refreshTTL:       7 * 24 * time.Hour,
		now:              time.Now,
		handshakeTimeout: 3000 * time.Millisecond,
		subLimit:         30,
		maxRequests:      10000,
	}
}

func (s *settings) fail(option, format string, a ...any) {
	s.errs = append(s.errs, &OptionError{Option: option, Reason: fmt.Sprintf(format, a...)})
}

// validate checks the settings as a whole, once every option has applied.
func (s *settings) validate() error {
	if s.accountID == "" {
		s.fail("WithAccount", "empty account id")
	}
	if len(s.extensions) == 0 {
		s.fail("WithExtensions", "no extension")
	}
	ids, numbers := map[string]bool{}, map[string]bool{}
	for _, e := range s.extensions {
		switch {
		case e.ID == "" || e.ID == "~":
			s.fail("WithExtensions", "extension id %q is not usable", e.ID)
		case ids[e.ID]:
			s.fail("WithExtensions", "extension id %s given twice", e.ID)
		case e.Number != "" && numbers[e.Number]:
			s.fail("WithExtensions", "extension number %s given twice", e.Number)
		}
		ids[e.ID] = true
		if e.Number != "" {
			numbers[e.Number] = true
		}
	}
	if s.ownerID == "" && len(s.extensions) > 0 {
		s.ownerID = s.extensions[0].ID
	}
	if s.ownerGiven && !ids[s.ownerID] {
		s.fail("WithOwner", "extension %s is not one of the account's extensions", s.ownerID)
	}
	if !s.credentialsSet {
		s.jwt = JWTFor(s.ownerID)
	}
	return errors.Join(s.errs...)
}

// WithAccount sets the account id (default DefaultAccountID).
func WithAccount(accountID string) Option {
	return Option(func(s *settings) { s.accountID = accountID })
}

// WithExtensions replaces the account's extensions (default
// DefaultExtensions). Ids must be unique and non-empty.
func WithExtensions(exts ...Extension) Option {
	return Option(func(s *settings) { s.extensions = append([]Extension(nil), exts...) })
}

// WithOwner names the extension that the JWT of Config logs in as (default:
// the first extension).
func WithOwner(extensionID string) Option {
	return Option(func(s *settings) { s.ownerID, s.ownerGiven = extensionID, true })
}

// WithCredentials sets the client id, client secret and owner JWT that
// Config returns and the token endpoint accepts. Empty values are an error.
func WithCredentials(clientID, clientSecret, jwt string) Option {
	return Option(func(s *settings) {
		if clientID == "" || clientSecret == "" || jwt == "" {
			s.fail("WithCredentials", "client id, client secret and JWT must all be set")
			return
		}
		s.clientID, s.clientSecret, s.jwt, s.credentialsSet = clientID, clientSecret, jwt, true
	})
}

// WithTokenLifetimes sets the lifetimes of the access and refresh tokens the
// token endpoint issues (default 1 h and 7 days). They are reported in whole
// seconds, so each must be at least one second.
func WithTokenLifetimes(access, refresh time.Duration) Option {
	return Option(func(s *settings) {
		if access < time.Second || refresh < time.Second {
			s.fail("WithTokenLifetimes", "lifetimes must be at least 1s, not %v and %v", access, refresh)
			return
		}
		s.accessTTL, s.refreshTTL = access, refresh
	})
}

// WithClock makes the platform read the time from now instead of
// time.Now: token and subscription expiry, timestamps and rate-limit windows
// follow it. now must be safe for concurrent use.
func WithClock(now func() time.Time) Option {
	return Option(func(s *settings) {
		if now == nil {
			s.fail("WithClock", "nil clock")
			return
		}
		s.now = now
	})
}

// WithHandshakeTimeout sets how long the webhook validation request and each
// webhook delivery may take (RingCentral: 3000 ms). Tests use a short one.
func WithHandshakeTimeout(d time.Duration) Option {
	return Option(func(s *settings) {
		if d <= 0 {
			s.fail("WithHandshakeTimeout", "timeout must be positive, not %v", d)
			return
		}
		s.handshakeTimeout = d
	})
}

// WithSubscriptionLimit sets how many live subscriptions one extension may
// have (RingCentral: 30); one more is refused with 403 SUB-505.
func WithSubscriptionLimit(n int) Option {
	return Option(func(s *settings) {
		if n < 1 {
			s.fail("WithSubscriptionLimit", "limit must be at least 1, not %d", n)
			return
		}
		s.subLimit = n
	})
}

// WithRequestLimit bounds how many requests Requests keeps (default 10000);
// older ones are dropped first.
func WithRequestLimit(n int) Option {
	return Option(func(s *settings) {
		if n < 1 {
			s.fail("WithRequestLimit", "limit must be at least 1, not %d", n)
			return
		}
		s.maxRequests = n
	})
}

// WithLogger makes the platform log what it does (requests, handshakes,
// deliveries) to l at debug level. It never logs secrets. Without it the
// platform is silent.
func WithLogger(l *slog.Logger) Option {
	return Option(func(s *settings) { s.logger = l })
}

// EnforceRateLimits makes the platform answer 429 (CMN-301, with
// Retry-After) once an extension exceeds RingCentral's default limit of a
// group within its 60 s window: Light 50, Medium 40, Heavy 10, Auth 5
// requests. By default the X-Rate-Limit-* headers count down but nothing is
// refused.
func EnforceRateLimits() Option {
	return Option(func(s *settings) { s.enforceRateLimits = true })
}

// WithRateLimitWindow sets the window of every rate-limit group, instead
// of RingCentral's default 60 s (an account's limits can be customised).
// The X-Rate-Limit-Window header reports it in whole seconds, so d is
// rounded up to a whole second; d ≤ 0 keeps the default. With it, a test
// of a client that waits for its budget takes seconds, not minutes.
func WithRateLimitWindow(d time.Duration) Option {
	return Option(func(s *settings) {
		if d > 0 {
			s.rateWindow = (d + time.Second - 1) / time.Second * time.Second
		}
	})
}
