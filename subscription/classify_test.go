package subscription_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/ringwatch/ringwatch/subscription"
)

// tolerantCases are event filters as notifications carry them: real ones,
// and the elided, masked and odd forms that RingCentral's guide and users'
// pastes contain. strict says whether ParseFilter accepts the filter (and
// then with the same kind).
var tolerantCases = []struct {
	filter string
	want   subscription.Kind
	strict bool
}{
	// The new kinds, in full.
	{"/restapi/v1.0/account/~/extension/~/presence/dnd", subscription.KindDNDPresence, true},
	{"/restapi/v1.0/account/6610372004/extension/6610372004/presence/dnd", subscription.KindDNDPresence, true},
	{"/account/~/extension/~/presence/dnd", subscription.KindDNDPresence, true},
	{"/restapi/v1.0/account/~/extension/~/call-queues/presence", subscription.KindExtensionCallQueuePresence, true},
	{"/restapi/v1.0/account/{accountId}/extension/{extensionId}/call-queues/presence", subscription.KindExtensionCallQueuePresence, true},
	{"/restapi/v1.0/account/~/call-queues/1500723004/presence", subscription.KindCallQueuePresence, true},

	// The guide's elided examples, and the same elision on every tail.
	{"/restapi/..snip../presence?detailedTelephonyState=true&sipData=true", subscription.KindExtensionPresence, false},
	{"/restapi/..snip../extension/40xxx08/telephony/sessions", subscription.KindExtensionTelephonySessions, false},
	{"/restapi/..snip../account/40xxx08/telephony/sessions", subscription.KindAccountTelephonySessions, false},
	{"/restapi/..snip../telephony/sessions", subscription.KindExtensionTelephonySessions, false},
	{"/restapi/..snip../account/40xxx08/presence", subscription.KindAccountPresence, false},
	{"/restapi/..snip../extension/40xxx08/presence", subscription.KindExtensionPresence, false},
	{"/restapi/..snip../presence/dnd", subscription.KindDNDPresence, false},
	{"/restapi/..snip../call-queues/presence", subscription.KindExtensionCallQueuePresence, false},
	{"/restapi/..snip../call-queues/62xxx04/presence", subscription.KindCallQueuePresence, false},
	{"/restapi/..snip../presence/line", subscription.KindLinePresence, false},
	{"/restapi/..snip../presence/line/presence?detailedTelephonyState=true", subscription.KindLinePresence, false},
	{"/restapi/..snip../favorite/presence", subscription.KindFavoritePresence, false},
	{"/restapi/..snip../subscription/~?threshold=80&interval=30", subscription.KindRenewalReminder, false},
	{"/restapi/v1.0/account/.../extension/.../presence", subscription.KindExtensionPresence, false},
	{"/restapi/v1.0/account/~/extension/...snip.../telephony/sessions?sipData=true", subscription.KindExtensionTelephonySessions, false},
	{"..snip../presence", subscription.KindExtensionPresence, false},
	{"presence", subscription.KindExtensionPresence, false},

	// Masked ids are well-formed segments: ParseFilter does not check ids.
	{"/restapi/v1.0/account/37xxx10/extension/40xxx08/presence?detailedTelephonyState=true", subscription.KindExtensionPresence, true},
	{"/restapi/v1.0/account/~/extension/********/telephony/sessions", subscription.KindExtensionTelephonySessions, true},

	// Queries, trailing slashes, blanks.
	{"/restapi/v1.0/account/~/extension/~/presence/?detailedTelephonyState=true", subscription.KindExtensionPresence, true},
	{"/restapi/v1.0/account/~/extension/~/telephony/sessions?", subscription.KindExtensionTelephonySessions, true},
	{"/restapi/v1.0/account/~/extension/~/presence//", subscription.KindExtensionPresence, false},
	{"/restapi/v1.0/account/~/presence/dnd///?x=1", subscription.KindDNDPresence, false},
	{" /restapi/v1.0/account/~/presence ", subscription.KindAccountPresence, false},

	// Versions and prefixes.
	{"/restapi/v1/account/~/presence", subscription.KindAccountPresence, true},
	{"/restapi/v2/account/~/extension/~/presence", subscription.KindExtensionPresence, false},
	{"/restapi/v1.1/account/~/telephony/sessions", subscription.KindAccountTelephonySessions, false},
	{"https://platform.ringcentral.com/restapi/v1.0/account/~/extension/~/presence", subscription.KindExtensionPresence, false},

	// Case.
	{"/restapi/v1.0/account/~/extension/~/Presence", subscription.KindExtensionPresence, false},
	{"/RESTAPI/V1.0/ACCOUNT/~/EXTENSION/~/TELEPHONY/SESSIONS", subscription.KindExtensionTelephonySessions, false},
	{"/restapi/v1.0/account/~/extension/~/presence/DND", subscription.KindDNDPresence, false},

	// Subscription tails.
	{"/restapi/v1.0/subscription/%7E?threshold=80&interval=30", subscription.KindRenewalReminder, true},
	{"/restapi/v1.0/account/~/extension/~/subscription/~", subscription.KindRenewalReminder, false},
	{"/restapi/..snip../subscription/5c37f936", subscription.KindUnknown, false}, // the body decides

	// Not modelled, elided or not.
	{"/restapi/..snip../message-store", subscription.KindUnknown, false},
	{"/restapi/v1.0/account/~/extension/~/message-store/instant?type=SMS", subscription.KindUnknown, true},
	{"/restapi/v1.0/account/~/extension/~/presence/unknown", subscription.KindUnknown, true},
	{"/restapi/v1.0/account/~/extension/~/presences", subscription.KindUnknown, true},
	{"/restapi/v1.0/account/~/telephony/sessions/s-123", subscription.KindUnknown, true},
	{"/restapi/v1.0/account/~/extension/~/telephony", subscription.KindUnknown, true},
	{"/restapi/v1.0/account/~/call-queues", subscription.KindUnknown, true},
	{"/", subscription.KindUnknown, false},
	{"////", subscription.KindUnknown, false},
	{"/restapi/..snip..", subscription.KindUnknown, false},
}

