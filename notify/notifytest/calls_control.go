package notifytest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	"github.com/ringwatch/ringwatch/telephony"
)

// The Call Control operations the platform serves against its model of
// calls (SetSession, StartCall). Each changes the call as RingCentral
// does, bumps the session's sequence, answers with the party, and
// publishes a telephony-session notification carrying the changed
// parties, one notification per party, on the resource of each party's
// extension (the account's resource for a party without one), to every
// transport:
//
//   - answer: Setup or Proceeding → Answered;
//   - hold: Answered → Hold; unhold: Hold → Answered;
//   - park: Answered or Hold → Parked, on the lowest orbit *801–*899 that
//     no parked party of the model holds, in Status.ParkData and Park.ID;
//   - pickup: a Parked party → Disconnected with reason Pickup, and a new
//     party of the caller's extension, Answered, in the same session; the
//     answer is the new party;
//   - transfer (blind): Answered or Hold → the party Disconnected with
//     reason BlindTransfer, and a new party for the target in the same
//     session: an extension of the account (by extensionId or
//     extensionNumber) or a phone number rings (Proceeding), a voicemail
//     target's party is in VoiceMail, a park orbit's is Parked there;
//   - forward: Setup or Proceeding → the party Disconnected with reason
//     CallRedirected, and a new party for the target as for a transfer
//     (park orbits are refused, as the client does); forwarding to the
//     party's own extension's voicemail puts the party itself in VoiceMail;
//   - reject: Setup or Proceeding → VoiceMail (the caller reaches the
//     extension's voicemail);
//   - PATCH the party: sets muted and standAlone; the notification carries
//     them and no status change;
//   - drop: every party Disconnected (reason CallDropped), then the session
//     leaves the model (its GET answers 404).
//
// A new party's notification goes out before the one of the party it
// replaces, so that a tracker never sees the call empty. The docs list no
// error code for an operation the party's state forbids; the platform
// answers 409 with code TAS-104 ("Invalid party state") and says which
// state it found, and 409 TAS-104 too when every park orbit is taken.
// Unknown sessions and parties answer 404 CMN-102, and an invalid target
// or body 400 CMN-101.

func (p *Platform) controlRoutes() {
	const party = "/restapi/v1.0/account/{account}/telephony/sessions/{session}/parties/{party}"
	p.route("POST "+party+"/answer", groupLight, true, p.partyOp(answerOp))
	p.route("POST "+party+"/hold", groupLight, true, p.partyOp(holdOp))
	p.route("POST "+party+"/unhold", groupLight, true, p.partyOp(unholdOp))
	p.route("POST "+party+"/park", groupLight, true, p.partyOp(p.parkOp))
	p.route("POST "+party+"/pickup", groupLight, true, p.partyOp(p.pickupOp))
	p.route("POST "+party+"/transfer", groupLight, true, p.partyOp(p.transferOp))
	p.route("POST "+party+"/forward", groupLight, true, p.partyOp(p.forwardOp))
	p.route("POST "+party+"/reject", groupLight, true, p.partyOp(rejectOp))
	p.route("PATCH "+party, groupLight, true, p.partyOp(updateOp))
	p.route("DELETE /restapi/v1.0/account/{account}/telephony/sessions/{session}", groupLight, true, p.serveDrop)
	p.moreControlRoutes()
}

// controlFunc changes the party pid of s (a copy, stored afterwards) for
// the caller c and returns the ids of the parties it changed, in the order
// their notifications go out; the last one is the party the answer shows.
type controlFunc func(s *telephony.Session, pid string, c *caller, body []byte) ([]string, *apiError)

func invalidState(op string, pt *telephony.Party) *apiError {
	return errorf(http.StatusConflict, "TAS-104", fmt.Sprintf("Invalid party state [%s] for %s", pt.Status.Code, op))
}

