package subscription

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Filter is an event filter: the resource path, with an optional query,
// that a subscription listens to, such as
// "/restapi/v1.0/account/~/extension/~/presence?detailedTelephonyState=true".
type Filter string

// String returns the filter as sent to RingCentral.
func (f Filter) String() string { return string(f) }

// Validate reports whether RingCentral would accept the filter, with an error
// that says what is wrong. A filter of a kind ringwatch does not model
// (message-store, voicemail, …) is valid if its path is well formed.
func (f Filter) Validate() error {
	_, err := ParseFilter(string(f))
	return err
}

const apiPrefix = "/restapi/v1.0"

// Me is the id that stands for the current account or extension ("~").
const Me = "~"

// TelephonyOption refines a telephony-sessions filter.
type TelephonyOption interface{ applyTelephony(*telephonyQuery) }

// PresenceOption refines a presence filter.
type PresenceOption interface{ applyPresence(*presenceQuery) }

type telephonyQuery struct {
	direction, missedCall, phoneNumber, sipData, statusCode, withRecordings string
}

type presenceQuery struct{ detailed, sip bool }

type telephonyFunc func(*telephonyQuery)

func (f telephonyFunc) applyTelephony(q *telephonyQuery) { f(q) }

type presenceFunc func(*presenceQuery)

func (f presenceFunc) applyPresence(q *presenceQuery) { f(q) }

// sipOption works on both kinds of filter.
type sipOption struct{}

func (sipOption) applyTelephony(q *telephonyQuery) { q.sipData = "true" }
func (sipOption) applyPresence(q *presenceQuery)   { q.detailed, q.sip = true, true }

// WithSIP asks for SIP data: on a presence filter it sets
// detailedTelephonyState=true&sipData=true (SIP data is part of the detailed
// state); on a telephony filter it sets sipData=true.
func WithSIP() interface {
	TelephonyOption
	PresenceOption
} {
	return sipOption{}
}

// Detailed asks for the detailed telephony state (activeCalls) of a presence
// filter: detailedTelephonyState=true.
func Detailed() PresenceOption {
	return presenceFunc(func(q *presenceQuery) { q.detailed = true })
}

// Direction keeps only calls of one direction, "Inbound" or "Outbound".
func Direction(d string) TelephonyOption {
	return telephonyFunc(func(q *telephonyQuery) { q.direction = d })
}

// MissedCalls keeps only missed-call events (missedCall=true).
func MissedCalls() TelephonyOption {
	return telephonyFunc(func(q *telephonyQuery) { q.missedCall = "true" })
}

// PhoneNumber keeps only calls to or from an E.164 number ("+16505551234").
func PhoneNumber(e164 string) TelephonyOption {
	return telephonyFunc(func(q *telephonyQuery) { q.phoneNumber = e164 })
}

// StatusCode keeps only sessions in one status (statusCode=…). RingCentral
// takes one status per filter; add a filter per status to follow several.
func StatusCode(code string) TelephonyOption {
	return telephonyFunc(func(q *telephonyQuery) { q.statusCode = code })
}

// WithRecordings keeps only sessions with recordings (withRecordings=true).
func WithRecordings() TelephonyOption {
	return telephonyFunc(func(q *telephonyQuery) { q.withRecordings = "true" })
}

// AccountTelephonySessions is the filter for the telephony sessions of every
// extension of the account.
func AccountTelephonySessions(opts ...TelephonyOption) Filter {
	return telephonyFilter(apiPrefix+"/account/~/telephony/sessions", opts)
}

// ExtensionTelephonySessions is the filter for the telephony sessions of one
// extension; "" or Me means the current extension.
func ExtensionTelephonySessions(extensionID string, opts ...TelephonyOption) Filter {
	return telephonyFilter(apiPrefix+"/account/~/extension/"+idOrMe(extensionID)+"/telephony/sessions", opts)
}

