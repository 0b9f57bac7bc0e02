package notifytest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ringwatch/ringwatch/telephony"
)

// ErrNoTimeout is returned by StartCallFor for a timeout that is not
// positive.
var ErrNoTimeout = errors.New("notifytest: StartCallFor: the timeout must be positive")

// StartCallFor starts a call as StartCall does, and ends it after timeout
// (real time, not the platform's clock) unless a Call Control request has
// moved it on by then (any request that changes a party: answer, hold,
// transfer, …; flip and reply change none), or it has left the model. The
// end is RingCentral's for a call nobody acted on: every party still on
// the call goes Disconnected, a ringing one (Setup or Proceeding) with
// reason NoAnswer and any other (Answered, Hold, Parked, VoiceMail) with
// reason CallFinished, as when the caller hangs up; the platform chose
// these reasons, which the docs do not tie to a timeout. The change is
// published with the session's next sequence, then the session leaves the
// model. Once moved on, the call waits for control requests as a
// StartCall call does. Close cancels a pending timeout.
func (p *Platform) StartCallFor(ctx context.Context, s telephony.Session, timeout time.Duration) error {
	if timeout <= 0 {
		return fmt.Errorf("%w (%v)", ErrNoTimeout, timeout)
	}
	err := p.StartCall(ctx, s)
	p.mu.Lock()
	started, ok := p.calls.sessions[s.TelephonySessionID]
	var seq int64
	if ok {
		seq = started.Sequence
	}
	p.mu.Unlock()
	if !ok {
		return err
	}
	sid := s.TelephonySessionID
	p.goOwned(func() {
		t := time.NewTimer(timeout)
		defer t.Stop()
		select {
		case <-p.ctx.Done():
			return
		case <-t.C:
		}
		p.timeOut(sid, seq)
	})
	return err
}

// timeOut ends session sid as StartCallFor says if its sequence is still
// seq, and reports whether it did.
func (p *Platform) timeOut(sid string, seq int64) bool {
	now := p.now()
	p.mu.Lock()
	old, ok := p.calls.sessions[sid]
	if !ok || old.Sequence != seq {
		p.mu.Unlock()
		return false
	}
	s := cloneSession(old)
	var changed []string
	for i := range s.Parties {
		pt := &s.Parties[i]
		switch {
		case pt.Status.Code.Final():
			continue
		case pt.Status.Code == telephony.Setup || pt.Status.Code == telephony.Proceeding:
			pt.Status = telephony.Status{Code: telephony.Disconnected, Reason: telephony.ReasonNoAnswer}
		default:
			pt.Status = telephony.Status{Code: telephony.Disconnected, Reason: telephony.ReasonCallFinished}
		}
		pt.Park = nil
		changed = append(changed, pt.ID)
	}
	s.Sequence += int64(max(len(changed), 1)) // one sequence number per notification
	s.EventTime = later(now, s.EventTime)
	delete(p.calls.sessions, sid)
	note := p.changedParties(s, changed)
	p.mu.Unlock()
	_ = p.publishSession(p.ctx, note) // logged
	return true
}
