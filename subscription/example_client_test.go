package subscription_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/subscription"
)

// Create subscribes to the detailed presence of the current extension.
// RingCentral answers with "~" replaced by concrete ids. The fake platform
// stands in for RingCentral.
func ExampleClient_Create() {
	p := notifytest.NewPlatform()
	defer p.Close()
	ctx := context.Background()

	c := subscription.NewClient(ringwatch.NewClient(p.Config()))
	info, err := c.Create(ctx, subscription.CreateRequest{
		EventFilters: []subscription.Filter{
			subscription.ExtensionPresence(subscription.Me, subscription.WithSIP()),
		},
		DeliveryMode: subscription.DeliveryMode{TransportType: subscription.TransportPubNub},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(info.Status)
	fmt.Println(info.EventFilters[0])
	fmt.Println(c.RateLimit().Group)

	if err := c.Delete(ctx, info.ID); err != nil {
		fmt.Println(err)
		return
	}
	_, err = c.Get(ctx, info.ID)
	fmt.Println(errors.Is(err, subscription.ErrNotFound))
	// Output:
	// Active
	// /restapi/v1.0/account/230000001/extension/230000101/presence?detailedTelephonyState=true&sipData=true
	// Medium
	// true
}

// Errors from the API are *ringwatch.APIError values; an invalid filter is refused
// before anything is sent.
func ExampleClient_Create_errors() {
	p := notifytest.NewPlatform()
	defer p.Close()
	ctx := context.Background()
	c := subscription.NewClient(ringwatch.NewClient(p.Config()))

	_, err := c.Create(ctx, subscription.CreateRequest{EventFilters: []subscription.Filter{"presence"}})
	fmt.Println(errors.Is(err, subscription.ErrInvalidFilter))

	_, err = c.Create(ctx, subscription.CreateRequest{
		EventFilters: []subscription.Filter{subscription.AccountTelephonySessions()},
		DeliveryMode: subscription.DeliveryMode{TransportType: subscription.TransportWebHook, Address: "ftp://nowhere"},
	})
	var apiErr *ringwatch.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Code, apiErr.Parameter)
	}
	// Output:
	// true
	// 400 CMN-101 deliveryMode.address
}
