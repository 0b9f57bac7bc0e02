package presence_test

import (
	"fmt"

	"github.com/ringwatch/ringwatch/presence"
)

func ExampleParseEvent() {
	body := []byte(`{
	  "extensionId": 297277020,
	  "telephonyStatus": "OnHold",
	  "sequence": "2013",
	  "activeCalls": [
	    {"id": "a", "direction": "Outbound", "telephonyStatus": "OnHold", "queueCall": true,
	     "startTime": "2019-07-09T16:17:27.975+0000", "sipData": {"toTag": "7lcee2ho88"}},
	    {"id": "b", "direction": "Inbound", "telephonyStatus": "NoCall", "terminationType": "final"}
	  ]
	}`)
	e, err := presence.ParseEvent(body)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(e.ExtensionID, e.TelephonyStatus, e.Sequence)
	for _, c := range e.ActiveCalls {
		fmt.Println(c.ID, c.Direction, c.TelephonyStatus, "ended:", c.Ended(), "queue:", c.QueueCall, c.StartTime.UTC().Format("15:04:05"))
	}
	// Output:
	// 297277020 OnHold 2013
	// a Outbound OnHold ended: false queue: true 16:17:27
	// b Inbound NoCall ended: true queue: false 00:00:00
}
