package subscription_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ringwatch/ringwatch/subscription"
)

func TestFilterBuilders(t *testing.T) {
	const p = "/restapi/v1.0/account/~"
	tests := []struct {
		name string
		got  subscription.Filter
		want string
	}{
		{"account telephony", subscription.AccountTelephonySessions(), p + "/telephony/sessions"},
		{"extension telephony, current", subscription.ExtensionTelephonySessions(""), p + "/extension/~/telephony/sessions"},
		{"extension telephony, by id", subscription.ExtensionTelephonySessions("62264425016"), p + "/extension/62264425016/telephony/sessions"},
		{"every telephony option, any order, stable query", subscription.AccountTelephonySessions(
			subscription.WithRecordings(), subscription.StatusCode("Answered"), subscription.WithSIP(),
			subscription.PhoneNumber("+16505551234"), subscription.MissedCalls(), subscription.Direction("Inbound"), nil),
			p + "/telephony/sessions?direction=Inbound&missedCall=true&phoneNumber=%2B16505551234&sipData=true&statusCode=Answered&withRecordings=true"},
		{"telephony WithSIP", subscription.ExtensionTelephonySessions("~", subscription.WithSIP()), p + "/extension/~/telephony/sessions?sipData=true"},
		{"presence", subscription.ExtensionPresence(""), p + "/extension/~/presence"},
		{"presence Detailed", subscription.ExtensionPresence("~", subscription.Detailed()), p + "/extension/~/presence?detailedTelephonyState=true"},
		{"presence WithSIP implies Detailed", subscription.ExtensionPresence("1", subscription.WithSIP()), p + "/extension/1/presence?detailedTelephonyState=true&sipData=true"},
		{"presence both, any order", subscription.ExtensionPresence("1", subscription.WithSIP(), subscription.Detailed()), p + "/extension/1/presence?detailedTelephonyState=true&sipData=true"},
		{"line presence", subscription.LinePresence("", subscription.Detailed()), p + "/extension/~/presence/line/presence?detailedTelephonyState=true"},
		{"favorite presence", subscription.FavoritePresence("7"), p + "/extension/7/favorite/presence"},
		{"account presence", subscription.AccountPresence(subscription.Detailed()), p + "/presence?detailedTelephonyState=true"},
		{"renewal reminder", subscription.RenewalReminder(80*time.Second, 30*time.Second), "/restapi/v1.0/subscription/~?threshold=80&interval=30"},
		{"id escaped", subscription.ExtensionPresence("a/b"), p + "/extension/a%2Fb/presence"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got.String() != tt.want {
				t.Errorf("filter = %s\n          want %s", tt.got, tt.want)
			}
			if err := tt.got.Validate(); err != nil && tt.name != "id escaped" {
				t.Errorf("Validate: %v", err)
			}
		})
	}
}

func TestFilterValidation(t *testing.T) {
	tests := []struct {
		name   string
		filter subscription.Filter
		reason string
	}{
		{"reminder interval over half the threshold", subscription.RenewalReminder(60*time.Second, 31*time.Second),
			"interval (31s) must be at most half of threshold (60s)"},
		{"reminder not numeric", "/restapi/v1.0/subscription/~?threshold=a&interval=1", "whole seconds"},
		{"reminder zero", subscription.RenewalReminder(0, 0), "must be positive"},
		{"bad direction", subscription.AccountTelephonySessions(subscription.Direction("Sideways")),
			`direction must be Inbound or Outbound, not "Sideways"`},
		{"bad statusCode", subscription.AccountTelephonySessions(subscription.StatusCode("Ringing")),
			`statusCode "Ringing" is not a documented status`},
		{"bad phoneNumber", subscription.AccountTelephonySessions(subscription.PhoneNumber("650-555-1234")),
			`phoneNumber must be E.164 (+ and digits), not "650-555-1234"`},
		{"bad bool", "/restapi/v1.0/account/~/telephony/sessions?missedCall=yes", "missedCall must be true or false"},
		{"unknown telephony param", "/restapi/v1.0/account/~/telephony/sessions?foo=1",
			"unknown parameter foo for a account telephony sessions filter"},
		{"unknown presence param", "/restapi/v1.0/account/~/extension/~/presence?direction=Inbound",
			"unknown parameter direction for a extension presence filter"},
		{"sipData without detailed", "/restapi/v1.0/account/~/extension/~/presence?sipData=true",
			"sipData=true needs detailedTelephonyState=true"},
		{"repeated parameter", "/restapi/v1.0/account/~/telephony/sessions?direction=Inbound&direction=Outbound",
			"parameter direction given 2 times"},
		{"empty", "", "empty"},
		{"relative", "restapi/v1.0/account/~/presence", "must start with /"},
		{"other without prefix", "/glip/posts", "must start with /restapi/v1.0"},
		{"bad query", "/restapi/v1.0/account/~/presence?a=%zz", "query: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.filter.Validate()
			if err == nil {
				t.Fatalf("Validate(%s) = nil, want an error", tt.filter)
			}
			if !errors.Is(err, subscription.ErrInvalidFilter) {
				t.Errorf("errors.Is(%v, ErrInvalidFilter) = false", err)
			}
			var fe *subscription.FilterError
			if !errors.As(err, &fe) || fe.Filter != string(tt.filter) {
				t.Errorf("error %v is not a *FilterError for the filter", err)
			}
			if !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("error %q does not contain %q", err, tt.reason)
			}
		})
	}
}

