package callscript

import (
	"slices"
	"time"

	"github.com/ringwatch/ringwatch/telephony"
)

// call is one telephony session.
type call struct {
	label     string
	hex       string
	id        string // telephonySessionId
	sessionID string // legacy id
	origin    string
	seq       int64
	legs      []*leg
	links     []*call // sessions joined to this one by a transfer, pick-up or conference
	updated   time.Time
	ended     bool
	byControl bool // ended by a Call Control request (Player.Resume)
}

// leg is one party of a call.
type leg struct {
	label    string
	ep       Endpoint
	p        telephony.Party
	answered bool
	start    time.Time
	presID   string // the call's id in presence
	sip      *presenceSIP
	// byControl: a Call Control request made the party leave
	// (Player.Resume).
	byControl bool
}

type presenceSIP struct{ toTag, fromTag string }

func (l *leg) final() bool { return l.p.Status.Code.Final() }

// connected reports whether the leg holds the call up: answered and still
// in it, or leaving a voicemail.
func (l *leg) connected() bool {
	if l.final() {
		return false
	}
	return l.answered || l.p.Status.Code == telephony.VoiceMail
}

func (c *call) leg(label string) *leg {
	for _, l := range c.legs {
		if l.label == label && !l.final() {
			return l
		}
	}
	for _, l := range slices.Backward(c.legs) {
		if l.label == label {
			return l
		}
	}
	return nil
}

// state is the whole session as the REST API serves it.
func (c *call) state() *telephony.Session {
	s := &telephony.Session{
		Sequence:           c.seq,
		SessionID:          c.sessionID,
		TelephonySessionID: c.id,
		EventTime:          c.updated,
		CreationTime:       c.updated,
		Origin:             telephony.Origin{Type: c.origin},
		Parties:            make([]telephony.Party, len(c.legs)),
	}
	for i, l := range c.legs {
		s.Parties[i] = cloneParty(l.p)
	}
	return s
}

func cloneParty(p telephony.Party) telephony.Party {
	if p.Park != nil {
		v := *p.Park
		p.Park = &v
	}
	if p.SIPData != nil {
		v := *p.SIPData
		p.SIPData = &v
	}
	if p.Status.PeerID != nil {
		v := *p.Status.PeerID
		p.Status.PeerID = &v
	}
	return p
}

// group returns the call and every call linked to it, transitively.
func (c *call) group() []*call {
	out := []*call{c}
	for i := 0; i < len(out); i++ {
		for _, l := range out[i].links {
			if !slices.Contains(out, l) {
				out = append(out, l)
			}
		}
	}
	return out
}

func link(a, b *call) {
	if !slices.Contains(a.links, b) {
		a.links = append(a.links, b)
	}
	if !slices.Contains(b.links, a) {
		b.links = append(b.links, a)
	}
}
