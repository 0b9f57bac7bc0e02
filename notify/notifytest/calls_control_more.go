package notifytest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync/atomic"

	"github.com/ringwatch/ringwatch/telephony"
)

// The rest of the Call Control operations, served like those of
// calls_control.go (same errors, same notifications, a new party's
// notification before the one of the party it replaces). Where the docs
// say nothing of the effect, the platform chose:
//
//   - ignore {deviceId}: Setup or Proceeding → the agent's party
//     Disconnected with reason Rejected (the docs name no reason for an
//     agent passing a queue call on); answered with the party;
//   - flip {callFlipId}: Answered or Hold; the party stays as it is (the
//     flip happens on the devices), no notification; answered with the
//     party;
//   - reply {replyWithText | replyWithPattern}: Setup or Proceeding; the
//     party stays Proceeding, no notification; answered with the party
//     (RingCentral's ReplyParty has the CallParty fields the client reads);
//   - bridge {telephonySessionId, partyId}: both parties Answered or Hold;
//     the party moves into the target session: it goes Gone with a peerId
//     naming the target session and its new party, which is Answered
//     there; answered with the new party. The target's notification goes
//     out first;
//   - bring-in {sessionId, partyId} on …/sessions/{conference}/parties:
//     the session must have origin Conference (409 TAS-104 otherwise) and
//     fewer than 10 parties; the party (Answered or Hold) moves into it
//     as for bridge, with conferenceRole Participant;
//   - DELETE a party: any party not yet Disconnected or Gone goes
//     Disconnected (reason CallDropped), is published, then leaves the
//     session (204);
//   - POST …/recordings: Answered or Hold, not in a conference session;
//     a new recording, active, in the party's recordings; PATCH
//     …/recordings/{r} {active} sets it; both answer the recording and
//     publish the party; an unknown recording is 404 CMN-102;
//   - supervise (session: agentExtensionId or agentExtensionNumber;
//     party: agentExtensionId, and a call of at most 2 live parties):
//     supervisorDeviceId is required; the agent must be a live party of
//     the call (409 TAS-104 otherwise; an extension the account lacks is
//     400 CMN-101); a new party of the caller's extension, Outbound,
//     Answered and muted, joins the session; answered with it;
//   - call-out {from, to}: a new session (origin Call) whose first party
//     is the caller's extension, Outbound, Proceeding (its device rings
//     first); a callee that is an extension of the account gets its own
//     party, Inbound, Proceeding; an unknown extension number is 400
//     CMN-101. Answered with {"session": …} and published;
//   - conference: a new session with origin Conference, a voiceCallToken
//     and no parties; answered with {"session": …}; nothing is published
//     until a party joins.

func (p *Platform) moreControlRoutes() {
	const sess = "/restapi/v1.0/account/{account}/telephony/sessions/{session}"
	const party = sess + "/parties/{party}"
	p.route("POST "+party+"/ignore", groupLight, true, p.partyOp(ignoreOp))
	p.route("POST "+party+"/flip", groupLight, true, p.partyOp(flipOp))
	p.route("POST "+party+"/reply", groupLight, true, p.partyOp(replyOp))
	p.route("POST "+party+"/bridge", groupLight, true, p.serveBridge)
	p.route("POST "+sess+"/parties/bring-in", groupLight, true, p.serveBringIn)
	p.route("DELETE "+party, groupLight, true, p.serveRemoveParty)
	p.route("POST "+party+"/recordings", groupLight, true, p.partyOpAnswer(startRecordingOp))
	p.route("PATCH "+party+"/recordings/{recording}", groupLight, true, p.partyOpAnswer(setRecordingOp))
	p.route("POST "+party+"/supervise", groupLight, true, p.partyOpAnswer(p.supervisePartyOp))
	p.route("POST "+sess+"/supervise", groupLight, true, p.serveSuperviseSession)
	p.route("POST /restapi/v1.0/account/{account}/telephony/call-out", groupHeavy, true, p.serveCallOut)
	p.route("POST /restapi/v1.0/account/{account}/telephony/conference", groupHeavy, true, p.serveConference)
}

// ids numbers the sessions and recordings the platform creates.
var ids atomic.Int64