func requireState(op string, pt *telephony.Party, allowed ...telephony.StatusCode) *apiError {
	if !slices.Contains(allowed, pt.Status.Code) {
		return invalidState(op, pt)
	}
	return nil
}

func setStatus(op string, to telephony.StatusCode, allowed ...telephony.StatusCode) controlFunc {
	return func(s *telephony.Session, pid string, _ *caller, _ []byte) ([]string, *apiError) {
		pt := s.Party(pid)
		if e := requireState(op, pt, allowed...); e != nil {
			return nil, e
		}
		pt.Status = telephony.Status{Code: to}
		return []string{pid}, nil
	}
}

var (
	answerOp = setStatus("answer", telephony.Answered, telephony.Setup, telephony.Proceeding)
	holdOp   = setStatus("hold", telephony.Hold, telephony.Answered)
	unholdOp = setStatus("unhold", telephony.Answered, telephony.Hold)
	rejectOp = setStatus("reject", telephony.VoiceMail, telephony.Setup, telephony.Proceeding)
)

// Park orbits the platform hands out.
const (
	firstOrbit = 801
	lastOrbit  = 899
)

// freeOrbit returns the lowest orbit no parked party of the model holds,
// or "" when all are taken. Callers hold p.mu.
func (p *Platform) freeOrbit() string {
	used := map[string]bool{}
	for _, s := range p.calls.sessions {
		for _, pt := range s.Parties {
			if pt.Status.Code == telephony.Parked && pt.Status.ParkData != "" {
				used[pt.Status.ParkData] = true
			}
		}
	}
	for n := firstOrbit; n <= lastOrbit; n++ {
		if o := fmt.Sprintf("*%d", n); !used[o] {
			return o
		}
	}
	return ""
}

func noFreeOrbit() *apiError {
	return errorf(http.StatusConflict, "TAS-104", "No free park location")
}

// parkAt parks pt on orbit.
func parkAt(pt *telephony.Party, orbit string) {
	pt.Status = telephony.Status{Code: telephony.Parked, ParkData: orbit}
	pt.Park = &telephony.Park{ID: orbit}
}

// parkOp runs with p.mu held (partyOp), so freeOrbit may read the model.
func (p *Platform) parkOp(s *telephony.Session, pid string, _ *caller, _ []byte) ([]string, *apiError) {
	pt := s.Party(pid)
	if e := requireState("park", pt, telephony.Answered, telephony.Hold); e != nil {
		return nil, e
	}
	orbit := p.freeOrbit()
	if orbit == "" {
		return nil, noFreeOrbit()
	}
	parkAt(pt, orbit)
	return []string{pid}, nil
}

func (p *Platform) pickupOp(s *telephony.Session, pid string, c *caller, body []byte) ([]string, *apiError) {
	pt := s.Party(pid)
	if e := requireState("pickup", pt, telephony.Parked); e != nil {
		return nil, e
	}
	var in struct {
		DeviceID string `json:"deviceId"`
	}
	if err := json.Unmarshal(body, &in); err != nil || in.DeviceID == "" {
		return nil, invalidParam("deviceId", "")
	}
	np := telephony.Party{Direction: telephony.Inbound, From: pt.From, Status: telephony.Status{Code: telephony.Answered}}
	if ext, ok := p.extension(c.extensionID); ok {
		np.AccountID, np.ExtensionID = p.set.accountID, ext.ID
		np.To = telephony.Endpoint{ExtensionID: ext.ID, Name: ext.Name, PhoneNumber: ext.PhoneNumber}
	}
	np.ID = newPartyID(s)
	pt.Status = telephony.Status{Code: telephony.Disconnected, Reason: telephony.ReasonPickup}
	pt.Park = nil
	s.Parties = append(s.Parties, np)
	return []string{pid, np.ID}, nil
}

