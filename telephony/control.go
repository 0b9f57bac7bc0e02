package telephony

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/ringwatch/ringwatch/internal/rest"
)

// The Call Control operations. Each acts on the current account ("~")
// and is sent in the rate-limit group RingCentral documents (call-out and
// conference Heavy, every other one Light; the budget learns the group
// from each answer's headers). Arguments are checked before anything is
// sent: an empty id or an invalid Target or Reply is an error matching
// ErrInvalidArgument, and a ctx already done sends nothing. The server's
// answers are *ringwatch.APIError values: errors.Is(err,
// ErrSessionNotFound) for a call that is gone (404), StatusCode 409 or 400
// for an operation the call's state does not allow. 429 and 502/503/504
// are retried as for Session.

const telephonyPath = "/restapi/v1.0/account/~/telephony"

// do checks ctx, then sends the request.
func (c *Client) do(ctx context.Context, op, method, path string, query url.Values, in, out any) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("telephony: %s: %w", op, err)
	}
	return c.rc.Do(ctx, method, path, query, in, out)
}

// sessionOp checks the session id and returns the session's path.
func sessionOp(op, sid string) (string, error) {
	if err := rest.CheckID("telephony: "+op, "telephony session id", sid); err != nil {
		return "", err
	}
	return sessionPath("~", sid), nil
}

// partyOp checks both ids and returns the party's path.
func partyOp(op, sid, pid string) (string, error) {
	p, err := sessionOp(op, sid)
	if err != nil {
		return "", err
	}
	if err := rest.CheckID("telephony: "+op, "party id", pid); err != nil {
		return "", err
	}
	return p + "/parties/" + rest.Segment(pid), nil
}

