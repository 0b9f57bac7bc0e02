package subscription_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/ringwatch/ringwatch/subscription"
)

func ExampleAccountTelephonySessions() {
	f := subscription.AccountTelephonySessions(subscription.Direction("Inbound"), subscription.WithSIP())
	fmt.Println(f)
	// Output: /restapi/v1.0/account/~/telephony/sessions?direction=Inbound&sipData=true
}

func ExampleExtensionPresence() {
	fmt.Println(subscription.ExtensionPresence(""))
	fmt.Println(subscription.ExtensionPresence("62264425016", subscription.Detailed()))
	fmt.Println(subscription.ExtensionPresence(subscription.Me, subscription.WithSIP()))
	// Output:
	// /restapi/v1.0/account/~/extension/~/presence
	// /restapi/v1.0/account/~/extension/62264425016/presence?detailedTelephonyState=true
	// /restapi/v1.0/account/~/extension/~/presence?detailedTelephonyState=true&sipData=true
}

func ExampleRenewalReminder() {
	f := subscription.RenewalReminder(2*time.Minute, time.Minute)
	fmt.Println(f, f.Validate())
	err := subscription.RenewalReminder(time.Minute, 45*time.Second).Validate()
	fmt.Println(errors.Is(err, subscription.ErrInvalidFilter), err)
	// Output:
	// /restapi/v1.0/subscription/~?threshold=120&interval=60 <nil>
	// true subscription: invalid event filter "/restapi/v1.0/subscription/~?threshold=60&interval=45": interval (45s) must be at most half of threshold (60s)
}

func ExampleParseFilter() {
	// The server's expanded form, as Info.EventFilters lists it.
	pf, err := subscription.ParseFilter("/restapi/v1.0/account/37439510/extension/297277020/presence?detailedTelephonyState=true&sipData=true")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(pf.Kind, pf.AccountID, pf.ExtensionID, pf.Detailed, pf.SIP)
	fmt.Println(subscription.Classify("/restapi/v1.0/account/~/extension/~/telephony/sessions"))
	fmt.Println(subscription.Classify("/restapi/v1.0/account/~/extension/~/message-store"))
	// Output:
	// extension presence 37439510 297277020 true true
	// extension telephony sessions
	// other
}

// Classify reads notifications tolerantly; ParseFilter validates filters
// strictly.
func ExampleClassify() {
	guide := "/restapi/..snip../extension/40xxx08/telephony/sessions"
	fmt.Println(subscription.Classify(guide))
	fmt.Println(subscription.Classify("/restapi/v1.0/account/~/extension/~/presence/dnd"))
	_, err := subscription.ParseFilter(guide)
	fmt.Println(err)
	// Output:
	// extension telephony sessions
	// DND presence
	// subscription: invalid event filter "/restapi/..snip../extension/40xxx08/telephony/sessions": elided path segment (..)
}
