package telephony

import (
	"context"
	"slices"
)

// Control is a Client whose operations first check the party's state as
// a Tracker knows it: an operation RingCentral does not allow in that
// state fails with a *StateError, and nothing is sent. It checks
//
//   - Transfer: the party is Answered or on Hold;
//   - Forward, Reject and Ignore: the party is Setup or Proceeding;
//   - Pickup: the party is Parked;
//   - BringIn: the conference session is a Conference.
//
// A call or party the tracker does not know is not checked (the server
// decides), and the tracker may lag the platform by a notification, so a
// request that passes may still be refused by the server (409 or 400).
// Every other method is the Client's. Make one with Client.WithTracker.
type Control struct {
	*Client
	tracker *Tracker
}

// WithTracker returns a Control that checks each operation against the
// state t tracks. A nil t checks nothing.
func (c *Client) WithTracker(t *Tracker) *Control { return &Control{Client: c, tracker: t} }

// checkParty returns a *StateError when the tracked state of the party
// is not one of allowed.
func (c *Control) checkParty(op, sid, pid string, allowed ...StatusCode) error {
	if c.tracker == nil || sid == "" || pid == "" {
		return nil
	}
	call, ok := c.tracker.Call(sid)
	if !ok {
		return nil
	}
	for _, p := range call.Parties {
		if p.ID != pid {
			continue
		}
		if p.Status.Code == "" || slices.Contains(allowed, p.Status.Code) {
			return nil
		}
		return &StateError{Op: op, TelephonySessionID: sid, PartyID: pid, State: p.Status.Code, Allowed: allowed}
	}
	return nil
}

// Transfer is Client.Transfer, refused with a *StateError unless the
// party is Answered or on Hold.
func (c *Control) Transfer(ctx context.Context, telephonySessionID, partyID string, to Target) (*Party, error) {
	if err := c.checkParty("Transfer", telephonySessionID, partyID, Answered, Hold); err != nil {
		return nil, err
	}
	return c.Client.Transfer(ctx, telephonySessionID, partyID, to)
}

// Forward is Client.Forward, refused with a *StateError unless the party
// is Setup or Proceeding.
func (c *Control) Forward(ctx context.Context, telephonySessionID, partyID string, to Target) (*Party, error) {
	if err := c.checkParty("Forward", telephonySessionID, partyID, Setup, Proceeding); err != nil {
		return nil, err
	}
	return c.Client.Forward(ctx, telephonySessionID, partyID, to)
}

// Reject is Client.Reject, refused with a *StateError unless the party is
// Setup or Proceeding.
func (c *Control) Reject(ctx context.Context, telephonySessionID, partyID string) error {
	if err := c.checkParty("Reject", telephonySessionID, partyID, Setup, Proceeding); err != nil {
		return err
	}
	return c.Client.Reject(ctx, telephonySessionID, partyID)
}

// Ignore is Client.Ignore, refused with a *StateError unless the party is
// Setup or Proceeding.
func (c *Control) Ignore(ctx context.Context, telephonySessionID, partyID, deviceID string) error {
	if err := c.checkParty("Ignore", telephonySessionID, partyID, Setup, Proceeding); err != nil {
		return err
	}
	return c.Client.Ignore(ctx, telephonySessionID, partyID, deviceID)
}

// Pickup is Client.Pickup, refused with a *StateError unless the party is
// Parked.
func (c *Control) Pickup(ctx context.Context, telephonySessionID, partyID, deviceID string) (*Party, error) {
	if err := c.checkParty("Pickup", telephonySessionID, partyID, Parked); err != nil {
		return nil, err
	}
	return c.Client.Pickup(ctx, telephonySessionID, partyID, deviceID)
}

// BringIn is Client.BringIn, refused with a *StateError when the tracker
// knows conferenceSessionID as a session that is not a Conference.
func (c *Control) BringIn(ctx context.Context, conferenceSessionID, telephonySessionID, partyID string) (*Party, error) {
	if c.tracker != nil && conferenceSessionID != "" {
		if call, ok := c.tracker.Call(conferenceSessionID); ok && call.Origin.Type != "" && call.Origin.Type != OriginConference {
			return nil, &StateError{Op: "BringIn", TelephonySessionID: conferenceSessionID, Origin: call.Origin.Type}
		}
	}
	return c.Client.BringIn(ctx, conferenceSessionID, telephonySessionID, partyID)
}