// ExtensionPresence is the filter for one extension's presence; "" or Me
// means the current extension.
func ExtensionPresence(extensionID string, opts ...PresenceOption) Filter {
	return presenceFilter(apiPrefix+"/account/~/extension/"+idOrMe(extensionID)+"/presence", opts)
}

// LinePresence is the filter for the presence of the extensions that
// extensionID monitors (its presence lines).
func LinePresence(extensionID string, opts ...PresenceOption) Filter {
	return presenceFilter(apiPrefix+"/account/~/extension/"+idOrMe(extensionID)+"/presence/line/presence", opts)
}

// FavoritePresence is the filter for the presence of extensionID's
// favourite contacts.
func FavoritePresence(extensionID string, opts ...PresenceOption) Filter {
	return presenceFilter(apiPrefix+"/account/~/extension/"+idOrMe(extensionID)+"/favorite/presence", opts)
}

// AccountPresence is the filter for the presence of every extension of the
// account. WithSIP is ignored by RingCentral at account level; Detailed is
// honoured.
func AccountPresence(opts ...PresenceOption) Filter {
	return presenceFilter(apiPrefix+"/account/~/presence", opts)
}

// DNDPresence is the filter for one extension's do-not-disturb status
// (RingCentral's "Extension DND Status Event", /presence/dnd); "" or Me
// means the current extension. It takes no options.
func DNDPresence(extensionID string) Filter {
	return Filter(apiPrefix + "/account/~/extension/" + idOrMe(extensionID) + "/presence/dnd")
}

// ExtensionCallQueuePresence is the filter for an agent's availability in
// each of its call queues (RingCentral's "Call Queue Presence Event",
// /extension/{id}/call-queues/presence); "" or Me means the current
// extension. It takes no options.
func ExtensionCallQueuePresence(extensionID string) Filter {
	return Filter(apiPrefix + "/account/~/extension/" + idOrMe(extensionID) + "/call-queues/presence")
}

// CallQueueMemberPresence is the filter for the availability of every
// member of one call queue (RingCentral's "Call Queue Member Presence
// Event", /call-queues/{groupId}/presence). groupID is the queue's
// extension id; it has no "~" form.
func CallQueueMemberPresence(groupID string) Filter {
	return Filter(apiPrefix + "/account/~/call-queues/" + url.PathEscape(groupID) + "/presence")
}

// RenewalReminder is the filter that makes RingCentral send a reminder
// notification once the subscription has less than threshold left, then
// every interval. Both are whole seconds; interval must be at most half of
// threshold (Validate checks).
func RenewalReminder(threshold, interval time.Duration) Filter {
	q := "threshold=" + strconv.FormatInt(int64(threshold/time.Second), 10) +
		"&interval=" + strconv.FormatInt(int64(interval/time.Second), 10)
	return Filter(apiPrefix + "/subscription/~?" + q)
}

func idOrMe(id string) string {
	if id == "" {
		return Me
	}
	return url.PathEscape(id)
}

func telephonyFilter(path string, opts []TelephonyOption) Filter {
	var q telephonyQuery
	for _, o := range opts {
		if o != nil {
			o.applyTelephony(&q)
		}
	}
	var b strings.Builder
	b.WriteString(path)
	sep := byte('?')
	add := func(k, v string) {
		if v == "" {
			return
		}
		b.WriteByte(sep)
		sep = '&'
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(v))
	}
	// The documented parameter order, kept stable so equal filters compare
	// equal.
	add("direction", q.direction)
	add("missedCall", q.missedCall)
	add("phoneNumber", q.phoneNumber)
	add("sipData", q.sipData)
	add("statusCode", q.statusCode)
	add("withRecordings", q.withRecordings)
	return Filter(b.String())
}

func presenceFilter(path string, opts []PresenceOption) Filter {
	var q presenceQuery
	for _, o := range opts {
		if o != nil {
			o.applyPresence(&q)
		}
	}
	switch {
	case q.sip:
		return Filter(path + "?detailedTelephonyState=true&sipData=true")
	case q.detailed:
		return Filter(path + "?detailedTelephonyState=true")
	}
	return Filter(path)
}