func TestParseFilter(t *testing.T) {
	tests := []struct {
		filter string
		want   subscription.ParsedFilter
	}{{
		filter: "/restapi/v1.0/account/37439510/extension/297277020/presence?detailedTelephonyState=true&sipData=true",
		want: subscription.ParsedFilter{Kind: subscription.KindExtensionPresence, AccountID: "37439510", ExtensionID: "297277020",
			Path:  "/restapi/v1.0/account/37439510/extension/297277020/presence",
			Query: url.Values{"detailedTelephonyState": {"true"}, "sipData": {"true"}}, Detailed: true, SIP: true},
	}, {
		filter: "/account/~/extension/~/presence",
		want: subscription.ParsedFilter{Kind: subscription.KindExtensionPresence, AccountID: "~", ExtensionID: "~",
			Path: "/account/~/extension/~/presence", Query: url.Values{}},
	}, {
		filter: "/restapi/v1.0/account/~/extension/406149828004/presence/line",
		want: subscription.ParsedFilter{Kind: subscription.KindLinePresence, AccountID: "~", ExtensionID: "406149828004",
			Path: "/restapi/v1.0/account/~/extension/406149828004/presence/line", Query: url.Values{}},
	}, {
		filter: "/restapi/v1.0/account/1/extension/2/presence/line/presence?detailedTelephonyState=true",
		want: subscription.ParsedFilter{Kind: subscription.KindLinePresence, AccountID: "1", ExtensionID: "2",
			Path: "/restapi/v1.0/account/1/extension/2/presence/line/presence", Query: url.Values{"detailedTelephonyState": {"true"}}, Detailed: true},
	}, {
		filter: "/restapi/v1.0/account/1/extension/2/favorite/presence",
		want: subscription.ParsedFilter{Kind: subscription.KindFavoritePresence, AccountID: "1", ExtensionID: "2",
			Path: "/restapi/v1.0/account/1/extension/2/favorite/presence", Query: url.Values{}},
	}, {
		filter: "/restapi/v1.0/account/1/presence",
		want: subscription.ParsedFilter{Kind: subscription.KindAccountPresence, AccountID: "1",
			Path: "/restapi/v1.0/account/1/presence", Query: url.Values{}},
	}, {
		filter: "/restapi/v1.0/account/~/call-queues/1500723004/presence",
		want: subscription.ParsedFilter{Kind: subscription.KindCallQueuePresence, AccountID: "~", GroupID: "1500723004",
			Path: "/restapi/v1.0/account/~/call-queues/1500723004/presence", Query: url.Values{}},
	}, {
		filter: "/restapi/v1.0/account/400144452008/telephony/sessions?phoneNumber=+16505551234&sipData=true",
		want: subscription.ParsedFilter{Kind: subscription.KindAccountTelephonySessions, AccountID: "400144452008",
			Path:  "/restapi/v1.0/account/400144452008/telephony/sessions",
			Query: url.Values{"phoneNumber": {"+16505551234"}, "sipData": {"true"}}, SIP: true},
	}, {
		filter: "/restapi/v1.0/account/400144452008/extension/400144455008/telephony/sessions",
		want: subscription.ParsedFilter{Kind: subscription.KindExtensionTelephonySessions, AccountID: "400144452008", ExtensionID: "400144455008",
			Path: "/restapi/v1.0/account/400144452008/extension/400144455008/telephony/sessions", Query: url.Values{}},
	}, {
		filter: "/restapi/v1.0/subscription/~?threshold=80&interval=30",
		want: subscription.ParsedFilter{Kind: subscription.KindRenewalReminder, Path: "/restapi/v1.0/subscription/~",
			Query: url.Values{"threshold": {"80"}, "interval": {"30"}}, Threshold: 80 * time.Second, Interval: 30 * time.Second},
	}, {
		filter: "/restapi/v1.0/account/~/extension/~/message-store",
		want: subscription.ParsedFilter{Kind: subscription.KindUnknown, AccountID: "~", ExtensionID: "~",
			Path: "/restapi/v1.0/account/~/extension/~/message-store", Query: url.Values{}},
	}, {
		filter: "/restapi/v1.0/glip/posts",
		want:   subscription.ParsedFilter{Kind: subscription.KindUnknown, Path: "/restapi/v1.0/glip/posts", Query: url.Values{}},
	}}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			got, err := subscription.ParseFilter(tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseFilter mismatch (-want +got):\n%s", diff)
			}
			if k := subscription.Classify(tt.filter); k != tt.want.Kind {
				t.Errorf("Classify = %v, want %v", k, tt.want.Kind)
			}
		})
	}
}

