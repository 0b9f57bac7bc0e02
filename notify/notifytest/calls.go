package notifytest

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/ringwatch/ringwatch/presence"
	"github.com/ringwatch/ringwatch/telephony"
)

// callState is the platform's model of calls, which the resynchronisation
// endpoints serve. It is guarded by Platform.mu. Stored values are never
// modified in place (setters replace them), so answers may be encoded
// after the lock is released.
type callState struct {
	sessions map[string]*telephony.Session
	presence map[string]*presence.Event
}

func (cs *callState) init() {
	cs.sessions = map[string]*telephony.Session{}
	cs.presence = map[string]*presence.Event{}
}

// ErrUnknownExtension is returned for an extension id the account does not
// have.
var ErrUnknownExtension = errors.New("notifytest: unknown extension")

// SetSession adds or replaces a telephony session in the platform's model,
// keyed by its TelephonySessionID. GET …/telephony/sessions/{id} and
// …/parties/{partyId} serve it until EndSession. The platform keeps a copy.
func (p *Platform) SetSession(s telephony.Session) error {
	if s.TelephonySessionID == "" {
		return errors.New("notifytest: SetSession: empty TelephonySessionID")
	}
	c := cloneSession(&s)
	p.mu.Lock()
	p.calls.sessions[s.TelephonySessionID] = c
	p.mu.Unlock()
	return nil
}

// EndSession removes a session from the model; its GET answers 404 from
// then on. It reports whether the session was there. Presence is not
// changed: set it with SetPresence.
func (p *Platform) EndSession(telephonySessionID string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.calls.sessions[telephonySessionID]
	delete(p.calls.sessions, telephonySessionID)
	return ok
}

// Session returns a copy of a session of the model.
func (p *Platform) Session(telephonySessionID string) (telephony.Session, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s, ok := p.calls.sessions[telephonySessionID]
	if !ok {
		return telephony.Session{}, false
	}
	return *cloneSession(s), true
}

// SetPresence sets an extension's presence in the model, as the presence
// endpoints serve it (activeCalls only with detailedTelephonyState=true,
// SIP data only with sipData=true). ExtensionID is set from extensionID.
func (p *Platform) SetPresence(extensionID string, ev presence.Event) error {
	if _, ok := p.extension(extensionID); !ok {
		return ErrUnknownExtension
	}
	ev.ExtensionID = extensionID
	ev.ActiveCalls = cloneCalls(ev.ActiveCalls)
	p.mu.Lock()
	p.calls.presence[extensionID] = &ev
	p.mu.Unlock()
	return nil
}