// Kind classifies an event filter.
type Kind int

// The filter kinds ringwatch models. Any other well-formed filter is
// KindUnknown. New kinds are added at the end, so the values are stable.
const (
	KindUnknown Kind = iota
	// KindExtensionPresence: …/extension/{id}/presence.
	KindExtensionPresence
	// KindLinePresence: …/extension/{id}/presence/line and
	// …/presence/line/presence.
	KindLinePresence
	// KindFavoritePresence: …/extension/{id}/favorite/presence.
	KindFavoritePresence
	// KindAccountPresence: …/account/{id}/presence.
	KindAccountPresence
	// KindCallQueuePresence: the presence of a call queue's members,
	// …/account/{id}/call-queues/{groupId}/presence (RingCentral's "Call
	// Queue Member Presence Event"). Its body is a presence body whose
	// records list the members.
	KindCallQueuePresence
	// KindAccountTelephonySessions: …/account/{id}/telephony/sessions.
	KindAccountTelephonySessions
	// KindExtensionTelephonySessions:
	// …/extension/{id}/telephony/sessions.
	KindExtensionTelephonySessions
	// KindRenewalReminder: /restapi/v1.0/subscription/~?threshold=…
	KindRenewalReminder
	// KindDNDPresence: an extension's do-not-disturb status,
	// …/extension/{id}/presence/dnd (RingCentral's "Extension DND Status
	// Event"). Its body is not a presence body: IsPresence is false.
	KindDNDPresence
	// KindExtensionCallQueuePresence: an agent's availability in its call
	// queues, …/extension/{id}/call-queues/presence (RingCentral's "Call
	// Queue Presence Event"). Its body is not a presence body: IsPresence
	// is false.
	KindExtensionCallQueuePresence
)

var kindNames = [...]string{
	KindUnknown:                    "other",
	KindExtensionPresence:          "extension presence",
	KindLinePresence:               "line presence",
	KindFavoritePresence:           "favorite presence",
	KindAccountPresence:            "account presence",
	KindCallQueuePresence:          "call-queue presence",
	KindAccountTelephonySessions:   "account telephony sessions",
	KindExtensionTelephonySessions: "extension telephony sessions",
	KindRenewalReminder:            "renewal reminder",
	KindDNDPresence:                "DND presence",
	KindExtensionCallQueuePresence: "extension call-queue presence",
}

// String returns the kind's name, such as "extension presence".
func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// IsPresence reports whether notifications of this kind carry a presence
// body (a presence.Event). KindDNDPresence and
// KindExtensionCallQueuePresence carry bodies of their own and are not
// included.
func (k Kind) IsPresence() bool {
	return k >= KindExtensionPresence && k <= KindCallQueuePresence
}

// IsTelephony reports whether notifications of this kind carry a telephony
// session body.
func (k Kind) IsTelephony() bool {
	return k == KindAccountTelephonySessions || k == KindExtensionTelephonySessions
}

// ParsedFilter is a filter taken apart by ParseFilter.
type ParsedFilter struct {
	Kind Kind
	// AccountID and ExtensionID are the ids in the path: "~" for the
	// current ones, or the numeric ids of the server's expanded form.
	AccountID, ExtensionID string
	// GroupID is the call queue of a call-queue presence filter.
	GroupID string
	// Path is the filter without its query.
	Path string
	// Query holds the query parameters.
	Query url.Values
	// Detailed and SIP report detailedTelephonyState=true and sipData=true.
	Detailed, SIP bool
	// Threshold and Interval are the parameters of a renewal reminder.
	Threshold, Interval time.Duration
}

// ErrInvalidFilter is the error every filter validation failure matches.
var ErrInvalidFilter = errors.New("invalid event filter")

// FilterError says what is wrong with a filter.
type FilterError struct {
	Filter string // the filter, as given
	Reason string
}

