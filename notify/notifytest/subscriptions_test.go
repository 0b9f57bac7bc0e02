package notifytest_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/subscription"
)

// echoHook is a webhook that passes the validation handshake.
func echoHook(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v := r.Header.Get("Validation-Token"); v != "" {
			w.Header().Set("Validation-Token", v)
			w.Header().Set("Content-Type", "application/json")
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func webhookReq(address string, expiresIn time.Duration, filters ...subscription.Filter) subscription.CreateRequest {
	return subscription.CreateRequest{
		EventFilters: filters,
		DeliveryMode: subscription.DeliveryMode{TransportType: "WebHook", Address: address, VerificationToken: "s3cret-verification"},
		ExpiresIn:    expiresIn,
	}
}

func pubnubReq(expiresIn time.Duration, filters ...subscription.Filter) subscription.CreateRequest {
	return subscription.CreateRequest{
		EventFilters: filters,
		DeliveryMode: subscription.DeliveryMode{TransportType: "PubNub", Encryption: true},
		ExpiresIn:    expiresIn,
	}
}

func create(t *testing.T, p *notifytest.Platform, tok string, req subscription.CreateRequest) subscription.Info {
	t.Helper()
	r := do(t, p, tok, "POST", "/restapi/v1.0/subscription", req)
	if r.status != http.StatusOK {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	var in subscription.Info
	r.decode(t, &in)
	return in
}

var ignoreID = cmpopts.IgnoreFields(subscription.Info{}, "ID", "URI")

func TestSubscriptionLifecycle(t *testing.T) {
	p, clk := start(t, notifytest.WithTokenLifetimes(24*time.Hour, 48*time.Hour))
	hook := echoHook(t)
	tok := token(t, p, "230000101")
	t0 := clk.Now()

	in := create(t, p, tok, webhookReq(hook.URL+"/hook?auth=x", 0,
		subscription.ExtensionPresence("", subscription.Detailed()),
		subscription.AccountTelephonySessions(),
		subscription.ExtensionTelephonySessions("230000102"),
		subscription.RenewalReminder(time.Hour, 10*time.Minute)))
	want := subscription.Info{
		EventFilters: []subscription.Filter{
			"/restapi/v1.0/account/230000001/extension/230000101/presence?detailedTelephonyState=true",
			"/restapi/v1.0/account/230000001/telephony/sessions",
			"/restapi/v1.0/account/230000001/extension/230000102/telephony/sessions",
			"/restapi/v1.0/subscription/~?threshold=3600&interval=600",
		},
		ExpirationTime: t0.Add(604800 * time.Second),
		ExpiresIn:      604799 * time.Second,
		Status:         subscription.Active,
		CreationTime:   t0,
		DeliveryMode:   subscription.DeliveryMode{TransportType: "WebHook", Address: hook.URL + "/hook?auth=x"},
	}
	if d := cmp.Diff(want, in, ignoreID); d != "" {
		t.Errorf("create (-want +got):\n%s", d)
	}
	if in.URI != p.URL()+"/restapi/v1.0/subscription/"+in.ID || len(in.ID) != 36 {
		t.Errorf("id %q uri %q", in.ID, in.URI)
	}

	path := "/restapi/v1.0/subscription/" + in.ID
	var got subscription.Info
	do(t, p, tok, "GET", path, nil).decode(t, &got)
	if d := cmp.Diff(in, got); d != "" {
		t.Errorf("get (-create +get):\n%s", d)
	}
	var list subscription.List
	do(t, p, tok, "GET", "/restapi/v1.0/subscription", nil).decode(t, &list)
	if d := cmp.Diff(subscription.List{URI: p.URL() + "/restapi/v1.0/subscription", Records: []subscription.Info{in}}, list); d != "" {
		t.Errorf("list (-want +got):\n%s", d)
	}

	// Update replaces the filters and the lifetime.
	clk.Advance(time.Hour)
	r := do(t, p, tok, "PUT", path, subscription.UpdateRequest{
		EventFilters: []subscription.Filter{subscription.ExtensionPresence("~", subscription.WithSIP())},
		ExpiresIn:    2 * time.Hour,
	})
	r.decode(t, &got)
	want.EventFilters = []subscription.Filter{"/restapi/v1.0/account/230000001/extension/230000101/presence?detailedTelephonyState=true&sipData=true"}
	want.ExpirationTime, want.ExpiresIn = clk.Now().Add(2*time.Hour), 2*time.Hour-time.Second
	if d := cmp.Diff(want, got, ignoreID); d != "" {
		t.Errorf("update (-want +got):\n%s", d)
	}

	// Renew extends by the lifetime of the last update, from now.
	clk.Advance(90 * time.Minute)
	do(t, p, tok, "POST", path+"/renew", nil).decode(t, &got)
	if d := cmp.Diff(clk.Now().Add(2*time.Hour), got.ExpirationTime); d != "" {
		t.Errorf("renew expiration (-want +got):\n%s", d)
	}

	// An empty update renews with the transport's default.
	do(t, p, tok, "PUT", path, nil).decode(t, &got)
	if got.ExpiresIn != 604799*time.Second || len(got.EventFilters) != 1 {
		t.Errorf("empty update: expiresIn %v, filters %v", got.ExpiresIn, got.EventFilters)
	}

	if r := do(t, p, tok, "DELETE", path, nil); r.status != http.StatusNoContent || len(r.body) != 0 {
		t.Fatalf("delete: %d %q", r.status, r.body)
	}
	for _, m := range []struct{ method, path string }{{"GET", path}, {"PUT", path}, {"POST", path + "/renew"}, {"DELETE", path}} {
		if st, code := do(t, p, tok, m.method, m.path, nil).code(t); st != 404 || code != "CMN-102" {
			t.Errorf("%s after delete: %d %s, want 404 CMN-102", m.method, st, code)
		}
	}
	do(t, p, tok, "GET", "/restapi/v1.0/subscription", nil).decode(t, &list)
	if len(list.Records) != 0 {
		t.Errorf("list after delete: %v", list.Records)
	}
}

func TestSubscriptionExpiry(t *testing.T) {
	p, clk := start(t)
	tok := token(t, p, "230000101")
	in := create(t, p, tok, pubnubReq(0, subscription.ExtensionPresence("")))
	path := "/restapi/v1.0/subscription/" + in.ID
	clk.Advance(899 * time.Second)
	var got subscription.Info
	do(t, p, tok, "GET", path, nil).decode(t, &got)
	if got.ExpiresIn != 0 || got.Status != subscription.Active {
		t.Errorf("1 s before expiry: expiresIn %v status %s", got.ExpiresIn, got.Status)
	}
	clk.Advance(time.Second)
	for _, m := range []struct{ method, path string }{{"GET", path}, {"POST", path + "/renew"}, {"PUT", path}} {
		if st, code := do(t, p, tok, m.method, m.path, nil).code(t); st != 404 || code != "SUB-507" {
			t.Errorf("%s after expiry: %d %s, want 404 SUB-507", m.method, st, code)
		}
	}
	var list subscription.List
	do(t, p, tok, "GET", "/restapi/v1.0/subscription", nil).decode(t, &list)
	if len(list.Records) != 0 || len(p.Subscriptions()) != 0 {
		t.Errorf("expired subscription still listed: %v", list.Records)
	}
	if _, ok := p.Subscription(in.ID); ok {
		t.Errorf("Subscription(%s) found after expiry", in.ID)
	}
}

func TestExpiresInLimits(t *testing.T) {
	p, _ := start(t)
	hook := echoHook(t)
	tok := token(t, p, "230000101")
	f := subscription.ExtensionPresence("")
	tests := []struct {
		name string
		req  subscription.CreateRequest
		want time.Duration // reported expiresIn
	}{
		{"webhook default", webhookReq(hook.URL, 0, f), 604799 * time.Second},
		{"webhook asked", webhookReq(hook.URL, 100*time.Second, f), 99 * time.Second},
		{"webhook over max", webhookReq(hook.URL, 400000000*time.Second, f), 315359999 * time.Second},
		{"pubnub default", pubnubReq(0, f), 899 * time.Second},
		{"pubnub over max", pubnubReq(5000*time.Second, f), 899 * time.Second},
		{"pubnub asked", pubnubReq(60*time.Second, f), 59 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := create(t, p, tok, tt.req)
			if in.ExpiresIn != tt.want {
				t.Errorf("expiresIn = %v, want %v", in.ExpiresIn, tt.want)
			}
			if d := in.ExpirationTime.Sub(in.CreationTime); d != tt.want+time.Second {
				t.Errorf("expirationTime - creationTime = %v, want %v", d, tt.want+time.Second)
			}
		})
	}
	r := do(t, p, tok, "POST", "/restapi/v1.0/subscription",
		`{"eventFilters":["/restapi/v1.0/account/~/extension/~/presence"],"deliveryMode":{"transportType":"PubNub"},"expiresIn":-5}`)
	if st, code := r.code(t); st != 400 || code != "CMN-101" {
		t.Errorf("negative expiresIn: %d %s, want 400 CMN-101", st, code)
	}
}

func TestPubNubDeliveryMode(t *testing.T) {
	p, _ := start(t)
	in := create(t, p, token(t, p, "230000101"), pubnubReq(0, subscription.ExtensionPresence("")))
	m := in.DeliveryMode
	if m.TransportType != "PubNub" || m.Address == "" || m.SubscriberKey == "" || m.SecretKey == "" ||
		!m.Encryption || m.EncryptionAlgorithm != "AES" || len(m.EncryptionKey) != 24 {
		t.Errorf("PubNub delivery mode incomplete: %+v", m)
	}
}

func TestCreateRefused(t *testing.T) {
	p, _ := start(t)
	hook := echoHook(t)
	tok := token(t, p, "230000101")
	tests := []struct {
		name   string
		body   any
		status int
		code   string
		param  string
	}{
		{"bad filter", pubnubReq(0, "/restapi/v1.0/account/~/extension/~/presence?sipData=true"), 400, "SUB-508", "eventFilters"},
		{"not a filter", pubnubReq(0, "presence"), 400, "SUB-508", "eventFilters"},
		{"unknown parameter", pubnubReq(0, "/restapi/v1.0/account/~/telephony/sessions?foo=1"), 400, "SUB-508", "eventFilters"},
		{"reminder interval", pubnubReq(0, "/restapi/v1.0/subscription/~?threshold=60&interval=50"), 400, "SUB-516", "eventFilters"},
		{"reminder over half the lifetime", webhookReq(hook.URL, time.Hour, subscription.ExtensionPresence(""), subscription.RenewalReminder(time.Hour, time.Minute)), 400, "SUB-516", "eventFilters"},
		{"no filter", pubnubReq(0), 400, "CMN-101", "eventFilters"},
		{"other account", pubnubReq(0, "/restapi/v1.0/account/999/extension/~/presence"), 403, "SUB-406", ""},
		{"unknown extension", pubnubReq(0, subscription.ExtensionPresence("424242")), 403, "SUB-408", ""},
		{"websocket over HTTP", subscription.CreateRequest{EventFilters: []subscription.Filter{subscription.ExtensionPresence("")}, DeliveryMode: subscription.DeliveryMode{TransportType: "WebSocket"}}, 400, "CMN-101", "deliveryMode.transportType"},
		{"no transport", subscription.CreateRequest{EventFilters: []subscription.Filter{subscription.ExtensionPresence("")}}, 400, "CMN-101", "deliveryMode.transportType"},
		{"APNS", subscription.CreateRequest{EventFilters: []subscription.Filter{subscription.ExtensionPresence("")}, DeliveryMode: subscription.DeliveryMode{TransportType: "RC/APNS"}}, 400, "CMN-101", "deliveryMode.transportType"},
		{"webhook without address", webhookReq("", 0, subscription.ExtensionPresence("")), 400, "CMN-101", "deliveryMode.address"},
		{"webhook relative address", webhookReq("/hook", 0, subscription.ExtensionPresence("")), 400, "CMN-101", "deliveryMode.address"},
		{"not JSON", "{", 400, "CMN-101", "body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, p, tok, "POST", "/restapi/v1.0/subscription", tt.body)
			var e rcError
			r.decode(t, &e)
			got := []any{r.status, e.ErrorCode, e.Errors[0].ParameterName}
			if d := cmp.Diff([]any{tt.status, tt.code, tt.param}, got); d != "" {
				t.Errorf("(-want +got):\n%s\nbody %s", d, r.body)
			}
		})
	}
	if n := len(p.Subscriptions()); n != 0 {
		t.Errorf("%d subscriptions created by refused requests", n)
	}
}

func TestSubscriptionLimitPerExtension(t *testing.T) {
	p, clk := start(t)
	alice, bob := token(t, p, "230000101"), token(t, p, "230000102")
	req := pubnubReq(0, subscription.ExtensionPresence(""))
	var first subscription.Info
	for i := range 30 {
		in := create(t, p, alice, req)
		if i == 0 {
			first = in
		}
	}
	if st, code := do(t, p, alice, "POST", "/restapi/v1.0/subscription", req).code(t); st != 403 || code != "SUB-505" {
		t.Fatalf("31st subscription: %d %s, want 403 SUB-505", st, code)
	}
	create(t, p, bob, req) // the limit is per extension

	// A deleted subscription frees its place; so does an expired one.
	if r := do(t, p, alice, "DELETE", "/restapi/v1.0/subscription/"+first.ID, nil); r.status != 204 {
		t.Fatalf("delete: %d", r.status)
	}
	create(t, p, alice, req)
	if r := do(t, p, alice, "POST", "/restapi/v1.0/subscription", req); r.status != 403 {
		t.Fatalf("at the limit again: %d", r.status)
	}
	clk.Advance(15 * time.Minute)
	create(t, p, alice, req)
}

func TestListOnlyCallersSubscriptions(t *testing.T) {
	p, _ := start(t)
	alice, bob := token(t, p, "230000101"), token(t, p, "230000102")
	a := create(t, p, alice, pubnubReq(0, subscription.ExtensionPresence("")))
	b := create(t, p, bob, pubnubReq(0, subscription.ExtensionPresence("")))
	if d := cmp.Diff([]subscription.Filter{"/restapi/v1.0/account/230000001/extension/230000102/presence"}, b.EventFilters); d != "" {
		t.Errorf("bob's ~ expansion (-want +got):\n%s", d)
	}
	for _, c := range []struct {
		tok  string
		want subscription.Info
	}{{alice, a}, {bob, b}} {
		var list subscription.List
		do(t, p, c.tok, "GET", "/restapi/v1.0/subscription", nil).decode(t, &list)
		if d := cmp.Diff([]subscription.Info{c.want}, list.Records); d != "" {
			t.Errorf("list (-want +got):\n%s", d)
		}
	}
	// Someone else's subscription does not exist for the caller.
	if st, code := do(t, p, bob, "GET", "/restapi/v1.0/subscription/"+a.ID, nil).code(t); st != 404 || code != "CMN-102" {
		t.Errorf("bob reads alice's: %d %s", st, code)
	}
	if st, _ := do(t, p, bob, "DELETE", "/restapi/v1.0/subscription/"+a.ID, nil).code(t); st != 404 {
		t.Errorf("bob deletes alice's: %d", st)
	}
	if d := cmp.Diff([]subscription.Info{a, b}, p.Subscriptions()); d != "" {
		t.Errorf("Subscriptions (-want +got):\n%s", d)
	}
}

func TestBlacklist(t *testing.T) {
	p, clk := start(t)
	hook := echoHook(t)
	tok := token(t, p, "230000101")
	in := create(t, p, tok, webhookReq(hook.URL, 0, subscription.ExtensionPresence("")))
	clk.Advance(time.Minute)
	if !p.Blacklist(in.ID, "Webhook responses with code: [404], reason: [Not Found]") {
		t.Fatal("Blacklist: not found")
	}
	var got subscription.Info
	do(t, p, tok, "GET", "/restapi/v1.0/subscription/"+in.ID, nil).decode(t, &got)
	want := &subscription.BlacklistedData{BlacklistedAt: clk.Now(), Reason: "Webhook responses with code: [404], reason: [Not Found]"}
	if got.Status != subscription.Blacklisted {
		t.Errorf("status = %s", got.Status)
	}
	if d := cmp.Diff(want, got.BlacklistedData); d != "" {
		t.Errorf("blacklistedData (-want +got):\n%s", d)
	}
	if p.Blacklist("nope", "x") {
		t.Errorf("Blacklist of an unknown id reported true")
	}
}

func TestSubscriptionIDsAreUnique(t *testing.T) {
	p, _ := start(t, notifytest.WithSubscriptionLimit(50))
	tok := token(t, p, "230000101")
	seen := map[string]bool{}
	for i := range 50 {
		in := create(t, p, tok, pubnubReq(0, subscription.ExtensionPresence("")))
		if seen[in.ID] {
			t.Fatalf("duplicate id %s at %d", in.ID, i)
		}
		seen[in.ID] = true
	}
	if r := do(t, p, tok, "POST", "/restapi/v1.0/subscription", pubnubReq(0, subscription.ExtensionPresence(""))); r.status != 403 {
		t.Errorf("WithSubscriptionLimit(50): 51st answered %d", r.status)
	}
}