// Presence returns an extension's presence in the model: what SetPresence
// set, or an idle, available extension.
func (p *Platform) Presence(extensionID string) (presence.Event, bool) {
	if _, ok := p.extension(extensionID); !ok {
		return presence.Event{}, false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.presenceOf(extensionID), true
}

// presenceOf returns a copy of an extension's presence. Callers hold p.mu.
func (p *Platform) presenceOf(extensionID string) presence.Event {
	if ev, ok := p.calls.presence[extensionID]; ok {
		c := *ev
		c.ActiveCalls = cloneCalls(ev.ActiveCalls)
		return c
	}
	return presence.Event{
		ExtensionID:        extensionID,
		TelephonyStatus:    presence.NoCall,
		PresenceStatus:     presence.StatusAvailable,
		UserStatus:         presence.StatusAvailable,
		DNDStatus:          presence.TakeAllCalls,
		MeetingStatus:      presence.MeetingDisconnected,
		AllowSeeMyPresence: true,
	}
}

func cloneCalls(calls []presence.ActiveCall) []presence.ActiveCall {
	out := slices.Clone(calls)
	for i := range out {
		if s := out[i].SIPData; s != nil {
			c := *s
			out[i].SIPData = &c
		}
		if ci := out[i].CallInfo; ci != nil {
			c := *ci
			out[i].CallInfo = &c
		}
		if a := out[i].AppearanceInfo; a != nil {
			c := *a
			out[i].AppearanceInfo = &c
		}
	}
	return out
}

func cloneSession(s *telephony.Session) *telephony.Session {
	c := *s
	c.Parties = slices.Clone(s.Parties)
	for i := range c.Parties {
		pt := &c.Parties[i]
		pt.Recordings = slices.Clone(pt.Recordings)
		if pt.Park != nil {
			v := *pt.Park
			pt.Park = &v
		}
		if pt.SIPData != nil {
			v := *pt.SIPData
			pt.SIPData = &v
		}
		if pt.UICallInfo != nil {
			v := *pt.UICallInfo
			pt.UICallInfo = &v
		}
		if pt.Status.PeerID != nil {
			v := *pt.Status.PeerID
			pt.Status.PeerID = &v
		}
		if pt.Status.MobilePickupData != nil {
			v := *pt.Status.MobilePickupData
			v.CCMailboxes = slices.Clone(v.CCMailboxes)
			pt.Status.MobilePickupData = &v
		}
	}
	return &c
}

// restSession is the Call Control API's CallSessionObject.
type restSession struct {
	ID             string           `json:"id"`
	Origin         telephony.Origin `json:"origin"`
	CreationTime   string           `json:"creationTime"`
	VoiceCallToken string           `json:"voiceCallToken,omitempty"`
	Parties        []restParty      `json:"parties"`
}

// restParty is the Call Control API's CallParty: the notification form
// plus the deprecated owner object and attributes that the REST form uses.
type restParty struct {
	telephony.Party
	Owner      *restOwner      `json:"owner,omitempty"`
	Attributes *restAttributes `json:"attributes,omitempty"`
}

type restOwner struct {
	AccountID   string `json:"accountId"`
	ExtensionID string `json:"extensionId"`
}

type restAttributes struct {
	QueueCall bool `json:"queueCall"`
}

func (p *Platform) restParty(pt telephony.Party) restParty {
	rp := restParty{Party: pt}
	if pt.ExtensionID != "" {
		acct := pt.AccountID
		if acct == "" {
			acct = p.set.accountID
		}
		rp.Owner = &restOwner{AccountID: acct, ExtensionID: pt.ExtensionID}
	}
	if pt.QueueCall {
		rp.Attributes = &restAttributes{QueueCall: true}
	}
	return rp
}

func (p *Platform) restSession(s *telephony.Session, now time.Time) restSession {
	t := s.CreationTime
	if t.IsZero() {
		t = s.EventTime
	}
	if t.IsZero() {
		t = now
	}
	rs := restSession{
		ID:             s.TelephonySessionID,
		Origin:         s.Origin,
		CreationTime:   t.UTC().Format("2006-01-02T15:04:05.000Z"),
		VoiceCallToken: s.VoiceCallToken,
		Parties:        make([]restParty, len(s.Parties)),
	}
	for i, pt := range s.Parties {
		rs.Parties[i] = p.restParty(pt)
	}
	return rs
}

// accountOK accepts "~" and the account's id.
func (p *Platform) accountOK(w http.ResponseWriter, r *http.Request) bool {
	if a := r.PathValue("account"); a != "~" && a != p.set.accountID {
		notFound("accountId").write(w)
		return false
	}
	return true
}

// serveSession is GET …/account/{account}/telephony/sessions/{session}.
func (p *Platform) serveSession(w http.ResponseWriter, r *http.Request, _ *caller) {
	if !p.accountOK(w, r) {
		return
	}
	now := p.now()
	p.mu.Lock()
	s, ok := p.calls.sessions[r.PathValue("session")]
	var rs restSession
	if ok {
		rs = p.restSession(s, now)
	}
	p.mu.Unlock()
	if !ok {
		notFound("telephonySessionId").write(w)
		return
	}
	writeJSON(w, http.StatusOK, rs)
}

// serveParty is GET …/telephony/sessions/{session}/parties/{party}.
func (p *Platform) serveParty(w http.ResponseWriter, r *http.Request, _ *caller) {
	if !p.accountOK(w, r) {
		return
	}
	p.mu.Lock()
	var (
		rp    restParty
		found bool
	)
	s, ok := p.calls.sessions[r.PathValue("session")]
	if ok {
		if pt := s.Party(r.PathValue("party")); pt != nil {
			rp, found = p.restParty(*pt), true
		}
	}
	p.mu.Unlock()
	switch {
	case !ok:
		notFound("telephonySessionId").write(w)
	case !found:
		notFound("partyId").write(w)
	default:
		writeJSON(w, http.StatusOK, rp)
	}
}

// restPresence is the REST PresenceInfoResponse: the notification body's
// fields plus the resource uri and the extension object.
type restPresence struct {
	URI       string        `json:"uri"`
	Extension restExtension `json:"extension"`
	presence.Event
}

type restExtension struct {
	URI             string          `json:"uri"`
	ID              json.RawMessage `json:"id"`
	ExtensionNumber string          `json:"extensionNumber,omitempty"`
}

// jsonID encodes an id as a JSON number when it is one, as RingCentral
// does for extension ids in REST resources.
func jsonID(id string) json.RawMessage {
	if _, err := strconv.ParseInt(id, 10, 64); err == nil {
		return json.RawMessage(id)
	}
	b, _ := json.Marshal(id)
	return b
}

// restPresence shapes an extension's presence for the REST answer. Callers
// hold p.mu.
func (p *Platform) restPresence(ext Extension, detailed, sip bool) restPresence {
	ev := p.presenceOf(ext.ID)
	extURI := p.URL() + "/restapi/v1.0/account/" + p.set.accountID + "/extension/" + ext.ID
	// Fields of the notification body that the REST resource does not
	// have.
	ev.ExtensionID, ev.Sequence, ev.OwnerID, ev.TotalActiveCalls = "", 0, "", 0
	ev.Extensions, ev.QueueMembers = nil, nil
	if !detailed {
		ev.ActiveCalls = nil
	} else if !sip {
		for i := range ev.ActiveCalls {
			ev.ActiveCalls[i].SIPData = nil
		}
	}
	return restPresence{
		URI:       extURI + "/presence",
		Extension: restExtension{URI: extURI, ID: jsonID(ext.ID), ExtensionNumber: ext.Number},
		Event:     ev,
	}
}

func presenceQuery(q url.Values) (detailed, sip bool) {
	return q.Get("detailedTelephonyState") == "true", q.Get("sipData") == "true"
}

// serveExtensionPresence is GET …/account/{account}/extension/{extension}/presence.
func (p *Platform) serveExtensionPresence(w http.ResponseWriter, r *http.Request, c *caller) {
	if !p.accountOK(w, r) {
		return
	}
	id := r.PathValue("extension")
	if id == "~" {
		id = c.extensionID
	}
	ext, ok := p.extension(id)
	if !ok {
		notFound("extensionId").write(w)
		return
	}
	detailed, sip := presenceQuery(r.URL.Query())
	p.mu.Lock()
	rp := p.restPresence(ext, detailed, sip)
	p.mu.Unlock()
	writeJSON(w, http.StatusOK, rp)
}

type pageRef struct {
	URI string `json:"uri"`
}

type navigation struct {
	FirstPage    *pageRef `json:"firstPage,omitempty"`
	NextPage     *pageRef `json:"nextPage,omitempty"`
	PreviousPage *pageRef `json:"previousPage,omitempty"`
	LastPage     *pageRef `json:"lastPage,omitempty"`
}

type paging struct {
	Page          int  `json:"page"`
	TotalPages    int  `json:"totalPages"`
	PerPage       int  `json:"perPage"`
	TotalElements int  `json:"totalElements"`
	PageStart     *int `json:"pageStart,omitempty"`
	PageEnd       *int `json:"pageEnd,omitempty"`
}

type accountPresence struct {
	URI        string         `json:"uri"`
	Records    []restPresence `json:"records"`
	Navigation navigation     `json:"navigation"`
	Paging     paging         `json:"paging"`
}

// Paging defaults and bounds of account presence.
const (
	defaultPerPage = 100
	maxPerPage     = 1000
)

func intParam(q url.Values, name string, def, lo, hi int) (int, *apiError) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, invalidParam(name, "")
	}
	return n, nil
}