func (e *FilterError) Error() string {
	return "subscription: invalid event filter " + strconv.Quote(e.Filter) + ": " + e.Reason
}

// Is makes errors.Is(err, ErrInvalidFilter) true.
func (e *FilterError) Is(target error) bool { return target == ErrInvalidFilter }

// Classify returns the kind of an event filter as a notification carries
// it, without validating it, and without allocating. It is tolerant, where
// ParseFilter is strict: it first reads the filter as ParseFilter does
// (the "~" form or the server's expanded form, with or without the
// "/restapi/v1.0" prefix), and when that finds no modelled resource it
// recognises the resource by the tail of the path, whatever comes before
// it, as in the examples of RingCentral's guide, which elide and mask
// segments:
//
//	/restapi/..snip../presence?detailedTelephonyState=true&sipData=true
//	/restapi/..snip../extension/40xxx08/telephony/sessions
//
// The tails are …/telephony/sessions, …/presence, …/presence/line,
// …/presence/line/presence, …/presence/dnd, …/favorite/presence,
// …/call-queues/{id}/presence, …/extension/{id}/call-queues/presence and
// …/subscription/~, matched without regard to case, after a query, blanks
// and trailing slashes are dropped; a full URL works too. When the segment
// that says whose presence or sessions they are is elided, the kind is the
// extension one (KindExtensionPresence, KindExtensionTelephonySessions):
// what matters for decoding is that the body is a presence or a telephony
// body. Anything else is KindUnknown.
func Classify(filter string) Kind {
	path, _, _ := strings.Cut(filter, "?")
	if k, _, _, _ := classifyPath(path); k != KindUnknown {
		return k
	}
	return classifyTail(path)
}

// classifyPath walks the path segments of a well-formed filter: the strict
// reading ParseFilter validates with. It returns the account, extension and
// group segments it found.
func classifyPath(path string) (k Kind, account, extension, group string) {
	p := strings.TrimSuffix(path, "/")
	if rest, ok := strings.CutPrefix(p, apiPrefix); ok {
		p = rest
	} else if rest, ok := strings.CutPrefix(p, "/restapi/v1"); ok {
		p = rest
	}
	if p == "/subscription/~" || strings.HasPrefix(p, "/subscription/") && strings.Count(p, "/") == 2 {
		return KindRenewalReminder, "", "", ""
	}
	rest, ok := strings.CutPrefix(p, "/account/")
	if !ok {
		return KindUnknown, "", "", ""
	}
	account, rest, _ = strings.Cut(rest, "/")
	if account == "" {
		return KindUnknown, "", "", ""
	}
	switch rest {
	case "presence":
		return KindAccountPresence, account, "", ""
	case "telephony/sessions":
		return KindAccountTelephonySessions, account, "", ""
	}
	if r, ok := strings.CutPrefix(rest, "call-queues/"); ok {
		group, r, _ = strings.Cut(r, "/")
		if group != "" && r == "presence" {
			return KindCallQueuePresence, account, "", group
		}
		return KindUnknown, account, "", ""
	}
	r, ok := strings.CutPrefix(rest, "extension/")
	if !ok {
		return KindUnknown, account, "", ""
	}
	extension, r, _ = strings.Cut(r, "/")
	if extension == "" {
		return KindUnknown, account, "", ""
	}
	switch r {
	case "presence":
		return KindExtensionPresence, account, extension, ""
	case "presence/line", "presence/line/presence":
		return KindLinePresence, account, extension, ""
	case "presence/dnd":
		return KindDNDPresence, account, extension, ""
	case "call-queues/presence":
		return KindExtensionCallQueuePresence, account, extension, ""
	case "favorite/presence":
		return KindFavoritePresence, account, extension, ""
	case "telephony/sessions":
		return KindExtensionTelephonySessions, account, extension, ""
	}
	return KindUnknown, account, extension, ""
}