func ignoreOp(s *telephony.Session, pid string, _ *caller, body []byte) ([]string, *apiError) {
	pt := s.Party(pid)
	if e := requireState("ignore", pt, telephony.Setup, telephony.Proceeding); e != nil {
		return nil, e
	}
	if e := requireField(body, "deviceId"); e != nil {
		return nil, e
	}
	pt.Status = telephony.Status{Code: telephony.Disconnected, Reason: telephony.ReasonRejected}
	return []string{pid}, nil
}

func flipOp(s *telephony.Session, pid string, _ *caller, body []byte) ([]string, *apiError) {
	if e := requireState("flip", s.Party(pid), telephony.Answered, telephony.Hold); e != nil {
		return nil, e
	}
	return nil, requireField(body, "callFlipId")
}

func replyOp(s *telephony.Session, pid string, _ *caller, body []byte) ([]string, *apiError) {
	if e := requireState("reply", s.Party(pid), telephony.Setup, telephony.Proceeding); e != nil {
		return nil, e
	}
	var r telephony.Reply
	if err := json.Unmarshal(body, &r); err != nil || (r.Text == "") == (r.Pattern == nil) || r.Pattern != nil && r.Pattern.Pattern == "" {
		return nil, invalidParam("replyWithText", "Exactly one of replyWithText and replyWithPattern is required")
	}
	return nil, nil
}

// requireField answers 400 unless body is a JSON object with a non-empty
// string field name.
func requireField(body []byte, name string) *apiError {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return invalidParam(name, "")
	}
	if v, ok := m[name].(string); !ok || v == "" {
		return invalidParam(name, "")
	}
	return nil
}

// decodeBody decodes body into v, or answers 400.
func decodeBody(body []byte, v any) *apiError {
	if err := json.Unmarshal(body, v); err != nil {
		return invalidParam("body", "Request body is invalid")
	}
	return nil
}

// serveBridge is POST …/parties/{party}/bridge.
func (p *Platform) serveBridge(w http.ResponseWriter, r *http.Request, _ *caller) {
	var in struct {
		TelephonySessionID string `json:"telephonySessionId"`
		PartyID            string `json:"partyId"`
	}
	p.serveMove(w, r, func(body []byte) (from, fromParty, to string, e *apiError) {
		if e := decodeBody(body, &in); e != nil {
			return "", "", "", e
		}
		if in.TelephonySessionID == "" || in.PartyID == "" {
			return "", "", "", invalidParam("telephonySessionId", "")
		}
		return r.PathValue("session"), r.PathValue("party"), in.TelephonySessionID, nil
	}, func(target *telephony.Session) *apiError {
		tp := target.Party(in.PartyID)
		if tp == nil {
			return notFound("partyId")
		}
		return requireState("bridge", tp, telephony.Answered, telephony.Hold)
	}, "")
}

// maxConference is the number of parties bring-in allows.
const maxConference = 10

// serveBringIn is POST …/sessions/{session}/parties/bring-in.
func (p *Platform) serveBringIn(w http.ResponseWriter, r *http.Request, _ *caller) {
	p.serveMove(w, r, func(body []byte) (from, fromParty, to string, e *apiError) {
		var in struct {
			SessionID string `json:"sessionId"`
			PartyID   string `json:"partyId"`
		}
		if e := decodeBody(body, &in); e != nil {
			return "", "", "", e
		}
		if in.SessionID == "" || in.PartyID == "" {
			return "", "", "", invalidParam("sessionId", "")
		}
		return in.SessionID, in.PartyID, r.PathValue("session"), nil
	}, func(target *telephony.Session) *apiError {
		if target.Origin.Type != telephony.OriginConference {
			return errorf(http.StatusConflict, "TAS-104", fmt.Sprintf("Session [%s] is not a conference", target.TelephonySessionID))
		}
		if len(target.Parties) >= maxConference {
			return errorf(http.StatusConflict, "TAS-104", "The conference is full")
		}
		return nil
	}, "Participant")
}