// serveAccountPresence is GET …/account/{account}/presence, paged.
func (p *Platform) serveAccountPresence(w http.ResponseWriter, r *http.Request, _ *caller) {
	if !p.accountOK(w, r) {
		return
	}
	q := r.URL.Query()
	page, aerr := intParam(q, "page", 1, 1, 1<<30)
	if aerr != nil {
		aerr.write(w)
		return
	}
	perPage, aerr := intParam(q, "perPage", defaultPerPage, 1, maxPerPage)
	if aerr != nil {
		aerr.write(w)
		return
	}
	detailed, sip := presenceQuery(q)
	exts := p.set.extensions
	total := len(exts)
	pages := max((total+perPage-1)/perPage, 1)
	uri := func(n int) string {
		v := url.Values{}
		for _, k := range []string{"detailedTelephonyState", "sipData"} {
			if q.Has(k) {
				v.Set(k, q.Get(k))
			}
		}
		v.Set("page", strconv.Itoa(n))
		v.Set("perPage", strconv.Itoa(perPage))
		return p.URL() + "/restapi/v1.0/account/" + p.set.accountID + "/presence?" + v.Encode()
	}
	out := accountPresence{
		URI:     uri(page),
		Records: []restPresence{},
		Paging:  paging{Page: page, TotalPages: pages, PerPage: perPage, TotalElements: total},
		Navigation: navigation{
			FirstPage: &pageRef{uri(1)},
			LastPage:  &pageRef{uri(pages)},
		},
	}
	if page > 1 {
		out.Navigation.PreviousPage = &pageRef{uri(min(page-1, pages))}
	}
	if page < pages {
		out.Navigation.NextPage = &pageRef{uri(page + 1)}
	}
	start := (page - 1) * perPage
	if start < total {
		end := min(start+perPage, total)
		p.mu.Lock()
		for _, e := range exts[start:end] {
			out.Records = append(out.Records, p.restPresence(e, detailed, sip))
		}
		p.mu.Unlock()
		last := end - 1
		out.Paging.PageStart, out.Paging.PageEnd = &start, &last
	}
	writeJSON(w, http.StatusOK, out)
}