func updateOp(s *telephony.Session, pid string, _ *caller, body []byte) ([]string, *apiError) {
	var u telephony.PartyUpdate
	if err := json.Unmarshal(body, &u); err != nil || u.Muted == nil && u.StandAlone == nil {
		return nil, invalidParam("body", "Request body is invalid")
	}
	pt := s.Party(pid)
	if pt.Status.Code.Final() {
		return nil, invalidState("update", pt)
	}
	if u.Muted != nil {
		pt.Muted = *u.Muted
	}
	if u.StandAlone != nil {
		pt.StandAlone = *u.StandAlone
	}
	return []string{pid}, nil
}

func newPartyID(s *telephony.Session) string {
	return fmt.Sprintf("p-%s-%d", s.TelephonySessionID, len(s.Parties)+1)
}

// readTarget decodes a transfer or forward body with exactly one target.
func readTarget(body []byte, parkOK bool) (telephony.Target, *apiError) {
	var to telephony.Target
	if err := json.Unmarshal(body, &to); err != nil {
		return to, invalidParam("body", "Request body is invalid")
	}
	n := 0
	for _, v := range []string{to.PhoneNumber, to.ExtensionNumber, to.ExtensionID, to.Voicemail, to.ParkOrbit} {
		if v != "" {
			n++
		}
	}
	if n != 1 || !parkOK && to.ParkOrbit != "" {
		return to, invalidParam("transferTarget", "Exactly one transfer target is required")
	}
	return to, nil
}

// findExtension finds an extension of the account by id or number.
func (p *Platform) findExtension(id, number string) (Extension, bool) {
	for _, e := range p.set.extensions {
		if id != "" && e.ID == id || number != "" && e.Number == number {
			return e, true
		}
	}
	return Extension{}, false
}

// targetParty is the party the call reaches at to, calling from from.
// Callers hold p.mu.
func (p *Platform) targetParty(s *telephony.Session, from telephony.Endpoint, to telephony.Target) (telephony.Party, *apiError) {
	np := telephony.Party{ID: newPartyID(s), Direction: telephony.Inbound, From: from, Status: telephony.Status{Code: telephony.Proceeding}}
	switch {
	case to.ExtensionID != "" || to.ExtensionNumber != "" || to.Voicemail != "":
		id := to.ExtensionID
		if to.Voicemail != "" {
			id = to.Voicemail
		}
		ext, ok := p.findExtension(id, to.ExtensionNumber)
		if !ok {
			param := "extensionId"
			switch {
			case to.Voicemail != "":
				param = "voicemail"
			case to.ExtensionNumber != "":
				param = "extensionNumber"
			}
			return np, invalidParam(param, "")
		}
		np.AccountID, np.ExtensionID = p.set.accountID, ext.ID
		np.To = telephony.Endpoint{ExtensionID: ext.ID, Name: ext.Name, PhoneNumber: ext.PhoneNumber}
		if to.Voicemail != "" {
			np.Status = telephony.Status{Code: telephony.VoiceMail}
		}
	case to.PhoneNumber != "":
		np.To = telephony.Endpoint{PhoneNumber: to.PhoneNumber}
	case to.ParkOrbit != "":
		if !p.orbitFree(to.ParkOrbit) {
			return np, noFreeOrbit()
		}
		parkAt(&np, to.ParkOrbit)
	}
	return np, nil
}

// orbitFree reports whether orbit is one of the platform's and free.
// Callers hold p.mu.
func (p *Platform) orbitFree(orbit string) bool {
	var n int
	if _, err := fmt.Sscanf(orbit, "*%d", &n); err != nil || n < firstOrbit || n > lastOrbit || fmt.Sprintf("*%d", n) != orbit {
		return false
	}
	for _, s := range p.calls.sessions {
		for _, pt := range s.Parties {
			if pt.Status.Code == telephony.Parked && pt.Status.ParkData == orbit {
				return false
			}
		}
	}
	return true
}

