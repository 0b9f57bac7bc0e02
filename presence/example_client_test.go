package presence_test

import (
	"context"
	"fmt"

	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/presence"
)

// Read the presence of every extension of the account, page by page.
func ExampleClient_Account() {
	p := notifytest.NewPlatform()
	defer p.Close()
	ctx := context.Background()
	_ = p.SetPresence(p.Owner().ID, presence.Event{TelephonyStatus: presence.Ringing})

	c := presence.NewClient(ringwatch.NewClient(p.Config()))
	n := 0
	for info, err := range c.Account(ctx, "~", &presence.AccountOptions{PerPage: 2}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		if n++; info.ExtensionID == p.Owner().ID {
			fmt.Println(info.ExtensionNumber, info.TelephonyStatus)
		}
	}
	fmt.Println(n == len(p.Extensions()))

	me, err := c.Extension(ctx, "~", "~")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(me.ExtensionID == p.Owner().ID, me.TelephonyStatus)
	// Output:
	// 101 Ringing
	// true
	// true Ringing
}
