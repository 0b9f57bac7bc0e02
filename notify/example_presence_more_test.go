package notify_test

import (
	"fmt"

	"github.com/ringwatch/ringwatch/notify"
)

// Examples pasted from RingCentral's guide elide the event filter's path
// and mask ids; Decode still recognises the resource by its tail. The DND
// filter has a type of its own.
func ExampleDecode_elidedAndDND() {
	for _, data := range []string{
		`{"event":"/restapi/..snip../presence?detailedTelephonyState=true&sipData=true",
		  "body":{"extensionId":"40xxx08","telephonyStatus":"Ringing","presenceStatus":"Busy"}}`,
		`{"event":"/restapi/..snip../extension/40xxx08/telephony/sessions",
		  "body":{"telephonySessionId":"s-1","parties":[{"id":"p-1","status":{"code":"Proceeding"}}]}}`,
		`{"event":"/restapi/v1.0/account/~/extension/~/presence/dnd",
		  "body":{"extensionId":"6610372004","dndStatus":"DoNotAcceptAnyCalls"}}`,
		`{"event":"/restapi/v1.0/account/~/extension/~/call-queues/presence",
		  "body":{"extensionId":"6610372004","callQueueId":"1500723004","acceptCalls":false}}`,
	} {
		ev, err := notify.Decode([]byte(data))
		if err != nil {
			fmt.Println(err)
			continue
		}
		switch ev := ev.(type) {
		case *notify.PresenceEvent:
			fmt.Println("presence", ev.Body.ExtensionID, ev.Body.TelephonyStatus)
		case *notify.TelephonyEvent:
			fmt.Println("session", ev.Body.TelephonySessionID, ev.Body.Parties[0].Status.Code)
		case *notify.DNDEvent:
			fmt.Println("DND", ev.Body.ExtensionID, ev.Body.DNDStatus)
		case *notify.QueuePresenceEvent:
			fmt.Println("queue", ev.Body.CallQueueID, "agent", ev.Body.ExtensionID, "accepts calls:", ev.Body.AcceptCalls)
		}
	}
	// Output:
	// presence 40xxx08 Ringing
	// session s-1 Proceeding
	// DND 6610372004 DoNotAcceptAnyCalls
	// queue 1500723004 agent 6610372004 accepts calls: false
}
