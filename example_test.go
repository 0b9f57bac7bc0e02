package ringwatch_test

import (
	"context"
	"fmt"
	"os"

	ringwatch "github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/subscription"
)

// A program reads its credentials from the environment and gets an
// authorised *http.Client for every REST client. Here the environment
// points at a fake platform; in production RC_SERVER_URL may stay unset.
func ExampleConfigFromEnv() {
	p := notifytest.NewPlatform()
	defer p.Close()
	fake := p.Config()
	for k, v := range map[string]string{
		ringwatch.EnvServerURL:    fake.ServerURL,
		ringwatch.EnvClientID:     fake.ClientID,
		ringwatch.EnvClientSecret: fake.ClientSecret,
		ringwatch.EnvJWT:          fake.JWT,
	} {
		os.Setenv(k, v)
		defer os.Unsetenv(k)
	}

	cfg, err := ringwatch.ConfigFromEnv()
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	subs := subscription.NewClient(ringwatch.NewClient(cfg))
	info, err := subs.Create(ctx, subscription.CreateRequest{
		EventFilters: []subscription.Filter{subscription.AccountTelephonySessions()},
		DeliveryMode: subscription.DeliveryMode{TransportType: subscription.TransportPubNub},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(info.Status, info.EventFilters[0])
	fmt.Println(subs.Delete(ctx, info.ID))
	// Output:
	// Active /restapi/v1.0/account/230000001/telephony/sessions
	// <nil>
}

// A missing variable is named in the error.
func ExampleConfigFromEnv_missing() {
	os.Setenv(ringwatch.EnvClientID, "my-app")
	defer os.Unsetenv(ringwatch.EnvClientID)
	_, err := ringwatch.ConfigFromEnv()
	fmt.Println(err)
	// Output:
	// ringwatch: missing environment variables RC_APP_CLIENT_SECRET, RC_USER_JWT
}

// Printing or logging a Config never shows its secrets.
func ExampleConfig_String() {
	cfg := ringwatch.Config{ServerURL: ringwatch.DefaultServerURL, ClientID: "my-app", ClientSecret: "s3cr3t", JWT: "eyJ..."}
	fmt.Println(cfg)
	// Output:
	// ringwatch.Config{ServerURL: "https://platform.ringcentral.com", ClientID: "my-app", ClientSecret: "[redacted]", JWT: "[redacted]"}
}
