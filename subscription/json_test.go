package subscription_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ringwatch/ringwatch/internal/testkit/fixture"
	"github.com/ringwatch/ringwatch/subscription"
)

func jsonTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestInfoFromPubNubResponse(t *testing.T) {
	var got subscription.Info
	if err := json.Unmarshal(fixture.Read(t, "rcwidgets-pubnub-subscription-response-encrypted.json"), &got); err != nil {
		t.Fatal(err)
	}
	want := subscription.Info{
		ID:           "09c41c8c-bed7-4f7f-b9d1-226fec163951",
		URI:          "https://platform.ringcentral.com/restapi/v1.0/subscription/09c41c8c-bed7-4f7f-b9d1-226fec163951",
		CreationTime: jsonTime(t, "2019-02-08T08:43:03.630Z"),
		Status:       subscription.Active,
		EventFilters: []subscription.Filter{
			"/restapi/v1.0/account/208594004/extension/208594004/presence?detailedTelephonyState=true",
			"/restapi/v1.0/account/208594004/extension/208594004/message-store",
			"/restapi/v1.0/account/208594004/extension/208594004/presence?detailedTelephonyState=true&sipData=true",
		},
		ExpirationTime: jsonTime(t, "2029-01-28T08:58:03.630Z"),
		ExpiresIn:      899 * time.Second,
		DeliveryMode: subscription.DeliveryMode{
			TransportType: subscription.TransportPubNub, Encryption: true, Address: "866603049130380_88168459",
			SubscriberKey: "sub-c-b8b9cd8c-e906-11e2-b383-02ee2ddab7fe", EncryptionAlgorithm: "AES",
			EncryptionKey: "7mP+gPXHHWjP49kd5cN5cg==",
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Info mismatch (-want +got):\n%s", diff)
	}
	if s := got.DeliveryMode.String(); strings.Contains(s, "7mP+") {
		t.Errorf("DeliveryMode.String() = %q leaks the encryption key", s)
	}
	assertInfoRoundTrip(t, got)
}

func TestListWithBlacklistedWebhook(t *testing.T) {
	var got subscription.List
	if err := json.Unmarshal(fixture.Read(t, "apidocs-webhook-blacklist.json"), &got); err != nil {
		t.Fatal(err)
	}
	want := subscription.List{
		URI: "https://platform.ringcentral.com/restapi/v1.0/subscription",
		Records: []subscription.Info{{
			URI:          "https://platform.ringcentral.com/restapi/v1.0/subscription/1423e408-e25c-4421-8dd1-5f754e2f5648",
			ID:           "1423e408-e25c-4421-8dd1-5f754e2f5648",
			CreationTime: jsonTime(t, "2022-03-18T01:45:30.573Z"),
			Status:       subscription.Blacklisted,
			EventFilters: []subscription.Filter{
				"/restapi/v1.0/account/37439510/extension/2253168021", "/restapi/v1.0/glip/posts", "/restapi/v1.0/glip/groups",
			},
			ExpirationTime: jsonTime(t, "2037-03-14T01:45:30.573Z"),
			ExpiresIn:      464203396 * time.Second,
			DeliveryMode: subscription.DeliveryMode{TransportType: subscription.TransportWebHook,
				Address: "https://google-drive-add-in.integration.ringcentral.com/bot/webhook"},
			BlacklistedData: &subscription.BlacklistedData{
				Reason:        "I/O operation is failed. Details: [Read timed out]",
				BlacklistedAt: jsonTime(t, "2022-06-28T05:24:00.720Z"),
			},
		}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("List mismatch (-want +got):\n%s", diff)
	}
	assertInfoRoundTrip(t, got.Records[0])
}

func assertInfoRoundTrip(t *testing.T, in subscription.Info) {
	t.Helper()
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if got, want := m["expiresIn"], float64(in.ExpiresIn/time.Second); got != want {
		t.Errorf("marshalled expiresIn = %v, want %v seconds", got, want)
	}
	var back subscription.Info
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, back); diff != "" {
		t.Errorf("round trip mismatch (-want +got):\n%s", diff)
	}
}

func TestCreateRequestFromWebhookFixture(t *testing.T) {
	var got subscription.CreateRequest
	if err := json.Unmarshal(fixture.Read(t, "apidocs-webhook-create-webhook-request.json"), &got); err != nil {
		t.Fatal(err)
	}
	want := subscription.CreateRequest{
		EventFilters: []subscription.Filter{
			subscription.ExtensionPresence("", subscription.WithSIP()),
			"/restapi/v1.0/account/~/extension/~/message-store",
			"/restapi/v1.0/account/~/extension/~/presence/line",
			"/restapi/v1.0/account/~/extension",
		},
		DeliveryMode: subscription.DeliveryMode{TransportType: subscription.TransportWebHook,
			Address: "https://myapp.ngrok.io/hook?auth_token=MySecureToken"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CreateRequest mismatch (-want +got):\n%s", diff)
	}
	for _, f := range got.EventFilters {
		if err := f.Validate(); err != nil {
			t.Errorf("fixture filter %s: %v", f, err)
		}
	}
}

func TestCreateRequestJSON(t *testing.T) {
	req := subscription.CreateRequest{
		EventFilters: []subscription.Filter{subscription.AccountTelephonySessions(), subscription.RenewalReminder(120*time.Second, 60*time.Second)},
		DeliveryMode: subscription.DeliveryMode{TransportType: subscription.TransportWebSocket},
		ExpiresIn:    15 * time.Minute,
	}
	b, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"eventFilters":["/restapi/v1.0/account/~/telephony/sessions","/restapi/v1.0/subscription/~?threshold=120\u0026interval=60"],` +
		`"deliveryMode":{"transportType":"WebSocket"},"expiresIn":900}`
	if string(b) != want {
		t.Errorf("Marshal =\n%s\nwant\n%s", b, want)
	}
	var back subscription.CreateRequest
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(req, back); diff != "" {
		t.Errorf("round trip mismatch (-want +got):\n%s", diff)
	}

	// RingCentral's own PubNub example sends "encryption": "true"; a zero
	// expiresIn is left out.
	var pub subscription.CreateRequest
	in := `{"eventFilters":["/restapi/v1.0/account/~/extension/~/presence"],"deliveryMode":{"transportType":"PubNub","encryption":"true"},"expiresIn":"600"}`
	if err := json.Unmarshal([]byte(in), &pub); err != nil {
		t.Fatal(err)
	}
	if !pub.DeliveryMode.Encryption || pub.ExpiresIn != 10*time.Minute {
		t.Errorf("got %+v", pub)
	}
	b, _ = json.Marshal(subscription.CreateRequest{DeliveryMode: subscription.DeliveryMode{TransportType: "WebHook"}})
	if strings.Contains(string(b), "expiresIn") {
		t.Errorf("zero ExpiresIn marshalled: %s", b)
	}
}

func TestUpdateRequestJSON(t *testing.T) {
	req := subscription.UpdateRequest{EventFilters: []subscription.Filter{subscription.ExtensionPresence("")}, ExpiresIn: time.Hour}
	b, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"eventFilters":["/restapi/v1.0/account/~/extension/~/presence"],"expiresIn":3600}`; string(b) != want {
		t.Errorf("Marshal = %s, want %s", b, want)
	}
	var back subscription.UpdateRequest
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(req, back); diff != "" {
		t.Errorf("round trip mismatch (-want +got):\n%s", diff)
	}
	if b, _ := json.Marshal(subscription.UpdateRequest{}); string(b) != `{}` {
		t.Errorf("empty update (a renewal) = %s, want {}", b)
	}
}

func TestInfoJSONTolerance(t *testing.T) {
	var got subscription.Info
	in := `{"id":"x","expiresIn":"30","creationTime":"2022-03-18T01:45:30.573+0000","deliveryMode":{"transportType":"PubNub","encryption":"true"}}`
	if err := json.Unmarshal([]byte(in), &got); err != nil {
		t.Fatal(err)
	}
	want := subscription.Info{ID: "x", ExpiresIn: 30 * time.Second, CreationTime: jsonTime(t, "2022-03-18T01:45:30.573Z"),
		DeliveryMode: subscription.DeliveryMode{TransportType: "PubNub", Encryption: true}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Info mismatch (-want +got):\n%s", diff)
	}
	if err := json.Unmarshal([]byte(`{"expiresIn":"soon"}`), &got); err == nil || !strings.Contains(err.Error(), "soon") {
		t.Errorf("bad expiresIn error = %v", err)
	}
}
