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
// calls (SetSession). Each changes the call as RingCentral does, bumps the
// session's sequence, answers with the party, and publishes a
// telephony-session notification carrying the changed parties, on the
// resource of each party's extension (the account's resource for a party
// without one), to every transport:
//
//   - answer: Setup or Proceeding → Answered;
//   - hold: Answered → Hold; unhold: Hold → Answered;
//   - park: Answered or Hold → Parked, with the next free orbit *801–*899
//     in Status.ParkData;
//   - transfer (blind): Answered or Hold → the party Disconnected with
//     reason BlindTransfer, and a new party for the target (an extension
//     of the account by extensionId or extensionNumber, or a phone number)
//     rings (Proceeding) in the same session; the target's notification
//     goes out first, so the call never looks empty;
//   - drop: every party Disconnected (reason CallDropped), then the session
//     leaves the model (its GET answers 404).
//
// The docs list no error code for an operation the party's state forbids;
// the platform answers 409 with code TAS-104 ("Invalid party state") and
// says which state it found. Unknown sessions and parties answer 404
// CMN-102, and an invalid transfer target 400 CMN-101.

func (p *Platform) controlRoutes() {
	const party = "/restapi/v1.0/account/{account}/telephony/sessions/{session}/parties/{party}"
	p.route("POST "+party+"/answer", groupLight, true, p.partyOp(answerOp))
	p.route("POST "+party+"/hold", groupLight, true, p.partyOp(holdOp))
	p.route("POST "+party+"/unhold", groupLight, true, p.partyOp(unholdOp))
	p.route("POST "+party+"/park", groupLight, true, p.partyOp(parkOp))
	p.route("POST "+party+"/transfer", groupLight, true, p.partyOp(p.transferOp))
	p.route("DELETE /restapi/v1.0/account/{account}/telephony/sessions/{session}", groupLight, true, p.serveDrop)
}

// controlFunc changes the party pid of s (a copy, stored afterwards) and
// returns the ids of the parties it changed.
type controlFunc func(s *telephony.Session, pid string, body []byte) ([]string, *apiError)

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
	return func(s *telephony.Session, pid string, _ []byte) ([]string, *apiError) {
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
)

func parkOp(s *telephony.Session, pid string, _ []byte) ([]string, *apiError) {
	pt := s.Party(pid)
	if e := requireState("park", pt, telephony.Answered, telephony.Hold); e != nil {
		return nil, e
	}
	pt.Status = telephony.Status{Code: telephony.Parked, ParkData: "*801"}
	return []string{pid}, nil
}

func (p *Platform) transferOp(s *telephony.Session, pid string, body []byte) ([]string, *apiError) {
	pt := s.Party(pid)
	if e := requireState("transfer", pt, telephony.Answered, telephony.Hold); e != nil {
		return nil, e
	}
	var to telephony.Target
	if err := json.Unmarshal(body, &to); err != nil {
		return nil, invalidParam("body", "Request body is invalid")
	}
	np := telephony.Party{Direction: telephony.Inbound, From: pt.From, Status: telephony.Status{Code: telephony.Proceeding}}
	n := 0
	for _, v := range []string{to.PhoneNumber, to.ExtensionNumber, to.ExtensionID, to.Voicemail, to.ParkOrbit} {
		if v != "" {
			n++
		}
	}
	if n != 1 {
		return nil, invalidParam("transferTarget", "Exactly one transfer target is required")
	}
	switch {
	case to.ExtensionID != "" || to.ExtensionNumber != "":
		var ext Extension
		found := false
		for _, e := range p.set.extensions {
			if e.ID == to.ExtensionID && to.ExtensionID != "" || e.Number == to.ExtensionNumber && to.ExtensionNumber != "" {
				ext, found = e, true
			}
		}
		if !found {
			return nil, invalidParam("extensionId", "")
		}
		np.AccountID, np.ExtensionID = p.set.accountID, ext.ID
		np.To = telephony.Endpoint{ExtensionID: ext.ID, Name: ext.Name, PhoneNumber: ext.PhoneNumber}
	case to.PhoneNumber != "":
		np.To = telephony.Endpoint{PhoneNumber: to.PhoneNumber}
	default:
		return nil, invalidParam("transferTarget", "notifytest: only extension and phone number targets are modelled")
	}
	np.ID = fmt.Sprintf("p-%s-%d", s.TelephonySessionID, len(s.Parties)+1)
	pt.Status = telephony.Status{Code: telephony.Disconnected, Reason: telephony.ReasonBlindTransfer}
	s.Parties = append(s.Parties, np)
	// The target rings before the transferring party leaves, as on
	// RingCentral, so that a tracker never sees the call empty.
	return []string{np.ID, pid}, nil
}

// partyOp serves one party operation against the model.
func (p *Platform) partyOp(f controlFunc) apiHandler {
	return func(w http.ResponseWriter, r *http.Request, _ *caller) {
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
		p.mu.Lock()
		old, ok := p.calls.sessions[sid]
		if !ok {
			p.mu.Unlock()
			notFound("telephonySessionId").write(w)
			return
		}
		if old.Party(pid) == nil {
			p.mu.Unlock()
			notFound("partyId").write(w)
			return
		}
		s := cloneSession(old)
		changed, e := f(s, pid, body)
		if e != nil {
			p.mu.Unlock()
			e.write(w)
			return
		}
		s.Sequence++
		s.EventTime = now
		p.calls.sessions[sid] = s
		rp := p.restParty(*s.Party(pid))
		note := p.changedParties(s, changed)
		p.mu.Unlock()
		writeJSON(w, http.StatusOK, rp)
		_ = p.publishSession(r.Context(), note) // logged
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
	for _, pt := range s.Parties {
		one := *s
		one.Parties = []telephony.Party{pt}
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
	return first
}

// serveDrop is DELETE …/telephony/sessions/{session}.
func (p *Platform) serveDrop(w http.ResponseWriter, r *http.Request, _ *caller) {
	if !p.accountOK(w, r) {
		return
	}
	sid := r.PathValue("session")
	now := p.now()
	p.mu.Lock()
	old, ok := p.calls.sessions[sid]
	if !ok {
		p.mu.Unlock()
		notFound("telephonySessionId").write(w)
		return
	}
	s := cloneSession(old)
	var changed []string
	for i := range s.Parties {
		if !s.Parties[i].Status.Code.Final() {
			s.Parties[i].Status = telephony.Status{Code: telephony.Disconnected, Reason: telephony.ReasonCallDropped}
			changed = append(changed, s.Parties[i].ID)
		}
	}
	s.Sequence++
	s.EventTime = now
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
		s.EventTime = now
	}
	if err := p.SetSession(s); err != nil {
		return err
	}
	p.mu.Lock()
	c := cloneSession(p.calls.sessions[s.TelephonySessionID])
	p.mu.Unlock()
	return p.publishSession(ctx, c)
}