// transferOp and forwardOp run with p.mu held (partyOp).
func (p *Platform) transferOp(s *telephony.Session, pid string, _ *caller, body []byte) ([]string, *apiError) {
	pt := s.Party(pid)
	if e := requireState("transfer", pt, telephony.Answered, telephony.Hold); e != nil {
		return nil, e
	}
	to, e := readTarget(body, true)
	if e != nil {
		return nil, e
	}
	np, e := p.targetParty(s, pt.From, to)
	if e != nil {
		return nil, e
	}
	pt.Status = telephony.Status{Code: telephony.Disconnected, Reason: telephony.ReasonBlindTransfer}
	s.Parties = append(s.Parties, np)
	// The target's party goes out first, so that a tracker never sees
	// the call empty.
	return []string{np.ID, pid}, nil
}

func (p *Platform) forwardOp(s *telephony.Session, pid string, _ *caller, body []byte) ([]string, *apiError) {
	pt := s.Party(pid)
	if e := requireState("forward", pt, telephony.Setup, telephony.Proceeding); e != nil {
		return nil, e
	}
	to, e := readTarget(body, false)
	if e != nil {
		return nil, e
	}
	if to.Voicemail != "" && to.Voicemail == pt.ExtensionID {
		pt.Status = telephony.Status{Code: telephony.VoiceMail}
		return []string{pid}, nil
	}
	np, e := p.targetParty(s, pt.From, to)
	if e != nil {
		return nil, e
	}
	pt.Status = telephony.Status{Code: telephony.Disconnected, Reason: telephony.ReasonCallRedirected}
	s.Parties = append(s.Parties, np)
	return []string{np.ID, pid}, nil
}

// partyOp serves one party operation against the model.
func (p *Platform) partyOp(f controlFunc) apiHandler {
	return p.partyOpAnswer(func(s *telephony.Session, pid string, c *caller, body []byte, _ *http.Request) ([]string, any, *apiError) {
		changed, e := f(s, pid, c, body)
		return changed, nil, e
	})
}

// answerFunc is a controlFunc that may choose its answer: a nil answer is
// the last changed party (the party pid when nothing changed), an
// int answer is a status without a body. An operation that changes no
// party neither bumps the sequence nor publishes.
type answerFunc func(s *telephony.Session, pid string, c *caller, body []byte, r *http.Request) ([]string, any, *apiError)

// partyOpAnswer serves one party operation against the model.
func (p *Platform) partyOpAnswer(f answerFunc) apiHandler {
	return func(w http.ResponseWriter, r *http.Request, c *caller) {
		if !p.accountOK(w, r) {
			return
		}
		body, err := readAll(r)
		if err != nil {
			invalidParam("body", "Request body is invalid").write(w)
			return
		}
		sid, pid := r.PathValue("session"), r.PathValue("party")
		now := p.now()
		s := p.sessionForUpdate(w, sid)
		if s == nil {
			return
		}
		if s.Party(pid) == nil {
			p.mu.Unlock()
			notFound("partyId").write(w)
			return
		}
		changed, out, e := f(s, pid, c, body, r)
		if e != nil {
			p.mu.Unlock()
			e.write(w)
			return
		}
		var note *telephony.Session
		if len(changed) > 0 {
			s.Sequence += int64(max(len(changed), 1)) // one sequence number per notification
			s.EventTime = later(now, s.EventTime)
			p.calls.sessions[sid] = s
			note = p.changedParties(s, changed)
		}
		if out == nil {
			last := pid
			if len(changed) > 0 {
				last = changed[len(changed)-1]
			}
			out = p.restParty(*s.Party(last))
		}
		p.mu.Unlock()
		if status, ok := out.(int); ok {
			w.WriteHeader(status)
		} else {
			writeJSON(w, http.StatusOK, out)
		}
		if note != nil {
			_ = p.publishSession(r.Context(), note) // logged
		}
	}
}