// partyCall sends a party operation that answers with a party.
func (c *Client) partyCall(ctx context.Context, op, method, sid, pid, suffix string, in any) (*Party, error) {
	path, err := partyOp(op, sid, pid)
	if err != nil {
		return nil, err
	}
	var p Party
	if err := c.do(ctx, op, method, path+suffix, nil, in, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// partyAction sends a party operation whose answer has no body of use.
func (c *Client) partyAction(ctx context.Context, op, method, sid, pid, suffix string, in any) error {
	path, err := partyOp(op, sid, pid)
	if err != nil {
		return err
	}
	return c.do(ctx, op, method, path+suffix, nil, in, nil)
}

// CallOut starts a call from one of the current extension's devices
// (POST /telephony/call-out, Heavy) and returns its session.
func (c *Client) CallOut(ctx context.Context, req CallOutRequest) (*Session, error) {
	const op = "CallOut"
	if req.From.DeviceID == "" && req.From.ExtensionID == "" {
		return nil, fmt.Errorf("telephony: %s: no caller (from.deviceId or from.extensionId): %w", op, ErrInvalidArgument)
	}
	if (req.To.PhoneNumber == "") == (req.To.ExtensionNumber == "") {
		return nil, fmt.Errorf("telephony: %s: want exactly one of to.phoneNumber and to.extensionNumber: %w", op, ErrInvalidArgument)
	}
	return c.sessionCall(ctx, op, telephonyPath+"/call-out", req)
}

// StartConference starts a conference session (POST
// /telephony/conference, Heavy) and returns it; its VoiceCallToken is the
// number devices dial to join.
func (c *Client) StartConference(ctx context.Context) (*Session, error) {
	return c.sessionCall(ctx, "StartConference", telephonyPath+"/conference", nil)
}

func (c *Client) sessionCall(ctx context.Context, op, path string, in any) (*Session, error) {
	var cs callSession
	if err := c.do(ctx, op, http.MethodPost, path, nil, in, &cs); err != nil {
		return nil, err
	}
	if cs.Session == nil {
		return nil, fmt.Errorf("telephony: %s: answer has no session", op)
	}
	return cs.Session, nil
}

// WaitSession reads a call session like Session, asking the server to
// hold the answer until the session has changed since opts.Timestamp, for
// at most opts.Timeout (GET …/sessions/{id}?timestamp=…&timeout=…, Light).
// Zero options read the session at once.
func (c *Client) WaitSession(ctx context.Context, telephonySessionID string, opts SessionWaitOptions) (*Session, error) {
	const op = "WaitSession"
	path, err := sessionOp(op, telephonySessionID)
	if err != nil {
		return nil, err
	}
	if opts.Timeout < 0 {
		return nil, fmt.Errorf("telephony: %s: negative timeout %v: %w", op, opts.Timeout, ErrInvalidArgument)
	}
	q := url.Values{}
	if !opts.Timestamp.IsZero() {
		q.Set("timestamp", opts.Timestamp.UTC().Format(time.RFC3339Nano))
	}
	if opts.Timeout > 0 {
		q.Set("timeout", strconv.FormatInt(int64(math.Ceil(opts.Timeout.Seconds())), 10))
	}
	var s Session
	if err := c.do(ctx, op, http.MethodGet, path, q, nil, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// Drop ends a call session for every party (DELETE …/sessions/{id},
// Light).
func (c *Client) Drop(ctx context.Context, telephonySessionID string) error {
	path, err := sessionOp("Drop", telephonySessionID)
	if err != nil {
		return err
	}
	return c.do(ctx, "Drop", http.MethodDelete, path, nil, nil, nil)
}

// Answer answers a ringing party on the device deviceID (POST
// …/answer, Light). RingCentral supports it for call forwarding, call
// transfer, call flip and call queues.
func (c *Client) Answer(ctx context.Context, telephonySessionID, partyID, deviceID string) (*Party, error) {
	if err := rest.CheckID("telephony: Answer", "device id", deviceID); err != nil {
		return nil, err
	}
	return c.partyCall(ctx, "Answer", http.MethodPost, telephonySessionID, partyID, "/answer", map[string]string{"deviceId": deviceID})
}

// Hold puts a party on hold (POST …/hold, Light) with the server's
// default protocol; see HoldWith to choose it. A hold placed from an app
// or a hard phone cannot be released through the API.
func (c *Client) Hold(ctx context.Context, telephonySessionID, partyID string) (*Party, error) {
	return c.partyCall(ctx, "Hold", http.MethodPost, telephonySessionID, partyID, "/hold", nil)
}

// HoldWith puts a party on hold with the protocol proto (the body's
// proto field; empty sends none, as Hold does).
func (c *Client) HoldWith(ctx context.Context, telephonySessionID, partyID string, proto HoldProto) (*Party, error) {
	var in any
	if proto != "" {
		in = map[string]HoldProto{"proto": proto}
	}
	return c.partyCall(ctx, "Hold", http.MethodPost, telephonySessionID, partyID, "/hold", in)
}

// Unhold takes a party off hold (POST …/unhold, Light).
func (c *Client) Unhold(ctx context.Context, telephonySessionID, partyID string) (*Party, error) {
	return c.partyCall(ctx, "Unhold", http.MethodPost, telephonySessionID, partyID, "/unhold", nil)
}

// Transfer transfers a party's call to exactly one destination of to
// (POST …/transfer, Light); an invalid Target is an error matching
// ErrInvalidTarget, and nothing is sent. RingCentral allows it when the
// party is Answered or on Hold.
func (c *Client) Transfer(ctx context.Context, telephonySessionID, partyID string, to Target) (*Party, error) {
	if _, err := partyOp("Transfer", telephonySessionID, partyID); err != nil {
		return nil, err
	}
	if err := to.check("Transfer", true); err != nil {
		return nil, err
	}
	return c.partyCall(ctx, "Transfer", http.MethodPost, telephonySessionID, partyID, "/transfer", to)
}

// Forward forwards a ringing party's call to exactly one destination of
// to, which may not be a park orbit (POST …/forward, Light). RingCentral
// allows it while the party is Setup or Proceeding.
func (c *Client) Forward(ctx context.Context, telephonySessionID, partyID string, to Target) (*Party, error) {
	if _, err := partyOp("Forward", telephonySessionID, partyID); err != nil {
		return nil, err
	}
	if err := to.check("Forward", false); err != nil {
		return nil, err
	}
	return c.partyCall(ctx, "Forward", http.MethodPost, telephonySessionID, partyID, "/forward", to)
}

// Reject sends a ringing inbound call to voicemail (POST …/reject,
// Light); RingCentral allows it while the party is Setup or Proceeding.
func (c *Client) Reject(ctx context.Context, telephonySessionID, partyID string) error {
	return c.partyAction(ctx, "Reject", http.MethodPost, telephonySessionID, partyID, "/reject", nil)
}

// Ignore lets a call-queue agent pass a ringing queue call on to the next
// agent (POST …/ignore {deviceId}, Light).
func (c *Client) Ignore(ctx context.Context, telephonySessionID, partyID, deviceID string) error {
	if err := rest.CheckID("telephony: Ignore", "device id", deviceID); err != nil {
		return err
	}
	return c.partyAction(ctx, "Ignore", http.MethodPost, telephonySessionID, partyID, "/ignore", map[string]string{"deviceId": deviceID})
}

// Park parks a party's call on a park orbit (POST …/park, Light); the
// answer's Status.ParkData names the orbit (*801–*899).
func (c *Client) Park(ctx context.Context, telephonySessionID, partyID string) (*Party, error) {
	return c.partyCall(ctx, "Park", http.MethodPost, telephonySessionID, partyID, "/park", nil)
}

// Pickup picks up a parked call on the device deviceID (POST …/pickup,
// Light); RingCentral allows it for a call parked in a park location.
func (c *Client) Pickup(ctx context.Context, telephonySessionID, partyID, deviceID string) (*Party, error) {
	if err := rest.CheckID("telephony: Pickup", "device id", deviceID); err != nil {
		return nil, err
	}
	return c.partyCall(ctx, "Pickup", http.MethodPost, telephonySessionID, partyID, "/pickup", map[string]string{"deviceId": deviceID})
}

// Flip moves a party's call to the call-flip number callFlipID (POST
// …/flip, Light).
func (c *Client) Flip(ctx context.Context, telephonySessionID, partyID, callFlipID string) error {
	if err := rest.CheckID("telephony: Flip", "call flip id", callFlipID); err != nil {
		return err
	}
	return c.partyAction(ctx, "Flip", http.MethodPost, telephonySessionID, partyID, "/flip", map[string]string{"callFlipId": callFlipID})
}

// Reply answers the caller of a ringing call with a text or a pattern
// (POST …/reply, Light): exactly one of r.Text and r.Pattern is set.
func (c *Client) Reply(ctx context.Context, telephonySessionID, partyID string, r Reply) (*Party, error) {
	if _, err := partyOp("Reply", telephonySessionID, partyID); err != nil {
		return nil, err
	}
	if (r.Text == "") == (r.Pattern == nil) {
		return nil, fmt.Errorf("telephony: Reply: want exactly one of replyWithText and replyWithPattern: %w", ErrInvalidArgument)
	}
	if r.Pattern != nil && r.Pattern.Pattern == "" {
		return nil, fmt.Errorf("telephony: Reply: empty pattern: %w", ErrInvalidArgument)
	}
	return c.partyCall(ctx, "Reply", http.MethodPost, telephonySessionID, partyID, "/reply", r)
}

// Bridge connects a party to another call's party (POST …/bridge
// {telephonySessionId, partyId}, Light).
func (c *Client) Bridge(ctx context.Context, telephonySessionID, partyID, toSessionID, toPartyID string) (*Party, error) {
	if _, err := partyOp("Bridge", toSessionID, toPartyID); err != nil {
		return nil, err
	}
	return c.partyCall(ctx, "Bridge", http.MethodPost, telephonySessionID, partyID, "/bridge",
		map[string]string{"telephonySessionId": toSessionID, "partyId": toPartyID})
}

// BringIn adds another call's party to the conference session
// conferenceSessionID (POST …/sessions/{id}/parties/bring-in {sessionId,
// partyId}, Light): one party per request, at most 10.
func (c *Client) BringIn(ctx context.Context, conferenceSessionID, telephonySessionID, partyID string) (*Party, error) {
	const op = "BringIn"
	path, err := sessionOp(op, conferenceSessionID)
	if err != nil {
		return nil, err
	}
	if _, err := partyOp(op, telephonySessionID, partyID); err != nil {
		return nil, err
	}
	var p Party
	in := map[string]string{"sessionId": telephonySessionID, "partyId": partyID}
	if err := c.do(ctx, op, http.MethodPost, path+"/parties/bring-in", nil, in, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// UpdateParty mutes or unmutes a party, or makes it stand alone (PATCH
// …/parties/{partyId}, Light). The body is flat ({"muted":true}), as the
// developer guide shows it. An update that changes nothing is an error.
func (c *Client) UpdateParty(ctx context.Context, telephonySessionID, partyID string, u PartyUpdate) (*Party, error) {
	if u.Muted == nil && u.StandAlone == nil {
		if _, err := partyOp("UpdateParty", telephonySessionID, partyID); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("telephony: UpdateParty: nothing to update: %w", ErrInvalidArgument)
	}
	return c.partyCall(ctx, "UpdateParty", http.MethodPatch, telephonySessionID, partyID, "", u)
}

// Mute mutes (muted true) or unmutes a party; see UpdateParty.
func (c *Client) Mute(ctx context.Context, telephonySessionID, partyID string, muted bool) (*Party, error) {
	return c.UpdateParty(ctx, telephonySessionID, partyID, PartyUpdate{Muted: &muted})
}

// RemoveParty removes a party from a session (DELETE
// …/parties/{partyId}, Light); RingCentral allows it for supervising or
// parked parties and one conference participant per request.
func (c *Client) RemoveParty(ctx context.Context, telephonySessionID, partyID string) error {
	return c.partyAction(ctx, "RemoveParty", http.MethodDelete, telephonySessionID, partyID, "", nil)
}

// StartRecording starts recording a party's call (POST …/recordings,
// Light) and returns the recording; not for conference calls.
func (c *Client) StartRecording(ctx context.Context, telephonySessionID, partyID string) (*Recording, error) {
	path, err := partyOp("StartRecording", telephonySessionID, partyID)
	if err != nil {
		return nil, err
	}
	var r Recording
	if err := c.do(ctx, "StartRecording", http.MethodPost, path+"/recordings", nil, nil, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// PauseRecording pauses a recording (PATCH …/recordings/{id}
// {active:false}, Light).
func (c *Client) PauseRecording(ctx context.Context, telephonySessionID, partyID, recordingID string) (*Recording, error) {
	return c.setRecording(ctx, "PauseRecording", telephonySessionID, partyID, recordingID, false)
}

// ResumeRecording resumes a paused recording (PATCH …/recordings/{id}
// {active:true}, Light).
func (c *Client) ResumeRecording(ctx context.Context, telephonySessionID, partyID, recordingID string) (*Recording, error) {
	return c.setRecording(ctx, "ResumeRecording", telephonySessionID, partyID, recordingID, true)
}

func (c *Client) setRecording(ctx context.Context, op, sid, pid, rid string, active bool) (*Recording, error) {
	path, err := partyOp(op, sid, pid)
	if err != nil {
		return nil, err
	}
	if err := rest.CheckID("telephony: "+op, "recording id", rid); err != nil {
		return nil, err
	}
	var r Recording
	if err := c.do(ctx, op, http.MethodPatch, path+"/recordings/"+rest.Segment(rid), nil, map[string]bool{"active": active}, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// SuperviseSession starts listening to an agent's call on a supervisor's
// device (POST …/sessions/{id}/supervise, Light) and returns the
// supervisor's party. An empty Mode means Listen.
func (c *Client) SuperviseSession(ctx context.Context, telephonySessionID string, req SuperviseRequest) (*Party, error) {
	const op = "SuperviseSession"
	path, err := sessionOp(op, telephonySessionID)
	if err != nil {
		return nil, err
	}
	if err := req.check(op, true); err != nil {
		return nil, err
	}
	var p Party
	if err := c.do(ctx, op, http.MethodPost, path+"/supervise", nil, req, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// SuperviseParty starts listening to one party of a call of at most two
// parties (POST …/parties/{partyId}/supervise, Light) and returns the
// supervisor's party. An empty Mode means Listen.
func (c *Client) SuperviseParty(ctx context.Context, telephonySessionID, partyID string, req SuperviseRequest) (*Party, error) {
	const op = "SuperviseParty"
	if _, err := partyOp(op, telephonySessionID, partyID); err != nil {
		return nil, err
	}
	if err := req.check(op, false); err != nil {
		return nil, err
	}
	return c.partyCall(ctx, op, http.MethodPost, telephonySessionID, partyID, "/supervise", req)
}

// check fills the default mode and checks the required fields.
func (r *SuperviseRequest) check(op string, numberOK bool) error {
	if r.Mode == "" {
		r.Mode = SuperviseModeListen
	}
	if err := rest.CheckID("telephony: "+op, "supervisor device id", r.SupervisorDeviceID); err != nil {
		return err
	}
	if r.AgentExtensionID == "" && (!numberOK || r.AgentExtensionNumber == "") {
		return fmt.Errorf("telephony: %s: no agent extension: %w", op, ErrInvalidArgument)
	}
	return nil
}
