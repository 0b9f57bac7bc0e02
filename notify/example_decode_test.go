package notify_test

import (
	"fmt"

	"github.com/ringwatch/ringwatch/notify"
)

// A telephony-session notification as a webhook or the WebSocket Gateway
// delivers it.
func ExampleDecode() {
	data := []byte(`{
	  "uuid": "1823485288313944239",
	  "event": "/restapi/v1.0/account/809646016/extension/809646016/telephony/sessions",
	  "timestamp": "2020-06-14T19:27:18.390Z",
	  "subscriptionId": "53300e7c-5e69-42bf-ab4d-179aabc6e869",
	  "body": {
	    "sequence": 3,
	    "telephonySessionId": "s-a6abd24ca6774373a8120a3390d3cbe8",
	    "eventTime": "2020-06-14T19:27:18.340Z",
	    "parties": [{
	      "extensionId": 809646016,
	      "id": "p-a6abd24ca6774373a8120a3390d3cbe8-2",
	      "direction": "Inbound",
	      "from": {"phoneNumber": "+14083388064"},
	      "to": {"phoneNumber": "+19043014558", "name": "TESTER Babji"},
	      "status": {"code": "Voicemail"}
	    }]
	  }
	}`)
	ev, err := notify.Decode(data)
	if err != nil {
		fmt.Println(err)
		return
	}
	switch ev := ev.(type) {
	case *notify.TelephonyEvent:
		s := &ev.Body
		fmt.Println("session", s.TelephonySessionID, "sequence", s.Sequence, "at", s.EventTime.Format("15:04:05.000"))
		for _, p := range s.Parties {
			fmt.Println("party", p.ID, "extension", p.ExtensionID, p.Direction, p.From.PhoneNumber, "->", p.To.PhoneNumber)
			fmt.Println("status", p.Status.Code)
		}
	case *notify.PresenceEvent:
		fmt.Println("presence of", ev.Body.ExtensionID)
	}
	// Output:
	// session s-a6abd24ca6774373a8120a3390d3cbe8 sequence 3 at 19:27:18.340
	// party p-a6abd24ca6774373a8120a3390d3cbe8-2 extension 809646016 Inbound +14083388064 -> +19043014558
	// status VoiceMail
}

// A detailed presence notification; the extension id arrives as a number
// and the timestamp with a "+0000" offset.
func ExampleDecode_presence() {
	data := []byte(`{
	  "uuid": "db01e7de-5f3c-4ee5-ab72-f8bd3b77e308",
	  "event": "/restapi/v1.0/account/~/extension/402853446008/presence?detailedTelephonyState=true",
	  "timestamp": "2014-03-12T20:47:54.712+0000",
	  "body": {
	    "extensionId": 402853446008,
	    "telephonyStatus": "Ringing",
	    "sequence": 2698,
	    "activeCalls": [{
	      "id": "39247ebfdc324e3b96d7519672aec3e4",
	      "direction": "Inbound",
	      "from": "+18775380038",
	      "to": "+18445810019",
	      "telephonyStatus": "Ringing",
	      "telephonySessionId": "s-39247ebfdc324e3b",
	      "partyId": "p-39247ebfdc324e3b-2"
	    }]
	  }
	}`)
	ev, err := notify.Decode(data)
	if err != nil {
		fmt.Println(err)
		return
	}
	if p, ok := ev.(*notify.PresenceEvent); ok {
		fmt.Println("extension", p.Body.ExtensionID, p.Body.TelephonyStatus, "sequence", p.Body.Sequence, "at", p.Timestamp.UTC().Format("2006-01-02 15:04:05"))
		for _, c := range p.Body.ActiveCalls {
			fmt.Println("call", c.TelephonySessionID, c.PartyID, c.Direction, c.From, "->", c.To, c.TelephonyStatus)
		}
	}
	// Output:
	// extension 402853446008 Ringing sequence 2698 at 2014-03-12 20:47:54
	// call s-39247ebfdc324e3b p-39247ebfdc324e3b-2 Inbound +18775380038 -> +18445810019 Ringing
}

// Malformed input is an error that says what and where, never a panic.
func ExampleDecodeError() {
	_, err := notify.Decode([]byte(`{"event":"/restapi/v1.0/account/~/telephony/sessions","body":{"sequence":3rd}}`))
	fmt.Println(err)
	// Output:
	// notify: decode envelope: body.sequence: want , or }, got character 'r' (at byte 74)
}

// A field whose value has an unexpected shape costs only that field: the
// event arrives, and Header.Skipped names what was skipped.
func ExampleHeader_skipped() {
	ev, err := notify.Decode([]byte(`{"event":"/restapi/v1.0/account/~/telephony/sessions",` +
		`"body":{"sequence":"third","telephonySessionId":"s-1"}}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ev.(*notify.TelephonyEvent).Body.TelephonySessionID)
	for _, sk := range ev.EventHeader().Skipped {
		fmt.Printf("%s: %s\n", sk.Path, sk.Reason)
	}
	// Output:
	// s-1
	// body.sequence: want an integer, got "third"
}
