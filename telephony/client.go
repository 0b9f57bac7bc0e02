package telephony

import (
	"context"
	"net/http"

	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/internal/rest"
)

// Errors of Client. They are the same values as subscription.ErrNotFound
// and subscription.ErrInvalidArgument, and the server's errors are
// *ringwatch.APIError values, so one errors.Is or errors.As works for
// every ringwatch REST client.
var (
	// ErrSessionNotFound matches an answer saying that the session or party
	// does not exist (any more): HTTP 404 or CMN-102. Calls that ended are
	// gone from this API.
	ErrSessionNotFound = ringwatch.ErrNotFound
	// ErrInvalidArgument matches an error about a call's arguments found
	// before anything was sent, such as an empty session id.
	ErrInvalidArgument = rest.ErrInvalidArgument
)

// Client reads call sessions from RingCentral's Call Control API, to
// resynchronise a Tracker after a gap in the notifications. It is safe for
// concurrent use, and retries like subscription.Client (429 after
// Retry-After; 502, 503, 504 with backoff).
type Client struct {
	rc *rest.Client
}

// NewClient returns a client that sends through rc: its server, its
// authorised HTTP client and its rate-limit budget, shared with every
// other client made from rc. It logs to rc.Logger() unless an option says
// otherwise. A nil rc fails every call with a *ringwatch.MissingError.
func NewClient(rc *ringwatch.Client, opts ...ClientOption) *Client {
	if rc == nil {
		rc = ringwatch.NewClient(ringwatch.Config{})
	}
	ro := append([]rest.Option{rest.WithLogger(rc.Logger())}, restOptions(opts)...)
	return &Client{rc: rest.New(rc.ServerURL(), rc.HTTPClient(), ro...)}
}

// Session reads a call session (GET
// /restapi/v1.0/account/{accountId}/telephony/sessions/{telephonySessionId}).
// An empty accountID means "~", the current account. The REST form is
// normalised to the notification form: each party's owner fills its
// AccountID and ExtensionID, and the session id is TelephonySessionID. The
// REST answer has no sequence and no SessionID.
func (c *Client) Session(ctx context.Context, accountID, telephonySessionID string) (*Session, error) {
	if err := rest.CheckID("telephony: Session", "telephony session id", telephonySessionID); err != nil {
		return nil, err
	}
	var s Session
	if err := c.rc.Do(ctx, http.MethodGet, sessionPath(accountID, telephonySessionID), nil, nil, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// Party reads one party of a call session (GET
// …/telephony/sessions/{telephonySessionId}/parties/{partyId}). An empty
// accountID means "~".
func (c *Client) Party(ctx context.Context, accountID, telephonySessionID, partyID string) (*Party, error) {
	if err := rest.CheckID("telephony: Party", "telephony session id", telephonySessionID); err != nil {
		return nil, err
	}
	if err := rest.CheckID("telephony: Party", "party id", partyID); err != nil {
		return nil, err
	}
	var p Party
	path := sessionPath(accountID, telephonySessionID) + "/parties/" + rest.Segment(partyID)
	if err := c.rc.Do(ctx, http.MethodGet, path, nil, nil, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

func sessionPath(accountID, sessionID string) string {
	if accountID == "" {
		accountID = "~"
	}
	return "/restapi/v1.0/account/" + rest.Segment(accountID) + "/telephony/sessions/" + rest.Segment(sessionID)
}