// serveMove moves a party (Answered or Hold) of one session into another,
// for bridge and bring-in: the party goes Gone with a peerId naming its
// new party in the target session, which is Answered. args reads the
// request; check vets the target session.
func (p *Platform) serveMove(w http.ResponseWriter, r *http.Request,
	args func(body []byte) (from, fromParty, to string, e *apiError),
	check func(target *telephony.Session) *apiError, role string) {
	if !p.accountOK(w, r) {
		return
	}
	body, err := readAll(r)
	if err != nil {
		invalidParam("body", "Request body is invalid").write(w)
		return
	}
	fromID, pid, toID, e := args(body)
	if e != nil {
		e.write(w)
		return
	}
	now := p.now()
	p.mu.Lock()
	fromOld, ok1 := p.calls.sessions[fromID]
	toOld, ok2 := p.calls.sessions[toID]
	switch {
	case !ok1 || !ok2:
		e = notFound("telephonySessionId")
	case fromID == toID:
		e = invalidParam("telephonySessionId", "The party is already in this session")
	case fromOld.Party(pid) == nil:
		e = notFound("partyId")
	default:
		if e = check(toOld); e == nil {
			e = requireState("move", fromOld.Party(pid), telephony.Answered, telephony.Hold)
		}
	}
	if e != nil {
		p.mu.Unlock()
		e.write(w)
		return
	}
	from, to := cloneSession(fromOld), cloneSession(toOld)
	pt := from.Party(pid)
	np := cloneSession(&telephony.Session{Parties: []telephony.Party{*pt}}).Parties[0]
	np.ID = newPartyID(to)
	np.Status = telephony.Status{Code: telephony.Answered}
	np.Park = nil
	if role != "" {
		np.ConferenceRole = role
	}
	to.Parties = append(to.Parties, np)
	pt.Status = telephony.Status{Code: telephony.Gone, PeerID: &telephony.PeerID{
		SessionID: to.SessionID, TelephonySessionID: to.TelephonySessionID, PartyID: np.ID}}
	for _, s := range []*telephony.Session{from, to} {
		s.Sequence++
		s.EventTime = later(now, s.EventTime)
		p.calls.sessions[s.TelephonySessionID] = s
	}
	rp := p.restParty(np)
	toNote, fromNote := p.changedParties(to, []string{np.ID}), p.changedParties(from, []string{pid})
	p.mu.Unlock()
	writeJSON(w, http.StatusOK, rp)
	_ = p.publishSession(r.Context(), toNote)   // logged
	_ = p.publishSession(r.Context(), fromNote) // logged
}

// serveRemoveParty is DELETE …/parties/{party}.
func (p *Platform) serveRemoveParty(w http.ResponseWriter, r *http.Request, _ *caller) {
	if !p.accountOK(w, r) {
		return
	}
	sid, pid := r.PathValue("session"), r.PathValue("party")
	now := p.now()
	p.mu.Lock()
	old, ok := p.calls.sessions[sid]
	var e *apiError
	switch {
	case !ok:
		e = notFound("telephonySessionId")
	case old.Party(pid) == nil:
		e = notFound("partyId")
	case old.Party(pid).Status.Code.Final():
		e = invalidState("remove", old.Party(pid))
	}
	if e != nil {
		p.mu.Unlock()
		e.write(w)
		return
	}
	s := cloneSession(old)
	s.Party(pid).Status = telephony.Status{Code: telephony.Disconnected, Reason: telephony.ReasonCallDropped}
	s.Sequence++
	s.EventTime = later(now, s.EventTime)
	note := p.changedParties(s, []string{pid})
	for i := range s.Parties {
		if s.Parties[i].ID == pid {
			s.Parties = append(s.Parties[:i], s.Parties[i+1:]...)
			break
		}
	}
	p.calls.sessions[sid] = s
	p.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
	_ = p.publishSession(r.Context(), note) // logged
}

func startRecordingOp(s *telephony.Session, pid string, _ *caller, _ []byte, _ *http.Request) ([]string, any, *apiError) {
	pt := s.Party(pid)
	if s.Origin.Type == telephony.OriginConference {
		return nil, nil, errorf(http.StatusConflict, "TAS-104", "Recording is not supported for conference calls")
	}
	if e := requireState("recording", pt, telephony.Answered, telephony.Hold); e != nil {
		return nil, nil, e
	}
	rec := telephony.Recording{ID: fmt.Sprintf("rec-%d", ids.Add(1)), Active: true}
	pt.Recordings = append(pt.Recordings, rec)
	return []string{pid}, rec, nil
}

