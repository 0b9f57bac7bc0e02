package telephony

// partyHot is a party's state as the tracker keeps it: the fields of a
// Party that a call's tracking reads, inline, and the rest, which most
// notifications do not carry (partyRare), out of line, allocated only for
// a party whose notifications carry any of it. A Party is 432 bytes and
// most of it is empty in a telephony notification; kept this way, a call
// with its first two parties fits a 1,024-byte object instead of 1,280
// (see TestAllocationSizes). party rebuilds the Party.
type partyHot struct {
	ID, AccountID, ExtensionID, Direction string
	From, To                              Endpoint
	Status                                Status
	ConferenceRole                        string
	rare                                  *partyRare
	QueueCall, MissedCall, StandAlone     bool
	Muted                                 bool
}

// partyRare holds the fields of a Party that partyHot keeps out of line.
type partyRare struct {
	Park                    *Park
	Recordings              []Recording
	RingOutRole, RingMeRole string
	SIPData                 *SIPData
	UICallInfo              *UICallInfo
	Attributes              *Attributes
	Owner                   *Owner
	Metadata                []Metadata
}

// hasRare reports whether p sets any field partyHot keeps out of line;
// most notifications set none, and then nothing else is done with them.
func hasRare(p *Party) bool {
	return p.Park != nil || p.Recordings != nil || p.RingOutRole != "" || p.RingMeRole != "" ||
		p.SIPData != nil || p.UICallInfo != nil || p.Attributes != nil || p.Owner != nil || p.Metadata != nil
}

// rareOf returns the fields of p that partyHot keeps out of line.
func rareOf(p *Party) partyRare {
	return partyRare{Park: p.Park, Recordings: p.Recordings, RingOutRole: p.RingOutRole, RingMeRole: p.RingMeRole,
		SIPData: p.SIPData, UICallInfo: p.UICallInfo, Attributes: p.Attributes, Owner: p.Owner, Metadata: p.Metadata}
}

// set reports whether any field of r is set.
func (r *partyRare) set() bool {
	return r.Park != nil || r.Recordings != nil || r.RingOutRole != "" || r.RingMeRole != "" ||
		r.SIPData != nil || r.UICallInfo != nil || r.Attributes != nil || r.Owner != nil || r.Metadata != nil
}

// keepRare stores r as h's out-of-line fields, reusing h's allocation:
// the Parties handed out are copies, so none refers to it.
func (h *partyHot) keepRare(r *partyRare, any bool) {
	switch {
	case !any:
		h.rare = nil
	case h.rare == nil:
		h.rare = new(partyRare)
		*h.rare = *r
	default:
		*h.rare = *r
	}
}

// set makes h the state p.
func (h *partyHot) set(p *Party) {
	h.ID, h.AccountID, h.ExtensionID, h.Direction = p.ID, p.AccountID, p.ExtensionID, p.Direction
	h.From, h.To, h.Status, h.ConferenceRole = p.From, p.To, p.Status, p.ConferenceRole
	h.QueueCall, h.MissedCall, h.StandAlone, h.Muted = p.QueueCall, p.MissedCall, p.StandAlone, p.Muted
	if !hasRare(p) {
		h.rare = nil
		return
	}
	r := rareOf(p)
	h.keepRare(&r, true)
}

// party returns the Party h holds.
func (h *partyHot) party() Party {
	var p Party
	h.fill(&p)
	return p
}

// fill writes the Party h holds into *p, which is zero (a new Change's
// slot): one write of each field, without a temporary Party.
func (h *partyHot) fill(p *Party) {
	p.ID, p.AccountID, p.ExtensionID, p.Direction = h.ID, h.AccountID, h.ExtensionID, h.Direction
	p.From, p.To, p.Status, p.ConferenceRole = h.From, h.To, h.Status, h.ConferenceRole
	p.QueueCall, p.MissedCall, p.StandAlone, p.Muted = h.QueueCall, h.MissedCall, h.StandAlone, h.Muted
	if r := h.rare; r != nil {
		p.Park, p.Recordings, p.RingOutRole, p.RingMeRole = r.Park, r.Recordings, r.RingOutRole, r.RingMeRole
		p.SIPData, p.UICallInfo, p.Attributes, p.Owner, p.Metadata = r.SIPData, r.UICallInfo, r.Attributes, r.Owner, r.Metadata
	}
}

// Local is Party.Local for the party h holds.
func (h *partyHot) Local() Endpoint {
	if h.Direction == Outbound {
		return h.From
	}
	return h.To
}

// merge updates h with src, keeping what src does not say: a
// notification may leave out fields that an earlier one carried (the
// owner, direction and ends of the call, the conference role, SIP data,
// display lines, recordings); the queue-call and missed-call flags, once
// set, stay set. Every other field is src's.
func (h *partyHot) merge(src *Party) {
	if src.AccountID != "" {
		h.AccountID = src.AccountID
	}
	if src.ExtensionID != "" {
		h.ExtensionID = src.ExtensionID
	}
	if src.Direction != "" {
		h.Direction = src.Direction
	}
	if src.From != (Endpoint{}) {
		h.From = src.From
	}
	if src.To != (Endpoint{}) {
		h.To = src.To
	}
	if src.ConferenceRole != "" {
		h.ConferenceRole = src.ConferenceRole
	}
	h.ID, h.Status = src.ID, src.Status
	h.QueueCall = h.QueueCall || src.QueueCall
	h.MissedCall = h.MissedCall || src.MissedCall
	h.StandAlone, h.Muted = src.StandAlone, src.Muted
	if h.rare == nil && !hasRare(src) {
		return
	}
	r := rareOf(src)
	if old := h.rare; old != nil {
		if r.SIPData == nil {
			r.SIPData = old.SIPData
		}
		if r.UICallInfo == nil {
			r.UICallInfo = old.UICallInfo
		}
		if r.Recordings == nil {
			r.Recordings = old.Recordings
		}
	}
	h.keepRare(&r, r.set())
}