// changedParties is a copy of s with only the parties named, in the
// order of ids (the order their notifications go out in). Callers hold
// p.mu.
func (p *Platform) changedParties(s *telephony.Session, ids []string) *telephony.Session {
	c := cloneSession(s)
	c.Parties = c.Parties[:0]
	for _, id := range ids {
		if pt := s.Party(id); pt != nil {
			c.Parties = append(c.Parties, *pt)
		}
	}
	return cloneSession(c)
}

// publishSession publishes s on the resource of each of its parties'
// extensions, each notification with that party only, and returns the
// first error.
func (p *Platform) publishSession(ctx context.Context, s *telephony.Session) error {
	var first error
	for i, pt := range s.Parties {
		one := *s
		one.Parties = []telephony.Party{pt}
		// RingCentral numbers every notification: the parties of one
		// change get consecutive sequence numbers ending at s.Sequence, in
		// the order they go out.
		one.Sequence = s.Sequence - int64(len(s.Parties)-1-i)
		res := "/restapi/v1.0/account/" + p.set.accountID + "/telephony/sessions"
		if pt.ExtensionID != "" {
			res = "/restapi/v1.0/account/" + p.set.accountID + "/extension/" + pt.ExtensionID + "/telephony/sessions"
		}
		if _, err := p.Publish(ctx, res, &one); err != nil {
			p.set.logger.Debug("notifytest: publishing a control change", "error", err)
			if first == nil {
				first = err
			}
		}
	}
	p.controlled(s) // a scripted call takes the change in (calls_script.go)
	return first
}

// sessionForUpdate locks p.mu and returns a copy of session sid for a
// control request to change; when there is none it answers 404, unlocks
// and returns nil. The caller unlocks p.mu otherwise.
func (p *Platform) sessionForUpdate(w http.ResponseWriter, sid string) *telephony.Session {
	p.mu.Lock()
	old, ok := p.calls.sessions[sid]
	if !ok {
		p.mu.Unlock()
		notFound("telephonySessionId").write(w)
		return nil
	}
	return cloneSession(old)
}

// serveDrop is DELETE …/telephony/sessions/{session}.
func (p *Platform) serveDrop(w http.ResponseWriter, r *http.Request, _ *caller) {
	if !p.accountOK(w, r) {
		return
	}
	sid := r.PathValue("session")
	now := p.now()
	s := p.sessionForUpdate(w, sid)
	if s == nil {
		return
	}
	var changed []string
	for i := range s.Parties {
		if !s.Parties[i].Status.Code.Final() {
			s.Parties[i].Status = telephony.Status{Code: telephony.Disconnected, Reason: telephony.ReasonCallDropped}
			changed = append(changed, s.Parties[i].ID)
		}
	}
	s.Sequence += int64(max(len(changed), 1)) // one sequence number per notification
	s.EventTime = later(now, s.EventTime)
	delete(p.calls.sessions, sid)
	note := p.changedParties(s, changed)
	p.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
	_ = p.publishSession(r.Context(), note) // logged
}

// StartCall adds a call to the model and publishes it, each party on the
// resource of its extension (the account's for a party without one), as
// RingCentral does when a call starts. The call then waits, in the state
// given, until a Call Control request moves it on (or EndSession removes
// it): it is how a test or a demo makes a call ring or stay on hold for
// as long as it needs. A zero Sequence starts at 1, a zero EventTime and
// is the platform clock's now. It returns the first error
// of a publication.
func (p *Platform) StartCall(ctx context.Context, s telephony.Session) error {
	if s.Sequence == 0 {
		s.Sequence = 1
	}
	now := p.now()
	if s.EventTime.IsZero() {
		s.EventTime = later(now, s.EventTime)
	}
	if n := len(s.Parties); n > 1 {
		s.Sequence += int64(n - 1) // one sequence number per party's notification
	}
	if err := p.SetSession(s); err != nil {
		return err
	}
	p.mu.Lock()
	c := cloneSession(p.calls.sessions[s.TelephonySessionID])
	p.mu.Unlock()
	return p.publishSession(ctx, c)
}