func setRecordingOp(s *telephony.Session, pid string, _ *caller, body []byte, r *http.Request) ([]string, any, *apiError) {
	pt := s.Party(pid)
	var in struct {
		Active *bool `json:"active"`
	}
	if err := json.Unmarshal(body, &in); err != nil || in.Active == nil {
		return nil, nil, invalidParam("active", "")
	}
	if pt.Status.Code.Final() {
		return nil, nil, invalidState("recording", pt)
	}
	rid := r.PathValue("recording")
	for i := range pt.Recordings {
		if pt.Recordings[i].ID == rid {
			pt.Recordings[i].Active = *in.Active
			return []string{pid}, pt.Recordings[i], nil
		}
	}
	return nil, nil, notFound("recordingId")
}

// superviseIn is the body of both supervise operations.
type superviseIn struct {
	Mode                 string `json:"mode"`
	SupervisorDeviceID   string `json:"supervisorDeviceId"`
	AgentExtensionID     string `json:"agentExtensionId"`
	AgentExtensionNumber string `json:"agentExtensionNumber"`
}

// supervise adds the supervisor's party to s, the agent being the
// extension the body names. Callers hold p.mu.
func (p *Platform) supervise(s *telephony.Session, c *caller, body []byte, numberOK bool) (string, *apiError) {
	var in superviseIn
	if e := decodeBody(body, &in); e != nil {
		return "", e
	}
	if in.SupervisorDeviceID == "" {
		return "", invalidParam("supervisorDeviceId", "")
	}
	if in.Mode != "" && in.Mode != telephony.SuperviseModeListen {
		return "", invalidParam("mode", "")
	}
	if !numberOK {
		in.AgentExtensionNumber = ""
	}
	if in.AgentExtensionID == "" && in.AgentExtensionNumber == "" {
		return "", invalidParam("agentExtensionId", "")
	}
	agent, ok := p.findExtension(in.AgentExtensionID, in.AgentExtensionNumber)
	if !ok {
		return "", invalidParam("agentExtensionId", "")
	}
	live := 0
	onCall := false
	for _, pt := range s.Parties {
		if !pt.Status.Code.Final() {
			live++
			onCall = onCall || pt.ExtensionID == agent.ID
		}
	}
	if !onCall {
		return "", errorf(http.StatusConflict, "TAS-104", fmt.Sprintf("Extension [%s] is not on the call", agent.ID))
	}
	if !numberOK && live > 2 {
		return "", errorf(http.StatusConflict, "TAS-104", "Party supervision needs a call of at most 2 parties")
	}
	np := telephony.Party{ID: newPartyID(s), Direction: telephony.Outbound, Muted: true,
		Status: telephony.Status{Code: telephony.Answered}}
	if ext, ok := p.extension(c.extensionID); ok {
		np.AccountID, np.ExtensionID = p.set.accountID, ext.ID
		np.From = telephony.Endpoint{ExtensionID: ext.ID, Name: ext.Name, PhoneNumber: ext.PhoneNumber}
	}
	np.To = telephony.Endpoint{ExtensionID: agent.ID, Name: agent.Name, PhoneNumber: agent.PhoneNumber}
	s.Parties = append(s.Parties, np)
	return np.ID, nil
}

// supervisePartyOp runs with p.mu held (partyOpAnswer).
func (p *Platform) supervisePartyOp(s *telephony.Session, _ string, c *caller, body []byte, _ *http.Request) ([]string, any, *apiError) {
	id, e := p.supervise(s, c, body, false)
	if e != nil {
		return nil, nil, e
	}
	return []string{id}, nil, nil
}

// serveSuperviseSession is POST …/sessions/{session}/supervise.
func (p *Platform) serveSuperviseSession(w http.ResponseWriter, r *http.Request, c *caller) {
	if !p.accountOK(w, r) {
		return
	}
	body, err := readAll(r)
	if err != nil {
		invalidParam("body", "Request body is invalid").write(w)
		return
	}
	sid := r.PathValue("session")
	now := p.now()
	s := p.sessionForUpdate(w, sid)
	if s == nil {
		return
	}
	id, e := p.supervise(s, c, body, true)
	if e != nil {
		p.mu.Unlock()
		e.write(w)
		return
	}
	s.Sequence++
	s.EventTime = later(now, s.EventTime)
	p.calls.sessions[sid] = s
	rp := p.restParty(*s.Party(id))
	note := p.changedParties(s, []string{id})
	p.mu.Unlock()
	writeJSON(w, http.StatusOK, rp)
	_ = p.publishSession(r.Context(), note) // logged
}