var classifyCases = []struct {
	filter string
	want   subscription.Kind
}{
	{"/restapi/v1.0/account/~/extension/~/presence", subscription.KindExtensionPresence},
	{"/restapi/v1.0/account/37439510/extension/297277020/presence?detailedTelephonyState=true&sipData=true", subscription.KindExtensionPresence},
	{"/account/~/extension/~/presence", subscription.KindExtensionPresence},
	{"/restapi/v1/account/~/extension/~/presence/", subscription.KindExtensionPresence},
	{"/restapi/v1.0/account/~/extension/406149828004/presence/line", subscription.KindLinePresence},
	{"/restapi/v1.0/account/~/extension/~/presence/line/presence", subscription.KindLinePresence},
	{"/restapi/v1.0/account/~/extension/~/favorite/presence", subscription.KindFavoritePresence},
	{"/restapi/v1.0/account/~/presence?detailedTelephonyState=true", subscription.KindAccountPresence},
	{"/restapi/v1.0/account/{accountId}/call-queues/{groupId}/presence", subscription.KindCallQueuePresence},
	{"/restapi/v1.0/account/~/telephony/sessions", subscription.KindAccountTelephonySessions},
	{"/account/170848004/telephony/sessions?direction=Inbound", subscription.KindAccountTelephonySessions},
	{"/restapi/v1.0/account/400144452008/extension/400144455008/telephony/sessions", subscription.KindExtensionTelephonySessions},
	{"/restapi/v1.0/subscription/~?threshold=80&interval=30", subscription.KindRenewalReminder},
	{"/restapi/v1.0/account/~/extension/~/message-store", subscription.KindUnknown},
	{"/restapi/v1.0/account/~/extension/~/message-store/instant?type=SMS", subscription.KindUnknown},
	{"/restapi/v1.0/account/~/extension", subscription.KindUnknown},
	{"/restapi/v1.0/account/~/call-queues/1/members", subscription.KindUnknown},
	{"/restapi/v1.0/glip/posts", subscription.KindUnknown},
	// Empty ids: ParseFilter rejects these, Classify goes by the tail.
	{"/restapi/v1.0/account//presence", subscription.KindAccountPresence},
	{"/restapi/v1.0/account/~/extension//presence", subscription.KindExtensionPresence},
	{"", subscription.KindUnknown},
	{"?", subscription.KindUnknown},
}

func TestClassify(t *testing.T) {
	for _, tt := range classifyCases {
		if got := subscription.Classify(tt.filter); got != tt.want {
			t.Errorf("Classify(%q) = %v, want %v", tt.filter, got, tt.want)
		}
	}
}

func TestClassifyDoesNotAllocate(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		for _, tt := range classifyCases {
			subscription.Classify(tt.filter)
		}
		for _, tt := range tolerantCases {
			subscription.Classify(tt.filter)
		}
	})
	if allocs != 0 {
		t.Errorf("Classify allocates %v times per run, want 0", allocs)
	}
}

func TestKind(t *testing.T) {
	type row struct {
		Name                string
		Presence, Telephony bool
	}
	var got []row
	for k := subscription.KindUnknown; k <= subscription.KindExtensionCallQueuePresence+1; k++ {
		got = append(got, row{k.String(), k.IsPresence(), k.IsTelephony()})
	}
	want := []row{
		{"other", false, false},
		{"extension presence", true, false},
		{"line presence", true, false},
		{"favorite presence", true, false},
		{"account presence", true, false},
		{"call-queue presence", true, false},
		{"account telephony sessions", false, true},
		{"extension telephony sessions", false, true},
		{"renewal reminder", false, false},
		{"DND presence", false, false},
		{"extension call-queue presence", false, false},
		{"Kind(11)", false, false},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Kind mismatch (-want +got):\n%s", diff)
	}
}

func FuzzParseFilter(f *testing.F) {
	for _, c := range classifyCases {
		f.Add(c.filter)
	}
	for _, c := range tolerantCases {
		f.Add(c.filter)
	}
	f.Add(string(subscription.AccountTelephonySessions(subscription.PhoneNumber("+16505551234"), subscription.WithSIP())))
	f.Fuzz(func(t *testing.T, s string) {
		pf, err := subscription.ParseFilter(s)
		k := subscription.Classify(s)
		if err != nil {
			if !errors.Is(err, subscription.ErrInvalidFilter) {
				t.Fatalf("error %v is not ErrInvalidFilter", err)
			}
			return
		}
		if pf.Kind != k {
			t.Fatalf("ParseFilter kind %v, Classify %v", pf.Kind, k)
		}
		if pf.Kind == subscription.KindRenewalReminder && (pf.Interval <= 0 || 2*pf.Interval > pf.Threshold) {
			t.Fatalf("accepted reminder %v/%v", pf.Threshold, pf.Interval)
		}
		if pf.SIP && pf.Kind.IsPresence() && !pf.Detailed {
			t.Fatal("accepted sipData without detailedTelephonyState")
		}
	})
}