// classifyTail recognises a resource by the last segments of its path, the
// tolerant reading Classify falls back on (see there). It does not
// allocate.
func classifyTail(path string) Kind {
	p := strings.TrimSpace(path)
	for strings.HasSuffix(p, "/") {
		p = p[:len(p)-1]
	}
	p, s1 := lastSegment(p)
	p, s2 := lastSegment(p)
	p, s3 := lastSegment(p)
	_, s4 := lastSegment(p)
	is := strings.EqualFold
	switch {
	case is(s1, "sessions") && is(s2, "telephony"):
		if is(s4, "account") {
			return KindAccountTelephonySessions
		}
		return KindExtensionTelephonySessions
	case is(s1, "dnd") && is(s2, "presence"):
		return KindDNDPresence
	case is(s1, "line") && is(s2, "presence"):
		return KindLinePresence
	case is(s1, "~") || is(s1, "%7E"):
		if is(s2, "subscription") {
			return KindRenewalReminder
		}
		return KindUnknown
	case !is(s1, "presence"):
		return KindUnknown
	}
	// …/presence
	switch {
	case is(s2, "line") && is(s3, "presence"):
		return KindLinePresence
	case is(s2, "favorite"):
		return KindFavoritePresence
	case is(s2, "call-queues"):
		return KindExtensionCallQueuePresence
	case is(s3, "call-queues"):
		return KindCallQueuePresence
	case is(s3, "account"):
		return KindAccountPresence
	}
	return KindExtensionPresence
}

// lastSegment splits p at its last slash: what comes before, and the
// segment after it ("" when p is empty).
func lastSegment(p string) (rest, seg string) {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return "", p
	}
	return p[:i], p[i+1:]
}