// serveCallOut is POST …/telephony/call-out.
func (p *Platform) serveCallOut(w http.ResponseWriter, r *http.Request, c *caller) {
	if !p.accountOK(w, r) {
		return
	}
	body, err := readAll(r)
	if err != nil {
		invalidParam("body", "Request body is invalid").write(w)
		return
	}
	var in telephony.CallOutRequest
	if e := decodeBody(body, &in); e != nil {
		e.write(w)
		return
	}
	if in.From.DeviceID == "" && in.From.ExtensionID == "" {
		invalidParam("from", "").write(w)
		return
	}
	if (in.To.PhoneNumber == "") == (in.To.ExtensionNumber == "") {
		invalidParam("to", "").write(w)
		return
	}
	now := p.now()
	n := ids.Add(1)
	s := &telephony.Session{SessionID: fmt.Sprintf("sess-out-%d", n), TelephonySessionID: fmt.Sprintf("s-out-%d", n),
		Origin: telephony.Origin{Type: telephony.OriginCall}, Sequence: 1, EventTime: now, CreationTime: now}
	p.mu.Lock()
	callerID := c.extensionID
	if in.From.ExtensionID != "" {
		callerID = in.From.ExtensionID
	}
	ext, ok := p.extension(callerID)
	if !ok {
		p.mu.Unlock()
		invalidParam("from", "").write(w)
		return
	}
	from := telephony.Endpoint{ExtensionID: ext.ID, Name: ext.Name, PhoneNumber: ext.PhoneNumber, DeviceID: in.From.DeviceID}
	to := telephony.Endpoint{PhoneNumber: in.To.PhoneNumber}
	var callee *telephony.Party
	if in.To.ExtensionNumber != "" {
		target, ok := p.findExtension("", in.To.ExtensionNumber)
		if !ok {
			p.mu.Unlock()
			invalidParam("extensionNumber", "").write(w)
			return
		}
		to = telephony.Endpoint{ExtensionID: target.ID, Name: target.Name, PhoneNumber: target.PhoneNumber}
		callee = &telephony.Party{AccountID: p.set.accountID, ExtensionID: target.ID, Direction: telephony.Inbound,
			From: from, To: to, Status: telephony.Status{Code: telephony.Proceeding}}
	}
	s.Parties = append(s.Parties, telephony.Party{ID: newPartyID(s), AccountID: p.set.accountID, ExtensionID: ext.ID,
		Direction: telephony.Outbound, From: from, To: to, Status: telephony.Status{Code: telephony.Proceeding}})
	if callee != nil {
		callee.ID = newPartyID(s)
		s.Parties = append(s.Parties, *callee)
	}
	s.Sequence = int64(len(s.Parties)) // one sequence number per party's notification
	p.calls.sessions[s.TelephonySessionID] = s
	out := struct {
		Session restSession `json:"session"`
	}{p.restSession(s, now)}
	note := cloneSession(s)
	p.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
	_ = p.publishSession(r.Context(), note) // logged
}

// serveConference is POST …/telephony/conference.
func (p *Platform) serveConference(w http.ResponseWriter, r *http.Request, _ *caller) {
	if !p.accountOK(w, r) {
		return
	}
	now := p.now()
	n := ids.Add(1)
	s := &telephony.Session{SessionID: fmt.Sprintf("sess-conf-%d", n), TelephonySessionID: fmt.Sprintf("s-conf-%d", n),
		Origin: telephony.Origin{Type: telephony.OriginConference}, Sequence: 1, EventTime: now, CreationTime: now,
		VoiceCallToken: fmt.Sprintf("+1650555%04d", n%10000)}
	p.mu.Lock()
	p.calls.sessions[s.TelephonySessionID] = s
	out := struct {
		Session restSession `json:"session"`
	}{p.restSession(s, now)}
	p.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}
