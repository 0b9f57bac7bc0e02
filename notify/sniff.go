package notify

import (
	"strings"

	"github.com/ringwatch/ringwatch/internal/jsonx"
	"github.com/ringwatch/ringwatch/subscription"
)

// The top-level keys of a body that sniffKind looks for.
const (
	hasParties = 1 << iota
	hasTelephonySessionID
	hasPresenceField // telephonyStatus, presenceStatus, userStatus, activeCalls, …
	hasDND           // dndStatus, dndStatusPersonal
	hasExtensionID
	hasCallQueueID
	hasAcceptCalls
	hasExpiresIn
	hasOther
)

// sniffKind tells the kind of a notification whose event filter does not
// (subscription.Classify gave KindOther: an elided or unfamiliar path) by
// the shape of its body, and returns KindOther when the shape says nothing
// either, or the body is not a JSON object:
//
//   - parties (an array) and telephonySessionId: telephony sessions;
//   - callQueueId and acceptCalls: an agent's call-queue presence;
//   - only extensionId and dndStatus (or dndStatusPersonal): DND;
//   - telephonyStatus, presenceStatus, userStatus, activeCalls, or
//     dndStatus among other fields: presence;
//   - only expiresIn, with a …/subscription/{id} path: renewal reminder.
//
// It reads only the body's top-level keys and does not allocate.
func sniffKind(event string, body []byte) subscription.Kind {
	if body == nil {
		return subscription.KindUnknown
	}
	r := jsonx.NewReader(body)
	var has int
	for ok := r.Object(); ok; ok = r.More() {
		switch string(r.Key()) {
		case "parties":
			if r.Peek() == '[' {
				has |= hasParties
			}
		case "telephonySessionId":
			has |= hasTelephonySessionID
		case "telephonyStatus", "presenceStatus", "userStatus", "activeCalls", "meetingStatus":
			has |= hasPresenceField
		case "dndStatus", "dndStatusPersonal":
			has |= hasDND
		case "extensionId":
			has |= hasExtensionID
		case "callQueueId":
			has |= hasCallQueueID
		case "acceptCalls":
			has |= hasAcceptCalls
		case "expiresIn":
			has |= hasExpiresIn
		default:
			has |= hasOther
		}
		r.Skip()
	}
	if r.End() != nil {
		return subscription.KindUnknown
	}
	switch {
	case has&(hasParties|hasTelephonySessionID) == hasParties|hasTelephonySessionID:
		return subscription.KindExtensionTelephonySessions
	case has&(hasCallQueueID|hasAcceptCalls) == hasCallQueueID|hasAcceptCalls:
		return subscription.KindExtensionCallQueuePresence
	case has&hasDND != 0 && has&^(hasDND|hasExtensionID) == 0:
		return subscription.KindDNDPresence
	case has&(hasPresenceField|hasDND) != 0:
		return subscription.KindExtensionPresence
	case has == hasExpiresIn && subscriptionPath(event):
		return subscription.KindRenewalReminder
	}
	return subscription.KindUnknown
}

// subscriptionPath reports whether the path of an event filter ends in
// /subscription/{id}.
func subscriptionPath(event string) bool {
	path, _, _ := strings.Cut(event, "?")
	path = strings.TrimRight(path, "/")
	i := strings.LastIndexByte(path, '/')
	const seg = "/subscription"
	return i >= len(seg) && i < len(path)-1 && strings.EqualFold(path[i-len(seg):i], seg)
}
