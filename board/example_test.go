package board_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/ringwatch/ringwatch/board"
	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/telephony"
)

// A Board mounted under /board/ on a server's mux. A program feeds it the
// events of its subscription with go b.Run(ctx, sub.Events()); here one
// change is observed by hand.
func Example() {
	b := board.New(board.WithTitle("Support line"), board.WithAgent("230000101", "Ada Lovelace", "101"))
	defer b.Close()

	b.Observe(&notify.CallChange{Change: telephony.Change{
		TelephonySessionID: "s-1", PartyID: "p-1", To: telephony.Proceeding, Kind: telephony.KindRinging,
		Party: telephony.Party{Direction: telephony.Inbound, Status: telephony.Status{Code: telephony.Proceeding},
			From: telephony.Endpoint{PhoneNumber: "+16505550100"},
			To:   telephony.Endpoint{Name: "Ada Lovelace", ExtensionID: "230000101"}},
	}})

	mux := http.NewServeMux()
	mux.Handle("/board/", http.StripPrefix("/board", b))

	for _, method := range []string{http.MethodGet, http.MethodPost} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(method, "/board/", nil))
		fmt.Println(method, rec.Code, rec.Header().Get("Content-Type"), strings.Contains(rec.Body.String(), "<h1>Support line</h1>"))
	}
	fmt.Println(b.Stats().Events, "event observed")
	// Output:
	// GET 200 text/html; charset=utf-8 true
	// POST 405 text/plain; charset=utf-8 false
	// 1 event observed
}