func TestClassifyTolerant(t *testing.T) {
	for _, tt := range tolerantCases {
		if got := subscription.Classify(tt.filter); got != tt.want {
			t.Errorf("Classify(%q) = %v, want %v", tt.filter, got, tt.want)
		}
		pf, err := subscription.ParseFilter(tt.filter)
		switch {
		case tt.strict && err != nil:
			t.Errorf("ParseFilter(%q): %v, want it accepted", tt.filter, err)
		case tt.strict && pf.Kind != tt.want:
			t.Errorf("ParseFilter(%q).Kind = %v, want %v", tt.filter, pf.Kind, tt.want)
		case !tt.strict && err == nil:
			t.Errorf("ParseFilter(%q) accepted it as %v, want an error", tt.filter, pf.Kind)
		case !tt.strict && !errors.Is(err, subscription.ErrInvalidFilter):
			t.Errorf("ParseFilter(%q): %v is not ErrInvalidFilter", tt.filter, err)
		}
	}
}

// TestParseFilterRejectsLooseForms: what Classify tolerates in a
// notification, ParseFilter still rejects in a filter, saying why.
func TestParseFilterRejectsLooseForms(t *testing.T) {
	tests := []struct {
		filter subscription.Filter
		reason string
	}{
		{"/restapi/..snip../presence?detailedTelephonyState=true&sipData=true", "elided path segment"},
		{"/restapi/..snip../extension/40xxx08/telephony/sessions", "elided path segment"},
		{"/restapi/v1.0/account//presence", "empty path segment"},
		{"/restapi/v1.0/account/~/extension//presence/dnd", "empty path segment"},
		{subscription.CallQueueMemberPresence(""), "empty path segment"},
		{"/restapi/v2/account/~/presence", "not a well-formed account presence filter: want the form /restapi/v1.0/account/{accountId}/presence"},
		{"/restapi/v1.0/account/~/extension/~/Presence", "not a well-formed extension presence filter"},
		{"/restapi/v1.0/account/~/extension/~/presence/DND", "not a well-formed DND presence filter: want the form /restapi/v1.0/account/{accountId}/extension/{extensionId}/presence/dnd"},
		{"/restapi/v1.0/account/~/extension/~/subscription/~", "not a well-formed renewal reminder filter"},
		{"/restapi/v1.0/account/~/extension/~/presence/dnd?detailedTelephonyState=true", "unknown parameter detailedTelephonyState for a DND presence filter"},
		{"/restapi/v1.0/account/~/extension/~/call-queues/presence?sipData=true", "unknown parameter sipData for a extension call-queue presence filter"},
		{"https://platform.ringcentral.com/restapi/v1.0/account/~/presence", "must start with /"},
	}
	for _, tt := range tests {
		err := tt.filter.Validate()
		if err == nil {
			t.Errorf("Validate(%s) = nil, want an error", tt.filter)
			continue
		}
		var fe *subscription.FilterError
		if !errors.As(err, &fe) || !errors.Is(err, subscription.ErrInvalidFilter) {
			t.Errorf("Validate(%s): %v is not a *FilterError", tt.filter, err)
		}
		if !strings.Contains(err.Error(), tt.reason) {
			t.Errorf("Validate(%s) = %q, want it to contain %q", tt.filter, err, tt.reason)
		}
	}
}

func TestPresenceSideFilterBuilders(t *testing.T) {
	const p = "/restapi/v1.0/account/~"
	tests := []struct {
		got              subscription.Filter
		want             string
		kind             subscription.Kind
		extension, group string
	}{
		{subscription.DNDPresence(""), p + "/extension/~/presence/dnd", subscription.KindDNDPresence, "~", ""},
		{subscription.DNDPresence("62264425016"), p + "/extension/62264425016/presence/dnd", subscription.KindDNDPresence, "62264425016", ""},
		{subscription.ExtensionCallQueuePresence(subscription.Me), p + "/extension/~/call-queues/presence", subscription.KindExtensionCallQueuePresence, "~", ""},
		{subscription.ExtensionCallQueuePresence("7"), p + "/extension/7/call-queues/presence", subscription.KindExtensionCallQueuePresence, "7", ""},
		{subscription.CallQueueMemberPresence("1500723004"), p + "/call-queues/1500723004/presence", subscription.KindCallQueuePresence, "", "1500723004"},
	}
	for _, tt := range tests {
		if tt.got.String() != tt.want {
			t.Errorf("filter = %s, want %s", tt.got, tt.want)
		}
		pf, err := subscription.ParseFilter(string(tt.got))
		if err != nil {
			t.Errorf("ParseFilter(%s): %v", tt.got, err)
			continue
		}
		if pf.Kind != tt.kind || pf.AccountID != "~" || pf.ExtensionID != tt.extension || pf.GroupID != tt.group {
			t.Errorf("ParseFilter(%s) = %v account %q extension %q group %q, want %v ~ %q %q",
				tt.got, pf.Kind, pf.AccountID, pf.ExtensionID, pf.GroupID, tt.kind, tt.extension, tt.group)
		}
		if k := subscription.Classify(string(tt.got)); k != tt.kind {
			t.Errorf("Classify(%s) = %v, want %v", tt.got, k, tt.kind)
		}
	}
}

func BenchmarkClassifyTolerant(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		for _, tt := range tolerantCases {
			subscription.Classify(tt.filter)
		}
	}
}
