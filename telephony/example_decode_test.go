package telephony_test

import (
	"fmt"

	"github.com/ringwatch/ringwatch/telephony"
)

func ExampleParseSession() {
	body := []byte(`{
	  "sequence": 9,
	  "telephonySessionId": "s-a4a0d82257c9fz1803a3e5601z9856ea0000",
	  "eventTime": "2020-07-17T13:34:02.098Z",
	  "parties": [{
	    "id": "p-a4a0d82257c9fz1803a3e5601z9856ea0000-1",
	    "owner": {"accountId": "153906004", "extensionId": 153906004},
	    "direction": "Outbound",
	    "status": {"code": "Gone", "reason": "AttendedTransfer",
	               "peerId": {"sessionId": "s-a4a0d812557c5z1803a3eee14z97f6290000", "partyId": "p-a4a0d812557c5z1803a3eee14z97f6290000-1"}}
	  }]
	}`)
	s, err := telephony.ParseSession(body)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("session", s.TelephonySessionID, "sequence", s.Sequence)
	for _, p := range s.Parties {
		fmt.Println("party", p.ID, "extension", p.ExtensionID, p.Status.Code, p.Status.Reason, "final:", p.Status.Code.Final())
		if p.Status.PeerID != nil {
			fmt.Println("continues in", p.Status.PeerID.SessionID, p.Status.PeerID.PartyID)
		}
	}
	// Output:
	// session s-a4a0d82257c9fz1803a3e5601z9856ea0000 sequence 9
	// party p-a4a0d82257c9fz1803a3e5601z9856ea0000-1 extension 153906004 Gone AttendedTransfer final: true
	// continues in s-a4a0d812557c5z1803a3eee14z97f6290000 p-a4a0d812557c5z1803a3eee14z97f6290000-1
}