// ParseFilter classifies and validates a filter string strictly, as a
// filter sent to RingCentral must be: it accepts both the "~" form and the
// server's expanded form, and rejects empty or elided ("..") segments and a
// path that ends like a modelled resource without being one (wrong prefix
// or version, missing ids, other case). Incoming notifications are routed
// with the tolerant Classify instead.
func ParseFilter(filter string) (ParsedFilter, error) {
	bad := func(format string, a ...any) (ParsedFilter, error) {
		return ParsedFilter{}, &FilterError{Filter: filter, Reason: fmt.Sprintf(format, a...)}
	}
	if filter == "" {
		return bad("empty")
	}
	if !strings.HasPrefix(filter, "/") {
		return bad("must start with /")
	}
	path, rawQuery, _ := strings.Cut(filter, "?")
	// In an event filter "+" is the plus of an E.164 number
	// (phoneNumber=+16505551234, as users write it and the server echoes
	// it), never an encoded space.
	q, err := url.ParseQuery(strings.ReplaceAll(rawQuery, "+", "%2B"))
	if err != nil {
		return bad("query: %v", err)
	}
	k, account, ext, group := classifyPath(path)
	pf := ParsedFilter{Kind: k, AccountID: account, ExtensionID: ext, GroupID: group, Path: path, Query: q}
	// Classify's tolerance stops here: a filter sent to RingCentral names
	// every segment in full.
	trimmed := strings.TrimSuffix(path, "/")
	if strings.Contains(trimmed, "//") {
		return bad("empty path segment")
	}
	if strings.Contains(trimmed, "..") {
		return bad("elided path segment (..)")
	}
	if k == KindUnknown {
		if like := classifyTail(path); like != KindUnknown {
			return bad("not a well-formed %s filter: want the form %s", like, kindForm(like))
		}
	}
	for key, vs := range q {
		if len(vs) > 1 {
			return bad("parameter %s given %d times", key, len(vs))
		}
	}
	boolParam := func(name string) (bool, error) {
		v := q.Get(name)
		switch strings.ToLower(v) {
		case "":
			return false, nil
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return false, fmt.Errorf("%s must be true or false, not %q", name, v)
	}
	onlyParams := func(allowed ...string) error {
		for key := range q {
			ok := false
			for _, a := range allowed {
				if key == a {
					ok = true
				}
			}
			if !ok {
				return fmt.Errorf("unknown parameter %s for a %s filter", key, k)
			}
		}
		return nil
	}
	switch {
	case k.IsPresence():
		if err := onlyParams("detailedTelephonyState", "sipData"); err != nil {
			return bad("%v", err)
		}
		if pf.Detailed, err = boolParam("detailedTelephonyState"); err != nil {
			return bad("%v", err)
		}
		if pf.SIP, err = boolParam("sipData"); err != nil {
			return bad("%v", err)
		}
		if pf.SIP && !pf.Detailed {
			return bad("sipData=true needs detailedTelephonyState=true")
		}
	case k.IsTelephony():
		if err := onlyParams("direction", "missedCall", "phoneNumber", "sipData", "statusCode", "withRecordings"); err != nil {
			return bad("%v", err)
		}
		switch d := q.Get("direction"); d {
		case "", "Inbound", "Outbound":
		default:
			return bad("direction must be Inbound or Outbound, not %q", d)
		}
		for _, b := range []string{"missedCall", "sipData", "withRecordings"} {
			if _, err := boolParam(b); err != nil {
				return bad("%v", err)
			}
		}
		pf.SIP, _ = boolParam("sipData")
		if n := q.Get("phoneNumber"); q.Has("phoneNumber") && !validE164(n) {
			return bad("phoneNumber must be E.164 (+ and digits), not %q", n)
		}
		switch c := q.Get("statusCode"); c {
		case "", "Setup", "Proceeding", "Answered", "Disconnected", "Gone", "Parked", "Hold",
			"VoiceMail", "FaxReceive", "VoiceMailScreening":
		default:
			return bad("statusCode %q is not a documented status", c)
		}
	case k == KindDNDPresence || k == KindExtensionCallQueuePresence:
		if err := onlyParams(); err != nil {
			return bad("%v", err)
		}
	case k == KindRenewalReminder:
		if err := onlyParams("threshold", "interval"); err != nil {
			return bad("%v", err)
		}
		th, err1 := strconv.ParseInt(q.Get("threshold"), 10, 64)
		iv, err2 := strconv.ParseInt(q.Get("interval"), 10, 64)
		if err1 != nil || err2 != nil {
			return bad("threshold and interval must be whole seconds")
		}
		if th <= 0 || iv <= 0 {
			return bad("threshold and interval must be positive")
		}
		if iv*2 > th {
			return bad("interval (%ds) must be at most half of threshold (%ds)", iv, th)
		}
		pf.Threshold, pf.Interval = time.Duration(th)*time.Second, time.Duration(iv)*time.Second
	default:
		if !strings.HasPrefix(path, "/restapi/") {
			return bad("must start with %s", apiPrefix)
		}
	}
	return pf, nil
}

// kindForm is the documented form of a kind's filter, for error messages.
func kindForm(k Kind) string {
	const ext = apiPrefix + "/account/{accountId}/extension/{extensionId}"
	switch k {
	case KindExtensionPresence:
		return ext + "/presence"
	case KindLinePresence:
		return ext + "/presence/line/presence"
	case KindFavoritePresence:
		return ext + "/favorite/presence"
	case KindAccountPresence:
		return apiPrefix + "/account/{accountId}/presence"
	case KindCallQueuePresence:
		return apiPrefix + "/account/{accountId}/call-queues/{groupId}/presence"
	case KindAccountTelephonySessions:
		return apiPrefix + "/account/{accountId}/telephony/sessions"
	case KindExtensionTelephonySessions:
		return ext + "/telephony/sessions"
	case KindRenewalReminder:
		return apiPrefix + "/subscription/~?threshold={seconds}&interval={seconds}"
	case KindDNDPresence:
		return ext + "/presence/dnd"
	case KindExtensionCallQueuePresence:
		return ext + "/call-queues/presence"
	}
	return apiPrefix + "/…"
}

func validE164(s string) bool {
	if len(s) < 3 || len(s) > 16 || s[0] != '+' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
